//! Key sequences through the keymap and `update`, checked by the effects and state they leave.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Size;

use super::fixtures::{self, unit_named};
use super::keymap::action_for_key;
use super::*;
use crate::backend::build_state::UnitStatus;
use crate::backend::nix::protocol::parse_line;
use crate::backend::overrides::{CrateSelector, Edit};
use crate::backend::plan::{CargoVerb, UnitId, UnitKind};
use crate::backend::{BackendEvent, EngineError, ErrorKind};

const SCREEN: Size = Size::new(120, 36);

fn press_code(state: &mut AppState, code: KeyCode) -> Vec<Effect> {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    match action_for_key(state.mode(), &key) {
        Some(action) => update(state, action),
        None => Vec::new(),
    }
}

/// Types `keys` one character at a time, as a user would.
fn press(state: &mut AppState, keys: &str) -> Vec<Effect> {
    keys.chars()
        .flat_map(|key| press_code(state, KeyCode::Char(key)))
        .collect()
}

fn selected_name(state: &AppState) -> String {
    let unit = state.selected_unit().expect("a unit is selected");
    let (unit_plan, package) = state.unit_info(unit).expect("selected unit is in the plan");
    format!("{} {}", package.name, unit_plan.kind.label())
}

#[test]
fn f_selects_the_failed_unit_and_reveals_it() {
    let mut state = fixtures::failed_build(SCREEN);
    assert_eq!(selected_name(&state), "demo bin");
    assert!(press(&mut state, "f").is_empty());
    assert_eq!(selected_name(&state), "openssl-sys build-script run");
    let rows = state.tree_rows();
    assert!(
        rows.iter().any(|row| row.path == state.tree.selected),
        "selection is visible"
    );
}

#[test]
fn f_without_failures_says_so() {
    let mut state = fixtures::mid_build(SCREEN);
    press(&mut state, "f");
    assert_eq!(selected_name(&state), "demo bin");
    assert_eq!(
        state.notice.map(|notice| notice.text),
        Some("No failed units".into())
    );
}

#[test]
fn typing_in_the_editor_and_enter_emits_the_edit() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "f");
    let effects = press(&mut state, "e");
    assert_eq!(
        effects,
        vec![Effect::LoadDepsEntry {
            crate_name: "openssl-sys".into()
        }]
    );
    assert!(
        press(&mut state, "openssl").is_empty(),
        "letters are typed, not commands"
    );
    let effects = press_code(&mut state, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::EditDeps(vec![Edit::AddDep {
            target: CrateSelector::all_versions("openssl-sys"),
            package: "openssl".into(),
        }])]
    );
    assert!(
        press_code(&mut state, KeyCode::Enter).is_empty(),
        "one save at a time"
    );
}

#[test]
fn the_editor_can_set_an_env_var_for_this_version_only() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "fe");
    press_code(&mut state, KeyCode::Tab);
    press_code(&mut state, KeyCode::Down);
    press_code(&mut state, KeyCode::Down);
    press(&mut state, "OPENSSL_DIRX");
    press_code(&mut state, KeyCode::Backspace);
    press(&mut state, "=/usr");
    let effects = press_code(&mut state, KeyCode::Enter);
    assert_eq!(
        effects,
        vec![Effect::EditDeps(vec![Edit::SetEnv {
            target: CrateSelector {
                name: "openssl-sys".into(),
                version: Some("0.9.109".into()),
            },
            var: "OPENSSL_DIR".into(),
            value: "/usr".into(),
        }])]
    );
}

#[test]
fn invalid_input_is_refused_inline_without_an_effect() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "fe");
    press(&mut state, "pkg-config openssl");
    assert!(press_code(&mut state, KeyCode::Enter).is_empty());
    let editor = state.editor.as_ref().expect("editor stays open");
    assert_eq!(editor.error.as_deref(), Some("one package at a time"));
}

#[test]
fn a_save_error_from_the_shell_shows_in_the_editor() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "feopenssl");
    press_code(&mut state, KeyCode::Enter);
    let error = "Cargo.dependencies.nix:3:17: unexpected `}`".to_owned();
    update(
        &mut state,
        Action::App(AppEvent::DepsSaved(Err(error.clone()))),
    );
    let editor = state.editor.as_ref().expect("editor stays open");
    assert_eq!(editor.error, Some(error));
    assert_eq!(state.pending_edit, None, "the user may try again");
}

