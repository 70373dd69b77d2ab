use std::collections::BTreeSet;
use std::path::PathBuf;

use super::text::is_name;
use super::*;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/failure-logs")
}

/// A fixture's log lines, without the leading `#` header that says how it was captured.
fn fixture(name: &str) -> Vec<String> {
    let path = fixture_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    text.lines()
        .skip_while(|line| line.starts_with('#'))
        .map(str::to_string)
        .collect()
}

fn lines(text: &str) -> Vec<String> {
    text.lines().map(str::to_string).collect()
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|item| item.to_string()).collect()
}

const LIBCLANG_PATH: (&str, &str) = ("LIBCLANG_PATH", "${pkgs.llvmPackages.libclang.lib}/lib");

struct Expected {
    fixture: &'static str,
    /// The crate the caller believes failed (the throwaway project, as a dashboard that only
    /// knows the top-level failure would pass it).
    failing_crate: &'static str,
    cause: Cause,
    crate_name: &'static str,
    packages: &'static [&'static str],
    envs: &'static [(&'static str, &'static str)],
    debian: &'static [&'static str],
}

fn positive_cases() -> Vec<Expected> {
    vec![
        Expected {
            fixture: "openssl-sys-pkg-config.log",
            failing_crate: "cap-openssl",
            cause: Cause::MissingOpenSsl,
            crate_name: "openssl-sys",
            packages: &["pkg-config", "openssl"],
            envs: &[],
            debian: &["pkg-config", "libssl-dev"],
        },
        Expected {
            fixture: "openssl-sys-headers.log",
            failing_crate: "cap-openssl",
            cause: Cause::MissingOpenSsl,
            crate_name: "openssl-sys",
            packages: &["pkg-config", "openssl"],
            envs: &[],
            debian: &["pkg-config", "libssl-dev"],
        },
        Expected {
            fixture: "openssl-src-perl.log",
            failing_crate: "cap-openssl-vendored",
            cause: Cause::MissingTool {
                tool: "perl".into(),
            },
            crate_name: "openssl-sys",
            packages: &["perl"],
            envs: &[],
            debian: &["perl"],
        },
        Expected {
            fixture: "libsqlite3-sys-lld.log",
            failing_crate: "libsqlite3-sys",
            cause: Cause::MissingLinkLib {
                lib: "sqlite3".into(),
            },
            crate_name: "cap-sqlite",
            packages: &["sqlite"],
            envs: &[],
            debian: &["libsqlite3-dev"],
        },
        Expected {
            fixture: "libsqlite3-sys-ld-bfd.log",
            failing_crate: "libsqlite3-sys",
            cause: Cause::MissingLinkLib {
                lib: "sqlite3".into(),
            },
            crate_name: "cap-sqlite-bfd",
            packages: &["sqlite"],
            envs: &[],
            debian: &["libsqlite3-dev"],
        },
        Expected {
            fixture: "alsa-sys.log",
            failing_crate: "cap-alsa",
            cause: Cause::MissingPkgConfigPackage {
                name: "alsa".into(),
            },
            crate_name: "alsa-sys",
            packages: &["pkg-config", "alsa-lib"],
            envs: &[],
            debian: &["pkg-config", "libasound2-dev"],
        },
        Expected {
            fixture: "libudev-sys.log",
            failing_crate: "cap-udev",
            cause: Cause::MissingPkgConfigPackage {
                name: "libudev".into(),
            },
            crate_name: "libudev-sys",
            packages: &["pkg-config", "udev"],
            envs: &[],
            debian: &["pkg-config", "libudev-dev"],
        },
        Expected {
            fixture: "libdbus-sys.log",
            failing_crate: "cap-dbus",
            cause: Cause::MissingPkgConfigPackage {
                name: "dbus-1".into(),
            },
            crate_name: "libdbus-sys",
            packages: &["pkg-config", "dbus"],
            envs: &[],
            debian: &["pkg-config", "libdbus-1-dev"],
        },
        Expected {
            fixture: "glib-sys-system-deps.log",
            failing_crate: "cap-glib",
            cause: Cause::MissingPkgConfigPackage {
                name: "glib-2.0".into(),
            },
            crate_name: "glib-sys",
            packages: &["pkg-config", "glib"],
            envs: &[],
            debian: &["pkg-config", "libglib2.0-dev"],
        },
        Expected {
            fixture: "fuser-libfuse3.log",
            failing_crate: "cap-fuse",
            cause: Cause::MissingPkgConfigPackage {
                name: "fuse3".into(),
            },
            crate_name: "fuser",
            packages: &["pkg-config", "fuse3"],
            envs: &[],
            debian: &["pkg-config", "libfuse3-dev"],
        },
        Expected {
            fixture: "pcap-link.log",
            failing_crate: "pcap",
            cause: Cause::MissingLinkLib { lib: "pcap".into() },
            crate_name: "cap-pcap",
            packages: &["libpcap"],
            envs: &[],
            debian: &["libpcap-dev"],
        },
        Expected {
            fixture: "hidapi-libudev.log",
            failing_crate: "cap-hidapi",
            cause: Cause::MissingPkgConfigPackage {
                name: "libudev".into(),
            },
            crate_name: "hidapi",
            packages: &["pkg-config", "udev"],
            envs: &[],
            debian: &["pkg-config", "libudev-dev"],
        },
        Expected {
            fixture: "pq-sys-link.log",
            failing_crate: "pq-sys",
            cause: Cause::MissingLinkLib { lib: "pq".into() },
            crate_name: "cap-pq",
            packages: &["postgresql"],
            envs: &[],
            debian: &["libpq-dev"],
        },
        Expected {
            fixture: "libz-ng-sys-cmake.log",
            failing_crate: "cap-zng",
            cause: Cause::MissingCmake,
            crate_name: "libz-ng-sys",
            packages: &["cmake"],
            envs: &[],
            debian: &["cmake"],
        },
        Expected {
            fixture: "prost-build-protoc.log",
            failing_crate: "cap-prost",
            cause: Cause::MissingProtoc,
            crate_name: "cap-prost",
            packages: &["protobuf"],
            envs: &[("PROTOC", "${pkgs.protobuf}/bin/protoc")],
            debian: &["protobuf-compiler"],
        },
        Expected {
            fixture: "capnpc-capnp.log",
            failing_crate: "cap-capnp",
            cause: Cause::MissingTool {
                tool: "capnp".into(),
            },
            crate_name: "cap-capnp",
            packages: &["capnproto"],
            envs: &[],
            debian: &["capnproto"],
        },
        Expected {
            fixture: "bindgen-libclang.log",
            failing_crate: "cap-bindgen",
            cause: Cause::MissingLibclang,
            crate_name: "cap-bindgen",
            packages: &["llvmPackages.libclang"],
            envs: &[LIBCLANG_PATH],
            debian: &["libclang-dev"],
        },
        Expected {
            fixture: "linker-cc-missing.log",
            failing_crate: "cap-linker",
            cause: Cause::MissingLinker {
                linker: "cc".into(),
            },
            crate_name: "cap-linker",
            packages: &["stdenv.cc"],
            envs: &[],
            debian: &["gcc", "g++"],
        },
        Expected {
            fixture: "nix-builder-alsa-sys.log",
            failing_crate: "alsa-sys",
            cause: Cause::MissingPkgConfigPackage {
                name: "alsa".into(),
            },
            crate_name: "alsa-sys",
            packages: &["pkg-config", "alsa-lib"],
            envs: &[],
            debian: &["pkg-config", "libasound2-dev"],
        },
        Expected {
            fixture: "nix-builder-libz-ng-sys-cmake.log",
            failing_crate: "libz-ng-sys",
            cause: Cause::MissingCmake,
            crate_name: "libz-ng-sys",
            packages: &["cmake"],
            envs: &[],
            debian: &["cmake"],
        },
        Expected {
            fixture: "nix-builder-no-path.log",
            failing_crate: "no-path-builder",
            cause: Cause::MissingTool {
                tool: "mkdir".into(),
            },
            crate_name: "no-path-builder",
            packages: &["coreutils"],
            envs: &[],
            debian: &["coreutils"],
        },
    ]
}

