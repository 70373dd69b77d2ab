//! Derivations that are not units: the toolchain, native dependencies (host packages,
//! inline derivations of Cargo.dependencies.nix, nixpkgs packages) and crate sources.

use std::time::Duration;

use super::unit::UnitStatus;
use crate::backend::nix::protocol::{NixEvent, parse_line, strip_ansi};

/// What a derivation outside the crate graph is for, told by its store name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "kebab-case")]
pub enum DerivationKind {
    /// rustc, cargo, the C compiler and the stdenv they stand on.
    Toolchain,
    /// A crate's source: an unpacked `.crate`, a path or git checkout.
    Source,
    /// Anything else a unit depends on: host packages, deps-file derivations, nixpkgs
    /// packages such as `openssl` and `pkg-config`.
    NativeDep,
}

const TOOLCHAIN_NAMES: &[&str] = &[
    "rustc",
    "rust-",
    "cargo",
    "clippy",
    "rustfmt",
    "stdenv",
    "gcc",
    "binutils",
    "glibc",
    "clang",
    "llvm",
    "libnix-host-tools",
    "bootstrap-",
];

impl DerivationKind {
    pub fn of(name: &str) -> DerivationKind {
        if name.ends_with("-src") || name.ends_with(".crate") {
            DerivationKind::Source
        } else if TOOLCHAIN_NAMES
            .iter()
            .any(|prefix| name.starts_with(prefix))
        {
            DerivationKind::Toolchain
        } else {
            DerivationKind::NativeDep
        }
    }

    pub fn label(self) -> &'static str {
        self.into()
    }
}

/// A derivation that is not a unit, as far as Nix has reported it. Its error and log
/// tail, when it failed, are in [`super::BuildState::other_failures`].
#[derive(Debug, Clone, PartialEq)]
pub struct OtherDerivation {
    /// Its derivation path (builds) or output path (substitutions).
    pub path: String,
    /// The store name: `openssl-3.0.13`, `itoa-1.0.11-src`.
    pub name: String,
    pub kind: DerivationKind,
    /// The same states as a unit's; never `Planned`, `Cached` or `Skipped`.
    pub status: UnitStatus,
    /// Bytes copied and expected while substituting, when Nix reports them.
    pub bytes: Option<(u64, u64)>,
}

impl OtherDerivation {
    pub(super) fn new(path: &str, status: UnitStatus) -> Self {
        let name = store_name(path);
        OtherDerivation {
            path: path.to_owned(),
            kind: DerivationKind::of(&name),
            name,
            status,
            bytes: None,
        }
    }

    /// Finished: built, substituted, failed or interrupted.
    pub fn is_finished(&self) -> bool {
        !matches!(
            self.status,
            UnitStatus::Building { .. } | UnitStatus::Substituting { .. }
        )
    }

    pub(super) fn took(&self, at: Duration) -> Duration {
        match self.status {
            UnitStatus::Building { since, .. } => at.saturating_sub(since),
            _ => Duration::ZERO,
        }
    }
}

/// `/nix/store/<hash>-openssl-3.0.13.drv` -> `openssl-3.0.13`.
pub fn store_name(path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or(path);
    let name = base.split_once('-').map_or(base, |(_, name)| name);
    name.strip_suffix(".drv").unwrap_or(name).to_owned()
}

/// A build log line as a reader should see it: no ANSI codes, and for a line of Nix's own
/// protocol (a nested Nix, a fetcher) only its message, or nothing.
pub fn readable_log_line(line: &str) -> Option<String> {
    if !line.starts_with("@nix ") {
        return Some(strip_ansi(line));
    }
    match parse_line(line) {
        NixEvent::Msg(msg) => Some(strip_ansi(&msg.msg)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_come_from_store_names() {
        let kind = |path: &str| DerivationKind::of(&store_name(path));
        assert_eq!(
            kind("/nix/store/0c4r9w0l4sl7x0a8q0ga1vqb7y0lqfp2-rustc-1.95.0.drv"),
            DerivationKind::Toolchain
        );
        assert_eq!(
            kind("/nix/store/0c4r9w0l4sl7x0a8q0ga1vqb7y0lqfp2-itoa-1.0.11-src.drv"),
            DerivationKind::Source
        );
        assert_eq!(
            kind("/nix/store/0c4r9w0l4sl7x0a8q0ga1vqb7y0lqfp2-host-alsa-lib.drv"),
            DerivationKind::NativeDep
        );
        assert_eq!(
            store_name("/nix/store/0c4r9w0l4sl7x0a8q0ga1vqb7y0lqfp2-openssl-3.0.13-dev"),
            "openssl-3.0.13-dev"
        );
    }

    #[test]
    fn protocol_lines_and_colours_never_reach_a_log_tail() {
        assert_eq!(
            readable_log_line("\u{1b}[31merror:\u{1b}[0m boom").as_deref(),
            Some("error: boom")
        );
        assert_eq!(
            readable_log_line(
                r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m download failed"}"#
            )
            .as_deref(),
            Some("error: download failed")
        );
        assert_eq!(
            readable_log_line(r#"@nix {"action":"start","id":1,"level":0,"text":"","type":101}"#),
            None
        );
    }
}
