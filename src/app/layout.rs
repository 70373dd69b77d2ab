//! Where each pane goes for a screen size, as plain rectangles: `update` pages and hit-tests
//! mouse clicks with them, the views draw into them.

use ratatui::layout::{Margin, Rect};
use ratatui::widgets::{Paragraph, Wrap};

use super::state::AppState;

/// Below this width the tree goes above the log instead of beside it.
const SIDE_BY_SIDE_MIN_WIDTH: u16 = 110;
/// The log keeps at least this many rows (borders included) before details get any.
const LOG_MIN_HEIGHT: u16 = 10;
/// Details get at least this many rows, and up to half the column on tall screens (the
/// rustc command and env wrap over several lines).
const DETAILS_MIN_HEIGHT: u16 = 12;
/// The status line grows for a long notice (an error naming a file and line) up to this
/// share of the screen: a quarter.
const STATUS_MAX_SHARE: u16 = 4;

/// The panes' areas, outer borders included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Panes {
    pub summary: Rect,
    /// What is building or being fetched right now; only while something is.
    pub running: Option<Rect>,
    pub tree: Rect,
    pub diagnosis: Option<Rect>,
    /// Rows the selected unit's diagnosis takes wrapped inside its pane; more than the
    /// pane holds when it must scroll.
    pub diagnosis_rows: u16,
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

    /// Lines of the running-now pane, inside its border.
    pub fn running_lines(&self) -> Rect {
        self.running.map(inner).unwrap_or_default()
    }

    /// Lines of the diagnosis, inside its border.
    pub fn diagnosis_lines(&self) -> Rect {
        self.diagnosis.map(inner).unwrap_or_default()
    }

    /// Whether the diagnosis is longer than its pane, and so scrolls.
    pub fn diagnosis_overflows(&self) -> bool {
        self.diagnosis.is_some() && self.diagnosis_rows > self.diagnosis_lines().height
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
    let status_height = status_height(state, area).min(area.height.saturating_sub(summary_height));
    let status = Rect {
        y: area
            .bottom()
            .saturating_sub(status_height)
            .max(summary.bottom()),
        height: status_height,
        ..area
    };
    let mut body = Rect {
        y: summary.bottom(),
        height: status.y.saturating_sub(summary.bottom()),
        ..area
    };
    let running = running_height(state, body).map(|height| {
        let (running, rest) = split_rows(body, height);
        body = rest;
        running
    });

    let (tree, mut right) = if body.width >= SIDE_BY_SIDE_MIN_WIDTH {
        // The log gets the larger share: rustc diagnostics are wide.
        let tree_width = (body.width * 2 / 5).clamp(40, 72);
        let (tree, right) = split_columns(body, tree_width);
        (tree, right)
    } else {
        let tree_height = (body.height * 2 / 5).max(5).min(body.height);
        split_rows(body, tree_height)
    };

    let diagnosis_rows = diagnosis_rows(state, right);
    let diagnosis = diagnosis_height(diagnosis_rows, right).map(|height| {
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
        running,
        tree,
        diagnosis,
        diagnosis_rows: diagnosis_rows.unwrap_or(0),
        log: right,
        details,
        details_hidden: state.show_details && !details_fit,
        status,
    }
}

/// Rows for the status line: one, or what a long notice needs wrapped.
fn status_height(state: &AppState, area: Rect) -> u16 {
    let wanted = match (&state.search, &state.notice) {
        (None, Some(notice)) => wrapped_rows(&format!(" {}", notice.text), area.width),
        _ => 1,
    };
    wanted.clamp(1, (area.height / STATUS_MAX_SHARE).max(1))
}

/// Rows for the running-now pane, borders included: a row per running job, as many as the
/// screen's height allows (the pane says how many more there are).
fn running_height(state: &AppState, body: Rect) -> Option<u16> {
    let counters = state.build.counters;
    let others = state
        .build
        .others
        .iter()
        .filter(|other| !other.is_finished());
    let running = counters.building + counters.substituting + others.count();
    if running == 0 {
        return None;
    }
    let most = match body.height {
        0..30 => 2,
        30..40 => 4,
        _ => 6,
    };
    let height = u16::try_from(running).unwrap_or(u16::MAX).min(most) + 2;
    // The tree and the log keep room to be useful.
    (body.height >= height + 10).then_some(height)
}

/// Rows the selection's diagnosis takes wrapped in the column, if it has one.
fn diagnosis_rows(state: &AppState, column: Rect) -> Option<u16> {
    let text = state.selected_diagnosis()?;
    Some(wrapped_rows(&text, column.width.saturating_sub(2)))
}

/// Rows for the diagnosis pane: all it needs, up to half the column (it scrolls beyond).
fn diagnosis_height(rows: Option<u16>, column: Rect) -> Option<u16> {
    let wanted = rows?.saturating_add(2);
    let height = wanted.min((column.height / 2).max(3));
    (height >= 3 && column.height >= height + 3).then_some(height)
}

/// Rows `text` takes when wrapped at word boundaries in `width` columns, as a
/// [`Paragraph`] wraps it.
pub fn wrapped_rows(text: &str, width: u16) -> u16 {
    let rows = Paragraph::new(text)
        .wrap(Wrap { trim: false })
        .line_count(width.max(1));
    u16::try_from(rows).unwrap_or(u16::MAX)
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
