//! The inline editor for one crate's `Cargo.dependencies.nix` entry.

use crate::backend::overrides::{CrateSelector, Edit};

/// Which entry an edit goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditScope {
    AllVersions,
    ThisVersion,
}

/// The kind of change, before its argument is typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditKind {
    AddDep,
    RemoveDep,
    SetEnv,
    UnsetEnv,
}

impl EditKind {
    pub const ALL: [EditKind; 4] = [
        EditKind::AddDep,
        EditKind::RemoveDep,
        EditKind::SetEnv,
        EditKind::UnsetEnv,
    ];

    pub fn label(self) -> &'static str {
        match self {
            EditKind::AddDep => "add package",
            EditKind::RemoveDep => "remove package",
            EditKind::SetEnv => "set env var",
            EditKind::UnsetEnv => "unset env var",
        }
    }

    /// What the input line holds for this kind of change.
    pub fn input_label(self) -> &'static str {
        match self {
            EditKind::AddDep | EditKind::RemoveDep => "package",
            EditKind::SetEnv => "NAME=value",
            EditKind::UnsetEnv => "NAME",
        }
    }

    pub fn placeholder(self) -> &'static str {
        match self {
            EditKind::AddDep => "nixpkgs attribute, e.g. openssl or pkg-config",
            EditKind::RemoveDep => "package to remove, e.g. openssl",
            EditKind::SetEnv => "e.g. OPENSSL_NO_VENDOR=1",
            EditKind::UnsetEnv => "e.g. OPENSSL_NO_VENDOR",
        }
    }

    fn cycled(self, step: isize) -> EditKind {
        let index = EditKind::ALL
            .iter()
            .position(|&kind| kind == self)
            .unwrap_or(0);
        let len = EditKind::ALL.len() as isize;
        EditKind::ALL[(index as isize + step).rem_euclid(len) as usize]
    }
}

/// State of the open editor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Editor {
    pub crate_name: String,
    /// Version of the selected unit's package, for [`EditScope::ThisVersion`].
    pub version: String,
    pub scope: EditScope,
    pub kind: EditKind,
    pub input: String,
    /// Why the last save was refused: by the editor, or by the shell (`file:line:col: ...`).
    pub error: Option<String>,
}

impl Editor {
    pub fn new(crate_name: String, version: String) -> Editor {
        Editor {
            crate_name,
            version,
            scope: EditScope::AllVersions,
            kind: EditKind::AddDep,
            input: String::new(),
            error: None,
        }
    }

    pub fn toggle_scope(&mut self) {
        self.scope = match self.scope {
            EditScope::AllVersions => EditScope::ThisVersion,
            EditScope::ThisVersion => EditScope::AllVersions,
        };
    }

    /// Steps through the kinds of change; `step` is +1 or -1.
    pub fn cycle_kind(&mut self, step: isize) {
        self.kind = self.kind.cycled(step);
        self.error = None;
    }

    pub fn type_char(&mut self, character: char) {
        self.input.push(character);
        self.error = None;
    }

    pub fn erase(&mut self) {
        self.input.pop();
        self.error = None;
    }

    /// The edit the input describes, or why it is not one.
    pub fn to_edit(&self) -> Result<Edit, String> {
        let input = self.input.trim();
        let target = self.target();
        Ok(match self.kind {
            EditKind::AddDep => Edit::AddDep {
                target,
                package: package_attribute(input)?,
            },
            EditKind::RemoveDep => Edit::RemoveDep {
                target,
                package: package_attribute(input)?,
            },
            EditKind::SetEnv => {
                let (name, value) = input
                    .split_once('=')
                    .ok_or_else(|| "expected NAME=value".to_owned())?;
                Edit::SetEnv {
                    target,
                    var: variable_name(name.trim())?,
                    value: value.trim().to_owned(),
                }
            }
            EditKind::UnsetEnv => Edit::UnsetEnv {
                target,
                var: variable_name(input)?,
            },
        })
    }

    /// The entry the edit goes to: the crate's, for every version or for this one.
    pub fn target(&self) -> CrateSelector {
        CrateSelector {
            name: self.crate_name.clone(),
            version: match self.scope {
                EditScope::AllVersions => None,
                EditScope::ThisVersion => Some(self.version.clone()),
            },
        }
    }
}

/// A nixpkgs attribute path such as `openssl` or `python3Packages.setuptools`.
fn package_attribute(input: &str) -> Result<String, String> {
    if input.is_empty() {
        return Err("type a package name".into());
    }
    if input.split_whitespace().count() > 1 {
        return Err("one package at a time".into());
    }
    let is_attribute = input.split('.').all(|part| {
        part.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
    });
    if is_attribute {
        Ok(input.to_owned())
    } else {
        Err(format!("`{input}` is not a nixpkgs attribute name"))
    }
}

fn variable_name(name: &str) -> Result<String, String> {
    let valid = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if valid {
        Ok(name.to_owned())
    } else if name.is_empty() {
        Err("type a variable name".into())
    } else {
        Err(format!(
            "`{name}` is not a variable name (letters, digits, _)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn editor_with(kind: EditKind, input: &str) -> Editor {
        let mut editor = Editor::new("openssl-sys".into(), "0.9.109".into());
        editor.kind = kind;
        editor.input = input.into();
        editor
    }

    /// The edit the editor would save for `input` under `kind`, or why it refuses.
    fn edit_for(kind: EditKind, input: &str) -> Result<Edit, String> {
        editor_with(kind, input).to_edit()
    }

    fn every_version() -> CrateSelector {
        CrateSelector::all_versions("openssl-sys")
    }

    #[test]
    fn packages_are_single_nix_attributes() {
        assert_eq!(
            edit_for(EditKind::AddDep, " python3Packages.setuptools "),
            Ok(Edit::AddDep {
                target: every_version(),
                package: "python3Packages.setuptools".into()
            })
        );
        assert!(edit_for(EditKind::AddDep, "pkg-config openssl").is_err());
        assert!(edit_for(EditKind::AddDep, "").is_err());
        assert!(edit_for(EditKind::RemoveDep, "\"; rm -rf").is_err());
    }

    #[test]
    fn env_vars_need_a_name_and_may_have_an_empty_value() {
        assert_eq!(
            edit_for(EditKind::SetEnv, "PROC_MACRO_TEST_LOCATION="),
            Ok(Edit::SetEnv {
                target: every_version(),
                var: "PROC_MACRO_TEST_LOCATION".into(),
                value: String::new()
            })
        );
        assert!(edit_for(EditKind::SetEnv, "NO_EQUALS").is_err());
        assert!(edit_for(EditKind::SetEnv, "1BAD=x").is_err());
        assert_eq!(
            edit_for(EditKind::UnsetEnv, "FOO"),
            Ok(Edit::UnsetEnv {
                target: every_version(),
                var: "FOO".into()
            })
        );
    }

    #[test]
    fn scope_decides_the_version() {
        let mut editor = editor_with(EditKind::AddDep, "openssl");
        assert_eq!(editor.target().version, None);
        editor.toggle_scope();
        assert_eq!(editor.target().version, Some("0.9.109".into()));
    }

    #[test]
    fn kinds_cycle_both_ways() {
        let mut editor = editor_with(EditKind::AddDep, "");
        editor.cycle_kind(-1);
        assert_eq!(editor.kind, EditKind::UnsetEnv);
        editor.cycle_kind(1);
        assert_eq!(editor.kind, EditKind::AddDep);
    }
}