/// Logs captured through the engine itself (`libnix-tui build`, host mode), where a
/// builder sees only the tools and packages its Cargo.dependencies.nix entry gives it.
fn engine_cases() -> Vec<Expected> {
    let pkg_config_missing = || Cause::MissingTool {
        tool: "pkg-config".into(),
    };
    vec![
        Expected {
            fixture: "engine-openssl-sys.log",
            failing_crate: "openssl-sys",
            cause: Cause::MissingOpenSsl,
            crate_name: "openssl-sys",
            packages: &["pkg-config", "openssl"],
            envs: &[],
            debian: &["pkg-config", "libssl-dev"],
        },
        Expected {
            fixture: "engine-openssl-src.log",
            failing_crate: "cap-openssl-src",
            cause: Cause::MissingTool {
                tool: "perl".into(),
            },
            crate_name: "cap-openssl-src",
            packages: &["perl"],
            envs: &[],
            debian: &["perl"],
        },
        Expected {
            fixture: "engine-alsa-sys.log",
            failing_crate: "alsa-sys",
            cause: Cause::MissingPkgConfigPackage {
                name: "alsa".into(),
            },
            crate_name: "alsa-sys",
            packages: &["pkg-config", "alsa-lib"],
            envs: &[],
            debian: &["pkg-config", "libasound2-dev"],
        },
        Expected {
            fixture: "engine-alsa-sys-no-pkg-config.log",
            failing_crate: "alsa-sys",
            cause: pkg_config_missing(),
            crate_name: "alsa-sys",
            packages: &["pkg-config", "alsa-lib"],
            envs: &[],
            debian: &["pkg-config", "libasound2-dev"],
        },
        Expected {
            fixture: "engine-libudev-sys.log",
            failing_crate: "libudev-sys",
            cause: pkg_config_missing(),
            crate_name: "libudev-sys",
            packages: &["pkg-config", "udev"],
            envs: &[],
            debian: &["pkg-config", "libudev-dev"],
        },
        Expected {
            fixture: "engine-libdbus-sys.log",
            failing_crate: "libdbus-sys",
            cause: pkg_config_missing(),
            crate_name: "libdbus-sys",
            packages: &["pkg-config", "dbus"],
            envs: &[],
            debian: &["pkg-config", "libdbus-1-dev"],
        },
        Expected {
            fixture: "engine-glib-sys.log",
            failing_crate: "glib-sys",
            cause: pkg_config_missing(),
            crate_name: "glib-sys",
            packages: &["pkg-config", "glib"],
            envs: &[],
            debian: &["pkg-config", "libglib2.0-dev"],
        },
        Expected {
            fixture: "engine-clang-sys.log",
            failing_crate: "clang-sys",
            cause: Cause::MissingLibclang,
            crate_name: "clang-sys",
            packages: &["llvmPackages.libclang"],
            envs: &[LIBCLANG_PATH],
            debian: &["libclang-dev"],
        },
        Expected {
            fixture: "engine-libz-ng-sys.log",
            failing_crate: "libz-ng-sys",
            cause: Cause::MissingCmake,
            crate_name: "libz-ng-sys",
            packages: &["cmake"],
            envs: &[],
            debian: &["cmake"],
        },
        Expected {
            fixture: "engine-prost-build.log",
            failing_crate: "cap-prost",
            cause: Cause::MissingProtoc,
            crate_name: "cap-prost",
            packages: &["protobuf"],
            envs: &[("PROTOC", "${pkgs.protobuf}/bin/protoc")],
            debian: &["protobuf-compiler"],
        },
        Expected {
            fixture: "engine-capnpc.log",
            failing_crate: "cap-capnp",
            cause: Cause::MissingTool {
                tool: "capnp".into(),
            },
            crate_name: "cap-capnp",
            packages: &["capnproto"],
            envs: &[],
            debian: &["capnproto"],
        },
        Expected {
            fixture: "engine-pcap.log",
            failing_crate: "cap-pcap",
            cause: Cause::MissingLinkLib { lib: "pcap".into() },
            crate_name: "cap-pcap",
            packages: &["libpcap"],
            envs: &[],
            debian: &["libpcap-dev"],
        },
        Expected {
            fixture: "engine-linker-cc-missing.log",
            failing_crate: "cap-linker",
            cause: Cause::MissingLinker {
                linker: "cc".into(),
            },
            crate_name: "cap-linker",
            packages: &["stdenv.cc"],
            envs: &[],
            debian: &["gcc", "g++"],
        },
    ]
}

