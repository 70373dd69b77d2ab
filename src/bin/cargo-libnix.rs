//! `cargo libnix ...`: the same program, run by Cargo as a subcommand.
fn main() {
    std::process::exit(libnix_tui::cli::main());
}
