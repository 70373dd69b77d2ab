//! Nix `--log-format internal-json` lines as typed events.
//!
//! Every stderr line of Nix becomes exactly one [`NixEvent`]; lines that are not
//! `@nix ` + a well-formed record stay [`NixEvent::Raw`], so nothing is ever lost and
//! no input can make the parser fail. The protocol, as far as the engine relies on it,
//! is described in `NIX-LOG-PROTOCOL.md` of the design docs.

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, de::value::SeqAccessDeserializer};

/// Id of a Nix activity; unique within one Nix process.
pub type ActivityId = u64;

/// One line of Nix's stderr.
#[derive(Debug, Clone, PartialEq)]
pub enum NixEvent {
    Start(StartActivity),
    Stop {
        id: ActivityId,
    },
    Result(ActivityResult),
    Msg(Message),
    /// A line that is not a well-formed `@nix` record, kept verbatim (without the
    /// line terminator): plain-text output, usage errors, builder noise, bad JSON.
    Raw(String),
}

/// `start`: an activity begins.
#[derive(Debug, Clone, PartialEq)]
pub struct StartActivity {
    pub id: ActivityId,
    /// Nix verbosity: 0 error, 1 warn, 2 notice, 3 info, 4 talkative, 5 chatty,
    /// 6 debug, 7 vomit.
    pub level: u64,
    pub kind: ActivityType,
    pub text: String,
    pub fields: Fields,
    /// The enclosing activity; sent from Nix 2.18 on, where 0 means "none".
    pub parent: Option<ActivityId>,
}

/// `result`: an activity reports something (a log line, a phase, progress).
#[derive(Debug, Clone, PartialEq)]
pub struct ActivityResult {
    pub id: ActivityId,
    pub kind: ResultType,
    pub fields: Fields,
}

/// `msg`: a free-standing log message, with error details when it is an error.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Nix verbosity; 0 (error) for failures.
    pub level: u64,
    /// The text as Nix prints it, ANSI-coloured, with an `error: ` prefix on errors.
    pub msg: String,
    /// Errors only: the message without prefix and trace.
    pub raw_msg: Option<String>,
    pub file: Option<String>,
    pub line: Option<u64>,
    pub column: Option<u64>,
    /// Errors with `--show-trace` (and some without): innermost first.
    pub trace: Vec<TraceEntry>,
}

/// One frame of an error's trace.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TraceEntry {
    #[serde(default, deserialize_with = "lenient")]
    pub raw_msg: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub file: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    pub line: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    pub column: Option<u64>,
}

/// The positional `fields` of a `start` or `result`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(transparent)]
pub struct Fields(pub Vec<Field>);

impl Fields {
    /// The string at `index`, if there is one of that type.
    pub fn str(&self, index: usize) -> Option<&str> {
        self.0.get(index).and_then(Field::as_str)
    }

    /// The integer at `index`, if there is one of that type.
    pub fn int(&self, index: usize) -> Option<u64> {
        self.0.get(index).and_then(Field::as_int)
    }
}

/// One field: Nix sends unsigned integers or strings; anything else is kept as is.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    Int(u64),
    Str(String),
    Other(serde_json::Value),
}

impl Field {
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Field::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<u64> {
        match self {
            Field::Int(n) => Some(*n),
            _ => None,
        }
    }
}

/// Defines an open enum over Nix's numeric codes: the known names plus `Other(code)`.
macro_rules! open_code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A code this version of libnix-tui does not know.
            Other(u64),
        }

        impl $name {
            pub fn from_code(code: u64) -> Self {
                match code {
                    $($code => $name::$variant,)*
                    other => $name::Other(other),
                }
            }

            pub fn code(self) -> u64 {
                match self {
                    $($name::$variant => $code,)*
                    $name::Other(code) => code,
                }
            }
        }
    };
}

