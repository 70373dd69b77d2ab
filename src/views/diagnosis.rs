//! The diagnosis block above a failed unit's log (a suggested fix, when there is one), or
//! above a failed host package's (the Debian package to install).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::{AppState, Focus};

use super::title_style;

/// `overflows`: the text is longer than the pane, which then scrolls.
pub fn render(frame: &mut Frame, area: Rect, state: &AppState, overflows: bool) {
    let Some(text) = state.selected_diagnosis() else {
        return;
    };
    let keys = match state.selected_unit() {
        None => " install it, then b builds again ",
        Some(unit) if state.fixes.contains_key(&unit) && state.fix_preview == Some(unit) => {
            " a again applies the fix "
        }
        Some(unit) if state.fixes.contains_key(&unit) => " a previews the fix · e edits ",
        Some(_) => " e edits Cargo.dependencies.nix ",
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
        Paragraph::new(text.as_ref())
            .wrap(Wrap { trim: false })
            .scroll((state.diagnosis_scroll, 0))
            .block(block),
        area,
    );
}
