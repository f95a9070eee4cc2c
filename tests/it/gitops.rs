//! `diff`, `sync` and `status` against the test plane, through the real binary. Each
//! test gets its own namespace and its own repository in a temp dir.

use crate::testplane;
use crate::util::{json, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A throwaway GitOps repository with one env whose objects live in `ns`.
struct Repo {
    root: PathBuf,
    ns: String,
    kubeconfig: PathBuf,
}

impl Repo {
    /// `files` go under `envs/app/`; the kustomization gets `namespace: <ns>`.
    fn new(ns: &str, kubeconfig: &Path, resources: &[(&str, &str)]) -> Repo {
        let root = std::env::temp_dir().join(format!("gitops-it-{ns}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("envs/app")).expect("mkdir");
        let repo = Repo {
            root,
            ns: ns.to_string(),
            kubeconfig: kubeconfig.to_path_buf(),
        };
        for (name, body) in resources {
            repo.write(name, body);
        }
        repo.write_kustomization(&resources.iter().map(|(n, _)| *n).collect::<Vec<_>>());
        repo
    }

    fn write(&self, name: &str, body: &str) {
        std::fs::write(self.root.join("envs/app").join(name), body).expect("write");
    }

    fn write_kustomization(&self, files: &[&str]) {
        let list: String = files.iter().map(|f| format!("- {f}\n")).collect();
        self.write(
            "kustomization.yaml",
            &format!("namespace: {}\nresources:\n{list}", self.ns),
        );
    }

    /// Runs `kubectl-gitops <cmd> app <args> --kubeconfig .. -n ..` in the repo (with the
    /// test tools, helm among them, first on PATH).
    fn run(&self, cmd: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
            .env("PATH", crate::render::test_path())
            .current_dir(&self.root)
            .arg(cmd)
            .arg("app")
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("-n")
            .arg(&self.ns)
            .arg("--root")
            .arg(&self.root)
            .output()
            .expect("run kubectl-gitops")
    }

    fn kubectl(&self, args: &[&str]) -> Output {
        Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(&self.kubeconfig)
            .arg("-n")
            .arg(&self.ns)
            .args(args)
            .output()
            .expect("run kubectl")
    }
}

impl Drop for Repo {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

/// `class` of each object in a `diff -o json` document, as `Kind/name=class`.
fn classes(doc: &Value) -> Vec<String> {
    let mut v: Vec<String> = doc["objects"]
        .as_array()
        .expect("objects")
        .iter()
        .map(|o| {
            format!(
                "{}/{}={}",
                o["kind"].as_str().unwrap_or(""),
                o["name"].as_str().unwrap_or(""),
                o["class"].as_str().unwrap_or("")
            )
        })
        .collect();
    v.sort();
    v
}

const CONFIG: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  color: blue\n";
const SERVICE: &str = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  selector:\n    app: web\n  ports:\n  - port: 80\n";
const DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      labels:\n        app: web\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n";
const SECRET: &str = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: s3cr3t-value-123\n";

async fn setup(prefix: &str, files: &[(&str, &str)]) -> Option<Repo> {
    let kc = testplane::kubeconfig()?;
    let ns = testplane::namespace(prefix).await;
    Some(Repo::new(&ns, &kc, files))
}

#[tokio::test]
async fn cluster_diff_classifies_create_update_prune_and_in_sync() {
    let Some(repo) = setup(
        "diff",
        &[
            ("cm.yaml", CONFIG),
            ("svc.yaml", SERVICE),
            ("deploy.yaml", DEPLOYMENT),
        ],
    )
    .await
    else {
        return;
    };
    let out = repo.run("diff", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        classes(&json(&out)),
        [
            "ConfigMap/settings=create",
            "Deployment/web=create",
            "Service/web=create"
        ]
    );

    let out = repo.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // Defaulted fields (progressDeadlineSeconds, clusterIP, ...) are not drift.
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("0 to create, 0 to update, 0 to prune, 3 in sync"));

    // An edit by someone else must show, with the field.
    let edit = repo.kubectl(&[
        "patch",
        "deployment",
        "web",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"replicas":3}}"#,
    ]);
    assert!(edit.status.success(), "{}", text(&edit));
    let out = repo.run("diff", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let doc = json(&out);
    let web = doc["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    assert_eq!(web["class"], "update");
    assert_eq!(web["changed"], serde_json::json!(["/spec/replicas"]));

    // Ignored, by flag and by file, the same field is no drift.
    let out = repo.run("diff", &["--ignore", "Deployment.apps/web:/spec/replicas"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    std::fs::create_dir_all(repo.root.join(".gitops")).unwrap();
    std::fs::write(
        repo.root.join(".gitops/ignore.yaml"),
        "ignore:\n- kind: Deployment\n  group: apps\n  paths: [/spec/replicas]\n",
    )
    .unwrap();
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));

    // A file removed from Git: its object is in our inventory, so it is `prune`.
    repo.write_kustomization(&["cm.yaml", "deploy.yaml"]);
    let out = repo.run("diff", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        classes(&json(&out)),
        [
            "ConfigMap/settings=in-sync",
            "Deployment/web=in-sync",
            "Service/web=prune"
        ]
    );
}

#[tokio::test]
async fn cluster_diff_never_prints_secret_values() {
    let Some(repo) = setup("secret", &[("secret.yaml", SECRET)]).await else {
        return;
    };
    for args in [&[][..], &["-o", "json"][..]] {
        let out = repo.run("diff", args);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out));
        let all = text(&out);
        assert!(!all.contains("s3cr3t-value-123"), "{all}");
        assert!(all.contains("***"), "{all}");
    }
    assert!(repo.run("sync", &["--no-wait"]).status.success());
    repo.write(
        "secret.yaml",
        &SECRET.replace("s3cr3t-value-123", "n3w-s3cr3t-456"),
    );
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let all = text(&out);
    assert!(
        !all.contains("s3cr3t") && !all.contains("czNjcjN0") && !all.contains("bjN3"),
        "{all}"
    );
    assert!(
        all.contains("*** (before)") && all.contains("*** (after)"),
        "{all}"
    );
    // Like kubectl diff --show-secrets: the stored (base64) values.
    let out = repo.run("diff", &["--show-secrets"]);
    assert!(
        text(&out).contains("bjN3LXMzY3IzdC00NTY="),
        "{}",
        text(&out)
    );
}

const CRD: &str = r#"apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.toys.example.com
spec:
  group: toys.example.com
  scope: Namespaced
  names:
    plural: widgets
    singular: widget
    kind: Widget
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        x-kubernetes-preserve-unknown-fields: true
"#;

#[tokio::test]
async fn cluster_crd_and_custom_resource_in_one_env() {
    let suffix = format!("{:x}", std::process::id());
    let crd = CRD.replace("toys.example.com", &format!("toys{suffix}.example.com"));
    let cr = format!("apiVersion: toys{suffix}.example.com/v1\nkind: Widget\nmetadata:\n  name: spinner\nspec:\n  color: red\n");
    let Some(repo) = setup("crd", &[("crd.yaml", &crd), ("widget.yaml", &cr)]).await else {
        return;
    };
    let out = repo.run("diff", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(
        classes(&json(&out)),
        [
            "CustomResourceDefinition/widgets.toys".to_string() + &suffix + ".example.com=create",
            "Widget/spinner=create".to_string()
        ]
    );
    let out = repo.run("sync", &["--timeout", "60s"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test]
async fn cluster_sync_is_idempotent_and_reports_status() {
    let Some(repo) = setup("idem", &[("cm.yaml", CONFIG), ("svc.yaml", SERVICE)]).await else {
        return;
    };
    let out = repo.run("sync", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["summary"]["created"], 2, "{doc}");
    let out = repo.run("sync", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already in sync"),
        "{}",
        text(&out)
    );
    let out = repo.run("status", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let doc = json(&out);
    assert_eq!(doc["sync"], "Synced", "{doc}");
    assert_eq!(doc["health"], "Healthy", "{doc}");
    assert!(
        doc["syncedAt"].as_str().is_some_and(|s| s.ends_with('Z')),
        "{doc}"
    );
}

#[tokio::test]
async fn cluster_sync_takes_conflicts_back_unless_respecting_managers() {
    let Some(repo) = setup("heal", &[("deploy.yaml", DEPLOYMENT)]).await else {
        return;
    };
    assert!(repo.run("sync", &["--no-wait"]).status.success());
    let edit = repo.kubectl(&[
        "patch",
        "deployment",
        "web",
        "--type",
        "merge",
        "-p",
        r#"{"spec":{"replicas":4}}"#,
    ]);
    assert!(edit.status.success(), "{}", text(&edit));
    // --respect-managers: kubectl's refusal, naming the manager and the field.
    let out = repo.run("sync", &["--no-wait", "--respect-managers"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("kubectl-patch") && err.contains(".spec.replicas"),
        "{err}"
    );
    // By default Git wins (converge), and says what it took from whom.
    let out = repo.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("drift fixed: /spec/replicas"),
        "{}",
        text(&out)
    );
    assert!(
        stdout.contains("took .spec.replicas back from manager \"kubectl-patch\""),
        "{}",
        text(&out)
    );
    let live = repo.kubectl(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.replicas}",
    ]);
    assert_eq!(String::from_utf8_lossy(&live.stdout), "1");
}

#[tokio::test]
async fn cluster_prune_deletes_only_our_leftovers() {
    let Some(repo) = setup("prune", &[("cm.yaml", CONFIG), ("svc.yaml", SERVICE)]).await else {
        return;
    };
    assert!(repo.run("sync", &[]).status.success());
    // A look-alike nobody asked us to manage.
    let other = repo.kubectl(&["create", "configmap", "look-alike", "--from-literal=a=b"]);
    assert!(other.status.success(), "{}", text(&other));
    repo.write_kustomization(&["cm.yaml"]);
    let out = repo.run("sync", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("left over"),
        "{}",
        text(&out)
    );
    assert!(repo.kubectl(&["get", "service", "web"]).status.success());
    let out = repo.run("sync", &["--prune"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("pruned    Service/web"),
        "{}",
        text(&out)
    );
    assert!(!repo.kubectl(&["get", "service", "web"]).status.success());
    assert!(repo
        .kubectl(&["get", "configmap", "look-alike"])
        .status
        .success());
    assert!(repo
        .kubectl(&["get", "configmap", "settings"])
        .status
        .success());
}

#[tokio::test]
async fn cluster_immutable_field_needs_force_replace() {
    let Some(repo) = setup("immutable", &[("deploy.yaml", DEPLOYMENT)]).await else {
        return;
    };
    assert!(repo.run("sync", &["--no-wait"]).status.success());
    repo.write(
        "deploy.yaml",
        &DEPLOYMENT
            .replace(
                "matchLabels:\n      app: web",
                "matchLabels:\n      app: web2",
            )
            .replace("labels:\n        app: web", "labels:\n        app: web2"),
    );
    let out = repo.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("spec.selector")
            && err.contains("immutable")
            && err.contains("--force-replace"),
        "{err}"
    );
    let out = repo.run("sync", &["--no-wait", "--force-replace"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("replaced"),
        "{}",
        text(&out)
    );
    let live = repo.kubectl(&[
        "get",
        "deployment",
        "web",
        "-o",
        "jsonpath={.spec.selector.matchLabels.app}",
    ]);
    assert_eq!(String::from_utf8_lossy(&live.stdout), "web2");
}

#[tokio::test]
async fn cluster_health_wait_times_out_with_exit_1() {
    // The test plane runs no controllers, so a Deployment never becomes available.
    let Some(repo) = setup("health", &[("deploy.yaml", DEPLOYMENT)]).await else {
        return;
    };
    let start = Instant::now();
    let out = repo.run("sync", &["--timeout", "3s"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(start.elapsed() < Duration::from_secs(30));
    let all = text(&out);
    assert!(
        all.contains("Deployment.apps/web") && all.contains("Progressing"),
        "{all}"
    );
}

#[tokio::test]
async fn cluster_interrupted_sync_is_finished_by_the_next() {
    let files: Vec<(String, String)> = (0..60)
        .map(|i| {
            (
                format!("cm{i}.yaml"),
                CONFIG.replace("name: settings", &format!("name: settings-{i}")),
            )
        })
        .collect();
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let Some(repo) = setup("interrupt", &refs).await else {
        return;
    };
    let mut child = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .current_dir(&repo.root)
        .args([
            "sync",
            "app",
            "--no-wait",
            "--concurrency",
            "1",
            "--qps",
            "20",
            "--burst",
            "1",
            "--root",
        ])
        .arg(&repo.root)
        .arg("--kubeconfig")
        .arg(&repo.kubeconfig)
        .args(["-n", &repo.ns])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    // Kill it once some (not all) objects exist.
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let n = repo.kubectl(&[
            "get",
            "configmaps",
            "-l",
            "applyset.kubernetes.io/part-of",
            "-o",
            "name",
        ]);
        let count = String::from_utf8_lossy(&n.stdout).lines().count();
        if count >= 3 || Instant::now() > deadline {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    let out = repo.run("sync", &["--no-wait", "-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[tokio::test]
async fn cluster_watch_heals_drift_within_the_interval() {
    let Some(repo) = setup("watch", &[("cm.yaml", CONFIG)]).await else {
        return;
    };
    assert!(repo.run("sync", &[]).status.success());
    let child = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .current_dir(&repo.root)
        .args(["sync", "app", "--watch", "--interval", "1s", "--root"])
        .arg(&repo.root)
        .arg("--kubeconfig")
        .arg(&repo.kubeconfig)
        .args(["-n", &repo.ns])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    std::thread::sleep(Duration::from_secs(2));
    let edit = repo.kubectl(&[
        "patch",
        "configmap",
        "settings",
        "--type",
        "merge",
        "-p",
        r#"{"data":{"color":"red"}}"#,
    ]);
    assert!(edit.status.success(), "{}", text(&edit));
    let deadline = Instant::now() + Duration::from_secs(20);
    let healed = loop {
        let live = repo.kubectl(&[
            "get",
            "configmap",
            "settings",
            "-o",
            "jsonpath={.data.color}",
        ]);
        if String::from_utf8_lossy(&live.stdout) == "blue" {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let out = child.wait_with_output().expect("wait");
    assert!(healed, "not healed: {}", text(&out));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("updated ConfigMap/settings"),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn cluster_restricted_user_gets_one_clear_error() {
    let Some(restricted) = testplane::restricted_kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("denied").await;
    let repo = Repo::new(&ns, &restricted, &[("cm.yaml", CONFIG)]);
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("forbidden") && err.contains("ConfigMap/settings") && err.contains("get"),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    let out = repo.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
}

#[test]
fn cluster_unreachable_server_fails_fast() {
    let dir = std::env::temp_dir().join(format!("gitops-unreachable-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let kc = dir.join("kubeconfig");
    std::fs::write(
        &kc,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:1\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: x\n",
    )
    .unwrap();
    let repo = Repo::new("unreachable", &kc, &[("cm.yaml", CONFIG)]);
    let start = Instant::now();
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(start.elapsed() < Duration::from_secs(15));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot reach") && err.contains("127.0.0.1:1"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn cluster_binding_refuses_the_wrong_context() {
    let Some(repo) = setup("binding", &[("cm.yaml", CONFIG)]).await else {
        return;
    };
    std::fs::create_dir_all(repo.root.join(".gitops")).unwrap();
    std::fs::write(
        repo.root.join(".gitops/envs.yaml"),
        "envs:\n  app:\n    context: production\n",
    )
    .unwrap();
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("bound to context 'production'"),
        "{}",
        text(&out)
    );
}

#[tokio::test]
async fn cluster_denied_sync_changes_nothing() {
    let Some(restricted) = testplane::restricted_kubeconfig() else {
        return;
    };
    let Some(admin) = testplane::kubeconfig() else {
        return;
    };
    let other = testplane::namespace("forbidden").await;
    let allowed = testplane::RESTRICTED_NAMESPACE;
    let name = format!("preflight-{}", std::process::id());
    // One object where the user may write, one where it may not: nothing may be written.
    let repo = Repo::new(allowed, &restricted, &[]);
    repo.write(
        "allowed.yaml",
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {allowed}\ndata:\n  a: b\n"),
    );
    repo.write(
        "denied.yaml",
        &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: {other}\ndata:\n  a: b\n"),
    );
    repo.write(
        "kustomization.yaml",
        "resources:\n- allowed.yaml\n- denied.yaml\n",
    );
    let out = repo.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("forbidden") && err.contains(&other), "{err}");
    let check = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&admin)
        .args(["-n", allowed, "get", "configmap", &name])
        .output()
        .expect("kubectl");
    assert!(
        !check.status.success(),
        "the allowed object was created before the denial"
    );
}

const CHART: &str = "apiVersion: v2\nname: web\nversion: 0.1.0\n";
const CHART_CM: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\ndata:\n  color: {{ .Values.color }}\n";

/// An env that inflates a Helm chart: without `--enable-helm` every command stops with
/// one error and changes nothing; the env's `buildOptions` in `.gitops/envs.yaml` (or the
/// flag) lets diff, sync and status render it, so the chart is synced like any env.
#[tokio::test]
async fn cluster_helm_env_syncs_with_build_options() {
    let Some(repo) = setup("helm", &[]).await else {
        return;
    };
    let chart = repo.root.join("envs/app/charts/web");
    std::fs::create_dir_all(chart.join("templates")).unwrap();
    std::fs::write(chart.join("Chart.yaml"), CHART).unwrap();
    std::fs::write(chart.join("values.yaml"), "color: blue\n").unwrap();
    std::fs::write(chart.join("templates/cm.yaml"), CHART_CM).unwrap();
    repo.write(
        "kustomization.yaml",
        &format!(
            "namespace: {}\nhelmCharts:\n- name: web\n  releaseName: shop\n  valuesInline:\n    color: green\n",
            repo.ns
        ),
    );
    let out = repo.run("sync", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains("--enable-helm"), "{}", text(&out));
    let out = repo.run("diff", &["--enable-helm", "-o", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert_eq!(classes(&json(&out)), ["ConfigMap/shop-settings=create"]);

    std::fs::create_dir_all(repo.root.join(".gitops")).unwrap();
    std::fs::write(
        repo.root.join(".gitops/envs.yaml"),
        "envs:\n  app:\n    buildOptions: --enable-helm\n",
    )
    .unwrap();
    let out = repo.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = repo.kubectl(&[
        "get",
        "configmap",
        "shop-settings",
        "-o",
        "jsonpath={.data.color}",
    ]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "green",
        "{}",
        text(&out)
    );
    let out = repo.run("diff", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = repo.run("status", &["-o", "json"]);
    assert_eq!(json(&out)["sync"], "Synced", "{}", text(&out));
}
