//! The dashboard application, Elm-style: input and engine events in, state changed, effects out.
//! May import the backend, ratatui and crossterm; never views or cli (the renderer is passed in).
//!
//! Terminal input, [`BackendEvent`](crate::backend::BackendEvent)s and [`AppEvent`]s become
//! [`Action`]s; [`update`] applies them to [`AppState`] and returns the [`Effect`]s that
//! `shell` carries out; [`run`] is the loop around it and [`dashboard::open`] wires the three
//! together. [`layout`] computes the pane rectangles that `update` hit-tests and views draw.

mod action;
pub mod dashboard;
mod editor;
mod effect;
mod event;
pub mod keymap;
pub mod layout;
mod log_view;
mod run;
mod shell;
mod state;
mod terminal;
pub mod tree;
mod update;

#[cfg(test)]
pub(crate) mod fixtures;
#[cfg(test)]
mod update_tests;

pub use action::{Action, Command, UnknownCommand};
pub use editor::{EditKind, EditScope, Editor};
pub use effect::Effect;
pub use event::AppEvent;
pub use log_view::{LogView, line_matches, plain_text};
pub use run::{Render, run};
pub use state::{
    AppState, DepsEntry, ErrorScreen, Focus, Job, Mode, Notice, NoticeKind, RebuildOffer,
    RunningJob, SearchPrompt, SearchTarget, TestCounts, TestOutcome, records_test_results,
};
pub use terminal::TerminalSession;
pub use update::update;
