//! What many integration tests share: describing a finished process, reading its JSON,
//! running kubectl against a given kubeconfig, a ServiceAccount's kubeconfig.

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// Exit code, stdout and stderr of a finished process, for assertion messages.
pub fn text(o: &Output) -> String {
    format!(
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Its stdout as JSON (the test fails, showing the output, when it is not).
pub fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(o)))
}

/// `kubectl --kubeconfig kc ARGS`.
pub fn kubectl(kc: &Path, args: &[&str]) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kc)
        .args(args)
        .output()
        .expect("run kubectl")
}

/// `kubectl --kubeconfig kc ARGS`, which must succeed; its stdout.
pub fn kubectl_ok(kc: &Path, args: &[&str]) -> String {
    let out = kubectl(kc, args);
    assert!(out.status.success(), "kubectl {args:?}: {}", text(&out));
    String::from_utf8_lossy(&out.stdout).to_string()
}

/// A kubeconfig at `path` for ServiceAccount `sa` in `namespace` of the cluster `admin`
/// points at: a fresh token (TokenRequest, one hour), the cluster's CA, context
/// `in-cluster` (with `namespace` as its default).
pub fn service_account_kubeconfig(admin: &Path, sa: &str, namespace: &str, path: &Path) {
    let kubectl = |args: &[&str]| kubectl_ok(admin, args);
    let token = kubectl(&["create", "token", sa, "-n", namespace, "--duration", "1h"]);
    let view = |what: &str| {
        kubectl(&[
            "config",
            "view",
            "--minify",
            "--raw",
            "-o",
            &format!("jsonpath={{.clusters[0].cluster.{what}}}"),
        ])
    };
    let (server, ca) = (view("server"), view("certificate-authority-data"));
    std::fs::write(
        path,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: {sa}\n  user:\n    token: {}\ncontexts:\n- name: in-cluster\n  context:\n    cluster: c\n    user: {sa}\n    namespace: {namespace}\ncurrent-context: in-cluster\n",
            token.trim()
        ),
    )
    .expect("write kubeconfig");
}
