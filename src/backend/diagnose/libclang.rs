//! bindgen (through clang-sys) could not load libclang.

use super::Cause;
use super::rule::{Needs, Phrases};

pub(super) const LIBCLANG: Phrases = Phrases {
    name: "libclang",
    phrases: &[
        "Unable to find libclang",
        "couldn't find any valid shared libraries matching: ['libclang",
    ],
    cause: Cause::MissingLibclang,
    needs: || Needs {
        libclang: true,
        ..Needs::default()
    },
};
