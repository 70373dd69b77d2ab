//! [`Effect::RecordBuild`](crate::app::Effect::RecordBuild): what `libnix-tui doctor` reads.

use crate::app::event::AppEvent;
use crate::backend::build_state::last_build::{self, LastBuild, LastBuildError};
use crate::backend::session::project::Project;

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

    /// Sends the recorded build's timeline, for the timeline view until a build runs.
    /// Without a record there is nothing to show; a broken project is reported by planning.
    pub(super) fn load_last_build_timings(&self) {
        let request = self.request.clone();
        let app = self.app.clone();
        tokio::task::spawn_blocking(move || {
            let Ok(project) = Project::locate(&request) else {
                return;
            };
            match LastBuild::load(&last_build::path(&project.target_dir)) {
                Ok(LastBuild {
                    timings: Some(timeline),
                    ..
                }) => {
                    let _ = app.send(AppEvent::LastBuildTimings(Box::new(timeline)));
                }
                Ok(_) => {}
                Err(LastBuildError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound => {}
                Err(error) => {
                    let _ = app.send(AppEvent::ShellFailed(format!(
                        "could not read the last build's timings: {error}"
                    )));
                }
            }
        });
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

    #[tokio::test]
    async fn the_recorded_builds_timings_reach_the_app() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut plan = fixtures::plan();
        plan.target_dir = dir.path().to_path_buf();
        let mut state = BuildState::default();
        state.build_started = Some(std::time::Duration::ZERO);
        let record = LastBuild::from_state(&plan, &state);
        record.save(&plan).expect("record saved");
        let mut request = BuildRequest::default();
        request.cargo.manifest_path = Some(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/fixtures/workspace/Cargo.toml"),
        );
        request.cargo.target_dir = Some(dir.path().to_path_buf());
        let (shell, mut answers) = Shell::planned(request, plan);
        shell.load_last_build_timings();
        let Some(AppEvent::LastBuildTimings(timeline)) = answers.recv().await else {
            panic!("the recorded timeline is sent to the app");
        };
        assert_eq!(Some(*timeline), record.timings);
    }
}
