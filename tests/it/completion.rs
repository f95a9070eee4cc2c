//! Shell completion through the binary: `completion bash|zsh|fish` scripts, the hidden
//! `__complete` protocol (env names of a temp repository), the `kubectl_complete-gitops`
//! shim, and — when kubectl is on PATH — kubectl's own plugin completion calling the shim.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-gitops");
const SHIM: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/kubectl_complete-gitops");

/// A Git-like repository with envs `dev`, `prod` and a non-env directory `notes`.
fn repo(tag: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("gitops-it-completion-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    for dir in [".git", "envs/dev", "envs/prod", "envs/notes"] {
        std::fs::create_dir_all(root.join(dir)).expect("mkdir");
    }
    std::fs::write(root.join("envs/dev/kustomization.yaml"), "resources: []\n").expect("write");
    std::fs::write(root.join("envs/prod/Kustomization"), "resources: []\n").expect("write");
    root
}

/// `PATH` with the binary's and the shim's directories first.
fn path_with_plugin() -> String {
    let bin_dir = Path::new(BIN).parent().expect("bin dir");
    let shim_dir = Path::new(SHIM).parent().expect("shim dir");
    format!(
        "{}:{}:{}",
        bin_dir.display(),
        shim_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn complete_lists_env_names_for_target() {
    let root = repo("envs");
    let out = Command::new(BIN)
        .current_dir(&root)
        .args(["__complete", "render", ""])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "dev\nprod\n:0\n");
    let out = Command::new(BIN)
        .args(["__complete", "--root"])
        .arg(&root)
        .args(["set-image", "p"])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "prod\n:0\n");
    // preview takes any number of envs
    let out = Command::new(BIN)
        .current_dir(&root)
        .args(["__complete", "preview", "dev", ""])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "dev\nprod\n:0\n");
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn complete_subcommands_and_flags() {
    let out = Command::new(BIN)
        .args(["__complete", "sy"])
        .output()
        .expect("run");
    let text = stdout(&out);
    assert!(text.starts_with("sync\t"), "{text}");
    assert!(text.ends_with("\n:4\n"), "{text}");
    let out = Command::new(BIN)
        .args(["__complete", "diff", "--col"])
        .output()
        .expect("run");
    assert!(stdout(&out).starts_with("--color\t"));
    let out = Command::new(BIN)
        .args(["__complete", "diff", "--color", ""])
        .output()
        .expect("run");
    assert_eq!(stdout(&out), "auto\nalways\nnever\n:4\n");
}

#[test]
fn shim_answers_for_kubectl() {
    let root = repo("shim");
    let out = Command::new(SHIM)
        .current_dir(&root)
        .env("PATH", path_with_plugin())
        .args(["sync", "d"])
        .output()
        .expect("run the shim");
    assert_eq!(stdout(&out), "dev\n:0\n");

    // kubectl ≥ 1.26 runs the shim itself for `kubectl gitops <TAB>`.
    let kubectl = Command::new("kubectl")
        .current_dir(&root)
        .env("PATH", path_with_plugin())
        .args(["__complete", "gitops", "status", ""])
        .output();
    match kubectl {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(text.lines().any(|l| l == "dev"), "{text}");
            assert!(text.lines().any(|l| l == "prod"), "{text}");
        }
        _ => eprintln!("kubectl not usable: plugin completion through kubectl not checked"),
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn completion_scripts_name_the_binary() {
    for (shell, marker) in [
        ("bash", "complete -F _kubectl__gitops"),
        ("zsh", "#compdef kubectl-gitops"),
        ("fish", "complete -c kubectl-gitops"),
    ] {
        let out = Command::new(BIN)
            .args(["completion", shell])
            .output()
            .expect("run");
        let text = stdout(&out);
        assert!(text.contains("kubectl-gitops"), "{shell}");
        assert!(text.contains(marker), "{shell}: {marker}");
    }
    let out = Command::new(BIN)
        .args(["completion", "tcsh"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn bash_script_completes_subcommand_flags() {
    let script = stdout(
        &Command::new(BIN)
            .args(["completion", "bash"])
            .output()
            .expect("run"),
    );
    let file =
        std::env::temp_dir().join(format!("gitops-it-completion-{}.bash", std::process::id()));
    std::fs::write(&file, script).expect("write");
    let probe = format!(
        "source '{}'; COMP_WORDS=(kubectl-gitops render --out); COMP_CWORD=2; \
         _kubectl__gitops kubectl-gitops --out render; echo \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = Command::new("bash").args(["-c", &probe]).output();
    let _ = std::fs::remove_file(&file);
    match out {
        Ok(out) => {
            let words = stdout(&out);
            assert!(words.split_whitespace().any(|w| w == "--output"), "{words}");
            assert!(
                words.split_whitespace().all(|w| w.starts_with("--out")),
                "{words}"
            );
        }
        Err(_) => eprintln!("bash not available"),
    }
}
