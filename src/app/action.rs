//! Actions: everything that can change the application state, as data.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use strum::{IntoStaticStr, VariantArray};

use crate::backend::BackendEvent;

use super::event::AppEvent;

/// One input to [`super::update`]: a user command, text typed into a prompt, a mouse gesture,
/// the clock, or an event from the engine or the shell.
#[derive(Debug, Clone)]
pub enum Action {
    Command(Command),
    /// A character typed into the open search prompt or deps editor.
    Type(char),
    /// Backspace in the open search prompt or deps editor.
    Erase,
    /// Left mouse button pressed at a screen cell.
    Click {
        column: u16,
        row: u16,
    },
    /// Mouse wheel over a screen cell; negative `lines` scroll up.
    Scroll {
        column: u16,
        row: u16,
        lines: i32,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// Time since the session started, on the clock the engine's durations use.
    Tick(Duration),
    Backend(BackendEvent),
    App(AppEvent),
}

/// A user command without arguments; what keys are bound to. Parses from and prints as its
/// kebab-case name (`rebuild-selected`), so bindings can be written as text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, VariantArray, IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum Command {
    Up,
    Down,
    /// Collapse the selected node, or select its parent.
    Collapse,
    /// Expand the selected node, or step into its first child.
    Expand,
    Toggle,
    /// Expand every unit where it is built, or collapse all but the roots.
    ExpandAll,
    /// The units pane as the dependency tree or as a flat list.
    ToggleFlat,
    /// Sort the flat list by state, build time or name.
    CycleOrder,
    /// Show only failed, building, built, cached or not-cached units, or all.
    CycleFilter,
    /// Follow mode: the selection follows the newest build and stops at a failure.
    ToggleFollow,
    /// Select the next unit in the running-now list, longest running first.
    NextRunning,
    FocusNext,
    PageUp,
    PageDown,
    LogTop,
    /// Jump to the end of the log and follow it again.
    LogFollow,
    /// Wrap long log lines instead of cutting them at the pane's edge.
    ToggleWrap,
    Build,
    /// Run the tests through the engine: test binaries and their runs, runs whose binary
    /// did not change shown as cached.
    Test,
    /// Check the project (metadata only) through the engine.
    Check,
    RebuildSelected,
    Cancel,
    NextFailed,
    /// Preview the selected failed unit's suggested fix; pressed again, apply it.
    ApplyFix,
    Search,
    SearchNext,
    SearchPrev,
    ToggleDetails,
    ToggleTimeline,
    Edit,
    Help,
    Quit,
    Submit,
    Dismiss,
    ToggleScope,
    PreviousEditKind,
    NextEditKind,
}

impl Command {
    /// Every command, in declaration order; derived, so a new variant cannot be missing.
    pub const ALL: &'static [Command] = <Command as VariantArray>::VARIANTS;

    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What the command does, as the help overlay says it.
    pub fn description(self) -> &'static str {
        match self {
            Command::Up => "move up (log: scroll)",
            Command::Down => "move down (log: scroll)",
            Command::Collapse => "collapse / go to parent",
            Command::Expand => "expand / go to child",
            Command::Toggle => "expand or collapse",
            Command::ExpandAll => "expand / collapse all",
            Command::ToggleFlat => "tree / flat list",
            Command::CycleOrder => "flat list: sort order",
            Command::CycleFilter => "filter: failed, building…",
            Command::ToggleFollow => "follow the newest build",
            Command::NextRunning => "jump to a running unit",
            Command::FocusNext => "focus units / diagnosis / log",
            Command::PageUp => "log: page up",
            Command::PageDown => "log: page down",
            Command::LogTop => "log: first line",
            Command::LogFollow => "log: follow the end",
            Command::ToggleWrap => "log: wrap long lines",
            Command::Build => "build everything",
            Command::Test => "run the tests",
            Command::Check => "check (no codegen)",
            Command::RebuildSelected => "rebuild unit + dependents",
            Command::Cancel => "cancel the build",
            Command::NextFailed => "next failed unit",
            Command::ApplyFix => "preview, apply the fix",
            Command::Search => "search units / log",
            Command::SearchNext => "next match",
            Command::SearchPrev => "previous match",
            Command::ToggleDetails => "unit details",
            Command::ToggleTimeline => "timeline, critical path",
            Command::Edit => "edit Cargo.dependencies.nix",
            Command::Help => "this help",
            Command::Quit => "quit",
            Command::Submit => "confirm / save",
            Command::Dismiss => "close / clear",
            Command::ToggleScope => "all versions / this version",
            Command::PreviousEditKind => "previous kind of change",
            Command::NextEditKind => "next kind of change",
        }
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a [`Command`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown command `{0}`")]
pub struct UnknownCommand(pub String);

impl FromStr for Command {
    type Err = UnknownCommand;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Command::ALL
            .iter()
            .copied()
            .find(|command| command.name() == name)
            .ok_or_else(|| UnknownCommand(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_round_trips_through_its_name() {
        for &command in Command::ALL {
            assert_eq!(command.to_string().parse::<Command>(), Ok(command));
        }
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = Command::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Command::ALL.len());
    }

    #[test]
    fn names_are_the_kebab_case_of_the_variants() {
        assert_eq!(Command::Up.name(), "up");
        assert_eq!(Command::RebuildSelected.name(), "rebuild-selected");
        assert_eq!(Command::PreviousEditKind.name(), "previous-edit-kind");
    }

    #[test]
    fn unknown_names_are_rejected() {
        assert_eq!(
            "rebuild-all".parse::<Command>(),
            Err(UnknownCommand("rebuild-all".into()))
        );
    }
}
