//! From what a cause needs to what to install: the crate's own entry in the knowledge
//! base, the providers of the missing pieces, pkg-config itself.

use std::collections::BTreeMap;

use super::rule::Needs;
use super::text::{push_all, push_env};
use super::{KnowledgeBase, Provider};

/// Packages, envs and Debian packages that answer a cause.
#[derive(Debug, Default)]
pub(super) struct Remedy {
    pub packages: Vec<String>,
    pub envs: Vec<(String, String)>,
    pub debian: Vec<String>,
}

impl Remedy {
    fn add(&mut self, packages: &[String], envs: &BTreeMap<String, String>, debian: &[String]) {
        push_all(&mut self.packages, packages.iter().cloned());
        push_all(&mut self.debian, debian.iter().cloned());
        for (name, value) in envs {
            push_env(&mut self.envs, name.clone(), value.clone());
        }
    }

    fn add_provider(&mut self, provider: &Provider) {
        self.add(&provider.packages, &provider.envs, &provider.debian);
    }

    /// pkg-config itself, first in both lists.
    fn add_pkg_config(&mut self) {
        for names in [&mut self.packages, &mut self.debian] {
            names.retain(|name| name != "pkg-config");
            names.insert(0, "pkg-config".to_string());
        }
    }
}

/// What the failing crate needs, from the crate's own entry when it covers the cause and
/// from the providers of the missing pieces; `None` when nothing known answers the cause.
pub(super) fn remedy_for(kb: &KnowledgeBase, crate_name: &str, needs: &Needs) -> Option<Remedy> {
    let Needs {
        modules: needed_modules,
        headers: needed_headers,
        libs: needed_libs,
        tools: needed_tools,
        libclang: needs_libclang,
    } = needs;
    let mut remedy = Remedy::default();
    if let Some(entry) = kb.crate_entry(crate_name) {
        let covers = needed_modules.iter().any(|m| entry.pkg_config.contains(m))
            || needed_libs.iter().any(|l| entry.link.contains(l))
            || needed_tools.iter().any(|t| entry.tools.contains(t))
            || (*needs_libclang && entry.libclang);
        if covers {
            remedy.add(&entry.packages, &entry.envs, &entry.debian);
        }
    }
    let via_pkg_config = !needed_modules.is_empty();
    let providers = needed_modules
        .iter()
        .filter_map(|module| kb.pkg_config_module(module))
        .chain(needed_headers.iter().filter_map(|header| kb.header(header)))
        .chain(needed_libs.iter().filter_map(|lib| kb.link_library(lib)))
        .chain(needed_tools.iter().filter_map(|tool| kb.tool(tool)));
    for provider in providers {
        remedy.add_provider(provider);
    }
    if *needs_libclang {
        remedy.add_provider(kb.libclang());
    }
    if remedy.packages.is_empty() {
        return None;
    }
    if via_pkg_config {
        remedy.add_pkg_config();
    }
    Some(remedy)
}
