//! The units pane's model: the unit graph as a tree, or as a flat list.
//!
//! In the tree every unit has one home: the place a breadth-first walk from the roots reaches
//! it first, its shortest path. Only there does it show its dependencies; under its other
//! parents it recurs as a leaf that points home. So the tree has a row per dependency edge,
//! never the exponential number of paths a shared dependency would otherwise bring, and a
//! reader sees that the two rows are one unit built once.
//!
//! Below the units, a group holds the derivations Nix builds or fetches that are not units
//! (the toolchain, native dependencies, crate sources), by kind.

use std::cmp::Reverse;
use std::collections::{HashSet, VecDeque};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use strum::VariantArray;

use crate::backend::build_state::{BuildState, DerivationKind, OtherDerivation, UnitStatus};
use crate::backend::plan::{BuildPlan, UnitId};

/// Units from a root down to a row's unit.
pub type TreePath = Vec<UnitId>;

/// A row of the group of derivations outside the crate graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutsideNode {
    /// The group's heading.
    Group,
    /// The heading of the derivations of one kind.
    Kind(DerivationKind),
    /// A derivation, by its store path (which stays the same across builds).
    Derivation { kind: DerivationKind, path: String },
}

/// The kinds of derivations outside the crate graph, in the order the group shows them.
const OUTSIDE_KINDS: [DerivationKind; 3] = [
    DerivationKind::Toolchain,
    DerivationKind::NativeDep,
    DerivationKind::Source,
];

/// What the selection is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selected {
    /// Nothing: there is no plan yet.
    Nothing,
    Unit(UnitId),
    Outside(OutsideNode),
}

/// The plan's dependency edges in the order the tree shows them, and each unit's home.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Dag {
    roots: Vec<UnitId>,
    /// Each unit's direct dependencies, once each, by package name and kind.
    children: Vec<Vec<UnitId>>,
    /// The parent a unit is at home under; `None` for roots and unreachable units.
    home_parent: Vec<Option<UnitId>>,
    /// Reachable units in breadth-first order from the roots.
    order: Vec<UnitId>,
}

impl Dag {
    pub fn new(plan: &BuildPlan) -> Dag {
        let count = plan.units.len();
        let name = |unit: UnitId| {
            plan.packages
                .get(&plan.units[unit].package)
                .map_or("", |package| package.name.as_str())
        };
        let children: Vec<Vec<UnitId>> = plan
            .units
            .iter()
            .map(|unit| {
                let mut children: Vec<UnitId> = unit
                    .deps
                    .iter()
                    .map(|dep| dep.unit)
                    .filter(|&child| child < count)
                    .collect();
                children.sort_by_key(|&child| (name(child), plan.units[child].kind, child));
                children.dedup();
                children
            })
            .collect();
        let mut seen = vec![false; count];
        let roots: Vec<UnitId> = plan
            .roots
            .iter()
            .copied()
            .filter(|&root| root < count && !std::mem::replace(&mut seen[root], true))
            .collect();
        let mut home_parent = vec![None; count];
        let mut order = Vec::with_capacity(count);
        let mut queue: VecDeque<UnitId> = roots.iter().copied().collect();
        while let Some(unit) = queue.pop_front() {
            order.push(unit);
            for &child in &children[unit] {
                if !seen[child] {
                    seen[child] = true;
                    home_parent[child] = Some(unit);
                    queue.push_back(child);
                }
            }
        }
        Dag {
            roots,
            children,
            home_parent,
            order,
        }
    }

    pub fn roots(&self) -> &[UnitId] {
        &self.roots
    }

    pub fn children(&self, unit: UnitId) -> &[UnitId] {
        self.children.get(unit).map_or(&[], Vec::as_slice)
    }

    /// Reachable units, breadth-first from the roots: the order of searches and jumps.
    pub fn order(&self) -> &[UnitId] {
        &self.order
    }

    /// The path to where `unit` is at home (just the unit when it is unreachable).
    pub fn home_path(&self, unit: UnitId) -> TreePath {
        let mut path = vec![unit];
        let mut current = unit;
        while let Some(parent) = self.home_parent.get(current).copied().flatten() {
            path.push(parent);
            current = parent;
        }
        path.reverse();
        path
    }