const NEGATIVE_FIXTURES: [&str; 6] = [
    "negative-user-compile-error.log",
    "negative-build-script-assert.log",
    "negative-warnings-only.log",
    "engine-negative-user-compile-error.log",
    "engine-negative-build-script-assert.log",
    "engine-negative-build-script-cargo-error.log",
];

#[test]
fn every_positive_fixture_gives_the_expected_cause_crate_and_suggestion() {
    for case in positive_cases().into_iter().chain(engine_cases()) {
        let diagnosis = diagnose(case.failing_crate, &fixture(case.fixture))
            .unwrap_or_else(|| panic!("{}: no diagnosis", case.fixture));
        assert_eq!(diagnosis.cause, case.cause, "{}", case.fixture);
        assert_eq!(diagnosis.crate_name, case.crate_name, "{}", case.fixture);
        let expected = Suggestion {
            crate_name: case.crate_name.to_string(),
            packages: strings(case.packages),
            envs: case
                .envs
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
        };
        assert_eq!(diagnosis.suggestion, Some(expected), "{}", case.fixture);
        assert_eq!(
            diagnosis.debian_packages,
            strings(case.debian),
            "{}",
            case.fixture
        );
        assert!(
            !diagnosis.evidence.is_empty(),
            "{}: no evidence",
            case.fixture
        );
    }
}

