//! The fault suite (issue #12): through the real binary, an env of 16 objects over every
//! sync phase (a Namespace and a CRD, a ClusterRole, a custom resource, ConfigMaps,
//! Services and Deployments in waves 0 and 1) meets
//!
//! - `sync` SIGKILLed at each phase boundary it logs (`-v`), on a first sync and on an
//!   update that prunes, then re-run;
//! - Git changed between the killed sync and the re-run (the re-run prunes what left
//!   Git, and only that);
//! - the API server SIGKILLed mid-sync (the sync exits 2, bounded) and restarted on the
//!   same data dir and port, and SIGTERMed and restarted under `sync --watch` (the loop
//!   keeps going, heals a drift made after the restart, and stops on SIGTERM);
//! - a TCP proxy between client and server that stalls, resets, or resets after some
//!   bytes, during `sync` and `diff` with `--request-timeout 3` (exit 2 within a bound,
//!   one error line).
//!
//! After each fault the re-run must converge (`sync --prune` exits 0, then `diff` exits
//! 0), two bystanders must be untouched (same resourceVersion: one in the env's namespace
//! and not in Git, one in a namespace the env does not use carrying a copied
//! `applyset.kubernetes.io/part-of` label), and every object Git holds must exist. The
//! scenarios run one after the other in `cluster_faults_suite`, which prints the table
//! (faults injected, runs, converged, objects wrongly deleted) and fails on any miss.
//! API-server faults use a private plane ([`plane`]); the shared one is never stopped.
//! `GITOPS_FAULTS=kill,git,apiserver,watch,proxy` picks scenarios (default: all).

mod plane;
mod proxy;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use serde_json::Value;
use sha2::Digest as _;

use crate::testplane;
use proxy::{Mode, Proxy};

/// Bound of one command that is expected to finish (sync, diff, kubectl).
const RUN_BOUND: Duration = Duration::from_secs(90);
/// Bound of a command run into a fault: it must give up by itself well within this.
const FAULT_BOUND: Duration = Duration::from_secs(45);
/// The phase-boundary lines this many into a sync are the most we look for.
const MAX_BOUNDARIES: usize = 12;

/// Sends a signal by name (`TERM`, `STOP`, `CONT`) with kill(1).
pub(crate) fn signal(pid: u32, sig: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{sig}"))
        .arg(pid.to_string())
        .status();
}

/// The message of a log line, without tracing's timestamp and level.
fn message(line: &str) -> &str {
    ["applying phase ", "writing inventory parent", "pruning"]
        .iter()
        .filter_map(|m| line.find(m))
        .min()
        .map_or(line, |at| &line[at..])
}

/// A log line that marks a sync phase boundary (with `-v`).
fn is_boundary(line: &str) -> bool {
    line.contains("applying phase ")
        || line.contains("writing inventory parent")
        || line.contains("pruning")
}

// ---------------------------------------------------------------------------------------
// Child processes, every wait bounded

struct Finished {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Finished {
    fn text(&self) -> String {
        format!(
            "exit {:?} after {:.1}s\nstdout:\n{}\nstderr:\n{}",
            self.code,
            self.elapsed.as_secs_f64(),
            self.stdout,
            self.stderr
        )
    }
    /// Lines of stderr that report an error.
    fn error_lines(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("error"))
            .collect()
    }
}

/// A running child whose stderr is read line by line as it comes.
struct Running {
    child: Child,
    started: Instant,
    lines: mpsc::Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_done: mpsc::Receiver<()>,
    stdout: Option<std::thread::JoinHandle<String>>,
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
    fn spawn(mut cmd: Command) -> Running {
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

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn exited(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(Some(_)))
    }