    /// Whether the row at `path` is its unit's home, where its dependencies show.
    pub fn is_home(&self, path: &[UnitId]) -> bool {
        match path {
            [] => false,
            [root] => self.roots.contains(root),
            [.., parent, unit] => self.home_parent.get(*unit).copied().flatten() == Some(*parent),
        }
    }

    /// Whether `path` starts at a root and follows dependency edges.
    pub fn is_valid_path(&self, path: &[UnitId]) -> bool {
        path.first().is_some_and(|root| self.roots.contains(root))
            && path
                .windows(2)
                .all(|pair| self.children(pair[0]).contains(&pair[1]))
    }

    /// The home children of `unit`: the dependencies that are at home under it.
    fn home_children(&self, unit: UnitId) -> impl Iterator<Item = UnitId> + '_ {
        self.children(unit)
            .iter()
            .copied()
            .filter(move |&child| self.home_parent[child] == Some(unit))
    }
}

/// Units a filter keeps in the pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, VariantArray)]
pub enum StatusFilter {
    Failed,
    /// Building or being fetched.
    Running,
    Built,
    /// In the store before the build, or fetched from a cache.
    Cached,
    /// Everything that is not in a store or cache: what this build has to do.
    NotCached,
}

impl StatusFilter {
    pub fn matches(self, status: &UnitStatus) -> bool {
        let cached = matches!(status, UnitStatus::Cached | UnitStatus::Substituted { .. });
        match self {
            StatusFilter::Failed => matches!(status, UnitStatus::Failed { .. }),
            StatusFilter::Running => matches!(
                status,
                UnitStatus::Building { .. } | UnitStatus::Substituting { .. }
            ),
            StatusFilter::Built => matches!(status, UnitStatus::Built { .. }),
            StatusFilter::Cached => cached,
            StatusFilter::NotCached => !cached,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StatusFilter::Failed => "failed",
            StatusFilter::Running => "building",
            StatusFilter::Built => "built",
            StatusFilter::Cached => "cached",
            StatusFilter::NotCached => "not cached",
        }
    }

    /// The filter after `current` in the cycle: none, then each filter in turn.
    pub fn next(current: Option<StatusFilter>) -> Option<StatusFilter> {
        let next = match current {
            None => 0,
            Some(filter) => StatusFilter::VARIANTS
                .iter()
                .position(|&other| other == filter)
                .map_or(0, |index| index + 1),
        };
        StatusFilter::VARIANTS.get(next).copied()
    }
}

/// How the flat list is sorted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, VariantArray)]
pub enum FlatOrder {
    /// Failed first, then running, waiting, done.
    #[default]
    State,
    /// Longest build first (running builds count their time so far).
    Time,
    Name,
}

impl FlatOrder {
    pub fn label(self) -> &'static str {
        match self {
            FlatOrder::State => "by state",
            FlatOrder::Time => "by build time",
            FlatOrder::Name => "by name",
        }
    }

    pub fn next(self) -> FlatOrder {
        let index = FlatOrder::VARIANTS
            .iter()
            .position(|&order| order == self)
            .unwrap_or(0);
        FlatOrder::VARIANTS[(index + 1) % FlatOrder::VARIANTS.len()]
    }
}

/// Where a status sorts in [`FlatOrder::State`]: what needs attention first.
fn state_rank(status: &UnitStatus) -> u8 {
    match status {
        UnitStatus::Failed { .. } => 0,
        UnitStatus::Building { .. } => 1,
        UnitStatus::Substituting { .. } => 2,
        UnitStatus::Interrupted => 3,
        UnitStatus::Skipped => 4,
        UnitStatus::Planned => 5,
        UnitStatus::Built { .. } => 6,
        UnitStatus::Substituted { .. } => 7,
        UnitStatus::Cached => 8,
    }
}

/// How long a unit took, or has taken so far; zero when it was not built.
pub fn build_time(status: &UnitStatus, now: Duration) -> Duration {
    match status {
        UnitStatus::Built { took } => *took,
        UnitStatus::Building { since, .. } => now.saturating_sub(*since),
        _ => Duration::ZERO,
    }
}

