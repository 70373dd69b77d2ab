//! AppState: everything the views draw, changed only by [`super::update`].

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use ratatui::layout::Size;

use crate::backend::build_state::last_build::OtherFailure;
use crate::backend::build_state::{BuildState, LogBuffer, OtherDerivation, UnitState, UnitStatus};
use crate::backend::diagnose::Suggestion;
use crate::backend::insight::timings::Timeline;
use crate::backend::overrides::CrateSelector;
use crate::backend::plan::{BuildPlan, CargoVerb, Package, Unit, UnitId, UnitKind};
pub use crate::backend::test_results::TestCounts;

use super::editor::Editor;
use super::log_view::LogView;
use super::tree::{OutsideNode, Selected, TreeRow, TreeView, other_at};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Focus {
    #[default]
    Tree,
    /// The diagnosis above a failed unit's log, when it is longer than its pane.
    Diagnosis,
    Log,
}

/// What a search prompt searches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchTarget {
    /// Units in the tree, by package name.
    Units,
    /// Lines of the selected unit's log.
    Log,
}

/// A search query being typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPrompt {
    pub target: SearchTarget,
    pub query: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Info,
    Success,
    Error,
}

/// A one-line message in the status bar, until the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub kind: NoticeKind,
    pub text: String,
}

/// A problem shown full-screen instead of the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorScreen {
    pub message: String,
    pub hint: Option<String>,
}

/// A crate's `Cargo.dependencies.nix` entry, as the shell last read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepsEntry {
    pub crate_name: String,
    /// `None` while the shell is reading it; empty when the crate has no entry.
    pub text: Option<String>,
}

/// A crate whose entry was just saved: the next rebuild command rebuilds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RebuildOffer {
    pub crate_name: String,
    /// `None`: every version of the crate.
    pub version: Option<String>,
}

/// Which part of the UI receives keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Search,
    Editor,
    Help,
    Error,
}

/// What a test run recorded: the test binary's exit code and output.
#[derive(Debug, Clone, PartialEq)]
pub struct TestOutcome {
    pub exit_code: i32,
    /// What the harness's summaries add up to; `None` when it printed none (it crashed, or
    /// it is no libtest harness).
    pub counts: Option<TestCounts>,
    /// The output, shown in the log pane.
    pub output: LogBuffer,
}

impl TestOutcome {
    pub fn failed(&self) -> bool {
        self.exit_code != 0
    }
}

/// Whether a unit of `kind` runs tests and records what they did.
pub fn records_test_results(kind: UnitKind) -> bool {
    matches!(kind, UnitKind::TestRun | UnitKind::DocTest)
}

/// Something Nix builds or fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Job {
    Unit(UnitId),
    /// A derivation outside the crate graph, by its index in [`BuildState::others`].
    Other(usize),
}

/// A unit or a derivation outside the crate graph being built or fetched right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunningJob {
    pub job: Job,
    pub elapsed: Duration,
}