    /// Waits for the `n`-th stderr line (counting from 1) for which `pred` holds; `None`
    /// when stderr ended first. Panics (after killing the child) past `bound`.
    fn wait_for_line(
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
    fn finish(mut self, bound: Duration) -> Finished {
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
    fn kill(mut self) -> Finished {
        let _ = self.child.kill();
        self.finish(Duration::from_secs(3600))
    }
}

fn run(cmd: Command, bound: Duration) -> Finished {
    Running::spawn(cmd).finish(bound)
}

// ---------------------------------------------------------------------------------------
// The env

/// One object of the env's Git content.
#[derive(Clone)]
struct Obj {
    file: String,
    body: String,
    /// kubectl's `TYPE/NAME`.
    kubectl: String,
    kind: String,
    name: String,
    /// `apiVersion` and plural resource name, for the API client.
    api_version: String,
    plural: String,
    /// Namespace, empty when cluster-scoped.
    namespace: String,
    /// Phase and wave, as `sync -v` logs them (`applying phase P wave W`).
    step: (u8, i64),
}

impl Obj {
    fn resource(&self) -> ApiResource {
        let (group, version) = match self.api_version.split_once('/') {
            Some((g, v)) => (g, v),
            None => ("", self.api_version.as_str()),
        };
        ApiResource::from_gvk_with_plural(
            &GroupVersionKind::gvk(group, version, &self.kind),
            &self.plural,
        )
    }
}

/// Reads resourceVersions fast (an API client on its own small runtime), to catch the
/// first write of a group while `sync` is running.
struct Poller {
    rt: tokio::runtime::Runtime,
    client: kube::Client,
}

impl Poller {
    fn new(kubeconfig: &Path) -> Poller {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = rt.block_on(testplane::client(kubeconfig));
        Poller { rt, client }
    }

    /// resourceVersion of each object (`None`: absent or unreadable).
    fn versions(&self, objs: &[&Obj]) -> Vec<Option<String>> {
        self.rt
            .block_on(futures::future::join_all(objs.iter().map(|o| {
                let resource = o.resource();
                let api: Api<DynamicObject> = if o.namespace.is_empty() {
                    Api::all_with(self.client.clone(), &resource)
                } else {
                    Api::namespaced_with(self.client.clone(), &o.namespace, &resource)
                };
                let name = o.name.clone();
                async move {
                    let got =
                        tokio::time::timeout(Duration::from_secs(5), api.get_opt(&name)).await;
                    match got {
                        Ok(Ok(Some(obj))) => obj.metadata.resource_version,
                        _ => None,
                    }
                }
            })))
    }
}

/// An env of 16 objects in its own namespaces, with its bystanders, on one cluster.
struct FaultEnv {
    /// Admin kubeconfig, direct to the API server: kubectl's checks use it.
    kubeconfig: PathBuf,
    /// What kubectl-gitops uses (the same, or one through the proxy).
    gitops_kubeconfig: PathBuf,
    tag: String,
    ns: String,
    other_ns: String,
    group: String,
    root: PathBuf,
    git: Vec<Obj>,
    /// Objects that left Git after having been synced: must be gone after a re-run.
    removed: Vec<Obj>,
    /// `namespace/name` of a bystander ConfigMap and its resourceVersion.
    bystanders: Vec<(String, String, String)>,
    /// Toggled by [`FaultEnv::toggle`].
    version: u32,
}

fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let stamp = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos() ^ (d.as_secs() as u32))
        .unwrap_or(0)
        ^ std::process::id();
    format!(
        "{prefix}-{:06x}-{}",
        stamp & 0xff_ffff,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

fn wave_of(wave: Option<&str>) -> i64 {
    wave.and_then(|w| w.parse().ok()).unwrap_or(0)
}

fn configmap(ns: &str, name: &str, wave: Option<&str>, value: &str) -> Obj {
    let annotations = wave
        .map(|w| format!("  annotations:\n    kubectl-gitops.io/wave: \"{w}\"\n"))
        .unwrap_or_default();
    Obj {
        file: format!("cm-{name}.yaml"),
        body: format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {ns}\n{annotations}data:\n  value: \"{value}\"\n"
        ),
        kubectl: format!("configmap/{name}"),
        kind: "ConfigMap".into(),
        name: name.into(),
        api_version: "v1".into(),
        plural: "configmaps".into(),
        namespace: ns.into(),
        step: (2, wave_of(wave)),
    }
}

fn service(ns: &str, name: &str, wave: Option<&str>) -> Obj {
    let annotations = wave
        .map(|w| format!("  annotations:\n    kubectl-gitops.io/wave: \"{w}\"\n"))
        .unwrap_or_default();
    Obj {
        file: format!("svc-{name}.yaml"),
        body: format!(
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\n{annotations}spec:\n  selector:\n    app: {name}\n  ports:\n  - port: 80\n"
        ),
        kubectl: format!("service/{name}"),
        kind: "Service".into(),
        name: name.into(),
        api_version: "v1".into(),
        plural: "services".into(),
        namespace: ns.into(),
        step: (2, wave_of(wave)),
    }
}

fn deployment(ns: &str, name: &str, wave: Option<&str>) -> Obj {
    let annotations = wave
        .map(|w| format!("  annotations:\n    kubectl-gitops.io/wave: \"{w}\"\n"))
        .unwrap_or_default();
    Obj {
        file: format!("deploy-{name}.yaml"),
        body: format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\n{annotations}spec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      containers:\n      - name: app\n        image: registry.invalid/app:1\n"
        ),
        kubectl: format!("deployment.apps/{name}"),
        kind: "Deployment".into(),
        name: name.into(),
        api_version: "apps/v1".into(),
        plural: "deployments".into(),
        namespace: ns.into(),
        step: (2, wave_of(wave)),
    }
}

