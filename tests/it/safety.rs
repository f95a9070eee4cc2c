//! Cluster safety on the test plane, through the real binary: prune only what the env
//! owns (its inventory's kinds and namespaces, never another source's inventory), work
//! under namespace-scoped RBAC (the restricted user, and the example agent's own Roles
//! with a real ServiceAccount token), refuse destructive prunes unless told, and converge
//! by default (Git wins over other managers, each field taken back is reported).
//! Every test tries to make a destructive path misfire and checks that it did not.

use crate::testplane;
use crate::util::{json, text};
use crate::util::{kubectl, kubectl_ok};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A repository in a temp dir with any number of envs (`<dir>/kustomization.yaml`).
struct Repo {
    root: PathBuf,
}

impl Repo {
    fn new(tag: &str) -> Repo {
        let root = std::env::temp_dir().join(format!("gitops-safety-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).expect("mkdir");
        Repo { root }
    }

    fn write(&self, rel: &str, body: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
    }

    /// An env directory `dir` holding `files` and a kustomization listing them.
    fn env(&self, dir: &str, namespace: Option<&str>, files: &[(&str, &str)]) {
        let _ = std::fs::remove_dir_all(self.root.join(dir));
        let mut k = String::new();
        if let Some(ns) = namespace {
            k.push_str(&format!("namespace: {ns}\n"));
        }
        k.push_str("resources:\n");
        for (name, body) in files {
            self.write(&format!("{dir}/{name}"), body);
            k.push_str(&format!("- {name}\n"));
        }
        if files.is_empty() {
            k = k.replace("resources:\n", "resources: []\n");
        }
        self.write(&format!("{dir}/kustomization.yaml"), &k);
    }

    /// `kubectl-gitops <cmd> <target> <args> --kubeconfig kc --root root`.
    fn run(&self, kc: &Path, cmd: &str, target: &str, args: &[&str]) -> Output {
        self.command(kc, cmd, target, args)
            .output()
            .expect("run kubectl-gitops")
    }

    fn command(&self, kc: &Path, cmd: &str, target: &str, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"));
        c.current_dir(&self.root)
            .arg(cmd)
            .arg(target)
            .args(args)
            .arg("--kubeconfig")
            .arg(kc)
            .arg("--root")
            .arg(&self.root);
        c
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn kubectl_stdin(kc: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kc)
        .args(args)
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
    child.wait_with_output().expect("kubectl output")
}

/// Whether `kind/name` exists (in `ns`, if given).
fn exists(kc: &Path, ns: Option<&str>, what: &str) -> bool {
    let mut args = vec!["get", what, "--ignore-not-found", "-o", "name"];
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    !kubectl_ok(kc, &args).trim().is_empty()
}

fn expect(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "{}", text(o));
}

/// Exactly one line on stderr, containing every one of `words`.
fn one_error_line(o: &Output, words: &[&str]) {
    expect(o, 2);
    let err = String::from_utf8_lossy(&o.stderr);
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one error line expected: {}", text(o));
    for w in words {
        assert!(lines[0].contains(w), "error should name {w:?}: {}", text(o));
    }
    assert!(o.stdout.is_empty(), "nothing on stdout: {}", text(o));
}

fn configmap(name: &str, value: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: \"{value}\"\n")
}

const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";

fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}{:x}", nanos ^ std::process::id())
}

