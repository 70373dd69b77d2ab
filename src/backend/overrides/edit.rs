//! Edits: each one is a single splice into the original text.

use std::fmt;
use std::ops::Range;

use rnix::{Root, SyntaxKind, ast};

use super::document::{
    AttrPath, Container, DEPS, DepsDocument, ENVS, EVERY_VERSION, EnvValue, display_path,
    var_name_problem,
};
use super::nix_string::{is_plain_identifier, quote};
use super::{CrateSelector, OverridesError};

/// One change to the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// Appends a Nix expression (`openssl`, `pkgs.zlib`, `(pkgs.runCommand ...)`) to a deps list.
    AddDep {
        target: CrateSelector,
        package: String,
    },
    /// Removes the list element that is the same expression (comments and spacing aside).
    RemoveDep {
        target: CrateSelector,
        package: String,
    },
    SetEnv {
        target: CrateSelector,
        var: String,
        value: String,
    },
    /// Sets a variable to a Nix expression written as is, e.g. an interpolating string
    /// `"${pkgs.llvmPackages.libclang.lib}/lib"` that a literal value cannot express.
    SetEnvExpression {
        target: CrateSelector,
        var: String,
        expression: String,
    },
    UnsetEnv {
        target: CrateSelector,
        var: String,
    },
}

impl fmt::Display for Edit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Edit::AddDep { target, package } => {
                write!(f, "add `{package}` to the deps of {target}")
            }
            Edit::RemoveDep { target, package } => {
                write!(f, "remove `{package}` from the deps of {target}")
            }
            Edit::SetEnv { target, var, .. } | Edit::SetEnvExpression { target, var, .. } => {
                write!(f, "set {var} for {target}")
            }
            Edit::UnsetEnv { target, var } => write!(f, "unset {var} for {target}"),
        }
    }
}

/// Replace `range` of the source with `text`.
struct Splice {
    range: Range<usize>,
    text: String,
}

impl Splice {
    fn insert(at: usize, text: String) -> Self {
        Self {
            range: at..at,
            text,
        }
    }

    fn delete(range: Range<usize>) -> Self {
        Self {
            range,
            text: String::new(),
        }
    }
}

impl DepsDocument {
    /// The text after `edit`. It equals [`DepsDocument::source`] when there is nothing to do
    /// (the package is already listed, the variable already has that value).
    pub fn apply(&self, edit: &Edit) -> Result<String, OverridesError> {
        let splice = match edit {
            Edit::AddDep { target, package } => self.add_dep(target, package)?,
            Edit::RemoveDep { target, package } => Some(self.remove_dep(target, package)?),
            Edit::SetEnv { target, var, value } => {
                self.set_env(target, var, &EnvValue::Literal(value.clone()))?
            }
            Edit::SetEnvExpression {
                target,
                var,
                expression,
            } => self.set_env(target, var, &EnvValue::Expression(expression.clone()))?,
            Edit::UnsetEnv { target, var } => Some(self.unset_env(target, var)?),
        };
        let Some(splice) = splice else {
            return Ok(self.source.clone());
        };
        let mut text = self.source.clone();
        text.replace_range(splice.range, &splice.text);
        match DepsDocument::parse(self.path.clone(), text.as_str()) {
            Ok(_) => Ok(text),
            Err(error) => Err(OverridesError::InvalidArgument {
                argument: format!("edit ({edit})"),
                reason: format!("the result would not be a readable file: {error}"),
            }),
        }
    }

    fn add_dep(
        &self,
        target: &CrateSelector,
        package: &str,
    ) -> Result<Option<Splice>, OverridesError> {
        let element = list_element(package)?;
        let path = self.deps_path(target);
        self.refuse_unsafe_path(&path)?;
        if let Some(list) = self.lists.iter().find(|list| list.path == path) {
            let present = list
                .container
                .elements
                .iter()
                .any(|item| same_expression(&self.source[item.clone()], &element));
            return Ok((!present).then(|| self.insertion(&list.container, |_| element.clone())));
        }
        if let Some(every_version) = self.every_version_list_to_convert(target) {
            // `"c" = [ a ];` becomes `"c" = { "*" = [ a ]; "1.0" = [ p ]; };`, the list kept as written.
            let list =
                every_version.container.open_end - 1..every_version.container.close_start + 1;
            return Ok(Some(Splice {
                text: format!(
                    "{{ {} = {}; {} = [ {element} ]; }}",
                    quote(EVERY_VERSION),
                    &self.source[list.clone()],
                    quote(&path[2])
                ),
                range: list,
            }));
        }
        self.creation(&path, &format!("[ {element} ]")).map(Some)
    }

