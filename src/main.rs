fn main() {
    std::process::exit(libnix_tui::cli::main());
}