#[tokio::test]
async fn safety_restricted_user_syncs_diffs_and_prunes_in_its_namespace() {
    let Some(kc) = testplane::restricted_kubeconfig() else {
        return;
    };
    let ns = testplane::RESTRICTED_NAMESPACE;
    let env = unique("r");
    let a = format!("{env}-a");
    let b = format!("{env}-b");
    let repo = Repo::new(&env);
    let dir = format!("envs/{env}");
    repo.env(
        &dir,
        Some(ns),
        &[
            ("a.yaml", &configmap(&a, "1")),
            ("b.yaml", &configmap(&b, "1")),
        ],
    );
    let nsflag = ["-n", ns];
    let sync = |extra: &[&str]| {
        let mut args = vec!["--no-wait", "-n", ns];
        args.extend_from_slice(extra);
        repo.run(&kc, "sync", &env, &args)
    };
    expect(&sync(&["--prune"]), 0);
    expect(&repo.run(&kc, "diff", &env, &nsflag), 0);
    let status = repo.run(&kc, "status", &env, &["-n", ns, "-o", "json"]);
    expect(&status, 0);
    assert_eq!(json(&status)["sync"], "Synced", "{}", text(&status));

    // b leaves Git: diff says prune, sync --prune deletes b and only b.
    repo.env(&dir, Some(ns), &[("a.yaml", &configmap(&a, "1"))]);
    let diff = repo.run(&kc, "diff", &env, &["-n", ns, "-o", "json"]);
    expect(&diff, 1);
    assert_eq!(json(&diff)["summary"]["prune"], 1, "{}", text(&diff));
    let out = sync(&["--prune"]);
    expect(&out, 0);
    assert!(String::from_utf8_lossy(&out.stdout).contains(&format!("pruned    ConfigMap/{b}")));
    assert!(exists(&kc, Some(ns), &format!("configmap/{a}")));
    assert!(!exists(&kc, Some(ns), &format!("configmap/{b}")));
}

#[tokio::test]
async fn safety_restricted_user_is_refused_before_any_write() {
    // An env with an object outside the user's namespace: the preflight refuses it and
    // nothing is created, not even in the namespace the user may write.
    let Some(kc) = testplane::restricted_kubeconfig() else {
        return;
    };
    let Some(admin) = testplane::kubeconfig() else {
        return;
    };
    let other = testplane::namespace("outside").await;
    let env = unique("d");
    let repo = Repo::new(&env);
    let inside = format!("{env}-in");
    repo.write(
        &format!("envs/{env}/in.yaml"),
        &configmap(&inside, "1").replace(
            "metadata:\n",
            &format!(
                "metadata:\n  namespace: {}\n",
                testplane::RESTRICTED_NAMESPACE
            ),
        ),
    );
    repo.write(
        &format!("envs/{env}/out.yaml"),
        &configmap("out", "1")
            .replace("metadata:\n", &format!("metadata:\n  namespace: {other}\n")),
    );
    repo.write(
        &format!("envs/{env}/kustomization.yaml"),
        "resources:\n- in.yaml\n- out.yaml\n",
    );
    let out = repo.run(
        &kc,
        "sync",
        &env,
        &[
            "--no-wait",
            "--prune",
            "-n",
            testplane::RESTRICTED_NAMESPACE,
        ],
    );
    one_error_line(&out, &["forbidden", "before changing anything"]);
    assert!(!exists(
        &admin,
        Some(testplane::RESTRICTED_NAMESPACE),
        &format!("configmap/{inside}")
    ));
    assert!(!exists(
        &admin,
        Some(testplane::RESTRICTED_NAMESPACE),
        &format!("configmap/gitops-{env}")
    ));
}

#[tokio::test]
async fn safety_prune_ignores_copies_in_namespaces_the_inventory_does_not_record() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("own").await;
    let elsewhere = testplane::namespace("elsewhere").await;
    let repo = Repo::new("copies");
    repo.env(
        "envs/app",
        Some(&ns),
        &[
            ("a.yaml", &configmap("a", "1")),
            ("b.yaml", &configmap("b", "1")),
        ],
    );
    expect(
        &repo.run(&kc, "sync", "app", &["--no-wait", "--prune", "-n", &ns]),
        0,
    );
    // A copy of member b, labels included, in a namespace the env never used.
    let live = kubectl_ok(&kc, &["get", "configmap", "b", "-n", &ns, "-o", "json"]);
    let mut copy: Value = serde_json::from_str(&live).expect("json");
    let meta = copy["metadata"].as_object_mut().expect("metadata");
    meta.retain(|k, _| k == "name" || k == "labels" || k == "annotations");
    meta.insert("namespace".into(), Value::String(elsewhere.clone()));
    let out = kubectl_stdin(&kc, &["create", "-f", "-"], &copy.to_string());
    assert!(out.status.success(), "{}", text(&out));

    let diff = repo.run(&kc, "diff", "app", &["-n", &ns, "-o", "json"]);
    expect(&diff, 0);
    // Git drops b: only the member in the env's namespace goes.
    repo.env("envs/app", Some(&ns), &[("a.yaml", &configmap("a", "1"))]);
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--no-wait", "--prune", "-n", &ns, "-o", "json"],
    );
    expect(&out, 0);
    assert_eq!(json(&out)["summary"]["pruned"], 1, "{}", text(&out));
    assert!(!exists(&kc, Some(&ns), "configmap/b"));
    assert!(
        exists(&kc, Some(&elsewhere), "configmap/b"),
        "the copy must survive"
    );
}

