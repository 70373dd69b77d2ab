//! Build insights: what went into each unit of a build, why a unit was rebuilt, and where
//! a build's time went.
//! Engine-side only (plan, store, records); no UI imports.

pub mod manifest;
pub mod timings;
pub mod timings_html;
pub mod why;
