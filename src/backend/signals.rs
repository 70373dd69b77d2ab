//! The ways the tool is told to end: Ctrl-C (SIGINT), `kill` or `timeout` (SIGTERM), a
//! closed terminal (SIGHUP). Each must stop the running build, which runs in its own
//! process group and would otherwise outlive the tool.

use tokio::signal::unix::{SignalKind, signal};

/// Waits for SIGINT, SIGTERM or SIGHUP and returns its number. From the first call on,
/// those signals no longer end the process by themselves: the caller must. If the handlers
/// cannot be installed, it never returns (the signals keep their default action).
pub async fn ending() -> i32 {
    let (Ok(mut interrupt), Ok(mut terminate), Ok(mut hangup)) = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return std::future::pending().await;
    };
    tokio::select! {
        _ = interrupt.recv() => libc::SIGINT,
        _ = terminate.recv() => libc::SIGTERM,
        _ = hangup.recv() => libc::SIGHUP,
    }
}

/// Whether the terminal on standard input has hung up (its window was closed).
pub fn terminal_hung_up() -> bool {
    let mut stdin = libc::pollfd {
        fd: 0,
        events: 0,
        revents: 0,
    };
    // SAFETY: poll reads and writes exactly the one pollfd it is given.
    let ready = unsafe { libc::poll(&mut stdin, 1, 0) };
    ready > 0 && stdin.revents & libc::POLLHUP != 0
}

/// Once the terminal is gone every write to it fails (and `eprintln!` panics): points
/// standard input, output and error at `/dev/null`, so that shutting down (stopping the
/// build, restoring a terminal that is no more) can finish.
pub fn forget_closed_terminal() {
    // SAFETY: open and dup2 have no memory-safety preconditions; the path is a valid
    // NUL-terminated string and the descriptors are the process's standard ones.
    unsafe {
        let null = libc::open(c"/dev/null".as_ptr(), libc::O_RDWR);
        if null >= 0 {
            for fd in 0..=2 {
                libc::dup2(null, fd);
            }
            if null > 2 {
                libc::close(null);
            }
        }
    }
}
