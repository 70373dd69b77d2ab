//! The diagnosis block above a failed unit's log: a suggested fix, when there is one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::{AppState, Focus};

use super::title_style;

/// `overflows`: the text is longer than the pane, which then scrolls.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState, overflows: bool) {
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
    let border = if state.focus == Focus::Diagnosis {
        Color::Cyan
    } else {
        Color::Yellow
    };
    let mut block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(border))
        .title(Line::styled(" Diagnosis ", title_style().fg(Color::Yellow)))
        .title_bottom(Line::from(keys).right_aligned());
    if overflows {
        let how = if state.focus == Focus::Diagnosis {
            " ↑↓ scroll "
        } else {
            " more: Tab, then ↑↓ "
        };
        block = block.title_bottom(Line::from(how));
    }
    frame.render_widget(
        Paragraph::new(text.as_str())
            .wrap(Wrap { trim: false })
            .scroll((state.diagnosis_scroll, 0))
            .block(block),
        area,
    );
}
