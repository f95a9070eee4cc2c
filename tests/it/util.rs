//! What many integration tests share: describing a finished process, reading its JSON.

use serde_json::Value;
use std::process::Output;

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

/// A kubeconfig at `path` for ServiceAccount `sa` in `namespace` of the cluster `admin`
/// points at: a fresh token (TokenRequest, one hour), the cluster's CA, context
/// `in-cluster` (with `namespace` as its default).
pub fn service_account_kubeconfig(
    admin: &std::path::Path,
    sa: &str,
    namespace: &str,
    path: &std::path::Path,
) {
    let kubectl = |args: &[&str]| -> String {
        let out = std::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(admin)
            .args(args)
            .output()
            .expect("run kubectl");
        assert!(out.status.success(), "kubectl {args:?}: {}", text(&out));
        String::from_utf8_lossy(&out.stdout).to_string()
    };
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
