//! bindgen (through clang-sys) could not load libclang.

use super::Cause;
use super::rule::{Needs, Rule};

pub(super) struct Libclang;

impl Rule for Libclang {
    fn missing_in(&self, line: &str) -> Vec<String> {
        let said = line.contains("Unable to find libclang")
            || line.contains("couldn't find any valid shared libraries matching: ['libclang");
        if said {
            vec!["libclang".to_string()]
        } else {
            Vec::new()
        }
    }

    fn cause(&self, _missing: &[String]) -> Cause {
        Cause::MissingLibclang
    }

    fn needs(&self, _missing: &[String], _messages: &[String]) -> Needs {
        Needs {
            libclang: true,
            ..Needs::default()
        }
    }
}