/// The ApplySet id of env `app`'s parent ConfigMap `gitops-app` in `ns` (KEP-3659:
/// base64url of sha256("<name>.<namespace>.<kind>.<group>")).
fn applyset_id(ns: &str) -> String {
    let digest = sha2::Sha256::digest(format!("gitops-app.{ns}.ConfigMap."));
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

impl FaultEnv {
    /// Creates the namespaces and bystanders and writes the repository (not synced).
    fn new(kubeconfig: &Path, prefix: &str) -> FaultEnv {
        let tag = unique(prefix);
        let ns = tag.clone();
        let other_ns = format!("{tag}-other");
        let group = format!("{tag}.faults.test");
        let root = std::env::temp_dir().join(format!("gitops-faults-{tag}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("envs/app")).expect("mkdir");
        let mut git = vec![
            Obj {
                file: "namespace.yaml".into(),
                body: format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n"),
                kubectl: format!("namespace/{ns}"),
                kind: "Namespace".into(),
                name: ns.clone(),
                api_version: "v1".into(),
                plural: "namespaces".into(),
                namespace: String::new(),
                step: (0, 0),
            },
            Obj {
                file: "crd.yaml".into(),
                body: format!(
                    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: widgets.{group}\nspec:\n  group: {group}\n  scope: Namespaced\n  names:\n    plural: widgets\n    singular: widget\n    kind: Widget\n  versions:\n  - name: v1\n    served: true\n    storage: true\n    schema:\n      openAPIV3Schema:\n        type: object\n        x-kubernetes-preserve-unknown-fields: true\n"
                ),
                kubectl: format!("customresourcedefinition.apiextensions.k8s.io/widgets.{group}"),
                kind: "CustomResourceDefinition".into(),
                name: format!("widgets.{group}"),
                api_version: "apiextensions.k8s.io/v1".into(),
                plural: "customresourcedefinitions".into(),
                namespace: String::new(),
                step: (0, 0),
            },
            Obj {
                file: "widget.yaml".into(),
                body: format!(
                    "apiVersion: {group}/v1\nkind: Widget\nmetadata:\n  name: gadget\n  namespace: {ns}\nspec:\n  size: 3\n"
                ),
                kubectl: format!("widgets.{group}/gadget"),
                kind: "Widget".into(),
                name: "gadget".into(),
                api_version: format!("{group}/v1"),
                plural: "widgets".into(),
                namespace: ns.clone(),
                step: (2, 0),
            },
            Obj {
                file: "clusterrole.yaml".into(),
                body: format!(
                    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: {tag}-reader\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list]\n"
                ),
                kubectl: format!("clusterrole.rbac.authorization.k8s.io/{tag}-reader"),
                kind: "ClusterRole".into(),
                name: format!("{tag}-reader"),
                api_version: "rbac.authorization.k8s.io/v1".into(),
                plural: "clusterroles".into(),
                namespace: String::new(),
                step: (1, 0),
            },
        ];
        for i in 0..5 {
            git.push(configmap(&ns, &format!("early-{i}"), None, "a"));
        }
        git.push(service(&ns, "front", None));
        git.push(deployment(&ns, "front", None));
        for i in 0..3 {
            git.push(configmap(&ns, &format!("late-{i}"), Some("1"), "a"));
        }
        git.push(service(&ns, "back", Some("1")));
        git.push(deployment(&ns, "back", Some("1")));

        let env = FaultEnv {
            kubeconfig: kubeconfig.to_path_buf(),
            gitops_kubeconfig: kubeconfig.to_path_buf(),
            tag,
            ns,
            other_ns,
            group,
            root,
            git,
            removed: Vec::new(),
            bystanders: Vec::new(),
            version: 0,
        };
        env.write_git();
        env
    }

    /// Creates both namespaces and both bystanders (with kubectl, not kubectl-gitops).
    fn create_bystanders(&mut self) {
        self.bystanders.clear();
        for ns in [&self.ns, &self.other_ns] {
            self.kubectl_stdin(
                &["apply", "-f", "-"],
                &format!(
                    "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {ns}\n  labels:\n    kubectl-gitops.test/it: \"true\"\n"
                ),
            );
        }
        let id = applyset_id(&self.ns);
        self.kubectl_stdin(
            &["apply", "-f", "-"],
            &format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bystander\n  namespace: {}\ndata:\n  owner: someone-else\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: copied-label\n  namespace: {}\n  labels:\n    applyset.kubernetes.io/part-of: {id}\ndata:\n  owner: someone-else\n",
                self.ns, self.other_ns
            ),
        );
        for (ns, name) in [(&self.ns, "bystander"), (&self.other_ns, "copied-label")] {
            let rv = self
                .resource_version(ns, name)
                .unwrap_or_else(|| panic!("bystander {ns}/{name} not created"));
            self.bystanders.push((ns.clone(), name.to_string(), rv));
        }
    }

    fn write_git(&self) {
        let dir = self.root.join("envs/app");
        for entry in std::fs::read_dir(&dir).expect("read env dir").flatten() {
            let _ = std::fs::remove_file(entry.path());
        }
        let mut kustomization = String::from("resources:\n");
        for o in &self.git {
            std::fs::write(dir.join(&o.file), &o.body).expect("write");
            kustomization.push_str(&format!("- {}\n", o.file));
        }
        std::fs::write(dir.join("kustomization.yaml"), kustomization).expect("write");
    }

    /// Removes an object from Git (by name); it must be pruned by the next sync.
    fn remove(&mut self, kind: &str, name: &str) {
        let at = self
            .git
            .iter()
            .position(|o| o.kind == kind && o.name == name)
            .unwrap_or_else(|| panic!("{kind}/{name} is not in Git"));
        let obj = self.git.remove(at);
        self.removed.push(obj);
        self.write_git();
    }

    /// An update that changes, adds and removes: version A has `early-4` and `data:
    /// value=a` on `early-0`, version B has `extra` (wave 1) instead and `value=b`.
    fn toggle(&mut self) {
        self.version += 1;
        let b = self.version % 2 == 1;
        let (gone, new, value) = if b {
            ("early-4", configmap(&self.ns, "extra", Some("1"), "b"), "b")
        } else {
            ("extra", configmap(&self.ns, "early-4", None, "a"), "a")
        };
        self.remove("ConfigMap", gone);
        self.removed.retain(|o| o.name != new.name);
        self.git.push(new);
        let first = configmap(&self.ns, "early-0", None, value);
        if let Some(o) = self.git.iter_mut().find(|o| o.name == "early-0") {
            *o = first;
        }
        self.write_git();
    }

    /// `kubectl-gitops <cmd> app <args> --kubeconfig .. -n .. --root ..`.
    fn gitops(&self, cmd: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"));
        c.current_dir(&self.root)
            .env_remove("KUBECONFIG")
            .env("NO_COLOR", "1")
            .arg(cmd)
            .arg("app")
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.gitops_kubeconfig)
            .arg("-n")
            .arg(&self.ns)
            .arg("--root")
            .arg(&self.root);
        c
    }

    fn kubectl_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("kubectl");
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--request-timeout=20s")
            .args(args);
        c
    }

    fn kubectl(&self, args: &[&str]) -> Finished {
        run(self.kubectl_cmd(args), RUN_BOUND)
    }

    fn kubectl_stdin(&self, args: &[&str], input: &str) {
        let mut child = self
            .kubectl_cmd(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run kubectl");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("kubectl");
        assert!(
            out.status.success(),
            "kubectl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn resource_version(&self, ns: &str, name: &str) -> Option<String> {
        let out = self.kubectl(&[
            "get",
            "configmap",
            name,
            "-n",
            ns,
            "--ignore-not-found",
            "-o",
            "jsonpath={.metadata.resourceVersion}",
        ]);
        assert_eq!(out.code, Some(0), "{}", out.text());
        Some(out.stdout.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// `Kind/name` of the given objects that exist now.
    fn existing(&self, objs: &[Obj]) -> BTreeSet<String> {
        if objs.is_empty() {
            return BTreeSet::new();
        }
        let mut args = vec!["get", "-n", &self.ns, "--ignore-not-found", "-o", "json"];
        args.extend(objs.iter().map(|o| o.kubectl.as_str()));
        let out = self.kubectl(&args);
        assert_eq!(out.code, Some(0), "{}", out.text());
        if out.stdout.trim().is_empty() {
            return BTreeSet::new();
        }
        let doc: Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("kubectl get: not JSON ({e}): {}", out.stdout));
        let items = match doc["kind"].as_str() {
            Some("List") => doc["items"].as_array().cloned().unwrap_or_default(),
            _ => vec![doc],
        };
        items
            .iter()
            .filter(|o| o["metadata"]["deletionTimestamp"].is_null())
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["metadata"]["name"].as_str().unwrap_or("")
                )
            })
            .collect()
    }

    /// The invariants after a fault and a re-run: what Git holds exists, what left Git is
    /// gone, bystanders are untouched. Returns (objects wrongly deleted, other misses).
    fn check(&mut self) -> (u32, Vec<String>) {
        let mut wrongly_deleted = 0;
        let mut misses = Vec::new();
        let present = self.existing(&self.git);
        for o in &self.git {
            let key = format!("{}/{}", o.kind, o.name);
            if !present.contains(&key) {
                wrongly_deleted += 1;
                misses.push(format!("{key} is in Git but not in the cluster"));
            }
        }
        for key in self.existing(&self.removed) {
            misses.push(format!("{key} left Git but was not pruned"));
        }
        let mut recreate = false;
        for (ns, name, rv) in &self.bystanders {
            match self.resource_version(ns, name) {
                None => {
                    wrongly_deleted += 1;
                    recreate = true;
                    misses.push(format!("bystander {ns}/{name} was deleted"));
                }
                Some(now) if &now != rv => misses.push(format!(
                    "bystander {ns}/{name} was changed (resourceVersion {rv} -> {now})"
                )),
                Some(_) => {}
            }
        }
        if recreate {
            // So that the next fault is measured on its own.
            self.create_bystanders();
        }
        (wrongly_deleted, misses)
    }

    /// Re-runs `sync --prune --no-wait` and then `diff`; converged when both exit 0. The
    /// sync must prune exactly the objects that left Git and still exist (a miss in
    /// `row` otherwise).
    fn converge(&self, row: &mut Row, what: &str) -> Result<(), String> {
        let expected = self.existing(&self.removed);
        row.runs += 1;
        let out = run(
            self.gitops("sync", &["--prune", "--no-wait", "-o", "json"]),
            RUN_BOUND,
        );
        if out.code != Some(0) {
            return Err(format!("re-run sync: {}", out.text()));
        }
        let report: Value = serde_json::from_str(&out.stdout)
            .map_err(|e| format!("re-run sync -o json: not JSON ({e}): {}", out.text()))?;
        let pruned: BTreeSet<String> = report["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["action"] == "pruned")
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap_or(""),
                    o["name"].as_str().unwrap_or("")
                )
            })
            .collect();
        if pruned != expected {
            // Converged all the same; recorded as a miss of its own.
            row.fail(format!(
                "{what}: the re-run must prune exactly what left Git: pruned {pruned:?}, expected {expected:?}"
            ));
        }
        row.runs += 1;
        let out = run(self.gitops("diff", &[]), RUN_BOUND);
        if out.code != Some(0) {
            return Err(format!("diff after re-run: {}", out.text()));
        }
        Ok(())
    }

    /// After a fault: the re-run converges and the invariants hold; recorded in `row`.
    fn recover(&mut self, row: &mut Row, what: &str) {
        for m in self.inventory_misses() {
            row.fail(format!("{what}, before the re-run: {m}"));
        }
        match self.converge(row, what) {
            Ok(()) => row.converged += 1,
            Err(e) => row.fail(format!("{what}: {e}")),
        }
        let (deleted, misses) = self.check();
        row.wrongly_deleted += deleted;
        for m in misses {
            row.fail(format!("{what}: {m}"));
        }
    }

    /// Spawns `sync --prune --no-wait -v <extra>` and SIGKILLs it at the `n`-th boundary
    /// line. `None` when the sync finished first (then it must have exited 0).
    fn kill_sync_at(&self, n: usize, row: &mut Row) -> Option<String> {
        row.runs += 1;
        let mut sync = Running::spawn(self.gitops("sync", &["--prune", "--no-wait", "-v"]));
        match sync.wait_for_line(is_boundary, n, RUN_BOUND) {
            Some(line) => {
                sync.kill();
                row.injected += 1;
                Some(message(&line).to_string())
            }
            None => {
                let out = sync.finish(RUN_BOUND);
                if out.code != Some(0) {
                    row.fail(format!("unkilled sync failed: {}", out.text()));
                }
                None
            }
        }
    }

    /// What an interrupted sync must leave: every object labelled as a member of our
    /// inventory (the copied-label bystander's namespace aside) is recorded by the parent
    /// (its group-kind, its namespace), so the next run can prune it.
    fn inventory_misses(&self) -> Vec<String> {
        let selector = format!("applyset.kubernetes.io/part-of={}", applyset_id(&self.ns));
        let mut members = Vec::new();
        let list = |types: &str| -> Option<Vec<Value>> {
            let out = self.kubectl(&["get", types, "-A", "-l", &selector, "-o", "json"]);
            if out.code != Some(0) {
                return None;
            }
            let doc: Value = serde_json::from_str(&out.stdout).ok()?;
            doc["items"].as_array().cloned()
        };
        match list(
            "namespaces,customresourcedefinitions.apiextensions.k8s.io,\
             clusterroles.rbac.authorization.k8s.io,configmaps,services,deployments.apps",
        ) {
            Some(items) => members.extend(items),
            None => return vec!["cannot list the members of the inventory".into()],
        }
        // Absent until the CRD is served; then a failure only means no widgets yet.
        members.extend(list(&format!("widgets.{}", self.group)).unwrap_or_default());
        members.retain(|m| m["metadata"]["namespace"].as_str() != Some(self.other_ns.as_str()));
        if members.is_empty() {
            return Vec::new();
        }
        let out = self.kubectl(&[
            "get",
            "configmap",
            "gitops-app",
            "-n",
            &self.ns,
            "--ignore-not-found",
            "-o",
            "json",
        ]);
        let parent: Option<Value> = serde_json::from_str(&out.stdout).ok();
        let annotation = |name: &str| -> Vec<String> {
            parent
                .as_ref()
                .and_then(|p| p["metadata"]["annotations"][name].as_str())
                .unwrap_or("")
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect()
        };
        let kinds = annotation("applyset.kubernetes.io/contains-group-kinds");
        let namespaces = annotation("applyset.kubernetes.io/additional-namespaces");
        let mut misses = Vec::new();
        for m in &members {
            let kind = m["kind"].as_str().unwrap_or("");
            let name = m["metadata"]["name"].as_str().unwrap_or("");
            let group = m["apiVersion"]
                .as_str()
                .and_then(|v| v.split_once('/'))
                .map(|(g, _)| g)
                .unwrap_or("");
            let gk = if group.is_empty() {
                kind.to_string()
            } else {
                format!("{kind}.{group}")
            };
            let ns = m["metadata"]["namespace"].as_str().unwrap_or("");
            if parent.is_none() {
                misses.push(format!(
                    "{gk}/{name} is labelled as a member but no inventory parent exists"
                ));
            } else if !kinds.contains(&gk) {
                misses.push(format!(
                    "{gk}/{name} is labelled as a member but the parent does not record {gk} ({kinds:?})"
                ));
            } else if !ns.is_empty() && ns != self.ns && !namespaces.iter().any(|n| n == ns) {
                misses.push(format!(
                    "{gk} {ns}/{name} is labelled as a member but the parent does not record namespace {ns}"
                ));
            }
        }
        misses
    }

    /// Spawns `sync --prune --no-wait -v` and SIGKILLs it inside the group `step`: after
    /// its `applying` line, as soon as one of its objects has been written. `None` when
    /// the sync finished first (then it must have exited 0).
    fn kill_sync_mid_step(
        &self,
        step: (u8, i64),
        poller: &Poller,
        row: &mut Row,
    ) -> Option<String> {
        let objs: Vec<&Obj> = self.git.iter().filter(|o| o.step == step).collect();
        let before = poller.versions(&objs);
        let marker = format!("applying phase {} wave {}:", step.0, step.1);
        row.runs += 1;
        let mut sync = Running::spawn(self.gitops("sync", &["--prune", "--no-wait", "-v"]));
        let Some(line) = sync.wait_for_line(|l| l.contains(&marker), 1, RUN_BOUND) else {
            let out = sync.finish(RUN_BOUND);
            if out.code != Some(0) {
                row.fail(format!("unkilled sync failed: {}", out.text()));
            }
            return None;
        };
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if sync.exited() {
                let out = sync.finish(RUN_BOUND);
                if out.code != Some(0) {
                    row.fail(format!("unkilled sync failed: {}", out.text()));
                }
                return None;
            }
            if poller.versions(&objs) != before {
                sync.kill();
                row.injected += 1;
                return Some(format!("{}, after its first write", message(&line)));
            }
            if Instant::now() > deadline {
                let out = sync.kill();
                row.fail(format!(
                    "group {step:?} never written within 30s: {}",
                    out.text()
                ));
                return None;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn cleanup(&self) {
        let _ = self.kubectl(&[
            "delete",
            "--wait=false",
            "--ignore-not-found",
            &format!("namespace/{}", self.ns),
            &format!("namespace/{}", self.other_ns),
            &format!(
                "customresourcedefinition.apiextensions.k8s.io/widgets.{}",
                self.group
            ),
            &format!("clusterrole.rbac.authorization.k8s.io/{}-reader", self.tag),
        ]);
    }
}

impl Drop for FaultEnv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
        let _ = std::fs::remove_file(self.root.with_extension("kubeconfig"));
    }
}