/// One visible row of the pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeRow {
    /// In the flat list, the unit's home path.
    pub path: TreePath,
    /// Indentation: the depth in the tree, 0 in the flat list.
    pub depth: usize,
    pub has_children: bool,
    /// A shared unit under a parent other than its home: a pointer to where it is built.
    pub recurs: bool,
    /// A row of the group outside the crate graph; its `path` is empty.
    pub outside: Option<OutsideNode>,
}

impl TreeRow {
    /// The row's unit; `None` for a row of the group outside the crate graph.
    pub fn unit(&self) -> Option<UnitId> {
        self.path.last().copied()
    }

    /// The derivation outside the crate graph the row shows, if it shows one.
    pub fn derivation<'a>(&self, build: &'a BuildState) -> Option<&'a OtherDerivation> {
        match &self.outside {
            Some(OutsideNode::Derivation { path, .. }) => other_at(build, path),
            _ => None,
        }
    }
}

/// Whether a unit search for `query` finds `name`: a part of it, in any case.
pub fn name_matches(name: &str, query: &str) -> bool {
    name.to_lowercase().contains(&query.to_lowercase())
}

/// The derivation outside the crate graph at `path`, as the latest build reported it.
pub fn other_at<'a>(build: &'a BuildState, path: &str) -> Option<&'a OtherDerivation> {
    build.others.iter().rev().find(|other| other.path == path)
}

/// Selection, expansion, filter and scroll position of the units pane.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TreeView {
    pub dag: Arc<Dag>,
    /// Empty when nothing is selected (no plan yet) or a row outside the crate graph is.
    pub selected: TreePath,
    /// The selected row of the group outside the crate graph, if one is.
    pub selected_outside: Option<OutsideNode>,
    /// The group's headings that are collapsed (all are open at first).
    pub collapsed_outside: Vec<OutsideNode>,
    pub opened: HashSet<TreePath>,
    /// Index of the first visible row.
    pub offset: usize,
    /// The last confirmed unit search, for next/previous match.
    pub query: Option<String>,
    /// Only units in this state (and, in the tree, the paths to them) are shown.
    pub filter: Option<StatusFilter>,
    /// A flat list instead of the tree.
    pub flat: bool,
    pub order: FlatOrder,
}

impl TreeView {
    pub fn selected_unit(&self) -> Option<UnitId> {
        self.selected.last().copied()
    }

    /// What the selection is on.
    pub fn selected_item(&self) -> Selected {
        match (&self.selected_outside, self.selected_unit()) {
            (Some(node), _) => Selected::Outside(node.clone()),
            (None, Some(unit)) => Selected::Unit(unit),
            (None, None) => Selected::Nothing,
        }
    }

    /// Selects the unit at `path`.
    pub fn select_path(&mut self, path: TreePath) {
        self.selected = path;
        self.selected_outside = None;
    }

    /// Selects what `row` shows.
    pub fn select_row(&mut self, row: &TreeRow) {
        self.selected = row.path.clone();
        self.selected_outside = row.outside.clone();
    }

    /// Selects `node` of the group outside the crate graph, opening its headings.
    pub fn select_outside(&mut self, node: OutsideNode) {
        if let OutsideNode::Derivation { kind, .. } = &node {
            let kind = OutsideNode::Kind(*kind);
            self.collapsed_outside
                .retain(|collapsed| *collapsed != kind && *collapsed != OutsideNode::Group);
        }
        self.selected.clear();
        self.selected_outside = Some(node);
    }

    /// Starts over for a new plan: keeps what still exists, otherwise selects the first root
    /// with the roots expanded.
    pub fn adopt_plan(&mut self, plan: &BuildPlan) {
        let dag = Dag::new(plan);
        self.opened
            .retain(|path| dag.is_valid_path(path) && dag.is_home(path));
        if self.selected_outside.is_none() && !dag.is_valid_path(&self.selected) {
            self.selected = dag
                .roots()
                .first()
                .map(|&root| vec![root])
                .unwrap_or_default();
            self.offset = 0;
        }
        if self.opened.is_empty() {
            self.opened = dag.roots().iter().map(|&root| vec![root]).collect();
        }
        self.dag = Arc::new(dag);
    }

