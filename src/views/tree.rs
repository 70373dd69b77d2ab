//! The units pane: the dependency tree (root units at the top, each unit's dependencies
//! below it where it is built) or the flat list, filtered as the app says.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::tree::{OutsideNode, TreeRow, name_matches, other_at};
use crate::app::{AppState, Focus};
use crate::backend::build_state::{DerivationKind, OtherDerivation, Phase, UnitStatus};

use super::{dim, pane_block, title_style, unit_status};

pub fn render(frame: &mut Frame, area: Rect, state: &AppState) {
    let mut block = pane_block(state.focus == Focus::Tree);
    let Some(plan) = state.plan() else {
        let waiting = match state.build.phase {
            Phase::Planning => "Asking Cargo for the unit graph…",
            _ => "No build plan yet.",
        };
        frame.render_widget(
            Paragraph::new(Line::styled(waiting, dim())).block(block.title(title("Units"))),
            area,
        );
        return;
    };
    let mut heading = format!("Units ({})", plan.units.len());
    if let Some(filter) = state.tree.filter {
        let matching = state
            .build
            .units
            .iter()
            .filter(|unit| filter.matches(&unit.status))
            .count();
        heading.push_str(&format!(" · {}: {matching}", filter.label()));
    }
    if state.tree.flat {
        heading.push_str(&format!(" · list {}", state.tree.order.label()));
    }
    block = block.title(title(&heading));
    if let Some(query) = &state.tree.query {
        block = block.title(Line::from(format!(" /{query} ")).right_aligned());
    }
    let rows_area = block.inner(area);
    frame.render_widget(block, area);

    let height = usize::from(rows_area.height);
    let first = state.tree.offset;
    // One row more than shows: whether the last one shown is expanded.
    let window = state
        .tree
        .rows_window(&state.build, state.now, first..first + height + 1);
    if window.total == 0 {
        let text = match state.tree.filter {
            Some(filter) => format!("No unit is {} — s shows others.", filter.label()),
            None => "The plan has no units.".to_owned(),
        };
        frame.render_widget(Paragraph::new(Line::styled(text, dim())), rows_area);
        return;
    }
    let rows = &window.rows;
    let width = usize::from(rows_area.width);
    let lines: Vec<Line> = rows
        .iter()
        .enumerate()
        .take(height)
        .map(|(index, row)| {
            let expanded = rows
                .get(index + 1)
                .is_some_and(|next| next.depth > row.depth);
            let selected = window.selected == Some(first + index);
            row_line(state, row, expanded, selected, width)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), rows_area);
}

fn title(text: &str) -> Line<'static> {
    Line::styled(format!(" {text} "), title_style())
}

/// `▌  ▾ ✔ serde 1.0.228 lib  built in 3.5s`: selection bar, indentation, node symbol, the
/// unit. A recurrence of a shared unit is marked `↪`: it is built where it is at home.
fn row_line(
    state: &AppState,
    row: &TreeRow,
    expanded: bool,
    selected: bool,
    width: usize,
) -> Line<'static> {
    let symbol = if row.recurs {
        "↪ "
    } else if !row.has_children {
        "  "
    } else if expanded {
        "▾ "
    } else {
        "▸ "
    };
    let indent = "  ".repeat(row.depth);
    let mut spans = vec![
        Span::raw(if selected { "▌" } else { " " }),
        Span::raw(indent.clone()),
        Span::styled(symbol, if row.recurs { dim() } else { Style::new() }),
    ];
    let room = width.saturating_sub(1 + indent.len() + 2);
    match (&row.outside, row.unit()) {
        (Some(node), _) => spans.extend(outside_spans(state, node, room)),
        (None, Some(unit)) => spans.extend(unit_spans(state, unit, room, true)),
        (None, None) => {}
    }
    let line = Line::from(spans);
    if selected {
        line.patch_style(
            Style::new()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD),
        )
    } else {
        line
    }
}

/// A unit's icon, name, version, kind and (`with_status`) status in `room` columns: the
/// name and kind always, then as much of the status as fits, then the version.
pub fn unit_spans(
    state: &AppState,
    unit: usize,
    room: usize,
    with_status: bool,
) -> Vec<Span<'static>> {
    let Some((unit_plan, package)) = state.unit_info(unit) else {
        return vec![Span::raw(format!("unit {unit}"))];
    };
    let name_style = name_style(state, &package.name);
    let mut kind = format!(" {}", unit_status::kind_short(unit_plan.kind));
    if let Some(target) = state
        .plan()
        .and_then(|plan| unit_status::test_target(plan, unit))
    {
        kind.push_str(&format!(" {target}"));
    }
    let version = format!(" {}", package.version);
    let Some((icon, color, words)) = unit_status::unit_look(state, unit) else {
        return vec![
            Span::styled(package.name.clone(), name_style),
            Span::styled(version, dim()),
            Span::raw(kind),
        ];
    };
    let essential = 2 + width(&package.name) + width(&kind);
    let mut left = room.saturating_sub(essential);
    let status_text = if with_status {
        fit(&format!("  {words}"), left)
    } else {
        String::new()
    };
    left -= width(&status_text);
    let mut spans = vec![
        Span::styled(icon, Style::new().fg(color)),
        Span::raw(" "),
        Span::styled(package.name.clone(), name_style),
    ];
    if width(&version) <= left {
        spans.push(Span::styled(version, dim()));
    }
    spans.push(Span::styled(kind, Style::new().fg(Color::Magenta)));
    if !status_text.is_empty() {
        spans.push(Span::styled(status_text, Style::new().fg(color)));
    }
    spans
}