// ---------------------------------------------------------------------------------------
// The table

#[derive(Default)]
struct Row {
    fault: String,
    injected: u32,
    runs: u32,
    converged: u32,
    wrongly_deleted: u32,
    failures: Vec<String>,
    elapsed: Duration,
}

impl Row {
    fn new(fault: &str) -> Row {
        Row {
            fault: fault.into(),
            ..Row::default()
        }
    }
    fn fail(&mut self, msg: String) {
        self.failures.push(msg);
    }
}

fn table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<52} {:>8} {:>5} {:>9} {:>15} {:>7}\n",
        "fault", "injected", "runs", "converged", "wrongly deleted", "time"
    );
    let mut total = Row::new("total");
    for r in rows {
        s.push_str(&format!(
            "{:<52} {:>8} {:>5} {:>9} {:>15} {:>6.1}s{}\n",
            r.fault,
            r.injected,
            r.runs,
            r.converged,
            r.wrongly_deleted,
            r.elapsed.as_secs_f64(),
            if r.failures.is_empty() {
                ""
            } else {
                "  FAILED"
            }
        ));
        total.injected += r.injected;
        total.runs += r.runs;
        total.converged += r.converged;
        total.wrongly_deleted += r.wrongly_deleted;
        total.elapsed += r.elapsed;
    }
    s.push_str(&format!(
        "{:<52} {:>8} {:>5} {:>9} {:>15} {:>6.1}s\n",
        total.fault,
        total.injected,
        total.runs,
        total.converged,
        total.wrongly_deleted,
        total.elapsed.as_secs_f64()
    ));
    s.push_str(
        "runs: kubectl-gitops invocations (faulted, re-runs, diffs); converged: faults after \
         which the re-run (sync --prune, then diff) exited 0, or the watch healed; wrongly \
         deleted: objects Git holds, or bystanders, found deleted after a fault\n",
    );
    s
}