    /// The rows the pane shows for the units' states in `build`, top to bottom.
    pub fn visible_rows(&self, build: &BuildState, now: Duration) -> Vec<TreeRow> {
        self.rows_window(build, now, 0..usize::MAX).rows
    }

    /// The rows at `wanted` among those [`TreeView::visible_rows`] gives, with how many
    /// there are and where the selection is. Only the wanted rows are made: a frame needs
    /// a screenful of the thousands a big expanded tree has.
    pub fn rows_window(
        &self,
        build: &BuildState,
        now: Duration,
        wanted: Range<usize>,
    ) -> RowsWindow {
        let status = |unit: UnitId| build.units.get(unit).map(|state| &state.status);
        let kept = |unit: UnitId| {
            self.filter
                .is_none_or(|filter| status(unit).is_some_and(|status| filter.matches(status)))
        };
        let mut sink = RowSink {
            view: self,
            wanted,
            window: RowsWindow::default(),
        };
        if self.flat {
            for unit in self.flat_units(build, now, kept) {
                sink.flat_row(unit);
            }
        } else {
            self.tree_rows(kept, &mut sink);
        }
        self.outside_rows(build, &mut sink);
        sink.window
    }

    fn tree_rows(&self, kept: impl Fn(UnitId) -> bool, sink: &mut RowSink) {
        // With a filter: every path to a kept unit, expanded; shared units only at home.
        let below = self.filter.map(|_| {
            let mut below = vec![false; self.dag.children.len()];
            for &unit in self.dag.order().iter().rev() {
                below[unit] = kept(unit) || self.dag.home_children(unit).any(|c| below[c]);
            }
            below
        });
        let mut path = TreePath::new();
        for &root in self.dag.roots() {
            path.push(root);
            self.walk(&mut path, below.as_deref(), sink);
            path.pop();
        }
    }

    /// The row at `path` and, where it is open, the rows below it. With `below` (a filter's
    /// units and those above them) every home row on the way to one, and only those.
    fn walk(&self, path: &mut TreePath, below: Option<&[bool]>, sink: &mut RowSink) {
        let home = self.dag.is_home(path);
        let unit = path[path.len() - 1];
        if below.is_some_and(|below| !home || !below[unit]) {
            return;
        }
        let children = if home { self.dag.children(unit) } else { &[] };
        sink.unit_row(path, !children.is_empty(), !home);
        if !children.is_empty() && (below.is_some() || self.opened.contains(path.as_slice())) {
            for &child in children {
                path.push(child);
                self.walk(path, below, sink);
                path.pop();
            }
        }
    }

    /// The units of the flat list, sorted as it is.
    fn flat_units(
        &self,
        build: &BuildState,
        now: Duration,
        kept: impl Fn(UnitId) -> bool,
    ) -> Vec<UnitId> {
        let plan = build.plan.as_deref();
        let name = |unit: UnitId| {
            plan.and_then(|plan| {
                let unit = plan.units.get(unit)?;
                Some((plan.packages.get(&unit.package)?.name.as_str(), unit.kind))
            })
        };
        let status = |unit: UnitId| build.units.get(unit).map(|state| &state.status);
        let mut units: Vec<UnitId> = (0..self.dag.children.len()).filter(|&u| kept(u)).collect();
        match self.order {
            FlatOrder::State => units.sort_by_cached_key(|&unit| {
                (status(unit).map_or(u8::MAX, state_rank), name(unit), unit)
            }),
            FlatOrder::Time => units.sort_by_cached_key(|&unit| {
                let took = status(unit).map_or(Duration::ZERO, |status| build_time(status, now));
                (Reverse(took), name(unit), unit)
            }),
            FlatOrder::Name => units.sort_by_cached_key(|&unit| (name(unit), unit)),
        }
        units
    }

