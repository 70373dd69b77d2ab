//! openssl-sys could not locate OpenSSL.

use super::Cause;
use super::rule::{Needs, Phrases};

pub(super) const OPENSSL: Phrases = Phrases {
    name: "openssl",
    phrases: &[
        "Could not find directory of OpenSSL installation",
        "Failed to find OpenSSL development headers",
    ],
    cause: Cause::MissingOpenSsl,
    needs: || Needs {
        modules: vec!["openssl".to_string()],
        ..Needs::default()
    },
};
