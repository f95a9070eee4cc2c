//! Harness for cluster integration tests: one real kube-apiserver (plus
//! embedded etcd, see `testplane/`) shared by every test in this process.
//!
//! [`plane`] returns the shared instance. It uses the cluster in `KUBECONFIG`
//! when that came from `testplane/start` (i.e. `GITOPS_TESTPLANE_RESTRICTED_KUBECONFIG`
//! is set too) or `GITOPS_TESTPLANE_USE_KUBECONFIG=1` says so, and the server
//! answers; otherwise it runs `testplane/start` once. A plane started here stops
//! itself and deletes its data dir when this process exits (`--watch-pid`).
//! If no cluster can be had, tests panic with the reason. With
//! `GITOPS_SKIP_CLUSTER_TESTS=1` nothing is started (an exported, reachable test
//! plane is still used) and [`plane`] returns `None`, so the tests return early.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use k8s_openapi::api::core::v1::Namespace;
use kube::api::{Api, PostParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

/// Set to `1` to skip cluster tests unless a test plane is already exported (none is started).
pub const SKIP_ENV: &str = "GITOPS_SKIP_CLUSTER_TESTS";
/// Restricted-user kubeconfig exported by `testplane/start`.
pub const RESTRICTED_ENV: &str = "GITOPS_TESTPLANE_RESTRICTED_KUBECONFIG";
/// Set to `1` to run against `KUBECONFIG` even without [`RESTRICTED_ENV`].
pub const USE_KUBECONFIG_ENV: &str = "GITOPS_TESTPLANE_USE_KUBECONFIG";
/// The namespace in which the restricted user may do everything.
pub const RESTRICTED_NAMESPACE: &str = "gitops-restricted";

/// A running cluster the tests may use.
#[derive(Debug)]
pub struct TestPlane {
    /// Admin kubeconfig (cluster-admin).
    pub kubeconfig: PathBuf,
    /// Kubeconfig of a user that may do everything in [`RESTRICTED_NAMESPACE`] only.
    pub restricted_kubeconfig: Option<PathBuf>,
}

static PLANE: OnceLock<Result<TestPlane, String>> = OnceLock::new();

/// The shared test plane, started on first use. `None` means "skip this
/// test" (only when `GITOPS_SKIP_CLUSTER_TESTS=1`); otherwise a missing
/// cluster is a panic.
pub fn plane() -> Option<&'static TestPlane> {
    match PLANE.get_or_init(init) {
        Ok(plane) => Some(plane),
        Err(reason) if skip_requested() => {
            eprintln!("skipping cluster test ({SKIP_ENV}=1): {reason}");
            None
        }
        Err(reason) => {
            panic!("no test cluster: {reason}\n(set {SKIP_ENV}=1 to skip cluster tests)")
        }
    }
}

/// Admin kubeconfig path of the shared plane; `None` means skip.
pub fn kubeconfig() -> Option<PathBuf> {
    plane().map(|p| p.kubeconfig.clone())
}

/// Restricted-user kubeconfig path; `None` means skip.
pub fn restricted_kubeconfig() -> Option<PathBuf> {
    let plane = plane()?;
    match &plane.restricted_kubeconfig {
        Some(path) => Some(path.clone()),
        None if skip_requested() => {
            eprintln!("skipping: {RESTRICTED_ENV} is not set for the external cluster");
            None
        }
        None => panic!("{RESTRICTED_ENV} is not set for the external cluster in KUBECONFIG"),
    }
}

/// A client for the given kubeconfig file (its current context).
pub async fn client(kubeconfig: &Path) -> Client {
    try_client(kubeconfig)
        .await
        .unwrap_or_else(|e| panic!("client for {}: {e}", kubeconfig.display()))
}

/// Admin client for the shared plane. Create one per test: a client is tied
/// to the tokio runtime it was created on.
pub async fn admin_client(plane: &TestPlane) -> Client {
    client(&plane.kubeconfig).await
}

