use serde::Serialize;

#[derive(Serialize)]
struct Stats<'a> {
    words: usize,
    longest: &'a str,
}

/// Word count and longest word of `text`, as JSON.
pub fn summary(text: &str) -> String {
    let words: Vec<&str> = regex::Regex::new(r"[A-Za-z]+")
        .expect("valid regex")
        .find_iter(text)
        .map(|m| m.as_str())
        .collect();
    let longest = words.iter().copied().max_by_key(|w| w.len()).unwrap_or("");
    serde_json::to_string(&Stats {
        words: words.len(),
        longest,
    })
    .expect("serializable")
}
