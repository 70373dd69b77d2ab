//! BuildState: the reducer every consumer (TUI and headless printer) applies the
//! engine's [`BackendEvent`]s to.
//!
//! Nix reports no per-derivation success; the reducer infers it. A `build` activity
//! that stops has succeeded when Nix's build counter (the `progress` of the `builds`
//! activity) counted one more finished build just before, failed when it counted one
//! more failure, and was cut short otherwise (Nix aborting the other builds after a
//! failure without `--keep-going`). Without that counter a stop means success. Error
//! messages naming a derivation override all of this, whether they arrive before the
//! stop (`--keep-going`) or after it (at the end otherwise).

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use super::activities::{BuildEnd, BuildOutcomes, Tracked};
use super::counters::Counters;
use super::last_build::OtherFailure;
use super::log::{LOG_LINES_KEPT_IN_TOTAL, OTHER_FAILURE_LOG_LINES};
use super::other::{OtherDerivation, readable_log_line};
use super::unit::{UnitState, UnitStatus};
use crate::backend::BackendEvent;
use crate::backend::nix::protocol::{
    ActivityId, ActivityResult, ActivityType, BuildFailure, Message, NixEvent, ResultType,
    StartActivity, strip_ansi,
};
use crate::backend::plan::{BuildPlan, UnitId};

/// Where the engine is in a session.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Phase {
    #[default]
    Idle,
    Planning,
    Evaluating,
    Building,
    Finished {
        success: bool,
    },
}

#[derive(Debug, Clone, Default)]
pub struct BuildState {
    pub plan: Option<Arc<BuildPlan>>,
    /// Indexed by [`UnitId`].
    pub units: Vec<UnitState>,
    /// Keyed by derivation path and by output path (substitutions name only the
    /// output; Nix 2.8 sends no `parent` to link them to their derivation).
    pub drv_to_unit: HashMap<String, UnitId>,
    pub phase: Phase,
    pub counters: Counters,
    pub build_started: Option<Duration>,
    pub build_finished: Option<Duration>,
    /// Messages from Nix or the engine that belong to no unit (eval errors, warnings,
    /// plain-text stderr lines), without ANSI codes.
    pub messages: Vec<String>,
    /// Failed derivations that are not units (a native dependency's own build, a crate
    /// download), in the order Nix reported them.
    pub other_failures: Vec<OtherFailure>,
    /// Every derivation that is not a unit Nix built or substituted in this build, in the
    /// order it started.
    pub others: Vec<OtherDerivation>,
    /// Indices into `others` whose status the last [`BuildState::apply`] changed.
    pub others_changed: Vec<usize>,
    /// Units that failed by Nix's count but whose error message has not come yet: they
    /// are reported as changed once, with it (or when the build finishes).
    pub(super) unreported_failures: Vec<UnitId>,
    /// The log tails of stopped builds that are not units and did not visibly succeed,
    /// until an error message says whether they failed.
    pub(super) other_build_logs: HashMap<String, Vec<String>>,
    /// Open Nix activities the reducer follows.
    pub(super) activities: HashMap<ActivityId, Tracked>,
    /// For each unit, the units that depend on it directly.
    pub(super) dependents: Vec<Vec<UnitId>>,
    /// Nix's build counter, once it has reported.
    pub(super) build_outcomes: Option<BuildOutcomes>,
    /// At least the lines kept in all logs: the last count plus the lines pushed since.
    /// When it passes [`LOG_LINES_KEPT_IN_TOTAL`] the logs are trimmed.
    pub(super) log_lines_kept: usize,
}

