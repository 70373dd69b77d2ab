//! The reviewed table of native dependencies in `data/native-deps.toml`, compiled into the
//! binary and parsed once.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const BUILTIN_TOML: &str = include_str!("../../../data/native-deps.toml");

/// The knowledge base could not be read.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeBaseError {
    #[error("the native-dependency table does not parse: {0}")]
    Parse(#[from] toml::de::Error),
}

/// Where an entry's facts come from (see the header of `data/native-deps.toml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    NixpkgsOverrides,
    BuildRs,
    CapturedLog,
    LibnixSeedReadme,
    Recalled,
    NixpkgsPackageNames,
}

/// What one crate needs to build.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrateEntry {
    pub name: String,
    /// nixpkgs attribute paths, as written inside `with pkgs; [ ... ]`.
    pub packages: Vec<String>,
    /// Values are the contents of a Nix double-quoted string (may hold `${...}`).
    #[serde(default)]
    pub envs: BTreeMap<String, String>,
    /// Debian packages giving the same on a host-mode machine.
    pub debian: Vec<String>,
    /// pkg-config modules the build script asks for.
    #[serde(default)]
    pub pkg_config: Vec<String>,
    /// Libraries linked by name without pkg-config.
    #[serde(default)]
    pub link: Vec<String>,
    /// Executables the build script runs.
    #[serde(default)]
    pub tools: Vec<String>,
    /// The build script runs bindgen, so libclang must be loadable.
    #[serde(default)]
    pub libclang: bool,
    pub sources: Vec<Source>,
    #[serde(default)]
    pub note: Option<String>,
}

/// What satisfies a set of pkg-config modules, link libraries, C headers or executables
/// (`names`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Provider {
    #[serde(default, alias = "modules", alias = "libs")]
    pub names: Vec<String>,
    pub packages: Vec<String>,
    pub debian: Vec<String>,
    #[serde(default)]
    pub envs: BTreeMap<String, String>,
}

/// The parsed `data/native-deps.toml`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnowledgeBase {
    #[serde(rename = "crate")]
    crates: Vec<CrateEntry>,
    libclang: Provider,
    #[serde(rename = "pkg_config_module")]
    pkg_config_modules: Vec<Provider>,
    #[serde(rename = "link_library")]
    link_libraries: Vec<Provider>,
    #[serde(rename = "header")]
    headers: Vec<Provider>,
    #[serde(rename = "tool")]
    tools: Vec<Provider>,
}

impl KnowledgeBase {
    /// Parses a knowledge base in the format of `data/native-deps.toml`.
    pub fn parse(text: &str) -> Result<Self, KnowledgeBaseError> {
        Ok(toml::from_str(text)?)
    }

    /// The table shipped in the binary, parsed on first use; call it at startup to surface
    /// a broken table early.
    pub fn builtin() -> Result<&'static KnowledgeBase, &'static KnowledgeBaseError> {
        static BUILTIN: OnceLock<Result<KnowledgeBase, KnowledgeBaseError>> = OnceLock::new();
        BUILTIN.get_or_init(|| Self::parse(BUILTIN_TOML)).as_ref()
    }

    pub fn crates(&self) -> &[CrateEntry] {
        &self.crates
    }

    pub fn crate_entry(&self, name: &str) -> Option<&CrateEntry> {
        self.crates.iter().find(|entry| entry.name == name)
    }

    pub fn libclang(&self) -> &Provider {
        &self.libclang
    }

    pub fn pkg_config_module(&self, module: &str) -> Option<&Provider> {
        find_provider(&self.pkg_config_modules, module)
    }

    pub fn link_library(&self, lib: &str) -> Option<&Provider> {
        find_provider(&self.link_libraries, lib)
    }

    /// The provider of a C header, named as in `#include <...>`.
    pub fn header(&self, header: &str) -> Option<&Provider> {
        find_provider(&self.headers, header)
    }

    pub fn tool(&self, executable: &str) -> Option<&Provider> {
        find_provider(&self.tools, executable)
    }

    /// Every provider table with its name (`pkg_config_module`, `link_library`, `header`,
    /// `tool`), for checks that walk the whole table.
    pub fn provider_tables(&self) -> [(&'static str, &[Provider]); 4] {
        [
            ("pkg_config_module", &self.pkg_config_modules),
            ("link_library", &self.link_libraries),
            ("header", &self.headers),
            ("tool", &self.tools),
        ]
    }
}

fn find_provider<'a>(providers: &'a [Provider], name: &str) -> Option<&'a Provider> {
    providers
        .iter()
        .find(|provider| provider.names.iter().any(|known| known == name))
}
