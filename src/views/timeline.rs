//! The timeline (`t`): a bar per unit that ran on a time axis, the critical path
//! highlighted, and the critical path's summary line.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::app::AppState;
use crate::backend::insight::timings::{Outcome, Timeline};

use super::{dim, title_style};

/// Lines inside the border that are not unit rows or the summary: legend and axis.
const FIXED_LINES: usize = 2;
const LABEL_WIDTH: usize = 28;
/// Room after a bar for its duration: ` 123.4s`.
const DURATION_WIDTH: usize = 8;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(Style::new().fg(Color::Cyan))
        .title(Line::styled(" Timeline ", title_style()))
        .title_bottom(Line::styled(" t or Esc closes ", dim()).right_aligned());
    let inner = block.inner(area);
    let current = state
        .plan()
        .and_then(|plan| Timeline::from_state(plan, &state.build, state.now));
    let (block, lines) = match (&current, &state.last_build_timings) {
        (Some(timeline), _) => (block, timeline_lines(timeline, inner)),
        (None, Some(last)) => (
            block.title(Line::styled("(the last recorded build) ", dim())),
            timeline_lines(last, inner),
        ),
        (None, None) => (
            block,
            vec![Line::styled("No build has run yet: b builds.", dim())],
        ),
    };
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

fn timeline_lines(timeline: &Timeline, area: Rect) -> Vec<Line<'static>> {
    let width = usize::from(area.width);
    let label_width = LABEL_WIDTH.min(width / 3);
    let bar_width = width
        .saturating_sub(label_width + 1 + DURATION_WIDTH)
        .max(1);
    let ran = timeline.ran_by_start();
    let not_ran = timeline.units.len() - ran.len();
    let summary = timeline.summary();
    // The summary wraps; every other line fits the width.
    let summary_lines = summary.chars().count().div_ceil(width.max(1));
    let mut lines = vec![
        Line::styled(
            summary,
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        Line::from(vec![
            Span::raw(format!(
                "{} ran, {not_ran} not run, at most {} at once ",
                ran.len(),
                timeline.max_concurrency()
            )),
            Span::styled("█ built ", outcome_style(&Outcome::Built)),
            Span::styled(
                "█ substituted ",
                outcome_style(&Outcome::Substituted {
                    from: String::new(),
                }),
            ),
            Span::styled("█ failed ", outcome_style(&Outcome::Failed)),
            Span::styled("· waiting", dim()),
        ]),
    ];
    let rows = usize::from(area.height).saturating_sub(FIXED_LINES + summary_lines);
    let hidden = ran.len().saturating_sub(rows);
    let shown = if hidden > 0 {
        rows.saturating_sub(1)
    } else {
        rows
    };
    let scale = bar_width as f64 / timeline.total.max(0.001);
    let column = |time: f64| ((time * scale).round() as usize).min(bar_width);
    for &(id, unit) in ran.iter().take(shown) {
        let critical = timeline.is_on_critical_path(id);
        let marker = if critical { "*" } else { " " };
        let mut label = format!("{marker}{} ", unit.label());
        label = truncate(&label, label_width);
        let started = unit.started.unwrap_or_default();
        let end = unit.end(timeline.total).unwrap_or(started);
        let queued = column(unit.queued.min(started));
        let start = column(started).max(queued);
        let stop = column(end).max(start + 1).min(bar_width);
        let mut style = outcome_style(&unit.outcome);
        if critical {
            style = style.add_modifier(Modifier::BOLD);
        }
        let label_style = if critical {
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{label:<label_width$} "), label_style),
            Span::raw(" ".repeat(queued)),
            Span::styled("·".repeat(start - queued), dim()),
            Span::styled(
                if critical { "▓" } else { "█" }.repeat(stop.saturating_sub(start)),
                style,
            ),
            Span::styled(format!(" {:.1}s", end - started), dim()),
        ]));
    }
    if hidden > 0 {
        lines.push(Line::styled(
            format!(
                "… {} more (build --timings writes them all to timings.html)",
                ran.len() - shown
            ),
            dim(),
        ));
    }
    lines.push(axis(timeline.total, label_width, bar_width));
    lines
}

/// `0s` under the start of the bars and the total under their end.
fn axis(total: f64, label_width: usize, bar_width: usize) -> Line<'static> {
    let end = format!("{total:.1}s");
    let gap = (bar_width + DURATION_WIDTH).saturating_sub(2 + end.len());
    Line::styled(
        format!("{:label_width$} 0s{}{end}", "", " ".repeat(gap)),
        dim(),
    )
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut short: String = text.chars().take(width.saturating_sub(1)).collect();
    short.push('…');
    short
}

