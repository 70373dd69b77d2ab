//! Effects: what [`super::update`] asks the shell to do. The app itself never does IO.

use crate::backend::build_state::last_build::LastBuild;
use crate::backend::overrides::Edit;
use crate::backend::plan::{CargoVerb, UnitId};

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Plans `verb`'s unit graph again and builds it (a test plan runs its tests): `None`
    /// everything, `Some` these units and what depends on them.
    Build {
        verb: CargoVerb,
        only: Option<Vec<UnitId>>,
    },
    /// Read the result a test run recorded in its output; the shell answers with
    /// [`super::AppEvent::TestRun`].
    ReadTestRun {
        unit: UnitId,
        out_path: String,
    },
    Cancel,
    /// Change one crate's entry in `Cargo.dependencies.nix`, all edits or none; the shell
    /// answers with [`super::AppEvent::DepsSaved`].
    EditDeps(Vec<Edit>),
    /// Read the crate's current `Cargo.dependencies.nix` entry; the shell answers with
    /// [`super::AppEvent::DepsEntry`].
    LoadDepsEntry {
        crate_name: String,
    },
    /// Keep the finished build's failures for `libnix-tui doctor`.
    RecordBuild(Box<LastBuild>),
    Quit,
}
