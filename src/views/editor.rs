//! The deps editor: a popup over the dashboard for one crate's `Cargo.dependencies.nix`
//! entry.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::app::{AppState, EditKind, EditScope, Editor};

use super::details::entry_lines;
use super::{dim, popup_area_for_lines, title_style};

const WIDTH: u16 = 78;

pub fn render(frame: &mut Frame, screen: Rect, state: &AppState, editor: &Editor) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::styled(
            format!(" Cargo.dependencies.nix · {} ", editor.crate_name),
            title_style(),
        ))
        .title_bottom(Line::styled(" Enter save · Esc close ", dim()).right_aligned());

    let scope = choice_row(
        "scope",
        &[
            (
                "all versions".to_owned(),
                editor.scope == EditScope::AllVersions,
            ),
            (
                format!("only {}", editor.version),
                editor.scope == EditScope::ThisVersion,
            ),
        ],
        "Tab",
    );
    let kinds: Vec<(String, bool)> = EditKind::ALL
        .iter()
        .map(|&kind| (kind.label().to_owned(), kind == editor.kind))
        .collect();
    let change = choice_row("change", &kinds, "↑↓");
    let input = if editor.input.is_empty() {
        Span::styled(
            editor.kind.placeholder(),
            dim().add_modifier(Modifier::ITALIC),
        )
    } else {
        Span::raw(editor.input.clone())
    };
    let mut lines = vec![
        scope,
        change,
        Line::from(vec![
            label(editor.kind.input_label()),
            input,
            Span::styled("▏", Style::new().fg(Color::Cyan)),
        ]),
        Line::raw(""),
        Line::styled("Current entry", title_style()),
    ];
    lines.extend(entry_lines(state));
    if state.pending_edit.is_some() {
        lines.push(Line::raw(""));
        lines.push(Line::styled("Saving…", Style::new().fg(Color::Yellow)));
    } else if let Some(error) = &editor.error {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("✘ {error}"),
            Style::new().fg(Color::Red),
        ));
    }

    let area = popup_area_for_lines(screen, WIDTH, &lines);
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn label(text: &str) -> Span<'static> {
    Span::styled(format!("{text:<11}"), Style::new().fg(Color::Cyan))
}

/// `scope      [all versions]  only 1.0   Tab`: the chosen option in brackets.
fn choice_row(name: &str, options: &[(String, bool)], keys: &'static str) -> Line<'static> {
    let mut spans = vec![label(name)];
    for (option, chosen) in options {
        if *chosen {
            spans.push(Span::styled(
                format!("[{option}]"),
                Style::new().fg(Color::Black).bg(Color::Cyan),
            ));
        } else {
            spans.push(Span::raw(format!(" {option} ")));
        }
        spans.push(Span::raw(" "));
    }
    spans.push(Span::styled(format!(" {keys}"), dim()));
    Line::from(spans)
}
