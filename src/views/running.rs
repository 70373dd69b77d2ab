//! The running-now pane: every unit and every derivation outside the crate graph being
//! built or fetched, longest running first, with how long and where.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::{AppState, Job};
use crate::backend::build_state::UnitStatus;

use super::tree::{other_spans, unit_spans};
use super::{dim, pane_block, title_style, unit_status};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let running = state.running_jobs();
    let shown = running
        .len()
        .min(usize::from(area.height.saturating_sub(2)));
    let keys = match running.len() - shown {
        0 => " p jumps to each · F follows ".to_owned(),
        hidden => format!(" +{hidden} more · p jumps to each · F follows "),
    };
    let block = pane_block(false)
        .title(Line::styled(
            format!(" Running now ({}) ", running.len()),
            title_style(),
        ))
        .title(Line::styled(keys, dim()).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let lines: Vec<Line> = running
        .iter()
        .take(shown)
        .map(|running| {
            let clock = format!("{:>6} ", unit_status::format_clock(running.elapsed));
            let (status, bytes) = match running.job {
                Job::Unit(unit) => (state.status(unit), None),
                Job::Other(index) => {
                    let other = state.build.others.get(index);
                    (
                        other.map(|other| &other.status),
                        other.and_then(|other| other.bytes),
                    )
                }
            };
            let mut place = match status {
                Some(UnitStatus::Building { machine, .. }) if !machine.is_empty() => {
                    format!("  on {}", unit_status::host(machine))
                }
                Some(UnitStatus::Building { .. }) => "  local".to_owned(),
                Some(UnitStatus::Substituting { from }) => {
                    format!("  from {}", unit_status::host(from))
                }
                _ => String::new(),
            };
            if let Some((done, expected)) = bytes {
                place.push_str(&format!(" {}", unit_status::transferred(done, expected)));
            }
            let room = width.saturating_sub(clock.len() + place.chars().count());
            let mut spans = vec![Span::styled(clock, Style::new().fg(Color::Yellow))];
            match running.job {
                Job::Unit(unit) => spans.extend(unit_spans(state, unit, room, false)),
                Job::Other(index) => {
                    if let Some(other) = state.build.others.get(index) {
                        spans.extend(other_spans(state, other, room, false));
                    }
                }
            }
            spans.push(Span::styled(place, dim()));
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
}