    /// What `edit` converts from one form of a crate's deps to the other, if it does.
    pub fn conversion(&self, edit: &Edit) -> Option<String> {
        let Edit::AddDep { target, .. } = edit else {
            return None;
        };
        let crate_key = display_path(&[DEPS.to_owned(), target.name.clone()]);
        match &target.version {
            Some(_) => self.every_version_list_to_convert(target).map(|_| {
                format!(
                    "{crate_key} was one list for every version; it is now a set of versions, \
                     with that list under \"*\" (every version)"
                )
            }),
            None => (self.lists_versions(&target.name)
                && !self
                    .lists
                    .iter()
                    .any(|list| list.path == self.deps_path(target)))
            .then(|| {
                format!(
                    "{crate_key} lists versions; the deps for every version go under its \"*\" key"
                )
            }),
        }
    }

    /// The every-version list of the crate a per-version edit must turn into a set.
    fn every_version_list_to_convert(
        &self,
        target: &CrateSelector,
    ) -> Option<&super::document::ListNode> {
        target.version.as_ref()?;
        let crate_path = [DEPS.to_owned(), target.name.clone()];
        self.lists.iter().find(|list| list.path == crate_path)
    }

    /// Whether the crate's deps are a set of versions (possibly written with dotted keys).
    fn lists_versions(&self, name: &str) -> bool {
        let crate_path = [DEPS.to_owned(), name.to_owned()];
        self.sets.iter().any(|set| set.path == crate_path)
            || self
                .lists
                .iter()
                .any(|list| list.path.len() == 3 && list.path.starts_with(&crate_path))
    }

    /// Where the deps of `target` go: every version of a crate that lists versions is
    /// its `"*"` key.
    fn deps_path(&self, target: &CrateSelector) -> AttrPath {
        let version = match &target.version {
            Some(version) => Some(version.clone()),
            None if self.lists_versions(&target.name) => Some(EVERY_VERSION.to_owned()),
            None => None,
        };
        [DEPS.to_owned(), target.name.clone()]
            .into_iter()
            .chain(version)
            .collect()
    }

    fn remove_dep(&self, target: &CrateSelector, package: &str) -> Result<Splice, OverridesError> {
        let path = self.deps_path(target);
        self.refuse_unsafe_path(&path)?;
        let Some(list) = self.lists.iter().find(|list| list.path == path) else {
            let present = self
                .lists
                .iter()
                .filter(|list| list.path.get(1) == Some(&target.name))
                .map(|list| selector_of(&list.path, 3).to_string())
                .collect();
            return Err(self.not_present(format!("a deps entry for {target}"), present));
        };
        let item = list
            .container
            .elements
            .iter()
            .find(|item| same_expression(&self.source[(*item).clone()], package));
        match item {
            Some(item) => Ok(self.removal(&list.container, item)),
            None => {
                let present = list
                    .container
                    .elements
                    .iter()
                    .map(|item| self.source[item.clone()].to_owned())
                    .collect();
                Err(self.not_present(
                    format!("`{}` in the deps of {target}", package.trim()),
                    present,
                ))
            }
        }
    }

    fn set_env(
        &self,
        target: &CrateSelector,
        var: &str,
        value: &EnvValue,
    ) -> Result<Option<Splice>, OverridesError> {
        check_var_name(var)?;
        let (text, raw) = match value {
            EnvValue::Literal(literal) => (quote(literal), literal),
            EnvValue::Expression(expression) => (expression.clone(), expression),
        };
        if raw.contains('\0') {
            return Err(OverridesError::InvalidArgument {
                argument: format!("value of {var}"),
                reason: "Nix strings cannot contain NUL characters".to_owned(),
            });
        }
        let path = env_path(target, var);
        self.refuse_unsafe_path(&path)?;
        match self.env_values.iter().find(|env| env.path == path) {
            Some(env) if env.value == *value => Ok(None),
            Some(env) => Ok(Some(Splice {
                range: env.value_range.clone(),
                text,
            })),
            None => self.creation(&path, &text).map(Some),
        }
    }

