//! The env of the fault suite: 16 objects over every sync phase in a throwaway
//! repository, its namespaces and bystanders on one cluster, the commands that run
//! against it, and the checks made after each fault.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use kube::api::{Api, ApiResource, DynamicObject, GroupVersionKind};
use serde_json::Value;
use sha2::Digest as _;

use super::child::{run, Finished, Running};
use super::table::Row;
use super::{is_boundary, message, RUN_BOUND};
use crate::testplane;

/// One object of the env's Git content.
#[derive(Clone)]
pub(super) struct Obj {
    pub(super) file: String,
    pub(super) body: String,
    /// kubectl's `TYPE/NAME`.
    pub(super) kubectl: String,
    pub(super) kind: String,
    pub(super) name: String,
    /// `apiVersion` and plural resource name, for the API client.
    pub(super) api_version: String,
    pub(super) plural: String,
    /// Namespace, empty when cluster-scoped.
    pub(super) namespace: String,
    /// Phase and wave, as `sync -v` logs them (`applying phase P wave W`).
    pub(super) step: (u8, i64),
}

impl Obj {
    pub(super) fn resource(&self) -> ApiResource {
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
pub(super) struct Poller {
    pub(super) rt: tokio::runtime::Runtime,
    pub(super) client: kube::Client,
}

impl Poller {
    pub(super) fn new(kubeconfig: &Path) -> Poller {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        let client = rt.block_on(testplane::client(kubeconfig));
        Poller { rt, client }
    }

    /// resourceVersion of each object (`None`: absent or unreadable).
    pub(super) fn versions(&self, objs: &[&Obj]) -> Vec<Option<String>> {
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
pub(super) struct FaultEnv {
    /// Admin kubeconfig, direct to the API server: kubectl's checks use it.
    pub(super) kubeconfig: PathBuf,
    /// What kubectl-gitops uses (the same, or one through the proxy).
    pub(super) gitops_kubeconfig: PathBuf,
    pub(super) tag: String,
    pub(super) ns: String,
    pub(super) other_ns: String,
    pub(super) group: String,
    pub(super) root: PathBuf,
    pub(super) git: Vec<Obj>,
    /// Objects that left Git after having been synced: must be gone after a re-run.
    pub(super) removed: Vec<Obj>,
    /// `namespace/name` of a bystander ConfigMap and its resourceVersion.
    pub(super) bystanders: Vec<(String, String, String)>,
    /// Toggled by [`FaultEnv::toggle`].
    pub(super) version: u32,
}

pub(super) fn unique(prefix: &str) -> String {
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

pub(super) fn wave_of(wave: Option<&str>) -> i64 {
    wave.and_then(|w| w.parse().ok()).unwrap_or(0)
}

pub(super) fn configmap(ns: &str, name: &str, wave: Option<&str>, value: &str) -> Obj {
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

pub(super) fn service(ns: &str, name: &str, wave: Option<&str>) -> Obj {
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

pub(super) fn deployment(ns: &str, name: &str, wave: Option<&str>) -> Obj {
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
pub(super) fn applyset_id(ns: &str) -> String {
    let digest = sha2::Sha256::digest(format!("gitops-app.{ns}.ConfigMap."));
    format!(
        "applyset-{}-v1",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    )
}

impl FaultEnv {
    /// Creates the namespaces and bystanders and writes the repository (not synced).
    pub(super) fn new(kubeconfig: &Path, prefix: &str) -> FaultEnv {
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
    pub(super) fn create_bystanders(&mut self) {
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

    pub(super) fn write_git(&self) {
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
    pub(super) fn remove(&mut self, kind: &str, name: &str) {
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
    pub(super) fn toggle(&mut self) {
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
    pub(super) fn gitops(&self, cmd: &str, args: &[&str]) -> Command {
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

    pub(super) fn kubectl_cmd(&self, args: &[&str]) -> Command {
        let mut c = Command::new("kubectl");
        c.arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("--request-timeout=20s")
            .args(args);
        c
    }

    pub(super) fn kubectl(&self, args: &[&str]) -> Finished {
        run(self.kubectl_cmd(args), RUN_BOUND)
    }

    pub(super) fn kubectl_stdin(&self, args: &[&str], input: &str) {
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

    pub(super) fn resource_version(&self, ns: &str, name: &str) -> Option<String> {
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
    pub(super) fn existing(&self, objs: &[Obj]) -> BTreeSet<String> {
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
    pub(super) fn check(&mut self) -> (u32, Vec<String>) {
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
    pub(super) fn converge(&self, row: &mut Row, what: &str) -> Result<(), String> {
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
    pub(super) fn recover(&mut self, row: &mut Row, what: &str) {
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
    pub(super) fn kill_sync_at(&self, n: usize, row: &mut Row) -> Option<String> {
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
    pub(super) fn inventory_misses(&self) -> Vec<String> {
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
    pub(super) fn kill_sync_mid_step(
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

    pub(super) fn cleanup(&self) {
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
