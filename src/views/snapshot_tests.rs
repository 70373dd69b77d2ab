//! The screen as text, for states built without a clock. Review changes with
//! `INSTA_UPDATE=always cargo test --lib views` and read the `.snap` files.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Size;

use crate::app::fixtures::{self, unit_named};
use crate::app::keymap::action_for_key;
use crate::app::{Action, AppEvent, AppState, update};
use crate::backend::build_state::Phase;
use crate::backend::{EngineError, ErrorKind};

use super::render;

fn screen(state: &AppState) -> String {
    let Size { width, height } = state.screen;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal
        .draw(|frame| render(frame, state))
        .expect("drawing to a test backend");
    terminal.backend().to_string()
}

fn press(state: &mut AppState, keys: &str) {
    for key in keys.chars() {
        press_code(state, KeyCode::Char(key));
    }
}

fn press_code(state: &mut AppState, code: KeyCode) {
    let key = KeyEvent::new(code, KeyModifiers::NONE);
    if let Some(action) = action_for_key(state.mode(), &key) {
        update(state, action);
    }
}

/// Types `/query` and Enter: a unit search, or a log search when the log has focus.
fn search(state: &mut AppState, query: &str) {
    press(state, &format!("/{query}"));
    press_code(state, KeyCode::Enter);
}

/// The diagnosis the engine sends for the failed openssl-sys build script.
fn diagnose_openssl(state: &mut AppState) {
    let plan = state.build.plan.clone().expect("plan");
    let failed = unit_named(&plan, "openssl-sys", "build-script run");
    update(
        state,
        Action::App(AppEvent::Diagnosis {
            unit: failed,
            text: DIAGNOSIS.into(),
        }),
    );
}

/// The engine's answer to the details or editor view asking for openssl-sys's entry.
fn load_openssl_entry(state: &mut AppState) {
    update(
        state,
        Action::App(AppEvent::DepsEntry {
            crate_name: "openssl-sys".into(),
            text: "deps.\"openssl-sys\" = [ pkg-config ];".into(),
        }),
    );
}

const DIAGNOSIS: &str = "openssl-sys could not find OpenSSL. Add the native library and pkg-config \
to its entry: deps.\"openssl-sys\" = [ pkg-config openssl ];";

