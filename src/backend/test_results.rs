//! What a test run recorded, and what its harness printed (libtest, `rustdoc --test`): the
//! summary counts, read the same way by `libnix-tui test` and the dashboard.

use std::path::Path;

/// What a test run recorded in its store path (`nix/test-run.nix` writes `status` and
/// `output`): the binary's exit code and its interleaved output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRun {
    pub exit_code: i32,
    pub output: String,
}

/// Reads the record of the test run whose output is `out`; an error names the file.
pub fn read_recorded_run(out: &Path) -> Result<RecordedRun, String> {
    let read = |name: &str| {
        let path = out.join(name);
        std::fs::read(&path)
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
            .map_err(|e| format!("the test run's {}: {e}", path.display()))
    };
    let status = read("status")?;
    let exit_code = status.trim().parse().map_err(|_| {
        format!(
            "the test run's {}: `{}` is no exit code",
            out.join("status").display(),
            status.trim()
        )
    })?;
    Ok(RecordedRun {
        exit_code,
        output: read("output")?,
    })
}

/// The counts of a harness's summary (`test result: ok. 42 passed; 0 failed; ...`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TestCounts {
    pub passed: u64,
    pub failed: u64,
    pub ignored: u64,
}

impl std::ops::Add for TestCounts {
    type Output = TestCounts;

    fn add(self, other: TestCounts) -> TestCounts {
        TestCounts {
            passed: self.passed + other.passed,
            failed: self.failed + other.failed,
            ignored: self.ignored + other.ignored,
        }
    }
}

/// A test binary's counts: its harness's summary lines added up (rustdoc prints two for
/// edition 2024 doc tests: the merged ones, then those compiled on their own); `None` when
/// it printed none (it crashed, or it is no libtest harness).
pub fn counts(output: &str) -> Option<TestCounts> {
    summaries(output)
        .into_iter()
        .reduce(|total, counts| total + counts)
}

/// Every summary line's counts, in the order printed (one or two per test binary).
pub fn summaries(output: &str) -> Vec<TestCounts> {
    output
        .lines()
        .filter_map(|line| line.strip_prefix("test result: "))
        .filter_map(summary)
        .collect()
}

fn summary(line: &str) -> Option<TestCounts> {
    let number = |word: &str| {
        line.split(';').find_map(|part| {
            part.trim()
                .strip_suffix(word)?
                .rsplit(' ')
                .next()?
                .parse()
                .ok()
        })
    };
    Some(TestCounts {
        passed: number(" passed")?,
        failed: number(" failed")?,
        ignored: number(" ignored")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counted(passed: u64, failed: u64, ignored: u64) -> Option<TestCounts> {
        Some(TestCounts {
            passed,
            failed,
            ignored,
        })
    }

    #[test]
    fn the_harness_summary_gives_the_counts() {
        let output = "running 3 tests\n...\ntest result: FAILED. 1 passed; 1 failed; 1 ignored; \
                      0 measured; 0 filtered out; finished in 0.00s\n\n";
        assert_eq!(counts(output), counted(1, 1, 1));
        assert_eq!(counts("thread 'main' panicked"), None);
    }

    #[test]
    fn edition_2024_doc_tests_count_both_summaries() {
        let output = "running 2 tests\n\ntest result: ok. 2 passed; 0 failed; 0 ignored; \
                      0 measured; 0 filtered out; finished in 0.06s\n\n\nrunning 2 tests\n\n\
                      test result: FAILED. 1 passed; 1 failed; 0 ignored; 0 measured; \
                      0 filtered out; finished in 0.60s\n\nall doctests ran in 1.93s; merged \
                      doctests compilation took 1.25s\n";
        assert_eq!(counts(output), counted(3, 1, 0));
    }
}
