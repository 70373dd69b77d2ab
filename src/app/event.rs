//! Events the shell feeds back into the app, besides terminal input and engine events.

use crate::backend::insight::timings::Timeline;
use crate::backend::plan::UnitId;

use super::state::TestOutcome;

#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    /// Result of an [`super::Effect::EditDeps`]: a summary of the change, or an error that
    /// names `file:line:col`.
    DepsSaved(Result<String, String>),
    /// The current `Cargo.dependencies.nix` entry of a crate (empty when it has none).
    DepsEntry { crate_name: String, text: String },
    /// What a test run recorded (from [`super::Effect::ReadTestRun`]), or why it could not be
    /// read. `out_path` tells a run of the current plan from one of an earlier plan.
    TestRun {
        unit: UnitId,
        out_path: String,
        outcome: Result<TestOutcome, String>,
    },
    /// A suggested fix for a failed unit, shown above its log.
    Diagnosis { unit: UnitId, text: String },
    /// An effect the shell could not carry out (the build record for `doctor` could not be
    /// written, the deps file could not be read): shown as an error in the status bar.
    ShellFailed(String),
    /// The timeline of the build recorded before the dashboard opened.
    LastBuildTimings(Box<Timeline>),
    /// Something that stops the dashboard from being useful (no Nix, a broken manifest):
    /// shown full-screen instead of the panes.
    Fatal {
        message: String,
        hint: Option<String>,
    },
}
