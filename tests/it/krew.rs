//! A real krew install: krew v0.4.3 (built from the Go module proxy by
//! `scripts/install-krew`, as helm is) installs our binary packaged exactly as the release
//! workflow packages it, from a manifest that `scripts/update-plugin-manifest` pointed at
//! that archive; kubectl then finds `kubectl gitops` through its plugin lookup, and krew
//! uninstalls it.

use crate::util::text;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn ok(o: Output, what: &str) -> String {
    assert!(o.status.success(), "{what}: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// This machine's krew platform, if the manifest has one for it.
fn platform() -> Option<(&'static str, &'static str)> {
    let os = match std::env::consts::OS {
        "linux" => "linux",
        "macos" => "darwin",
        _ => return None,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        _ => return None,
    };
    Some((os, arch))
}

#[test]
fn krew_installs_the_release_archive_and_kubectl_finds_the_plugin() {
    let Some((os, arch)) = platform() else {
        eprintln!("skipping: no krew platform for this machine");
        return;
    };
    let install = Command::new(root().join("scripts/install-krew"))
        .output()
        .expect("run scripts/install-krew");
    ok(install, "scripts/install-krew");
    let tools = root().join("target/tools/bin");
    let tmp = tempfile::tempdir().expect("tempdir");
    let krew_root = tmp.path().join("krew");
    // Package like .github/workflows/release.yml: the binary and LICENSE at the top.
    let stage = tmp.path().join("stage");
    std::fs::create_dir_all(&stage).expect("mkdir");
    std::fs::copy(
        env!("CARGO_BIN_EXE_kubectl-gitops"),
        stage.join("kubectl-gitops"),
    )
    .expect("copy binary");
    std::fs::copy(root().join("LICENSE"), stage.join("LICENSE")).expect("copy LICENSE");
    let tag = format!("v{}", env!("CARGO_PKG_VERSION"));
    let archive = tmp
        .path()
        .join(format!("kubectl-gitops_{tag}_{os}_{arch}.tar.gz"));
    ok(
        Command::new("tar")
            .arg("-C")
            .arg(&stage)
            .arg("-czf")
            .arg(&archive)
            .args(["kubectl-gitops", "LICENSE"])
            .output()
            .expect("tar"),
        "tar",
    );
    // Checksums as the release job writes them; the other platforms get this one's (the
    // script requires one per platform; krew only checks the one it installs).
    let sum = ok(
        Command::new("sha256sum")
            .arg(&archive)
            .output()
            .expect("sha256sum"),
        "sha256sum",
    );
    let sum = sum
        .split_whitespace()
        .next()
        .expect("a checksum")
        .to_string();
    let sums: String = ["linux_amd64", "linux_arm64", "darwin_amd64", "darwin_arm64"]
        .iter()
        .map(|p| format!("{sum}  kubectl-gitops_{tag}_{p}.tar.gz\n"))
        .collect();
    std::fs::write(tmp.path().join("sums"), sums).expect("write sums");
    let manifest = tmp.path().join("plugin.yaml");
    std::fs::copy(root().join("plugin.yaml"), &manifest).expect("copy manifest");
    ok(
        Command::new(root().join("scripts/update-plugin-manifest"))
            .arg(&tag)
            .arg(tmp.path().join("sums"))
            .arg("--manifest")
            .arg(&manifest)
            .output()
            .expect("update-plugin-manifest"),
        "update-plugin-manifest",
    );

    let path = std::env::join_paths([krew_root.join("bin"), tools.clone()].into_iter().chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .expect("PATH");
    let kubectl = |args: &[&str]| -> Output {
        Command::new("kubectl")
            .args(args)
            .env("KREW_ROOT", &krew_root)
            .env("PATH", &path)
            .env("KUBECONFIG", tmp.path().join("no-kubeconfig"))
            .output()
            .expect("run kubectl")
    };
    let manifest_arg = format!("--manifest={}", manifest.display());
    let archive_arg = format!("--archive={}", archive.display());
    ok(
        kubectl(&["krew", "install", &manifest_arg, &archive_arg]),
        "kubectl krew install",
    );
    let installed: PathBuf = krew_root.join("bin/kubectl-gitops");
    assert!(
        installed.exists(),
        "krew did not link {}",
        installed.display()
    );
    let version = ok(
        kubectl(&["gitops", "--version"]),
        "kubectl gitops --version",
    );
    assert!(version.contains(env!("CARGO_PKG_VERSION")), "{version}");
    let plugins = ok(kubectl(&["plugin", "list"]), "kubectl plugin list");
    assert!(plugins.contains("kubectl-gitops"), "{plugins}");

    // krew's uninstall wants a local index; an empty one stands in for the network.
    let index = krew_root.join("index/default");
    std::fs::create_dir_all(index.join("plugins")).expect("mkdir index");
    ok(
        Command::new("git")
            .args(["init", "-q"])
            .arg(&index)
            .output()
            .expect("git init"),
        "git init",
    );
    ok(
        kubectl(&["krew", "uninstall", "gitops"]),
        "kubectl krew uninstall",
    );
    assert!(!installed.exists());
    let out = kubectl(&["gitops", "--version"]);
    assert!(
        !out.status.success(),
        "still found after uninstall: {}",
        text(&out)
    );
}
