//! Which rustc, cc and stdenv the derivations use: host or nixpkgs mode, its detection,
//! the host probing, and the Nix options each mode needs. May import: plan types.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use super::plan::BuildPlan;

/// Which rustc, cc and stdenv the derivations use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ToolchainMode {
    /// Pure: rustc, cc and stdenv from `<nixpkgs>`.
    Nixpkgs,
    /// Impure: the host's rustc and cc, for machines with only a Nix binary.
    Host,
}

impl std::str::FromStr for ToolchainMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match [ToolchainMode::Nixpkgs, ToolchainMode::Host]
            .into_iter()
            .find(|mode| mode.name() == s)
        {
            Some(mode) => Ok(mode),
            None => Err(format!(
                "unknown toolchain `{s}` (expected host or nixpkgs)"
            )),
        }
    }
}

impl ToolchainMode {
    /// The name the Nix library and the command line use.
    pub fn name(self) -> &'static str {
        match self {
            ToolchainMode::Nixpkgs => "nixpkgs",
            ToolchainMode::Host => "host",
        }
    }

    /// The Nix options every Nix command of this mode needs, before the user's.
    pub fn nix_options(self) -> Vec<(&'static str, &'static str)> {
        let mut options = match self {
            ToolchainMode::Nixpkgs => Vec::new(),
            // Host builders read the host toolchain (its substituters: `cache::trust`).
            ToolchainMode::Host => vec![("sandbox", "false")],
        };
        if is_root_without_daemon() {
            // Builders run as root then: no nixbld group is needed (Debian's nix-bin may
            // have none), and host builders can read the host's rustup toolchain.
            options.push(("build-users-group", ""));
        }
        options
    }
}

fn is_root_without_daemon() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let daemon = std::env::var_os("NIX_REMOTE").is_some_and(|v| v == "daemon")
        || Path::new("/nix/var/nix/daemon-socket/socket").exists();
    root && !daemon
}

/// The host tools a builder sees in host mode: what stdenv gives a build, no more.
const HOST_TOOLS: &[&str] = &[
    "sh",
    "bash",
    "cat",
    "cp",
    "mv",
    "rm",
    "mkdir",
    "rmdir",
    "ln",
    "ls",
    "chmod",
    "touch",
    "env",
    "head",
    "tail",
    "sort",
    "uniq",
    "tr",
    "cut",
    "wc",
    "dirname",
    "basename",
    "readlink",
    "realpath",
    "date",
    "install",
    "mktemp",
    "printf",
    "echo",
    "test",
    "expr",
    "tee",
    "true",
    "false",
    "sleep",
    "stat",
    "od",
    "seq",
    "id",
    "uname",
    "nproc",
    "md5sum",
    "sha256sum",
    "find",
    "xargs",
    "grep",
    "egrep",
    "fgrep",
    "sed",
    "awk",
    "tar",
    "gzip",
    "gunzip",
    "bzip2",
    "xz",
    "diff",
    "cmp",
    "patch",
    "make",
    "cc",
    "gcc",
    "c++",
    "g++",
    "cpp",
    "ld",
    "ar",
    "as",
    "nm",
    "ranlib",
    "strip",
    "objcopy",
    "objdump",
];

/// Set to any value, it becomes part of every derivation: a clean build without deleting
/// anything from the store (benchmarks use it to compare clean builds with Cargo's).
pub const REBUILD_SALT_VAR: &str = "LIBNIX_TUI_REBUILD_SALT";

#[derive(Debug, Clone, Serialize)]
pub struct Toolchain {
    pub mode: ToolchainMode,
    /// `rustc -vV`: part of every derivation, so a toolchain change rebuilds everything.
    pub identity: String,
    /// Host mode only: the real rustc / cargo executables (not rustup's proxies).
    pub rustc: Option<PathBuf>,
    pub cargo: Option<PathBuf>,
    /// Host mode only: the rustdoc beside rustc (doc tests), when there is one.
    pub rustdoc: Option<PathBuf>,
    /// Host mode only: tool name -> absolute host path.
    pub tools: BTreeMap<String, PathBuf>,
}

/// The first `name` on PATH, as a shell would find it.
pub fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