#[test]
fn after_a_save_r_rebuilds_the_crate_and_its_dependents() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "feopenssl");
    press_code(&mut state, KeyCode::Enter);
    let effects = update(
        &mut state,
        Action::App(AppEvent::DepsSaved(Ok(
            "added openssl to openssl-sys".into()
        ))),
    );
    assert!(
        state.editor.is_none(),
        "a successful save closes the editor"
    );
    assert!(
        effects.is_empty(),
        "nothing shows the entry now: {effects:?}"
    );
    let plan = state.build.plan.clone().expect("plan");
    let effects = press(&mut state, "r");
    let mut openssl_units = vec![
        unit_named(&plan, "openssl-sys", "lib"),
        unit_named(&plan, "openssl-sys", "build script"),
        unit_named(&plan, "openssl-sys", "build-script run"),
    ];
    openssl_units.sort_unstable();
    assert_eq!(
        effects,
        vec![Effect::Build {
            verb: CargoVerb::Build,
            only: Some(openssl_units)
        }]
    );
    assert!(
        press(&mut state, "r").is_empty(),
        "no second build while one is starting"
    );
}

#[test]
fn r_rebuilds_the_selected_unit() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "f");
    let failed = state.selected_unit().expect("selected");
    assert_eq!(
        press(&mut state, "r"),
        vec![Effect::Build {
            verb: CargoVerb::Build,
            only: Some(vec![failed])
        }]
    );
}

#[test]
fn nothing_builds_until_asked_and_then_once() {
    let mut state = AppState::new(SCREEN);
    let plan = Arc::new(fixtures::plan());
    for event in [BackendEvent::PlanningStarted, BackendEvent::Planned(plan)] {
        assert!(update(&mut state, Action::Backend(event)).is_empty());
    }
    assert_eq!(
        selected_name(&state),
        "demo bin",
        "the first root is selected"
    );
    assert!(press(&mut state, "b").is_empty(), "still preparing");
    for event in [
        BackendEvent::EvaluationStarted,
        BackendEvent::Instantiated(Vec::new()),
        BackendEvent::AlreadyValid(Vec::new()),
    ] {
        assert!(update(&mut state, Action::Backend(event)).is_empty());
    }
    assert_eq!(
        press(&mut state, "b"),
        vec![Effect::Build {
            verb: CargoVerb::Build,
            only: None
        }]
    );
    assert!(press(&mut state, "b").is_empty());
    assert_eq!(press(&mut state, "c"), vec![Effect::Cancel]);
    update(
        &mut state,
        Action::Backend(BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        }),
    );
    assert!(press(&mut state, "c").is_empty(), "nothing left to cancel");
    assert_eq!(
        press(&mut state, "b"),
        vec![Effect::Build {
            verb: CargoVerb::Build,
            only: None
        }]
    );
}

#[test]
fn q_and_ctrl_c_quit() {
    let mut state = fixtures::planned(SCREEN);
    assert_eq!(press(&mut state, "q"), vec![Effect::Quit]);
    press(&mut state, "e");
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let action = action_for_key(state.mode(), &ctrl_c).expect("bound");
    assert_eq!(update(&mut state, action), vec![Effect::Quit]);
}

#[test]
fn unit_search_selects_as_you_type_and_n_goes_on() {
    let mut state = fixtures::planned(SCREEN);
    press(&mut state, "/ssl");
    assert_eq!(selected_name(&state), "openssl-sys lib");
    press_code(&mut state, KeyCode::Enter);
    assert_eq!(state.mode(), Mode::Normal);
    press(&mut state, "n");
    assert_eq!(selected_name(&state), "openssl-sys build-script run");
    press(&mut state, "n");
    assert_eq!(selected_name(&state), "openssl-sys build script");
    press(&mut state, "n");
    assert_eq!(selected_name(&state), "openssl-sys lib", "wraps around");
    press(&mut state, "N");
    assert_eq!(selected_name(&state), "openssl-sys build script");
}

#[test]
fn unit_search_finds_derivations_outside_the_crate_graph_after_the_units() {
    let mut state = fixtures::host_package_failed(SCREEN);
    press(&mut state, "/rustc");
    assert_eq!(
        selected_other_name(&state),
        "rustc-1.95.0",
        "found as you type"
    );
    press_code(&mut state, KeyCode::Esc);
    press(&mut state, "/ssl");
    press_code(&mut state, KeyCode::Enter);
    assert_eq!(selected_name(&state), "openssl-sys lib", "units first");
    press(&mut state, "nnn");
    let source = selected_other_name(&state);
    assert!(
        source.starts_with("openssl-sys"),
        "the crate's source: {source}"
    );
    press(&mut state, "n");
    assert_eq!(selected_other_name(&state), "host-openssl");
    assert!(
        state
            .tree_rows()
            .iter()
            .any(|row| row.outside == state.tree.selected_outside),
        "its group is open"
    );
    press(&mut state, "n");
    assert_eq!(selected_name(&state), "openssl-sys lib", "wraps around");
    press(&mut state, "N");
    assert_eq!(selected_other_name(&state), "host-openssl");
}