/// A row of the group outside the crate graph: a heading with its count (and failures), or
/// a derivation.
fn outside_spans(state: &AppState, node: &OutsideNode, room: usize) -> Vec<Span<'static>> {
    let others = &state.build.others;
    let heading = |text: String, of: &dyn Fn(&OtherDerivation) -> bool| {
        let failed = others
            .iter()
            .filter(|other| of(other) && matches!(other.status, UnitStatus::Failed { .. }))
            .count();
        let mut spans = vec![Span::styled(
            text,
            Style::new().add_modifier(Modifier::BOLD),
        )];
        if failed > 0 {
            spans.push(Span::styled(
                format!("  ✘ {failed} failed"),
                Style::new().fg(Color::Red),
            ));
        }
        spans
    };
    match node {
        OutsideNode::Group => heading(
            format!("Outside the crate graph ({})", others.len()),
            &|_| true,
        ),
        OutsideNode::Kind(kind) => {
            let count = others.iter().filter(|other| other.kind == *kind).count();
            heading(format!("{} ({count})", kind_heading(*kind)), &|other| {
                other.kind == *kind
            })
        }
        OutsideNode::Derivation { path, .. } => match other_at(&state.build, path) {
            Some(other) => other_spans(state, other, room, true),
            None => vec![Span::styled(path.clone(), dim())],
        },
    }
}

/// How the group outside the crate graph names a kind of derivation.
pub fn kind_heading(kind: DerivationKind) -> &'static str {
    match kind {
        DerivationKind::Toolchain => "toolchain",
        DerivationKind::NativeDep => "native deps",
        DerivationKind::Source => "sources",
    }
}

/// A derivation outside the crate graph: its icon, name, and (`with_status`) its status,
/// or else its kind, in `room` columns; the name is never cut.
pub fn other_spans(
    state: &AppState,
    other: &OtherDerivation,
    room: usize,
    with_status: bool,
) -> Vec<Span<'static>> {
    let color = unit_status::color(&other.status);
    let detail = if with_status {
        let text = unit_status::describe_other(other, state.now);
        Span::styled(
            fit(
                &format!("  {text}"),
                room.saturating_sub(2 + width(&other.name)),
            ),
            Style::new().fg(color),
        )
    } else {
        Span::styled(
            format!(" {}", other.kind.label()),
            Style::new().fg(Color::Magenta),
        )
    };
    vec![
        Span::styled(unit_status::icon(&other.status), Style::new().fg(color)),
        Span::raw(" "),
        Span::styled(other.name.clone(), name_style(state, &other.name)),
        detail,
    ]
}

/// Bold, and marked when the last unit search matches it.
fn name_style(state: &AppState, name: &str) -> Style {
    let style = Style::new().add_modifier(Modifier::BOLD);
    let query = state.tree.query.as_deref();
    if query.is_some_and(|query| name_matches(name, query)) {
        style.fg(Color::Yellow).add_modifier(Modifier::UNDERLINED)
    } else {
        style
    }
}

fn width(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` in at most `room` columns: whole, cut with `…`, or nothing when hardly any fits.
fn fit(text: &str, room: usize) -> String {
    const SHORTEST_CUT: usize = 6;
    if width(text) <= room {
        return text.to_owned();
    }
    if room < SHORTEST_CUT {
        return String::new();
    }
    let mut cut = String::new();
    for character in text.chars() {
        if width(&cut) + width(character.encode_utf8(&mut [0; 4])) + 1 > room {
            break;
        }
        cut.push(character);
    }
    cut.truncate(cut.trim_end().len());
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use ratatui::layout::Size;

    use super::*;
    use crate::app::fixtures::{self, unit_named};
    use crate::backend::build_state::UnitStatus;

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|span| span.content.as_ref()).collect()
    }

    #[test]
    fn names_and_kinds_keep_their_room_and_the_version_goes_first() {
        let mut state = fixtures::planned(Size::new(80, 24));
        let plan = state.build.plan.clone().expect("plan");
        let unit = unit_named(&plan, "openssl-sys", "build-script run");
        state.build.units[unit].status = UnitStatus::Failed {
            exit_code: Some(101),
        };
        let wide = text(&unit_spans(&state, unit, 80, true));
        assert_eq!(wide, "✘ openssl-sys 0.9.109 bs-run  failed (exit 101)");
        let narrow = text(&unit_spans(&state, unit, 36, true));
        assert_eq!(narrow, "✘ openssl-sys bs-run  failed (exit…");
        let tiny = text(&unit_spans(&state, unit, 10, true));
        assert_eq!(tiny, "✘ openssl-sys bs-run", "never cut");
    }
}