fn outcome_style(outcome: &Outcome) -> Style {
    let color = match outcome {
        Outcome::Built => Color::Green,
        Outcome::Substituted { .. } => Color::Blue,
        Outcome::Failed => Color::Red,
        Outcome::Interrupted => Color::Yellow,
        Outcome::Running => Color::Magenta,
        Outcome::Waiting | Outcome::Cached | Outcome::Skipped => Color::DarkGray,
    };
    Style::new().fg(color)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Size;

    use crate::app::fixtures::{self, unit_named};
    use crate::app::{Action, AppEvent, AppState, Command, update};
    use crate::backend::build_state::{Counters, Phase, UnitStatus};
    use crate::backend::insight::timings::Timeline;

    /// A finished build of the fixture plan: a chain down to unicode-ident was built, the
    /// rest cached or substituted; times in seconds since the session began at 0, the
    /// build at 2.
    fn finished(size: Size) -> AppState {
        let mut state = fixtures::planned(size);
        let plan = state.build.plan.clone().expect("plan");
        state.build.build_started = Some(Duration::from_secs(2));
        state.build.build_finished = Some(Duration::from_secs(22));
        state.build.phase = Phase::Finished { success: true };
        state.now = Duration::from_secs(30);
        let built = |took| UnitStatus::Built {
            took: Duration::from_secs_f64(took),
        };
        let cache = "https://cache.nixos.org".to_string();
        let runs = [
            ("unicode-ident", "lib", built(1.5), Some((2.0, 3.5))),
            ("proc-macro2", "build script", built(2.0), Some((2.0, 4.0))),
            (
                "proc-macro2",
                "build-script run",
                built(0.5),
                Some((4.0, 4.5)),
            ),
            ("proc-macro2", "lib", built(3.0), Some((4.5, 7.5))),
            ("quote", "lib", built(1.5), Some((7.5, 9.0))),
            ("syn", "lib", built(6.0), Some((9.0, 15.0))),
            ("serde_derive", "proc-macro", built(3.0), Some((15.0, 18.0))),
            ("serde", "lib", built(2.0), Some((18.0, 20.0))),
            (
                "libc",
                "lib",
                UnitStatus::Substituted { from: cache },
                Some((2.0, 2.5)),
            ),
            ("openssl-sys", "lib", UnitStatus::Cached, None),
            ("demo", "bin", built(1.5), Some((20.0, 21.5))),
        ];
        for (name, kind, status, times) in runs {
            let unit = &mut state.build.units[unit_named(&plan, name, kind)];
            unit.status = status;
            unit.started_at = times.map(|t| Duration::from_secs_f64(t.0));
            unit.finished_at = times.map(|t| Duration::from_secs_f64(t.1));
        }
        state.build.counters = Counters::count(&state.build.units);
        update(&mut state, Action::Command(Command::ToggleTimeline));
        state
    }

    fn screen(state: &AppState) -> String {
        let Size { width, height } = state.screen;
        let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
        terminal
            .draw(|frame| super::super::render(frame, state))
            .expect("drawing to a test backend");
        terminal.backend().to_string()
    }

    #[test]
    fn timeline_of_a_finished_build_80x24() {
        let state = finished(Size::new(80, 24));
        let screen = screen(&state);
        assert!(
            screen.contains("critical path 19.5 s of 20.0 s: demo(bin) <- serde <- serde_derive")
        );
        insta::assert_snapshot!(screen);
    }

    #[test]
    fn timeline_of_a_finished_build_200x50() {
        insta::assert_snapshot!(screen(&finished(Size::new(200, 50))));
    }

    #[test]
    fn before_a_build_the_timeline_says_so_and_t_closes_it() {
        let mut state = fixtures::planned(Size::new(80, 24));
        update(&mut state, Action::Command(Command::ToggleTimeline));
        assert!(screen(&state).contains("No build has run yet"));
        update(&mut state, Action::Command(Command::ToggleTimeline));
        assert!(!screen(&state).contains("Timeline"));
    }

    #[test]
    fn before_a_build_the_recorded_builds_timeline_is_shown() {
        let recorded = finished(Size::new(80, 24));
        let plan = recorded.build.plan.clone().expect("plan");
        let timeline = Timeline::from_state(&plan, &recorded.build, recorded.now)
            .expect("the recorded build started");
        let mut state = fixtures::planned(Size::new(80, 24));
        update(
            &mut state,
            Action::App(AppEvent::LastBuildTimings(Box::new(timeline))),
        );
        update(&mut state, Action::Command(Command::ToggleTimeline));
        let screen = screen(&state);
        assert!(screen.contains("(the last recorded build)"), "{screen}");
        assert!(
            screen.contains("critical path 19.5 s of 20.0 s"),
            "{screen}"
        );
    }

    #[test]
    fn units_that_do_not_fit_are_counted() {
        let screen = screen(&finished(Size::new(80, 12)));
        assert!(screen.contains("… 7 more (build --timings"), "{screen}");
        assert!(screen.contains("20.0s"), "the time axis stays: {screen}");
    }
}
