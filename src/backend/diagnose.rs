//! Failing build log -> the native dependency that was missing -> a suggested
//! `Cargo.dependencies.nix` entry.
//!
//! The matchers look for the messages of the tools themselves (pkg-config, openssl-sys,
//! bindgen, the linker, cmake, prost-build, the shell), not for Cargo's framing around them,
//! so they work on the engine's unit logs (build-script stderr before the echoed `cargo:`
//! directives, `Running rustc ...` lines, Nix's error line last) as well as on
//! `cargo build` output. What to install comes from the reviewed table in
//! `data/native-deps.toml` ([`KnowledgeBase`]).

mod knowledge_base;

use std::collections::BTreeMap;
use std::fmt;

use super::nix::protocol::strip_ansi;

pub use knowledge_base::{CrateEntry, KnowledgeBase, KnowledgeBaseError, Provider, Source};

/// Why a build failed, as far as the log tells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cause {
    /// pkg-config was asked for a module (`.pc` file) it does not have.
    MissingPkgConfigPackage {
        name: String,
    },
    /// openssl-sys could not locate OpenSSL.
    MissingOpenSsl,
    /// bindgen (clang-sys) could not load libclang.
    MissingLibclang,
    /// A C compiler could not find a header, as named in `#include <...>`.
    MissingHeader {
        header: String,
    },
    /// The linker could not find `-l<lib>`.
    MissingLinkLib {
        lib: String,
    },
    MissingCmake,
    MissingProtoc,
    /// An executable a build script runs is not on PATH.
    MissingTool {
        tool: String,
    },
    /// rustc could not run the linker it was configured with (normally `cc`).
    MissingLinker {
        linker: String,
    },
    /// A build script failed for a reason none of the above explains; no suggestion.
    BuildScriptFailed,
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cause::MissingPkgConfigPackage { name } => {
                write!(f, "pkg-config module `{name}` not found")
            }
            Cause::MissingOpenSsl => f.write_str("OpenSSL not found"),
            Cause::MissingLibclang => f.write_str("libclang not found (bindgen)"),
            Cause::MissingHeader { header } => write!(f, "C header `{header}` not found"),
            Cause::MissingLinkLib { lib } => write!(f, "library `-l{lib}` not found by the linker"),
            Cause::MissingCmake => f.write_str("`cmake` not found"),
            Cause::MissingProtoc => f.write_str("`protoc` not found"),
            Cause::MissingTool { tool } => write!(f, "program `{tool}` not found"),
            Cause::MissingLinker { linker } => write!(f, "linker `{linker}` not found"),
            Cause::BuildScriptFailed => f.write_str("build script failed"),
        }
    }
}

/// A proposed `Cargo.dependencies.nix` entry for one crate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub crate_name: String,
    /// nixpkgs attribute paths for `deps."<crate>"`, written inside `with pkgs; [ ... ]`.
    pub packages: Vec<String>,
    /// `envs."<crate>"`; each value is the content of a Nix double-quoted string and may
    /// contain `${...}` antiquotations, so write it between `"` without escaping `$`.
    pub envs: Vec<(String, String)>,
}

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
    let cause = findings.cause()?;
    let crate_name = findings.named_crate().unwrap_or(crate_name).to_string();
    let remedy = KnowledgeBase::builtin()
        .ok()
        .and_then(|kb| remedy_for(kb, &crate_name, &cause, &findings));
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

/// Everything the matchers picked out of one log.
#[derive(Debug, Default)]
struct Findings {
    missing_modules: Vec<String>,
    /// Modules pkg-config was asked for, found or not.
    queried_modules: Vec<String>,
    missing_headers: Vec<String>,
    missing_libs: Vec<String>,
    missing_tools: Vec<String>,
    missing_linker: Option<String>,
    openssl: bool,
    libclang: bool,
    build_script_failed: bool,
    crate_named_by_requirement: Option<String>,
    crate_named_by_build_script: Option<String>,
    crate_named_by_compile: Option<String>,
    evidence: Vec<String>,
}