// ---------------------------------------------------------------------------------------
// Scenarios

/// `sync` SIGKILLed at the n-th boundary of a first sync (fresh env each time), then of
/// an update that changes, adds and prunes (one env, toggled), for every n a sync has.
fn sigkill_at_each_boundary(kubeconfig: &Path, rows: &mut Vec<Row>) {
    let mut first = Row::new("sync SIGKILL at each boundary: first sync");
    let started = Instant::now();
    for n in 1..=MAX_BOUNDARIES {
        let mut env = FaultEnv::new(kubeconfig, "faults-kill");
        env.create_bystanders();
        let hit = env.kill_sync_at(n, &mut first);
        if let Some(line) = &hit {
            env.recover(&mut first, &format!("killed at boundary {n} '{line}'"));
        }
        env.cleanup();
        if hit.is_none() {
            break;
        }
    }
    first.elapsed = started.elapsed();
    rows.push(first);

    let mut mid = Row::new("sync SIGKILL inside each group: first sync");
    let started = Instant::now();
    let poller = Poller::new(kubeconfig);
    let steps: BTreeSet<(u8, i64)> = FaultEnv::new(kubeconfig, "faults-steps")
        .git
        .iter()
        .map(|o| o.step)
        .collect();
    for step in steps {
        let mut env = FaultEnv::new(kubeconfig, "faults-mid");
        env.create_bystanders();
        if let Some(line) = env.kill_sync_mid_step(step, &poller, &mut mid) {
            env.recover(&mut mid, &format!("killed in '{line}'"));
        }
        env.cleanup();
    }
    mid.elapsed = started.elapsed();
    rows.push(mid);

    let mut update = Row::new("sync SIGKILL at each boundary: update with prune");
    let started = Instant::now();
    let mut env = FaultEnv::new(kubeconfig, "faults-upd");
    env.create_bystanders();
    if let Err(e) = env.converge(&mut update, "first sync") {
        update.fail(format!("first sync: {e}"));
    }
    for n in 1..=MAX_BOUNDARIES {
        env.toggle();
        let hit = env.kill_sync_at(n, &mut update);
        if let Some(line) = &hit {
            env.recover(&mut update, &format!("killed at boundary {n} '{line}'"));
        }
        if hit.is_none() {
            break;
        }
    }
    env.cleanup();
    update.elapsed = started.elapsed();
    rows.push(update);
}

