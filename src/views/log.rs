//! The log pane: the selected unit's build log, rustc colours and all.

use ansi_to_tui::IntoText;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{AppState, Focus, line_matches};
use crate::backend::build_state::{UnitState, UnitStatus};
use crate::backend::plan::UnitId;

use super::{dim, pane_block, title_style, unit_status};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let block = pane_block(state.focus == Focus::Log);
    let height = usize::from(block.inner(area).height);
    let Some((unit, unit_state)) = state
        .selected_unit()
        .and_then(|unit| Some((unit, state.unit_state(unit)?)))
    else {
        let mut lines: Vec<Line> = state.build.messages.iter().map(Line::raw).collect();
        if lines.is_empty() {
            lines.push(Line::styled(
                "Nothing logged yet.",
                dim().add_modifier(Modifier::ITALIC),
            ));
        }
        let title = Line::styled(" Messages ", title_style());
        frame.render_widget(Paragraph::new(lines).block(block.title(title)), area);
        return;
    };

    let mut block = block.title(unit_title(state, unit, unit_state));
    if let Some(position) = position_title(state, unit_state, height) {
        block = block.title_bottom(position.right_aligned());
    }
    if let Some(query) = &state.log.query {
        block = block.title_bottom(Line::from(format!(" /{query} ")));
    }

    let log = &unit_state.log;
    if log.lines.is_empty() {
        let text = if log.total > 0 {
            // Dropped to keep the dashboard's memory bounded (see LOG_LINES_KEPT_IN_TOTAL).
            "Its log was dropped to save memory; `nix log` has all of it."
        } else {
            empty_log_text(&unit_state.status)
        };
        let placeholder = Line::styled(text, dim().add_modifier(Modifier::ITALIC));
        frame.render_widget(Paragraph::new(placeholder).block(block), area);
        return;
    }
    let first = state.log.first_visible(log, height);
    let current_match = state.log.current_match_index(log);
    let lines: Vec<Line> = log
        .lines
        .iter()
        .enumerate()
        .skip(first)
        .take(height)
        .map(|(index, line)| {
            let styled = styled_line(line);
            let Some(query) = &state.log.query else {
                return styled;
            };
            if current_match == Some(index) {
                styled.patch_style(Style::new().bg(Color::Yellow).fg(Color::Black))
            } else if line_matches(line, query) {
                styled.patch_style(Style::new().bg(Color::DarkGray))
            } else {
                styled
            }
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// ` openssl-sys 0.9.109 build-script run · ✘ failed (exit 101) `
fn unit_title(state: &AppState, unit: UnitId, unit_state: &UnitState) -> Line<'static> {
    let status = &unit_state.status;
    let name = match state.unit_info(unit) {
        Some((unit_plan, package)) => {
            format!(
                " {} {} {} ",
                package.name,
                package.version,
                unit_plan.kind.label()
            )
        }
        None => format!(" unit {unit} "),
    };
    Line::from(vec![
        Span::styled(name, title_style()),
        Span::styled(
            format!(
                "{} {} ",
                unit_status::icon(status),
                unit_status::describe(status, state.now)
            ),
            Style::new().fg(unit_status::color(status)),
        ),
    ])
}

/// ` following ` or ` 12–30 of 400 `, counting every line the unit logged.
fn position_title(
    state: &AppState,
    unit_state: &UnitState,
    height: usize,
) -> Option<Line<'static>> {
    let log = &unit_state.log;
    if log.lines.is_empty() {
        return None;
    }
    if state.log.follow {
        return Some(Line::styled(" following ", dim()));
    }
    let dropped = log.total.saturating_sub(log.lines.len() as u64);
    let first = dropped + state.log.first_visible(log, height) as u64 + 1;
    let last = (first + height as u64 - 1).min(log.total);
    Some(Line::from(format!(" {first}–{last} of {} ", log.total)))
}

fn empty_log_text(status: &UnitStatus) -> &'static str {
    match status {
        UnitStatus::Planned => "Not built yet: b builds everything, r this unit.",
        UnitStatus::Cached => "Already in the Nix store: nothing to build.",
        UnitStatus::Substituting { .. } | UnitStatus::Substituted { .. } => {
            "Fetched from a binary cache: no build log."
        }
        UnitStatus::Building { .. } => "Waiting for output…",
        UnitStatus::Built { .. } => "The build printed nothing.",
        UnitStatus::Failed { .. } => "The build failed without output; `nix log` may know more.",
        UnitStatus::Skipped => "Not built: a dependency failed.",
        UnitStatus::Interrupted => "The build was stopped before it finished.",
    }
}

/// One log line with its ANSI colours as styles. A carriage return keeps what was written
/// after it, as a terminal would show it.
fn styled_line(raw: &str) -> Line<'static> {
    let visible = raw.rsplit('\r').next().unwrap_or(raw).replace('\t', "    ");
    match visible.as_str().into_text() {
        Ok(text) => text.lines.into_iter().next().unwrap_or_default(),
        Err(_) => Line::raw(visible),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Size;

    use super::*;
    use crate::app::fixtures;
    use crate::backend::build_state::LogBuffer;

    /// The line's characters without their styles.
    fn plain_text(line: &Line) -> String {
        line.spans
            .iter()
            .map(|span| span.content.as_ref())
            .collect()
    }

    #[test]
    fn a_log_dropped_to_save_memory_says_so() {
        let mut state = fixtures::planned(Size::new(100, 12));
        let root = state.selected_unit().expect("the root is selected");
        state.build.units[root].status = UnitStatus::Built {
            took: std::time::Duration::from_secs(1),
        };
        state.build.units[root].log = LogBuffer {
            lines: Default::default(),
            total: 42,
        };
        let mut terminal = Terminal::new(TestBackend::new(100, 12)).expect("test terminal");
        terminal
            .draw(|frame| render(frame, frame.area(), &state))
            .expect("drawing to a test backend");
        let screen = terminal.backend().to_string();
        assert!(
            screen.contains("Its log was dropped to save memory"),
            "{screen}"
        );
        assert!(!screen.contains("printed nothing"), "{screen}");
    }

    #[test]
    fn ansi_colours_become_styles() {
        let line = styled_line("\x1b[1m\x1b[91merror\x1b[0m: boom");
        let error = &line.spans[0];
        assert_eq!(error.content, "error");
        assert_eq!(error.style.fg, Some(Color::LightRed));
        assert!(error.style.add_modifier.contains(Modifier::BOLD));
        assert_eq!(plain_text(&line), "error: boom");
    }

    #[test]
    fn carriage_returns_keep_the_last_write() {
        let line = styled_line("downloading 10%\rdownloading 100%");
        assert_eq!(plain_text(&line), "downloading 100%");
    }
}
