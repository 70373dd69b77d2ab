//! The help overlay: every key binding, from the keymap itself.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::app::keymap::{Binding, EDITOR_BINDINGS, NORMAL_BINDINGS};

use super::{dim, popup_area, title_style};

const KEY_WIDTH: usize = 7;
const COLUMN_WIDTH: usize = 37;

/// What the marks in the units pane mean.
const LEGEND: &[&str] = &[
    " Kinds: bs build script, bs-run its run, pm proc-macro, ex example",
    "        test a test binary, t-run its run (T), chk checked only (C)",
    " ↪ a shared unit again: it is built once, where → takes you",
];

pub fn render(frame: &mut Frame, screen: Rect) {
    let mut lines = two_columns(NORMAL_BINDINGS);
    lines.push(Line::raw(""));
    lines.extend(LEGEND.iter().map(|line| Line::styled(*line, dim())));
    let editor_keys = two_columns(EDITOR_BINDINGS);
    // The editor shows its keys itself: its part goes first when the screen is short.
    if usize::from(screen.height) >= lines.len() + editor_keys.len() + 2 + 4 {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            " In the deps editor (other keys type)",
            title_style(),
        ));
        lines.extend(editor_keys);
    }

    let height = u16::try_from(lines.len())
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let area = popup_area(screen, (COLUMN_WIDTH * 2 + 2) as u16, height);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::styled(" Keys ", title_style()))
        .title_bottom(Line::styled(" mouse: click selects, wheel scrolls ", dim()))
        .title_bottom(Line::styled(" Esc closes ", dim()).right_aligned());
    frame.render_widget(Clear, area);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Bindings top to bottom, then on into a second column.
fn two_columns(bindings: &[Binding]) -> Vec<Line<'static>> {
    let rows = bindings.len().div_ceil(2);
    let (left, right) = bindings.split_at(rows);
    (0..rows)
        .map(|row| {
            let mut spans = binding_spans(left.get(row));
            spans.extend(binding_spans(right.get(row)));
            Line::from(spans)
        })
        .collect()
}

fn binding_spans(binding: Option<&Binding>) -> Vec<Span<'static>> {
    let Some(binding) = binding else {
        return Vec::new();
    };
    let description = binding.command.description();
    vec![
        Span::styled(
            format!(" {:<KEY_WIDTH$}", binding.label),
            Style::new().fg(Color::Cyan),
        ),
        Span::raw(format!(
            "{description:<width$}",
            width = COLUMN_WIDTH - KEY_WIDTH - 1
        )),
    ]
}
