//! Scroll position and search of the log pane.

use ansi_to_tui::IntoText;

use crate::backend::build_state::LogBuffer;

/// How the log pane shows the selected unit's log: following its tail, or held at a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogView {
    pub follow: bool,
    /// When not following: the first visible line, counted over every line the unit ever
    /// logged, so it stays put while old lines are dropped from the buffer's front.
    pub top: u64,
    /// The last confirmed log search, for next/previous match.
    pub query: Option<String>,
    /// The line (counted like `top`) the last search landed on.
    pub current_match: Option<u64>,
}

impl Default for LogView {
    fn default() -> Self {
        LogView {
            follow: true,
            top: 0,
            query: None,
            current_match: None,
        }
    }
}

fn dropped(log: &LogBuffer) -> u64 {
    log.total.saturating_sub(log.lines.len() as u64)
}

fn last_top(log: &LogBuffer, height: usize) -> usize {
    log.lines.len().saturating_sub(height)
}

impl LogView {
    /// Back to following, for a different unit.
    pub fn reset(&mut self) {
        let query = self.query.take();
        *self = LogView {
            query,
            ..LogView::default()
        };
    }

    /// Index into `log.lines` of the first line a pane `height` lines tall shows.
    pub fn first_visible(&self, log: &LogBuffer, height: usize) -> usize {
        let last_top = last_top(log, height);
        if self.follow {
            return last_top;
        }
        let top = self.top.saturating_sub(dropped(log));
        usize::try_from(top).unwrap_or(usize::MAX).min(last_top)
    }

    /// Scrolls by `delta` lines (negative is up); reaching the end follows the tail again.
    pub fn scroll(&mut self, log: &LogBuffer, height: usize, delta: isize) {
        let last_top = last_top(log, height);
        let first = self
            .first_visible(log, height)
            .saturating_add_signed(delta)
            .min(last_top);
        self.hold_at(log, first);
        self.follow = first >= last_top;
    }

    pub fn to_top(&mut self, log: &LogBuffer) {
        self.hold_at(log, 0);
    }

    pub fn follow_tail(&mut self) {
        self.follow = true;
        self.current_match = None;
    }

    fn hold_at(&mut self, log: &LogBuffer, first: usize) {
        self.follow = false;
        self.top = dropped(log) + first as u64;
    }

    /// Moves to the next (or previous) line matching the query, wrapping around, and centres
    /// it. Returns whether any line matches.
    pub fn find(&mut self, log: &LogBuffer, height: usize, forward: bool) -> bool {
        let Some(query) = self.query.as_deref() else {
            return false;
        };
        let len = log.lines.len();
        if len == 0 {
            return false;
        }
        let start = match self.current_match {
            Some(line) => usize::try_from(line.saturating_sub(dropped(log))).unwrap_or(len),
            // Following the tail: from the first line, where a build's first error is.
            None if forward && self.follow => usize::MAX,
            None if forward => self.first_visible(log, height).wrapping_sub(1),
            None => self.first_visible(log, height) + height.min(len),
        };
        let candidates = (1..=len).map(|step| {
            if forward {
                start.wrapping_add(step) % len
            } else {
                (start % len + len * 2 - step) % len
            }
        });
        let Some(found) = candidates
            .into_iter()
            .find(|&index| line_matches(&log.lines[index], query))
        else {
            return false;
        };
        self.current_match = Some(dropped(log) + found as u64);
        self.hold_at(
            log,
            found.saturating_sub(height / 2).min(last_top(log, height)),
        );
        true
    }

    /// The `log.lines` index of the current match, if it is still in the buffer.
    pub fn current_match_index(&self, log: &LogBuffer) -> Option<usize> {
        let line = self.current_match?.checked_sub(dropped(log))?;
        usize::try_from(line)
            .ok()
            .filter(|&index| index < log.lines.len())
    }
}

/// A log line without its ANSI escapes, as the pane shows it.
pub fn plain_text(line: &str) -> String {
    match line.into_text() {
        Ok(text) => text
            .lines
            .iter()
            .flat_map(|line| line.spans.iter().map(|span| span.content.as_ref()))
            .collect(),
        Err(_) => line.to_owned(),
    }
}

/// Smart case: a query with an upper-case letter matches case-sensitively.
pub fn line_matches(line: &str, query: &str) -> bool {
    let plain = plain_text(line);
    if query.chars().any(char::is_uppercase) {
        plain.contains(query)
    } else {
        plain.to_lowercase().contains(&query.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log(lines: &[&str], total: u64) -> LogBuffer {
        LogBuffer {
            lines: lines.iter().map(|line| line.to_string()).collect(),
            total,
        }
    }

    #[test]
    fn following_shows_the_tail() {
        let log = log(&["a", "b", "c", "d", "e"], 5);
        assert_eq!(LogView::default().first_visible(&log, 2), 3);
        assert_eq!(LogView::default().first_visible(&log, 10), 0);
    }

    #[test]
    fn scrolling_up_holds_the_position_while_lines_are_dropped() {
        let mut view = LogView::default();
        let before = log(&["a", "b", "c", "d", "e"], 5);
        view.scroll(&before, 2, -2);
        assert!(!view.follow);
        assert_eq!(view.first_visible(&before, 2), 1, "shows b");
        let after = log(&["c", "d", "e", "f", "g"], 7);
        assert_eq!(
            view.first_visible(&after, 2),
            0,
            "b was dropped: clamps to the front"
        );
        let mut view = LogView::default();
        view.scroll(&before, 2, -1);
        let after = log(&["b", "c", "d", "e", "f"], 6);
        assert_eq!(after.lines[view.first_visible(&after, 2)], "c");
    }

    #[test]
    fn scrolling_back_to_the_end_follows_again() {
        let mut view = LogView::default();
        let log = log(&["a", "b", "c", "d", "e"], 5);
        view.scroll(&log, 2, -3);
        view.scroll(&log, 2, 10);
        assert!(view.follow);
    }

    #[test]
    fn find_wraps_and_goes_both_ways() {
        let log = log(&["error: one", "ok", "\x1b[31merror\x1b[0m: two", "ok"], 4);
        let mut view = LogView {
            query: Some("error".into()),
            ..LogView::default()
        };
        assert!(view.find(&log, 2, true));
        assert_eq!(view.current_match_index(&log), Some(0));
        assert!(view.find(&log, 2, true));
        assert_eq!(
            view.current_match_index(&log),
            Some(2),
            "matches through ANSI escapes"
        );
        assert!(view.find(&log, 2, true));
        assert_eq!(view.current_match_index(&log), Some(0), "wraps");
        assert!(view.find(&log, 2, false));
        assert_eq!(view.current_match_index(&log), Some(2), "backwards wraps");
        view.query = Some("missing".into());
        assert!(!view.find(&log, 2, true));
    }

    #[test]
    fn queries_are_smart_case() {
        assert!(line_matches("Error: x", "error"));
        assert!(!line_matches("error: x", "Error"));
    }
}