#[tokio::test]
async fn safety_inventories_of_two_sources_never_prune_each_other() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("shared").await;
    let repo = Repo::new("collide");
    repo.env(
        "apps/frontend/overlays/dev",
        Some(&ns),
        &[("fe.yaml", &configmap("frontend", "1"))],
    );
    repo.env(
        "apps/backend/overlays/dev",
        Some(&ns),
        &[("be.yaml", &configmap("backend", "1"))],
    );
    let fe = repo.root.join("apps/frontend/overlays/dev");
    let be = repo.root.join("apps/backend/overlays/dev");
    let args = ["--no-wait", "--prune", "-n", ns.as_str()];
    expect(&repo.run(&kc, "sync", &fe.to_string_lossy(), &args), 0);
    let out = repo.run(&kc, "sync", &be.to_string_lossy(), &args);
    one_error_line(
        &out,
        &[
            "apps/frontend/overlays/dev",
            "apps/backend/overlays/dev",
            "--adopt",
        ],
    );
    assert!(
        exists(&kc, Some(&ns), "configmap/frontend"),
        "nothing pruned"
    );
    assert!(
        !exists(&kc, Some(&ns), "configmap/backend"),
        "nothing applied"
    );
    // diff and status refuse the same way.
    expect(
        &repo.run(&kc, "diff", &be.to_string_lossy(), &["-n", &ns]),
        2,
    );
    // Told to, the backend takes the inventory over (and prunes the frontend's object).
    let mut adopt = args.to_vec();
    adopt.push("--adopt");
    expect(&repo.run(&kc, "sync", &be.to_string_lossy(), &adopt), 0);
    assert!(exists(&kc, Some(&ns), "configmap/backend"));
    assert!(!exists(&kc, Some(&ns), "configmap/frontend"));
}

const CLUSTER_CRD: &str = "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: NAME
spec:
  group: safety.example.com
  scope: Cluster
  names:
    plural: PLURAL
    singular: SINGULAR
    kind: KIND
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
";

#[tokio::test]
async fn safety_cluster_scoped_custom_resource_with_its_crd_is_never_pruned() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("crd").await;
    let tag = unique("k");
    let plural = format!("regions{tag}");
    let kind = format!("Region{tag}");
    let crd = CLUSTER_CRD
        .replace("NAME", &format!("{plural}.safety.example.com"))
        .replace("PLURAL", &plural)
        .replace("SINGULAR", &format!("region{tag}"))
        .replace("KIND", &kind);
    let cr = format!(
        "apiVersion: safety.example.com/v1\nkind: {kind}\nmetadata:\n  name: eu-{tag}\nspec:\n  zone: a\n"
    );
    let repo = Repo::new("crd");
    repo.env("envs/app", None, &[("crd.yaml", &crd), ("cr.yaml", &cr)]);
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--no-wait", "--prune", "-n", &ns, "-o", "json"],
    );
    expect(&out, 0);
    assert_eq!(json(&out)["summary"]["pruned"], 0, "{}", text(&out));
    let what = format!("{plural}.safety.example.com/eu-{tag}");
    assert!(exists(&kc, None, &what), "the custom resource must exist");
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--no-wait", "--prune", "-n", &ns, "-o", "json"],
    );
    expect(&out, 0);
    assert_eq!(json(&out)["changed"], false, "{}", text(&out));
    assert!(exists(&kc, None, &what));
    expect(&repo.run(&kc, "diff", "app", &["-n", &ns]), 0);
    let status = repo.run(&kc, "status", "app", &["-n", &ns, "-o", "json"]);
    expect(&status, 0);
    assert_eq!(json(&status)["sync"], "Synced", "{}", text(&status));
    kubectl_ok(
        &kc,
        &[
            "delete",
            "crd",
            &format!("{plural}.safety.example.com"),
            "--wait=false",
        ],
    );
}

