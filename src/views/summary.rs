//! The summary bar: build phase, units per state, cache hits, running jobs, elapsed time.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{AppState, TestCounts};
use crate::backend::build_state::{Counters, Phase, UnitStatus};
use crate::backend::plan::CargoVerb;

use super::{dim, unit_status};
use crate::app::layout::roomy;

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let counts = state.build.counters;
    let total = state.build.units.len();
    let mut headline = vec![Span::styled(
        " libnix-tui ",
        Style::new().fg(Color::Black).bg(Color::Cyan),
    )];
    if let Some(root) = root_name(state) {
        headline.push(Span::styled(
            format!(" {root}"),
            Style::new().add_modifier(Modifier::BOLD),
        ));
        headline.push(Span::styled(" │", dim()));
    }
    headline.push(Span::raw(" "));
    headline.push(phase_span(state));
    if state.follow {
        headline.push(Span::raw(" "));
        headline.push(Span::styled(
            " FOLLOW ",
            Style::new()
                .fg(Color::Black)
                .bg(Color::Yellow)
                .add_modifier(Modifier::BOLD),
        ));
    }

    let mut facts = Vec::new();
    match state.verb {
        CargoVerb::Test => facts.push(tests_fact(state)),
        CargoVerb::Check => facts.push("check".to_owned()),
        CargoVerb::Build | CargoVerb::Run => {}
    }
    let hits = counts.cached + counts.substituted;
    if let Some(percent) = (hits * 100).checked_div(total) {
        facts.push(format!("cache {hits}/{total} ({percent}%)"));
    }
    let jobs = state.running_jobs().len();
    if jobs > 0 {
        facts.push(format!("{jobs} job{}", if jobs == 1 { "" } else { "s" }));
    }
    if let Some(started) = state.build.build_started {
        facts.push(match state.build.build_finished {
            Some(finished) => unit_status::format_duration(finished.saturating_sub(started)),
            None => unit_status::format_clock(state.now.saturating_sub(started)),
        });
    }
    for fact in facts {
        headline.push(Span::styled(" │ ", dim()));
        headline.push(Span::raw(fact));
    }

    let others = &state.build.others;
    let outside = Counters::of_statuses(others.iter().map(|other| &other.status));
    let lines = if roomy(frame.area()) && area.height >= 2 {
        let mut outside_spans = Vec::new();
        if !others.is_empty() {
            outside_spans.push(Span::styled(" │ outside the graph:", dim()));
            outside_spans.extend(count_spans(&outside, true, |_| false));
        }
        // Interruptions are rare: shown only when there are some.
        let mut line = Line::from(count_spans(&counts, true, |status| {
            *status != UnitStatus::Interrupted
        }));
        if line.width() + Line::from(outside_spans.clone()).width() > usize::from(area.width) {
            // The units' zeros give way to what happens outside the crate graph, but for
            // "0 failed" and "0 skipped": they say the build went through.
            line = Line::from(count_spans(&counts, true, |status| {
                matches!(status, UnitStatus::Failed { .. } | UnitStatus::Skipped)
            }));
        }
        line.spans.extend(outside_spans);
        vec![Line::from(headline), line]
    } else {
        let counts = count_spans(&counts, false, |_| false);
        if !counts.is_empty() {
            headline.push(Span::styled(" │", dim()));
            headline.extend(counts);
        }
        if !others.is_empty() {
            headline.push(Span::styled(" │ outside", dim()));
            headline.extend(count_spans(&outside, false, |_| false));
        }
        vec![Line::from(headline)]
    };
    frame.render_widget(Paragraph::new(lines), area);
}

/// `tests 42 passed, 3 failed` over the test runs read so far; `tests` before any is.
fn tests_fact(state: &AppState) -> String {
    let TestCounts { passed, failed, .. } = (state.test_outcomes.values())
        .filter_map(|outcome| outcome.counts)
        .fold(TestCounts::default(), |total, counts| total + counts);
    if state.test_outcomes.is_empty() {
        "tests".to_owned()
    } else if failed > 0 {
        format!("tests {passed} passed, {failed} failed")
    } else {
        format!("tests {passed} passed")
    }
}

fn root_name(state: &AppState) -> Option<String> {
    let plan = state.plan()?;
    let members: Vec<&str> = plan
        .packages
        .values()
        .filter(|package| package.is_member)
        .map(|package| package.name.as_str())
        .collect();
    match members.as_slice() {
        [] => None,
        [only] => Some((*only).to_owned()),
        [first, rest @ ..] => Some(format!("{first} +{}", rest.len())),
    }
}

fn phase_span(state: &AppState) -> Span<'static> {
    let (text, color) = match state.build.phase {
        Phase::Idle if state.build_requested => ("Starting…", Color::Yellow),
        Phase::Idle if state.plan().is_some() => ("Ready: b builds", Color::Reset),
        Phase::Idle => ("Idle", Color::Reset),
        Phase::Planning => ("Planning…", Color::Yellow),
        Phase::Evaluating => ("Evaluating…", Color::Yellow),
        Phase::Building => ("Building", Color::Yellow),
        Phase::Finished { success: true } => ("Finished", Color::Green),
        Phase::Finished { success: false } if state.cancel_requested => {
            ("Cancelled", Color::Magenta)
        }
        Phase::Finished { success: false } => ("Failed", Color::Red),
    };
    Span::styled(text, Style::new().fg(color).add_modifier(Modifier::BOLD))
}

/// `✔ 4 built  ● 2 cached …` when `words`, else `✔4 ●2 …`; a zero count only for the
/// statuses `zero_shown` picks.
fn count_spans(
    counts: &Counters,
    words: bool,
    zero_shown: impl Fn(&UnitStatus) -> bool,
) -> Vec<Span<'static>> {
    use std::time::Duration;
    let samples = [
        (
            UnitStatus::Built {
                took: Duration::ZERO,
            },
            counts.built,
            "built",
        ),
        (UnitStatus::Cached, counts.cached, "cached"),
        (
            UnitStatus::Substituted {
                from: String::new(),
            },
            counts.substituted,
            "substituted",
        ),
        (
            UnitStatus::Substituting {
                from: String::new(),
            },
            counts.substituting,
            "fetching",
        ),
        (
            UnitStatus::Building {
                machine: String::new(),
                since: Duration::ZERO,
            },
            counts.building,
            "building",
        ),
        (
            UnitStatus::Failed { exit_code: None },
            counts.failed,
            "failed",
        ),
        (UnitStatus::Skipped, counts.skipped, "skipped"),
        (UnitStatus::Planned, counts.planned, "planned"),
        (UnitStatus::Interrupted, counts.interrupted, "interrupted"),
    ];
    samples
        .iter()
        .filter(|(status, count, _)| *count > 0 || zero_shown(status))
        .map(|(status, count, word)| {
            let style = Style::new().fg(unit_status::color(status));
            let text = if words {
                format!(" {} {count} {word} ", unit_status::icon(status))
            } else {
                format!(" {}{count}", unit_status::icon(status))
            };
            Span::styled(text, style)
        })
        .collect()
}
