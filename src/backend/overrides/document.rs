//! Parsing the file into an outline: where each part of `deps` and `envs` sits in the text.

use std::collections::HashMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use rnix::ast::{self, HasEntry};
use rnix::{ParseError, Root, SyntaxKind, SyntaxNode};
use rowan::ast::AstNode;

use super::nix_string::{literal_value, quote};
use super::{Location, OverridesError};

pub(super) const DEPS: &str = "deps";
pub(super) const ENVS: &str = "envs";
/// The version key of `deps.CRATE` that applies to every version.
pub(super) const EVERY_VERSION: &str = "*";

const BYTE_ORDER_MARK: char = '\u{feff}';

/// Attribute names from the file's top-level set down, e.g. `["deps", "openssl-sys"]`.
pub(super) type AttrPath = Vec<String>;

/// The file's text, parsed: what it declares and where, so edits can splice exact ranges.
///
/// Plain data (no syntax tree is kept), so it can cross threads.
#[derive(Debug, Clone)]
pub struct DepsDocument {
    pub(super) path: PathBuf,
    pub(super) source: String,
    line_starts: Vec<usize>,
    pub(super) indent_unit: String,
    /// `\r\n` when the file uses it, so inserted lines match.
    pub(super) newline: &'static str,
    pub(super) sets: Vec<SetNode>,
    pub(super) lists: Vec<ListNode>,
    pub(super) env_values: Vec<EnvNode>,
    pub(super) opaque: Vec<OpaqueNode>,
    mistakes: Vec<(usize, String)>,
}

/// The value of an environment variable as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// A string literal without interpolation, decoded.
    Literal(String),
    /// Anything else (an interpolating string, a call, ...), as source text.
    Expression(String),
}

/// Everything the file says about one crate, or one version of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideEntry {
    pub crate_name: String,
    /// `None`: the entry applies to every version.
    pub version: Option<String>,
    /// Source text of each list element, in file order.
    pub deps: Vec<String>,
    /// Variables in file order.
    pub envs: Vec<(String, EnvValue)>,
    /// Where the entry's key (the crate name, or the version) first appears.
    pub location: Location,
}

/// A part of `deps` or `envs` that is not written literally (e.g. `deps = common // { ... }`),
/// so its entries cannot be listed or edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnreadablePart {
    pub location: Location,
    /// The attribute path, e.g. `deps."openssl-sys"`.
    pub subject: String,
    pub reason: String,
}

/// The text between a container's brackets and its elements' ranges.
#[derive(Debug, Clone)]
pub(super) struct Container {
    /// Just after `[` or `{`.
    pub open_end: usize,
    /// At `]` or `}`.
    pub close_start: usize,
    pub elements: Vec<Range<usize>>,
}

/// A literal attribute set; the top-level set has the empty path.
#[derive(Debug, Clone)]
pub(super) struct SetNode {
    pub path: AttrPath,
    pub container: Container,
    /// First names of bindings written with a dotted path (`"foo"."1.0" = ...`).
    pub dotted_heads: Vec<String>,
    pub rec_keyword: Option<usize>,
    pub dynamic_key: Option<usize>,
}

/// A literal dependency list at `deps.CRATE` or `deps.CRATE.VERSION`.
#[derive(Debug, Clone)]
pub(super) struct ListNode {
    pub path: AttrPath,
    pub key_offsets: Vec<usize>,
    pub container: Container,
}

/// A variable at `envs.CRATE.VAR` or `envs.CRATE.VERSION.VAR`.
#[derive(Debug, Clone)]
pub(super) struct EnvNode {
    pub path: AttrPath,
    pub key_offsets: Vec<usize>,
    pub value: EnvValue,
    pub value_range: Range<usize>,
    pub binding: Range<usize>,
    /// Index of the set holding the binding.
    pub set: usize,
}

/// A value that is not a literal of the expected kind.
#[derive(Debug, Clone)]
pub(super) struct OpaqueNode {
    pub path: AttrPath,
    pub offset: usize,
    pub reason: String,
}

