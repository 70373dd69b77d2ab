//! Random edits on random valid files: the result always parses, and the listed entries
//! are exactly what a plain model of the edits predicts (no unrelated entry lost or changed).
//! Crates' deps come in both forms and mixed (`"*"` beside versions), and edits convert
//! between them.

use std::collections::BTreeMap;

use libnix_tui::backend::overrides::{
    CrateSelector, DepsDocument, Edit, EnvValue, OverridesError, quote_nix_string,
};
use proptest::prelude::*;

const CRATES: [&str; 5] = ["openssl-sys", "ring", "cargo", "zlib_sys", "xml5ever"];
const VERSIONS: [&str; 3] = ["0.1.0", "1.2.3", "0.20.0"];
const PACKAGES: [&str; 5] = [
    "pkg-config",
    "openssl",
    "hello",
    "pkgs.zlib",
    "(pkgs.runCommand \"x\" { } \"\")",
];
const VARS: [&str; 4] = ["FOO", "BAR", "OPENSSL_DIR", "NEW_VAR"];

type Key = (String, Option<String>);

/// Per entry: its deps and its variables, in file order.
type Listing = BTreeMap<Key, (Vec<String>, Vec<(String, String)>)>;

/// What the file means, in the shape `entries()` reports it.
#[derive(Debug, Clone, Default, PartialEq)]
struct Model {
    /// Dependency lists that exist (possibly empty).
    deps: BTreeMap<Key, Vec<String>>,
    /// Variables in file order.
    envs: BTreeMap<Key, Vec<(String, String)>>,
}

impl Model {
    fn expected_entries(&self) -> Listing {
        let mut entries = Listing::new();
        for (key, deps) in &self.deps {
            entries.entry(key.clone()).or_default().0 = deps.clone();
        }
        for (key, vars) in self.envs.iter().filter(|(_, vars)| !vars.is_empty()) {
            entries.entry(key.clone()).or_default().1 = vars.clone();
        }
        entries
    }

    /// Applies `edit`; `Err` names the error kind the editor must report.
    fn apply(&mut self, edit: &Edit) -> Result<(), &'static str> {
        match edit {
            Edit::AddDep { target, package } => {
                // A crate mixing both forms gets its every-version list under "*".
                let list = self.deps.entry(key_of(target)).or_default();
                if !list.contains(package) {
                    list.push(package.clone());
                }
            }
            Edit::RemoveDep { target, package } => {
                let list = self.deps.get_mut(&key_of(target)).ok_or("not present")?;
                let index = list
                    .iter()
                    .position(|item| item == package)
                    .ok_or("not present")?;
                list.remove(index);
            }
            Edit::SetEnv { target, var, value } => {
                let vars = self.envs.entry(key_of(target)).or_default();
                match vars.iter_mut().find(|(name, _)| name == var) {
                    Some((_, current)) => *current = value.clone(),
                    None => vars.push((var.clone(), value.clone())),
                }
            }
            Edit::SetEnvExpression { .. } => {
                unreachable!("the edit strategy generates literal env values only")
            }
            Edit::UnsetEnv { target, var } => {
                let vars = self.envs.get_mut(&key_of(target)).ok_or("not present")?;
                let index = vars
                    .iter()
                    .position(|(name, _)| name == var)
                    .ok_or("not present")?;
                vars.remove(index);
            }
        }
        Ok(())
    }
}

fn key_of(target: &CrateSelector) -> Key {
    (target.name.clone(), target.version.clone())
}

fn listed(document: &DepsDocument) -> Listing {
    document
        .entries()
        .into_iter()
        .map(|entry| {
            let vars = entry
                .envs
                .into_iter()
                .map(|(var, value)| match value {
                    EnvValue::Literal(value) => (var, value),
                    EnvValue::Expression(source) => {
                        panic!("{var} was written as a literal, read {source}")
                    }
                })
                .collect();
            ((entry.crate_name, entry.version), (entry.deps, vars))
        })
        .collect()
}