#[tokio::test]
async fn safety_git_configmap_named_like_the_parent_is_refused() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("parent").await;
    let repo = Repo::new("parentname");
    repo.env(
        "envs/app",
        Some(&ns),
        &[("cm.yaml", &configmap("gitops-app", "1"))],
    );
    for cmd in ["sync", "diff"] {
        let out = repo.run(&kc, cmd, "app", &["-n", &ns]);
        one_error_line(&out, &["ConfigMap gitops-app", "inventory"]);
    }
    assert!(!exists(&kc, Some(&ns), "configmap/gitops-app"));
}

#[tokio::test]
async fn safety_parent_is_recorded_before_any_member() {
    // Phase 0 creates a Namespace, phase 2 fails (an invalid Deployment): the parent must
    // already record the Namespace, so a later prune can remove it.
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("early").await;
    let created = unique("early-made-");
    let repo = Repo::new("early");
    let namespace = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {created}\n");
    let broken = DEPLOYMENT.replace("  selector:\n    matchLabels:\n      app: web\n", "");
    repo.env(
        "envs/app",
        None,
        &[
            ("ns.yaml", &namespace),
            (
                "deploy.yaml",
                &broken.replacen("name: web", &format!("name: web\n  namespace: {ns}"), 1),
            ),
        ],
    );
    let out = repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]);
    expect(&out, 2);
    assert!(
        exists(&kc, None, &format!("namespace/{created}")),
        "{}",
        text(&out)
    );
    let parent = kubectl_ok(
        &kc,
        &["get", "configmap", "gitops-app", "-n", &ns, "-o", "json"],
    );
    let parent: Value = serde_json::from_str(&parent).expect("json");
    let kinds = parent["metadata"]["annotations"]["applyset.kubernetes.io/contains-group-kinds"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(kinds.split(',').any(|k| k == "Namespace"), "{kinds}");
    // Git drops both; the namespace is pruned (it is cascading, so it is asked for).
    repo.env("envs/app", None, &[("cm.yaml", &configmap("keep", "1"))]);
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--no-wait", "--prune", "--prune-cascading", "-n", &ns],
    );
    expect(&out, 0);
    let phase = kubectl_ok(
        &kc,
        &[
            "get",
            "namespace",
            &created,
            "--ignore-not-found",
            "-o",
            "jsonpath={.status.phase}",
        ],
    );
    assert!(phase.is_empty() || phase == "Terminating", "{phase}");
}

