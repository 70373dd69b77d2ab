//! [`Effect::ReadTestRun`](crate::app::Effect::ReadTestRun): the exit code and output a test
//! run recorded in its store path (`nix/test-run.nix` writes `status` and `output`).

use std::path::Path;

use crate::app::event::AppEvent;
use crate::app::state::TestOutcome;
use crate::backend::build_state::LogBuffer;
use crate::backend::plan::UnitId;
use crate::backend::test_results::{RecordedRun, counts, read_recorded_run};

use super::Shell;

impl Shell {
    pub(super) fn read_test_run(&self, unit: UnitId, out_path: String) {
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || {
            let outcome = read_outcome(Path::new(&out_path));
            let _ = app.send(AppEvent::TestRun {
                unit,
                out_path,
                outcome,
            });
        });
    }
}

fn read_outcome(out: &Path) -> Result<TestOutcome, String> {
    let RecordedRun { exit_code, output } = read_recorded_run(out)?;
    let mut lines = LogBuffer::default();
    for line in output.lines() {
        lines.push(line.to_owned());
    }
    Ok(TestOutcome {
        exit_code,
        counts: counts(&output),
        output: lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::test_results::TestCounts;

    #[test]
    fn a_recorded_run_gives_its_exit_code_counts_and_output() {
        let out = tempfile::tempdir().expect("temp dir");
        std::fs::write(out.path().join("status"), "101\n").expect("write status");
        std::fs::write(
            out.path().join("output"),
            "running 2 tests\ntest a ... ok\ntest b ... FAILED\n\ntest result: FAILED. 1 passed; \
             1 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s\n",
        )
        .expect("write output");
        let outcome = read_outcome(out.path()).expect("readable");
        assert_eq!(outcome.exit_code, 101);
        assert!(outcome.failed());
        assert_eq!(
            outcome.counts,
            Some(TestCounts {
                passed: 1,
                failed: 1,
                ignored: 0
            })
        );
        assert_eq!(outcome.output.lines[2], "test b ... FAILED");
    }

    #[test]
    fn a_run_without_its_record_names_the_file() {
        let out = tempfile::tempdir().expect("temp dir");
        let error = read_outcome(out.path()).expect_err("nothing recorded");
        assert!(error.contains("status"), "{error}");
    }
}