#[test]
fn evidence_quotes_the_tool_messages_the_diagnosis_rests_on() {
    let alsa = diagnose("cap-alsa", &fixture("alsa-sys.log")).expect("diagnosis");
    assert!(alsa.evidence.contains(
        &"The system library `alsa` required by crate `alsa-sys` was not found.".to_string()
    ));
    let cmake = diagnose("cap-zng", &fixture("libz-ng-sys-cmake.log")).expect("diagnosis");
    assert!(
        cmake
            .evidence
            .contains(&"is `cmake` not installed?".to_string())
    );
    let pcap = diagnose("pcap", &fixture("pcap-link.log")).expect("diagnosis");
    assert!(
        pcap.evidence
            .iter()
            .any(|line| line.contains("unable to find library -lpcap"))
    );
}

#[test]
fn a_compile_error_or_a_warning_only_log_gives_no_diagnosis() {
    for (failing_crate, fixture_name) in [
        ("cap-usercode", "negative-user-compile-error.log"),
        ("cap-usercode", "engine-negative-user-compile-error.log"),
        ("cap-warning", "negative-warnings-only.log"),
    ] {
        assert_eq!(
            diagnose(failing_crate, &fixture(fixture_name)),
            None,
            "{fixture_name}"
        );
    }
}

#[test]
fn a_build_script_assert_is_reported_without_a_suggestion() {
    for fixture_name in [
        "negative-build-script-assert.log",
        "engine-negative-build-script-assert.log",
    ] {
        let diagnosis = diagnose("cap-assert", &fixture(fixture_name))
            .expect("a failed build script is still worth naming");
        assert_eq!(diagnosis.cause, Cause::BuildScriptFailed, "{fixture_name}");
        assert_eq!(diagnosis.crate_name, "cap-assert", "{fixture_name}");
        assert_eq!(diagnosis.suggestion, None, "{fixture_name}");
        assert!(diagnosis.debian_packages.is_empty(), "{fixture_name}");
        assert!(
            diagnosis
                .evidence
                .contains(&"rows.txt must list at least one row".to_string()),
            "{fixture_name}: {:?}",
            diagnosis.evidence
        );
    }
}

#[test]
fn a_cargo_error_directive_fails_the_build_script_without_a_suggestion() {
    let diagnosis = diagnose(
        "cap-cargo-error",
        &fixture("engine-negative-build-script-cargo-error.log"),
    )
    .expect("a build script that reported an error failed");
    assert_eq!(diagnosis.cause, Cause::BuildScriptFailed);
    assert_eq!(diagnosis.crate_name, "cap-cargo-error");
    assert_eq!(diagnosis.suggestion, None);
    assert_eq!(
        diagnosis.evidence,
        strings(&["libfrob 2.0 or newer is required, found 1.4"])
    );
}

#[test]
fn an_echoed_error_names_the_crate_whose_build_script_said_it() {
    let diagnosis = diagnose(
        "app",
        &lines("error: frob-sys@1.2.0+2.4: libfrob 2.0 or newer is required"),
    )
    .expect("diagnosis");
    assert_eq!(diagnosis.cause, Cause::BuildScriptFailed);
    assert_eq!(diagnosis.crate_name, "frob-sys");
    let not_an_echo = lines("error: could not find `Cargo.toml` in `/tmp` or any parent directory");
    assert_eq!(diagnose("app", &not_an_echo), None);
}