impl DepsDocument {
    /// Parses `source`; `path` is only used in locations.
    ///
    /// Fails on a syntax error, or when the file is not a function returning a literal
    /// attribute set (possibly under `with`, `let` or `assert`).
    pub fn parse(
        path: impl Into<PathBuf>,
        source: impl Into<String>,
    ) -> Result<Self, OverridesError> {
        let source = source.into();
        let mut document = Self {
            path: path.into(),
            line_starts: line_starts(&source),
            indent_unit: indent_unit(&source),
            newline: if source.contains("\r\n") {
                "\r\n"
            } else {
                "\n"
            },
            source,
            sets: Vec::new(),
            lists: Vec::new(),
            env_values: Vec::new(),
            opaque: Vec::new(),
            mistakes: Vec::new(),
        };
        if document.source.starts_with(BYTE_ORDER_MARK) {
            return Err(OverridesError::Syntax {
                location: document.location(0),
                message: "the file starts with a byte order mark (U+FEFF), which Nix does not \
                          read; save it as UTF-8 without one"
                    .to_owned(),
            });
        }
        let parse = Root::parse(&document.source);
        if let Some(error) = parse.errors().first() {
            return Err(document.syntax_error(error));
        }
        let top = document.top_level_set(&parse.tree())?;
        document.walk_set(&top, &[], &[]);
        Ok(document)
    }

