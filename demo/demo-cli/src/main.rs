fn main() {
    let text = "Every crate is its own Nix derivation: cached, shared and rebuilt alone.";
    println!("{}", wordstats::summary(text));
    println!("linked against {}", tls_info::openssl_version());
}