impl Findings {
    fn scan(log: &[String]) -> Self {
        let mut findings = Findings::default();
        // Quoted only once the log shows a build script failed, which Cargo says before
        // the script's stderr and the engine's builder after it.
        let mut panic_lines: Vec<(usize, String)> = Vec::new();
        let mut matched_lines: Vec<(usize, String)> = Vec::new();
        let mut panic_message_follows = false;
        for (index, raw) in log.iter().enumerate() {
            let line = strip_ansi(raw);
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let relayed = Relayed::parse(line);
            let message = relayed.as_ref().map_or(line, |relayed| relayed.message);
            let mut matched = findings.match_line(message);
            if let Some(Relayed {
                error: true,
                crate_name,
                ..
            }) = relayed
            {
                findings.build_script_failed = true;
                if let Some(name) = crate_name {
                    findings
                        .crate_named_by_build_script
                        .get_or_insert(name.to_string());
                }
                matched = true;
            }
            let panicked = message.contains("panicked at");
            if matched {
                matched_lines.push((index, message.to_string()));
            } else if panicked || panic_message_follows {
                panic_lines.push((index, message.to_string()));
            }
            panic_message_follows = panicked;
        }
        if findings.build_script_failed {
            matched_lines.append(&mut panic_lines);
            matched_lines.sort_by_key(|(index, _)| *index);
        }
        for (_, line) in matched_lines {
            push_unique(&mut findings.evidence, line);
        }
        findings
    }

    /// Records what `line` says; true when it said anything.
    fn match_line(&mut self, line: &str) -> bool {
        let mut matched = false;

        for module in pkg_config_missing_modules(line) {
            push_unique(&mut self.missing_modules, module);
            matched = true;
        }
        for module in words_after(line, "pkg-config --libs --cflags ") {
            push_unique(&mut self.queried_modules, module);
        }
        if let Some(name) = first_name(&between_all(line, "required by crate `", "`"))
            .or_else(|| first_name(&between_all(line, "' required by the '", "' crate")))
        {
            self.crate_named_by_requirement.get_or_insert(name);
            matched = true;
        }
        if let Some(name) = first_name(&between_all(
            line,
            "failed to run custom build command for `",
            "`",
        )) {
            self.crate_named_by_build_script.get_or_insert(name);
            self.build_script_failed = true;
            matched = true;
        }
        if let Some(name) = first_name(&between_all(line, "could not compile `", "`")) {
            self.crate_named_by_compile.get_or_insert(name);
            matched = true;
        }
        if line.contains("Could not find directory of OpenSSL installation")
            || line.contains("Failed to find OpenSSL development headers")
        {
            self.openssl = true;
            matched = true;
        }
        if line.contains("Unable to find libclang")
            || line.contains("couldn't find any valid shared libraries matching: ['libclang")
        {
            self.libclang = true;
            matched = true;
        }
        for header in missing_headers(line) {
            push_unique(&mut self.missing_headers, header);
            matched = true;
        }
        for lib in missing_link_libs(line) {
            push_unique(&mut self.missing_libs, lib);
            matched = true;
        }
        if let Some(linker) = first_name(&between_all(line, "linker `", "` not found")) {
            self.missing_linker.get_or_insert(linker);
            matched = true;
        }
        for tool in missing_tools(line) {
            push_unique(&mut self.missing_tools, tool);
            matched = true;
        }
        matched
    }