    /// The file name given to [`DepsDocument::parse`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The text, exactly as given.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// One entry per crate, or crate and version, in order of first appearance.
    pub fn entries(&self) -> Vec<OverrideEntry> {
        enum Found<'a> {
            Deps(&'a ListNode),
            Env(&'a EnvNode),
        }
        let mut found: Vec<(usize, &AttrPath, &[usize], Found)> = self
            .lists
            .iter()
            .map(|list| {
                (
                    list.container.open_end,
                    &list.path,
                    list.key_offsets.as_slice(),
                    Found::Deps(list),
                )
            })
            .chain(self.env_values.iter().map(|env| {
                (
                    env.binding.start,
                    &env.path,
                    env.key_offsets.as_slice(),
                    Found::Env(env),
                )
            }))
            .collect();
        found.sort_by_key(|(position, ..)| *position);

        let mut entries: Vec<OverrideEntry> = Vec::new();
        let mut index_of: HashMap<(&str, Option<&str>), usize> = HashMap::new();
        for (_, path, key_offsets, item) in found {
            let version_depth = match item {
                Found::Deps(_) => 3,
                Found::Env(_) => 4,
            };
            let version = (path.len() == version_depth)
                .then(|| path[2].as_str())
                .filter(|version| matches!(item, Found::Env(_)) || *version != EVERY_VERSION);
            let key_offset = key_offsets[if version.is_some() { 2 } else { 1 }];
            let index = *index_of
                .entry((path[1].as_str(), version))
                .or_insert_with(|| {
                    entries.push(OverrideEntry {
                        crate_name: path[1].clone(),
                        version: version.map(str::to_owned),
                        deps: Vec::new(),
                        envs: Vec::new(),
                        location: self.location(key_offset),
                    });
                    entries.len() - 1
                });
            let entry = &mut entries[index];
            match item {
                Found::Deps(list) => entry.deps.extend(
                    list.container
                        .elements
                        .iter()
                        .map(|item| self.source[item.clone()].to_owned()),
                ),
                Found::Env(env) => entry
                    .envs
                    .push((path[path.len() - 1].clone(), env.value.clone())),
            }
        }
        entries
    }

    /// Parts that are not written literally, with why.
    pub fn unreadable_parts(&self) -> Vec<UnreadablePart> {
        let dynamic_keys = self.sets.iter().filter_map(|set| {
            set.dynamic_key.map(|offset| UnreadablePart {
                location: self.location(offset),
                subject: display_path(&set.path),
                reason: "an attribute name is computed (`${...}`)".to_owned(),
            })
        });
        self.opaque
            .iter()
            .map(|opaque| UnreadablePart {
                location: self.location(opaque.offset),
                subject: display_path(&opaque.path),
                reason: opaque.reason.clone(),
            })
            .chain(dynamic_keys)
            .collect()
    }

    /// What the build would misread, found without evaluating: names of variables no
    /// environment can hold, top-level attributes that are not read.
    pub fn mistakes(&self) -> Vec<OverridesError> {
        self.mistakes
            .iter()
            .map(|(offset, message)| OverridesError::Invalid {
                location: self.location(*offset),
                message: message.clone(),
            })
            .collect()
    }

    /// The 1-based line and column of a byte offset.
    pub(super) fn location(&self, offset: usize) -> Location {
        let line = self
            .line_starts
            .partition_point(|&start| start <= offset)
            .max(1);
        let line_start = self.line_starts[line - 1];
        let column = self
            .source
            .get(line_start..offset)
            .map_or(offset.saturating_sub(line_start), |text| {
                text.chars().count()
            });
        Location {
            file: self.path.clone(),
            line,
            column: column + 1,
        }
    }

    pub(super) fn unsupported(
        &self,
        offset: usize,
        subject: impl Into<String>,
        reason: impl Into<String>,
    ) -> OverridesError {
        OverridesError::Unsupported {
            location: self.location(offset),
            subject: subject.into(),
            reason: reason.into(),
        }
    }

    fn syntax_error(&self, error: &ParseError) -> OverridesError {
        let end = self.source.len();
        let snippet = |range: &rnix::TextRange| {
            let text = self.source.get(text_range(*range)).unwrap_or("").trim();
            let shown: String = text.chars().take(24).flat_map(char::escape_debug).collect();
            match text.chars().count() {
                0 => "end of input".to_owned(),
                1..=24 => format!("`{shown}`"),
                _ => format!("`{shown}...`"),
            }
        };
        let (offset, message) = match error {
            ParseError::Unexpected(range) => (
                range.start().into(),
                format!("unexpected {}", snippet(range)),
            ),
            ParseError::UnexpectedExtra(range) => (
                range.start().into(),
                format!(
                    "unexpected {} after the end of the expression",
                    snippet(range)
                ),
            ),
            ParseError::UnexpectedWanted(_, range, wanted) => (
                range.start().into(),
                format!(
                    "unexpected {}, expected {}",
                    snippet(range),
                    describe_kinds(wanted)
                ),
            ),
            ParseError::UnexpectedDoubleBind(range) => (
                range.start().into(),
                "a function argument pattern is bound twice".to_owned(),
            ),
            ParseError::UnexpectedEOF => (end, "unexpected end of file".to_owned()),
            ParseError::UnexpectedEOFWanted(wanted) => (
                end,
                format!(
                    "unexpected end of file, expected {}",
                    describe_kinds(wanted)
                ),
            ),
            ParseError::DuplicatedArgs(range, name) => (
                range.start().into(),
                format!("function argument `{name}` is duplicated"),
            ),
            other => (0, other.to_string()),
        };
        OverridesError::Syntax {
            location: self.location(offset),
            message,
        }
    }

    fn top_level_set(&self, root: &ast::Root) -> Result<ast::AttrSet, OverridesError> {
        let Some(ast::Expr::Lambda(lambda)) = root.expr() else {
            return Err(self.unsupported(
                start(root.syntax()),
                "the file",
                "it must be a function such as `{ pkgs }: { deps = { ... }; }`",
            ));
        };
        let mut body = lambda.body();
        loop {
            body = match body {
                Some(ast::Expr::With(with)) => with.body(),
                Some(ast::Expr::LetIn(let_in)) => let_in.body(),
                Some(ast::Expr::Paren(paren)) => paren.expr(),
                Some(ast::Expr::Assert(assert)) => assert.body(),
                Some(ast::Expr::AttrSet(set)) => return Ok(set),
                Some(other) => {
                    return Err(self.unsupported(
                        start(other.syntax()),
                        "the file",
                        format!(
                            "the function returns {}, not a literal attribute set",
                            describe(&other)
                        ),
                    ));
                }
                None => {
                    return Err(self.unsupported(
                        start(lambda.syntax()),
                        "the file",
                        "the function has no body",
                    ));
                }
            };
        }
    }

    fn walk_set(&mut self, set: &ast::AttrSet, path: &[String], key_offsets: &[usize]) {
        let index = self.sets.len();
        let elements = set
            .syntax()
            .children()
            .filter(|child| {
                matches!(
                    child.kind(),
                    SyntaxKind::NODE_ATTRPATH_VALUE | SyntaxKind::NODE_INHERIT
                )
            })
            .map(|child| text_range(child.text_range()))
            .collect();
        self.sets.push(SetNode {
            path: path.to_vec(),
            container: Container {
                open_end: set
                    .l_curly_token()
                    .map_or(0, |token| token.text_range().end().into()),
                close_start: set
                    .r_curly_token()
                    .map_or(0, |token| token.text_range().start().into()),
                elements,
            },
            dotted_heads: Vec::new(),
            rec_keyword: set
                .rec_token()
                .map(|token| token.text_range().start().into()),
            dynamic_key: None,
        });
        for entry in set.entries() {
            match entry {
                ast::Entry::Inherit(inherit) => {
                    for attr in inherit.attrs() {
                        let offset = start(attr.syntax());
                        match static_name(&attr) {
                            Some(name) => self.opaque.push(OpaqueNode {
                                path: [path, &[name]].concat(),
                                offset,
                                reason: "its value is inherited; only literal values can be edited"
                                    .to_owned(),
                            }),
                            None => {
                                self.sets[index].dynamic_key.get_or_insert(offset);
                            }
                        }
                    }
                }
                ast::Entry::AttrpathValue(binding) => {
                    self.walk_binding(&binding, index, path, key_offsets)
                }
            }
        }
    }

    fn walk_binding(
        &mut self,
        binding: &ast::AttrpathValue,
        set: usize,
        path: &[String],
        key_offsets: &[usize],
    ) {
        let Some(attrpath) = binding.attrpath() else {
            return;
        };
        let mut full_path = path.to_vec();
        let mut offsets = key_offsets.to_vec();
        for attr in attrpath.attrs() {
            let offset = start(attr.syntax());
            match static_name(&attr) {
                Some(name) => {
                    full_path.push(name);
                    offsets.push(offset);
                }
                None => {
                    self.sets[set].dynamic_key.get_or_insert(offset);
                    return;
                }
            }
        }
        if full_path.len() > path.len() + 1 {
            self.sets[set]
                .dotted_heads
                .push(full_path[path.len()].clone());
        }
        let Some(value) = binding.value() else { return };
        self.classify(
            full_path,
            offsets,
            &value,
            text_range(binding.syntax().text_range()),
            set,
        );
    }

    fn classify(
        &mut self,
        path: AttrPath,
        key_offsets: Vec<usize>,
        value: &ast::Expr,
        binding: Range<usize>,
        set: usize,
    ) {
        let depth = path.len();
        match (path[0].as_str(), value) {
            (DEPS, ast::Expr::AttrSet(inner)) if depth <= 2 => {
                self.walk_set(inner, &path, &key_offsets)
            }
            (DEPS, ast::Expr::List(list)) if depth == 2 || depth == 3 => {
                self.lists.push(ListNode {
                    path,
                    key_offsets,
                    container: Container {
                        open_end: list
                            .l_brack_token()
                            .map_or(0, |token| token.text_range().end().into()),
                        close_start: list
                            .r_brack_token()
                            .map_or(0, |token| token.text_range().start().into()),
                        elements: list
                            .items()
                            .map(|item| text_range(item.syntax().text_range()))
                            .collect(),
                    },
                })
            }
            (ENVS, ast::Expr::AttrSet(inner)) if depth <= 3 => {
                self.walk_set(inner, &path, &key_offsets)
            }
            (ENVS, _) if depth == 3 || depth == 4 => {
                let var = &path[depth - 1];
                if let Some(reason) = var_name_problem(var) {
                    self.mistakes.push((
                        key_offsets[depth - 1],
                        format!(
                            "{}: not an environment variable name: {reason}",
                            display_path(&path)
                        ),
                    ));
                }
                let env_value = match value {
                    ast::Expr::Str(string) => literal_value(string).map(EnvValue::Literal),
                    _ => None,
                };
                self.env_values.push(EnvNode {
                    path,
                    key_offsets,
                    value: env_value
                        .unwrap_or_else(|| EnvValue::Expression(value.syntax().to_string())),
                    value_range: text_range(value.syntax().text_range()),
                    binding,
                    set,
                });
            }
            (DEPS | ENVS, _) => {
                let expected = expected_at(&path);
                self.opaque.push(OpaqueNode {
                    path,
                    offset: start(value.syntax()),
                    reason: format!("it is {}; only {expected} can be edited", describe(value)),
                });
            }
            (unknown, _) if depth == 1 => {
                let suggestion = [DEPS, ENVS]
                    .into_iter()
                    .find(|known| same_letters(known, unknown))
                    .map(|known| format!(" (did you mean `{known}`?)"))
                    .unwrap_or_default();
                self.mistakes.push((
                    key_offsets[0],
                    format!(
                        "unknown attribute `{}`: only `deps` and `envs` are read{suggestion}",
                        unknown.escape_debug()
                    ),
                ));
            }
            _ => {}
        }
    }
}

/// Why `var` cannot name an environment variable, if it cannot.
pub(super) fn var_name_problem(var: &str) -> Option<&'static str> {
    if var.is_empty() {
        Some("it is empty")
    } else if var.starts_with(|c: char| c.is_ascii_digit()) {
        Some("it starts with a digit, which is how versions are written")
    } else if var.contains(|c: char| c == '=' || c == '\0' || c.is_whitespace()) {
        Some("it contains `=`, NUL or whitespace")
    } else {
        None
    }
}

