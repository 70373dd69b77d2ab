//! The DAG pane: root units at the top, each unit's dependencies below it.

use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, StatefulWidget};
use tui_tree_widget::{Tree, TreeItem, TreeState};

use crate::app::tree::{TreePath, children_on_path, roots};
use crate::app::{AppState, Focus};
use crate::backend::build_state::Phase;
use crate::backend::plan::{BuildPlan, UnitId};

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
    block = block.title(title(&format!("Units ({})", plan.units.len())));
    if let Some(query) = &state.tree.query {
        block = block.title(Line::from(format!(" /{query} ")).right_aligned());
    }
    let rows_area = block.inner(area);
    frame.render_widget(block, area);

    let items: Vec<TreeItem<'static, UnitId>> = roots(plan)
        .into_iter()
        .map(|root| item(state, plan, vec![root]))
        .collect();
    let Ok(tree) = Tree::new(&items) else {
        return;
    };
    let tree = tree
        .highlight_symbol("▌")
        .highlight_style(
            Style::new()
                .bg(Color::DarkGray)
                .add_modifier(Modifier::BOLD),
        )
        .node_closed_symbol("▸ ")
        .node_open_symbol("▾ ")
        .node_no_children_symbol("  ");

    let mut tree_state = TreeState::default();
    for path in &state.tree.opened {
        tree_state.open(path.clone());
    }
    tree_state.select(state.tree.selected.clone());
    // The app keeps the scroll offset; a fresh TreeState accepts one only after it has
    // measured the tree, so let it measure off-screen first.
    let scratch = Rect::new(0, 0, 1, 1);
    tree.clone()
        .render(scratch, &mut Buffer::empty(scratch), &mut tree_state);
    tree_state.scroll_up(usize::MAX);
    tree_state.scroll_down(state.tree.offset);
    frame.render_stateful_widget(tree, rows_area, &mut tree_state);
}

fn title(text: &str) -> Line<'static> {
    Line::styled(format!(" {text} "), title_style())
}

/// The tree item for `path`. Only expanded nodes get their children built out: the tree of
/// a large graph is far bigger than the graph.
fn item(state: &AppState, plan: &BuildPlan, path: TreePath) -> TreeItem<'static, UnitId> {
    let unit = path[path.len() - 1];
    let text = row_text(state, unit);
    let children = children_on_path(plan, &path);
    let child_items: Vec<_> = if state.tree.opened.contains(&path) {
        children
            .into_iter()
            .map(|child| {
                let mut child_path = path.clone();
                child_path.push(child);
                item(state, plan, child_path)
            })
            .collect()
    } else {
        // Placeholders, so a collapsed node still shows that it can be expanded.
        children
            .into_iter()
            .map(|child| TreeItem::new_leaf(child, ""))
            .collect()
    };
    TreeItem::new(unit, text.clone(), child_items)
        .unwrap_or_else(|_| TreeItem::new_leaf(unit, text))
}

fn row_text(state: &AppState, unit: UnitId) -> Line<'static> {
    let Some((unit_plan, package)) = state.unit_info(unit) else {
        return Line::from(format!("unit {unit}"));
    };
    let mut name_style = Style::new().add_modifier(Modifier::BOLD);
    if state
        .tree
        .query
        .as_ref()
        .is_some_and(|query| package.name.to_lowercase().contains(&query.to_lowercase()))
    {
        name_style = name_style
            .fg(Color::Yellow)
            .add_modifier(Modifier::UNDERLINED);
    }
    let mut spans = Vec::with_capacity(8);
    if let Some(status) = state.status(unit) {
        let color = unit_status::color(status);
        spans.push(Span::styled(
            unit_status::icon(status),
            Style::new().fg(color),
        ));
        spans.push(Span::raw(" "));
        spans.push(Span::styled(package.name.clone(), name_style));
        spans.push(Span::styled(format!(" {}", package.version), dim()));
        spans.push(Span::styled(
            format!(" {}", unit_plan.kind.label()),
            Style::new().fg(Color::Magenta),
        ));
        spans.push(Span::styled(
            format!("  {}", unit_status::describe(status, state.now)),
            Style::new().fg(color),
        ));
    } else {
        spans.push(Span::styled(package.name.clone(), name_style));
        spans.push(Span::styled(format!(" {}", package.version), dim()));
        spans.push(Span::raw(format!(" {}", unit_plan.kind.label())));
    }
    Line::from(spans)
}