    /// The most specific cause the log supports.
    fn cause(&self) -> Option<Cause> {
        let has_tool = |name: &str| self.missing_tools.iter().any(|tool| tool == name);
        if self.openssl {
            Some(Cause::MissingOpenSsl)
        } else if self.libclang {
            Some(Cause::MissingLibclang)
        } else if has_tool("protoc") {
            Some(Cause::MissingProtoc)
        } else if has_tool("cmake") {
            Some(Cause::MissingCmake)
        } else if let Some(name) = self.missing_modules.first() {
            Some(Cause::MissingPkgConfigPackage { name: name.clone() })
        } else if let Some(header) = self.missing_headers.first() {
            Some(Cause::MissingHeader {
                header: header.clone(),
            })
        } else if let Some(lib) = self.missing_libs.first() {
            Some(Cause::MissingLinkLib { lib: lib.clone() })
        } else if let Some(linker) = &self.missing_linker {
            Some(Cause::MissingLinker {
                linker: linker.clone(),
            })
        } else if let Some(tool) = self.missing_tools.first() {
            Some(Cause::MissingTool { tool: tool.clone() })
        } else if self.build_script_failed {
            Some(Cause::BuildScriptFailed)
        } else {
            None
        }
    }

    fn named_crate(&self) -> Option<&str> {
        self.crate_named_by_requirement
            .as_deref()
            .or(self.crate_named_by_build_script.as_deref())
            .or(self.crate_named_by_compile.as_deref())
    }
}

