//! The one way a diagnosis is written out: as text for `build`, `doctor` and the dashboard,
//! as JSON for `build --message-format json`.

use serde_json::json;

use super::Diagnosis;

impl Diagnosis {
    /// The cause and its crate on the first line; then the evidence (at most
    /// `evidence_lines` of it), the suggested deps-file entry or that none is known, and
    /// the Debian packages host mode needs.
    pub fn report(&self, evidence_lines: usize) -> String {
        let mut lines = vec![format!("{} ({})", self.cause, self.crate_name)];
        for line in self.evidence.iter().take(evidence_lines) {
            lines.push(format!("evidence: {line}"));
        }
        match &self.suggestion {
            Some(suggestion) => {
                for line in suggestion.as_nix().lines() {
                    lines.push(format!("fix: {line}"));
                }
                if !self.debian_packages.is_empty() {
                    lines.push(format!(
                        "host mode needs the Debian packages: {}",
                        self.debian_packages.join(" ")
                    ));
                }
            }
            None => lines.push("no native-dependency fix known".to_string()),
        }
        lines.join("\n")
    }

    /// The diagnosis as one JSON object: `crate`, `cause`, `evidence`, `suggestion`.
    pub fn to_json(&self) -> serde_json::Value {
        json!({
            "crate": self.crate_name,
            "cause": self.cause.to_string(),
            "evidence": self.evidence,
            "suggestion": self.suggestion.as_ref().map(|s| json!({
                "crate": s.crate_name,
                "packages": s.packages,
                "envs": s.envs,
            })),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Cause, Suggestion};
    use super::*;

    fn openssl(suggestion: Option<Suggestion>) -> Diagnosis {
        Diagnosis {
            crate_name: "openssl-sys".into(),
            cause: Cause::MissingOpenSsl,
            evidence: vec!["first".into(), "second".into()],
            debian_packages: if suggestion.is_some() {
                vec!["pkg-config".into(), "libssl-dev".into()]
            } else {
                Vec::new()
            },
            suggestion,
        }
    }

    #[test]
    fn the_report_names_cause_evidence_and_fix() {
        let suggestion = Suggestion {
            crate_name: "openssl-sys".into(),
            packages: vec!["pkg-config".into(), "openssl".into()],
            envs: vec![("OPENSSL_NO_VENDOR".into(), "1".into())],
        };
        assert_eq!(
            openssl(Some(suggestion)).report(1),
            "OpenSSL not found (openssl-sys)\n\
             evidence: first\n\
             fix: deps.\"openssl-sys\" = [ pkg-config openssl ];\n\
             fix: envs.\"openssl-sys\".OPENSSL_NO_VENDOR = \"1\";\n\
             host mode needs the Debian packages: pkg-config libssl-dev"
        );
        assert_eq!(
            openssl(None).report(usize::MAX),
            "OpenSSL not found (openssl-sys)\nevidence: first\nevidence: second\n\
             no native-dependency fix known"
        );
    }

    #[test]
    fn the_json_form_keeps_its_keys() {
        let json = openssl(None).to_json();
        assert_eq!(json["crate"], "openssl-sys");
        assert_eq!(json["cause"], "OpenSSL not found");
        assert_eq!(json["evidence"][1], "second");
        assert!(json["suggestion"].is_null());
    }
}
