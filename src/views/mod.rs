//! ratatui rendering, one file per panel; each a pure function of [`AppState`].
//! May import the app's state and layout (read only), the backend's data and ratatui; never
//! update, the shell or cli.

mod details;
mod diagnosis;
mod editor;
mod error;
mod help;
mod log;
mod running;
mod status_bar;
mod summary;
mod timeline;
mod tree;
mod unit_status;

#[cfg(test)]
mod snapshot_tests;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType};

use crate::app::{AppState, layout};

/// Draws the whole screen for `state`.
pub fn render(frame: &mut Frame, state: &AppState) {
    let area = frame.area();
    if let Some(error) = &state.error_screen {
        error::render(frame, area, error);
        return;
    }
    let panes = layout::panes(area, state);
    summary::render(frame, panes.summary, state);
    if let Some(running) = panes.running {
        running::render(frame, running, state);
    }
    tree::render(frame, panes.tree, state);
    if let Some(diagnosis) = panes.diagnosis {
        diagnosis::render(frame, diagnosis, state, panes.diagnosis_overflows());
    }
    log::render(frame, panes.log, state);
    if let Some(details) = panes.details {
        details::render(frame, details, state);
    }
    status_bar::render(frame, panes.status, state, panes.details_hidden);
    if state.show_timeline {
        let above_status = Rect {
            height: panes.status.y.saturating_sub(area.y),
            ..area
        };
        timeline::render(frame, above_status, state);
    }
    if let Some(editor) = &state.editor {
        editor::render(frame, area, state, editor);
    }
    if state.show_help {
        help::render(frame, area);
    }
}

/// A pane's border: highlighted when it has the keyboard focus.
fn pane_block(focused: bool) -> Block<'static> {
    let block = Block::bordered().border_type(BorderType::Rounded);
    if focused {
        block.border_style(Style::new().fg(Color::Cyan))
    } else {
        block.border_style(Style::new().fg(Color::DarkGray))
    }
}

fn title_style() -> Style {
    Style::new().add_modifier(Modifier::BOLD)
}

fn dim() -> Style {
    Style::new().fg(Color::DarkGray)
}

/// Columns inside the border of a [`popup_area`] at most `width` wide.
fn popup_text_width(screen: Rect, width: u16) -> u16 {
    width.min(screen.width.saturating_sub(2)).saturating_sub(2)
}

/// A bordered [`popup_area`] at most `width` wide and tall enough for `lines` wrapped
/// inside it.
fn popup_area_for_lines(screen: Rect, width: u16, lines: &[Line]) -> Rect {
    let text_width = usize::from(popup_text_width(screen, width)).max(1);
    let rows: usize = lines
        .iter()
        .map(|line| line.width().div_ceil(text_width).max(1))
        .sum();
    let height = u16::try_from(rows).unwrap_or(u16::MAX).saturating_add(2);
    popup_area(screen, width, height)
}

/// A centred area of at most `width` x `height` inside `area`, one cell off its edges.
fn popup_area(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width.saturating_sub(2));
    let height = height.min(area.height.saturating_sub(2));
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}
