//! The diagnosis block above a failed unit's log: a suggested fix, when there is one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::AppState;

use super::title_style;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let Some(text) = state
        .selected_unit()
        .and_then(|unit| state.diagnoses.get(&unit))
    else {
        return;
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Yellow))
        .title(Line::styled(" Diagnosis ", title_style().fg(Color::Yellow)))
        .title_bottom(Line::from(" e edits Cargo.dependencies.nix ").right_aligned());
    frame.render_widget(
        Paragraph::new(text.as_str())
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
