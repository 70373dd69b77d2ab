//! Where a build's time went: each unit's queue, start and end time and how it ended, the
//! critical path (the longest chain of durations through the dependency DAG) and how many
//! units ran at once. Times are seconds since the build started.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::backend::build_state::{BuildState, UnitStatus};
use crate::backend::plan::{BuildPlan, UnitId, UnitKind};

/// How a unit ended (or where it is, while the build runs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum Outcome {
    /// Not started yet.
    Waiting,
    Running,
    Built,
    /// Already in the Nix store before the build started.
    Cached,
    Substituted {
        from: String,
    },
    Failed,
    /// Not built because a dependency failed.
    Skipped,
    Interrupted,
}

impl Outcome {
    pub fn label(&self) -> &'static str {
        match self {
            Outcome::Waiting => "waiting",
            Outcome::Running => "running",
            Outcome::Built => "built",
            Outcome::Cached => "cached",
            Outcome::Substituted { .. } => "substituted",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
            Outcome::Interrupted => "interrupted",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitTiming {
    pub package: String,
    pub version: String,
    pub kind: UnitKind,
    pub outcome: Outcome,
    /// When it could start: its last dependency ended (or the build started).
    pub queued: f64,
    pub started: Option<f64>,
    pub finished: Option<f64>,
    /// Indices into [`Timeline::units`] of its direct dependencies.
    pub deps: Vec<usize>,
}

impl UnitTiming {
    /// `ripgrep(bin)`; a library is just its package name.
    pub fn label(&self) -> String {
        match self.kind {
            UnitKind::Lib => self.package.clone(),
            kind => format!("{}({})", self.package, kind.label()),
        }
    }

    /// How long it ran; one still running runs until `total`.
    pub fn duration(&self, total: f64) -> f64 {
        self.started
            .map_or(0.0, |started| self.finished.unwrap_or(total) - started)
            .max(0.0)
    }

    /// When it stopped running, or `total` while it runs.
    pub fn end(&self, total: f64) -> Option<f64> {
        self.started.map(|_| self.finished.unwrap_or(total))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    /// The build's wall time so far.
    pub total: f64,
    /// In the plan's unit order.
    pub units: Vec<UnitTiming>,
    /// Indices into `units`, the last unit of the chain first, each followed by the
    /// dependency it waited for longest.
    pub critical_path: Vec<usize>,
}

impl Timeline {
    /// The timeline of the build `state` follows, up to `now`; `None` before it starts.
    pub fn from_state(plan: &BuildPlan, state: &BuildState, now: Duration) -> Option<Self> {
        let build_started = state.build_started?;
        let since_start = |at: Duration| at.saturating_sub(build_started).as_secs_f64();
        let units: Vec<UnitTiming> = state
            .units
            .iter()
            .zip(&plan.units)
            .enumerate()
            .map(|(id, (unit, planned))| {
                let package = plan.package_of(id);
                UnitTiming {
                    package: package.name.clone(),
                    version: package.version.clone(),
                    kind: planned.kind,
                    outcome: outcome(&unit.status),
                    queued: queued_at(plan, state, id).map_or(0.0, since_start),
                    started: unit.started_at.map(since_start),
                    finished: unit.finished_at.map(since_start),
                    deps: planned
                        .deps
                        .iter()
                        .map(|dep| dep.unit)
                        .filter(|&dep| dep < state.units.len() && dep != id)
                        .collect(),
                }
            })
            .collect();
        let total = state.elapsed(now).unwrap_or_default().as_secs_f64();
        Some(Timeline::new(units, total))
    }

    pub fn new(units: Vec<UnitTiming>, total: f64) -> Self {
        let critical_path = critical_path(&units, total);
        Timeline {
            total,
            units,
            critical_path,
        }
    }

    /// The sum of the durations along the critical path.
    pub fn critical_path_seconds(&self) -> f64 {
        self.critical_path
            .iter()
            .map(|&unit| self.units[unit].duration(self.total))
            .fold(0.0, |sum, duration| sum + duration)
    }

    /// `critical path 9.8 s of 12.7 s: ripgrep(bin) <- ignore <- regex-automata`.
    pub fn summary(&self) -> String {
        let head = format!(
            "critical path {:.1} s of {:.1} s",
            self.critical_path_seconds(),
            self.total
        );
        if self.critical_path.is_empty() {
            return format!("{head}: nothing was built");
        }
        let chain: Vec<String> = self
            .critical_path
            .iter()
            .map(|&unit| self.units[unit].label())
            .collect();
        format!("{head}: {}", chain.join(" <- "))
    }

    /// The units that ran (or run), by start time, with their indices.
    pub fn ran_by_start(&self) -> Vec<(usize, &UnitTiming)> {
        let mut ran: Vec<(usize, &UnitTiming)> = self
            .units
            .iter()
            .enumerate()
            .filter(|(_, unit)| unit.started.is_some())
            .collect();
        ran.sort_by(|a, b| {
            let start = |unit: &UnitTiming| unit.started.unwrap_or_default();
            start(a.1).total_cmp(&start(b.1)).then(a.0.cmp(&b.0))
        });
        ran
    }

    pub fn is_on_critical_path(&self, unit: usize) -> bool {
        self.critical_path.contains(&unit)
    }

    /// How many units ran at once: `(time, running from then on)`, one step per change.
    pub fn concurrency(&self) -> Vec<(f64, usize)> {
        // Ends sort before starts at the same time: a unit starting as another ends
        // does not overlap it.
        let mut changes: Vec<(f64, i64)> = self
            .units
            .iter()
            .filter_map(|unit| Some([(unit.started?, 1), (unit.end(self.total)?, -1)]))
            .flatten()
            .collect();
        changes.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let mut steps: Vec<(f64, usize)> = Vec::new();
        let mut running: i64 = 0;
        for (time, change) in changes {
            running += change;
            let count = usize::try_from(running).unwrap_or(0);
            match steps.last_mut() {
                Some(last) if last.0 == time => last.1 = count,
                _ => steps.push((time, count)),
            }
        }
        steps
    }

    pub fn max_concurrency(&self) -> usize {
        self.concurrency()
            .iter()
            .map(|&(_, count)| count)
            .max()
            .unwrap_or(0)
    }
}

/// When `unit` could start: when its last dependency ended, or when the build started.
pub fn queued_at(plan: &BuildPlan, state: &BuildState, unit: UnitId) -> Option<Duration> {
    let build_started = state.build_started?;
    let deps = plan.units.get(unit).map_or(&[][..], |unit| &unit.deps);
    Some(
        deps.iter()
            .filter_map(|dep| state.units.get(dep.unit)?.finished_at)
            .fold(build_started, Duration::max),
    )
}

fn outcome(status: &UnitStatus) -> Outcome {
    match status {
        UnitStatus::Planned => Outcome::Waiting,
        UnitStatus::Building { .. } | UnitStatus::Substituting { .. } => Outcome::Running,
        UnitStatus::Built { .. } => Outcome::Built,
        UnitStatus::Cached => Outcome::Cached,
        UnitStatus::Substituted { from } => Outcome::Substituted { from: from.clone() },
        UnitStatus::Failed { .. } => Outcome::Failed,
        UnitStatus::Skipped => Outcome::Skipped,
        UnitStatus::Interrupted => Outcome::Interrupted,
    }
}

/// The chain through the dependency DAG whose durations add up to most, the last unit
/// first; chains end where only units that took no time remain.
fn critical_path(units: &[UnitTiming], total: f64) -> Vec<usize> {
    #[derive(Clone, Copy, PartialEq)]
    enum Visit {
        New,
        Entered,
        Done,
    }
    let mut visit = vec![Visit::New; units.len()];
    // The longest chain ending in each unit, and the dependency it continues through.
    let mut cost: Vec<f64> = vec![0.0; units.len()];
    let mut through: Vec<Option<usize>> = vec![None; units.len()];
    for root in 0..units.len() {
        let mut stack = vec![(root, false)];
        while let Some((unit, deps_done)) = stack.pop() {
            if deps_done {
                let longest = units[unit]
                    .deps
                    .iter()
                    .filter(|&&dep| visit[dep] == Visit::Done && cost[dep] > 0.0)
                    .max_by(|&&a, &&b| cost[a].total_cmp(&cost[b]).then(b.cmp(&a)));
                cost[unit] = units[unit].duration(total) + longest.map_or(0.0, |&dep| cost[dep]);
                through[unit] = longest.copied();
                visit[unit] = Visit::Done;
            } else if visit[unit] == Visit::New {
                visit[unit] = Visit::Entered;
                stack.push((unit, true));
                stack.extend(units[unit].deps.iter().map(|&dep| (dep, false)));
            }
        }
    }
    let end = (0..units.len())
        .filter(|&unit| cost[unit] > 0.0)
        .max_by(|&a, &b| cost[a].total_cmp(&cost[b]).then(b.cmp(&a)));
    std::iter::successors(end, |&unit| through[unit]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::build_state::tests::{CHAIN, fixture, session_events};

    fn unit(name: &str, kind: UnitKind, times: Option<(f64, f64)>, deps: &[usize]) -> UnitTiming {
        UnitTiming {
            package: name.into(),
            version: "1.0.0".into(),
            kind,
            outcome: if times.is_some() {
                Outcome::Built
            } else {
                Outcome::Cached
            },
            queued: 0.0,
            started: times.map(|t| t.0),
            finished: times.map(|t| t.1),
            deps: deps.to_vec(),
        }
    }

    /// ripgrep(bin) needs ignore and grep; ignore needs regex (slow) and memchr (cached);
    /// grep needs memchr only.
    fn ripgrep() -> Timeline {
        Timeline::new(
            vec![
                unit("memchr", UnitKind::Lib, None, &[]),
                unit("regex", UnitKind::Lib, Some((0.0, 5.0)), &[]),
                unit("ignore", UnitKind::Lib, Some((5.0, 7.0)), &[1, 0]),
                unit("grep", UnitKind::Lib, Some((0.0, 6.5)), &[0]),
                unit("ripgrep", UnitKind::Bin, Some((7.0, 9.0)), &[2, 3]),
            ],
            9.5,
        )
    }

    #[test]
    fn the_critical_path_is_the_longest_chain_of_durations() {
        let timeline = ripgrep();
        assert_eq!(timeline.critical_path, [4, 2, 1]);
        assert_eq!(timeline.critical_path_seconds(), 9.0);
        assert_eq!(
            timeline.summary(),
            "critical path 9.0 s of 9.5 s: ripgrep(bin) <- ignore <- regex"
        );
    }

    #[test]
    fn cached_units_take_no_time_and_end_no_chain() {
        let timeline = Timeline::new(
            vec![
                unit("a", UnitKind::Lib, None, &[]),
                unit("b", UnitKind::Lib, Some((0.0, 1.0)), &[0]),
            ],
            1.0,
        );
        assert_eq!(timeline.critical_path, [1]);
        let nothing_built = Timeline::new(vec![unit("a", UnitKind::Lib, None, &[])], 0.2);
        assert!(nothing_built.critical_path.is_empty());
        assert_eq!(
            nothing_built.summary(),
            "critical path 0.0 s of 0.2 s: nothing was built"
        );
    }

    #[test]
    fn a_cycle_in_a_broken_plan_does_not_hang() {
        let timeline = Timeline::new(
            vec![
                unit("a", UnitKind::Lib, Some((0.0, 1.0)), &[1]),
                unit("b", UnitKind::Lib, Some((1.0, 3.0)), &[0]),
            ],
            3.0,
        );
        assert!(!timeline.critical_path.is_empty());
    }

    #[test]
    fn concurrency_counts_overlapping_units() {
        let timeline = ripgrep();
        assert_eq!(
            timeline.concurrency(),
            [(0.0, 2), (5.0, 2), (6.5, 1), (7.0, 1), (9.0, 0)]
        );
        assert_eq!(timeline.max_concurrency(), 2);
    }

    #[test]
    fn a_running_unit_runs_until_now() {
        let mut timeline = ripgrep();
        timeline.units[4].finished = None;
        timeline.total = 12.0;
        assert_eq!(timeline.units[4].duration(timeline.total), 5.0);
        assert_eq!(timeline.concurrency().last(), Some(&(12.0, 0)));
    }

    /// The reducer gives each unit its start and end: one second per event here.
    #[test]
    fn a_recorded_stream_gives_start_and_end_times() {
        let events = session_events(&fixture("28-chain-success-v.jsonl"), CHAIN, &[], true);
        let mut state = BuildState::default();
        for (step, event) in events.iter().enumerate() {
            state.apply(event, Duration::from_secs(step as u64));
        }
        let plan = state.plan.clone().expect("planned");
        let timeline = Timeline::from_state(&plan, &state, Duration::from_secs(1000))
            .expect("the build started");
        for (id, timing) in timeline.units.iter().enumerate() {
            let UnitStatus::Built { took } = state.units[id].status else {
                panic!("{id}: {:?}", state.units[id].status)
            };
            let (Some(started), Some(finished)) = (timing.started, timing.finished) else {
                panic!("{id}: {timing:?}")
            };
            assert_eq!(finished - started, took.as_secs_f64(), "{id}");
            assert!(timing.queued <= started, "{id}: {timing:?}");
        }
        assert_eq!(
            timeline.units[1].queued,
            timeline.units[0].finished.unwrap_or(-1.0)
        );
        assert_eq!(timeline.critical_path, [2, 1, 0]);
        assert_eq!(timeline.max_concurrency(), 1);
        let last = events.len() as f64 - 1.0;
        let build_started = 5.0;
        assert_eq!(timeline.total, last - build_started);
    }

    #[test]
    fn substituted_units_keep_their_source_and_times() {
        let events = session_events(
            &fixture("28-mixed-substitute-and-build.jsonl"),
            CHAIN,
            &[],
            true,
        );
        let mut state = BuildState::default();
        for (step, event) in events.iter().enumerate() {
            state.apply(event, Duration::from_secs(step as u64));
        }
        let plan = state.plan.clone().expect("planned");
        let timeline =
            Timeline::from_state(&plan, &state, Duration::ZERO).expect("the build started");
        assert_eq!(
            timeline.units[0].outcome,
            Outcome::Substituted {
                from: "file:///home/user/example/cache".into()
            }
        );
        assert!(timeline.units[0].started < timeline.units[0].finished);
        assert_eq!(timeline.units[2].outcome, Outcome::Built);
    }
}
