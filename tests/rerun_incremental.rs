//! rustc's incremental state of a member survives other builds of it (a salted clean
//! build, another profile): the next edit reuses compiled code. Evidence without timing:
//! the object files rustc keeps in its session directory are the same files (inodes)
//! before and after the edit when their codegen units were reused.

mod common;

use std::collections::BTreeSet;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::*;

fn build_ok(project: &Path, salt: &str, extra: &[&str]) {
    let run = build_with(project, extra, |command| {
        command
            .env("LIBNIX_TUI_REBUILD_SALT", salt)
            .env("CARGO_PROFILE_OTHER_INHERITS", "dev");
    });
    assert!(run.output.status.success(), "{}", run.stderr());
}

/// The incremental state of `declares`' dev binary: the only one after a first build.
fn dev_binary_state(project: &Path) -> PathBuf {
    let dirs: Vec<PathBuf> = std::fs::read_dir(project.join("target/libnix/incremental"))
        .expect("target/libnix/incremental")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("declares-0.1.0-bin-") && !n.ends_with(".lock"))
        })
        .collect();
    assert_eq!(dirs.len(), 1, "one state for the binary: {dirs:?}");
    dirs[0].clone()
}

/// The inodes of the object files below `state`.
fn kept_objects(state: &Path) -> BTreeSet<u64> {
    let mut objects = BTreeSet::new();
    let mut dirs = vec![state.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("read state dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "o") {
                objects.insert(entry.metadata().expect("metadata").ino());
            }
        }
    }
    objects
}

fn edit_and_count_reused(project: &Path, state: &Path, salt: &str) -> usize {
    let before = kept_objects(state);
    append(
        &project.join("declares/src/main.rs"),
        &format!("\n// edited {}\n", unique_salt()),
    );
    build_ok(project, salt, &[]);
    let after = kept_objects(state);
    assert!(!after.is_empty(), "no incremental state was kept");
    before.intersection(&after).count()
}

#[test]
fn an_edit_after_a_salted_build_or_another_profile_compiles_incrementally() {
    let project = copy_fixture("rerun");
    let dir = project.path();
    let salt = unique_salt();
    build_ok(dir, &salt, &[]);
    let state = dev_binary_state(dir);
    assert!(
        edit_and_count_reused(dir, &state, &salt) > 0,
        "a plain edit"
    );

    let salted = format!("{salt}-again");
    build_ok(dir, &salted, &[]);
    assert!(
        edit_and_count_reused(dir, &state, &salted) > 0,
        "an edit after a salted clean build recompiled from scratch"
    );

    build_ok(dir, &salted, &["--profile", "other"]);
    assert!(
        edit_and_count_reused(dir, &state, &salted) > 0,
        "an edit after a build of another profile recompiled from scratch"
    );
}
