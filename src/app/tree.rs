//! The DAG pane's model: the unit graph shown as a tree of paths from the root units.
//!
//! A shared dependency appears under every parent that uses it, so a row is named by its
//! path from a root (unique), while its state is the one unit at the end of the path.

use std::collections::{HashSet, VecDeque};

use crate::backend::plan::{BuildPlan, UnitId};

/// Units from a root down to a row's unit.
pub type TreePath = Vec<UnitId>;

/// The root units, each once, ignoring ids the plan does not have.
pub fn roots(plan: &BuildPlan) -> Vec<UnitId> {
    let mut seen = HashSet::new();
    plan.roots
        .iter()
        .copied()
        .filter(|&unit| unit < plan.units.len() && seen.insert(unit))
        .collect()
}

/// A unit's direct dependencies as the tree lists them: each once, by package name and kind.
pub fn children(plan: &BuildPlan, unit: UnitId) -> Vec<UnitId> {
    let Some(parent) = plan.units.get(unit) else {
        return Vec::new();
    };
    let mut children: Vec<UnitId> = parent
        .deps
        .iter()
        .map(|dep| dep.unit)
        .filter(|&child| child < plan.units.len())
        .collect();
    children.sort_by_key(|&child| (package_name(plan, child), plan.units[child].kind, child));
    children.dedup();
    children
}

fn package_name(plan: &BuildPlan, unit: UnitId) -> &str {
    plan.units
        .get(unit)
        .and_then(|unit| plan.packages.get(&unit.package))
        .map_or("", |package| package.name.as_str())
}

/// One visible row of the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    pub path: TreePath,
    pub has_children: bool,
}

impl TreeRow {
    pub fn unit(&self) -> UnitId {
        // A row's path always has at least its own unit.
        self.path[self.path.len() - 1]
    }
}

/// The rows shown when the nodes in `opened` are expanded, top to bottom.
pub fn visible_rows(plan: &BuildPlan, opened: &HashSet<TreePath>) -> Vec<TreeRow> {
    let mut rows = Vec::new();
    for root in roots(plan) {
        push_rows(plan, opened, vec![root], &mut rows);
    }
    rows
}

fn push_rows(
    plan: &BuildPlan,
    opened: &HashSet<TreePath>,
    path: TreePath,
    rows: &mut Vec<TreeRow>,
) {
    let children = children_on_path(plan, &path);
    let expand = opened.contains(&path);
    rows.push(TreeRow {
        path: path.clone(),
        has_children: !children.is_empty(),
    });
    if expand {
        for child in children {
            let mut child_path = path.clone();
            child_path.push(child);
            push_rows(plan, opened, child_path, rows);
        }
    }
}

/// Children of the path's last unit, leaving out any already on the path, so that even a
/// cyclic graph from a broken plan gives a finite tree.
pub fn children_on_path(plan: &BuildPlan, path: &[UnitId]) -> Vec<UnitId> {
    let Some(&unit) = path.last() else {
        return Vec::new();
    };
    children(plan, unit)
        .into_iter()
        .filter(|child| !path.contains(child))
        .collect()
}

/// Whether `path` starts at a root and follows dependency edges.
pub fn is_valid_path(plan: &BuildPlan, path: &[UnitId]) -> bool {
    let Some(&first) = path.first() else {
        return false;
    };
    roots(plan).contains(&first)
        && path
            .windows(2)
            .all(|pair| children(plan, pair[0]).contains(&pair[1]))
}

/// Every reachable unit once, in breadth-first order from the roots, with its shortest path.
/// Searching and "next failed" walk this list: the tree itself can be exponentially large.
pub fn shortest_paths(plan: &BuildPlan) -> Vec<TreePath> {
    let mut seen = vec![false; plan.units.len()];
    let mut queue: VecDeque<TreePath> = VecDeque::new();
    for root in roots(plan) {
        seen[root] = true;
        queue.push_back(vec![root]);
    }
    let mut order = Vec::new();
    while let Some(path) = queue.pop_front() {
        if let Some(&unit) = path.last() {
            for child in children(plan, unit) {
                if !seen[child] {
                    seen[child] = true;
                    let mut child_path = path.clone();
                    child_path.push(child);
                    queue.push_back(child_path);
                }
            }
        }
        order.push(path);
    }
    order
}

/// Selection, expansion and scroll position of the DAG pane.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeView {
    /// Empty when nothing is selected (no plan yet).
    pub selected: TreePath,
    pub opened: HashSet<TreePath>,
    /// Index of the first visible row.
    pub offset: usize,
    /// The last confirmed unit search, for next/previous match.
    pub query: Option<String>,
}

impl TreeView {
    pub fn selected_unit(&self) -> Option<UnitId> {
        self.selected.last().copied()
    }

    /// Starts over for a new plan: keeps what still exists, otherwise selects the first root
    /// with the roots expanded.
    pub fn adopt_plan(&mut self, plan: &BuildPlan) {
        self.opened.retain(|path| is_valid_path(plan, path));
        if !is_valid_path(plan, &self.selected) {
            self.selected = roots(plan)
                .first()
                .map(|&root| vec![root])
                .unwrap_or_default();
            self.offset = 0;
        }
        if self.opened.is_empty() {
            self.opened = roots(plan).into_iter().map(|root| vec![root]).collect();
        }
    }

    /// Moves the selection `delta` rows (negative is up), stopping at the ends.
    pub fn move_selection(&mut self, plan: &BuildPlan, delta: isize, height: usize) {
        let rows = visible_rows(plan, &self.opened);
        let Some(last) = rows.len().checked_sub(1) else {
            return;
        };
        let index = self
            .selected_index(&rows)
            .map_or(0, |index| index.saturating_add_signed(delta).min(last));
        self.selected = rows[index].path.clone();
        self.scroll_into_view(&rows, height);
    }