/// The whole state of the dashboard.
#[derive(Debug, Clone)]
pub struct AppState {
    pub build: BuildState,
    /// Time since the session started, on the clock of the engine's durations. Views read
    /// time only from here.
    pub now: Duration,
    pub screen: Size,
    pub focus: Focus,
    pub tree: TreeView,
    pub log: LogView,
    pub search: Option<SearchPrompt>,
    pub editor: Option<Editor>,
    pub show_help: bool,
    pub show_details: bool,
    /// The timeline of the build replaces the panes.
    pub show_timeline: bool,
    /// The recorded build's timeline, shown until a build starts.
    pub last_build_timings: Option<Timeline>,
    pub error_screen: Option<ErrorScreen>,
    pub deps_entry: Option<DepsEntry>,
    /// What went wrong with failed units, shown above their logs.
    pub diagnoses: BTreeMap<UnitId, String>,
    /// The Cargo.dependencies.nix entry that should fix a failed unit, when one is known.
    pub fixes: BTreeMap<UnitId, Suggestion>,
    /// The unit whose fix was previewed: the next `a` applies it.
    pub fix_preview: Option<UnitId>,
    pub notice: Option<Notice>,
    pub rebuild_offer: Option<RebuildOffer>,
    /// The crate whose entry the shell is saving: its result has not come back yet.
    pub pending_edit: Option<CrateSelector>,
    /// A build was asked for and the engine has not reported on it yet.
    pub build_requested: bool,
    /// The running build was asked to stop: its end is a cancellation, not a failure.
    pub cancel_requested: bool,
    /// Follow mode: the selection follows the most recently started build and stops at a
    /// failure; any manual move ends it.
    pub follow: bool,
    /// When each unit being fetched started (the engine's status has no start time for it).
    pub fetch_started: HashMap<UnitId, Duration>,
    /// The same for derivations outside the crate graph, by store path.
    pub other_fetch_started: HashMap<String, Duration>,
    /// Lines of the diagnosis scrolled past, when it is longer than its pane.
    pub diagnosis_scroll: u16,
    /// The Cargo command whose unit graph the last build asked for followed; `r` asks again.
    pub verb: CargoVerb,
    /// What each test run of the plan recorded, once the shell has read it.
    pub test_outcomes: BTreeMap<UnitId, TestOutcome>,
}

impl AppState {
    pub fn new(screen: Size) -> AppState {
        AppState {
            build: BuildState::default(),
            now: Duration::ZERO,
            screen,
            focus: Focus::Tree,
            tree: TreeView::default(),
            log: LogView::default(),
            search: None,
            editor: None,
            show_help: false,
            show_details: false,
            show_timeline: false,
            last_build_timings: None,
            error_screen: None,
            deps_entry: None,
            diagnoses: BTreeMap::new(),
            fixes: BTreeMap::new(),
            fix_preview: None,
            notice: None,
            rebuild_offer: None,
            pending_edit: None,
            build_requested: false,
            cancel_requested: false,
            follow: false,
            fetch_started: HashMap::new(),
            other_fetch_started: HashMap::new(),
            diagnosis_scroll: 0,
            verb: CargoVerb::Build,
            test_outcomes: BTreeMap::new(),
        }
    }

    pub fn mode(&self) -> Mode {
        if self.error_screen.is_some() {
            Mode::Error
        } else if self.editor.is_some() {
            Mode::Editor
        } else if self.search.is_some() {
            Mode::Search
        } else if self.show_help {
            Mode::Help
        } else {
            Mode::Normal
        }
    }

    pub fn plan(&self) -> Option<&BuildPlan> {
        self.build.plan.as_deref()
    }

    pub fn selected_unit(&self) -> Option<UnitId> {
        self.tree.selected_unit()
    }

    /// The plan's description of a unit and of its package.
    pub fn unit_info(&self, unit: UnitId) -> Option<(&Unit, &Package)> {
        let plan = self.plan()?;
        let unit = plan.units.get(unit)?;
        Some((unit, plan.packages.get(&unit.package)?))
    }

    pub fn unit_state(&self, unit: UnitId) -> Option<&UnitState> {
        self.build.units.get(unit)
    }

    pub fn status(&self, unit: UnitId) -> Option<&UnitStatus> {
        self.unit_state(unit).map(|state| &state.status)
    }

    /// What the selection is on: a unit, a row of the group outside the crate graph, nothing.
    pub fn selected_item(&self) -> Selected {
        self.tree.selected_item()
    }

    /// The selected derivation outside the crate graph, if one is.
    pub fn selected_other(&self) -> Option<&OtherDerivation> {
        match &self.tree.selected_outside {
            Some(OutsideNode::Derivation { path, .. }) => other_at(&self.build, path),
            _ => None,
        }
    }

