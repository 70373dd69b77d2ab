//! The bottom line: the search prompt while typing, else the latest notice, else key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{AppState, NoticeKind, SearchTarget};

use super::dim;

const HINTS: &[(&str, &str)] = &[
    ("b", "build"),
    ("r", "rebuild"),
    ("c", "cancel"),
    ("f", "next failure"),
    ("e", "edit deps"),
    ("d", "details"),
    ("/", "search"),
    ("?", "help"),
    ("q", "quit"),
];

pub fn render(frame: &mut Frame, area: Rect, state: &AppState, details_hidden: bool) {
    let line = if let Some(prompt) = &state.search {
        let target = match prompt.target {
            SearchTarget::Units => "search units",
            SearchTarget::Log => "search log",
        };
        Line::from(vec![
            Span::styled(format!(" {target}: /"), Style::new().fg(Color::Cyan)),
            Span::raw(prompt.query.clone()),
            Span::styled("▏", Style::new().add_modifier(Modifier::SLOW_BLINK)),
            Span::styled("  Enter confirm · Esc cancel", dim()),
        ])
    } else if let Some(notice) = &state.notice {
        let color = match notice.kind {
            NoticeKind::Info => Color::Reset,
            NoticeKind::Success => Color::Green,
            NoticeKind::Error => Color::Red,
        };
        // The layout gives a long notice the rows it needs.
        let text = Paragraph::new(format!(" {}", notice.text))
            .style(Style::new().fg(color))
            .wrap(Wrap { trim: false });
        frame.render_widget(text, area);
        return;
    } else {
        let mut spans = Vec::new();
        if details_hidden {
            spans.push(Span::styled(
                " details need a taller window ·",
                Style::new().fg(Color::Yellow),
            ));
        }
        for (key, what) in HINTS {
            spans.push(Span::styled(
                format!(" {key}"),
                Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            ));
            spans.push(Span::styled(format!(" {what} "), dim()));
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}
