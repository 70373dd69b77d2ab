//! Servers on 127.0.0.1 for the tests: bounded in time, stopped when dropped.

use std::ffi::OsStr;
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A port nothing listens on (just now).
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A server process listening on 127.0.0.1:`port`. It runs under `timeout 600`, so it
/// stops by itself should the test be killed, and gets SIGTERM (which `timeout` passes on;
/// SIGKILL would orphan it) when dropped.
pub struct LoopbackServer {
    child: Child,
    pub port: u16,
}

impl LoopbackServer {
    /// Runs `command` (`what` in messages), which must listen on `port`, and waits until
    /// it accepts connections.
    pub fn start(
        what: &str,
        port: u16,
        command: impl IntoIterator<Item = impl AsRef<OsStr>>,
    ) -> Self {
        let child = Command::new("timeout")
            .arg("600")
            .args(command)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("start {what}: {e}"));
        let server = LoopbackServer { child, port };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "{what} did not listen on 127.0.0.1:{port}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        // SAFETY: kill has no memory-safety preconditions; the pid is our child's.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let _ = self.child.wait();
    }
}