#[test]
fn engine_logs_quote_each_message_once_and_never_the_rustc_command() {
    for case in engine_cases() {
        let diagnosis = diagnose(case.failing_crate, &fixture(case.fixture)).expect("diagnosis");
        let mut seen = BTreeSet::new();
        for line in &diagnosis.evidence {
            assert!(seen.insert(line), "{}: {line} twice", case.fixture);
            assert!(
                !line.starts_with("Running rustc") && !line.starts_with("cargo:"),
                "{}: {line}",
                case.fixture
            );
        }
    }
    let openssl = diagnose("openssl-sys", &fixture("engine-openssl-sys.log")).expect("diagnosis");
    let could_not_find = openssl
        .evidence
        .iter()
        .filter(|line| line.contains("Could not find directory of OpenSSL installation"))
        .count();
    assert_eq!(could_not_find, 2, "{:?}", openssl.evidence);
}

#[test]
fn the_engine_captures_come_from_at_least_ten_crates_io_crates() {
    const HEADER: &str = "# Captured with libnix-tui build (Nix 2.8, host mode) from ";
    let mut crates = BTreeSet::new();
    for case in engine_cases() {
        let path = fixture_dir().join(case.fixture);
        let text = std::fs::read_to_string(&path).expect("fixture");
        let source = text
            .strip_prefix(HEADER)
            .and_then(|rest| rest.split(':').next())
            .unwrap_or_else(|| panic!("{}: header", case.fixture));
        if !source.contains("no crates.io crate") {
            crates.insert(source.to_string());
        }
    }
    assert!(crates.len() >= 10, "{crates:?}");
}

#[test]
fn every_fixture_file_is_covered_by_a_test() {
    let tested: BTreeSet<String> = positive_cases()
        .iter()
        .chain(&engine_cases())
        .map(|case| case.fixture.to_string())
        .chain(NEGATIVE_FIXTURES.iter().map(|name| name.to_string()))
        .collect();
    let on_disk: BTreeSet<String> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir")
        .filter_map(|entry| entry.ok())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(tested, on_disk);
    assert!(tested.len() >= 13);
}

#[test]
fn every_fixture_says_how_it_was_captured() {
    for entry in std::fs::read_dir(fixture_dir()).expect("fixture dir") {
        let path = entry.expect("fixture entry").path();
        let text = std::fs::read_to_string(&path).expect("fixture");
        assert!(text.starts_with("# Captured "), "{}", path.display());
    }
}

#[test]
fn without_cargo_framing_the_failing_crate_is_the_one_given() {
    let builder_log = lines(
        "Package alsa was not found in the pkg-config search path.\n\
         Perhaps you should add the directory containing `alsa.pc'\n\
         No package 'alsa' found",
    );
    let diagnosis = diagnose("alsa-sys", &builder_log).expect("diagnosis");
    assert_eq!(diagnosis.crate_name, "alsa-sys");
    assert_eq!(
        diagnosis.cause,
        Cause::MissingPkgConfigPackage {
            name: "alsa".into()
        }
    );
    let suggestion = diagnosis.suggestion.expect("suggestion");
    assert_eq!(suggestion.packages, strings(&["pkg-config", "alsa-lib"]));
}

#[test]
fn nix_prefixed_and_coloured_lines_still_match() {
    let log = lines(
        "libudev-sys> \u{1b}[1m\u{1b}[31merror\u{1b}[0m: Package libudev was not found in the pkg-config search path.",
    );
    let diagnosis = diagnose("libudev-sys", &log).expect("diagnosis");
    assert_eq!(
        diagnosis.cause,
        Cause::MissingPkgConfigPackage {
            name: "libudev".into()
        }
    );
    assert!(diagnosis.evidence[0].starts_with("libudev-sys> error: Package"));
}

// The following messages were not reproduced on this machine; the strings are the tools'
// wording (GNU/Apple ld, dash, bash, the pkg-config crate without a pkg-config binary).