#[test]
fn a_search_without_match_keeps_the_selection() {
    let mut state = fixtures::planned(SCREEN);
    press(&mut state, "jj");
    let before = state.tree.selected.clone();
    press(&mut state, "/zzz");
    assert_eq!(state.tree.selected, before);
}

#[test]
fn log_search_finds_lines_and_paging_stops_following() {
    let mut state = fixtures::failed_build(Size::new(80, 24));
    press(&mut state, "f");
    press_code(&mut state, KeyCode::Tab);
    press(&mut state, "/openssl_dir");
    press_code(&mut state, KeyCode::Enter);
    let log = state.build.units[state.selected_unit().expect("selected")]
        .log
        .clone();
    let log = &log;
    let found = state.log.current_match_index(log).expect("a match");
    assert!(log.lines[found].contains("OPENSSL_DIR"));
    press(&mut state, "n");
    let next = state.log.current_match_index(log).expect("a match");
    assert!(next > found && log.lines[next].contains("OPENSSL_DIR"));

    press_code(&mut state, KeyCode::End);
    assert!(state.log.follow);
    press_code(&mut state, KeyCode::PageUp);
    assert!(!state.log.follow);
    press_code(&mut state, KeyCode::PageDown);
    assert!(state.log.follow, "paging back to the end follows again");
}

#[test]
fn selecting_another_unit_follows_its_log_again() {
    let mut state = fixtures::failed_build(Size::new(80, 24));
    press(&mut state, "f");
    press_code(&mut state, KeyCode::PageUp);
    assert!(!state.log.follow);
    press(&mut state, "k");
    assert!(state.log.follow);
}

#[test]
fn clicking_a_row_selects_it_and_clicking_again_toggles_it() {
    let mut state = fixtures::planned(SCREEN);
    let rows = super::layout::panes(
        ratatui::layout::Rect::new(0, 0, SCREEN.width, SCREEN.height),
        &state,
    )
    .tree_rows();
    // Rows: demo, libc, openssl-sys (which has dependencies), serde.
    let second_row = rows.y + 2;
    update(
        &mut state,
        Action::Click {
            column: rows.x + 4,
            row: second_row,
        },
    );
    assert_eq!(state.tree.selected.len(), 2, "a child of the root");
    let selected = state.tree.selected.clone();
    update(
        &mut state,
        Action::Click {
            column: rows.x + 4,
            row: second_row,
        },
    );
    assert!(state.tree.opened.contains(&selected));
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer() {
    let mut state = fixtures::failed_build(Size::new(80, 24));
    press(&mut state, "f");
    let log = super::layout::panes(ratatui::layout::Rect::new(0, 0, 80, 24), &state).log;
    update(
        &mut state,
        Action::Scroll {
            column: log.x + 2,
            row: log.y + 2,
            lines: -3,
        },
    );
    assert!(!state.log.follow);
}

#[test]
fn an_engine_error_before_any_plan_shows_the_error_screen() {
    let mut state = AppState::new(SCREEN);
    update(
        &mut state,
        Action::Backend(BackendEvent::Error(EngineError {
            kind: ErrorKind::NixMissing,
            message: "failed to run nix-instantiate: No such file or directory (os error 2)".into(),
        })),
    );
    assert_eq!(state.mode(), Mode::Error);
    let hint = state
        .error_screen
        .as_ref()
        .and_then(|error| error.hint.clone());
    assert!(hint.is_some_and(|hint| hint.contains("Install Nix")));
    assert_eq!(
        press(&mut state, "b"),
        vec![Effect::Build {
            verb: CargoVerb::Build,
            only: None
        }]
    );
    assert_eq!(state.mode(), Mode::Normal);
}

#[test]
fn details_ask_for_the_deps_entry_once_per_crate() {
    let mut state = fixtures::failed_build(SCREEN);
    let load = |crate_name: &str| {
        vec![Effect::LoadDepsEntry {
            crate_name: crate_name.into(),
        }]
    };
    assert_eq!(press(&mut state, "d"), load("demo"));
    assert!(press(&mut state, "dd").is_empty(), "already asked for");
    assert_eq!(press(&mut state, "f"), load("openssl-sys"));
    update(
        &mut state,
        Action::App(AppEvent::DepsEntry {
            crate_name: "openssl-sys".into(),
            text: "deps.\"openssl-sys\" = [ pkg-config ];".into(),
        }),
    );
    assert_eq!(selected_name(&state), "openssl-sys build-script run");
    assert!(press(&mut state, "h").is_empty(), "same crate");
    assert_eq!(selected_name(&state), "openssl-sys lib");
    assert!(press(&mut state, "d").is_empty(), "hiding asks nothing");
}

#[test]
fn help_opens_and_closes() {
    let mut state = fixtures::planned(SCREEN);
    press(&mut state, "?");
    assert_eq!(state.mode(), Mode::Help);
    assert!(
        press(&mut state, "b").is_empty(),
        "keys do not reach the dashboard"
    );
    press_code(&mut state, KeyCode::Esc);
    assert_eq!(state.mode(), Mode::Normal);
}

#[test]
fn a_failed_finish_points_at_f() {
    let mut state = fixtures::failed_build(SCREEN);
    state.build.phase = crate::backend::build_state::Phase::Building;
    update(
        &mut state,
        Action::Backend(BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        }),
    );
    let notice = state.notice.expect("a notice");
    assert_eq!(notice.kind, NoticeKind::Error);
    assert!(notice.text.contains("f jumps"), "{}", notice.text);
    assert!(matches!(state.build.units[0].status, UnitStatus::Skipped));
}

