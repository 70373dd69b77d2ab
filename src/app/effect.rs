//! Effects: what [`super::update`] asks the shell to do. The app itself never does IO.

use std::fmt;

use crate::backend::last_build::LastBuild;
use crate::backend::plan::UnitId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `None` builds everything; `Some` rebuilds these units and what depends on them.
    Build {
        only: Option<Vec<UnitId>>,
    },
    Cancel,
    /// Change `Cargo.dependencies.nix`; the shell answers with [`super::AppEvent::DepsSaved`].
    EditDeps(DepsEdit),
    /// Read the crate's current `Cargo.dependencies.nix` entry; the shell answers with
    /// [`super::AppEvent::DepsEntry`].
    LoadDepsEntry {
        crate_name: String,
    },
    /// Keep the finished build's failures for `libnix-tui doctor`.
    RecordBuild(Box<LastBuild>),
    Quit,
}

/// One change to a crate's entry in `Cargo.dependencies.nix`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DepsEdit {
    pub crate_name: String,
    /// `None` edits the entry that applies to all versions of the crate.
    pub version: Option<String>,
    pub op: DepsOp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DepsOp {
    /// Add a nixpkgs attribute (`openssl`, `pkg-config`) to the crate's build inputs.
    AddDep(String),
    RemoveDep(String),
    SetEnv(String, String),
    UnsetEnv(String),
    /// Add a diagnosis' suggested packages and env vars (values are Nix string contents).
    ApplySuggestion {
        packages: Vec<String>,
        envs: Vec<(String, String)>,
    },
}

impl fmt::Display for DepsEdit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.op {
            DepsOp::AddDep(package) => write!(f, "add {package} to ")?,
            DepsOp::RemoveDep(package) => write!(f, "remove {package} from ")?,
            DepsOp::SetEnv(name, value) => write!(f, "set {name}={value:?} for ")?,
            DepsOp::UnsetEnv(name) => write!(f, "unset {name} for ")?,
            DepsOp::ApplySuggestion { packages, .. } => {
                write!(f, "add the suggested {} to ", packages.join(" "))?
            }
        }
        match &self.version {
            Some(version) => write!(f, "{} {version}", self.crate_name),
            None => write!(f, "{} (all versions)", self.crate_name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_describe_themselves_for_the_status_line() {
        let edit = DepsEdit {
            crate_name: "openssl-sys".into(),
            version: None,
            op: DepsOp::AddDep("openssl".into()),
        };
        assert_eq!(
            edit.to_string(),
            "add openssl to openssl-sys (all versions)"
        );
        let edit = DepsEdit {
            crate_name: "proc-macro-test".into(),
            version: Some("0.1.0".into()),
            op: DepsOp::SetEnv("PROC_MACRO_TEST_LOCATION".into(), String::new()),
        };
        assert_eq!(
            edit.to_string(),
            "set PROC_MACRO_TEST_LOCATION=\"\" for proc-macro-test 0.1.0"
        );
    }
}
