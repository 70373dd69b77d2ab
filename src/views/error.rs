//! The error screen: what went wrong and what to do, instead of the dashboard.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::app::ErrorScreen;

use super::{dim, popup_area_for_lines, title_style};

const WIDTH: u16 = 90;

pub fn render(frame: &mut Frame, screen: Rect, error: &ErrorScreen) {
    let mut lines: Vec<Line> = error.message.lines().map(Line::raw).collect();
    if let Some(hint) = &error.hint {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("Hint: ", title_style().fg(Color::Yellow)),
            Span::raw(hint.clone()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled("b try again · Esc dismiss · q quit", dim()));

    let area = popup_area_for_lines(screen, WIDTH, &lines);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Red))
        .title(Line::styled(
            " libnix-tui can't go on ",
            title_style().fg(Color::Red),
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}