/// Layout choices, consumed one by one while rendering.
struct Style<'a> {
    choices: std::iter::Cycle<std::slice::Iter<'a, bool>>,
}

impl Style<'_> {
    fn next(&mut self) -> bool {
        self.choices.next().copied().unwrap_or(false)
    }

    /// Separator before an element: a new line (maybe after a comment) or a space.
    fn separator(&mut self, multi_line: bool, indent: &str) -> String {
        match (multi_line, self.next()) {
            (true, true) => format!("\n{indent}# a comment\n{indent}"),
            (true, false) => format!("\n{indent}"),
            (false, true) => " /* c */ ".to_owned(),
            (false, false) => " ".to_owned(),
        }
    }

    fn key(&mut self, name: &str) -> String {
        let bare = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            && name.starts_with(|c: char| c.is_ascii_alphabetic());
        if bare && self.next() {
            name.to_owned()
        } else {
            quote_nix_string(name)
        }
    }
}

fn render_set(style: &mut Style, bindings: Vec<String>, indent: &str) -> String {
    let multi_line = style.next();
    let inner = format!("{indent}  ");
    let mut text = "{".to_owned();
    for binding in bindings {
        text.push_str(&style.separator(multi_line, &inner));
        text.push_str(&binding);
    }
    text.push_str(if multi_line { "\n" } else { " " });
    if multi_line {
        text.push_str(indent);
    }
    text.push('}');
    text
}

fn render_list(style: &mut Style, items: &[String], indent: &str) -> String {
    if items.is_empty() {
        return if style.next() {
            "[]".to_owned()
        } else {
            "[ ]".to_owned()
        };
    }
    let multi_line = style.next();
    let inner = format!("{indent}  ");
    let mut text = "[".to_owned();
    for item in items {
        text.push_str(&style.separator(multi_line, &inner));
        text.push_str(item);
    }
    text.push_str(if multi_line { "\n" } else { " " });
    if multi_line {
        text.push_str(indent);
    }
    text.push(']');
    text
}

fn render(model: &Model, choices: &[bool], with_pkgs: bool) -> String {
    let mut style = Style {
        choices: choices.iter().cycle(),
    };
    let mut sections = Vec::new();

    let mut crates: Vec<&String> = model.deps.keys().map(|(name, _)| name).collect();
    crates.dedup();
    let mut deps_bindings = Vec::new();
    for name in crates {
        let key = style.key(name);
        let lists_versions = model
            .deps
            .keys()
            .any(|(crate_name, version)| crate_name == name && version.is_some());
        if let (false, Some(list)) = (lists_versions, model.deps.get(&(name.clone(), None))) {
            deps_bindings.push(format!(
                "{key} = {};",
                render_list(&mut style, list, "    ")
            ));
            continue;
        }
        // Beside versions, the list for every version is the "*" key.
        let versions: Vec<(&str, &Vec<String>)> = model
            .deps
            .iter()
            .filter(|((crate_name, _), _)| crate_name == name)
            .map(|((_, version), list)| (version.as_deref().unwrap_or("*"), list))
            .collect();
        if style.next() {
            for (version, list) in versions {
                deps_bindings.push(format!(
                    "{key}.{} = {};",
                    quote_nix_string(version),
                    render_list(&mut style, list, "    ")
                ));
            }
        } else {
            let bindings = versions
                .into_iter()
                .map(|(version, list)| {
                    format!(
                        "{} = {};",
                        quote_nix_string(version),
                        render_list(&mut style, list, "      ")
                    )
                })
                .collect();
            deps_bindings.push(format!(
                "{key} = {};",
                render_set(&mut style, bindings, "    ")
            ));
        }
    }
    if !deps_bindings.is_empty() || style.next() {
        sections.push(format!(
            "deps = {};",
            render_set(&mut style, deps_bindings, "  ")
        ));
    }

    let mut env_crates: Vec<&String> = model.envs.keys().map(|(name, _)| name).collect();
    env_crates.dedup();
    let mut envs_bindings = Vec::new();
    for name in env_crates {
        let mut bindings = Vec::new();
        let variable = |style: &mut Style, var: &str, value: &str| {
            format!("{} = {};", style.key(var), quote_nix_string(value))
        };
        for ((_, version), vars) in model
            .envs
            .iter()
            .filter(|((crate_name, _), _)| crate_name == name)
        {
            match version {
                None => bindings.extend(
                    vars.iter()
                        .map(|(var, value)| variable(&mut style, var, value)),
                ),
                Some(version) if style.next() => {
                    bindings.extend(vars.iter().map(|(var, value)| {
                        format!(
                            "{}.{}",
                            quote_nix_string(version),
                            variable(&mut style, var, value)
                        )
                    }))
                }
                Some(version) => {
                    let inner = vars
                        .iter()
                        .map(|(var, value)| variable(&mut style, var, value))
                        .collect();
                    bindings.push(format!(
                        "{} = {};",
                        quote_nix_string(version),
                        render_set(&mut style, inner, "      ")
                    ));
                }
            }
        }
        let key = style.key(name);
        envs_bindings.push(format!(
            "{key} = {};",
            render_set(&mut style, bindings, "    ")
        ));
    }
    if !envs_bindings.is_empty() || style.next() {
        sections.push(format!(
            "envs = {};",
            render_set(&mut style, envs_bindings, "  ")
        ));
    }

    let with = if with_pkgs { " with pkgs;" } else { "" };
    format!(
        "# generated for a property test\n{{ pkgs }}:{with} {}\n",
        render_set(&mut style, sections, "")
    )
}

