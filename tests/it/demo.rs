//! `scripts/demo --no-pause`, end to end: it starts its own test plane (tied to this test
//! process, so it stops with it), runs the whole loop on a copy of the example, and exits
//! 0 with each step's key line. It never reads the user's kubeconfig (KUBECONFIG points at
//! a file that does not exist).

use std::path::Path;
use std::process::Command;

#[test]
fn demo_runs_the_whole_loop() {
    if std::env::var("GITOPS_SKIP_CLUSTER_TESTS").is_ok_and(|v| v == "1") {
        eprintln!("skipping: GITOPS_SKIP_CLUSTER_TESTS=1");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bin_dir = Path::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .parent()
        .expect("bin dir")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    let home = tempfile::tempdir().expect("tempdir");
    let out = Command::new(root.join("scripts/demo"))
        .arg("--no-pause")
        .env("PATH", path)
        .env("KUBECONFIG", home.path().join("not-there"))
        .env("TESTPLANE_WATCH_PID", std::process::id().to_string())
        .env_remove("GITOPS_TESTPLANE_RESTRICTED_KUBECONFIG")
        .output()
        .expect("run scripts/demo");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let all = format!(
        "{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{all}");
    for line in [
        "$ kubectl gitops envs",
        "$ kubectl gitops diff dev",
        "(exit 1: drift: objects to create)",
        "$ kubectl gitops sync dev --prune --no-wait",
        "env dev: synced",
        "took .spec.replicas back from manager",
        "(exit 1: drift: /spec/replicas)",
        "$ kubectl gitops set-image dev app=ghcr.io/acme/hello-gitops:0.2.0",
        "+        image: ghcr.io/acme/hello-gitops:0.2.0",
        "(exit 1: the commit changes an env)",
        "Synced",
        "testplane/stop",
    ] {
        assert!(stdout.contains(line), "missing {line:?}:\n{all}");
    }
    assert!(
        !home.path().join("not-there").exists(),
        "the demo wrote a kubeconfig of the user's"
    );
}
