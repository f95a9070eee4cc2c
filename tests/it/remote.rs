//! Remote bases: a local bare git repository (built here with the `git` program) is
//! referenced as `file:///<repo>//base?ref=<tag>`; our render must print exactly what
//! `kubectl kustomize` prints, and an unknown ref or a missing repository must fail with
//! exit code 2 and one line naming the URL. Skipped when `git` is not installed; the
//! comparison is skipped when `kubectl` is not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A scratch directory removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let dir = std::env::temp_dir().join(format!(
            "kubectl-gitops-it-remote-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create scratch dir");
        Scratch(dir.canonicalize().expect("canonical scratch dir"))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn have(program: &str) -> bool {
    Command::new(program)
        .arg("version")
        .arg("--client")
        .output()
        .or_else(|_| Command::new(program).arg("--version").output())
        .is_ok()
}

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "init.defaultBranch=main",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "tag.gpgsign=false",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("run git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(path: &Path, text: &str) {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(path, text).expect("write");
}

/// A bare repository with `base/` (a kustomization with a ConfigMap and a Deployment)
/// tagged `v1`, then a second commit on `main` that changes the ConfigMap.
fn make_repo(scratch: &Path) -> PathBuf {
    let work = scratch.join("work");
    write(
        &work.join("base/kustomization.yaml"),
        "namePrefix: base-\nresources:\n- cm.yaml\n- deploy.yaml\n",
    );
    write(
        &work.join("base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  version: one\n",
    );
    write(
        &work.join("base/deploy.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.25\n        envFrom:\n        - configMapRef:\n            name: settings\n",
    );
    git(&work, &["init", "-q"]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "one"]);
    git(&work, &["tag", "v1"]);
    write(
        &work.join("base/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  version: two\n",
    );
    git(&work, &["commit", "-q", "-a", "-m", "two"]);
    let bare = scratch.join("repo.git");
    git(
        scratch,
        &[
            "clone",
            "-q",
            "--bare",
            "work",
            bare.to_str().expect("utf-8 path"),
        ],
    );
    bare
}

fn overlay(scratch: &Path, name: &str, resource: &str) -> PathBuf {
    let dir = scratch.join(name);
    write(
        &dir.join("kustomization.yaml"),
        &format!(
            "namespace: prod\nnamePrefix: o-\nimages:\n- name: nginx\n  newTag: \"1.27\"\nresources:\n- {resource}\n"
        ),
    );
    dir
}

fn ours(dir: &Path, cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .arg("render")
        .arg(dir)
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("run kubectl-gitops")
}

fn reference(dir: &Path) -> Option<Output> {
    if !have("kubectl") {
        eprintln!("kubectl not on PATH: comparison skipped");
        return None;
    }
    Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .ok()
}

#[test]
fn remote_base_at_a_tag_matches_kubectl_kustomize() {
    if !have("git") {
        eprintln!("git not on PATH: skipped");
        return;
    }
    let scratch = Scratch::new("tag");
    let bare = make_repo(&scratch.0);
    let url = format!("file://{}//base?ref=v1", bare.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let cache = scratch.0.join("cache");

    let out = ours(&dir, &cache);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("version: one"), "{stdout}");
    if let Some(expected) = reference(&dir) {
        assert!(expected.status.success(), "the reference failed");
        assert_eq!(stdout, String::from_utf8_lossy(&expected.stdout));
    }

    // A second build reuses the cache (and prints the same).
    let again = ours(&dir, &cache);
    assert_eq!(String::from_utf8_lossy(&again.stdout), stdout);
    assert!(cache.join("kubectl-gitops/git").is_dir());

    // Without a ref: HEAD of the default branch, the second commit.
    let head = overlay(
        &scratch.0,
        "overlay-head",
        &format!("file://{}//base", bare.display()),
    );
    let out = ours(&head, &cache);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("version: two"), "{stdout}");
    if let Some(expected) = reference(&head) {
        assert_eq!(stdout, String::from_utf8_lossy(&expected.stdout));
    }
}

/// Build metadata names the repository and ref for what came from a git base: origins
/// are relative to the repository root, transformations configured there carry `repo`.
#[test]
fn build_metadata_of_a_remote_base_names_the_repository() {
    if !have("git") {
        eprintln!("git not on PATH: skipped");
        return;
    }
    let scratch = Scratch::new("metadata");
    let bare = make_repo(&scratch.0);
    let url = format!("file://{}//base?ref=v1", bare.display());
    let dir = scratch.0.join("overlay-metadata");
    write(
        &dir.join("kustomization.yaml"),
        &format!(
            "buildMetadata: [originAnnotations, transformerAnnotations]\nnamespace: prod\nresources:\n- {url}\nconfigMapGenerator:\n- name: local\n  literals: [a=b]\n"
        ),
    );
    let out = ours(&dir, &scratch.0.join("cache"));
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "render failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo_line = format!("repo: file://{}", bare.display());
    assert!(stdout.contains("path: base/cm.yaml"), "{stdout}");
    assert!(stdout.contains(&repo_line), "{stdout}");
    assert!(stdout.contains("ref: v1"), "{stdout}");
    if let Some(expected) = reference(&dir) {
        assert!(expected.status.success(), "the reference failed");
        assert_eq!(stdout, String::from_utf8_lossy(&expected.stdout));
    }
}

/// Exit code 2, nothing on stdout, and one stderr line naming the URL.
fn assert_one_line_error(out: &Output, url: &str, mentions: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(out.stdout.is_empty());
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    assert!(lines[0].contains(url), "{stderr}");
    assert!(lines[0].contains(mentions), "{stderr}");
}

#[test]
fn unknown_ref_is_one_line_naming_the_url() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("badref");
    let bare = make_repo(&scratch.0);
    let url = format!("file://{}//base?ref=no-such-ref", bare.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let out = ours(&dir, &scratch.0.join("cache"));
    assert_one_line_error(&out, &url, "couldn't find remote ref no-such-ref");
    if let Some(expected) = reference(&dir) {
        assert!(!expected.status.success());
    }
}

#[test]
fn missing_repository_is_one_line_naming_the_url() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("norepo");
    let url = format!("file://{}/nothere.git//base?ref=v1", scratch.0.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let out = ours(&dir, &scratch.0.join("cache"));
    assert_one_line_error(&out, &url, "does not appear to be a git repository");
    if let Some(expected) = reference(&dir) {
        assert!(!expected.status.success());
    }
}

#[test]
fn missing_directory_in_the_repository_is_an_error() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("nodir");
    let bare = make_repo(&scratch.0);
    let url = format!("file://{}//nothere?ref=v1", bare.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let out = ours(&dir, &scratch.0.join("cache"));
    assert_one_line_error(&out, &url, "not a directory in the repository");
    if let Some(expected) = reference(&dir) {
        assert!(!expected.status.success());
    }
}

/// Without a `git` program the build stops before anything is printed, with one line
/// naming the URL (and the reference fails too).
#[test]
fn remote_base_without_git_installed_is_one_line_naming_the_url() {
    let scratch = Scratch::new("nogit");
    let url = format!("file://{}/repo.git//base?ref=v1", scratch.0.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let empty_path = scratch.0.join("empty-path");
    std::fs::create_dir_all(&empty_path).expect("mkdir");
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .arg("render")
        .arg(&dir)
        .env("XDG_CACHE_HOME", scratch.0.join("cache"))
        .env("PATH", &empty_path)
        .output()
        .expect("run kubectl-gitops");
    assert_one_line_error(&out, &url, "no 'git' program on PATH");
}