#[test]
fn selecting_another_crate_withdraws_the_rebuild_offer() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "feopenssl");
    press_code(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Action::App(AppEvent::DepsSaved(Ok("saved".into()))),
    );
    press(&mut state, "h");
    assert!(state.rebuild_offer.is_some(), "openssl-sys lib: same crate");
    press(&mut state, "k");
    assert_eq!(state.rebuild_offer, None);
    let libc = state.selected_unit().expect("selected");
    assert_eq!(
        press(&mut state, "r"),
        vec![Effect::Build {
            verb: CargoVerb::Build,
            only: Some(vec![libc])
        }]
    );
}

#[test]
fn b_waits_for_planning_to_finish() {
    let mut state = AppState::new(SCREEN);
    update(&mut state, Action::Backend(BackendEvent::PlanningStarted));
    assert!(press(&mut state, "b").is_empty());
    let notice = state.notice.expect("a notice").text;
    assert!(notice.starts_with("Still planning"), "{notice}");
}

#[test]
fn engine_warnings_show_in_the_status_line() {
    let mut state = fixtures::planned(SCREEN);
    update(
        &mut state,
        Action::Backend(BackendEvent::Warning(
            "Cargo.dependencies.nix:3:5: no crate `opensl-sys` in the graph; did you mean `openssl-sys`?".into(),
        )),
    );
    let notice = state.notice.as_ref().expect("a notice");
    assert!(
        notice.text.contains("did you mean `openssl-sys`"),
        "{notice:?}"
    );
}

#[test]
fn a_failure_outside_any_unit_is_named_in_the_status_line() {
    let mut state = fixtures::planned(SCREEN);
    for event in [
        BackendEvent::BuildStarted,
        BackendEvent::Error(EngineError {
            kind: ErrorKind::Evaluation,
            message:
                "Nix could not evaluate the build:\nerror: undefined variable 'no-such-package'"
                    .into(),
        }),
        BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        },
    ] {
        update(&mut state, Action::Backend(event));
    }
    let notice = state.notice.as_ref().expect("a notice");
    assert!(
        notice.text.contains("undefined variable 'no-such-package'"),
        "{notice:?}"
    );
}

#[test]
fn a_finished_build_is_recorded_for_doctor() {
    let mut state = fixtures::planned(SCREEN);
    fixtures::set_status(
        &mut state,
        "openssl-sys",
        "build-script run",
        UnitStatus::Failed {
            exit_code: Some(101),
        },
    );
    let effects = update(
        &mut state,
        Action::Backend(BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        }),
    );
    let [Effect::RecordBuild(record)] = effects.as_slice() else {
        panic!("expected the build to be recorded: {effects:?}");
    };
    assert_eq!(record.failures.len(), 1);
    assert_eq!(record.failures[0].package, "openssl-sys");
}

#[test]
fn a_shell_failure_is_shown_as_an_error() {
    let mut state = fixtures::failed_build(SCREEN);
    update(
        &mut state,
        Action::App(AppEvent::ShellFailed(
            "could not record the build for doctor: target: Not a directory".into(),
        )),
    );
    let notice = state.notice.expect("a notice");
    assert_eq!(notice.kind, NoticeKind::Error);
    assert!(notice.text.contains("doctor"), "{}", notice.text);
}

/// The engine's events for Nix starting to build `unit` (activity `id`) at `at` seconds.
fn build_starts(state: &mut AppState, unit: UnitId, id: u64, at: u64) {
    let drv = state.build.units[unit]
        .drv_path
        .clone()
        .expect("instantiated");
    update(state, Action::Tick(std::time::Duration::from_secs(at)));
    let line = format!(
        r#"@nix {{"action":"start","fields":["{drv}","",1,1],"id":{id},"level":3,"parent":0,"text":"","type":105}}"#
    );
    update(state, Action::Backend(BackendEvent::Nix(parse_line(&line))));
}

