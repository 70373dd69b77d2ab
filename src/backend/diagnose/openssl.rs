//! openssl-sys could not locate OpenSSL.

use super::Cause;
use super::rule::{Needs, Rule};

pub(super) struct OpenSsl;

impl Rule for OpenSsl {
    fn missing_in(&self, line: &str) -> Vec<String> {
        let said = line.contains("Could not find directory of OpenSSL installation")
            || line.contains("Failed to find OpenSSL development headers");
        if said {
            vec!["openssl".to_string()]
        } else {
            Vec::new()
        }
    }

    fn cause(&self, _missing: &[String]) -> Cause {
        Cause::MissingOpenSsl
    }

    fn needs(&self, _missing: &[String], _messages: &[String]) -> Needs {
        Needs {
            modules: vec!["openssl".to_string()],
            ..Needs::default()
        }
    }
}