    /// The failure Nix reported for a derivation outside the crate graph, with its log's end.
    pub fn other_failure(&self, other: &OtherDerivation) -> Option<&OtherFailure> {
        if !matches!(other.status, UnitStatus::Failed { .. }) {
            return None;
        }
        let failures = &self.build.other_failures;
        failures.iter().rev().find(|f| f.drv_path == other.path)
    }

    /// Whether `unit` is a test run whose tests failed.
    pub fn test_failed(&self, unit: UnitId) -> bool {
        self.test_outcomes
            .get(&unit)
            .is_some_and(TestOutcome::failed)
    }

    /// The log the log pane shows for the selection: a unit's (a test run's recorded output,
    /// also when it ran in an earlier build), or the end of a derivation's outside the crate
    /// graph that failed (empty for one that did not: Nix shows its log only then). `None`
    /// on a heading or without a selection.
    pub fn selected_log(&self) -> Option<Cow<'_, LogBuffer>> {
        if let Some(unit) = self.selected_unit() {
            if let Some(outcome) = self.test_outcomes.get(&unit) {
                return Some(Cow::Borrowed(&outcome.output));
            }
            return self.unit_state(unit).map(|state| Cow::Borrowed(&state.log));
        }
        let other = self.selected_other()?;
        let Some(failure) = self.other_failure(other) else {
            return Some(Cow::Owned(LogBuffer::default()));
        };
        let mut log = LogBuffer::default();
        for line in failure.log_tail.iter().chain([&failure.message]) {
            log.push(line.clone());
        }
        Some(Cow::Owned(log))
    }

    /// What went wrong with the selection, when something is known: a failed unit's
    /// diagnosis, or the Debian packages a failed host package lacks and how to install them.
    pub fn selected_diagnosis(&self) -> Option<Cow<'_, str>> {
        if let Some(unit) = self.selected_unit() {
            if !matches!(self.status(unit)?, UnitStatus::Failed { .. }) {
                return None;
            }
            return self
                .diagnoses
                .get(&unit)
                .map(|text| Cow::Borrowed(text.as_str()));
        }
        let other = self.selected_other()?;
        let failure = self.other_failure(other)?;
        let command = failure.install_command()?;
        let packages = failure.missing_debian_packages().join(" ");
        Some(Cow::Owned(format!(
            "{} needs the Debian package {packages}, which this host lacks. Install it, \
             then b builds again:\n  {command}",
            other.name
        )))
    }

    /// The rows of the units pane, as the tree or flat list shows them now.
    pub fn tree_rows(&self) -> Vec<TreeRow> {
        self.tree.visible_rows(&self.build, self.now)
    }

    /// Every unit and every derivation outside the crate graph being built or fetched,
    /// longest running first.
    pub fn running_jobs(&self) -> Vec<RunningJob> {
        let since = |status: &UnitStatus, fetch_started: Option<&Duration>| match status {
            UnitStatus::Building { since, .. } => Some(*since),
            UnitStatus::Substituting { .. } => Some(fetch_started.copied().unwrap_or(self.now)),
            _ => None,
        };
        let units = self
            .build
            .units
            .iter()
            .enumerate()
            .filter_map(|(unit, state)| {
                let since = since(&state.status, self.fetch_started.get(&unit))?;
                Some((Job::Unit(unit), since))
            });
        let others = self
            .build
            .others
            .iter()
            .enumerate()
            .filter_map(|(index, other)| {
                let since = since(&other.status, self.other_fetch_started.get(&other.path))?;
                Some((Job::Other(index), since))
            });
        let mut running: Vec<RunningJob> = units
            .chain(others)
            .map(|(job, since)| RunningJob {
                job,
                elapsed: self.now.saturating_sub(since),
            })
            .collect();
        running.sort_by_key(|running| (Reverse(running.elapsed), running.job));
        running
    }

    /// Whether the engine is busy (or about to be) with a build.
    pub fn is_busy(&self) -> bool {
        use crate::backend::build_state::Phase;
        self.build_requested
            || matches!(
                self.build.phase,
                Phase::Planning | Phase::Evaluating | Phase::Building
            )
    }
}
