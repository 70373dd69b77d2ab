use std::collections::VecDeque;

use super::reducer::BuildState;
use super::unit::{UnitState, UnitStatus};

/// How many lines a [`LogBuffer`] keeps.
pub const LOG_LINES_KEPT: usize = 10_000;

/// How many log lines a [`BuildState`] keeps across all its units (a line costs about 100
/// bytes). Without it a build of 2,000 units could keep 20 million lines.
///
/// Past it, the longest logs of units that are neither failed nor building lose their
/// oldest lines, all down to one common length, until the total is three quarters of the
/// cap (so trimming runs once per many lines). The logs of failed and running units (what
/// the user reads, and what diagnosis reads) are cut the same way only when they alone
/// take more than that. A unit's [`LogBuffer::total`] still counts every line.
pub const LOG_LINES_KEPT_IN_TOTAL: usize = 200_000;

/// How many lines of a failed derivation that is not a unit are kept (in
/// [`super::BuildState::other_failures`]): its end says why it failed.
pub const OTHER_FAILURE_LOG_LINES: usize = 15;

/// Bounded tail of a unit's log; the full log stays available from `nix log`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LogBuffer {
    pub lines: VecDeque<String>,
    /// Lines ever pushed, including those dropped from the front.
    pub total: u64,
}

impl LogBuffer {
    /// Appends a line, dropping the oldest beyond [`LOG_LINES_KEPT`].
    pub fn push(&mut self, line: String) {
        if self.lines.len() == LOG_LINES_KEPT {
            self.lines.pop_front();
        }
        self.lines.push_back(line);
        self.total += 1;
    }

    /// Drops the oldest lines beyond `kept`, and the room they took.
    pub(super) fn keep_last(&mut self, kept: usize) {
        let dropped = self.lines.len().saturating_sub(kept);
        if dropped > 0 {
            self.lines.drain(..dropped);
            self.lines.shrink_to_fit();
        }
    }
}

/// Hands memory freed in the heap back to the system. Trimming the logs frees tens of
/// thousands of small lines scattered among the kept ones; glibc keeps such memory resident,
/// and the process grew with the stream (115 MiB after 8 million lines, for 14 MiB kept)
/// instead of staying near what it keeps (32 MiB).
fn release_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim has no preconditions; it only returns free pages to the kernel.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// The longest length `level` such that cutting every one of `lengths` down to it keeps at
/// most `budget` lines in all; `None` when they fit as they are.
pub(super) fn common_length(lengths: &mut [usize], budget: usize) -> Option<usize> {
    lengths.sort_unstable();
    let mut left = budget;
    for (index, &length) in lengths.iter().enumerate() {
        let remaining = lengths.len() - index;
        if length.saturating_mul(remaining) > left {
            return Some(left / remaining);
        }
        left -= length;
    }
    None
}

impl BuildState {
    /// Brings the lines kept in all logs down to three quarters of
    /// [`LOG_LINES_KEPT_IN_TOTAL`]: first from the longest logs of units that are neither
    /// failed nor building, then, if those alone cannot make room, from the longest of all.
    pub(super) fn trim_logs(&mut self) {
        let target = LOG_LINES_KEPT_IN_TOTAL / 4 * 3;
        let is_protected = |unit: &UnitState| {
            matches!(
                unit.status,
                UnitStatus::Failed { .. } | UnitStatus::Building { .. }
            )
        };
        let protected: usize = self
            .units
            .iter()
            .filter(|unit| is_protected(unit))
            .map(|unit| unit.log.lines.len())
            .sum();
        let budget = target.saturating_sub(protected);
        let mut lengths: Vec<usize> = self
            .units
            .iter()
            .filter(|unit| !is_protected(unit))
            .map(|unit| unit.log.lines.len())
            .collect();
        if let Some(level) = common_length(&mut lengths, budget) {
            for unit in self.units.iter_mut().filter(|unit| !is_protected(unit)) {
                unit.log.keep_last(level);
            }
        }
        let mut lengths: Vec<usize> = self.units.iter().map(|unit| unit.log.lines.len()).collect();
        if let Some(level) = common_length(&mut lengths, target) {
            for unit in &mut self.units {
                unit.log.keep_last(level);
            }
        }
        self.log_lines_kept = self.units.iter().map(|unit| unit.log.lines.len()).sum();
        release_freed_memory();
    }
}
