//! The diagnosis block above a failed unit's log: a suggested fix, when there is one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::AppState;

use super::title_style;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let Some(unit) = state.selected_unit() else {
        return;
    };
    let Some(text) = state.diagnoses.get(&unit) else {
        return;
    };
    let keys = match (
        state.fixes.contains_key(&unit),
        state.fix_preview == Some(unit),
    ) {
        (true, true) => " a again applies the fix ",
        (true, false) => " a previews the fix · e edits ",
        (false, _) => " e edits Cargo.dependencies.nix ",
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Yellow))
        .title(Line::styled(" Diagnosis ", title_style().fg(Color::Yellow)))
        .title_bottom(Line::from(keys).right_aligned());
    frame.render_widget(
        Paragraph::new(text.as_str())
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