impl BuildState {
    /// Applies one engine event and returns the units whose status changed, each once.
    ///
    /// `PlanningStarted` starts a new session (everything is cleared); `Planned` resets
    /// the units to [`UnitStatus::Planned`] and reports none of them as changed.
    pub fn apply(&mut self, event: &BackendEvent, at: Duration) -> Vec<UnitId> {
        let mut changed = Vec::new();
        self.others_changed.clear();
        match event {
            BackendEvent::PlanningStarted => {
                *self = BuildState {
                    phase: Phase::Planning,
                    ..BuildState::default()
                };
            }
            BackendEvent::Planned(plan) => self.reset_units(plan),
            BackendEvent::EvaluationStarted => self.phase = Phase::Evaluating,
            BackendEvent::Instantiated(paths) => {
                for paths in paths {
                    let Some(unit) = self.units.get_mut(paths.unit) else {
                        continue;
                    };
                    unit.drv_path = Some(paths.drv_path.clone());
                    unit.out_path = Some(paths.out_path.clone());
                    self.drv_to_unit.insert(paths.drv_path.clone(), paths.unit);
                    self.drv_to_unit.insert(paths.out_path.clone(), paths.unit);
                }
            }
            BackendEvent::AlreadyValid(units) => {
                // The last step of preparing a session: nothing runs until a build starts.
                self.phase = Phase::Idle;
                for &unit in units {
                    self.set_status(unit, UnitStatus::Cached, &mut changed);
                }
            }
            BackendEvent::BuildStarted => {
                self.phase = Phase::Building;
                self.other_failures.clear();
                self.other_build_logs.clear();
                self.others.clear();
                self.build_started = Some(at);
            }
            BackendEvent::Nix(event) => self.apply_nix(event, at, &mut changed),
            BackendEvent::Finished { success, .. } => {
                self.skip_dependents_of_failures(&mut changed);
                if *success {
                    self.cache_units_nothing_needed(&mut changed);
                }
                for unit in 0..self.units.len() {
                    let end = match self.units[unit].status {
                        UnitStatus::Building { .. } | UnitStatus::Substituting { .. } => {
                            UnitStatus::Interrupted
                        }
                        // Never started in a failed build: Nix gave up before reaching it.
                        // A build that failed before Nix ran (a plan or deps file that
                        // does not evaluate) skipped nothing: its units stay planned.
                        UnitStatus::Planned if !*success && self.build_started.is_some() => {
                            UnitStatus::Skipped
                        }
                        _ => continue,
                    };
                    self.set_status(unit, end, &mut changed);
                }
                for unit in std::mem::take(&mut self.unreported_failures) {
                    if !changed.contains(&unit) {
                        changed.push(unit);
                    }
                }
                for other in 0..self.others.len() {
                    if !self.others[other].is_finished() {
                        self.set_other_status(other, UnitStatus::Interrupted);
                    }
                }
                self.activities.clear();
                self.phase = Phase::Finished { success: *success };
                self.build_finished = Some(at);
            }
            BackendEvent::Error(error) => self.messages.push(strip_ansi(&error.message)),
            BackendEvent::Warning(text) => self.messages.push(strip_ansi(text)),
        }
        for &unit in &changed {
            self.units[unit].note_status_time(at);
        }
        changed
    }

    /// The unit whose derivation (or output) is at `store_path`.
    pub fn unit_for_drv(&self, store_path: &str) -> Option<UnitId> {
        self.drv_to_unit.get(store_path).copied()
    }

    /// Time since the build started, up to `at` or to its end; `None` before it starts.
    pub fn elapsed(&self, at: Duration) -> Option<Duration> {
        let started = self.build_started?;
        Some(self.build_finished.unwrap_or(at).saturating_sub(started))
    }

    fn reset_units(&mut self, plan: &Arc<BuildPlan>) {
        let count = plan.units.len();
        self.units = (0..count).map(|_| UnitState::planned()).collect();
        self.counters = Counters {
            planned: count,
            ..Counters::default()
        };
        self.dependents = vec![Vec::new(); count];
        for (unit, planned) in plan.units.iter().enumerate() {
            for dep in &planned.deps {
                if dep.unit < count && dep.unit != unit {
                    self.dependents[dep.unit].push(unit);
                }
            }
        }
        self.drv_to_unit.clear();
        self.activities.clear();
        self.build_outcomes = None;
        self.unreported_failures.clear();
        self.log_lines_kept = 0;
        self.plan = Some(Arc::clone(plan));
    }

    fn apply_nix(&mut self, event: &NixEvent, at: Duration, changed: &mut Vec<UnitId>) {
        match event {
            NixEvent::Start(start) => self.start_activity(start, at, changed),
            NixEvent::Stop { id } => self.stop_activity(*id, at, changed),
            NixEvent::Result(result) => self.activity_result(result),
            NixEvent::Msg(msg) => self.message(msg, changed),
            NixEvent::Raw(line) => {
                if !line.trim().is_empty() {
                    self.messages.push(strip_ansi(line));
                }
            }
        }
    }