/// Git changes between a killed sync and its re-run: the re-run prunes what left Git,
/// and only that.
fn git_changed_before_rerun(kubeconfig: &Path, rows: &mut Vec<Row>) {
    let mut row = Row::new("sync SIGKILL, Git changed before the re-run");
    let started = Instant::now();
    let wave1 = |l: &str| l.contains("applying phase 2 wave 1");

    // A first sync killed once wave 0 is applied; early-3 then leaves Git.
    let mut env = FaultEnv::new(kubeconfig, "faults-git");
    env.create_bystanders();
    row.runs += 1;
    let mut sync = Running::spawn(env.gitops("sync", &["--prune", "--no-wait", "-v"]));
    match sync.wait_for_line(wave1, 1, RUN_BOUND) {
        Some(_) => {
            sync.kill();
            row.injected += 1;
            env.remove("ConfigMap", "early-3");
            env.recover(&mut row, "first sync killed before wave 1, early-3 removed");
        }
        None => row.fail(format!(
            "first sync never reached wave 1: {}",
            sync.finish(RUN_BOUND).text()
        )),
    }

    // An update (adds `extra`, drops early-4) killed before wave 1; then late-0 and the
    // Service front leave Git as well.
    env.toggle();
    row.runs += 1;
    let mut sync = Running::spawn(env.gitops("sync", &["--prune", "--no-wait", "-v"]));
    match sync.wait_for_line(wave1, 1, RUN_BOUND) {
        Some(_) => {
            sync.kill();
            row.injected += 1;
            env.remove("ConfigMap", "late-0");
            env.remove("Service", "front");
            env.recover(
                &mut row,
                "update killed before wave 1, late-0 and Service front removed",
            );
        }
        None => row.fail(format!(
            "update never reached wave 1: {}",
            sync.finish(RUN_BOUND).text()
        )),
    }
    env.cleanup();
    row.elapsed = started.elapsed();
    rows.push(row);
}