    fn unset_env(&self, target: &CrateSelector, var: &str) -> Result<Splice, OverridesError> {
        let path = env_path(target, var);
        self.refuse_unsafe_path(&path)?;
        match self.env_values.iter().find(|env| env.path == path) {
            Some(env) => Ok(self.removal(&self.sets[env.set].container, &env.binding)),
            None => {
                let entry_path = &path[..path.len() - 1];
                let present = self
                    .env_values
                    .iter()
                    .filter(|env| env.path.len() == path.len() && env.path.starts_with(entry_path))
                    .map(|env| env.path[env.path.len() - 1].clone())
                    .collect();
                Err(self.not_present(format!("variable {var} for {target}"), present))
            }
        }
    }

    fn not_present(&self, subject: String, present: Vec<String>) -> OverridesError {
        OverridesError::NotPresent {
            file: self.path.clone(),
            subject,
            present,
        }
    }

    /// Refuses paths through values that are not literal, `rec` sets, sets with computed
    /// names, and variables where a set is needed.
    fn refuse_unsafe_path(&self, path: &[String]) -> Result<(), OverridesError> {
        if let Some(opaque) = self
            .opaque
            .iter()
            .find(|opaque| path.starts_with(&opaque.path))
        {
            return Err(self.unsupported(
                opaque.offset,
                display_path(&opaque.path),
                opaque.reason.clone(),
            ));
        }
        for set in self
            .sets
            .iter()
            .filter(|set| set.path.len() < path.len() && path.starts_with(&set.path))
        {
            if let Some(offset) = set.rec_keyword {
                return Err(self.unsupported(
                    offset,
                    display_path(&set.path),
                    "it is a `rec` set, where a name added or changed could shadow a package",
                ));
            }
            if let Some(offset) = set.dynamic_key {
                return Err(self.unsupported(
                    offset,
                    display_path(&set.path),
                    "it has a computed attribute name (`${...}`), which may define the same entry",
                ));
            }
        }
        match self
            .env_values
            .iter()
            .find(|env| env.path.len() < path.len() && path.starts_with(&env.path))
        {
            Some(env) => Err(self.unsupported(
                env.value_range.start,
                display_path(&env.path),
                "it is a variable, not an attribute set of variables",
            )),
            None => Ok(()),
        }
    }

    /// Creates the binding for `path` with the value `leaf` in the innermost existing set.
    fn creation(&self, path: &[String], leaf: &str) -> Result<Splice, OverridesError> {
        let Some(set) = self
            .sets
            .iter()
            .filter(|set| set.path.len() < path.len() && path.starts_with(&set.path))
            .max_by_key(|set| set.path.len())
        else {
            return Err(self.unsupported(
                0,
                display_path(path),
                "the file has no top-level attribute set",
            ));
        };
        let first = set.path.len();
        let key = |index: usize| key_text(path, index);
        if path.len() - first > 1 && set.dotted_heads.contains(&path[first]) {
            let dotted: Vec<String> = (first..path.len()).map(key).collect();
            return Ok(self.insertion(&set.container, |_| {
                format!("{} = {leaf};", dotted.join("."))
            }));
        }
        let single_line = |from: usize| {
            (from..path.len())
                .rev()
                .fold(leaf.to_owned(), |value, index| {
                    format!("{{ {} = {value}; }}", key(index))
                })
        };
        let opens_section = first == 0;
        Ok(self.insertion(&set.container, |indent| match indent {
            Some(indent) if opens_section => format!(
                "{} = {{{newline}{indent}{unit}{} = {};{newline}{indent}}};",
                key(0),
                key(1),
                single_line(2),
                unit = self.indent_unit,
                newline = self.newline
            ),
            _ => format!("{} = {};", key(first), single_line(first + 1)),
        }))
    }

