//! Which store paths a build fetched from a substituter instead of building, and from
//! where: what `why` says of a unit that came from a shared cache.

use std::collections::HashMap;

use crate::backend::nix::protocol::{ActivityId, ActivityType, NixEvent};

/// Nix's `substitute` activities of one or more realise runs, as they start and stop.
#[derive(Debug, Default)]
pub struct FetchedPaths {
    started: HashMap<ActivityId, (String, String)>,
    fetched: HashMap<String, String>,
}

impl FetchedPaths {
    pub fn observe(&mut self, event: &NixEvent) {
        match event {
            NixEvent::Start(start) if start.kind == ActivityType::Substitute => {
                if let (Some(path), Some(from)) = (start.fields.str(0), start.fields.str(1)) {
                    self.started
                        .insert(start.id, (path.to_owned(), from.to_owned()));
                }
            }
            NixEvent::Stop { id } => {
                if let Some((path, from)) = self.started.remove(id) {
                    self.fetched.insert(path, from);
                }
            }
            _ => {}
        }
    }

    /// Store path → substituter URI, for every substitution that ended. An ended
    /// substitution may have failed: a path still missing after the build was not fetched.
    pub fn into_map(self) -> HashMap<String, String> {
        self.fetched
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::nix::protocol::parse_line;

    #[test]
    fn substitutions_that_ended_are_kept_with_their_substituter() {
        let mut fetched = FetchedPaths::default();
        for line in [
            r#"@nix {"action":"start","id":7,"level":4,"type":108,"text":"copying path","fields":["/nix/store/aaaa-serde-lib","http://127.0.0.1:8080"]}"#,
            r#"@nix {"action":"start","id":8,"level":4,"type":100,"text":"copying path","fields":["/nix/store/aaaa-serde-lib","http://127.0.0.1:8080","local"]}"#,
            r#"@nix {"action":"stop","id":8}"#,
            r#"@nix {"action":"start","id":9,"level":4,"type":108,"text":"copying path","fields":["/nix/store/bbbb-syn-lib","ssh://cache"]}"#,
            r#"@nix {"action":"stop","id":7}"#,
        ] {
            fetched.observe(&parse_line(line));
        }
        assert_eq!(
            fetched.into_map(),
            HashMap::from([(
                "/nix/store/aaaa-serde-lib".to_owned(),
                "http://127.0.0.1:8080".to_owned()
            )]),
            "the copy inside a substitution is not one, and a running one has not ended"
        );
    }
}