/// A misspelling that keeps the letters: `dpes` for `deps`.
fn same_letters(known: &str, written: &str) -> bool {
    let sorted = |text: &str| {
        let mut letters: Vec<char> = text.to_lowercase().chars().collect();
        letters.sort_unstable();
        letters
    };
    sorted(known) == sorted(written)
}

/// Whether `source` brings the packages into scope with `with pkgs;`.
pub fn uses_with_pkgs(source: &str) -> bool {
    let tokens: Vec<(SyntaxKind, &str)> = rnix::tokenize(source)
        .filter(|(kind, _)| {
            !matches!(
                kind,
                SyntaxKind::TOKEN_WHITESPACE | SyntaxKind::TOKEN_COMMENT
            )
        })
        .collect();
    tokens.windows(3).any(|window| {
        matches!(
            window,
            [
                (SyntaxKind::TOKEN_WITH, _),
                (SyntaxKind::TOKEN_IDENT, "pkgs"),
                (SyntaxKind::TOKEN_SEMICOLON, _)
            ]
        )
    })
}

/// Renders an attribute path as Nix would: `deps."openssl-sys"."1.0"`.
pub(super) fn display_path(path: &[String]) -> String {
    let mut shown = String::new();
    for (index, name) in path.iter().enumerate() {
        if index > 0 {
            shown.push('.');
            shown.push_str(&quote(name));
        } else {
            shown.push_str(name);
        }
    }
    if shown.is_empty() {
        "the top-level set".to_owned()
    } else {
        shown
    }
}

