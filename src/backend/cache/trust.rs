//! Which substituters a build asks, and Nix's warnings about them (and about its busy
//! database) said once, plainly.
//!
//! Whether a substitute is trusted stays Nix's decision (`trusted-public-keys`,
//! `require-sigs`): a path signed by no trusted key is refused and built instead.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::{NIXOS_CACHE, NixConfig};
use crate::backend::BackendEvent;
use crate::backend::nix::protocol::{NixEvent, strip_ansi};
use crate::backend::toolchain::ToolchainMode;

/// `--option` pairs that choose a build's substituters.
///
/// Host mode asks the substituters Nix is configured with (nix.conf, NIX_CONFIG) except
/// cache.nixos.org, which never holds a host-built unit (and offline costs retries on every
/// build), then `requested`. Nixpkgs mode keeps Nix's list and adds `requested`.
pub fn substituter_options(mode: ToolchainMode, requested: &[String]) -> Vec<(String, String)> {
    match mode {
        ToolchainMode::Host => vec![(
            "substituters".into(),
            host_substituters(configured_substituters(), requested),
        )],
        ToolchainMode::Nixpkgs if requested.is_empty() => Vec::new(),
        ToolchainMode::Nixpkgs => vec![("extra-substituters".into(), requested.join(" "))],
    }
}

/// Asks Nix for its configured substituters now, so that the first evaluation does not wait
/// for `nix show-config`: [`prepare`](crate::backend::session::prepare) runs it beside
/// planning.
pub fn read_configured_substituters() {
    configured_substituters();
}

/// Read once per process; when Nix cannot tell, only the requested substituters are asked.
fn configured_substituters() -> &'static [String] {
    static CONFIGURED: OnceLock<Vec<String>> = OnceLock::new();
    CONFIGURED.get_or_init(|| {
        NixConfig::read()
            .map(|config| config.substituters)
            .unwrap_or_default()
    })
}

