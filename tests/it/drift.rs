//! Strict drift on the test plane: what someone adds by hand (an env var, a label, an
//! annotation, a port, a container, a volume, a toleration) is drift. `diff` names the
//! field and the manager that set it, `sync` removes it, `diff` is clean afterwards; a
//! field of a trusted manager is not drift, and an application of a dozen services shows
//! no drift after sync and after its controllers have acted.

use crate::testplane;
use crate::util::{json, text};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Env {
    root: PathBuf,
    ns: String,
    kc: PathBuf,
}

impl Env {
    fn new(ns: &str, kc: &Path, files: &[(&str, String)]) -> Env {
        let root = std::env::temp_dir().join(format!("gitops-drift-{ns}"));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("envs/app")).expect("mkdir");
        let mut k = format!("namespace: {ns}\nresources:\n");
        for (name, body) in files {
            std::fs::write(root.join("envs/app").join(name), body).expect("write");
            k.push_str(&format!("- {name}\n"));
        }
        std::fs::write(root.join("envs/app/kustomization.yaml"), k).expect("write");
        Env {
            root,
            ns: ns.to_string(),
            kc: kc.to_path_buf(),
        }
    }

    fn run(&self, cmd: &str, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
            .current_dir(&self.root)
            .arg(cmd)
            .arg("app")
            .args(args)
            .arg("--kubeconfig")
            .arg(&self.kc)
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
            .arg(&self.kc)
            .arg("-n")
            .arg(&self.ns)
            .args(args)
            .output()
            .expect("run kubectl")
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn deployment(name: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  labels:\n    app: {name}\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: {name}\n  template:\n    metadata:\n      labels:\n        app: {name}\n    spec:\n      serviceAccountName: {name}\n      containers:\n      - name: main\n        image: registry.example.com/{name}:1.0\n        ports:\n        - containerPort: 8080\n          name: http\n        env:\n        - name: MODE\n          value: prod\n        readinessProbe:\n          httpGet:\n            path: /healthz\n            port: http\n"
    )
}

fn service(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\nspec:\n  selector:\n    app: {name}\n  ports:\n  - name: http\n    port: 80\n    targetPort: http\n"
    )
}

fn service_account(name: &str) -> String {
    format!("apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: {name}\n")
}

fn network_policy(name: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\nspec:\n  podSelector:\n    matchLabels:\n      app: {name}\n  policyTypes: [Ingress]\n  ingress:\n  - ports:\n    - port: 8080\n"
    )
}

/// The foreign fields `diff -o json` reports, as `Kind/name pointer manager`.
fn foreign(doc: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for o in doc["objects"].as_array().into_iter().flatten() {
        for f in o["foreign"].as_array().into_iter().flatten() {
            out.push(format!(
                "{}/{} {} {}",
                o["kind"].as_str().unwrap_or(""),
                o["name"].as_str().unwrap_or(""),
                f["pointer"].as_str().unwrap_or(""),
                f["manager"].as_str().unwrap_or("")
            ));
        }
    }
    out
}

