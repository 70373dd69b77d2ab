//! The log pane: the selected unit's build log, rustc colours and all.

use ansi_to_tui::IntoText;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::app::{AppState, Focus, line_matches};
use crate::backend::build_state::{LogBuffer, OtherDerivation, UnitStatus};
use crate::backend::plan::UnitId;

use super::{dim, pane_block, title_style, unit_status};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let block = pane_block(state.focus == Focus::Log);
    let height = usize::from(block.inner(area).height);
    let selected = match (state.selected_unit(), state.selected_other()) {
        (Some(unit), _) => state.unit_state(unit).map(|unit_state| {
            let title = unit_title(state, unit);
            (title, empty_log_text(&unit_state.status).to_owned())
        }),
        (None, Some(other)) => Some((other_title(state, other), other_empty_log_text(other))),
        (None, None) => None,
    };
    let (Some((title, empty_text)), Some(selected_log)) = (selected, state.selected_log()) else {
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

    let log: &LogBuffer = &selected_log;
    let mut block = block.title(title);
    if let Some(position) = position_title(state, log, height) {
        block = block.title_bottom(position.right_aligned());
    }
    if let Some(query) = &state.log.query {
        block = block.title_bottom(Line::from(format!(" /{query} ")));
    }

    if log.lines.is_empty() {
        let text = if log.total > 0 {
            // Dropped to keep the dashboard's memory bounded (see LOG_LINES_KEPT_IN_TOTAL).
            "Its log was dropped to save memory; `nix log` has all of it."
        } else {
            empty_text.as_str()
        };
        let placeholder = Line::styled(text, dim().add_modifier(Modifier::ITALIC));
        frame.render_widget(
            Paragraph::new(placeholder)
                .wrap(Wrap { trim: false })
                .block(block),
            area,
        );
        return;
    }
    if state.log.wrap {
        block = block.title_bottom(Line::styled(" wrapped · w cuts ", dim()));
    }
    let first = state.log.first_visible(log, height);
    let current_match = state.log.current_match_index(log);
    let shown = |index: usize| {
        let styled = styled_line(&log.lines[index]);
        let Some(query) = &state.log.query else {
            return styled;
        };
        if current_match == Some(index) {
            styled.patch_style(Style::new().bg(Color::Yellow).fg(Color::Black))
        } else if line_matches(&log.lines[index], query) {
            styled.patch_style(Style::new().bg(Color::DarkGray))
        } else {
            styled
        }
    };
    let lines: Vec<Line> = if !state.log.wrap {
        (first..log.lines.len()).take(height).map(shown).collect()
    } else if state.log.follow {
        // The tail, wrapped: lines from the end until the pane is full.
        let width = usize::from(block.inner(area).width);
        let mut rows: Vec<Line> = Vec::new();
        for index in (0..log.lines.len()).rev() {
            if rows.len() >= height {
                break;
            }
            let mut wrapped = wrap_line(shown(index), width);
            wrapped.extend(rows);
            rows = wrapped;
        }
        let extra = rows.len().saturating_sub(height);
        rows.split_off(extra)
    } else {
        let width = usize::from(block.inner(area).width);
        (first..log.lines.len())
            .take(height)
            .flat_map(|index| wrap_line(shown(index), width))
            .take(height)
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// `line` cut into rows of at most `width` columns, styles kept.
fn wrap_line(line: Line<'static>, width: usize) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut row_width = 0;
    for span in line.spans {
        let mut piece = String::new();
        for character in span.content.chars() {
            let character_width = Span::raw(&*character.encode_utf8(&mut [0; 4])).width();
            if row_width + character_width > width && row_width > 0 {
                row.push(Span::styled(std::mem::take(&mut piece), span.style));
                rows.push(Line::from(std::mem::take(&mut row)));
                row_width = 0;
            }
            piece.push(character);
            row_width += character_width;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    rows.push(Line::from(row).style(line.style));
    rows
}

/// ` openssl-sys 0.9.109 build-script run · ✘ failed (exit 101) `
fn unit_title(state: &AppState, unit: UnitId) -> Line<'static> {
    let name = match state.unit_info(unit) {
        Some((unit_plan, package)) => {
            let target = state
                .plan()
                .and_then(|plan| unit_status::test_target(plan, unit))
                .map_or_else(String::new, |target| format!(" {target}"));
            format!(
                " {} {} {}{target} ",
                package.name,
                package.version,
                unit_plan.kind.label()
            )
        }
        None => format!(" unit {unit} "),
    };
    let mut title = vec![Span::styled(name, title_style())];
    if let Some((icon, color, words)) = unit_status::unit_look(state, unit) {
        title.push(Span::styled(
            format!("{icon} {words} "),
            Style::new().fg(color),
        ));
    }
    Line::from(title)
}

/// ` following ` or ` 12–30 of 400 `, counting every line the unit logged.
fn position_title(state: &AppState, log: &LogBuffer, height: usize) -> Option<Line<'static>> {
    if log.lines.is_empty() {
        return None;
    }
    if state.log.follow {
        return Some(Line::styled(" following ", dim()));
    }
    let dropped = log.total.saturating_sub(log.lines.len() as u64);
    let first = dropped + state.log.first_visible(log, height) as u64 + 1;
    if state.log.wrap {
        // Wrapped lines take rows of their own: only the first is known here.
        return Some(Line::from(format!(" from line {first} of {} ", log.total)));
    }
    let last = (first + height as u64 - 1).min(log.total);
    Some(Line::from(format!(" {first}–{last} of {} ", log.total)))
}

/// ` host-openssl native-dep · ✘ failed (exit 1) `
fn other_title(state: &AppState, other: &OtherDerivation) -> Line<'static> {
    Line::from(vec![
        Span::styled(
            format!(" {} {} ", other.name, other.kind.label()),
            title_style(),
        ),
        Span::styled(
            format!(
                "{} {} ",
                unit_status::icon(&other.status),
                unit_status::describe_other(other, state.now)
            ),
            Style::new().fg(unit_status::color(&other.status)),
        ),
    ])
}

/// What the log pane says for a derivation outside the crate graph without a log: Nix
/// shows its build log only when it fails.
fn other_empty_log_text(other: &OtherDerivation) -> String {
    match &other.status {
        UnitStatus::Building { .. } => {
            "Building: its log shows here if it fails (Nix shows only the failures of derivations \
             outside the crate graph)."
                .to_owned()
        }
        UnitStatus::Built { .. } => format!("Built. `nix log {}` shows its log.", other.path),
        UnitStatus::Failed { .. } => format!(
            "Failed without output; `nix log {}` may know more.",
            other.path
        ),
        status => empty_log_text(status).to_owned(),
    }
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
            ..LogBuffer::default()
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
    fn wrapping_cuts_at_the_width_and_keeps_styles() {
        let line = styled_line("\x1b[91merror\x1b[0m: a long line");
        let rows = wrap_line(line, 6);
        let texts: Vec<String> = rows.iter().map(plain_text).collect();
        assert_eq!(texts, ["error:", " a lon", "g line"]);
        assert_eq!(rows[0].spans[0].style.fg, Some(Color::LightRed));
        assert_eq!(
            wrap_line(Line::raw(""), 6).len(),
            1,
            "an empty line keeps its row"
        );
    }

    #[test]
    fn carriage_returns_keep_the_last_write() {
        let line = styled_line("downloading 10%\rdownloading 100%");
        assert_eq!(plain_text(&line), "downloading 100%");
    }
}
