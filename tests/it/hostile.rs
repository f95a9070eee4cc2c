//! Hostile repositories and local safety, through the binary: nothing a repository says
//! may run a program on the host (a helm `releaseName` read as an option, a
//! `--helm-command` in `.gitops/envs.yaml`) or read outside the repository
//! (`--load-restrictor` there); the binding, ignore rules and build options come from the
//! target's repository wherever the command runs; `KUBECTL_EXTERNAL_DIFF`'s files are
//! private and gone after an interrupt.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
}

/// A fresh private scratch directory, removed at the end of the test.
fn scratch(tag: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("gitops-it-hostile-{tag}-"))
        .tempdir()
        .expect("scratch dir")
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

fn executable(path: &Path, text: &str) {
    write(path, text);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

/// Exit 2, nothing on stdout, one stderr line holding every one of `mentions`.
fn assert_one_line_error(out: &Output, mentions: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{err}");
    for m in mentions {
        assert!(lines[0].contains(m), "'{m}' not in: {err}");
    }
}

/// A stand-in for helm that behaves as helm does with the arguments that matter here:
/// `version` prints a v3 version, `--post-renderer=<program>` runs the program.
const FAKE_HELM: &str = r#"#!/bin/sh
for a in "$@"; do
  case "$a" in
    --post-renderer=*) "${a#--post-renderer=}" ;;
  esac
done
[ "$1" = version ] && echo v3.22.0
exit 0
"#;

/// A program that leaves a marker file when run.
fn evil(dir: &Path, marker: &Path) -> PathBuf {
    let path = dir.join("evil");
    executable(&path, &format!("#!/bin/sh\ntouch '{}'\n", marker.display()));
    path
}