    /// The group of derivations outside the crate graph, when the build has any: its
    /// heading, a heading per kind, the derivations of each kind in the order they started;
    /// with a filter, only the derivations it keeps.
    fn outside_rows(&self, build: &BuildState, sink: &mut RowSink) {
        let kept = |other: &&OtherDerivation| {
            self.filter
                .is_none_or(|filter| filter.matches(&other.status))
        };
        if !build.others.iter().any(|other| kept(&other)) {
            return;
        }
        sink.outside_row(0, true, OutsideNode::Group);
        if self.collapsed_outside.contains(&OutsideNode::Group) {
            return;
        }
        for kind in OUTSIDE_KINDS {
            let mut of_kind = build
                .others
                .iter()
                .filter(|other| other.kind == kind)
                .filter(kept)
                .peekable();
            if of_kind.peek().is_none() {
                continue;
            }
            let heading = OutsideNode::Kind(kind);
            let open = !self.collapsed_outside.contains(&heading);
            sink.outside_row(1, true, heading);
            if open {
                for other in of_kind {
                    let path = other.path.clone();
                    sink.outside_row(2, false, OutsideNode::Derivation { kind, path });
                }
            }
        }
    }

    /// Moves the selection `delta` rows (negative is up), stopping at the ends.
    pub fn move_selection(&mut self, rows: &[TreeRow], delta: isize, height: usize) {
        let Some(last) = rows.len().checked_sub(1) else {
            return;
        };
        let index = self
            .selected_index(rows)
            .map_or(0, |index| index.saturating_add_signed(delta).min(last));
        self.select_row(&rows[index]);
        self.scroll_into_view(rows, height);
    }

    /// Whether the selected row shows dependencies that can be expanded.
    fn selected_has_children(&self) -> bool {
        !self.flat
            && self.dag.is_home(&self.selected)
            && self
                .selected
                .last()
                .is_some_and(|&unit| !self.dag.children(unit).is_empty())
    }

    /// Collapses the selected node, or selects its parent when it is collapsed already.
    pub fn collapse(&mut self) {
        if let Some(node) = self.selected_outside.clone() {
            self.collapse_outside(node);
            return;
        }
        if self.flat {
            return;
        }
        if !self.opened.remove(&self.selected) && self.selected.len() > 1 {
            self.selected.pop();
        }
    }

    fn collapse_outside(&mut self, node: OutsideNode) {
        let parent = match &node {
            OutsideNode::Group => None,
            OutsideNode::Kind(_) => Some(OutsideNode::Group),
            OutsideNode::Derivation { kind, .. } => Some(OutsideNode::Kind(*kind)),
        };
        let is_heading = !matches!(node, OutsideNode::Derivation { .. });
        if is_heading && !self.collapsed_outside.contains(&node) {
            self.collapsed_outside.push(node);
        } else if let Some(parent) = parent {
            self.selected_outside = Some(parent);
        }
    }

    /// Opens a heading of the group outside the crate graph, or steps to its first child in
    /// `rows` when it is open already.
    fn expand_outside(&mut self, node: OutsideNode, rows: &[TreeRow]) {
        if matches!(node, OutsideNode::Derivation { .. }) {
            return;
        }
        let before = self.collapsed_outside.len();
        self.collapsed_outside
            .retain(|collapsed| *collapsed != node);
        if self.collapsed_outside.len() == before
            && let Some(index) = self.selected_index(rows)
            && let Some(child) = rows.get(index + 1)
            && child.depth > rows[index].depth
        {
            self.select_row(child);
        }
    }

    /// Expands the selected node, or steps into its first child (in `rows`, the rows shown)
    /// when it is expanded already; on a shared unit's recurrence, goes to its home.
    pub fn expand(&mut self, rows: &[TreeRow]) {
        if let Some(node) = self.selected_outside.clone() {
            self.expand_outside(node, rows);
            return;
        }
        if self.flat {
            return;
        }
        if !self.dag.is_home(&self.selected) {
            self.go_home();
            return;
        }
        let Some(&first_child) = self
            .selected
            .last()
            .and_then(|&unit| self.dag.children(unit).first())
        else {
            return;
        };
        if !self.opened.insert(self.selected.clone()) {
            self.selected.push(first_child);
        }
    }

    /// Expands or collapses the selected node; on a recurrence, goes to its home.
    pub fn toggle(&mut self) {
        if let Some(node) = &self.selected_outside {
            if !matches!(node, OutsideNode::Derivation { .. })
                && !self.collapsed_outside.contains(node)
            {
                self.collapsed_outside.push(node.clone());
            } else {
                self.collapsed_outside.retain(|collapsed| collapsed != node);
            }
            return;
        }
        if self.flat {
            return;
        }
        if !self.dag.is_home(&self.selected) {
            self.go_home();
        } else if !self.opened.remove(&self.selected) && self.selected_has_children() {
            self.opened.insert(self.selected.clone());
        }
    }

