//! One way to run a subprocess and report its failure: the command as the user would type
//! it, and what it said on stderr. May import: nothing of the engine.

use std::ffi::OsStr;

/// A subprocess that could not be started or did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    #[error("could not run `{command}`: {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
    #[error("`{command}` failed:\n{stderr}")]
    Failed { command: String, stderr: String },
}

/// `program arg1 arg2 ...`, as shown in errors.
pub fn describe(command: &std::process::Command) -> String {
    std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(OsStr::to_string_lossy)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `command` to its end and returns its stdout, or why it failed.
pub fn stdout_of(command: &mut std::process::Command) -> Result<Vec<u8>, ProcessError> {
    let output = command.output();
    checked(describe(command), output)
}

/// [`stdout_of`] for a Tokio command.
pub async fn stdout_of_async(
    command: &mut tokio::process::Command,
) -> Result<Vec<u8>, ProcessError> {
    let output = command.output().await;
    checked(describe(command.as_std()), output)
}

/// Runs `command`, whose output nobody reads, to its end.
pub async fn succeeds_async(command: &mut tokio::process::Command) -> Result<(), ProcessError> {
    stdout_of_async(command.stdout(std::process::Stdio::null()))
        .await
        .map(drop)
}

fn checked(
    command: String,
    output: std::io::Result<std::process::Output>,
) -> Result<Vec<u8>, ProcessError> {
    let output = output.map_err(|source| ProcessError::Spawn {
        command: command.clone(),
        source,
    })?;
    if !output.status.success() {
        return Err(ProcessError::Failed {
            command,
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_string(),
        });
    }
    Ok(output.stdout)
}

#[cfg(test)]
mod tests {
    use std::process::Command;

    use super::*;

    #[test]
    fn a_failure_names_the_command_and_keeps_stderr() {
        let mut command = Command::new("sh");
        command.args(["-c", "echo oops >&2; exit 3"]);
        match stdout_of(&mut command) {
            Err(ProcessError::Failed { command, stderr }) => {
                assert_eq!(command, "sh -c echo oops >&2; exit 3");
                assert_eq!(stderr, "oops");
            }
            other => panic!("expected a failure, got {other:?}"),
        }
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let error = stdout_of(&mut Command::new("/nonexistent/program")).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("could not run `/nonexistent/program`"),
            "{error}"
        );
    }

    #[test]
    fn stdout_comes_back() {
        let mut command = Command::new("sh");
        command.args(["-c", "printf hello"]);
        assert_eq!(stdout_of(&mut command).unwrap(), b"hello");
    }
}