#[test]
fn helm_release_name_cannot_become_an_option() {
    let s = scratch("helm-release");
    let marker = s.path().join("MARKER");
    let program = evil(s.path(), &marker);
    let helm = s.path().join("helm");
    executable(&helm, FAKE_HELM);
    let env = s.path().join("env");
    write(
        &env.join("charts/c/Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    write(&env.join("charts/c/values.yaml"), "a: b\n");
    write(
        &env.join("kustomization.yaml"),
        &format!(
            "helmCharts:\n- name: c\n  releaseName: --post-renderer={}\n",
            program.display()
        ),
    );
    let out = bin()
        .arg("render")
        .arg(&env)
        .arg("--enable-helm")
        .arg("--helm-command")
        .arg(&helm)
        .output()
        .expect("run");
    assert_one_line_error(
        &out,
        &[
            "kustomization.yaml",
            "releaseName '--post-renderer=",
            "starts with '-'",
        ],
    );
    assert!(
        !marker.exists(),
        "the repository ran a program through helm"
    );
}

/// A repository with one env `app` and `.gitops/envs.yaml` giving it `build_options`.
fn repo_with_build_options(dir: &Path, kustomization: &str, build_options: &str) -> PathBuf {
    write(&dir.join("envs/app/kustomization.yaml"), kustomization);
    write(
        &dir.join(".gitops/envs.yaml"),
        &format!("envs:\n  app:\n    buildOptions: {build_options}\n"),
    );
    dir.join("envs/app")
}

#[test]
fn build_options_cannot_name_a_helm_command() {
    let s = scratch("helm-command");
    let marker = s.path().join("MARKER");
    let program = evil(s.path(), &marker);
    let root = s.path().join("repo");
    let env = repo_with_build_options(
        &root,
        "helmCharts:\n- name: c\n",
        &format!("--enable-helm --helm-command {}", program.display()),
    );
    write(
        &env.join("charts/c/Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    for cmd in ["render", "diff", "status"] {
        let out = bin()
            .arg("--root")
            .arg(&root)
            .args([cmd, "app"])
            .output()
            .expect("run");
        assert_one_line_error(
            &out,
            &[
                ".gitops/envs.yaml",
                "env 'app'",
                "--helm-command",
                "on the command line",
            ],
        );
        assert!(!marker.exists(), "{cmd}: buildOptions ran a program");
    }
}

#[test]
fn build_options_cannot_lift_the_load_restriction() {
    let s = scratch("load-restrictor");
    let outside = s.path().join("outside.txt");
    write(&outside, "top secret\n");
    let root = s.path().join("repo");
    repo_with_build_options(
        &root,
        &format!(
            "configMapGenerator:\n- name: stolen\n  files:\n  - {}\n",
            outside.display()
        ),
        "--load-restrictor LoadRestrictionsNone",
    );
    let out = bin()
        .arg("--root")
        .arg(&root)
        .args(["render", "app"])
        .output()
        .expect("run");
    assert_one_line_error(
        &out,
        &[
            ".gitops/envs.yaml",
            "env 'app'",
            "--load-restrictor",
            "on the command line",
        ],
    );
    // The user may still ask for it on the command line (with the file's option removed).
    write(
        &root.join(".gitops/envs.yaml"),
        "envs:\n  app:\n    buildOptions: --enable-helm\n",
    );
    let out = bin()
        .arg("--root")
        .arg(&root)
        .args(["render", "app", "--load-restrictor", "LoadRestrictionsNone"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("top secret"));
}

/// A kubeconfig whose current context, `elsewhere`, points at a closed port.
fn unreachable_kubeconfig(dir: &Path) -> PathBuf {
    let path = dir.join("kubeconfig");
    write(
        &path,
        "apiVersion: v1\nkind: Config\nclusters:\n- name: elsewhere\n  cluster:\n    server: https://127.0.0.1:9\ncontexts:\n- name: elsewhere\n  context:\n    cluster: elsewhere\n    user: u\ncurrent-context: elsewhere\nusers:\n- name: u\n  user:\n    token: t\n",
    );
    path
}

#[test]
fn binding_comes_from_the_target_not_the_current_directory() {
    let s = scratch("root-from-target");
    let root = s.path().join("repo");
    write(
        &root.join("envs/prod/kustomization.yaml"),
        "resources:\n- cm.yaml\n",
    );
    write(
        &root.join("envs/prod/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n",
    );
    write(
        &root.join(".gitops/envs.yaml"),
        "envs:\n  prod:\n    context: nope\n",
    );
    let kubeconfig = unreachable_kubeconfig(s.path());
    let target = root.join("envs/prod");
    for cmd in ["diff", "status", "sync"] {
        let out = bin()
            .current_dir("/")
            .arg(cmd)
            .arg(&target)
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .arg("--request-timeout")
            .arg("2")
            .output()
            .expect("run");
        assert_one_line_error(
            &out,
            &["env 'prod' is bound to context 'nope'", "elsewhere"],
        );
    }
    // render and envs are unaffected by where they run.
    let out = bin()
        .current_dir("/")
        .arg("render")
        .arg(&target)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("name: settings"));
    let out = bin()
        .current_dir("/")
        .arg("--root")
        .arg(&root)
        .arg("envs")
        .output()
        .expect("run");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "prod\n");
    // From inside the env directory, without a target, the same root is found.
    let out = bin()
        .current_dir(&target)
        .arg("diff")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .output()
        .expect("run");
    assert_one_line_error(&out, &["bound to context 'nope'"]);
}

#[test]
fn build_options_come_from_the_target_repository() {
    let s = scratch("options-from-target");
    let root = s.path().join("repo");
    let env = repo_with_build_options(&root, "helmCharts:\n- name: c\n", "--enable-helm");
    write(
        &env.join("charts/c/Chart.yaml"),
        "apiVersion: v2\nname: c\nversion: 0.1.0\n",
    );
    let out = bin()
        .current_dir("/")
        .arg("render")
        .arg(&env)
        .arg("--helm-command")
        .arg(s.path().join("no-such-helm"))
        .output()
        .expect("run");
    // --enable-helm came from the repository's file: helm is looked for (and missing),
    // rather than "must specify --enable-helm".
    assert_one_line_error(&out, &["no-such-helm"]);
}

/// `KUBECTL_EXTERNAL_DIFF` gets a fresh 0700 directory with 0600 files, and the directory
/// is removed although the diff tool interrupts kubectl-gitops with SIGINT or SIGTERM
/// (which then exits 130 or 143).
#[tokio::test]
async fn cluster_external_diff_files_are_private_and_removed_on_interrupt() {
    let Some(kubeconfig) = crate::testplane::kubeconfig() else {
        return;
    };
    let ns = crate::testplane::namespace("extdiff").await;
    let s = scratch("extdiff");
    let root = s.path().join("repo");
    write(
        &root.join("envs/app/kustomization.yaml"),
        &format!("namespace: {ns}\nresources:\n- secret.yaml\n"),
    );
    write(
        &root.join("envs/app/secret.yaml"),
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\nstringData:\n  password: hunter2\n",
    );
    for (signal, code) in [("INT", 130), ("TERM", 143)] {
        let record = s.path().join(format!("record-{signal}"));
        let tool = s.path().join(format!("tool-{signal}"));
        executable(
            &tool,
            &format!(
                "#!/bin/sh\nr='{}'\ndir=$(dirname \"$1\")\necho \"dir $dir\" > \"$r\"\nstat -c 'mode %a %n' \"$dir\" \"$1\" \"$2\" \"$1\"/* \"$2\"/* >> \"$r\"\nkill -{signal} $PPID\nsleep 1\nexit 1\n",
                record.display()
            ),
        );
        let out = bin()
            .arg("--root")
            .arg(&root)
            .args(["diff", "app", "--show-secrets", "-n", &ns])
            .arg("--kubeconfig")
            .arg(&kubeconfig)
            .env("KUBECTL_EXTERNAL_DIFF", &tool)
            .output()
            .expect("run");
        let text = std::fs::read_to_string(&record).expect("the diff tool ran");
        assert_eq!(out.status.code(), Some(code), "{}\n{text}", stderr(&out));
        let dir = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("dir "))
            .expect("dir line");
        assert!(!Path::new(dir).exists(), "{dir} left behind");
        let modes: Vec<&str> = text.lines().skip(1).collect();
        assert_eq!(modes.len(), 5, "{text}");
        for m in &modes[..3] {
            assert!(m.starts_with("mode 700 "), "{text}");
        }
        for m in &modes[3..] {
            assert!(m.starts_with("mode 600 "), "{text}");
        }
    }
}