#[test]
fn tool_messages_name_the_cause_and_the_packages_that_remove_it() {
    let cases = [
        // dash
        (
            "gmp-mpfr-sys",
            "sh: 1: m4: not found",
            Cause::MissingTool { tool: "m4".into() },
            &["m4"][..],
        ),
        // bash
        (
            "mozjpeg-sys",
            "/nix/store/abc-bash-5.2/bin/bash: line 1: nasm: command not found",
            Cause::MissingTool {
                tool: "nasm".into(),
            },
            &["nasm"],
        ),
        // A missing cmake reported by the shell is still a missing cmake.
        (
            "expat-sys",
            "sh: 1: cmake: not found",
            Cause::MissingCmake,
            &["cmake"],
        ),
        // Apple ld
        (
            "app",
            "ld: library not found for -lpq",
            Cause::MissingLinkLib { lib: "pq".into() },
            &["postgresql"],
        ),
        // A verbatim library file name counts as its library.
        (
            "app",
            "/usr/bin/ld: cannot find -l:libpulse.so.0: No such file or directory",
            Cause::MissingLinkLib {
                lib: "pulse".into(),
            },
            &["libpulseaudio"],
        ),
        // gcc names the missing header ...
        (
            "bzip2-sys",
            "src/lib.c:3:10: fatal error: zlib.h: No such file or directory",
            Cause::MissingHeader {
                header: "zlib.h".into(),
            },
            &["zlib"],
        ),
        // ... and so does clang.
        (
            "app",
            "/build/wrapper.h:1:10: fatal error: 'alsa/asoundlib.h' file not found",
            Cause::MissingHeader {
                header: "alsa/asoundlib.h".into(),
            },
            &["alsa-lib"],
        ),
        // The pkg-config crate without a pkg-config binary: suggest it with the module
        // asked for.
        (
            "libpulse-sys",
            "Could not run `PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1 pkg-config --libs --cflags libpulse`\n\
             The pkg-config command could not be found.",
            Cause::MissingTool {
                tool: "pkg-config".into(),
            },
            &["pkg-config", "libpulseaudio"],
        ),
    ];
    for (failing_crate, log, cause, packages) in cases {
        let diagnosis = diagnose(failing_crate, &lines(log)).unwrap_or_else(|| panic!("{log}"));
        assert_eq!(diagnosis.cause, cause, "{log}");
        let suggestion = diagnosis
            .suggestion
            .unwrap_or_else(|| panic!("{log}: no suggestion"));
        assert_eq!(suggestion.crate_name, failing_crate, "{log}");
        assert_eq!(suggestion.packages, strings(packages), "{log}");
    }
}

#[test]
fn an_unknown_module_is_named_but_not_guessed() {
    let log =
        lines("The system library `frobnicate-9` required by crate `frob-sys` was not found.");
    let diagnosis = diagnose("app", &log).expect("diagnosis");
    assert_eq!(diagnosis.crate_name, "frob-sys");
    assert_eq!(
        diagnosis.cause,
        Cause::MissingPkgConfigPackage {
            name: "frobnicate-9".into()
        }
    );
    assert_eq!(diagnosis.suggestion, None);
}

#[test]
fn a_crate_entry_that_covers_the_cause_contributes_its_whole_recipe() {
    let log = lines("The system library `libgit2` required by crate `libgit2-sys` was not found.");
    let suggestion = diagnose("app", &log)
        .and_then(|d| d.suggestion)
        .expect("suggestion");
    assert_eq!(suggestion.crate_name, "libgit2-sys");
    assert_eq!(
        suggestion.packages,
        strings(&["pkg-config", "libgit2", "openssl", "zlib"])
    );
}

#[test]
fn suggestions_for_merges_failures_of_the_same_crate() {
    let failures = vec![
        ("cap-alsa".to_string(), fixture("alsa-sys.log")),
        ("alsa-sys".to_string(), fixture("alsa-sys.log")),
        (
            "app".to_string(),
            lines("rust-lld: error: unable to find library -lpcap"),
        ),
        (
            "cap-usercode".to_string(),
            fixture("negative-user-compile-error.log"),
        ),
        (
            "app".to_string(),
            lines("/usr/bin/ld: cannot find -lsqlite3: No such file or directory"),
        ),
        ("cap-prost".to_string(), fixture("prost-build-protoc.log")),
        ("cap-prost".to_string(), lines("sh: 1: protoc: not found")),
    ];
    let suggestions = suggestions_for(&failures);
    assert_eq!(
        suggestions,
        vec![
            Suggestion {
                crate_name: "alsa-sys".into(),
                packages: strings(&["pkg-config", "alsa-lib"]),
                envs: vec![],
            },
            Suggestion {
                crate_name: "app".into(),
                packages: strings(&["libpcap", "sqlite"]),
                envs: vec![],
            },
            Suggestion {
                crate_name: "cap-prost".into(),
                packages: strings(&["protobuf"]),
                envs: vec![("PROTOC".into(), "${pkgs.protobuf}/bin/protoc".into())],
            },
        ]
    );
}

