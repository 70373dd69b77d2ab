//! libnix-tui: build Rust projects through Nix, one derivation per compilation unit.

pub mod app;
pub mod backend;
pub mod cli;
pub mod views;