fn expected_at(path: &[String]) -> &'static str {
    match (path[0].as_str(), path.len()) {
        (_, 1) => "a literal attribute set of crates",
        (DEPS, 2) => "a literal list, or a literal attribute set of versions",
        (DEPS, 3) => "a literal list",
        (ENVS, 2) => "a literal attribute set of variables and versions",
        (ENVS, 4) => "a string",
        _ => "shallower paths (deps.CRATE.VERSION, envs.CRATE.VERSION.VAR)",
    }
}

fn describe(expr: &ast::Expr) -> &'static str {
    match expr {
        ast::Expr::Apply(_) => "a function call",
        ast::Expr::BinOp(_) => "an operator expression (such as `//` or `++`)",
        ast::Expr::Ident(_) => "a variable",
        ast::Expr::Select(_) => "an attribute selection",
        ast::Expr::LetIn(_) | ast::Expr::LegacyLet(_) => "a `let` expression",
        ast::Expr::With(_) => "a `with` expression",
        ast::Expr::IfElse(_) => "an `if` expression",
        ast::Expr::Paren(_) => "a parenthesized expression",
        ast::Expr::Lambda(_) => "a function",
        ast::Expr::List(_) => "a list",
        ast::Expr::AttrSet(_) => "an attribute set",
        ast::Expr::Str(_) => "a string",
        ast::Expr::Literal(_) => "a number",
        _ => "an expression",
    }
}