#[tokio::test]
async fn safety_namespace_prune_needs_cascading_and_dry_run_says_would() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("casc").await;
    let made = unique("casc-made-");
    let repo = Repo::new("cascade");
    let namespace = format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {made}\n");
    repo.env(
        "envs/app",
        None,
        &[
            ("ns.yaml", &namespace),
            (
                "cm.yaml",
                &configmap("c", "1")
                    .replace("metadata:\n", &format!("metadata:\n  namespace: {ns}\n")),
            ),
        ],
    );
    expect(&repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]), 0);
    repo.env(
        "envs/app",
        None,
        &[(
            "cm.yaml",
            &configmap("c", "1").replace("metadata:\n", &format!("metadata:\n  namespace: {ns}\n")),
        )],
    );
    // diff marks the cascading prune
    let diff = repo.run(&kc, "diff", "app", &["-n", &ns]);
    expect(&diff, 1);
    assert!(
        String::from_utf8_lossy(&diff.stdout).contains("cascading prune"),
        "{}",
        text(&diff)
    );
    // --prune alone keeps it, and says why
    let out = repo.run(&kc, "sync", "app", &["--no-wait", "--prune", "-n", &ns]);
    expect(&out, 0);
    assert!(text(&out).contains("--prune-cascading"), "{}", text(&out));
    assert!(exists(&kc, None, &format!("namespace/{made}")));
    // dry run says "would prune", changes nothing
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &[
            "--no-wait",
            "--prune",
            "--prune-cascading",
            "--dry-run",
            "-n",
            &ns,
        ],
    );
    expect(&out, 0);
    let all = text(&out);
    assert!(all.contains("would prune Namespace/"), "{all}");
    assert!(!all.contains("\npruned Namespace"), "{all}");
    assert!(exists(&kc, None, &format!("namespace/{made}")));
    // the annotation allows it without the flag
    kubectl_ok(
        &kc,
        &[
            "annotate",
            "namespace",
            &made,
            "kubectl-gitops.io/prune=allow",
        ],
    );
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--no-wait", "--prune", "-n", &ns, "-o", "json"],
    );
    expect(&out, 0);
    assert_eq!(json(&out)["summary"]["pruned"], 1, "{}", text(&out));
}

#[tokio::test]
async fn safety_empty_render_never_prunes_unless_allowed() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("empty").await;
    let repo = Repo::new("empty");
    repo.env("envs/app", Some(&ns), &[("a.yaml", &configmap("a", "1"))]);
    expect(&repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]), 0);
    repo.env("envs/app", Some(&ns), &[]);
    let out = repo.run(&kc, "sync", "app", &["--no-wait", "--prune", "-n", &ns]);
    one_error_line(
        &out,
        &["refusing to prune every object of env app", "--allow-empty"],
    );
    assert!(exists(&kc, Some(&ns), "configmap/a"));
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--no-wait", "--prune", "--allow-empty", "-n", &ns],
    );
    expect(&out, 0);
    assert!(!exists(&kc, Some(&ns), "configmap/a"));
}

#[tokio::test]
async fn safety_sync_takes_fields_back_and_reports_them() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("heal").await;
    let repo = Repo::new("heal");
    repo.env("envs/app", Some(&ns), &[("deploy.yaml", DEPLOYMENT)]);
    expect(&repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]), 0);
    kubectl_ok(
        &kc,
        &["scale", "deployment", "web", "-n", &ns, "--replicas=7"],
    );
    // --respect-managers keeps kubectl's refusal, and changes nothing
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--no-wait", "--respect-managers", "-n", &ns],
    );
    one_error_line(
        &out,
        &["conflict", "Deployment.apps/web", "--respect-managers"],
    );
    let replicas = || {
        kubectl_ok(
            &kc,
            &[
                "get",
                "deployment",
                "web",
                "-n",
                &ns,
                "-o",
                "jsonpath={.spec.replicas}",
            ],
        )
    };
    assert_eq!(replicas(), "7");
    // by default Git wins, and the report names the field and the manager
    let out = repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns, "-o", "json"]);
    expect(&out, 0);
    let doc = json(&out);
    let taken = &doc["objects"][0]["takenOver"];
    assert_eq!(taken[0]["field"], ".spec.replicas", "{}", text(&out));
    assert!(
        taken[0]["manager"]
            .as_str()
            .unwrap_or("")
            .contains("kubectl"),
        "{}",
        text(&out)
    );
    assert_eq!(replicas(), "2");
    kubectl_ok(
        &kc,
        &["scale", "deployment", "web", "-n", &ns, "--replicas=5"],
    );
    let out = repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]);
    expect(&out, 0);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("took .spec.replicas back from manager"),
        "{}",
        text(&out)
    );
    assert_eq!(replicas(), "2");
}

