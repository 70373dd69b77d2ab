//! [`Effect::RecordBuild`](crate::app::Effect::RecordBuild): what `libnix-tui doctor` reads.

use crate::app::event::AppEvent;
use crate::backend::build_state::last_build::LastBuild;

use super::{Shell, lock};

impl Shell {
    /// Saves the record next to the plan's outputs; says so when it cannot, or `doctor`
    /// would explain an older build without anyone knowing.
    pub(super) fn record_build(&self, record: LastBuild) {
        let saved = match lock(&self.last_plan).clone() {
            Some(plan) => record.save(&plan).map_err(|error| error.to_string()),
            None => Err("no plan to record the build against".to_owned()),
        };
        if let Err(error) = saved {
            let _ = self.app.send(AppEvent::ShellFailed(format!(
                "could not record the build for doctor: {error}"
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::fixtures;
    use crate::backend::build_state::BuildState;
    use crate::backend::session::BuildRequest;

    #[test]
    fn a_record_that_cannot_be_written_is_reported() {
        let dir = tempfile::tempdir().expect("temp dir");
        // A file where the target dir should be: nothing can be created below it.
        let target_dir = dir.path().join("target");
        std::fs::write(&target_dir, "not a directory").expect("file written");
        let mut plan = fixtures::plan();
        plan.target_dir = target_dir;
        let (shell, mut answers) = Shell::planned(BuildRequest::default(), plan.clone());
        shell.record_build(LastBuild::from_state(&plan, &BuildState::default()));
        let Ok(AppEvent::ShellFailed(error)) = answers.try_recv() else {
            panic!("the failure is reported to the app");
        };
        assert!(
            error.starts_with("could not record the build for doctor: ")
                && error.contains("target"),
            "{error}"
        );
    }
}