fn deps_strategy() -> impl Strategy<Value = Vec<String>> {
    proptest::sample::subsequence(PACKAGES.map(str::to_owned).to_vec(), 0..=3)
}

fn vars_strategy() -> impl Strategy<Value = Vec<(String, String)>> {
    proptest::sample::subsequence(VARS[..3].to_vec(), 1..=2)
        .prop_flat_map(|vars| {
            let count = vars.len();
            (
                Just(vars),
                proptest::collection::vec("[a-z $\\{\"\\\\\\n]{0,6}", count),
            )
        })
        .prop_map(|(vars, values)| vars.into_iter().map(str::to_owned).zip(values).collect())
}

fn model_strategy() -> impl Strategy<Value = Model> {
    let deps_form = prop_oneof![
        deps_strategy().prop_map(|list| vec![(None, list)]),
        // Versions, possibly beside the "*" (every version) list.
        proptest::collection::btree_map(
            proptest::option::of(proptest::sample::select(VERSIONS.to_vec())),
            deps_strategy(),
            1..=3
        )
        .prop_map(|versions| versions
            .into_iter()
            .map(|(version, list)| (version.map(str::to_owned), list))
            .collect()),
    ];
    let env_entries = proptest::collection::btree_map(
        proptest::option::of(proptest::sample::select(VERSIONS.to_vec())),
        vars_strategy(),
        1..=2,
    );
    (
        proptest::collection::vec(proptest::option::of(deps_form), CRATES.len()),
        proptest::collection::vec(proptest::option::of(env_entries), CRATES.len()),
    )
        .prop_map(|(deps, envs)| {
            let mut model = Model::default();
            for (name, forms) in CRATES.iter().zip(deps) {
                for (version, list) in forms.into_iter().flatten() {
                    model.deps.insert((name.to_string(), version), list);
                }
            }
            for (name, entries) in CRATES.iter().zip(envs) {
                for (version, vars) in entries.into_iter().flatten() {
                    model
                        .envs
                        .insert((name.to_string(), version.map(str::to_owned)), vars);
                }
            }
            model
        })
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let target = (
        proptest::sample::select([CRATES.as_slice(), &["new-crate"]].concat()),
        proptest::option::of(proptest::sample::select(
            [VERSIONS.as_slice(), &["9.9.9"]].concat(),
        )),
    )
        .prop_map(|(name, version)| CrateSelector {
            name: name.to_owned(),
            version: version.map(str::to_owned),
        });
    let package = proptest::sample::select(PACKAGES.to_vec()).prop_map(str::to_owned);
    let var = proptest::sample::select(VARS.to_vec()).prop_map(str::to_owned);
    prop_oneof![
        (target.clone(), package.clone())
            .prop_map(|(target, package)| Edit::AddDep { target, package }),
        (target.clone(), package).prop_map(|(target, package)| Edit::RemoveDep { target, package }),
        (target.clone(), var.clone(), "[a-z $\\{\"\\\\\\n'ü]{0,8}")
            .prop_map(|(target, var, value)| Edit::SetEnv { target, var, value }),
        (target, var).prop_map(|(target, var)| Edit::UnsetEnv { target, var }),
    ]
}