    /// Collapses the selected node, or selects its parent when it is collapsed already.
    pub fn collapse(&mut self, plan: &BuildPlan, height: usize) {
        if !self.opened.remove(&self.selected) && self.selected.len() > 1 {
            self.selected.pop();
        }
        self.scroll_into_view(&visible_rows(plan, &self.opened), height);
    }

    /// Expands the selected node, or steps into its first child when it is expanded already.
    pub fn expand(&mut self, plan: &BuildPlan, height: usize) {
        let children = children_on_path(plan, &self.selected);
        let Some(&first_child) = children.first() else {
            return;
        };
        if !self.opened.insert(self.selected.clone()) {
            self.selected.push(first_child);
        }
        self.scroll_into_view(&visible_rows(plan, &self.opened), height);
    }

    pub fn toggle(&mut self, plan: &BuildPlan, height: usize) {
        if !self.opened.remove(&self.selected) && !children_on_path(plan, &self.selected).is_empty()
        {
            self.opened.insert(self.selected.clone());
        }
        self.scroll_into_view(&visible_rows(plan, &self.opened), height);
    }

    /// Selects `path`, expanding its ancestors so it is visible.
    pub fn reveal(&mut self, plan: &BuildPlan, path: TreePath, height: usize) {
        for end in 1..path.len() {
            self.opened.insert(path[..end].to_vec());
        }
        self.selected = path;
        self.scroll_into_view(&visible_rows(plan, &self.opened), height);
    }

    /// Selects the row shown `row` lines below the top of the pane; clicking the selected row
    /// toggles it.
    pub fn click(&mut self, plan: &BuildPlan, row: usize, height: usize) {
        let rows = visible_rows(plan, &self.opened);
        let Some(clicked) = rows.get(self.offset + row) else {
            return;
        };
        if clicked.path == self.selected {
            self.toggle(plan, height);
        } else {
            self.selected = clicked.path.clone();
        }
    }

    /// Scrolls the pane without moving the selection.
    pub fn scroll(&mut self, plan: &BuildPlan, lines: isize, height: usize) {
        let rows = visible_rows(plan, &self.opened).len();
        self.offset = self
            .offset
            .saturating_add_signed(lines)
            .min(rows.saturating_sub(height));
    }

    fn selected_index(&self, rows: &[TreeRow]) -> Option<usize> {
        rows.iter().position(|row| row.path == self.selected)
    }

    fn scroll_into_view(&mut self, rows: &[TreeRow], height: usize) {
        let height = height.max(1);
        if let Some(index) = self.selected_index(rows) {
            if index < self.offset {
                self.offset = index;
            } else if index >= self.offset + height {
                self.offset = index + 1 - height;
            }
        }
        self.offset = self.offset.min(rows.len().saturating_sub(height));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{self, unit_named};

    #[test]
    fn a_shared_dependency_appears_under_each_parent() {
        let plan = fixtures::plan();
        let proc_macro2 = unit_named(&plan, "proc-macro2", "lib");
        let opened = shortest_paths(&plan).into_iter().collect();
        let rows = visible_rows(&plan, &opened);
        let parents: Vec<UnitId> = rows
            .iter()
            .filter(|row| row.unit() == proc_macro2)
            .map(|row| row.path[row.path.len() - 2])
            .collect();
        assert!(parents.len() >= 2, "proc-macro2 under {parents:?}");
        let paths: HashSet<_> = rows.iter().map(|row| &row.path).collect();
        assert_eq!(paths.len(), rows.len(), "paths are unique");
    }

    #[test]
    fn shortest_paths_reach_every_unit_once() {
        let plan = fixtures::plan();
        let paths = shortest_paths(&plan);
        let mut units: Vec<UnitId> = paths.iter().filter_map(|p| p.last().copied()).collect();
        units.sort_unstable();
        assert_eq!(units, (0..plan.units.len()).collect::<Vec<_>>());
        assert!(paths.iter().all(|path| is_valid_path(&plan, path)));
    }

    #[test]
    fn a_cycle_in_a_broken_plan_does_not_recurse_forever() {
        let mut plan = fixtures::plan();
        let root = plan.roots[0];
        let child = children(&plan, root)[0];
        plan.units[child].deps.push(crate::backend::plan::UnitDep {
            unit: root,
            extern_crate_name: "loop".into(),
        });
        let opened: HashSet<TreePath> = [vec![root], vec![root, child]].into();
        let rows = visible_rows(&plan, &opened);
        assert!(rows.iter().all(|row| row.path.len() <= 3));
    }

    #[test]
    fn collapse_on_a_collapsed_node_selects_the_parent() {
        let plan = fixtures::plan();
        let mut view = TreeView::default();
        view.adopt_plan(&plan);
        let root = view.selected.clone();
        view.expand(&plan, 10);
        assert_eq!(
            view.selected.len(),
            2,
            "expanded root: steps into first child"
        );
        view.collapse(&plan, 10);
        assert_eq!(view.selected, root);
        view.collapse(&plan, 10);
        assert!(!view.opened.contains(&root));
    }

    #[test]
    fn moving_down_scrolls_the_selection_into_view() {
        let plan = fixtures::plan();
        let mut view = TreeView::default();
        view.adopt_plan(&plan);
        // Rows: the root and its three dependencies.
        view.move_selection(&plan, 5, 3);
        assert_eq!(view.selected.len(), 2);
        assert_eq!(view.offset, 1);
        view.move_selection(&plan, -5, 3);
        assert_eq!(view.offset, 0);
    }
}