    /// Adds an element after the last one. `render` gets the indentation of the element's
    /// line when the container spans several lines.
    fn insertion(
        &self,
        container: &Container,
        render: impl FnOnce(Option<&str>) -> String,
    ) -> Splice {
        let source = &self.source;
        let interior = &source[container.open_end..container.close_start];
        match (container.elements.last(), interior.contains('\n')) {
            (Some(last), true) => {
                let indent = line_indent(source, last.start);
                let text = render(Some(&indent));
                let line_end = source[last.end..]
                    .find(['\r', '\n'])
                    .map(|length| last.end + length);
                let at = match line_end {
                    Some(end)
                        if end < container.close_start && !source[last.end..end].contains("/*") =>
                    {
                        end
                    }
                    _ => last.end,
                };
                Splice::insert(at, format!("{}{indent}{text}", self.newline))
            }
            (None, true) => {
                let close_line = line_start(source, container.close_start);
                if source[close_line..container.close_start].trim().is_empty() {
                    let indent = format!(
                        "{}{}",
                        &source[close_line..container.close_start],
                        self.indent_unit
                    );
                    let text = render(Some(&indent));
                    Splice::insert(close_line, format!("{indent}{text}{}", self.newline))
                } else {
                    let indent = format!(
                        "{}{}",
                        line_indent(source, container.open_end),
                        self.indent_unit
                    );
                    let text = render(Some(&indent));
                    Splice::insert(
                        container.open_end,
                        format!("{}{indent}{text}", self.newline),
                    )
                }
            }
            (Some(last), false) => Splice::insert(last.end, format!(" {}", render(None))),
            (None, false) if interior.trim().is_empty() => Splice {
                range: container.open_end..container.close_start,
                text: format!(" {} ", render(None)),
            },
            (None, false) => Splice::insert(container.open_end, format!(" {}", render(None))),
        }
    }

    /// Deletes an element: its whole line when it stands alone there, else the element and
    /// the spacing that separated it from its neighbour.
    fn removal(&self, container: &Container, element: &Range<usize>) -> Splice {
        let source = &self.source;
        let line = line_start(source, element.start);
        let line_end = source[element.end..]
            .find('\n')
            .map(|length| element.end + length);
        if let Some(line_end) = line_end
            && source[line..element.start].trim().is_empty()
            && source[element.end..line_end].trim().is_empty()
        {
            return Splice::delete(line..line_end + 1);
        }
        let before = &source[..element.start];
        let space_before = before.len() - before.trim_end().len();
        let space_before_start = element.start - space_before;
        if space_before > 0
            && space_before_start > container.open_end
            && !before[space_before_start..].contains('\n')
        {
            return Splice::delete(space_before_start..element.end);
        }
        let after = &source[element.end..];
        let space_after_end = element.end + (after.len() - after.trim_start().len());
        if space_after_end > element.end && space_after_end < container.close_start {
            return Splice::delete(element.start..space_after_end);
        }
        let horizontal_space = after.len() - after.trim_start_matches([' ', '\t']).len();
        Splice::delete(element.start..element.end + horizontal_space)
    }
}

fn env_path(target: &CrateSelector, var: &str) -> AttrPath {
    [ENVS.to_owned(), target.name.clone()]
        .into_iter()
        .chain(target.version.clone())
        .chain([var.to_owned()])
        .collect()
}

/// The crate (and version, when the path is `version_depth` long) a path is about.
fn selector_of(path: &[String], version_depth: usize) -> CrateSelector {
    CrateSelector {
        name: path[1].clone(),
        version: (path.len() == version_depth).then(|| path[2].clone()),
    }
}

/// Section names are bare, crate names and versions quoted, variables bare when they can be.
fn key_text(path: &[String], index: usize) -> String {
    let name = &path[index];
    let is_variable = path[0] == ENVS && index == path.len() - 1;
    if index == 0 || (is_variable && is_plain_identifier(name)) {
        name.clone()
    } else {
        quote(name)
    }
}

fn check_var_name(var: &str) -> Result<(), OverridesError> {
    match var_name_problem(var) {
        Some(reason) => Err(OverridesError::InvalidArgument {
            argument: format!("variable name `{var}`"),
            reason: reason.to_owned(),
        }),
        None => Ok(()),
    }
}

