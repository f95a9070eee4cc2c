//! A private, restartable test plane for the fault tests: the shared plane is used by
//! every other test and must never be stopped, so the API-server faults run against
//! their own instance. One per test process, started on first use; it runs the
//! `testplane` binary directly (built by `testplane/start` in build-only mode) with a
//! temp data dir and a fixed free port, so a restart on the same dir and port keeps the
//! objects and the kubeconfig. `--watch-pid` ends it (and deletes its dir) with this
//! process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// How long a (re)start may take before the test fails.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

pub struct PrivatePlane {
    bin: PathBuf,
    pub dir: PathBuf,
    pub port: u16,
    pub kubeconfig: PathBuf,
    child: Mutex<Option<Child>>,
}

static PLANE: OnceLock<Result<PrivatePlane, String>> = OnceLock::new();

/// The private plane, started on first use; `Err` says why there is none.
pub fn get() -> Result<&'static PrivatePlane, String> {
    PLANE.get_or_init(start).as_ref().map_err(Clone::clone)
}

fn start() -> Result<PrivatePlane, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testplane/start");
    let out = Command::new(&script)
        .env("TESTPLANE_BUILD_ONLY", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} (build only) failed: {}",
            script.display(),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let bin = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let dir = std::env::temp_dir().join(format!("gitops-faults-plane-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("mkdir {}: {e}", dir.display()))?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("free port: {e}"))?
        .port();
    let plane = PrivatePlane {
        bin,
        kubeconfig: dir.join("kubeconfig"),
        dir,
        port,
        child: Mutex::new(None),
    };
    plane.launch()?;
    Ok(plane)
}

impl PrivatePlane {
    /// Starts the process on the plane's dir and port; returns once it printed READY.
    fn launch(&self) -> Result<Duration, String> {
        let started = Instant::now();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("apiserver.log"))
            .map_err(|e| e.to_string())?;
        let mut child = Command::new(&self.bin)
            .arg("--dir")
            .arg(&self.dir)
            .arg("--port")
            .arg(self.port.to_string())
            .arg("--watch-pid")
            .arg(std::process::id().to_string())
            .arg("--remove-dir-on-watch-exit")
            // Only the controllers an env of ours needs (namespace deletion, GC).
            .arg("--controllers=namespace-controller,garbage-collector-controller")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.bin.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("TESTPLANE READY") {
                    let _ = tx.send(());
                }
            }
        });
        *self.child.lock().unwrap_or_else(|e| e.into_inner()) = Some(child);
        match rx.recv_timeout(READY_TIMEOUT) {
            Ok(()) => Ok(started.elapsed()),
            Err(_) => {
                self.kill();
                Err(format!(
                    "private plane in {} not ready within {READY_TIMEOUT:?}",
                    self.dir.display()
                ))
            }
        }
    }

    /// SIGKILL (a crash); returns once the process is gone.
    pub fn kill(&self) {
        if let Some(mut child) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM (graceful); returns once the process is gone (SIGKILL after 30 s).
    pub fn terminate(&self) -> Duration {
        let started = Instant::now();
        if let Some(mut child) = self.child.lock().unwrap_or_else(|e| e.into_inner()).take() {
            super::signal(child.id(), "TERM");
            while started.elapsed() < Duration::from_secs(30) {
                if let Ok(Some(_)) = child.try_wait() {
                    return started.elapsed();
                }
                std::thread::sleep(Duration::from_millis(100));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        started.elapsed()
    }

    /// Starts it again on the same dir and port; panics if it is not ready in time.
    pub fn restart(&self) -> Duration {
        self.launch().unwrap_or_else(|e| panic!("restart: {e}"))
    }
}