/// The API server SIGKILLed mid-sync (the sync is paused at the boundary line while the
/// server dies, so the fault always lands mid-sync) and restarted on the same dir and
/// port: the interrupted sync exits 2, the re-run converges.
fn apiserver_killed_mid_sync(rows: &mut Vec<Row>) {
    let mut row = Row::new("API server SIGKILL mid-sync, restart");
    let started = Instant::now();
    let plane = match plane::get() {
        Ok(p) => p,
        Err(e) => {
            row.fail(format!("private plane: {e}"));
            rows.push(row);
            return;
        }
    };
    let mut env = FaultEnv::new(&plane.kubeconfig, "faults-api");
    env.create_bystanders();
    for (n, update) in [(1, false), (3, true)] {
        if update {
            env.toggle();
        }
        row.runs += 1;
        let mut sync = Running::spawn(env.gitops("sync", &["--prune", "--no-wait", "-v"]));
        let Some(line) = sync
            .wait_for_line(is_boundary, n, RUN_BOUND)
            .map(|l| message(&l).to_string())
        else {
            row.fail(format!(
                "sync ended before boundary {n}: {}",
                sync.finish(RUN_BOUND).text()
            ));
            continue;
        };
        signal(sync.pid(), "STOP");
        plane.kill();
        signal(sync.pid(), "CONT");
        row.injected += 1;
        let out = sync.finish(FAULT_BOUND);
        if out.code != Some(2) {
            row.fail(format!(
                "sync interrupted at '{line}' by the server's death must exit 2: {}",
                out.text()
            ));
        }
        let took = plane.restart();
        row_note(&format!(
            "interrupted sync exited {:?} after {:.1}s; plane restarted in {:.1}s",
            out.code,
            out.elapsed.as_secs_f64(),
            took.as_secs_f64()
        ));
        env.recover(&mut row, &format!("server killed at boundary {n} '{line}'"));
    }
    env.cleanup();
    row.elapsed = started.elapsed();
    rows.push(row);
}