/// The package expression as a list element, parenthesized when it would otherwise split
/// into several elements (`pkgs.runCommand "x" {} "..."`).
fn list_element(package: &str) -> Result<String, OverridesError> {
    let expression = package.trim();
    let invalid = |reason: String| OverridesError::InvalidArgument {
        argument: format!("package expression `{expression}`"),
        reason,
    };
    if expression.is_empty() {
        return Err(invalid("it is empty".to_owned()));
    }
    if let Some(error) = Root::parse(expression).errors().first() {
        return Err(invalid(format!("it does not parse ({error})")));
    }
    let as_list = Root::parse(&format!("[ {expression} ]"));
    let single = as_list.errors().is_empty()
        && matches!(as_list.tree().expr(), Some(ast::Expr::List(list)) if list.items().count() == 1);
    Ok(if single {
        expression.to_owned()
    } else {
        format!("({expression})")
    })
}

/// Whether two expressions have the same tokens, ignoring spacing, comments and
/// parentheses around the whole.
fn same_expression(left: &str, right: &str) -> bool {
    significant_tokens(left) == significant_tokens(right)
}

fn significant_tokens(text: &str) -> Vec<(SyntaxKind, &str)> {
    let mut tokens: Vec<_> = rnix::tokenize(text)
        .filter(|(kind, _)| {
            !matches!(
                kind,
                SyntaxKind::TOKEN_WHITESPACE | SyntaxKind::TOKEN_COMMENT
            )
        })
        .collect();
    while parenthesizes_all(&tokens) {
        tokens = tokens[1..tokens.len() - 1].to_vec();
    }
    tokens
}

fn parenthesizes_all(tokens: &[(SyntaxKind, &str)]) -> bool {
    if tokens.len() < 2 || tokens[0].0 != SyntaxKind::TOKEN_L_PAREN {
        return false;
    }
    let mut depth = 0usize;
    for (index, (kind, _)) in tokens.iter().enumerate() {
        match kind {
            SyntaxKind::TOKEN_L_PAREN => depth += 1,
            SyntaxKind::TOKEN_R_PAREN => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return index == tokens.len() - 1;
                }
            }
            _ => {}
        }
    }
    false
}

fn line_start(source: &str, offset: usize) -> usize {
    source[..offset]
        .rfind('\n')
        .map_or(0, |newline| newline + 1)
}

fn line_indent(source: &str, offset: usize) -> String {
    source[line_start(source, offset)..]
        .chars()
        .take_while(|c| matches!(c, ' ' | '\t'))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_compare_by_tokens() {
        assert!(same_expression("openssl", " openssl "));
        assert!(same_expression(
            "(pkgs.runCommand \"x\" {} \"\")",
            "pkgs.runCommand  \"x\" {}\n\"\""
        ));
        assert!(same_expression("pkgs.zlib # why", "pkgs.zlib"));
        assert!(!same_expression("pkgs.zlib", "zlib"));
        assert!(!same_expression("(a) (b)", "a) (b"));
    }

    #[test]
    fn calls_are_parenthesized_as_list_elements() {
        assert_eq!(list_element(" openssl ").ok().as_deref(), Some("openssl"));
        assert_eq!(
            list_element("pkgs.zlib.dev").ok().as_deref(),
            Some("pkgs.zlib.dev")
        );
        assert_eq!(
            list_element("pkgs.runCommandCC \"foo\" {} ''touch $out''")
                .ok()
                .as_deref(),
            Some("(pkgs.runCommandCC \"foo\" {} ''touch $out'')")
        );
        assert!(matches!(
            list_element("("),
            Err(OverridesError::InvalidArgument { .. })
        ));
        assert!(matches!(
            list_element("  "),
            Err(OverridesError::InvalidArgument { .. })
        ));
    }

    #[test]
    fn variable_names_must_not_look_like_versions() {
        assert!(check_var_name("OPENSSL_DIR").is_ok());
        assert!(check_var_name("0.1.0").is_err());
        assert!(check_var_name("A=B").is_err());
        assert!(check_var_name("").is_err());
    }
}