#[tokio::test]
async fn drift_hand_made_additions_are_reported_and_removed() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("strict").await;
    let env = Env::new(
        &ns,
        &kc,
        &[
            ("sa.yaml", service_account("web")),
            ("deploy.yaml", deployment("web")),
            ("svc.yaml", service("web")),
        ],
    );
    let out = env.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = env.run("diff", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "right after sync: {}",
        text(&out)
    );

    // (what kubectl does, the pointer expected, the manager expected)
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            vec!["set", "env", "deployment/web", "EXTRA=1"],
            "/spec/template/spec/containers/0/env/1",
            "kubectl-set",
        ),
        (
            vec!["label", "deployment/web", "team=x"],
            "/metadata/labels/team",
            "kubectl-label",
        ),
        (
            vec!["annotate", "service/web", "owner=someone"],
            "/metadata/annotations/owner",
            "kubectl-annotate",
        ),
        (
            vec![
                "patch",
                "deployment/web",
                "--type=strategic",
                "-p",
                r#"{"spec":{"template":{"spec":{"containers":[{"name":"main","ports":[{"containerPort":9090,"name":"debug"}]}]}}}}"#,
            ],
            // a strategic merge puts the new port first
            "/spec/template/spec/containers/0/ports/0",
            "kubectl-patch",
        ),
        (
            vec![
                "patch",
                "deployment/web",
                "--type=strategic",
                "-p",
                r#"{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}"#,
            ],
            // a strategic merge puts the new container first
            "/spec/template/spec/containers/0",
            "kubectl-patch",
        ),
        (
            vec![
                "patch",
                "deployment/web",
                "--type=strategic",
                "-p",
                r#"{"spec":{"template":{"spec":{"volumes":[{"name":"scratch","emptyDir":{}}]}}}}"#,
            ],
            "/spec/template/spec/volumes",
            "kubectl-patch",
        ),
        (
            vec![
                "patch",
                "deployment/web",
                "--type=merge",
                "-p",
                r#"{"spec":{"template":{"spec":{"tolerations":[{"key":"gpu","operator":"Exists"}]}}}}"#,
            ],
            "/spec/template/spec/tolerations",
            "kubectl-patch",
        ),
    ];
    for (cmd, pointer, manager) in cases {
        let out = env.kubectl(&cmd);
        assert!(out.status.success(), "{cmd:?}: {}", text(&out));
        let out = env.run("diff", &["-o", "json"]);
        assert_eq!(
            out.status.code(),
            Some(1),
            "{cmd:?} must be drift: {}",
            text(&out)
        );
        let found = foreign(&json(&out));
        assert!(
            found
                .iter()
                .any(|f| f.contains(&format!(" {pointer}")) && f.ends_with(&format!(" {manager}"))),
            "{cmd:?}: expected {pointer} by {manager}, got {found:?}"
        );
        let out = env.run("diff", &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(stdout.contains("added by hand"), "{}", text(&out));
        let status = env.run("status", &["-o", "json"]);
        assert_eq!(json(&status)["sync"], "OutOfSync", "{}", text(&status));
        // --keep-foreign leaves it
        let out = env.run("sync", &["--no-wait", "--keep-foreign"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        assert_eq!(env.run("diff", &[]).status.code(), Some(1));
        // sync removes it, and says so
        let out = env.run("sync", &["--no-wait", "-o", "json"]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        let removed: Vec<String> = json(&out)["objects"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|o| o["foreignRemoved"].as_array().cloned().unwrap_or_default())
            .map(|f| f["pointer"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            removed
                .iter()
                .any(|p| p.starts_with(pointer) || pointer.starts_with(p.as_str())),
            "{cmd:?}: {}",
            text(&out)
        );
        let out = env.run("diff", &[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{cmd:?} after sync: {}",
            text(&out)
        );
    }

    // A trusted manager's field (listed in the ignore rules' managers) is not drift.
    let out = env.kubectl(&[
        "label",
        "deployment/web",
        "tier=gold",
        "--field-manager",
        "my-operator",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(env.run("diff", &[]).status.code(), Some(1));
    std::fs::create_dir_all(env.root.join(".gitops")).expect("mkdir");
    std::fs::write(
        env.root.join(".gitops/ignore.yaml"),
        "ignore:\n- managers: [my-operator]\n",
    )
    .expect("write");
    let out = env.run("diff", &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = env.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let label = env.kubectl(&[
        "get",
        "deployment/web",
        "-o",
        "jsonpath={.metadata.labels.tier}",
    ]);
    assert_eq!(String::from_utf8_lossy(&label.stdout), "gold");
}

#[tokio::test]
async fn drift_a_dozen_services_show_no_false_drift_after_rollout() {
    let Some(kc) = testplane::kubeconfig() else {
        return;
    };
    let ns = testplane::namespace("shop").await;
    let names = [
        "frontend",
        "cart",
        "checkout",
        "currency",
        "email",
        "payment",
        "shipping",
        "ads",
        "catalog",
        "recommend",
        "redis",
        "loadgen",
    ];
    let mut files = Vec::new();
    for n in names {
        files.push((format!("{n}-sa.yaml"), service_account(n)));
        files.push((format!("{n}-deploy.yaml"), deployment(n)));
        files.push((format!("{n}-svc.yaml"), service(n)));
        files.push((format!("{n}-np.yaml"), network_policy(n)));
    }
    let refs: Vec<(&str, String)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let env = Env::new(&ns, &kc, &refs);
    let out = env.run("sync", &["--no-wait"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let out = env.run("diff", &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "right after sync: {}",
        text(&out)
    );
    // The test plane's controllers make ReplicaSets and write Deployment status and the
    // revision annotation; give them time to act on every Deployment.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let out = env.kubectl(&["get", "replicasets", "-o", "name"]);
        let count = String::from_utf8_lossy(&out.stdout).lines().count();
        let revised = env.kubectl(&[
            "get",
            "deployments",
            "-o",
            "jsonpath={range .items[*]}{.metadata.annotations.deployment\\.kubernetes\\.io/revision}{\"\\n\"}{end}",
        ]);
        let revised = String::from_utf8_lossy(&revised.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .count();
        if count >= names.len() && revised >= names.len() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "controllers did not act: {count} ReplicaSets"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    let out = env.run("diff", &["-o", "json"]);
    assert_eq!(out.status.code(), Some(0), "after rollout: {}", text(&out));
    assert_eq!(json(&out)["summary"]["inSync"], names.len() * 4);
    let out = env.run("sync", &["--no-wait"]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("already in sync"),
        "{}",
        text(&out)
    );
}