/// Packages, envs and Debian packages that answer a cause.
#[derive(Debug, Default)]
struct Remedy {
    packages: Vec<String>,
    envs: Vec<(String, String)>,
    debian: Vec<String>,
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
fn remedy_for(
    kb: &KnowledgeBase,
    crate_name: &str,
    cause: &Cause,
    findings: &Findings,
) -> Option<Remedy> {
    let mut needed_modules: Vec<String> = Vec::new();
    let mut needed_headers: Vec<String> = Vec::new();
    let mut needed_libs: Vec<String> = Vec::new();
    let mut needed_tools: Vec<String> = Vec::new();
    let mut needs_libclang = false;
    match cause {
        Cause::MissingPkgConfigPackage { .. } => needed_modules = findings.missing_modules.clone(),
        Cause::MissingOpenSsl => needed_modules.push("openssl".to_string()),
        Cause::MissingLibclang => needs_libclang = true,
        Cause::MissingHeader { .. } => needed_headers = findings.missing_headers.clone(),
        Cause::MissingLinkLib { .. } => needed_libs = findings.missing_libs.clone(),
        Cause::MissingCmake => needed_tools.push("cmake".to_string()),
        Cause::MissingProtoc => needed_tools.push("protoc".to_string()),
        Cause::MissingTool { tool } => {
            needed_tools.push(tool.clone());
            if is_pkg_config(tool) {
                needed_modules = findings.queried_modules.clone();
            }
        }
        Cause::MissingLinker { linker } => needed_tools.push(linker.clone()),
        Cause::BuildScriptFailed => return None,
    }

    let mut remedy = Remedy::default();
    if let Some(entry) = kb.crate_entry(crate_name) {
        let covers = needed_modules.iter().any(|m| entry.pkg_config.contains(m))
            || needed_libs.iter().any(|l| entry.link.contains(l))
            || needed_tools.iter().any(|t| entry.tools.contains(t))
            || (needs_libclang && entry.libclang);
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
    if needs_libclang {
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

/// A message a build script passed through Cargo: the `cargo:warning=`, `cargo::warning=`
/// or `cargo::error=` directive itself, or the `warning: NAME@VERSION: ...` /
/// `error: NAME@VERSION: ...` line Cargo and the engine's builder echo it as. Both forms
/// reach the log, so the message is matched and quoted once, without the framing.
struct Relayed<'a> {
    message: &'a str,
    /// `cargo::error=`: the build fails even when the script exits 0.
    error: bool,
    /// The crate named by an echo.
    crate_name: Option<&'a str>,
}

impl<'a> Relayed<'a> {
    fn parse(line: &'a str) -> Option<Self> {
        for (directive, error) in [
            ("cargo::error=", true),
            ("cargo::warning=", false),
            ("cargo:warning=", false),
        ] {
            if let Some(message) = line.strip_prefix(directive) {
                return Some(Relayed {
                    message,
                    error,
                    crate_name: None,
                });
            }
        }
        let (level, rest) = line.split_once(": ")?;
        let error = match level {
            "error" => true,
            "warning" => false,
            _ => return None,
        };
        let (speaker, message) = rest.split_once(": ")?;
        let (crate_name, version) = speaker.split_once('@')?;
        let is_version = version.starts_with(|c: char| c.is_ascii_digit());
        (is_name(crate_name) && is_name(version) && is_version).then_some(Relayed {
            message,
            error,
            crate_name: Some(crate_name),
        })
    }
}

fn is_pkg_config(tool: &str) -> bool {
    tool == "pkg-config" || tool == "pkgconf"
}

/// Modules named missing by pkg-config (freedesktop and pkgconf wording) or by the
/// pkg-config / system-deps crates.
fn pkg_config_missing_modules(line: &str) -> Vec<String> {
    let mut modules: Vec<&str> = Vec::new();
    modules.extend(between_all(
        line,
        "The system library `",
        "` required by crate",
    ));
    modules.extend(between_all(
        line,
        "could not find system library '",
        "' required by",
    ));
    modules.extend(between_all(line, "No package '", "' found"));
    modules.extend(between_all(line, "Package '", "', required by"));
    let marker = " was not found in the pkg-config search path";
    let mut rest = line;
    while let Some(index) = rest.find(marker) {
        if let Some(module) = last_word_after(&rest[..index], "Package ") {
            modules.push(module);
        }
        rest = &rest[index + marker.len()..];
    }
    let mut unique = Vec::new();
    for module in modules.into_iter().filter(|m| is_name(m)) {
        push_unique(&mut unique, module.to_string());
    }
    unique
}

/// Headers gcc (`fatal error: zlib.h: No such file or directory`) or clang
/// (`fatal error: 'zlib.h' file not found`) could not include.
fn missing_headers(line: &str) -> Vec<String> {
    let gcc = between_all(line, "fatal error: ", ": No such file or directory");
    let clang = between_all(line, "fatal error: '", "' file not found");
    let mut headers = Vec::new();
    for header in gcc.into_iter().chain(clang) {
        let is_header_path = !header.is_empty()
            && header
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+' | '/'));
        if is_header_path {
            push_unique(&mut headers, header.to_string());
        }
    }
    headers
}

/// `-l` libraries the GNU linker, lld or Apple's ld could not find; a verbatim
/// `-l:libNAME.so.0` counts as `NAME`.
fn missing_link_libs(line: &str) -> Vec<String> {
    let mut libs = Vec::new();
    for marker in [
        "cannot find -l",
        "unable to find library -l",
        "library not found for -l",
    ] {
        let mut rest = line;
        while let Some(index) = rest.find(marker) {
            rest = &rest[index + marker.len()..];
            let (verbatim, name_start) = match rest.strip_prefix(':') {
                Some(file_name) => (true, file_name),
                None => (false, rest),
            };
            let name: String = name_start
                .chars()
                .take_while(|c| is_name_char(*c))
                .collect();
            let lib = if verbatim {
                library_of_file_name(&name)
            } else {
                name.as_str()
            };
            if !lib.is_empty() {
                push_unique(&mut libs, lib.to_string());
            }
        }
    }
    libs
}

/// `libpulse.so.0` -> `pulse`, `libz.a` -> `z`.
fn library_of_file_name(file_name: &str) -> &str {
    let stem = file_name.strip_prefix("lib").unwrap_or(file_name);
    let end = [".so", ".a", ".dylib"]
        .iter()
        .filter_map(|extension| stem.find(extension))
        .min()
        .unwrap_or(stem.len());
    &stem[..end]
}

/// Executables a shell, a build script or a build helper crate could not run.
fn missing_tools(line: &str) -> Vec<String> {
    let mut tools: Vec<&str> = Vec::new();
    tools.extend(between_all(line, "Command '", "' not found"));
    tools.extend(between_all(line, "failed to find tool \"", "\""));
    tools.extend(between_all(line, "is `", "` not installed?"));
    if line.contains("Could not find `protoc`") {
        tools.push("protoc");
    }
    if line.contains("The pkg-config command could not be found") {
        tools.push("pkg-config");
    }
    if line.contains("No such file or directory") {
        tools.extend(
            between_all(line, "execute `", "`")
                .into_iter()
                .filter_map(|command| command.split_whitespace().next()),
        );
    }
    for (marker, needs_shell_prefix) in [(": not found", true), (": command not found", false)] {
        let mut rest = line;
        while let Some(index) = rest.find(marker) {
            let before = &rest[..index];
            let shell_said_it = before.contains("sh: ");
            if shell_said_it || !needs_shell_prefix {
                let word = before.rsplit(": ").next().unwrap_or(before);
                if let Some(tool) = word.split_whitespace().last() {
                    tools.push(tool);
                }
            }
            rest = &rest[index + marker.len()..];
        }
    }
    let mut unique = Vec::new();
    for tool in tools {
        let tool = tool.trim_matches(|c| matches!(c, '\'' | '"' | '`'));
        let tool = tool.rsplit('/').next().unwrap_or(tool);
        if is_name(tool) {
            push_unique(&mut unique, tool.to_string());
        }
    }
    unique
}

/// When `text` ends with `prefix` followed by one word, that word.
fn last_word_after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let word_start = text.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let (head, word) = text.split_at(word_start);
    (head.ends_with(prefix) && !word.is_empty()).then_some(word)
}

/// The name right after each `marker` in `text`, past an opening quote and up to the first
/// character a name cannot hold: a closing quote, or the `\n` escape of a message quoted
/// inside a panic's `Err("...")`.
fn words_after(text: &str, marker: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    while let Some(index) = rest.find(marker) {
        rest = &rest[index + marker.len()..];
        let word: String = rest
            .trim_start_matches(['\'', '"', '`'])
            .chars()
            .take_while(|c| is_name_char(*c))
            .collect();
        if is_name(&word) {
            push_unique(&mut words, word);
        }
    }
    words
}

/// Every piece of `text` between an `open` marker and the next `close` after it.
fn between_all<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        rest = &rest[start + open.len()..];
        match rest.find(close) {
            Some(end) => {
                found.push(&rest[..end]);
                rest = &rest[end + close.len()..];
            }
            None => break,
        }
    }
    found
}

