//! What a diagnosis rule is, and every rule in the order they win.

use super::Cause;
use super::headers::HEADER;
use super::libclang::LIBCLANG;
use super::linker::{LINK_LIBRARY, LINKER};
use super::openssl::OPENSSL;
use super::pkg_config::PKG_CONFIG_MODULE;
use super::tools::{AnyTool, NamedTool};

/// What must be provided to remove a cause, as the knowledge base names things.
#[derive(Debug, Default)]
pub(super) struct Needs {
    pub modules: Vec<String>,
    pub headers: Vec<String>,
    pub libs: Vec<String>,
    pub tools: Vec<String>,
    pub libclang: bool,
}

/// One kind of failure a log can show: how to spot it, what to call it, what removes it.
pub(super) trait Rule: Sync {
    /// What `line` (a message without colour codes or Cargo's framing) names as missing,
    /// for this rule; a rule about one thing (OpenSSL) names that thing. Empty when the
    /// line says nothing this rule knows.
    fn missing_in(&self, line: &str) -> Vec<String>;

    /// The cause, from everything the log named for this rule (never empty, first seen
    /// first).
    fn cause(&self, missing: &[String]) -> Cause;

    /// What removes the cause; `messages` is the whole log, for rules that need more of it.
    fn needs(&self, missing: &[String], messages: &[String]) -> Needs;
}

/// A failure a tool reports in fixed words, whatever else the line says.
pub(super) struct Phrases {
    /// What is missing, as the evidence of the rule.
    pub name: &'static str,
    pub phrases: &'static [&'static str],
    pub cause: Cause,
    pub needs: fn() -> Needs,
}

impl Rule for Phrases {
    fn missing_in(&self, line: &str) -> Vec<String> {
        if self.phrases.iter().any(|phrase| line.contains(phrase)) {
            vec![self.name.to_string()]
        } else {
            Vec::new()
        }
    }

    fn cause(&self, _missing: &[String]) -> Cause {
        self.cause.clone()
    }

    fn needs(&self, _missing: &[String], _messages: &[String]) -> Needs {
        (self.needs)()
    }
}

/// A failure that names what is missing (modules, headers, libraries): the cause names
/// the first one the log shows, and all of them are needed.
pub(super) struct Listed {
    pub find: fn(&str) -> Vec<String>,
    pub cause: fn(String) -> Cause,
    pub needs: fn(Vec<String>) -> Needs,
}

impl Rule for Listed {
    fn missing_in(&self, line: &str) -> Vec<String> {
        (self.find)(line)
    }

    fn cause(&self, missing: &[String]) -> Cause {
        (self.cause)(missing[0].clone())
    }

    fn needs(&self, missing: &[String], _messages: &[String]) -> Needs {
        (self.needs)(missing.to_vec())
    }
}

/// Every rule, the most specific first: the first one the log shows names the cause.
/// A new rule goes into the file of its kind of matcher and into this list.
pub(super) const RULES: &[&dyn Rule] = &[
    &OPENSSL,
    &LIBCLANG,
    &NamedTool {
        tool: "protoc",
        cause: Cause::MissingProtoc,
    },
    &NamedTool {
        tool: "cmake",
        cause: Cause::MissingCmake,
    },
    &PKG_CONFIG_MODULE,
    &HEADER,
    &LINK_LIBRARY,
    &LINKER,
    &AnyTool,
];