    fn start_activity(&mut self, start: &StartActivity, at: Duration, changed: &mut Vec<UnitId>) {
        let path = start.fields.str(0).unwrap_or_default();
        let tracked = match start.kind {
            ActivityType::Builds => {
                self.build_outcomes = None;
                Tracked::Builds
            }
            ActivityType::Build => {
                let unit = self.unit_for_drv(path);
                let machine = start.fields.str(1).unwrap_or_default().to_owned();
                let building = UnitStatus::Building { machine, since: at };
                let other = match unit {
                    Some(unit) => {
                        self.set_status(unit, building, changed);
                        None
                    }
                    None => Some(self.start_other(path, building)),
                };
                Tracked::Build {
                    drv_path: path.to_owned(),
                    unit,
                    other,
                    failure_seen: false,
                    log_tail: VecDeque::new(),
                }
            }
            // A substitution shows as `substitute` with a `copyPath` inside; copies of
            // paths that are already there (to remote builders) must not count.
            ActivityType::Substitute | ActivityType::CopyPath => {
                let from = start.fields.str(1).unwrap_or_default().to_owned();
                let substituting = UnitStatus::Substituting { from };
                match self.unit_for_drv(path) {
                    Some(unit) if self.units[unit].status == UnitStatus::Planned => {
                        self.set_status(unit, substituting, changed);
                        Tracked::Substitution { unit }
                    }
                    Some(_) => return,
                    // The `copyPath` inside a `substitute` carries the byte counts.
                    None if start.kind == ActivityType::CopyPath => {
                        match self.others.iter().rposition(|other| other.path == path) {
                            Some(other) if !self.others[other].is_finished() => {
                                Tracked::OtherSubstitution { other }
                            }
                            _ => return,
                        }
                    }
                    None => Tracked::OtherSubstitution {
                        other: self.start_other(path, substituting),
                    },
                }
            }
            ActivityType::PostBuildHook => match self.unit_for_drv(path) {
                Some(unit) => Tracked::PostBuildHook { unit },
                None => return,
            },
            _ => return,
        };
        self.activities.insert(start.id, tracked);
    }

    fn stop_activity(&mut self, id: ActivityId, at: Duration, changed: &mut Vec<UnitId>) {
        match self.activities.remove(&id) {
            Some(Tracked::Build {
                drv_path,
                unit,
                other,
                failure_seen,
                log_tail,
            }) => {
                let end = if failure_seen {
                    BuildEnd::Failed
                } else {
                    self.build_outcomes
                        .as_mut()
                        .map_or(BuildEnd::Succeeded, BuildOutcomes::claim)
                };
                let Some(unit) = unit else {
                    let counted_success =
                        matches!(end, BuildEnd::Succeeded) && self.build_outcomes.is_some();
                    if !failure_seen && !counted_success {
                        self.other_build_logs.insert(drv_path, log_tail.into());
                    }
                    // A failure is reported with Nix's error message, which names it.
                    if let Some(other) = other
                        && !self.others[other].is_finished()
                    {
                        let status = match end {
                            BuildEnd::Succeeded => UnitStatus::Built {
                                took: self.others[other].took(at),
                            },
                            BuildEnd::Failed => return,
                            BuildEnd::CutShort => UnitStatus::Interrupted,
                        };
                        self.set_other_status(other, status);
                    }
                    return;
                };
                let UnitStatus::Building { since, .. } = self.units[unit].status else {
                    return;
                };
                let status = match end {
                    BuildEnd::Succeeded => UnitStatus::Built {
                        took: at.saturating_sub(since),
                    },
                    BuildEnd::Failed if !failure_seen => {
                        // Nix's error message, with the exit code, comes later: report
                        // the failure once, then.
                        self.set_status(
                            unit,
                            UnitStatus::Failed { exit_code: None },
                            &mut Vec::new(),
                        );
                        self.unreported_failures.push(unit);
                        return;
                    }
                    BuildEnd::Failed => UnitStatus::Failed { exit_code: None },
                    BuildEnd::CutShort => UnitStatus::Interrupted,
                };
                self.set_status(unit, status, changed);
            }
            Some(Tracked::OtherSubstitution { other }) => {
                if let UnitStatus::Substituting { from } = &self.others[other].status {
                    let from = from.clone();
                    self.set_other_status(other, UnitStatus::Substituted { from });
                }
            }
            Some(Tracked::Substitution { unit }) => {
                if let UnitStatus::Substituting { from } = &self.units[unit].status {
                    let from = from.clone();
                    self.set_status(unit, UnitStatus::Substituted { from }, changed);
                }
            }
            Some(Tracked::Builds | Tracked::PostBuildHook { .. }) | None => {}
        }
    }