/// The engine's events for the build of `unit` (activity `id`) failing.
fn build_fails(state: &mut AppState, unit: UnitId, id: u64) {
    let drv = state.build.units[unit]
        .drv_path
        .clone()
        .expect("instantiated");
    for line in [
        format!(
            r#"@nix {{"action":"msg","level":0,"msg":"error: builder for '{drv}' failed with exit code 1"}}"#
        ),
        format!(r#"@nix {{"action":"stop","id":{id}}}"#),
    ] {
        update(state, Action::Backend(BackendEvent::Nix(parse_line(&line))));
    }
}

/// The fixture's plan, built from the start: nothing cached, the build running.
fn building(screen: Size) -> AppState {
    let mut state = fixtures::planned(screen);
    press(&mut state, "b");
    update(&mut state, Action::Backend(BackendEvent::BuildStarted));
    state
}

#[test]
fn follow_mode_selects_each_new_build_and_stops_at_a_failure() {
    let mut state = building(SCREEN);
    let plan = state.build.plan.clone().expect("plan");
    let libc = unit_named(&plan, "libc", "lib");
    let syn = unit_named(&plan, "syn", "lib");
    press(&mut state, "F");
    assert!(state.follow);
    build_starts(&mut state, libc, 10, 1);
    assert_eq!(selected_name(&state), "libc lib");
    build_starts(&mut state, syn, 11, 2);
    assert_eq!(selected_name(&state), "syn lib", "the newest build");
    assert!(
        state
            .tree_rows()
            .iter()
            .any(|row| row.path == state.tree.selected),
        "the tree is opened along the way"
    );
    build_fails(&mut state, libc, 10);
    assert_eq!(selected_name(&state), "libc lib", "jumps to the failure");
    assert!(!state.follow, "and stays there");
    let notice = state.notice.clone().expect("a notice");
    assert!(notice.text.contains("F follows again"), "{}", notice.text);
}

/// `F` pressed right after `b`, while the engine plans again: the plan is gone until the new
/// one comes, and follow mode must not be lost with it.
#[test]
fn follow_mode_asked_for_while_planning_follows_the_build_that_comes() {
    let mut state = fixtures::planned(SCREEN);
    let plan = state.build.plan.clone().expect("plan");
    assert_eq!(
        press(&mut state, "b"),
        vec![Effect::Build {
            verb: CargoVerb::Build,
            only: None
        }]
    );
    update(&mut state, Action::Backend(BackendEvent::PlanningStarted));
    press(&mut state, "F");
    assert!(state.follow, "F is taken while planning");
    for event in [
        BackendEvent::Planned(plan.clone()),
        BackendEvent::Instantiated(fixtures::unit_paths(&plan)),
        BackendEvent::BuildStarted,
    ] {
        update(&mut state, Action::Backend(event));
    }
    let libc = unit_named(&plan, "libc", "lib");
    build_starts(&mut state, libc, 10, 1);
    assert!(state.follow);
    assert_eq!(selected_name(&state), "libc lib");
}

#[test]
fn a_manual_move_ends_follow_mode() {
    let mut state = building(SCREEN);
    press(&mut state, "F");
    press(&mut state, "j");
    assert!(!state.follow);
    press(&mut state, "F");
    press_code(&mut state, KeyCode::Tab);
    press(&mut state, "j");
    assert!(state.follow, "scrolling the log is no move in the tree");
}

#[test]
fn p_goes_through_the_running_units_longest_first() {
    let mut state = fixtures::mid_build(SCREEN);
    let running: Vec<String> = state
        .running_jobs()
        .iter()
        .map(|running| {
            let Job::Unit(unit) = running.job else {
                panic!("only units run: {running:?}")
            };
            let (unit, package) = state.unit_info(unit).expect("in the plan");
            format!("{} {}", package.name, unit.kind.label())
        })
        .collect();
    assert_eq!(
        running,
        ["syn lib", "openssl-sys build script", "quote lib"],
        "12 s, 5 s, just started"
    );
    press(&mut state, "p");
    assert_eq!(selected_name(&state), "syn lib");
    press(&mut state, "p");
    assert_eq!(selected_name(&state), "openssl-sys build script");
    press(&mut state, "pp");
    assert_eq!(selected_name(&state), "syn lib", "wraps around");
}

#[test]
fn b_then_c_ends_cancelled_not_failed() {
    let mut state = building(SCREEN);
    assert_eq!(press(&mut state, "c"), vec![Effect::Cancel]);
    update(
        &mut state,
        Action::Backend(BackendEvent::Finished {
            success: false,
            exit_code: Some(130),
        }),
    );
    let notice = state.notice.clone().expect("a notice");
    assert_eq!(notice.kind, NoticeKind::Info);
    assert_eq!(notice.text, "Build cancelled — b builds again");
    press(&mut state, "b");
    assert!(!state.cancel_requested, "the next build is a build again");
}

#[test]
fn an_engine_error_is_kept_whole_for_the_status_line() {
    let mut state = fixtures::planned(Size::new(80, 24));
    let error = "Cargo.dependencies.nix:3:14: deps.\"itoa\" must be a list of packages or an \
                 attribute set of versions, not a string\n  hint: write deps.\"itoa\" = [ zlib ];";
    update(
        &mut state,
        Action::Backend(BackendEvent::Error(EngineError {
            kind: ErrorKind::DepsFile,
            message: error.into(),
        })),
    );
    assert_eq!(state.notice.clone().expect("a notice").text, error);
}

#[test]
fn reopening_the_editor_reads_the_deps_file_again() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "f");
    let load = vec![Effect::LoadDepsEntry {
        crate_name: "openssl-sys".into(),
    }];
    assert_eq!(press(&mut state, "e"), load);
    update(
        &mut state,
        Action::App(AppEvent::DepsEntry {
            crate_name: "openssl-sys".into(),
            text: "Cargo.dependencies.nix:2:9: unexpected `]`".into(),
        }),
    );
    press_code(&mut state, KeyCode::Esc);
    assert_eq!(
        press(&mut state, "e"),
        load,
        "the file may have been fixed in between"
    );
}