fn describe_kinds(kinds: &[SyntaxKind]) -> String {
    let mut names: Vec<String> = Vec::new();
    for kind in kinds {
        let symbol = match kind {
            SyntaxKind::TOKEN_SEMICOLON => "`;`",
            SyntaxKind::TOKEN_ASSIGN => "`=`",
            SyntaxKind::TOKEN_COLON => "`:`",
            SyntaxKind::TOKEN_COMMA => "`,`",
            SyntaxKind::TOKEN_DOT => "`.`",
            SyntaxKind::TOKEN_L_BRACE => "`{`",
            SyntaxKind::TOKEN_R_BRACE | SyntaxKind::TOKEN_INTERPOL_END => "`}`",
            SyntaxKind::TOKEN_L_BRACK => "`[`",
            SyntaxKind::TOKEN_R_BRACK => "`]`",
            SyntaxKind::TOKEN_L_PAREN => "`(`",
            SyntaxKind::TOKEN_R_PAREN => "`)`",
            SyntaxKind::TOKEN_STRING_START => "a string",
            SyntaxKind::TOKEN_STRING_END => "`\"`",
            SyntaxKind::TOKEN_IN => "`in`",
            SyntaxKind::TOKEN_THEN => "`then`",
            SyntaxKind::TOKEN_ELSE => "`else`",
            SyntaxKind::TOKEN_REC => "`rec`",
            // `or` and `__curPos` are names to the parser; to a reader, a name is a name.
            SyntaxKind::TOKEN_IDENT | SyntaxKind::TOKEN_OR | SyntaxKind::TOKEN_CUR_POS => "a name",
            _ => "something else",
        };
        if !names.iter().any(|name| name == symbol) {
            names.push(symbol.to_owned());
        }
    }
    match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => "something else".to_owned(),
    }
}

fn static_name(attr: &ast::Attr) -> Option<String> {
    match attr {
        ast::Attr::Ident(ident) => Some(ident.syntax().to_string()),
        ast::Attr::Str(string) => literal_value(string),
        ast::Attr::Dynamic(_) => None,
    }
}

fn start(node: &SyntaxNode) -> usize {
    node.text_range().start().into()
}

fn text_range(range: rnix::TextRange) -> Range<usize> {
    range.start().into()..range.end().into()
}

fn line_starts(source: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(source.match_indices('\n').map(|(index, _)| index + 1))
        .collect()
}

/// The smallest indentation used in the file, or two spaces.
fn indent_unit(source: &str) -> String {
    source
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| &line[..line.len() - line.trim_start_matches([' ', '\t']).len()])
        .filter(|indent| !indent.is_empty())
        .min_by_key(|indent| indent.len())
        .map_or_else(
            || "  ".to_owned(),
            |indent| {
                if indent.starts_with('\t') {
                    "\t".to_owned()
                } else {
                    indent.to_owned()
                }
            },
        )
}
