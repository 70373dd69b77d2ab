//! The real terminal: raw mode, alternate screen and mouse capture, undone on drop, on error
//! returns and on panic. (Ctrl-C arrives as a key in raw mode and quits through the keymap.)

use std::io::stdout;

use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use ratatui::DefaultTerminal;

/// Owns the terminal while the dashboard runs.
pub struct TerminalSession {
    terminal: DefaultTerminal,
}

impl TerminalSession {
    /// Enters the dashboard's terminal mode. Call after installing any other panic hook.
    pub fn start() -> anyhow::Result<TerminalSession> {
        // ratatui's hook leaves raw mode and the alternate screen; ours runs first and also
        // stops mouse capture, which ratatui does not know about.
        let terminal = ratatui::try_init()?;
        let ratatui_hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let _ = execute!(stdout(), DisableMouseCapture);
            ratatui_hook(info);
        }));
        execute!(stdout(), EnableMouseCapture)?;
        Ok(TerminalSession { terminal })
    }

    pub fn terminal(&mut self) -> &mut DefaultTerminal {
        &mut self.terminal
    }
}

impl Drop for TerminalSession {
    fn drop(&mut self) {
        // Nothing useful can be done if restoring fails while shutting down.
        let _ = execute!(stdout(), DisableMouseCapture);
        let _ = ratatui::try_restore();
    }
}