#[test]
fn a_filter_keeps_a_matching_selection_and_otherwise_selects_the_first_match() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "f");
    press(&mut state, "s");
    assert_eq!(state.tree.filter, Some(tree::StatusFilter::Failed));
    assert_eq!(selected_name(&state), "openssl-sys build-script run");
    press(&mut state, "ss");
    assert_eq!(state.tree.filter, Some(tree::StatusFilter::Built));
    let selected = state.selected_unit().expect("selected");
    assert!(matches!(
        state.status(selected),
        Some(UnitStatus::Built { .. })
    ));
    press(&mut state, "sss");
    assert_eq!(state.tree.filter, None, "and round to everything");
}

#[test]
fn the_flat_list_keeps_the_selection_and_the_tree_opens_to_it() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "v");
    assert!(state.tree.flat);
    assert_eq!(selected_name(&state), "demo bin", "the selection stays");
    let first = state.tree_rows()[0].unit().expect("a unit");
    assert!(
        matches!(state.status(first), Some(UnitStatus::Failed { .. })),
        "sorted by state: the failure first"
    );
    press(&mut state, "jj");
    let in_list = state.selected_unit();
    press(&mut state, "v");
    assert_eq!(state.selected_unit(), in_list);
    assert!(
        state
            .tree_rows()
            .iter()
            .any(|row| row.path == state.tree.selected),
        "visible in the tree"
    );
}

#[test]
fn star_expands_everything_and_collapses_it_again() {
    let mut state = fixtures::planned(SCREEN);
    let collapsed = state.tree_rows().len();
    press(&mut state, "*");
    let expanded = state.tree_rows();
    let plan = state.build.plan.clone().expect("plan");
    let edges: usize = (0..plan.units.len())
        .map(|unit| state.tree.dag.children(unit).len())
        .sum();
    assert_eq!(expanded.len(), edges + 1, "a row per edge, and the root");
    press(&mut state, "*");
    assert_eq!(state.tree_rows().len(), collapsed);
}

#[test]
fn a_long_diagnosis_gets_focus_and_scrolls() {
    let mut state = fixtures::failed_build(Size::new(80, 24));
    press(&mut state, "f");
    let unit = state.selected_unit().expect("selected");
    let long: Vec<String> = (0..30).map(|line| format!("line {line}")).collect();
    update(
        &mut state,
        Action::App(AppEvent::Diagnosis {
            unit,
            text: long.join("\n"),
        }),
    );
    press_code(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Diagnosis);
    press(&mut state, "jj");
    assert_eq!(state.diagnosis_scroll, 2);
    for _ in 0..10 {
        press_code(&mut state, KeyCode::PageDown);
    }
    let panes = crate::app::layout::panes(ratatui::layout::Rect::new(0, 0, 80, 24), &state);
    assert_eq!(
        state.diagnosis_scroll,
        30 - panes.diagnosis_lines().height,
        "no further than the last line"
    );
    press_code(&mut state, KeyCode::Tab);
    assert_eq!(state.focus, Focus::Log);
}