fn host_substituters(configured: &[String], requested: &[String]) -> String {
    let mut chosen: Vec<&str> = Vec::new();
    for uri in configured.iter().chain(requested) {
        let uri = uri.as_str();
        if uri.trim_end_matches('/') != NIXOS_CACHE && !chosen.contains(&uri) {
            chosen.push(uri);
        }
    }
    chosen.join(" ")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Notice {
    Untrusted,
    Unreachable,
    NotACache,
    DatabaseBusy,
}

/// Turns Nix's per-path and per-retry warnings about substituters into one plain warning
/// per substituter and kind, and its per-retry warnings about a busy database into one.
#[derive(Debug, Default)]
pub struct NixWarnings {
    said: HashSet<(Notice, String)>,
}

impl NixWarnings {
    /// What to pass on for `event`: the event itself, the plain warning replacing the first
    /// Nix warning of a kind, or nothing for repeats and retries.
    pub fn filter(&mut self, event: NixEvent) -> Option<BackendEvent> {
        let text = match &event {
            NixEvent::Msg(msg) => strip_ansi(&msg.msg),
            NixEvent::Raw(line) => strip_ansi(line),
            _ => return Some(BackendEvent::Nix(event)),
        };
        let Some(warning) = text.trim().strip_prefix("warning:") else {
            return Some(BackendEvent::Nix(event));
        };
        let warning = warning.trim();
        let (notice, subject, reason) = if let Some(uri) = untrusted_substituter(warning) {
            (Notice::Untrusted, uri, String::new())
        } else if let Some(rest) = warning.strip_prefix("error: unable to download '") {
            // A retry: the attempt that gives up says so without "retrying".
            if rest.contains("; retrying in ") {
                return None;
            }
            return Some(BackendEvent::Nix(event));
        } else if let Some((url, reason)) = failed_download(warning) {
            (Notice::Unreachable, substituter_of(url), reason.to_string())
        } else if let Some(uri) = warning
            .strip_prefix('\'')
            .and_then(|rest| rest.strip_suffix("' does not appear to be a binary cache"))
        {
            (Notice::NotACache, uri, String::new())
        } else if let Some(database) = warning
            .strip_prefix("error: SQLite database '")
            .and_then(|rest| rest.strip_suffix("' is busy"))
        {
            (Notice::DatabaseBusy, database, String::new())
        } else {
            return Some(BackendEvent::Nix(event));
        };
        if !self.said.insert((notice, subject.to_string())) {
            return None;
        }
        Some(BackendEvent::Warning(match notice {
            Notice::Untrusted => format!(
                "substituter {subject} has outputs of this build, signed by no key in \
                 trusted-public-keys: refused, building them instead (to use it, trust its \
                 public key: --option extra-trusted-public-keys 'NAME:KEY', or in nix.conf)"
            ),
            Notice::Unreachable => {
                format!("substituter {subject} is unreachable ({reason}): building without it")
            }
            Notice::NotACache => format!(
                "substituter {subject} is not a binary cache (it has no nix-cache-info): \
                 building without it"
            ),
            Notice::DatabaseBusy => format!(
                "the Nix database {subject} is busy (another Nix command is writing to it): \
                 Nix waits and retries"
            ),
        }))
    }
}

/// The URI in `the substitute for '<path>' from '<uri>' is not signed by any of the keys in
/// 'trusted-public-keys'` (Nix 2.8), or `ignoring substitute for '<path>' from '<uri>', as
/// it's not signed by ...` (Nix 2.26).
fn untrusted_substituter(warning: &str) -> Option<&str> {
    let rest = warning
        .strip_prefix("the substitute for '")
        .or_else(|| warning.strip_prefix("ignoring substitute for '"))?;
    let (_, rest) = rest.split_once("' from '")?;
    let (uri, rest) = rest.split_once('\'')?;
    rest.contains("not signed by any of the keys in 'trusted-public-keys'")
        .then_some(uri)
}

/// `unable to download '<url>': <reason>` -> (url, reason).
fn failed_download(warning: &str) -> Option<(&str, &str)> {
    let rest = warning.strip_prefix("unable to download '")?;
    rest.split_once("': ")
}

/// The substituter a download belongs to: `<uri>/nix-cache-info`, `<uri>/<hash>.narinfo`,
/// `<uri>/nar/<file>` -> `<uri>`.
fn substituter_of(url: &str) -> &str {
    let dir = url.rsplit_once('/').map_or(url, |(dir, _)| dir);
    dir.strip_suffix("/nar").unwrap_or(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::nix::protocol::parse_line;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn host_mode_asks_the_configured_substituters_but_never_cache_nixos_org() {
        let configured = strings(&["https://cache.nixos.org/", "https://ci.example/cache"]);
        let requested = strings(&["http://127.0.0.1:8080", "https://ci.example/cache"]);
        assert_eq!(
            host_substituters(&configured, &requested),
            "https://ci.example/cache http://127.0.0.1:8080"
        );
        assert_eq!(
            host_substituters(&strings(&["https://cache.nixos.org"]), &[]),
            ""
        );
    }

    #[test]
    fn nixpkgs_mode_adds_the_requested_substituters_to_nixs() {
        assert!(substituter_options(ToolchainMode::Nixpkgs, &[]).is_empty());
        assert_eq!(
            substituter_options(ToolchainMode::Nixpkgs, &strings(&["http://a", "http://b"])),
            vec![(
                "extra-substituters".to_string(),
                "http://a http://b".to_string()
            )]
        );
    }

    fn warnings(lines: &[&str]) -> Vec<String> {
        let mut notices = NixWarnings::default();
        lines
            .iter()
            .filter_map(|line| notices.filter(parse_line(line)))
            .map(|event| match event {
                BackendEvent::Warning(text) => text,
                BackendEvent::Nix(NixEvent::Msg(msg)) => format!("passed: {}", msg.msg),
                other => format!("passed: {other:?}"),
            })
            .collect()
    }

    // Lines as Nix 2.8 wrote them for a cache signed by an untrusted key.
    const UNTRUSTED: [&str; 2] = [
        r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m the substitute for '/nix/store/i6ak55w97g7wabyvk6rzgzjq4gaqbip6-app-0.1.0-bin' from 'http://127.0.0.1:18766' is not signed by any of the keys in 'trusted-public-keys'"}"#,
        r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m the substitute for '/nix/store/7zm9nwq08b3r37gq42kj9a0csmsqrg00-app-0.1.0-build-script' from 'http://127.0.0.1:18766' is not signed by any of the keys in 'trusted-public-keys'"}"#,
    ];

    // And for a closed port.
    const UNREACHABLE: [&str; 3] = [
        r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m \u001b[31;1merror:\u001b[0m unable to download 'http://127.0.0.1:18799/nix-cache-info': Couldn't connect to server (7); retrying in 303 ms"}"#,
        r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m \u001b[31;1merror:\u001b[0m unable to download 'http://127.0.0.1:18799/nix-cache-info': Couldn't connect to server (7); retrying in 635 ms"}"#,
        r#"@nix {"action":"msg","column":null,"file":null,"level":1,"line":null,"msg":"\u001b[35;1mwarning:\u001b[0m unable to download 'http://127.0.0.1:18799/nix-cache-info': Couldn't connect to server (7)","raw_msg":"unable to download 'http://127.0.0.1:18799/nix-cache-info': Couldn't connect to server (7)"}"#,
    ];

    #[test]
    fn an_untrusted_cache_is_said_once() {
        let said = warnings(&UNTRUSTED);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(
            said[0].starts_with("substituter http://127.0.0.1:18766 has outputs of this build"),
            "{said:?}"
        );
        assert!(said[0].contains("trusted-public-keys"), "{said:?}");
    }

    #[test]
    fn nix_2_26_words_are_understood_too() {
        let untrusted = r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m ignoring substitute for '/nix/store/yjg0jlx0cgnmkralsw7a1kv373c0h9yj-libnix-cache-probe' from 'file:///tmp/c226', as it's not signed by any of the keys in 'trusted-public-keys'"}"#;
        let retry = r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m \u001b[31;1merror:\u001b[0m unable to \u001b[35;1mdownload\u001b[0m '\u001b[35;1mhttp://127.0.0.1:9/nix-cache-info\u001b[0m': \u001b[35;1mCould not connect to server\u001b[0m (\u001b[35;1m7\u001b[0m) \u001b[35;1mFailed to connect to 127.0.0.1 port 9 after 0 ms: Could not connect to server\u001b[0m; retrying in 325 ms"}"#;
        let gave_up = r#"@nix {"action":"msg","column":null,"file":null,"level":1,"line":null,"msg":"\u001b[35;1mwarning:\u001b[0m unable to \u001b[35;1mdownload\u001b[0m '\u001b[35;1mhttp://127.0.0.1:9/nix-cache-info\u001b[0m': \u001b[35;1mCould not connect to server\u001b[0m (\u001b[35;1m7\u001b[0m) \u001b[35;1mFailed to connect to 127.0.0.1 port 9 after 0 ms: Could not connect to server\u001b[0m"}"#;
        let said = warnings(&[untrusted, untrusted, retry, retry, gave_up]);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].starts_with("substituter file:///tmp/c226 has outputs"),
            "{said:?}"
        );
        assert!(
            said[1].starts_with("substituter http://127.0.0.1:9 is unreachable (Could not connect"),
            "{said:?}"
        );
    }

    #[test]
    fn an_unreachable_cache_is_said_once_without_its_retries() {
        assert_eq!(
            warnings(&UNREACHABLE),
            [
                "substituter http://127.0.0.1:18799 is unreachable (Couldn't connect to server \
              (7)): building without it"
            ]
        );
    }

    #[test]
    fn a_server_without_nix_cache_info_is_said_once() {
        let line = r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m '\u001b[35;1mhttp://127.0.0.1:18766\u001b[0m' does not appear to be a binary cache"}"#;
        assert_eq!(
            warnings(&[line, line]),
            [
                "substituter http://127.0.0.1:18766 is not a binary cache (it has no \
              nix-cache-info): building without it"
            ]
        );
    }

    #[test]
    fn a_busy_database_is_said_once() {
        // As Nix 2.8 wrote it while other Nix commands used the store.
        let line = r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m \u001b[31;1merror:\u001b[0m SQLite database '\u001b[35;1m/nix/var/nix/db/db.sqlite\u001b[0m' is busy"}"#;
        assert_eq!(
            warnings(&[line, line, line]),
            [
                "the Nix database /nix/var/nix/db/db.sqlite is busy (another Nix command is \
                 writing to it): Nix waits and retries"
            ]
        );
    }

    #[test]
    fn other_messages_pass_unchanged() {
        let line = r#"@nix {"action":"msg","level":1,"msg":"\u001b[35;1mwarning:\u001b[0m you did not specify '--add-root'"}"#;
        assert_eq!(warnings(&[line]).len(), 1);
        assert!(warnings(&[line])[0].starts_with("passed: "));
        let narinfo = substituter_of("http://h:1/sub/abc.narinfo");
        assert_eq!(narinfo, "http://h:1/sub");
        assert_eq!(substituter_of("http://h:1/nar/abc.nar.zst"), "http://h:1");
    }
}
