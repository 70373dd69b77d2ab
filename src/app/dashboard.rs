//! The dashboard as a whole: the terminal, the event loop and the shell that carries out its
//! effects, wired together on one runtime.

use crossterm::event::EventStream;
use tokio::sync::mpsc;

use crate::backend::session::BuildRequest;

use super::run::{Render, run};
use super::shell;
use super::state::AppState;
use super::terminal::TerminalSession;

/// Opens the dashboard on the project `request` names, plans it (and with `build_now`
/// builds it), drawing with `render`, and returns when the user quits.
pub fn open(request: BuildRequest, build_now: bool, render: Render) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let (backend_tx, backend_rx) = mpsc::unbounded_channel();
        let (app_tx, app_rx) = mpsc::unbounded_channel();
        let (effects_tx, effects_rx) = mpsc::unbounded_channel();
        let shell = tokio::spawn(shell::serve(
            request, build_now, backend_tx, app_tx, effects_rx,
        ));
        let mut session = TerminalSession::start()?;
        let size = session.terminal().size()?;
        let mut state = AppState::new(size);
        let result = run(
            session.terminal(),
            render,
            &mut state,
            EventStream::new(),
            backend_rx,
            app_rx,
            effects_tx,
        )
        .await;
        drop(session);
        // The effects channel is closed now: the shell stops any running build.
        let _ = shell.await;
        result
    })
}
