//! Build insights: what went into each unit of a build and why a unit was rebuilt.
//! Engine-side only (plan, store, records); no UI imports.

pub mod manifest;
pub mod why;
