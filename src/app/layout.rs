//! Where each pane goes for a screen size, as plain rectangles: `update` pages and hit-tests
//! mouse clicks with them, the views draw into them.

use ratatui::layout::{Margin, Rect};

use super::state::AppState;
use crate::backend::build_state::UnitStatus;

/// Below this width the tree goes above the log instead of beside it.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 110;
/// The log keeps at least this many rows (borders included) before details get any.
const LOG_MIN_HEIGHT: u16 = 10;
/// Details get at least this many rows, and up to half the column on tall screens (the
/// rustc command and env wrap over several lines).
const DETAILS_MIN_HEIGHT: u16 = 12;
const DIAGNOSIS_MAX_HEIGHT: u16 = 8;

/// The panes' areas, outer borders included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub summary: Rect,
    pub tree: Rect,
    pub diagnosis: Option<Rect>,
    pub log: Rect,
    pub details: Option<Rect>,
    /// Details were asked for but there is no room.
    pub details_hidden: bool,
    pub status: Rect,
}

impl Panes {
    /// Rows of the tree, inside its border.
    pub fn tree_rows(&self) -> Rect {
        inner(self.tree)
    }

    /// Lines of the log, inside its border.
    pub fn log_lines(&self) -> Rect {
        inner(self.log)
    }
}

/// The area inside a one-cell border.
fn inner(area: Rect) -> Rect {
    area.inner(Margin::new(1, 1))
}

/// Whether the summary gets two lines instead of one.
pub fn roomy(area: Rect) -> bool {
    area.width >= SIDE_BY_SIDE_MIN_WIDTH && area.height >= 30
}

pub fn panes(area: Rect, state: &AppState) -> Panes {
    let summary_height = if roomy(area) { 2 } else { 1 }.min(area.height);
    let summary = Rect {
        height: summary_height,
        ..area
    };
    let status = Rect {
        y: area.bottom().saturating_sub(1).max(summary.bottom()),
        height: area.height.saturating_sub(summary_height).min(1),
        ..area
    };
    let body = Rect {
        y: summary.bottom(),
        height: status.y.saturating_sub(summary.bottom()),
        ..area
    };

    let (tree, mut right) = if body.width >= SIDE_BY_SIDE_MIN_WIDTH {
        // The log gets the larger share: rustc diagnostics are wide.
        let tree_width = (body.width * 2 / 5).clamp(40, 72);
        let (tree, right) = split_columns(body, tree_width);
        (tree, right)
    } else {
        let tree_height = (body.height * 2 / 5).max(5).min(body.height);
        split_rows(body, tree_height)
    };

    let diagnosis = diagnosis_height(state, right).map(|height| {
        let (diagnosis, rest) = split_rows(right, height);
        right = rest;
        diagnosis
    });

    let details_fit = right.height >= LOG_MIN_HEIGHT + DETAILS_MIN_HEIGHT;
    let details_height = DETAILS_MIN_HEIGHT.max(right.height / 2);
    let details = (state.show_details && details_fit).then(|| {
        let (log, details) = split_rows(right, right.height - details_height);
        right = log;
        details
    });

    Panes {
        summary,
        tree,
        diagnosis,
        log: right,
        details,
        details_hidden: state.show_details && !details_fit,
        status,
    }
}

/// Rows for the diagnosis block: only for a selected failed unit with a diagnosis, and never
/// more than a third of the column.
fn diagnosis_height(state: &AppState, column: Rect) -> Option<u16> {
    let unit = state.selected_unit()?;
    if !matches!(state.status(unit)?, UnitStatus::Failed { .. }) {
        return None;
    }
    let text = state.diagnoses.get(&unit)?;
    let width = usize::from(column.width.saturating_sub(2)).max(1);
    let wrapped_lines: usize = text
        .lines()
        .map(|line| line.chars().count().div_ceil(width).max(1))
        .sum();
    let wanted = u16::try_from(wrapped_lines)
        .unwrap_or(u16::MAX)
        .saturating_add(2);
    let height = wanted.min(DIAGNOSIS_MAX_HEIGHT).min(column.height / 3);
    (height >= 3).then_some(height)
}

fn split_rows(area: Rect, top_height: u16) -> (Rect, Rect) {
    let top = Rect {
        height: top_height,
        ..area
    };
    let bottom = Rect {
        y: area.y + top_height,
        height: area.height - top_height,
        ..area
    };
    (top, bottom)
}

fn split_columns(area: Rect, left_width: u16) -> (Rect, Rect) {
    let left = Rect {
        width: left_width,
        ..area
    };
    let right = Rect {
        x: area.x + left_width,
        width: area.width - left_width,
        ..area
    };
    (left, right)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Size;

    fn panes_for(width: u16, height: u16, show_details: bool) -> Panes {
        let mut state = AppState::new(Size::new(width, height));
        state.show_details = show_details;
        panes(Rect::new(0, 0, width, height), &state)
    }

    #[test]
    fn small_screens_stack_the_tree_above_the_log_and_hide_details() {
        let panes = panes_for(80, 24, true);
        assert_eq!(panes.summary.height, 1);
        assert_eq!(panes.tree.width, 80);
        assert!(panes.tree.height >= 5);
        assert!(panes.log.y >= panes.tree.bottom());
        assert!(panes.log_lines().height >= 8);
        assert!(panes.details.is_none() && panes.details_hidden);
        assert_eq!(panes.status.y, 23);
    }

    #[test]
    fn wide_screens_put_details_under_the_log() {
        let panes = panes_for(160, 48, true);
        assert_eq!(panes.summary.height, 2);
        assert!(panes.tree.right() <= panes.log.x);
        let details = panes.details.expect("room for details");
        assert_eq!(details.y, panes.log.bottom());
        assert_eq!(details.bottom(), panes.status.y);
    }

    #[test]
    fn tiny_screens_do_not_panic() {
        for (width, height) in [(0, 0), (1, 1), (10, 3), (20, 6)] {
            let panes = panes_for(width, height, true);
            assert!(panes.status.bottom() <= height);
        }
    }
}