/// The first word of the first candidate that is a plausible name (`crate v1.2` -> `crate`).
fn first_name(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .filter_map(|candidate| candidate.split_whitespace().next())
        .find(|name| is_name(name))
        .map(str::to_string)
}

/// Crate, module, library and program names: no spaces, quotes or escapes.
fn is_name(text: &str) -> bool {
    !text.is_empty() && text.len() <= 128 && text.chars().all(is_name_char)
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+')
}

fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Adds `name = value` unless `name` is already set: the first proposal wins.
fn push_env(envs: &mut Vec<(String, String)>, name: String, value: String) {
    if !envs.iter().any(|(known, _)| *known == name) {
        envs.push((name, value));
    }
}

fn push_all(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        push_unique(list, item);
    }
}

#[cfg(test)]
mod tests;

impl Suggestion {
    /// The `deps` (and `envs`) lines to put in Cargo.dependencies.nix, inside `with pkgs;`.
    pub fn as_nix(&self) -> String {
        let mut text = format!(
            "deps.\"{}\" = [ {} ];",
            self.crate_name,
            self.packages.join(" ")
        );
        for (var, value) in &self.envs {
            text.push_str(&format!(
                "\nenvs.\"{}\".{var} = \"{value}\";",
                self.crate_name
            ));
        }
        text
    }
}
