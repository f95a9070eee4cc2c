//! Child processes for the fault suite: stderr read line by line as it comes, every
//! wait bounded (a child still running past its bound is killed and the test fails with
//! "hangs"), and no child outliving a scenario that panics.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

/// Sends a signal by name (`TERM`, `STOP`, `CONT`) with kill(1).
pub(super) fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

pub(super) struct Finished {
    pub(super) code: Option<i32>,
    pub(super) stdout: String,
    pub(super) stderr: String,
    pub(super) elapsed: Duration,
}

impl Finished {
    pub(super) fn text(&self) -> String {
        format!(
            "exit {:?} after {:.1}s\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.elapsed.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
    /// Lines of stderr that report an error.
    pub(super) fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect()
    }
}

/// A running child whose stderr is read line by line as it comes.
pub(super) struct Running {
    pub(super) child: Child,
    pub(super) started: Instant,
    pub(super) lines: mpsc::Receiver<String>,
    pub(super) stderr: Arc<Mutex<String>>,
    pub(super) stderr_done: mpsc::Receiver<()>,
    pub(super) stdout: Option<std::thread::JoinHandle<String>>,
}

impl Drop for Running {
    /// A scenario that panics never leaves a child behind (a `--watch` would loop on).
    fn drop(&mut self) {
        if !matches!(self.child.try_wait(), Ok(Some(_))) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Running {
    pub(super) fn spawn(mut cmd: Command) -> Running {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
        let mut out = child.stdout.take().expect("stdout");
        let err = child.stderr.take().expect("stderr");
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        let (tx, lines) = mpsc::channel();
        let (done_tx, stderr_done) = mpsc::channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let all = stderr.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                {
                    let mut all = all.lock().unwrap_or_else(|e| e.into_inner());
                    all.push_str(&line);
                    all.push('\n');
                }
                let _ = tx.send(line);
            }
            let _ = done_tx.send(());
        });
        Running {
            child,
            started: Instant::now(),
            lines,
            stderr,
            stderr_done,
            stdout: Some(stdout),
        }
    }

    pub(super) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(super) fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for the `n`-th stderr line (counting from 1) for which `pred` holds; `None`
    /// when stderr ended first. Panics (after killing the child) past `bound`.
    pub(super) fn wait_for_line(
        &mut self,
        pred: impl Fn(&str) -> bool,
        n: usize,
        bound: Duration,
    ) -> Option<String> {
        let deadline = Instant::now() + bound;
        let mut seen = 0;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) if pred(&line) => {
                    seen += 1;
                    if seen == n {
                        return Some(line);
                    }
                }
                Ok(_) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => return None,
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
                    panic!("no line #{n} of the kind awaited within {bound:?}; stderr:\n{stderr}");
                }
            }
        }
    }

    /// Waits for the exit; kills the child and panics ("hangs") past `bound`.
    pub(super) fn finish(mut self, bound: Duration) -> Finished {
        let deadline = self.started + bound;
        let code = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status.code(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20))
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
                    panic!("hangs: still running after {bound:?}; stderr:\n{stderr}");
                }
            }
        };
        let elapsed = self.started.elapsed();
        let _ = self.stderr_done.recv_timeout(Duration::from_secs(5));
        let stdout = self
            .stdout
            .take()
            .and_then(|h| h.join().ok())
            .unwrap_or_default();
        let stderr = self
            .stderr
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        Finished {
            code,
            stdout,
            stderr,
            elapsed,
        }
    }

    /// SIGKILL, then reap.
    pub(super) fn kill(mut self) -> Finished {
        let _ = self.child.kill();
        self.finish(Duration::from_secs(3600))
    }
}

pub(super) fn run(cmd: Command, bound: Duration) -> Finished {
    Running::spawn(cmd).finish(bound)
}