    fn activity_result(&mut self, result: &ActivityResult) {
        if result.kind == ResultType::BuildLogLine
            && let Some(Tracked::Build {
                unit: None,
                log_tail,
                ..
            }) = self.activities.get_mut(&result.id)
            && let Some(line) = result.fields.str(0)
        {
            if log_tail.len() == OTHER_FAILURE_LOG_LINES {
                log_tail.pop_front();
            }
            if let Some(line) = readable_log_line(line) {
                log_tail.push_back(line);
            }
            return;
        }
        let Some(tracked) = self.activities.get(&result.id) else {
            return;
        };
        match (result.kind, tracked) {
            (ResultType::Progress, &Tracked::OtherSubstitution { other }) => {
                if let (Some(done), Some(expected)) = (result.fields.int(0), result.fields.int(1)) {
                    self.others[other].bytes = Some((done, expected));
                }
            }
            (ResultType::Progress, Tracked::Builds) => {
                let outcomes = self.build_outcomes.get_or_insert_default();
                outcomes.done = result.fields.int(0).unwrap_or(outcomes.done);
                outcomes.failed = result.fields.int(3).unwrap_or(outcomes.failed);
            }
            (
                ResultType::BuildLogLine | ResultType::PostBuildLogLine,
                Tracked::Build {
                    unit: Some(unit), ..
                }
                | Tracked::PostBuildHook { unit },
            ) => {
                let unit = *unit;
                if let Some(line) = result.fields.str(0) {
                    self.units[unit].log.push(line.to_owned());
                    self.log_lines_kept += 1;
                    if self.log_lines_kept > LOG_LINES_KEPT_IN_TOTAL {
                        self.trim_logs();
                    }
                }
            }
            (
                ResultType::SetPhase,
                Tracked::Build {
                    unit: Some(unit), ..
                },
            ) => {
                let unit = *unit;
                if let Some(phase) = result.fields.str(0) {
                    self.units[unit].phase = Some(phase.to_owned());
                }
            }
            _ => {}
        }
    }

    fn message(&mut self, msg: &Message, changed: &mut Vec<UnitId>) {
        let text = strip_ansi(&msg.msg);
        let Some(failure) = msg.build_failure() else {
            self.messages.push(text);
            return;
        };
        let unit = self.unit_for_drv(failure.drv_path());
        match failure {
            BuildFailure::Failed {
                drv_path,
                exit_code,
            } => {
                self.note_failure_of_running_build(&drv_path);
                match unit {
                    Some(unit) => {
                        self.set_status(unit, UnitStatus::Failed { exit_code }, changed);
                        if let Some(index) =
                            self.unreported_failures.iter().position(|&u| u == unit)
                        {
                            self.unreported_failures.swap_remove(index);
                            if !changed.contains(&unit) {
                                changed.push(unit);
                            }
                        }
                    }
                    None => {
                        let other = match self.others.iter().rposition(|o| o.path == drv_path) {
                            Some(other) => other,
                            None => self.start_other(&drv_path, UnitStatus::Interrupted),
                        };
                        self.set_other_status(other, UnitStatus::Failed { exit_code });
                        let log_tail = self.take_log_tail_of_other_build(&drv_path);
                        self.other_failures.push(OtherFailure {
                            drv_path,
                            message: text.clone(),
                            log_tail,
                        });
                    }
                }
            }
            BuildFailure::DependenciesFailed { .. } => {
                if let Some(unit) = unit
                    && !matches!(
                        self.units[unit].status,
                        UnitStatus::Built { .. }
                            | UnitStatus::Cached
                            | UnitStatus::Substituted { .. }
                            | UnitStatus::Failed { .. }
                    )
                {
                    self.set_status(unit, UnitStatus::Skipped, changed);
                }
                self.skip_dependents_of_failures(changed);
            }
        }
        match unit {
            Some(unit) => self.units[unit].error = Some(text),
            None => self.messages.push(text),
        }
    }