#[tokio::test]
async fn safety_watch_stops_on_the_first_signal_and_refuses_tiny_intervals() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("watch").await;
    let repo = Repo::new("watch");
    repo.env("envs/app", Some(&ns), &[("a.yaml", &configmap("a", "1"))]);
    let out = repo.run(
        &kc,
        "sync",
        "app",
        &["--watch", "--interval", "0s", "-n", &ns],
    );
    expect(&out, 2);
    assert!(text(&out).contains("at least 1s"), "{}", text(&out));
    for (signal, delay_ms) in [("INT", 150u64), ("TERM", 150), ("INT", 1500)] {
        let mut child = repo
            .command(
                &kc,
                "sync",
                "app",
                &["--watch", "--interval", "1h", "-n", &ns],
            )
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let pid = child.id().to_string();
        assert!(Command::new("kill")
            .args([&format!("-{signal}"), &pid])
            .status()
            .expect("kill")
            .success());
        let start = Instant::now();
        let status = loop {
            if let Some(s) = child.try_wait().expect("wait") {
                break s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "SIG{signal} after {delay_ms}ms did not stop --watch"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        let mut err = String::new();
        use std::io::Read;
        let _ = child
            .stderr
            .take()
            .expect("stderr")
            .read_to_string(&mut err);
        assert_eq!(
            status.code(),
            Some(0),
            "SIG{signal} after {delay_ms}ms: {err}"
        );
        assert!(err.contains("stopped"), "{err}");
    }
}

#[tokio::test]
async fn safety_example_agent_rbac_syncs_heals_and_prunes_with_a_service_account_token() {
    let Some(admin) = testplane::kubeconfig() else {
        return;
    };
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/hello-gitops");
    let agent = example.join("deploy/gitops-agent");
    // The agent's own Namespaces, ServiceAccount and Roles, exactly as shipped.
    for file in [
        "namespaces.yaml",
        "serviceaccount.yaml",
        "rbac-hello-dev.yaml",
    ] {
        let out = kubectl(
            &admin,
            &[
                "apply",
                "--server-side",
                "-f",
                &agent.join(file).to_string_lossy(),
            ],
        );
        assert!(out.status.success(), "{file}: {}", text(&out));
    }
    // hello-dev is shared by nothing else in the tests; start from a clean inventory.
    let _ = kubectl(
        &admin,
        &[
            "delete",
            "all,ingress,configmap",
            "--all",
            "-n",
            "hello-dev",
        ],
    );
    let repo = Repo::new("agent");
    let kc = repo.root.join("agent.kubeconfig");
    crate::util::service_account_kubeconfig(&admin, "gitops-agent", "gitops-agent", &kc);
    // A copy of the example repository (base, envs, binding) the test may change.
    let copy = repo.root.join("hello");
    let out = Command::new("cp")
        .arg("-r")
        .arg(&example)
        .arg(&copy)
        .output()
        .expect("cp");
    assert!(out.status.success(), "{}", text(&out));
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
            .current_dir(&copy)
            .args(args)
            .arg("--kubeconfig")
            .arg(&kc)
            .arg("--context")
            .arg("in-cluster")
            .arg("--root")
            .arg(&copy)
            .output()
            .expect("run")
    };
    let out = run(&["sync", "dev", "--prune", "--no-wait"]);
    expect(&out, 0);
    expect(&run(&["diff", "dev"]), 0);
    expect(&run(&["status", "dev"]), 0);
    // heal: a hand-made scale is taken back
    let deploy = kubectl_ok(&admin, &["get", "deploy", "-n", "hello-dev", "-o", "name"]);
    let deploy = deploy.lines().next().expect("a deployment").to_string();
    kubectl_ok(
        &admin,
        &["scale", &deploy, "-n", "hello-dev", "--replicas=9"],
    );
    expect(&run(&["diff", "dev"]), 1);
    expect(&run(&["sync", "dev", "--prune", "--no-wait"]), 0);
    expect(&run(&["diff", "dev"]), 0);
    // prune: the Ingress leaves Git
    let base = copy.join("base/kustomization.yaml");
    let k = std::fs::read_to_string(&base).expect("base kustomization");
    std::fs::write(&base, k.replace("- ingress.yaml\n", "")).expect("write");
    let ingresses = || kubectl_ok(&admin, &["get", "ingress", "-n", "hello-dev", "-o", "name"]);
    assert_eq!(ingresses().lines().count(), 1);
    let out = run(&["sync", "dev", "--prune", "--no-wait", "-o", "json"]);
    expect(&out, 0);
    assert_eq!(json(&out)["summary"]["pruned"], 1, "{}", text(&out));
    assert_eq!(ingresses().trim(), "");
}