#[test]
fn w_wraps_the_log_and_the_choice_stays_across_units() {
    let mut state = fixtures::failed_build(SCREEN);
    press(&mut state, "w");
    assert!(state.log.wrap);
    press(&mut state, "f");
    assert!(state.log.wrap);
    press(&mut state, "w");
    assert!(!state.log.wrap);
}

/// The engine's events for Nix building the derivation `drv` outside the crate graph
/// (activity `id`) from `at` seconds.
fn outside_build_starts(state: &mut AppState, drv: &str, id: u64, at: u64) {
    fixtures::nix_lines_at(state, at, &[fixtures::build_start_line(drv, id)]);
}

fn outside_build_fails(state: &mut AppState, drv: &str, id: u64) {
    fixtures::nix_lines_at(
        state,
        state.now.as_secs(),
        &[
            format!(
                r#"@nix {{"action":"msg","level":0,"msg":"error: builder for '{drv}' failed with exit code 1"}}"#
            ),
            format!(r#"@nix {{"action":"stop","id":{id}}}"#),
        ],
    );
}

fn selected_other_name(state: &AppState) -> String {
    state
        .selected_other()
        .expect("a derivation outside the crate graph is selected")
        .name
        .clone()
}

#[test]
fn f_reaches_failures_outside_the_crate_graph_after_the_failed_units() {
    let mut state = fixtures::failed_build(SCREEN);
    let zlib = fixtures::outside_drv("host-zlib");
    outside_build_starts(&mut state, &zlib, 20, 96);
    outside_build_fails(&mut state, &zlib, 20);
    press(&mut state, "f");
    assert_eq!(selected_name(&state), "openssl-sys build-script run");
    press(&mut state, "f");
    assert_eq!(selected_other_name(&state), "host-zlib");
    let rows = state.tree_rows();
    let index = state
        .tree
        .selected_index(&rows)
        .expect("the selection is shown");
    assert_eq!(
        rows[index]
            .derivation(&state.build)
            .map(|o| o.name.as_str()),
        Some("host-zlib")
    );
    press(&mut state, "f");
    assert_eq!(
        selected_name(&state),
        "openssl-sys build-script run",
        "round again"
    );
}

#[test]
fn follow_mode_follows_builds_outside_the_crate_graph_and_stops_at_their_failure() {
    let mut state = building(SCREEN);
    let plan = state.build.plan.clone().expect("plan");
    let libc = unit_named(&plan, "libc", "lib");
    press(&mut state, "F");
    build_starts(&mut state, libc, 10, 1);
    let zlib = fixtures::outside_drv("host-zlib");
    outside_build_starts(&mut state, &zlib, 11, 2);
    assert_eq!(selected_other_name(&state), "host-zlib", "the newest build");
    outside_build_fails(&mut state, &zlib, 11);
    assert!(!state.follow, "a failure stops it");
    assert_eq!(selected_other_name(&state), "host-zlib");
    let notice = state.notice.clone().expect("a notice");
    assert!(
        notice.text.contains("outside the crate graph failed"),
        "{}",
        notice.text
    );
}

#[test]
fn running_now_lists_fetches_and_builds_outside_the_crate_graph() {
    let mut state = building(SCREEN);
    let fetch = fixtures::fetch_lines(fixtures::RUSTC_OUT, 2, 12_000_000, 250_000_000);
    fixtures::nix_lines_at(&mut state, 1, &fetch);
    outside_build_starts(&mut state, &fixtures::outside_drv("host-zlib"), 4, 3);
    update(&mut state, Action::Tick(std::time::Duration::from_secs(10)));
    let running: Vec<(String, u64)> = state
        .running_jobs()
        .iter()
        .map(|running| {
            let Job::Other(index) = running.job else {
                panic!("no unit runs: {running:?}")
            };
            (
                state.build.others[index].name.clone(),
                running.elapsed.as_secs(),
            )
        })
        .collect();
    assert_eq!(
        running,
        [("rustc-1.95.0".to_owned(), 9), ("host-zlib".to_owned(), 7)],
        "longest first"
    );
    press(&mut state, "p");
    assert_eq!(selected_other_name(&state), "rustc-1.95.0");
    press(&mut state, "p");
    assert_eq!(selected_other_name(&state), "host-zlib");
}

#[test]
fn the_group_outside_the_crate_graph_collapses_and_opens_like_the_tree() {
    let mut state = fixtures::host_package_failed(SCREEN);
    press(&mut state, "f");
    assert_eq!(selected_other_name(&state), "host-openssl");
    let shows_host_openssl = |state: &AppState| {
        state.tree_rows().iter().any(|row| {
            row.derivation(&state.build)
                .is_some_and(|o| o.name == "host-openssl")
        })
    };
    press(&mut state, "h");
    assert_eq!(
        state.tree.selected_outside,
        Some(tree::OutsideNode::Kind(
            crate::backend::build_state::DerivationKind::NativeDep
        )),
        "to its heading"
    );
    press(&mut state, "h");
    assert!(!shows_host_openssl(&state), "collapsed");
    press(&mut state, "l");
    assert!(shows_host_openssl(&state), "open again");
    press(&mut state, "l");
    assert_eq!(
        selected_other_name(&state),
        "host-openssl",
        "into its first child"
    );
    assert!(state.selected_log().is_some_and(|log| log.lines.len() == 2));
    // The failed filter keeps the failed derivation and its headings only.
    press(&mut state, "s");
    let outside: Vec<usize> = state
        .tree_rows()
        .iter()
        .filter(|row| row.outside.is_some())
        .map(|row| row.depth)
        .collect();
    assert_eq!(outside, [0, 1, 2]);
    assert_eq!(
        selected_other_name(&state),
        "host-openssl",
        "kept by the filter"
    );
}

#[test]
fn t_runs_the_tests_and_asks_for_what_each_run_recorded() {
    let mut state = fixtures::planned(SCREEN);
    assert_eq!(
        press(&mut state, "T"),
        vec![Effect::Build {
            verb: CargoVerb::Test,
            only: None
        }]
    );
    let plan = Arc::new(fixtures::test_plan());
    let cli_run = fixtures::unit_where(&plan, UnitKind::TestRun, "cli");
    let out_path = fixtures::unit_paths(&plan)[cli_run].out_path.clone();
    for event in [
        BackendEvent::PlanningStarted,
        BackendEvent::Planned(plan.clone()),
        BackendEvent::Instantiated(fixtures::unit_paths(&plan)),
    ] {
        update(&mut state, Action::Backend(event));
    }
    let effects = update(
        &mut state,
        Action::Backend(BackendEvent::AlreadyValid(vec![cli_run])),
    );
    assert_eq!(
        effects,
        vec![Effect::ReadTestRun {
            unit: cli_run,
            out_path: out_path.clone()
        }],
        "a run cached from an earlier build has its record read too"
    );
    update(
        &mut state,
        Action::App(AppEvent::TestRun {
            unit: cli_run,
            out_path: "/nix/store/0000-an-earlier-plans-run".into(),
            outcome: Ok(fixtures::passed_cli_tests()),
        }),
    );
    assert!(state.test_outcomes.is_empty(), "not this plan's run");
    update(
        &mut state,
        Action::App(AppEvent::TestRun {
            unit: cli_run,
            out_path,
            outcome: Ok(fixtures::passed_cli_tests()),
        }),
    );
    assert!(state.test_outcomes.contains_key(&cli_run));
}

#[test]
fn f_jumps_to_the_failed_test_run_and_the_log_shows_its_output() {
    let mut state = fixtures::tests_ran(SCREEN);
    let plan = state.build.plan.clone().expect("plan");
    let failed_run = fixtures::unit_where(&plan, UnitKind::TestRun, "demo");
    let notice = state.notice.clone().expect("the tests are summed up");
    assert_eq!(
        notice.text,
        "Tests failed: 1 failed, 44 passed; 1 of 2 test binaries (1 cached) failed — f jumps to the next one"
    );
    press(&mut state, "f");
    assert_eq!(state.selected_unit(), Some(failed_run));
    let log = state.selected_log().expect("a log");
    assert!(
        log.lines
            .iter()
            .any(|line| line == "attempt to divide by zero"),
        "{:?}",
        log.lines
    );
    assert_eq!(
        press(&mut state, "r"),
        vec![Effect::Build {
            verb: CargoVerb::Test,
            only: Some(vec![failed_run])
        }],
        "r runs it again, as a test"
    );
}

#[test]
fn follow_mode_stops_at_a_test_run_whose_tests_failed() {
    let mut state = fixtures::tests_ran(SCREEN);
    let plan = state.build.plan.clone().expect("plan");
    let failed_run = fixtures::unit_where(&plan, UnitKind::TestRun, "demo");
    state.test_outcomes.clear();
    press(&mut state, "F");
    let out_path = fixtures::unit_paths(&plan)[failed_run].out_path.clone();
    update(
        &mut state,
        Action::App(AppEvent::TestRun {
            unit: failed_run,
            out_path,
            outcome: Ok(fixtures::failed_unit_tests()),
        }),
    );
    assert!(!state.follow);
    assert_eq!(state.selected_unit(), Some(failed_run));
}

#[test]
fn capital_c_checks_the_project() {
    let mut state = fixtures::planned(SCREEN);
    assert_eq!(
        press(&mut state, "C"),
        vec![Effect::Build {
            verb: CargoVerb::Check,
            only: None
        }]
    );
}