open_code_enum! {
    /// `start.type`.
    ActivityType {
        Unknown = 0,
        /// fields: `[path, from, to]`
        CopyPath = 100,
        /// fields: `[uri]`
        FileTransfer = 101,
        Realise = 102,
        /// Carries the substitution counters.
        CopyPaths = 103,
        /// Carries the build counters.
        Builds = 104,
        /// fields: `[drvPath, machine ("" = local), round, nrRounds]`
        Build = 105,
        OptimiseStore = 106,
        VerifyPaths = 107,
        /// fields: `[storePath, substituterUri]`
        Substitute = 108,
        /// fields: `[storePath, substituterUri]`
        QueryPathInfo = 109,
        /// fields: `[drvPath]`
        PostBuildHook = 110,
        /// fields: none, or `[drvPath, resolvedDrvPath]`
        BuildWaiting = 111,
        FetchTree = 112,
        FetchToStore = 113,
    }
}

open_code_enum! {
    /// `result.type`.
    ResultType {
        /// fields: `[bytes, blocks]`
        FileLinked = 100,
        /// fields: `[line]`
        BuildLogLine = 101,
        /// fields: `[path]`
        UntrustedPath = 102,
        /// fields: `[path]`
        CorruptedPath = 103,
        /// fields: `[phase]`
        SetPhase = 104,
        /// fields: `[done, expected, running, failed]`
        Progress = 105,
        /// fields: `[activityType, expected]`
        SetExpected = 106,
        /// fields: `[line]`
        PostBuildLogLine = 107,
        /// fields: `[text]`
        FetchStatus = 108,
    }
}

/// Parses one stderr line of `nix ... --log-format internal-json`. Never fails: what is
/// not a well-formed record becomes [`NixEvent::Raw`].
pub fn parse_line(line: &str) -> NixEvent {
    let line = line.trim_end_matches(['\n', '\r']);
    line.strip_prefix("@nix ")
        .and_then(|json| serde_json::from_str::<Record>(json).ok())
        .and_then(Record::into_event)
        .unwrap_or_else(|| NixEvent::Raw(line.to_owned()))
}

#[derive(Deserialize)]
#[serde(rename_all = "lowercase")]
enum Action {
    Start,
    Stop,
    Result,
    Msg,
    #[serde(other)]
    Unknown,
}

/// A record as it arrives; which fields are required depends on the action.
#[derive(Deserialize)]
struct Record {
    action: Action,
    id: Option<u64>,
    level: Option<u64>,
    #[serde(rename = "type")]
    kind: Option<u64>,
    text: Option<String>,
    fields: Option<Fields>,
    #[serde(default, deserialize_with = "lenient")]
    parent: Option<u64>,
    msg: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    raw_msg: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    file: Option<String>,
    #[serde(default, deserialize_with = "lenient")]
    line: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    column: Option<u64>,
    #[serde(default, deserialize_with = "lenient")]
    trace: Option<Vec<TraceEntry>>,
}

impl Record {
    fn into_event(self) -> Option<NixEvent> {
        Some(match self.action {
            Action::Start => NixEvent::Start(StartActivity {
                id: self.id?,
                level: self.level.unwrap_or(0),
                kind: ActivityType::from_code(self.kind?),
                text: self.text.unwrap_or_default(),
                fields: self.fields.unwrap_or_default(),
                parent: self.parent.filter(|&parent| parent != 0),
            }),
            Action::Stop => NixEvent::Stop { id: self.id? },
            Action::Result => NixEvent::Result(ActivityResult {
                id: self.id?,
                kind: ResultType::from_code(self.kind?),
                fields: self.fields.unwrap_or_default(),
            }),
            Action::Msg => NixEvent::Msg(Message {
                level: self.level?,
                msg: self.msg?,
                raw_msg: self.raw_msg,
                file: self.file,
                line: self.line,
                column: self.column,
                trace: self.trace.unwrap_or_default(),
            }),
            Action::Unknown => return None,
        })
    }
}

/// Optional details whose JSON type has varied between Nix versions: a value of an
/// unexpected type reads as absent instead of spoiling the whole record.
fn lenient<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(serde_json::from_value(value).ok())
}

impl<'de> Deserialize<'de> for Field {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FieldVisitor)
    }
}

struct FieldVisitor;