#[tokio::test]
async fn safety_fields_of_ignored_managers_are_left_to_them() {
    // An autoscaler's replicas: with `managers:` in the ignore rules, neither diff nor sync
    // touch the fields that manager owns (here `kubectl scale`, manager "kubectl").
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("mgr").await;
    let repo = Repo::new("managers");
    repo.env("envs/app", Some(&ns), &[("deploy.yaml", DEPLOYMENT)]);
    expect(&repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]), 0);
    kubectl_ok(
        &kc,
        &["scale", "deployment", "web", "-n", &ns, "--replicas=5"],
    );
    let replicas = || {
        kubectl_ok(
            &kc,
            &[
                "get",
                "deployment",
                "web",
                "-n",
                &ns,
                "-o",
                "jsonpath={.spec.replicas}",
            ],
        )
    };
    // by flag
    let flag = [
        "-n",
        ns.as_str(),
        "--ignore",
        "Deployment.apps:manager=kubectl",
    ];
    expect(&repo.run(&kc, "diff", "app", &flag), 0);
    // by file; an image change in Git is still applied, the replicas stay
    repo.write(
        ".gitops/ignore.yaml",
        "ignore:\n- kind: Deployment\n  group: apps\n  managers: [kubectl]\n",
    );
    expect(&repo.run(&kc, "diff", "app", &["-n", &ns]), 0);
    repo.env(
        "envs/app",
        Some(&ns),
        &[(
            "deploy.yaml",
            &DEPLOYMENT.replace("nginx:1.27", "nginx:1.28"),
        )],
    );
    let diff = repo.run(&kc, "diff", "app", &["-n", &ns, "-o", "json"]);
    expect(&diff, 1);
    assert_eq!(
        json(&diff)["objects"][0]["changed"],
        serde_json::json!(["/spec/template/spec/containers"]),
        "{}",
        text(&diff)
    );
    expect(&repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]), 0);
    assert_eq!(replicas(), "5");
    let image = kubectl_ok(
        &kc,
        &[
            "get",
            "deployment",
            "web",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image}",
        ],
    );
    assert_eq!(image, "nginx:1.28");
    expect(&repo.run(&kc, "diff", "app", &["-n", &ns]), 0);
    // without the rule, Git wins again
    std::fs::remove_file(repo.root.join(".gitops/ignore.yaml")).expect("rm");
    expect(&repo.run(&kc, "diff", "app", &["-n", &ns]), 1);
    expect(&repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]), 0);
    assert_eq!(replicas(), "2");
}

#[tokio::test]
async fn safety_parent_keeps_a_bounded_sync_history() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("history").await;
    let repo = Repo::new("history");
    for i in 0..23 {
        repo.env(
            "envs/app",
            Some(&ns),
            &[("a.yaml", &configmap("a", &i.to_string()))],
        );
        expect(&repo.run(&kc, "sync", "app", &["--no-wait", "-n", &ns]), 0);
    }
    let status = repo.run(&kc, "status", "app", &["-n", &ns, "-o", "json"]);
    expect(&status, 0);
    let doc = json(&status);
    let history = doc["history"].as_array().expect("history");
    assert_eq!(history.len(), 20, "{doc}");
    let last = history.last().expect("an entry");
    assert_eq!(last["result"], "synced");
    assert_eq!(last["updated"], 1);
    assert!(last["changes"][0]
        .as_str()
        .unwrap_or("")
        .contains("ConfigMap/a"));
    assert_eq!(doc["source"]["path"], "envs/app");
}
