//! Diagnosis: a failed build's log -> the native dependency that was missing -> a suggested
//! `Cargo.dependencies.nix` entry. May import `backend::nix` and `backend::overrides`; no UI.
//!
//! The matchers look for the messages of the tools themselves (pkg-config, openssl-sys,
//! bindgen, the linker, cmake, prost-build, the shell), not for Cargo's framing around them,
//! so they work on the engine's unit logs (build-script stderr before the echoed `cargo:`
//! directives, `Running rustc ...` lines, Nix's error line last) as well as on
//! `cargo build` output. What to install comes from the reviewed table in
//! `data/native-deps.toml` ([`KnowledgeBase`]).
//!
//! `scan` reads a log once. A rule spots one kind of failure, names its [`Cause`] and says
//! what removes it; rules live one file per kind of matcher (`pkg_config`, `openssl`,
//! `libclang`, `headers`, `linker`, `tools`), most as one value of a generic kind
//! (`rule::Phrases` for fixed words, `rule::Listed` for messages naming what is missing).
//! A new rule is that value, or a `Rule` impl, plus its place in `rule::RULES`, which
//! ranks them (and a `Cause` variant, with its sentence, when no cause fits). `remedy`
//! turns what a cause needs into packages from the knowledge base; `report` is the one way
//! a diagnosis is written out.

mod cause;
mod headers;
mod knowledge_base;
mod libclang;
mod linker;
mod openssl;
mod pkg_config;
mod remedy;
mod report;
mod rule;
mod scan;
mod suggestion;
mod text;
mod tools;

pub use cause::Cause;
pub use knowledge_base::{CrateEntry, KnowledgeBase, KnowledgeBaseError, Provider, Source};
pub use suggestion::Suggestion;

use remedy::remedy_for;
use scan::Findings;
use text::{push_all, push_env};

/// What [`diagnose`] concluded about one failed build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnosis {
    /// The crate the fix belongs to: the one the log names, else the one whose build failed.
    pub crate_name: String,
    pub cause: Cause,
    /// The log lines the conclusion rests on, trimmed and without colour codes.
    pub evidence: Vec<String>,
    pub suggestion: Option<Suggestion>,
    /// Debian packages that provide the same on a host-mode machine (empty without a
    /// suggestion).
    pub debian_packages: Vec<String>,
}

/// Reads the log of a failed build of `crate_name` and names the missing native
/// dependency. `None` when the log shows no build-script or native-dependency failure
/// (an error in the crate's own code, or only warnings).
pub fn diagnose(crate_name: &str, log: &[String]) -> Option<Diagnosis> {
    let findings = Findings::scan(log);
    let (cause, needs) = match findings.first_rule() {
        Some((rule, missing)) => (
            rule.cause(missing),
            Some(rule.needs(missing, &findings.messages)),
        ),
        None if findings.build_script_failed => (Cause::BuildScriptFailed, None),
        None => return None,
    };
    let crate_name = findings.named_crate().unwrap_or(crate_name).to_string();
    let remedy = needs.and_then(|needs| {
        KnowledgeBase::builtin()
            .ok()
            .and_then(|kb| remedy_for(kb, &crate_name, &needs))
    });
    let (suggestion, debian_packages) = match remedy {
        Some(remedy) => (
            Some(Suggestion {
                crate_name: crate_name.clone(),
                packages: remedy.packages,
                envs: remedy.envs,
            }),
            remedy.debian,
        ),
        None => (None, Vec::new()),
    };
    Some(Diagnosis {
        crate_name,
        cause,
        evidence: findings.evidence,
        suggestion,
        debian_packages,
    })
}

/// Suggestions for several failed builds (`(crate, log)` pairs), one per crate: packages and
/// envs proposed for the same crate by different failures are merged, first seen first.
pub fn suggestions_for(failures: &[(String, Vec<String>)]) -> Vec<Suggestion> {
    let mut merged: Vec<Suggestion> = Vec::new();
    for suggestion in failures
        .iter()
        .filter_map(|(crate_name, log)| diagnose(crate_name, log)?.suggestion)
    {
        match merged
            .iter_mut()
            .find(|known| known.crate_name == suggestion.crate_name)
        {
            Some(known) => {
                push_all(&mut known.packages, suggestion.packages);
                for (name, value) in suggestion.envs {
                    push_env(&mut known.envs, name, value);
                }
            }
            None => merged.push(suggestion),
        }
    }
    merged
}

#[cfg(test)]
mod tests;