impl<'de> Visitor<'de> for FieldVisitor {
    type Value = Field;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Field, E> {
        Ok(Field::Int(n))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Field, E> {
        Ok(u64::try_from(n).map_or_else(|_| Field::Other(n.into()), Field::Int))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Field, E> {
        Ok(Field::Other(n.into()))
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Field, E> {
        Ok(Field::Other(b.into()))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Field, E> {
        Ok(Field::Str(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Field, E> {
        Ok(Field::Str(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Field, E> {
        Ok(Field::Other(serde_json::Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Field, A::Error> {
        serde_json::Value::deserialize(SeqAccessDeserializer::new(seq)).map(Field::Other)
    }

    fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<Field, A::Error> {
        serde_json::Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Field::Other)
    }
}

const ESC: char = '\x1b';

/// Removes ANSI escape sequences (CSI such as colours, OSC such as hyperlinks, and
/// short escapes such as charset selection). Other control characters are kept.
pub fn strip_ansi(s: &str) -> String {
    if !s.contains(ESC) {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != ESC {
            out.push(c);
            continue;
        }
        match chars.peek() {
            Some('[') => {
                chars.next();
                // Parameters and intermediates, up to the final byte @..~.
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            Some(']') => {
                chars.next();
                // Up to BEL or the string terminator ESC \.
                while let Some(c) = chars.next() {
                    if c == '\x07' {
                        break;
                    }
                    if c == ESC && chars.peek() == Some(&'\\') {
                        chars.next();
                        break;
                    }
                }
            }
            _ => {
                // nF and Fe escapes: intermediates, then one final character.
                while chars.next_if(|c| (' '..='/').contains(c)).is_some() {}
                chars.next_if(|c| ('0'..='~').contains(c));
            }
        }
    }
    out
}

/// What an error message says about a derivation's build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BuildFailure {
    /// The derivation could not be built. `exit_code` is the builder's when it exited
    /// with one (not when it was killed by a signal or was never started).
    Failed {
        drv_path: String,
        exit_code: Option<i32>,
    },
    /// The derivation was not built because `count` of its dependencies failed.
    DependenciesFailed { drv_path: String, count: u64 },
}

impl BuildFailure {
    pub fn drv_path(&self) -> &str {
        match self {
            BuildFailure::Failed { drv_path, .. }
            | BuildFailure::DependenciesFailed { drv_path, .. } => drv_path,
        }
    }
}

impl Message {
    /// The build failure this message reports, if it is one. Only error-level messages
    /// count, and only by how they begin, so a builder's log quoted inside a message
    /// cannot be mistaken for a failure.
    pub fn build_failure(&self) -> Option<BuildFailure> {
        if self.level != 0 {
            return None;
        }
        match &self.raw_msg {
            Some(raw_msg) => classify_failure(&strip_ansi(raw_msg)),
            None => {
                let text = strip_ansi(&self.msg);
                classify_failure(text.strip_prefix("error: ").unwrap_or(&text))
            }
        }
    }
}

/// Classifies the text of a Nix error (ANSI already stripped, without `error: `):
///
/// - `builder for '<drv>' failed with exit code N` (Nix ≤ 2.28; also "failed due to
///   signal …"),
/// - `Cannot build '<drv>'.` + `Reason: builder failed with exit code N.` (Nix ≥ 2.29;
///   any other reason is a failure without exit code),
/// - `N dependencies of derivation '<drv>' failed to build` (Nix ≤ 2.28),
/// - `Cannot build '<drv>'.` + `Reason: N dependencies failed.` (Nix ≥ 2.29; also
///   "1 dependency failed").
pub fn classify_failure(text: &str) -> Option<BuildFailure> {
    let text = text.trim_start();
    if let Some(rest) = text.strip_prefix("builder for '") {
        let (drv_path, rest) = quoted_until(rest)?;
        let exit_code = rest.strip_prefix(" failed")?;
        return Some(BuildFailure::Failed {
            drv_path: drv_path.to_owned(),
            exit_code: exit_code_in(exit_code),
        });
    }
    if let Some(rest) = text.strip_prefix("Cannot build '") {
        let (drv_path, rest) = quoted_until(rest)?;
        let reason = rest
            .lines()
            .find_map(|line| line.trim_start().strip_prefix("Reason: "))
            .unwrap_or("");
        if let Some(count) = dependency_count(reason, " failed") {
            return Some(BuildFailure::DependenciesFailed {
                drv_path: drv_path.to_owned(),
                count,
            });
        }
        return Some(BuildFailure::Failed {
            drv_path: drv_path.to_owned(),
            exit_code: reason.strip_prefix("builder failed").and_then(exit_code_in),
        });
    }
    let count = dependency_count(text, " of derivation '")?;
    let (_, rest) = text.split_once(" of derivation '")?;
    let (drv_path, rest) = quoted_until(rest)?;
    rest.starts_with(" failed to build")
        .then(|| BuildFailure::DependenciesFailed {
            drv_path: drv_path.to_owned(),
            count,
        })
}

/// Splits `path' rest` into `path` and ` rest`.
fn quoted_until(s: &str) -> Option<(&str, &str)> {
    let (quoted, rest) = s.split_once('\'')?;
    (!quoted.is_empty()).then_some((quoted, rest))
}

/// `N dependencies<suffix>` or `1 dependency<suffix>` -> N.
fn dependency_count(text: &str, suffix: &str) -> Option<u64> {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let count = text[..digits].parse().ok()?;
    let rest = &text[digits..];
    let rest = rest
        .strip_prefix(" dependencies")
        .or_else(|| rest.strip_prefix(" dependency"))?;
    rest.starts_with(suffix).then_some(count)
}

/// The N of ` with exit code N` at the start of `s`.
fn exit_code_in(s: &str) -> Option<i32> {
    let code = s.strip_prefix(" with exit code ")?;
    let end = code
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || (i == 0 && c == '-')))
        .map_or(code.len(), |(i, _)| i);
    code[..end].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn fixture(name: &str) -> String {
        let path = format!(
            "{}/tests/fixtures/nix-2.8/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn parse_fixture(name: &str) -> Vec<NixEvent> {
        fixture(name).lines().map(parse_line).collect()
    }

    fn raw_count(events: &[NixEvent]) -> usize {
        events
            .iter()
            .filter(|e| matches!(e, NixEvent::Raw(_)))
            .count()
    }

    const JSON_FIXTURES: &[&str] = &[
        "28-all-valid-noop.jsonl",
        "28-chain-L-before-logformat.jsonl",
        "28-chain-success-v.jsonl",
        "28-chain-verb-v.jsonl",
        "28-chain-verb-vv.jsonl",
        "28-chain-verb-vvv.jsonl",
        "28-chain-verb-vvvv.jsonl",
        "28-chain-verb-vvvvv.jsonl",
        "28-chain-verb0.jsonl",
        "28-dry-run-plan.jsonl",
        "28-eval-error.jsonl",
        "28-eval-missing-attr-show-trace.jsonl",
        "28-eval-throw-show-trace.jsonl",
        "28-fail-v.jsonl",
        "28-keepgoing-2fail-v.jsonl",
        "28-mixed-substitute-and-build.jsonl",
        "28-nix-build-legacy-fail.jsonl",
        "28-nix-build-legacy-mixed.jsonl",
        "28-nix-build-legacy-noop.jsonl",
        "28-substitute-partial-store2.jsonl",
        "28-unknown-option-warning.jsonl",
    ];

    #[test]
    fn every_record_of_the_json_fixtures_is_typed() {
        for name in JSON_FIXTURES {
            let events = parse_fixture(name);
            assert!(!events.is_empty(), "{name}");
            let raw: Vec<_> = events
                .iter()
                .filter(|e| matches!(e, NixEvent::Raw(_)))
                .collect();
            let expected_raw = fixture(name)
                .lines()
                .filter(|l| !l.starts_with("@nix "))
                .count();
            assert_eq!(raw.len(), expected_raw, "{name}: {raw:?}");
        }
    }

    #[test]
    fn plain_text_output_is_all_raw() {
        for name in [
            "28-chain-L.jsonl",
            "28-fail-plain.txt",
            "28-bar-tty-keepgoing.typescript",
        ] {
            let text = fixture(name);
            let events: Vec<_> = text.lines().map(parse_line).collect();
            assert_eq!(raw_count(&events), text.lines().count(), "{name}");
        }
        let events = parse_fixture("28-chain-L.jsonl");
        assert_eq!(events.len(), 12);
        assert_eq!(
            events[1],
            NixEvent::Raw("crate-a> configuring a".to_owned())
        );
    }

    #[test]
    fn start_of_a_build() {
        let event = parse_line(
            r#"@nix {"action":"start","fields":["/nix/store/7gvldzrzv3pdsjg8bp6jd1m2l0vm0120-crate-a-0.1.0.drv","",1,1],"id":41287520616452,"level":3,"text":"building '/nix/store/7gvldzrzv3pdsjg8bp6jd1m2l0vm0120-crate-a-0.1.0.drv'","type":105}"#,
        );
        let NixEvent::Start(start) = event else {
            panic!("{event:?}")
        };
        assert_eq!(start.id, 41287520616452);
        assert_eq!(start.level, 3);
        assert_eq!(start.kind, ActivityType::Build);
        assert_eq!(
            start.fields.str(0),
            Some("/nix/store/7gvldzrzv3pdsjg8bp6jd1m2l0vm0120-crate-a-0.1.0.drv")
        );
        assert_eq!(start.fields.str(1), Some(""));
        assert_eq!(start.fields.int(2), Some(1));
        assert_eq!(start.fields.int(0), None);
        assert_eq!(start.parent, None);
        assert!(start.text.starts_with("building '"));
    }

    #[test]
    fn start_without_fields_and_with_parent() {
        let NixEvent::Start(start) = parse_line(
            r#"@nix {"action":"start","id":7,"level":0,"parent":3,"text":"","type":104}"#,
        ) else {
            panic!()
        };
        assert_eq!(start.kind, ActivityType::Builds);
        assert!(start.fields.0.is_empty());
        assert_eq!(start.parent, Some(3));
        let NixEvent::Start(root) = parse_line(
            r#"@nix {"action":"start","id":8,"level":0,"parent":0,"text":"","type":102}"#,
        ) else {
            panic!()
        };
        assert_eq!(root.parent, None);
    }

    #[test]
    fn enums_are_open() {
        let NixEvent::Start(start) =
            parse_line(r#"@nix {"action":"start","id":1,"level":0,"text":"","type":999}"#)
        else {
            panic!()
        };
        assert_eq!(start.kind, ActivityType::Other(999));
        assert_eq!(start.kind.code(), 999);
        let NixEvent::Result(result) =
            parse_line(r#"@nix {"action":"result","fields":["x"],"id":1,"type":108}"#)
        else {
            panic!()
        };
        assert_eq!(result.kind, ResultType::FetchStatus);
        assert_eq!(ResultType::from_code(4242), ResultType::Other(4242));
        for code in 0..=120 {
            assert_eq!(ActivityType::from_code(code).code(), code);
            assert_eq!(ResultType::from_code(code).code(), code);
        }
    }

    #[test]
    fn results_stops_and_fields_of_every_type() {
        assert_eq!(
            parse_line(r#"@nix {"action":"stop","id":41287520616451}"#),
            NixEvent::Stop { id: 41287520616451 }
        );
        let NixEvent::Result(progress) =
            parse_line(r#"@nix {"action":"result","fields":[1,3,0,0],"id":9,"type":105}"#)
        else {
            panic!()
        };
        assert_eq!(progress.kind, ResultType::Progress);
        assert_eq!(progress.fields.int(0), Some(1));
        assert_eq!(progress.fields.int(1), Some(3));
        let NixEvent::Result(odd) = parse_line(
            r#"@nix {"action":"result","fields":[-1,1.5,null,true,[1],{"a":2}],"id":9,"type":101}"#,
        ) else {
            panic!()
        };
        assert_eq!(odd.fields.0.len(), 6);
        assert!(odd.fields.0.iter().all(|f| matches!(f, Field::Other(_))));
    }

    #[test]
    fn error_message_with_position_and_trace() {
        let events = parse_fixture("28-eval-missing-attr-show-trace.jsonl");
        let NixEvent::Msg(msg) = &events[0] else {
            panic!("{:?}", events[0])
        };
        assert_eq!(msg.level, 0);
        assert_eq!(msg.file.as_deref(), Some("/home/user/example/evalerr2.nix"));
        assert_eq!((msg.line, msg.column), (Some(1), Some(12)));
        assert_eq!(msg.trace.len(), 3);
        assert_eq!(msg.trace[0].column, Some(9));
        assert_eq!(msg.trace[2].file, None);
        assert_eq!(
            strip_ansi(msg.raw_msg.as_deref().unwrap_or_default()),
            "attribute 'missing' missing"
        );
        assert_eq!(msg.build_failure(), None);

        let events = parse_fixture("28-eval-error.jsonl");
        let NixEvent::Msg(msg) = &events[0] else {
            panic!()
        };
        assert_eq!(
            (msg.file.as_deref(), msg.line, msg.column),
            (None, None, None)
        );
        assert!(msg.trace.is_empty());
    }

    #[test]
    fn unexpected_detail_types_do_not_spoil_a_message() {
        let NixEvent::Msg(msg) = parse_line(
            r#"@nix {"action":"msg","level":0,"msg":"m","file":{"path":"/x"},"line":"7","trace":3}"#,
        ) else {
            panic!()
        };
        assert_eq!(msg.msg, "m");
        assert_eq!((msg.file, msg.line), (None, None));
        assert!(msg.trace.is_empty());
    }

    #[test]
    fn malformed_records_are_raw() {
        for line in [
            "@nix not-json",
            "@nix {\"action\":\"start\",\"id\":1}",
            "@nix {\"action\":\"stop\"}",
            "@nix {\"action\":\"result\",\"id\":1}",
            "@nix {\"action\":\"msg\",\"level\":0}",
            "@nix {\"action\":\"setPhase\",\"phase\":\"buildPhase\"}",
            "@nix {\"action\":\"stop\",\"id\":-1}",
            "@nix {\"action\":\"stop\",\"id\":1} trailing",
            "@nix [1,2]",
            "@nix",
            "@nix{\"action\":\"stop\",\"id\":1}",
            " @nix {\"action\":\"stop\",\"id\":1}",
            "",
            "warning: unknown setting 'foo'",
        ] {
            assert_eq!(parse_line(line), NixEvent::Raw(line.to_owned()), "{line}");
        }
        assert_eq!(
            parse_line("@nix {\"action\":\"stop\",\"id\":1}\r\n"),
            NixEvent::Stop { id: 1 }
        );
        assert_eq!(parse_line("plain\n"), NixEvent::Raw("plain".to_owned()));
    }

    #[test]
    fn strips_ansi_sequences() {
        assert_eq!(
            strip_ansi(
                "\u{1b}[31;1merror:\u{1b}[0m builder for '\u{1b}[35;1m/nix/store/x.drv\u{1b}[0m'"
            ),
            "error: builder for '/nix/store/x.drv'"
        );
        assert_eq!(
            strip_ansi("\u{1b}]8;;file:///x\u{7}link\u{1b}]8;;\u{1b}\\ end"),
            "link end"
        );
        assert_eq!(strip_ansi("a\u{1b}(Bb\u{1b}Mc"), "abc");
        assert_eq!(strip_ansi("tab\tand \u{1}"), "tab\tand \u{1}");
        assert_eq!(strip_ansi("dangling \u{1b}"), "dangling ");
        assert_eq!(strip_ansi("unterminated \u{1b}[31"), "unterminated ");
    }

    fn failure_of(line: &str) -> Option<BuildFailure> {
        match parse_line(line) {
            NixEvent::Msg(msg) => msg.build_failure(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn builder_failures_of_nix_2_8() {
        let events = parse_fixture("28-keepgoing-2fail-v.jsonl");
        let failures: Vec<_> = events
            .iter()
            .filter_map(|e| match e {
                NixEvent::Msg(msg) => msg.build_failure(),
                _ => None,
            })
            .collect();
        assert_eq!(
            failures,
            [
                BuildFailure::Failed {
                    drv_path: "/nix/store/6j02rs71n4msj2wcfm7ma0vnh0iq7h2c-fail-two-1.0.drv".into(),
                    exit_code: Some(2)
                },
                BuildFailure::Failed {
                    drv_path: "/nix/store/2ry44csdk3qzadkv9cjd6mqf4pk856ss-fail-one-1.0.drv".into(),
                    exit_code: Some(1)
                },
                BuildFailure::DependenciesFailed {
                    drv_path: "/nix/store/z6wa70ifjrh1dngqnrk6cwk8igisahw4-needs-f1-1.0.drv".into(),
                    count: 1
                },
                BuildFailure::DependenciesFailed {
                    drv_path: "/nix/store/mk3vw1gizh3qrq62qdbbb7rq5cg5dflf-top-1.0.drv".into(),
                    count: 3
                },
            ]
        );
        let last = parse_fixture("28-fail-v.jsonl").pop();
        let Some(NixEvent::Msg(msg)) = last else {
            panic!("{last:?}")
        };
        assert_eq!(
            msg.build_failure(),
            Some(BuildFailure::Failed {
                drv_path: "/nix/store/73d6ap82pm04b9m7cihq9ks062pg8mlf-broken-crate-0.3.0.drv"
                    .into(),
                exit_code: Some(101)
            })
        );
    }

    #[test]
    fn builder_failures_of_nix_2_29_and_later() {
        // Written after DerivationBuildingGoal::fixupBuilderFailureErrorMessage.
        let built = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m Cannot build '\u001b[35;1m/nix/store/aaaa-broken-0.1.drv\u001b[0m'.\n       Reason: \u001b[31;1mbuilder failed with exit code 101\u001b[0m.\n       Output paths:\n         \u001b[35;1m/nix/store/bbbb-broken-0.1\u001b[0m\n       Last 2 log lines:\n       > Cannot build '/nix/store/cccc-other.drv'.\n       > Reason: builder failed with exit code 7.","raw_msg":"Cannot build '\u001b[35;1m/nix/store/aaaa-broken-0.1.drv\u001b[0m'.\nReason: \u001b[31;1mbuilder failed with exit code 101\u001b[0m.\nOutput paths:\n  \u001b[35;1m/nix/store/bbbb-broken-0.1\u001b[0m\nLast 2 log lines:\n> Cannot build '/nix/store/cccc-other.drv'.\n> Reason: builder failed with exit code 7.","column":null,"file":null,"line":null}"#;
        assert_eq!(
            failure_of(built),
            Some(BuildFailure::Failed {
                drv_path: "/nix/store/aaaa-broken-0.1.drv".into(),
                exit_code: Some(101)
            })
        );
        let deps = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m Cannot build '\u001b[35;1m/nix/store/dddd-top.drv\u001b[0m'.\n       Reason: \u001b[31;1m2 dependencies failed\u001b[0m."}"#;
        assert_eq!(
            failure_of(deps),
            Some(BuildFailure::DependenciesFailed {
                drv_path: "/nix/store/dddd-top.drv".into(),
                count: 2
            })
        );
        assert_eq!(
            classify_failure("Cannot build '/nix/store/e.drv'.\nReason: 1 dependency failed."),
            Some(BuildFailure::DependenciesFailed {
                drv_path: "/nix/store/e.drv".into(),
                count: 1
            })
        );
        assert_eq!(
            classify_failure(
                "Cannot build '/nix/store/f.drv'.\nReason: required system or feature not available"
            ),
            Some(BuildFailure::Failed {
                drv_path: "/nix/store/f.drv".into(),
                exit_code: None
            })
        );
        assert_eq!(
            classify_failure(
                "Cannot build '/nix/store/g.drv'.\nReason: builder failed due to signal 9 (Killed)."
            ),
            Some(BuildFailure::Failed {
                drv_path: "/nix/store/g.drv".into(),
                exit_code: None
            })
        );
    }

    #[test]
    fn only_errors_that_begin_with_the_wording_are_failures() {
        let info = r#"@nix {"action":"msg","level":3,"msg":"builder for '/nix/store/x.drv' failed with exit code 1"}"#;
        assert_eq!(failure_of(info), None);
        let quoted = r#"@nix {"action":"msg","level":0,"msg":"error: while doing: builder for '/nix/store/x.drv' failed with exit code 1"}"#;
        assert_eq!(failure_of(quoted), None);
        let without_raw = r#"@nix {"action":"msg","level":0,"msg":"\u001b[31;1merror:\u001b[0m builder for '/nix/store/x.drv' failed due to signal 9 (Killed)"}"#;
        assert_eq!(
            failure_of(without_raw),
            Some(BuildFailure::Failed {
                drv_path: "/nix/store/x.drv".into(),
                exit_code: None
            })
        );
        for text in [
            "builder for '' failed with exit code 1",
            "builder for '/nix/store/x.drv",
            "builder for '/nix/store/x.drv' succeeded",
            "dependencies of derivation '/nix/store/x.drv' failed to build",
            "3 dependencies of derivation '/nix/store/x.drv' were fine",
            "99999999999999999999999 dependencies of derivation '/x.drv' failed to build",
            "Cannot build ''.",
        ] {
            assert_eq!(classify_failure(text), None, "{text}");
        }
        assert_eq!(
            classify_failure("builder for '/x.drv' failed with exit code 99999999999"),
            Some(BuildFailure::Failed {
                drv_path: "/x.drv".into(),
                exit_code: None
            })
        );
    }

    #[test]
    fn every_truncation_of_real_records_is_handled() {
        let text = fixture("28-keepgoing-2fail-v.jsonl")
            + &fixture("28-eval-missing-attr-show-trace.jsonl");
        for line in text.lines() {
            for (end, _) in line.char_indices() {
                let event = parse_line(&line[..end]);
                if end < line.len() {
                    assert!(matches!(event, NixEvent::Raw(_)), "{}", &line[..end]);
                }
            }
        }
    }

    fn json_value() -> impl Strategy<Value = serde_json::Value> {
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(Into::into),
            any::<i64>().prop_map(Into::into),
            any::<u64>().prop_map(Into::into),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Into::into),
            ".{0,20}".prop_map(Into::into),
            prop_oneof![Just("start"), Just("stop"), Just("result"), Just("msg")]
                .prop_map(Into::into),
        ];
        leaf.prop_recursive(3, 24, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Into::into),
                prop::collection::btree_map(
                    prop_oneof![
                        Just("action".to_owned()),
                        Just("id".to_owned()),
                        Just("type".to_owned()),
                        Just("level".to_owned()),
                        Just("fields".to_owned()),
                        Just("msg".to_owned()),
                        Just("raw_msg".to_owned()),
                        Just("trace".to_owned()),
                        Just("parent".to_owned()),
                        "[a-z_]{1,8}",
                    ],
                    inner,
                    0..8
                )
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn random_lines_never_panic(line in ".*") {
            if !line.starts_with("@nix ") {
                prop_assert!(matches!(parse_line(&line), NixEvent::Raw(_)));
            }
            parse_line(&format!("@nix {line}"));
            strip_ansi(&line);
            classify_failure(&line);
        }

        #[test]
        fn random_json_never_panics(value in json_value()) {
            let event = parse_line(&format!("@nix {value}"));
            if let NixEvent::Msg(msg) = event {
                let _ = msg.build_failure();
            }
        }

        #[test]
        fn stripping_removes_every_escape(s in "(\u{1b}?[\\[\\]]?[ -~]{0,4}|[^\u{1b}]{0,4}){0,8}") {
            let stripped = strip_ansi(&s);
            prop_assert!(!stripped.contains(ESC), "{stripped:?}");
            if !s.contains(ESC) {
                prop_assert_eq!(stripped, s);
            }
        }
    }
}