#[test]
fn causes_read_as_short_sentences() {
    assert_eq!(
        Cause::MissingPkgConfigPackage {
            name: "alsa".into()
        }
        .to_string(),
        "pkg-config module `alsa` not found"
    );
    assert_eq!(
        Cause::MissingLinkLib { lib: "pcap".into() }.to_string(),
        "library `-lpcap` not found by the linker"
    );
    assert_eq!(Cause::MissingProtoc.to_string(), "`protoc` not found");
}

#[test]
fn garbage_input_gives_no_diagnosis_and_no_panic() {
    let log = lines(
        "\u{1b}[\u{1b}\n`\n` not installed?\nis ``\nlinker `` not found\ncannot find -l\n\
         Package  was not found in the pkg-config search path\nsh: 1: : not found\n: command not found",
    );
    assert_eq!(diagnose("x", &log), None);
    assert_eq!(diagnose("x", &[]), None);
}

mod knowledge_base {
    use super::*;

    fn kb() -> &'static KnowledgeBase {
        KnowledgeBase::builtin().expect("data/native-deps.toml parses")
    }

    fn is_nix_attr_path(text: &str) -> bool {
        text.split('.').all(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '\''))
        })
    }

    fn is_debian_package(text: &str) -> bool {
        text.len() >= 2
            && text.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && text.chars().all(|c| {
                c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '+' | '-' | '.')
            })
    }

    /// Content of a Nix double-quoted string: no bare `"` or `\`, and every `${` closed.
    fn is_nix_string_content(text: &str) -> bool {
        if text.contains('"') || text.contains('\\') {
            return false;
        }
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            match rest[start..].find('}') {
                Some(end) if end > 2 => rest = &rest[start + end + 1..],
                _ => return false,
            }
        }
        true
    }

    #[test]
    fn the_builtin_table_parses_with_at_least_fifty_crates() {
        assert!(kb().crates().len() >= 50, "{} crates", kb().crates().len());
    }

    #[test]
    fn the_crates_named_in_the_brief_are_covered() {
        for name in [
            "openssl-sys",
            "libsqlite3-sys",
            "libz-sys",
            "libz-ng-sys",
            "curl-sys",
            "libgit2-sys",
            "libssh2-sys",
            "zstd-sys",
            "bzip2-sys",
            "lzma-sys",
            "alsa-sys",
            "libudev-sys",
            "pcap",
            "pcap-sys",
            "fuse",
            "fuser",
            "dbus",
            "libdbus-sys",
            "freetype-sys",
            "servo-fontconfig-sys",
            "yeslogic-fontconfig-sys",
            "x11",
            "x11-dl",
            "xcb",
            "wayland-sys",
            "gtk-sys",
            "glib-sys",
            "gobject-sys",
            "gio-sys",
            "cairo-sys-rs",
            "pango-sys",
            "gdk-pixbuf-sys",
            "clang-sys",
            "prost-build",
            "hidapi",
            "libusb1-sys",
            "rdkafka-sys",
            "pq-sys",
            "mysqlclient-sys",
            "onig_sys",
            "libsodium-sys",
            "gpgme-sys",
            "libpulse-sys",
            "jack-sys",
            "speech-dispatcher-sys",
            "gbm-sys",
            "expat-sys",
            "harfbuzz-sys",
            "libxml",
            "tesseract-sys",
            "leptonica-sys",
            "opencv",
            "librocksdb-sys",
            "hdf5-sys",
            "netcdf-sys",
            "proj-sys",
            "gdal-sys",
            "capnpc",
            "flatc-rust",
        ] {
            assert!(kb().crate_entry(name).is_some(), "{name} missing");
        }
    }

    #[test]
    fn crate_names_are_unique_and_every_entry_says_where_it_comes_from() {
        let mut seen = BTreeSet::new();
        for entry in kb().crates() {
            assert!(seen.insert(entry.name.as_str()), "{} twice", entry.name);
            assert!(!entry.sources.is_empty(), "{}: no source", entry.name);
            assert!(!entry.packages.is_empty(), "{}: no packages", entry.name);
            assert!(
                !entry.debian.is_empty(),
                "{}: no Debian packages",
                entry.name
            );
        }
    }

    #[test]
    fn provider_names_are_unique_within_each_table() {
        for (table, providers) in kb().provider_tables() {
            let mut seen = BTreeSet::new();
            for provider in providers {
                assert!(
                    !provider.names.is_empty(),
                    "{table}: provider without names"
                );
                assert!(
                    !provider.packages.is_empty(),
                    "{table}: {:?}",
                    provider.names
                );
                for name in &provider.names {
                    assert!(seen.insert(name.as_str()), "{table}: {name} twice");
                }
            }
        }
    }

    #[test]
    fn names_are_well_formed_nix_attributes_debian_packages_and_nix_strings() {
        let providers = kb()
            .provider_tables()
            .into_iter()
            .flat_map(|(_, providers)| providers.iter())
            .chain(std::iter::once(kb().libclang()));
        let all_lists = kb()
            .crates()
            .iter()
            .map(|e| (&e.name, &e.packages, &e.debian, &e.envs))
            .chain(providers.map(|p| (&p.packages[0], &p.packages, &p.debian, &p.envs)));
        for (label, packages, debian, envs) in all_lists {
            for package in packages {
                assert!(is_nix_attr_path(package), "{label}: nix attr {package:?}");
            }
            for package in debian {
                assert!(is_debian_package(package), "{label}: debian {package:?}");
            }
            for (name, value) in envs {
                assert!(is_name(name), "{label}: env name {name:?}");
                assert!(
                    is_nix_string_content(value),
                    "{label}: env {name} = {value:?}"
                );
            }
        }
    }

    #[test]
    fn every_crate_entry_contains_what_its_modules_libraries_tools_and_libclang_need() {
        for entry in kb().crates() {
            let uses_pkg_config = !entry.pkg_config.is_empty();
            assert_eq!(
                entry.packages.contains(&"pkg-config".to_string()),
                uses_pkg_config,
                "{}: pkg-config in packages iff it asks pkg-config",
                entry.name
            );
            assert_eq!(
                entry.debian.contains(&"pkg-config".to_string()),
                uses_pkg_config,
                "{}: pkg-config in debian iff it asks pkg-config",
                entry.name
            );
            let mut required: Vec<(&str, &Provider)> = Vec::new();
            for module in &entry.pkg_config {
                let provider = kb().pkg_config_module(module);
                required.push((
                    module,
                    provider.unwrap_or_else(|| panic!("{}: module {module} unknown", entry.name)),
                ));
            }
            for lib in &entry.link {
                let provider = kb().link_library(lib);
                required.push((
                    lib,
                    provider.unwrap_or_else(|| panic!("{}: -l{lib} unknown", entry.name)),
                ));
            }
            for tool in &entry.tools {
                let provider = kb().tool(tool);
                required.push((
                    tool,
                    provider.unwrap_or_else(|| panic!("{}: tool {tool} unknown", entry.name)),
                ));
            }
            if entry.libclang {
                required.push(("libclang", kb().libclang()));
            }
            for (need, provider) in required {
                for package in &provider.packages {
                    assert!(
                        entry.packages.contains(package),
                        "{}: {need} needs {package}",
                        entry.name
                    );
                }
                for package in &provider.debian {
                    assert!(
                        entry.debian.contains(package),
                        "{}: {need} needs Debian {package}",
                        entry.name
                    );
                }
                for (name, value) in &provider.envs {
                    assert_eq!(
                        entry.envs.get(name),
                        Some(value),
                        "{}: {need} needs {name}",
                        entry.name
                    );
                }
            }
        }
    }

    #[test]
    fn libclang_users_set_libclang_path() {
        for entry in kb().crates() {
            let has_libclang = entry
                .packages
                .contains(&"llvmPackages.libclang".to_string());
            assert_eq!(has_libclang, entry.libclang, "{}", entry.name);
        }
    }

    #[test]
    fn a_broken_table_is_an_error_not_a_panic() {
        assert!(KnowledgeBase::parse("[[crate]]\nname = 3").is_err());
        assert!(KnowledgeBase::parse("").is_err());
    }
}