    fn go_home(&mut self) {
        if let Some(unit) = self.selected_unit() {
            self.reveal(self.dag.home_path(unit));
        }
    }

    /// Expands every unit at its home, or, when that is so already, collapses all but the
    /// roots.
    pub fn expand_all(&mut self) {
        let all: HashSet<TreePath> = self
            .dag
            .order()
            .iter()
            .filter(|&&unit| !self.dag.children(unit).is_empty())
            .map(|&unit| self.dag.home_path(unit))
            .collect();
        if self.opened.is_superset(&all) {
            self.opened = self.dag.roots().iter().map(|&root| vec![root]).collect();
            // The selection goes up to what is still shown.
            self.selected.truncate(1);
        } else {
            self.opened = all;
        }
    }

    /// Selects `path`, expanding its ancestors so it is visible in the tree.
    pub fn reveal(&mut self, path: TreePath) {
        for end in 1..path.len() {
            self.opened.insert(path[..end].to_vec());
        }
        self.select_path(path);
    }

    /// Selects the row shown `row` lines below the top of the pane; clicking the selected row
    /// toggles it.
    pub fn click(&mut self, rows: &[TreeRow], row: usize) {
        let Some(clicked) = rows.get(self.offset + row) else {
            return;
        };
        if self.selected_index(rows) == Some(self.offset + row) {
            self.toggle();
        } else {
            self.select_row(clicked);
        }
    }

    /// Scrolls the pane without moving the selection.
    pub fn scroll(&mut self, rows: usize, lines: isize, height: usize) {
        self.offset = self
            .offset
            .saturating_add_signed(lines)
            .min(rows.saturating_sub(height));
    }

    /// Where the selection is among `rows`: by path in the tree, by unit in the flat list.
    pub fn selected_index(&self, rows: &[TreeRow]) -> Option<usize> {
        if self.selected_outside.is_some() {
            rows.iter()
                .position(|row| row.outside == self.selected_outside)
        } else if self.flat {
            let unit = self.selected_unit()?;
            rows.iter().position(|row| row.unit() == Some(unit))
        } else {
            rows.iter().position(|row| row.path == self.selected)
        }
    }

    pub fn scroll_into_view(&mut self, rows: &[TreeRow], height: usize) {
        self.scroll_to(self.selected_index(rows), rows.len(), height);
    }

    /// [`TreeView::scroll_into_view`] without making every row.
    pub fn scroll_selection_into_view(&mut self, build: &BuildState, now: Duration, height: usize) {
        let window = self.rows_window(build, now, 0..0);
        self.scroll_to(window.selected, window.total, height);
    }

    /// Scrolls so that the row at `selected` of `total` shows in `height` rows.
    fn scroll_to(&mut self, selected: Option<usize>, total: usize, height: usize) {
        let height = height.max(1);
        if let Some(index) = selected {
            if index < self.offset {
                self.offset = index;
            } else if index >= self.offset + height {
                self.offset = index + 1 - height;
            }
        }
        self.offset = self.offset.min(total.saturating_sub(height));
    }
}

/// A stretch of the pane's rows: see [`TreeView::rows_window`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowsWindow {
    /// The rows asked for that exist.
    pub rows: Vec<TreeRow>,
    /// How many rows the pane has in all.
    pub total: usize,
    /// The selected row's index among all rows, if it is shown.
    pub selected: Option<usize>,
}

/// Counts the rows as the walk meets them, notes the selected one, and keeps those wanted.
struct RowSink<'a> {
    view: &'a TreeView,
    wanted: Range<usize>,
    window: RowsWindow,
}