    /// What the build of `drv_path`, which is not a unit, logged last.
    fn take_log_tail_of_other_build(&mut self, drv_path: &str) -> Vec<String> {
        let open = self
            .activities
            .values_mut()
            .find_map(|tracked| match tracked {
                Tracked::Build {
                    drv_path: path,
                    unit: None,
                    log_tail,
                    ..
                } if path == drv_path => Some(std::mem::take(log_tail).into()),
                _ => None,
            });
        open.or_else(|| self.other_build_logs.remove(drv_path))
            .unwrap_or_default()
    }

    /// An error named a derivation whose build may still be open: its stop must then
    /// count as that failure, which Nix's counter counts once.
    fn note_failure_of_running_build(&mut self, failed_drv: &str) {
        let running = self
            .activities
            .values_mut()
            .find_map(|tracked| match tracked {
                Tracked::Build {
                    drv_path,
                    failure_seen,
                    ..
                } if drv_path == failed_drv && !*failure_seen => Some(failure_seen),
                _ => None,
            });
        if let Some(failure_seen) = running {
            *failure_seen = true;
            if let Some(outcomes) = &mut self.build_outcomes {
                outcomes.claimed_failed += 1;
            }
        }
    }

    /// After a success, a unit that never started because everything depending on it was
    /// already in the store (a no-op, a substituted dependent) is as good as cached. A unit
    /// nothing depends on that never started was not asked for: it stays planned.
    fn cache_units_nothing_needed(&mut self, changed: &mut Vec<UnitId>) {
        let Some(plan) = self.plan.clone() else {
            return;
        };
        let is_done = |status: &UnitStatus| {
            matches!(
                status,
                UnitStatus::Cached | UnitStatus::Built { .. } | UnitStatus::Substituted { .. }
            )
        };
        let mut pending: Vec<UnitId> = (0..self.units.len())
            .filter(|&unit| is_done(&self.units[unit].status))
            .collect();
        while let Some(unit) = pending.pop() {
            for dep in &plan.units[unit].deps {
                let dep = dep.unit;
                if dep < self.units.len()
                    && self.units[dep].status == UnitStatus::Planned
                    && self.dependents[dep]
                        .iter()
                        .all(|&dependent| is_done(&self.units[dependent].status))
                {
                    self.set_status(dep, UnitStatus::Cached, changed);
                    pending.push(dep);
                }
            }
        }
    }

    /// Every planned unit that depends, directly or not, on a failed or skipped unit is
    /// skipped: Nix will not build it.
    fn skip_dependents_of_failures(&mut self, changed: &mut Vec<UnitId>) {
        let mut visited: Vec<bool> = self
            .units
            .iter()
            .map(|unit| matches!(unit.status, UnitStatus::Failed { .. } | UnitStatus::Skipped))
            .collect();
        let mut pending: Vec<UnitId> = (0..visited.len()).filter(|&unit| visited[unit]).collect();
        while let Some(unit) = pending.pop() {
            for index in 0..self.dependents[unit].len() {
                let dependent = self.dependents[unit][index];
                if visited[dependent] || self.units[dependent].status != UnitStatus::Planned {
                    continue;
                }
                visited[dependent] = true;
                self.set_status(dependent, UnitStatus::Skipped, changed);
                pending.push(dependent);
            }
        }
    }

    /// Follows a derivation that is not a unit from now on; returns its index.
    fn start_other(&mut self, path: &str, status: UnitStatus) -> usize {
        self.others.push(OtherDerivation::new(path, status));
        let index = self.others.len() - 1;
        self.others_changed.push(index);
        index
    }

    fn set_other_status(&mut self, other: usize, status: UnitStatus) {
        if self.others[other].status != status {
            self.others[other].status = status;
            if !self.others_changed.contains(&other) {
                self.others_changed.push(other);
            }
        }
    }

    /// The one place a unit's status changes, so that `counters` stay exact.
    fn set_status(&mut self, unit: UnitId, status: UnitStatus, changed: &mut Vec<UnitId>) {
        let Some(state) = self.units.get_mut(unit) else {
            return;
        };
        if state.status == status {
            return;
        }
        *self.counters.of_mut(&state.status) -= 1;
        *self.counters.of_mut(&status) += 1;
        state.status = status;
        if !changed.contains(&unit) {
            changed.push(unit);
        }
    }
}