fn error_kind(error: &OverridesError) -> &'static str {
    match error {
        OverridesError::NotPresent { .. } => "not present",
        _ => "other",
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn edits_keep_files_parsable_and_unrelated_entries_intact(
        mut model in model_strategy(),
        choices in proptest::collection::vec(any::<bool>(), 1..48),
        with_pkgs in any::<bool>(),
        edits in proptest::collection::vec(edit_strategy(), 1..12),
    ) {
        let mut text = render(&model, &choices, with_pkgs);
        let mut document = DepsDocument::parse("Cargo.dependencies.nix", text.as_str())
            .map_err(|error| TestCaseError::fail(format!("generated file does not parse: {error}\n{text}")))?;
        prop_assert_eq!(listed(&document), model.expected_entries(), "generated file\n{}", text);

        for edit in &edits {
            let predicted = model.apply(edit);
            match (document.apply(edit), predicted) {
                (Ok(edited), Ok(())) => {
                    document = DepsDocument::parse("Cargo.dependencies.nix", edited.as_str())
                        .map_err(|error| TestCaseError::fail(format!("{edit} broke the file: {error}\n{edited}")))?;
                    text = edited;
                }
                (Err(error), Err(kind)) => prop_assert_eq!(error_kind(&error), kind, "{}: {}", edit, error),
                (outcome, predicted) => {
                    return Err(TestCaseError::fail(format!(
                        "{edit}: editor said {:?}, model said {predicted:?}\n{text}",
                        outcome.map(|_| ())
                    )));
                }
            }
            prop_assert_eq!(listed(&document), model.expected_entries(), "after {}\n{}", edit, text);
        }
    }
}

/// Rendered files with fragments inserted at random places: often still valid, often not.
fn noisy_source() -> impl Strategy<Value = String> {
    let fragment = proptest::sample::select(vec![
        " ",
        "\n",
        "# c\n",
        "/* c */",
        "\r\n",
        ";",
        "{",
        "}",
        "[",
        "]",
        "\"",
        "''",
        "rec ",
        "inherit x;",
        "${y}",
        " // z",
        "(f 1)",
        ".a",
        " = ",
        "\\",
        "\u{fc}",
    ]);
    (
        model_strategy(),
        proptest::collection::vec(any::<bool>(), 1..16),
        any::<bool>(),
        proptest::collection::vec((any::<proptest::sample::Index>(), fragment), 0..3),
    )
        .prop_map(|(model, choices, with_pkgs, insertions)| {
            let mut text = render(&model, &choices, with_pkgs);
            for (place, fragment) in insertions {
                let boundaries: Vec<usize> = text
                    .char_indices()
                    .map(|(index, _)| index)
                    .chain([text.len()])
                    .collect();
                text.insert_str(boundaries[place.index(boundaries.len())], fragment);
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn noisy_files_never_panic_and_edits_keep_them_parsable(source in noisy_source(), edits in proptest::collection::vec(edit_strategy(), 0..4)) {
        if let Ok(document) = DepsDocument::parse("f.nix", source.as_str()) {
            let _ = document.entries();
            let _ = document.unreadable_parts();
            for edit in &edits {
                if let Ok(edited) = document.apply(edit) {
                    prop_assert!(DepsDocument::parse("f.nix", edited.as_str()).is_ok(), "{}\n{}", edit, edited);
                }
            }
        }
    }
}
