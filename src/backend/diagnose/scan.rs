//! One pass over a failed build's log: what each rule found, which crate the log names,
//! whether a build script failed, and the lines that show it.

use super::rule::{RULES, Rule};
use super::text::{between_all, first_name, is_name, push_all, push_unique};
use crate::backend::nix::protocol::strip_ansi;

/// Everything the matchers picked out of one log.
#[derive(Debug)]
pub(super) struct Findings {
    /// What each rule of [`RULES`] found, at the rule's index.
    missing: Vec<Vec<String>>,
    /// Every message of the log, without colour codes or Cargo's framing.
    pub messages: Vec<String>,
    pub build_script_failed: bool,
    crate_named_by_requirement: Option<String>,
    crate_named_by_build_script: Option<String>,
    crate_named_by_compile: Option<String>,
    pub evidence: Vec<String>,
}

impl Findings {
    pub fn scan(log: &[String]) -> Self {
        let mut findings = Findings {
            missing: vec![Vec::new(); RULES.len()],
            messages: Vec::new(),
            build_script_failed: false,
            crate_named_by_requirement: None,
            crate_named_by_build_script: None,
            crate_named_by_compile: None,
            evidence: Vec::new(),
        };
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
            findings.messages.push(message.to_string());
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
        for (rule, missing) in RULES.iter().zip(&mut self.missing) {
            let found = rule.missing_in(line);
            matched |= !found.is_empty();
            push_all(missing, found);
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
        matched
    }

    /// The most specific rule the log shows, with what it found.
    pub fn first_rule(&self) -> Option<(&'static dyn Rule, &[String])> {
        RULES
            .iter()
            .zip(&self.missing)
            .find(|(_, missing)| !missing.is_empty())
            .map(|(rule, missing)| (*rule, missing.as_slice()))
    }

    pub fn named_crate(&self) -> Option<&str> {
        self.crate_named_by_requirement
            .as_deref()
            .or(self.crate_named_by_build_script.as_deref())
            .or(self.crate_named_by_compile.as_deref())
    }
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
