//! The Nix command lines of a session: the user's pass-through options, the options the
//! toolchain mode needs, and the arguments that point Nix at the generated plan.

use crate::backend::cache;
use crate::backend::emit;
use crate::backend::layout;
use crate::backend::plan::BuildPlan;
use crate::backend::toolchain::ToolchainMode;

/// How Nix is run. `--option`, `--builders`, `--store` and `--offline` pass through.
#[derive(Debug, Clone, Default)]
pub struct NixOptions {
    /// `None`: nixpkgs when `<nixpkgs>` can be found, host otherwise.
    pub toolchain: Option<ToolchainMode>,
    pub jobs: Option<u32>,
    pub keep_going: bool,
    pub options: Vec<(String, String)>,
    pub builders: Option<String>,
    pub store: Option<String>,
    pub offline: bool,
    /// Binary caches to ask besides (host mode: instead of) Nix's own.
    pub substituters: Vec<String>,
}

impl NixOptions {
    /// Options for every Nix command: the user's, after the ones host mode needs.
    pub(super) fn common_args(&self, mode: ToolchainMode) -> Vec<String> {
        let mut args = Vec::new();
        let mut option = |name: &str, value: &str| {
            args.extend(["--option".to_string(), name.to_string(), value.to_string()]);
        };
        for (name, value) in mode.nix_options() {
            option(name, value);
        }
        for (name, value) in cache::trust::substituter_options(mode, &self.substituters) {
            option(&name, &value);
        }
        if let Some(builders) = &self.builders {
            option("builders", builders);
        }
        for (name, value) in &self.options {
            option(name, value);
        }
        if let Some(store) = &self.store {
            args.extend(["--store".to_string(), store.clone()]);
        }
        if self.offline {
            args.extend(["--option".into(), "substitute".into(), "false".into()]);
        }
        args
    }

    pub fn store_args(&self) -> Vec<String> {
        self.store
            .iter()
            .flat_map(|s| ["--store".to_string(), s.clone()])
            .collect()
    }
}

pub(super) fn nix_file_args(
    written: &emit::Written,
    plan: &BuildPlan,
    mode: ToolchainMode,
) -> Vec<String> {
    let mut args = vec![
        written.entry.display().to_string(),
        "--argstr".into(),
        "planFile".into(),
        written.plan_file.display().to_string(),
        "--argstr".into(),
        "toolchain".into(),
        mode.name().into(),
    ];
    let deps = layout::deps_file(&plan.workspace_root);
    if deps.is_file() {
        args.extend([
            "--argstr".into(),
            "depsFile".into(),
            deps.display().to_string(),
        ]);
    }
    args
}