#[test]
fn planning_in_progress() {
    let mut state = AppState::new(Size::new(100, 20));
    state.build.phase = Phase::Planning;
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn planned_and_waiting_for_b() {
    let mut state = fixtures::planned(Size::new(120, 30));
    press(&mut state, "jjl");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn build_with_mixed_states() {
    let mut state = fixtures::mid_build(Size::new(130, 34));
    search(&mut state, "syn");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn failure_with_its_log_and_diagnosis() {
    let mut state = fixtures::failed_build(Size::new(130, 34));
    diagnose_openssl(&mut state);
    press(&mut state, "f");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn failure_with_details() {
    let mut state = fixtures::failed_build(Size::new(140, 44));
    press(&mut state, "fd");
    load_openssl_entry(&mut state);
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn log_search_highlights_and_holds_position() {
    let mut state = fixtures::failed_build(Size::new(100, 24));
    press(&mut state, "f");
    press_code(&mut state, KeyCode::Tab);
    search(&mut state, "openssl_dir");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn editor_with_a_validation_error() {
    let mut state = fixtures::failed_build(Size::new(120, 34));
    press(&mut state, "fe");
    load_openssl_entry(&mut state);
    press(&mut state, "openssl");
    press_code(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Action::App(AppEvent::DepsSaved(Err(
            "Cargo.dependencies.nix:4:31: unexpected `]`, expected an expression".into(),
        ))),
    );
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn editor_setting_an_env_var_for_one_version() {
    let mut state = fixtures::failed_build(Size::new(80, 24));
    press(&mut state, "fe");
    press_code(&mut state, KeyCode::Tab);
    press_code(&mut state, KeyCode::Down);
    press_code(&mut state, KeyCode::Down);
    press(&mut state, "OPENSSL_NO_VENDOR");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn saved_edit_offers_a_rebuild() {
    let mut state = fixtures::failed_build(Size::new(120, 30));
    press(&mut state, "feopenssl");
    press_code(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Action::App(AppEvent::DepsSaved(Ok(
            "added openssl to deps.\"openssl-sys\"".into(),
        ))),
    );
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn help_overlay() {
    let mut state = fixtures::planned(Size::new(100, 30));
    press(&mut state, "?");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn help_overlay_80x24() {
    let mut state = fixtures::planned(Size::new(80, 24));
    press(&mut state, "?");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn failure_at_80x24() {
    let mut state = fixtures::failed_build(Size::new(80, 24));
    diagnose_openssl(&mut state);
    press(&mut state, "fd");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn mid_build_at_80x24() {
    let mut state = fixtures::mid_build(Size::new(80, 24));
    search(&mut state, "syn");
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn error_screen_instead_of_a_crash() {
    let mut state = AppState::new(Size::new(100, 24));
    update(
        &mut state,
        Action::Backend(crate::backend::BackendEvent::Error(EngineError {
            kind: ErrorKind::NixMissing,
            message: "failed to run `nix-instantiate`: No such file or directory (os error 2)"
                .into(),
        })),
    );
    insta::assert_snapshot!(screen(&state));
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (width, height) in [(1, 1), (12, 4), (30, 8)] {
        let mut state = fixtures::failed_build(Size::new(width, height));
        press(&mut state, "fde?");
        screen(&state);
    }
}

#[test]
fn unit_search_prompt_while_typing() {
    let mut state = fixtures::mid_build(Size::new(80, 24));
    press(&mut state, "/open");
    insta::assert_snapshot!(screen(&state));
}

/// Recorded Nix 2.8 streams from the shared folder, driven through the app's `update`
/// exactly as the engine would send them: the states, counts and summary bar that result.
#[test]
fn recorded_nix_streams_drive_the_dashboard() {
    use crate::app::{Action, update};
    use crate::backend::build_state::tests::{CHAIN, FAIL, KEEPGOING, fixture, session_events};
    use crate::backend::build_state::{Counters, UnitStatus};

    let cases = [
        (
            "28-chain-success-v.jsonl",
            CHAIN,
            true,
            "✔ 3 built",
            [3, 0, 0],
        ),
        (
            "28-keepgoing-2fail-v.jsonl",
            KEEPGOING,
            false,
            "✘ 2 failed",
            [1, 2, 2],
        ),
        ("28-fail-v.jsonl", FAIL, false, "✘ 1 failed", [1, 1, 0]),
    ];
    for (stream, units, success, summary, [built, failed, skipped]) in cases {
        let mut state = AppState::new(Size::new(120, 30));
        for event in session_events(&fixture(stream), units, &[], success) {
            update(&mut state, Action::Backend(event));
        }
        let counters = state.build.counters;
        assert_eq!(counters, Counters::count(&state.build.units), "{stream}");
        assert_eq!(
            (counters.built, counters.failed, counters.skipped),
            (built, failed, skipped),
            "{stream}: {:?}",
            state
                .build
                .units
                .iter()
                .map(|u| &u.status)
                .collect::<Vec<_>>()
        );
        let drawn = screen(&state);
        assert!(drawn.contains(summary), "{stream}: {drawn}");
        let failed_units = state
            .build
            .units
            .iter()
            .filter(|u| matches!(u.status, UnitStatus::Failed { .. }))
            .count();
        assert_eq!(failed_units, failed, "{stream}");
        if !success {
            assert!(drawn.contains("Failed"), "{stream}: {drawn}");
        }
    }
}

/// A compile unit's details show how it is compiled: rustc's arguments and its env.
#[test]
fn details_show_the_rustc_command_and_env_of_a_compile_unit() {
    // Tall enough for the pane to hold the whole wrapped command.
    let mut state = fixtures::planned(Size::new(140, 120));
    press(&mut state, "d");
    let drawn = screen(&state);
    assert!(
        drawn.contains("rustc    rustc --crate-name demo"),
        "{drawn}"
    );
    assert!(drawn.contains("CARGO_CRATE_NAME=demo"), "{drawn}");
}

/// The two sizes every new view is checked at: a small terminal and a large one.
const SIZES: [Size; 2] = [Size::new(80, 24), Size::new(200, 50)];

fn snapshot_at_both_sizes(name: &str, state_at: impl Fn(Size) -> AppState) {
    for size in SIZES {
        let state = state_at(size);
        insta::assert_snapshot!(
            format!("{name}_{}x{}", size.width, size.height),
            screen(&state)
        );
    }
}

#[test]
fn running_now_with_follow_mode_in_the_header() {
    snapshot_at_both_sizes("running_now_following", |size| {
        let mut state = fixtures::mid_build(size);
        press(&mut state, "F");
        state
    });
}

#[test]
fn flat_list_of_units_not_cached_by_build_time() {
    snapshot_at_both_sizes("flat_list_not_cached_by_time", |size| {
        let mut state = fixtures::failed_build(size);
        // Flat (v), by build time (o), not cached (the fifth filter).
        press(&mut state, "vosssss");
        state
    });
}

/// The demo binary's link failing for want of libpcap, through the engine's events: rustc's
/// message with a linker command of thousands of characters before the linker's errors.
fn failed_link(size: Size) -> AppState {
    use crate::backend::BackendEvent;
    use crate::backend::nix::protocol::parse_line;

    let mut state = fixtures::failed_build(size);
    state.build.phase = Phase::Building;
    let plan = state.build.plan.clone().expect("plan");
    let demo = unit_named(&plan, "demo", "bin");
    let drv = state.build.units[demo]
        .drv_path
        .clone()
        .expect("instantiated");
    let command = format!(
        "  = note:  \"cc\" \"-m64\" {}",
        (0..60)
            .map(|i| format!("\"/nix/store/{i:032}-dep-{i}/lib/libdep{i}.rlib\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let log = [
        "error: linking with `cc` failed: exit status: 1",
        "  |",
        command.as_str(),
        "  = note: some arguments are omitted. use `--verbose` to show all linker arguments",
        "  = note: /usr/bin/ld: cannot find -lpcap: No such file or directory",
        "          /usr/bin/ld: demo.o: in function `main': undefined reference to `pcap_open_live'",
        "          collect2: error: ld returned 1 exit status",
    ];
    let mut lines = vec![format!(
        r#"@nix {{"action":"start","fields":["{drv}","",1,1],"id":7,"level":3,"parent":0,"text":"","type":105}}"#
    )];
    for line in log {
        let text = serde_json::to_string(line).expect("a string");
        lines.push(format!(
            r#"@nix {{"action":"result","fields":[{text}],"id":7,"type":101}}"#
        ));
    }
    lines.push(format!(
        r#"@nix {{"action":"msg","level":0,"msg":"error: builder for '{drv}' failed with exit code 1"}}"#
    ));
    lines.push(r#"@nix {"action":"stop","id":7}"#.to_owned());
    for line in lines {
        update(
            &mut state,
            Action::Backend(BackendEvent::Nix(parse_line(&line))),
        );
    }
    update(
        &mut state,
        Action::Backend(BackendEvent::Finished {
            success: false,
            exit_code: Some(1),
        }),
    );
    assert_eq!(state.selected_unit(), Some(demo));
    state
}

#[test]
fn a_failed_link_leads_with_the_linker_errors_and_wraps() {
    snapshot_at_both_sizes("failed_link_diagnosis", failed_link);
}

#[test]
fn a_wrapped_log_shows_the_whole_linker_command() {
    snapshot_at_both_sizes("failed_link_log_wrapped", |size| {
        let mut state = failed_link(size);
        press(&mut state, "w");
        press_code(&mut state, KeyCode::Home);
        state
    });
}

#[test]
fn a_cancelled_build_says_cancelled() {
    let mut state = fixtures::mid_build(Size::new(80, 24));
    press(&mut state, "c");
    update(
        &mut state,
        Action::Backend(crate::backend::BackendEvent::Finished {
            success: false,
            exit_code: Some(130),
        }),
    );
    let drawn = screen(&state);
    let header = drawn.lines().next().unwrap_or_default();
    assert!(
        header.contains("Cancelled") && !header.contains("Failed"),
        "{drawn}"
    );
    assert!(drawn.contains("Build cancelled"), "{drawn}");
}

#[test]
fn a_broken_deps_file_error_is_shown_whole() {
    snapshot_at_both_sizes("deps_file_error_wrapped", |size| {
        let mut state = fixtures::planned(size);
        update(
            &mut state,
            Action::Backend(crate::backend::BackendEvent::Error(EngineError {
                kind: ErrorKind::DepsFile,
                message:
                    "/home/user/demo/Cargo.dependencies.nix:3:14: deps.\"itoa\" must be a list \
                          of packages or an attribute set of versions, not a string: write \
                          deps.\"itoa\" = [ zlib ]; to add zlib to every version of itoa"
                        .into(),
            })),
        );
        state
    });
}

#[test]
fn a_failed_host_package_outside_the_crate_graph_with_its_diagnosis() {
    snapshot_at_both_sizes("outside_the_crate_graph_failed_host_package", |size| {
        let mut state = fixtures::host_package_failed(size);
        press(&mut state, "f");
        state
    });
}

/// The recorded `--keep-going` stream in which two derivations that are not units fail (a
/// plan of `good` and `top` only): the dashboard shows them, counts them apart from units,
/// and `f` goes through them with their logs.
#[test]
fn a_recorded_stream_with_failures_outside_the_crate_graph_drives_the_dashboard() {
    use crate::backend::build_state::tests::{fixture, session_events};

    let units: &[(&str, &[usize])] = &[("good-1.0", &[]), ("top-1.0", &[0])];
    let mut state = AppState::new(Size::new(120, 30));
    for event in session_events(&fixture("28-keepgoing-2fail-v.jsonl"), units, &[], false) {
        update(&mut state, Action::Backend(event));
    }
    let drawn = screen(&state);
    for shown in [
        "Outside the crate graph (2)  ✘ 2 failed",
        "native deps (2)",
        "✘ fail-one-1.0  failed (exit 1)",
        "✘ fail-two-1.0  failed (exit 2)",
        "│ outside the graph: ✘ 2 failed",
        "Build failed outside the crate graph: fail-one-1.0 (native-dep), fail-two-1.0",
    ] {
        assert!(drawn.contains(shown), "{shown}: {drawn}");
    }
    let mut logs = Vec::new();
    for _ in 0..3 {
        press(&mut state, "f");
        let selected = state.selected_other().expect("a derivation is selected");
        let log = state.selected_log().expect("its log");
        logs.push((selected.name.clone(), log.lines.get(1).cloned()));
    }
    assert_eq!(
        logs,
        [
            ("fail-one-1.0".to_owned(), Some("f1 dying".to_owned())),
            ("fail-two-1.0".to_owned(), Some("f2 dying".to_owned())),
            ("fail-one-1.0".to_owned(), Some("f1 dying".to_owned())),
        ],
        "in the order they started, and round again"
    );
    let drawn = screen(&state);
    assert!(drawn.contains("f1 dying"), "{drawn}");
    assert!(
        drawn.contains("│error: builder for '/nix/store/2ry44csdk3qzadkv9cjd6mqf4pk856ss-fail-o"),
        "Nix's error ends the log: {drawn}"
    );
}

#[test]
fn running_now_lists_the_toolchain_fetch_and_a_host_package_build() {
    snapshot_at_both_sizes("running_now_outside_the_crate_graph", |size| {
        let mut state = fixtures::mid_build(size);
        let fetch = fixtures::fetch_lines(fixtures::RUSTC_OUT, 2, 96_500_000, 250_000_000);
        fixtures::nix_lines_at(&mut state, 45, &fetch);
        let zlib = fixtures::outside_drv("host-zlib");
        fixtures::nix_lines_at(&mut state, 50, &[fixtures::build_start_line(&zlib, 4)]);
        update(&mut state, Action::Tick(std::time::Duration::from_secs(52)));
        state
    });
}

#[test]
fn test_runs_with_their_counts_and_a_failed_one_selected() {
    snapshot_at_both_sizes("test_runs_failed_selected", |size| {
        let mut state = fixtures::tests_ran(size);
        press(&mut state, "f");
        state
    });
}

#[test]
fn test_runs_expanded_with_their_binaries() {
    snapshot_at_both_sizes("test_runs_expanded", |size| {
        let mut state = fixtures::tests_ran(size);
        press(&mut state, "*");
        state
    });
}
