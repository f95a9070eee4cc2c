//! The command line as a user meets it: help with examples on every command, version,
//! envs, and exit code 2 with one line for bad input.

use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
}

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        "render",
        "envs",
        "diff",
        "sync",
        "status",
        "set-image",
        "completion",
    ] {
        let out = bin().args([cmd, "--help"]).output().expect("run");
        assert!(out.status.success(), "{cmd} --help");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(
            help.contains("Examples:"),
            "{cmd} --help has no examples:\n{help}"
        );
    }
    let out = bin().arg("--help").output().expect("run");
    let help = String::from_utf8_lossy(&out.stdout);
    for flag in ["--verbose", "--color", "--root"] {
        assert!(help.contains(flag), "global {flag} missing:\n{help}");
    }
}

#[test]
fn version_matches_the_package() {
    let out = bin().arg("--version").output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn envs_lists_envs_with_a_kustomization() {
    let root = std::env::temp_dir().join(format!("gitops-cli-envs-{}", std::process::id()));
    for env in ["prod", "dev"] {
        std::fs::create_dir_all(root.join("envs").join(env)).unwrap();
        std::fs::write(
            root.join("envs").join(env).join("kustomization.yaml"),
            "resources: []\n",
        )
        .unwrap();
    }
    std::fs::create_dir_all(root.join("envs/notes")).unwrap();
    let out = bin()
        .arg("--root")
        .arg(&root)
        .arg("envs")
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "dev\nprod\n");
    let out = bin()
        .arg("--root")
        .arg(&root)
        .args(["render", "staging"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("staging") && err.contains("dev, prod"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn render_all_writes_every_env() {
    let root = std::env::temp_dir().join(format!("gitops-cli-all-{}", std::process::id()));
    for env in ["a", "b"] {
        let dir = root.join("envs").join(env);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("kustomization.yaml"),
            format!(
                "namespace: {env}\nconfigMapGenerator:\n- name: cfg\n  literals: [env={env}]\n"
            ),
        )
        .unwrap();
    }
    let out_dir = root.join("out");
    let out = bin()
        .arg("--root")
        .arg(&root)
        .args(["render", "--all", "--output-dir"])
        .arg(&out_dir)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for env in ["a", "b"] {
        let text = std::fs::read_to_string(out_dir.join(format!("{env}.yaml"))).unwrap();
        assert!(text.contains(&format!("namespace: {env}")), "{text}");
    }
    let out = bin()
        .arg("--root")
        .arg(&root)
        .args(["render", "--all"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("# env: a\n") && text.contains("---\n# env: b\n"),
        "{text}"
    );
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    // `render | head -1`: the reader goes away after one line; we exit 0, quietly.
    use std::io::Read;
    let dir = std::env::temp_dir().join(format!("gitops-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut k = String::from("configMapGenerator:\n");
    for i in 0..2000 {
        k.push_str(&format!("- name: cm{i}\n  literals: [a=b]\n"));
    }
    std::fs::write(dir.join("kustomization.yaml"), k).expect("write");
    let mut child = bin()
        .arg("render")
        .arg(&dir)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut stdout = child.stdout.take().expect("stdout");
    let mut first = [0u8; 16];
    stdout.read_exact(&mut first).expect("read");
    drop(stdout);
    let out = child.wait_with_output().expect("wait");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