/// Creates a fresh namespace named `<prefix>-<unique suffix>` and returns its name.
pub async fn namespace(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let plane = plane().expect("namespace() needs a cluster; check plane() first");
    let api: Api<Namespace> = Api::all(admin_client(plane).await);
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0)
        ^ std::process::id();
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("{prefix}-{stamp:08x}-{n}");
        let mut ns = Namespace::default();
        ns.metadata.name = Some(name.clone());
        ns.metadata.labels =
            Some([("kubectl-gitops.test/it".to_string(), "true".to_string())].into());
        match api.create(&PostParams::default(), &ns).await {
            Ok(_) => return name,
            Err(kube::Error::Api(s)) if s.code == 409 => continue,
            Err(e) => panic!("create namespace {name}: {e}"),
        }
    }
}

fn skip_requested() -> bool {
    std::env::var(SKIP_ENV).is_ok_and(|v| v == "1")
}

async fn try_client(kubeconfig: &Path) -> Result<Client, String> {
    let kc = Kubeconfig::read_from(kubeconfig).map_err(|e| e.to_string())?;
    let config = Config::from_custom_kubeconfig(kc, &KubeConfigOptions::default())
        .await
        .map_err(|e| e.to_string())?;
    Client::try_from(config).map_err(|e| e.to_string())
}

/// Whether the server of this kubeconfig answers `/version` within 10 s.
/// Runs on its own thread and runtime, so it may be called from async tests.
fn reachable(kubeconfig: &Path) -> Result<(), String> {
    let path = kubeconfig.to_owned();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        rt.block_on(async {
            let check = async {
                let client = try_client(&path).await?;
                client.apiserver_version().await.map_err(|e| e.to_string())
            };
            match tokio::time::timeout(Duration::from_secs(10), check).await {
                Ok(result) => result.map(|_| ()),
                Err(_) => Err("no answer within 10s".to_string()),
            }
        })
    })
    .join()
    .unwrap_or_else(|_| Err("reachability check panicked".to_string()))
}

fn init() -> Result<TestPlane, String> {
    let env_path = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(kubeconfig) = env_path("KUBECONFIG") {
        let restricted = env_path(RESTRICTED_ENV);
        let opted_in = std::env::var(USE_KUBECONFIG_ENV).is_ok_and(|v| v == "1");
        if restricted.is_some() || opted_in {
            match reachable(&kubeconfig) {
                Ok(()) => {
                    return Ok(TestPlane {
                        kubeconfig,
                        restricted_kubeconfig: restricted,
                    })
                }
                Err(e) => note(&format!(
                    "KUBECONFIG={} is not reachable ({e}); starting a test plane",
                    kubeconfig.display()
                )),
            }
        }
        // Otherwise KUBECONFIG may well be a real cluster: never run tests there
        // unless asked to.
    }
    if skip_requested() {
        return Err("no exported test plane, and none is started".to_string());
    }
    start()
}

/// Runs `testplane/start` and reads the kubeconfig paths from its output.
fn start() -> Result<TestPlane, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("testplane/start");
    note(&format!(
        "starting {} (build output follows on stderr)",
        script.display()
    ));
    let out = Command::new(&script)
        .env("TESTPLANE_WATCH_PID", std::process::id().to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", script.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} failed ({}); see its stderr above",
            script.display(),
            out.status
        ));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let export = |name: &str| {
        stdout.lines().find_map(|line| {
            let value = line
                .strip_prefix("export ")?
                .strip_prefix(name)?
                .strip_prefix('=')?;
            Some(PathBuf::from(value.trim_matches('\'')))
        })
    };
    let kubeconfig =
        export("KUBECONFIG").ok_or_else(|| format!("no KUBECONFIG in start output: {stdout:?}"))?;
    let restricted = export(RESTRICTED_ENV)
        .ok_or_else(|| format!("no {RESTRICTED_ENV} in start output: {stdout:?}"))?;
    Ok(TestPlane {
        kubeconfig,
        restricted_kubeconfig: Some(restricted),
    })
}

/// Writes to the real stderr, bypassing libtest's output capture.
fn note(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "testplane: {msg}");
}