impl Toolchain {
    /// Describe the toolchain the derivations will use, probing the host where needed.
    pub fn detect(mode: ToolchainMode, plan: &BuildPlan) -> Self {
        let sysroot = &plan.rustc_sysroot;
        // In nixpkgs mode the toolchain is a derivation input already; the host's rustc
        // must not make derivations differ between machines.
        let mut identity = match mode {
            ToolchainMode::Host => plan.rustc_version.clone(),
            ToolchainMode::Nixpkgs => "nixpkgs".to_string(),
        };
        if let Ok(salt) = std::env::var(REBUILD_SALT_VAR) {
            identity.push_str(&format!("rebuild salt: {salt}\n"));
        }
        let mut toolchain = Toolchain {
            mode,
            identity,
            rustc: None,
            cargo: None,
            rustdoc: None,
            tools: BTreeMap::new(),
        };
        if mode == ToolchainMode::Host {
            let rustc = sysroot.join("bin/rustc");
            let cargo = sysroot.join("bin/cargo");
            let rustdoc = sysroot.join("bin/rustdoc");
            toolchain.rustdoc = rustdoc.is_file().then_some(rustdoc);
            toolchain.rustc = Some(rustc);
            toolchain.cargo = cargo
                .is_file()
                .then_some(cargo)
                .or_else(|| find_on_path("cargo"));
            toolchain.tools = HOST_TOOLS
                .iter()
                .filter_map(|name| Some((name.to_string(), find_on_path(name)?)))
                .collect();
        }
        toolchain
    }
}

/// What evaluating `<nixpkgs>` with this Nix would give: its own version gate
/// (`lib/minfeatures.nix`, or `lib/minver.nix` in older trees) asked up front, so a Nix
/// that is too old is said in one line instead of dying mid-evaluation.
const NIXPKGS_GATE: &str = r#"
let
  root = <nixpkgs>;
  features = root + "/lib/minfeatures.nix";
  minver = root + "/lib/minver.nix";
in {
  path = toString root;
  nix = builtins.nixVersion;
  missing =
    if builtins.pathExists features then map (f: f.description) (import features).missing
    else if builtins.pathExists minver
      && builtins.compareVersions (import minver) builtins.nixVersion == 1
    then [ "Nix >= ${import minver}" ]
    else [ ];
}
"#;

/// `<nixpkgs>` exists but refuses the Nix that would evaluate it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "<nixpkgs> ({path}) needs {needs}, and this is Nix {nix}: upgrade Nix, or build with \
     --toolchain host"
)]
pub struct NixTooOldForNixpkgs {
    pub path: String,
    pub nix: String,
    pub needs: String,
}

/// Whether `<nixpkgs>` can be used for nixpkgs mode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NixpkgsStatus {
    /// Not on NIX_PATH nor in the channels.
    Missing,
    Usable,
    NixTooOld(NixTooOldForNixpkgs),
}

/// Finds `<nixpkgs>` and asks its version gate.
pub fn nixpkgs_status() -> NixpkgsStatus {
    #[derive(serde::Deserialize)]
    struct Gate {
        path: String,
        nix: String,
        missing: Vec<String>,
    }
    let output = Command::new("nix-instantiate")
        .args(["--eval", "--strict", "--json", "--expr", NIXPKGS_GATE])
        .stderr(Stdio::null())
        .output();
    let Some(gate) = output
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| serde_json::from_slice::<Gate>(&output.stdout).ok())
    else {
        return NixpkgsStatus::Missing;
    };
    if gate.missing.is_empty() {
        NixpkgsStatus::Usable
    } else {
        NixpkgsStatus::NixTooOld(NixTooOldForNixpkgs {
            path: gate.path,
            nix: gate.nix,
            needs: gate.missing.join(", "),
        })
    }
}

/// The mode a build uses, and what the user should hear about the choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModeChoice {
    pub mode: ToolchainMode,
    pub notice: Option<String>,
}

/// The requested mode, or nixpkgs when a `<nixpkgs>` this Nix can evaluate is found and
/// host otherwise (saying why when a `<nixpkgs>` was found but refuses this Nix). An
/// explicit nixpkgs mode that this Nix cannot evaluate is an error.
pub fn choose_mode(requested: Option<ToolchainMode>) -> Result<ModeChoice, NixTooOldForNixpkgs> {
    let chosen = |mode, notice| Ok(ModeChoice { mode, notice });
    match requested {
        Some(ToolchainMode::Host) => chosen(ToolchainMode::Host, None),
        Some(ToolchainMode::Nixpkgs) => match nixpkgs_status() {
            NixpkgsStatus::NixTooOld(too_old) => Err(too_old),
            _ => chosen(ToolchainMode::Nixpkgs, None),
        },
        None => match nixpkgs_status() {
            NixpkgsStatus::Usable => chosen(ToolchainMode::Nixpkgs, None),
            NixpkgsStatus::Missing => chosen(ToolchainMode::Host, None),
            NixpkgsStatus::NixTooOld(too_old) => chosen(
                ToolchainMode::Host,
                Some(format!("{too_old}; building in host mode")),
            ),
        },
    }
}

/// [`choose_mode`]'s mode, where only the mode matters (an explicit nixpkgs mode stays
/// nixpkgs: its evaluation says what is wrong).
pub fn resolve_mode(requested: Option<ToolchainMode>) -> ToolchainMode {
    choose_mode(requested).map_or(ToolchainMode::Nixpkgs, |choice| choice.mode)
}
