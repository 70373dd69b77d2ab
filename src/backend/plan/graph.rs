//! Walks over the unit graph: what a unit depends on, what depends on it (reverse edges
//! built once per walk), and the packages in a plan.

use super::{BuildPlan, Package, TestTarget, UnitId, UnitKind};

impl BuildPlan {
    pub fn package_of(&self, unit: UnitId) -> &Package {
        &self.packages[&self.units[unit].package]
    }

    /// The units `unit` depends on through edges to units `follow` accepts, directly or
    /// not, sorted.
    pub fn reachable(&self, unit: UnitId, follow: impl Fn(UnitId) -> bool) -> Vec<UnitId> {
        self.walk([unit], |next| {
            self.units[next]
                .deps
                .iter()
                .map(|d| d.unit)
                .filter(|&dep| follow(dep))
                .collect()
        })
        .into_iter()
        .filter(|&u| u != unit)
        .collect()
    }

    /// All units `unit` depends on, directly or not, sorted.
    pub fn transitive_deps(&self, unit: UnitId) -> Vec<UnitId> {
        self.reachable(unit, |_| true)
    }

    /// Units that depend on any of `units` (directly or not), plus `units` themselves,
    /// sorted.
    pub fn with_dependents(&self, units: &[UnitId]) -> Vec<UnitId> {
        let mut dependents = vec![Vec::new(); self.units.len()];
        for (id, unit) in self.units.iter().enumerate() {
            for dep in &unit.deps {
                dependents[dep.unit].push(id);
            }
        }
        self.walk(units.iter().copied(), |next| dependents[next].clone())
    }

    /// The direct dependency of `unit` of the given kind: a compile unit's build-script
    /// run, a run's compiled build script.
    pub fn dep_of_kind(&self, unit: UnitId, kind: UnitKind) -> Option<UnitId> {
        self.units[unit]
            .deps
            .iter()
            .map(|d| d.unit)
            .find(|&d| self.units[d].kind == kind)
    }

    /// What a test (or doc-test) unit, or a test binary's run, was built from. The plan
    /// keeps no target kinds: integration tests are the test binaries Cargo gives the
    /// package's binaries (`CARGO_BIN_EXE_<name>`), or those not at a bin's usual place.
    pub fn test_target(&self, unit: UnitId) -> TestTarget {
        if self.units[unit].kind == UnitKind::TestRun
            && let Some(binary) = self.dep_of_kind(unit, UnitKind::Test)
        {
            return self.test_target(binary);
        }
        let test = &self.units[unit];
        let src = test.src_path.to_string_lossy();
        let needs_binaries = test.deps.iter().any(|dep| {
            let dep = &self.units[dep.unit];
            dep.kind == UnitKind::Bin && dep.package == test.package
        });
        if test.kind == UnitKind::DocTest {
            TestTarget::Doc
        } else if !test.crate_types.iter().any(|t| t == "bin") {
            TestTarget::Lib
        } else if !needs_binaries && (src == "src/main.rs" || src.starts_with("src/bin/")) {
            TestTarget::Bin
        } else {
            TestTarget::Integration
        }
    }

    /// `(name, version)` of every package with a unit in the plan.
    pub fn package_versions(&self) -> Vec<(String, String)> {
        let mut seen: Vec<(String, String)> = self
            .units
            .iter()
            .map(|u| {
                let p = &self.packages[&u.package];
                (p.name.clone(), p.version.clone())
            })
            .collect();
        seen.sort();
        seen.dedup();
        seen
    }

    /// Every unit reachable from `start` through `next`, `start` included, sorted; each
    /// unit is visited once.
    fn walk(
        &self,
        start: impl IntoIterator<Item = UnitId>,
        next: impl Fn(UnitId) -> Vec<UnitId>,
    ) -> Vec<UnitId> {
        let mut seen = vec![false; self.units.len()];
        let mut stack: Vec<UnitId> = start.into_iter().collect();
        while let Some(unit) = stack.pop() {
            if !std::mem::replace(&mut seen[unit], true) {
                stack.extend(next(unit));
            }
        }
        (0..self.units.len()).filter(|&u| seen[u]).collect()
    }
}
