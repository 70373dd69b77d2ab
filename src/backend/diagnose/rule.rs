//! What a diagnosis rule is, and every rule in the order they win.

use super::Cause;
use super::headers::Header;
use super::libclang::Libclang;
use super::linker::{LinkLibrary, Linker};
use super::openssl::OpenSsl;
use super::pkg_config::PkgConfigModule;
use super::tools::{AnyTool, Cmake, Protoc};

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

/// Every rule, the most specific first: the first one the log shows names the cause.
/// A new rule goes into the file of its kind of matcher and into this list.
pub(super) const RULES: &[&dyn Rule] = &[
    &OpenSsl,
    &Libclang,
    &Protoc,
    &Cmake,
    &PkgConfigModule,
    &Header,
    &LinkLibrary,
    &Linker,
    &AnyTool,
];