/// The API server stopped (SIGTERM) and restarted under `sync --watch --interval 1s`:
/// the loop logs the error and keeps going, heals a drift made after the restart, and
/// stops promptly on SIGTERM with exit 0.
fn apiserver_restarted_mid_watch(rows: &mut Vec<Row>) {
    let mut row = Row::new("API server SIGTERM + restart under sync --watch");
    let started = Instant::now();
    let plane = match plane::get() {
        Ok(p) => p,
        Err(e) => {
            row.fail(format!("private plane: {e}"));
            rows.push(row);
            return;
        }
    };
    let mut env = FaultEnv::new(&plane.kubeconfig, "faults-watch");
    env.create_bystanders();
    row.runs += 1;
    let mut watch = Running::spawn(env.gitops("sync", &["--prune", "--watch", "--interval", "1s"]));
    let in_sync = |row: &mut Row, bound: Duration| {
        let deadline = Instant::now() + bound;
        loop {
            row.runs += 1;
            if run(env.gitops("diff", &[]), RUN_BOUND).code == Some(0) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    };
    if !in_sync(&mut row, Duration::from_secs(60)) {
        row.fail("the watch did not converge before the fault".into());
    }

    let stopped_in = plane.terminate();
    row.injected += 1;
    let error = watch.wait_for_line(|l| l.contains("error"), 1, Duration::from_secs(60));
    let restarted_in = plane.restart();
    row_note(&format!(
        "plane stopped in {:.1}s, restarted in {:.1}s; watch logged: {error:?}",
        stopped_in.as_secs_f64(),
        restarted_in.as_secs_f64()
    ));
    if error.is_none() {
        row.fail("the watch ended instead of logging the error".into());
    }

    // A drift made after the restart is healed by the watch (bounded: its backoff).
    let drift = env.kubectl(&[
        "patch",
        "configmap",
        "early-1",
        "-n",
        &env.ns,
        "--type",
        "merge",
        "-p",
        r#"{"data":{"value":"drifted"}}"#,
    ]);
    assert_eq!(drift.code, Some(0), "{}", drift.text());
    let drifted_at = Instant::now();
    let deadline = drifted_at + Duration::from_secs(90);
    let healed = loop {
        let out = env.kubectl(&[
            "get",
            "configmap",
            "early-1",
            "-n",
            &env.ns,
            "-o",
            "jsonpath={.data.value}",
        ]);
        if out.stdout.trim() == "a" {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let heal_took = drifted_at.elapsed();
    if healed {
        row.converged += 1;
    } else {
        row.fail("a drift made after the restart was not healed within 90s".into());
    }
    if !in_sync(&mut row, Duration::from_secs(10)) {
        row.fail("diff after the heal is not 0".into());
    }

    let asked = Instant::now();
    signal(watch.pid(), "TERM");
    // The bound runs from the start of the child; give SIGTERM 10 s from now.
    let out = watch.finish(started.elapsed() + Duration::from_secs(10));
    let stop = asked.elapsed();
    row_note(&format!(
        "watch: a drift made after the restart healed in {:.1}s; SIGTERM: exit {:?} in {:.2}s",
        heal_took.as_secs_f64(),
        out.code,
        stop.as_secs_f64()
    ));
    if out.code != Some(0) || stop > Duration::from_secs(10) {
        row.fail(format!(
            "SIGTERM must stop the watch promptly with exit 0 (took {stop:?}): {}",
            out.text()
        ));
    }
    let (deleted, misses) = env.check();
    row.wrongly_deleted += deleted;
    for m in misses {
        row.fail(format!("after the watch: {m}"));
    }
    env.cleanup();
    row.elapsed = started.elapsed();
    rows.push(row);
}

/// The `server:` address (127.0.0.1:port) of a test-plane kubeconfig.
fn server_of(kubeconfig: &Path) -> (String, std::net::SocketAddr) {
    let text = std::fs::read_to_string(kubeconfig).expect("read kubeconfig");
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server in kubeconfig")
        .trim()
        .to_string();
    let addr = url
        .strip_prefix("https://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("server {url} is not https://IP:port"));
    (url, addr)
}

/// The proxy between client and server: stalls, resets, resets after 16 KiB per
/// connection, during `sync` (from its first boundary on: the sync is paused while the
/// mode changes, so open connections are hit too) and `diff` (from the start), with
/// `--request-timeout 3`.
fn proxy_faults(kubeconfig: &Path, rows: &mut Vec<Row>) {
    let (url, upstream) = server_of(kubeconfig);
    let proxy = Proxy::start(upstream);
    let mut env = FaultEnv::new(kubeconfig, "faults-proxy");
    let proxied = env.root.with_extension("kubeconfig");
    let text = std::fs::read_to_string(kubeconfig).expect("read kubeconfig");
    std::fs::write(
        &proxied,
        text.replace(&url, &format!("https://{}", proxy.addr)),
    )
    .expect("write kubeconfig");
    env.gitops_kubeconfig = proxied;
    env.create_bystanders();
    let mut setup = Row::new("proxy pass-through (set-up)");
    let through = env.converge(&mut setup, "first sync through the proxy");
    let (bytes, connections) = (proxy.bytes(), proxy.accepted());
    row_note(&format!(
        "proxy: a first sync and a diff took {connections} connection(s), {bytes} bytes"
    ));
    let usable = through.is_ok();
    if let Err(e) = through {
        setup.fail(format!("through the proxy: {e}"));
    }
    if !setup.failures.is_empty() {
        rows.push(setup);
    }
    if !usable {
        return;
    }

    let cases = [
        ("proxy stall during sync", Mode::Stall, true),
        ("proxy stall during diff", Mode::Stall, false),
        ("proxy reset during sync", Mode::Reset, true),
        ("proxy reset during diff", Mode::Reset, false),
        (
            "proxy reset after 16 KiB per connection, sync",
            Mode::ResetAfter(16384),
            true,
        ),
        (
            "proxy reset after 16 KiB per connection, diff",
            Mode::ResetAfter(16384),
            false,
        ),
    ];
    for (name, mode, during_sync) in cases {
        let mut row = Row::new(name);
        let started = Instant::now();
        row.runs += 1;
        let out = if during_sync {
            env.toggle();
            let mut sync = Running::spawn(env.gitops(
                "sync",
                &["--prune", "--no-wait", "-v", "--request-timeout", "3"],
            ));
            if sync.wait_for_line(is_boundary, 1, RUN_BOUND).is_some() {
                signal(sync.pid(), "STOP");
                proxy.set_mode(mode);
                signal(sync.pid(), "CONT");
            }
            sync.finish(FAULT_BOUND)
        } else {
            proxy.set_mode(mode);
            run(env.gitops("diff", &["--request-timeout", "3"]), FAULT_BOUND)
        };
        row.injected += 1;
        proxy.set_mode(Mode::Pass);
        row_note(&format!(
            "{name}: exit {:?} after {:.1}s: {:?}",
            out.code,
            out.elapsed.as_secs_f64(),
            out.error_lines()
        ));
        if out.code != Some(2) {
            row.fail(format!("{name}: must exit 2: {}", out.text()));
        }
        if out.error_lines().len() != 1 {
            row.fail(format!("{name}: must print one error line: {}", out.text()));
        }
        if !during_sync && out.stderr.lines().filter(|l| !l.trim().is_empty()).count() != 1 {
            row.fail(format!(
                "{name}: stderr must be that one line: {}",
                out.text()
            ));
        }
        env.recover(&mut row, name);
        row.elapsed = started.elapsed();
        rows.push(row);
    }
    env.cleanup();
    drop(proxy);
}

#[test]
fn cluster_faults_suite() {
    let Some(kubeconfig) = testplane::kubeconfig() else {
        return;
    };
    let only = std::env::var("GITOPS_FAULTS").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|w| w.trim() == name);
    let started = Instant::now();
    let mut rows = Vec::new();
    type Scenario<'a> = (&'a str, Box<dyn Fn(&mut Vec<Row>) + 'a>);
    let scenarios: Vec<Scenario> = vec![
        (
            "kill",
            Box::new(|r| sigkill_at_each_boundary(&kubeconfig, r)),
        ),
        (
            "git",
            Box::new(|r| git_changed_before_rerun(&kubeconfig, r)),
        ),
        ("apiserver", Box::new(apiserver_killed_mid_sync)),
        ("watch", Box::new(apiserver_restarted_mid_watch)),
        ("proxy", Box::new(|r| proxy_faults(&kubeconfig, r))),
    ];
    for (name, scenario) in &scenarios {
        if !wanted(name) {
            continue;
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut own = Vec::new();
            scenario(&mut own);
            own
        }));
        match result {
            Ok(own) => rows.extend(own),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let mut row = Row::new(&format!("{name} (aborted)"));
                row.fail(format!("panicked: {msg}"));
                rows.push(row);
            }
        }
    }
    let summary = table(&rows);
    let failures: Vec<String> = rows
        .iter()
        .flat_map(|r| r.failures.iter().map(move |f| format!("[{}] {f}", r.fault)))
        .collect();
    // The real stderr, so the table shows without --nocapture too.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nfault suite ({:.0}s):\n{summary}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} fault check(s) failed:\n{}\n\n{summary}",
        failures.len(),
        failures.join("\n\n")
    );
    let wrongly_deleted: u32 = rows.iter().map(|r| r.wrongly_deleted).sum();
    assert_eq!(wrongly_deleted, 0, "{summary}");
}

/// A progress note on the real stderr (shown without --nocapture).
fn row_note(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "faults: {msg}");
}