impl RowSink<'_> {
    /// Counts a row that is `selected`; keeps the one `make` makes when it is wanted.
    fn row(&mut self, selected: bool, make: impl FnOnce() -> TreeRow) {
        let index = self.window.total;
        self.window.total += 1;
        if selected {
            self.window.selected = Some(index);
        }
        if self.wanted.contains(&index) {
            self.window.rows.push(make());
        }
    }

    fn unit_row(&mut self, path: &[UnitId], has_children: bool, recurs: bool) {
        let view = self.view;
        let selected = view.selected_outside.is_none() && path == view.selected.as_slice();
        self.row(selected, || TreeRow {
            path: path.to_vec(),
            depth: path.len() - 1,
            has_children,
            recurs,
            outside: None,
        });
    }

    /// A row of the flat list: in it, the selection is by unit.
    fn flat_row(&mut self, unit: UnitId) {
        let view = self.view;
        let selected = view.selected_outside.is_none() && view.selected_unit() == Some(unit);
        self.row(selected, || TreeRow {
            path: view.dag.home_path(unit),
            depth: 0,
            has_children: false,
            recurs: false,
            outside: None,
        });
    }

    fn outside_row(&mut self, depth: usize, has_children: bool, node: OutsideNode) {
        let selected = self.view.selected_outside.as_ref() == Some(&node);
        self.row(selected, || TreeRow {
            path: Vec::new(),
            depth,
            has_children,
            recurs: false,
            outside: Some(node),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures::{self, unit_named};

    fn view_of(plan: &BuildPlan) -> TreeView {
        let mut view = TreeView::default();
        view.adopt_plan(plan);
        view
    }

    fn planned_state(plan: &BuildPlan) -> BuildState {
        let mut build = BuildState::default();
        build.apply(
            &crate::backend::BackendEvent::Planned(Arc::new(plan.clone())),
            Duration::ZERO,
        );
        build
    }

    #[test]
    fn a_shared_dependency_is_at_home_once_and_recurs_elsewhere() {
        let plan = fixtures::plan();
        let proc_macro2 = unit_named(&plan, "proc-macro2", "lib");
        let mut view = view_of(&plan);
        view.expand_all();
        let rows = view.visible_rows(&planned_state(&plan), Duration::ZERO);
        let rows_of: Vec<&TreeRow> = rows
            .iter()
            .filter(|r| r.unit() == Some(proc_macro2))
            .collect();
        assert!(rows_of.len() >= 2, "under each parent: {rows_of:?}");
        let homes: Vec<_> = rows_of.iter().filter(|row| !row.recurs).collect();
        assert_eq!(homes.len(), 1, "built in one place: {rows_of:?}");
        assert!(homes[0].has_children);
        assert!(rows_of.iter().filter(|r| r.recurs).all(|r| !r.has_children));
        let paths: HashSet<_> = rows.iter().map(|row| &row.path).collect();
        assert_eq!(paths.len(), rows.len(), "paths are unique");
    }

    #[test]
    fn home_paths_reach_every_unit_once_and_are_homes() {
        let plan = fixtures::plan();
        let dag = Dag::new(&plan);
        let mut units = dag.order().to_vec();
        units.sort_unstable();
        assert_eq!(units, (0..plan.units.len()).collect::<Vec<_>>());
        for unit in 0..plan.units.len() {
            let path = dag.home_path(unit);
            assert!(dag.is_valid_path(&path) && dag.is_home(&path), "{path:?}");
        }
    }

    #[test]
    fn expanding_a_recurrence_goes_home() {
        let plan = fixtures::plan();
        let mut view = view_of(&plan);
        view.expand_all();
        let build = planned_state(&plan);
        let rows = view.visible_rows(&build, Duration::ZERO);
        let recurrence = rows.iter().find(|row| row.recurs).expect("a shared unit");
        view.selected = recurrence.path.clone();
        view.expand(&[]);
        assert_eq!(
            view.selected,
            view.dag.home_path(recurrence.unit().expect("a unit"))
        );
    }

    #[test]
    fn a_cycle_in_a_broken_plan_gives_a_finite_tree() {
        let mut plan = fixtures::plan();
        let root = plan.roots[0];
        let child = Dag::new(&plan).children(root)[0];
        plan.units[child].deps.push(crate::backend::plan::UnitDep {
            unit: root,
            extern_crate_name: "loop".into(),
        });
        let mut view = view_of(&plan);
        view.expand_all();
        let rows = view.visible_rows(&planned_state(&plan), Duration::ZERO);
        assert!(rows.len() < 100, "{}", rows.len());
    }

    #[test]
    fn collapse_on_a_collapsed_node_selects_the_parent() {
        let plan = fixtures::plan();
        let mut view = view_of(&plan);
        let root = view.selected.clone();
        view.expand(&[]);
        assert_eq!(
            view.selected.len(),
            2,
            "expanded root: steps into first child"
        );
        view.collapse();
        assert_eq!(view.selected, root);
        view.collapse();
        assert!(!view.opened.contains(&root));
    }

    #[test]
    fn moving_down_scrolls_the_selection_into_view() {
        let plan = fixtures::plan();
        let mut view = view_of(&plan);
        let rows = view.visible_rows(&planned_state(&plan), Duration::ZERO);
        // Rows: the root and its three dependencies.
        view.move_selection(&rows, 5, 3);
        assert_eq!(view.selected.len(), 2);
        assert_eq!(view.offset, 1);
        view.move_selection(&rows, -5, 3);
        assert_eq!(view.offset, 0);
    }

    #[test]
    fn a_window_is_a_stretch_of_all_rows_with_the_selection_and_the_count() {
        let state = fixtures::host_package_failed(ratatui::layout::Size::new(120, 36));
        let (build, now) = (&state.build, state.now);
        let mut tree = state.tree.clone();
        tree.expand_all();
        let filtered = TreeView {
            filter: Some(StatusFilter::NotCached),
            ..tree.clone()
        };
        let flat = TreeView {
            flat: true,
            ..tree.clone()
        };
        for mut view in [tree, filtered, flat] {
            let all = view.visible_rows(build, now);
            let count = all.len();
            assert!(all.iter().any(|row| row.outside.is_some()), "{all:?}");
            for selected in [0, count / 2, count - 1] {
                view.select_row(&all[selected]);
                for wanted in [0..0, 0..3, selected..selected + 5, count - 2..count + 10] {
                    let window = view.rows_window(build, now, wanted.clone());
                    assert_eq!(window.total, count);
                    assert_eq!(window.selected, Some(selected));
                    let stretch = &all[wanted.start.min(count)..wanted.end.min(count)];
                    assert_eq!(window.rows, stretch, "{wanted:?} of {count}");
                }
            }
        }
    }

    #[test]
    fn a_filter_keeps_the_paths_to_matching_units_open() {
        let plan = fixtures::plan();
        let mut build = planned_state(&plan);
        let failed = unit_named(&plan, "openssl-sys", "build-script run");
        build.units[failed].status = UnitStatus::Failed { exit_code: None };
        let mut view = view_of(&plan);
        view.filter = Some(StatusFilter::Failed);
        let rows = view.visible_rows(&build, Duration::ZERO);
        let units: Vec<UnitId> = rows.iter().filter_map(TreeRow::unit).collect();
        assert_eq!(units, view.dag.home_path(failed), "the path to it, opened");
    }

    #[test]
    fn the_flat_list_sorts_by_build_time_longest_first() {
        let plan = fixtures::plan();
        let mut build = planned_state(&plan);
        let syn = unit_named(&plan, "syn", "lib");
        let libc = unit_named(&plan, "libc", "lib");
        build.units[libc].status = UnitStatus::Built {
            took: Duration::from_secs(3),
        };
        build.units[syn].status = UnitStatus::Building {
            machine: String::new(),
            since: Duration::from_secs(10),
        };
        let mut view = view_of(&plan);
        view.flat = true;
        view.order = FlatOrder::Time;
        let rows = view.visible_rows(&build, Duration::from_secs(20));
        assert_eq!(rows.len(), plan.units.len());
        assert_eq!(rows[0].unit(), Some(syn), "10 s so far");
        assert_eq!(rows[1].unit(), Some(libc));
        assert!(rows.iter().all(|row| row.depth == 0));
    }

    #[test]
    fn filters_cycle_through_every_one_and_back_to_none() {
        let mut filter = None;
        let mut seen = Vec::new();
        loop {
            filter = StatusFilter::next(filter);
            match filter {
                Some(next) => seen.push(next),
                None => break,
            }
        }
        assert_eq!(seen, StatusFilter::VARIANTS);
    }
}
