//! Small text helpers the matchers share: names, quoted pieces, unique lists.

/// When `text` ends with `prefix` followed by one word, that word.
pub(super) fn last_word_after<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let word_start = text.rfind(char::is_whitespace).map_or(0, |i| i + 1);
    let (head, word) = text.split_at(word_start);
    (head.ends_with(prefix) && !word.is_empty()).then_some(word)
}

/// The name right after each `marker` in `text`, past an opening quote and up to the first
/// character a name cannot hold: a closing quote, or the `\n` escape of a message quoted
/// inside a panic's `Err("...")`.
pub(super) fn words_after(text: &str, marker: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut rest = text;
    while let Some(index) = rest.find(marker) {
        rest = &rest[index + marker.len()..];
        let word: String = rest
            .trim_start_matches(['\'', '"', '`'])
            .chars()
            .take_while(|c| is_name_char(*c))
            .collect();
        if is_name(&word) {
            push_unique(&mut words, word);
        }
    }
    words
}

/// Every piece of `text` between an `open` marker and the next `close` after it.
pub(super) fn between_all<'a>(text: &'a str, open: &str, close: &str) -> Vec<&'a str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        rest = &rest[start + open.len()..];
        match rest.find(close) {
            Some(end) => {
                found.push(&rest[..end]);
                rest = &rest[end + close.len()..];
            }
            None => break,
        }
    }
    found
}

/// The first word of the first candidate that is a plausible name (`crate v1.2` -> `crate`).
pub(super) fn first_name(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .filter_map(|candidate| candidate.split_whitespace().next())
        .find(|name| is_name(name))
        .map(str::to_string)
}

/// Crate, module, library and program names: no spaces, quotes or escapes.
pub(super) fn is_name(text: &str) -> bool {
    !text.is_empty() && text.len() <= 128 && text.chars().all(is_name_char)
}

pub(super) fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '+')
}

pub(super) fn push_unique(list: &mut Vec<String>, item: String) {
    if !list.contains(&item) {
        list.push(item);
    }
}

/// Adds `name = value` unless `name` is already set: the first proposal wins.
pub(super) fn push_env(envs: &mut Vec<(String, String)>, name: String, value: String) {
    if !envs.iter().any(|(known, _)| *known == name) {
        envs.push((name, value));
    }
}

pub(super) fn push_all(list: &mut Vec<String>, items: impl IntoIterator<Item = String>) {
    for item in items {
        push_unique(list, item);
    }
}
