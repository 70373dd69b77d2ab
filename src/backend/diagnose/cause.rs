//! The causes a diagnosis can name, each with the sentence that names it.

/// Why a build failed, as far as the log tells.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Cause {
    /// pkg-config was asked for a module (`.pc` file) it does not have.
    #[error("pkg-config module `{name}` not found")]
    MissingPkgConfigPackage { name: String },
    /// openssl-sys could not locate OpenSSL.
    #[error("OpenSSL not found")]
    MissingOpenSsl,
    /// bindgen (clang-sys) could not load libclang.
    #[error("libclang not found (bindgen)")]
    MissingLibclang,
    /// A C compiler could not find a header, as named in `#include <...>`.
    #[error("C header `{header}` not found")]
    MissingHeader { header: String },
    /// The linker could not find `-l<lib>`.
    #[error("library `-l{lib}` not found by the linker")]
    MissingLinkLib { lib: String },
    #[error("`cmake` not found")]
    MissingCmake,
    #[error("`protoc` not found")]
    MissingProtoc,
    /// An executable a build script runs is not on PATH.
    #[error("program `{tool}` not found")]
    MissingTool { tool: String },
    /// rustc could not run the linker it was configured with (normally `cc`).
    #[error("linker `{linker}` not found")]
    MissingLinker { linker: String },
    /// A build script failed for a reason none of the above explains; no suggestion.
    #[error("build script failed")]
    BuildScriptFailed,
}
