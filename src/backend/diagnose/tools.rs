//! A program a build script or a shell runs is missing: cmake, protoc, or any other.

use super::Cause;
use super::rule::{Needs, Rule};
use super::text::{between_all, is_name, push_unique, words_after};

/// One program a build script runs, with a cause of its own: `protoc` (prost-build and
/// others), `cmake` (the cmake crate).
pub(super) struct NamedTool {
    pub tool: &'static str,
    pub cause: Cause,
}

impl Rule for NamedTool {
    fn missing_in(&self, line: &str) -> Vec<String> {
        missing_tools(line)
            .into_iter()
            .filter(|tool| tool == self.tool)
            .collect()
    }

    fn cause(&self, _missing: &[String]) -> Cause {
        self.cause.clone()
    }

    fn needs(&self, _missing: &[String], _messages: &[String]) -> Needs {
        Needs {
            tools: vec![self.tool.to_string()],
            ..Needs::default()
        }
    }
}

/// Any other program; for pkg-config itself, the modules it was asked for are needed too.
pub(super) struct AnyTool;

impl Rule for AnyTool {
    fn missing_in(&self, line: &str) -> Vec<String> {
        missing_tools(line)
    }

    fn cause(&self, missing: &[String]) -> Cause {
        Cause::MissingTool {
            tool: missing[0].clone(),
        }
    }

    fn needs(&self, missing: &[String], messages: &[String]) -> Needs {
        let tool = &missing[0];
        let mut modules = Vec::new();
        if is_pkg_config(tool) {
            for message in messages {
                for module in words_after(message, "pkg-config --libs --cflags ") {
                    push_unique(&mut modules, module);
                }
            }
        }
        Needs {
            tools: vec![tool.clone()],
            modules,
            ..Needs::default()
        }
    }
}

fn is_pkg_config(tool: &str) -> bool {
    tool == "pkg-config" || tool == "pkgconf"
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
