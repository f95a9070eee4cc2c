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

/// A bare repository whose directories try to leave the clone: `x/` lists a base five
/// levels up (which the clone cache's layout puts at `<scratch>/outside`), `link/` is a
/// symlink to `<scratch>/outside`, and `uses-link/` lists `../link`.
fn make_escaping_repo(scratch: &Path) -> PathBuf {
    let outside = scratch.join("outside");
    write(
        &outside.join("kustomization.yaml"),
        "resources:\n- cm.yaml\n",
    );
    write(
        &outside.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: outside-secret\n",
    );
    let work = scratch.join("escaping-work");
    write(
        &work.join("x/kustomization.yaml"),
        "resources:\n- ../../../../../outside\n",
    );
    write(
        &work.join("uses-link/kustomization.yaml"),
        "resources:\n- ../link\n",
    );
    std::fs::create_dir_all(&work).expect("mkdir");
    std::os::unix::fs::symlink(&outside, work.join("link")).expect("symlink");
    git(&work, &["init", "-q"]);
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "escape"]);
    let bare = scratch.join("escaping.git");
    git(
        scratch,
        &[
            "clone",
            "-q",
            "--bare",
            "escaping-work",
            bare.to_str().expect("utf-8 path"),
        ],
    );
    bare
}

/// `//a/b/c/d/e/../../../../../x` is `x`: the clone's root is found as such, so `x`'s base
/// five levels up is outside the clone and refused with kustomize's reason; a symlink out
/// of the clone is refused too, whether built directly or listed as a base. kustomize
/// fails on each as well.
#[test]
fn remote_base_cannot_escape_its_clone() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("escape");
    let bare = make_escaping_repo(&scratch.0);
    let cache = scratch.0.join("cache");
    for (sub, mentions) in [
        (
            "a/b/c/d/e/../../../../../x",
            "bases in kustomizations found in cloned git repos must be within the repo",
        ),
        ("link", "resolves outside of the repository"),
        (
            "uses-link",
            "bases in kustomizations found in cloned git repos must be within the repo",
        ),
    ] {
        let url = format!("file://{}//{sub}", bare.display());
        let dir = overlay(&scratch.0, &format!("overlay-{}", sub.len()), &url);
        let out = ours(&dir, &cache);
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{sub}: {stderr}");
        assert!(
            out.stdout.is_empty(),
            "{sub}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(mentions), "{sub}: {stderr}");
        if let Some(expected) = reference(&dir) {
            assert!(!expected.status.success(), "{sub}: kustomize built it");
        }
    }
}

/// `?ref=--upload-pack=<command>` would make `git fetch` run the command: the ref is
/// refused (exit 2, one line naming the kustomization and the ref) and nothing runs.
#[test]
fn option_like_ref_is_refused_and_runs_nothing() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("optref");
    let bare = make_repo(&scratch.0);
    let marker = scratch.0.join("MARKER");
    let url = format!(
        "file://{}//base?ref=--upload-pack=touch+{}",
        bare.display(),
        marker.display()
    );
    let dir = overlay(&scratch.0, "overlay", &url);
    let out = ours(&dir, &scratch.0.join("cache"));
    assert_one_line_error(&out, &url, "the ref '--upload-pack=touch ");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("kustomization.yaml"), "{stderr}");
    assert!(stderr.contains("starts with '-'"), "{stderr}");
    assert!(!marker.exists(), "git ran the repository's command");
}

/// The full commit id `v1` points at, for a `?ref=` that is reused from the cache.
fn commit_of(bare: &Path, name: &str) -> String {
    let out = Command::new("git")
        .args(["rev-parse", name])
        .current_dir(bare)
        .output()
        .expect("git rev-parse");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The one clone in a cache directory.
fn only_clone(git_cache: &Path) -> PathBuf {
    let clones: Vec<PathBuf> = std::fs::read_dir(git_cache)
        .expect("cache dir")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    assert_eq!(clones.len(), 1, "{clones:?}");
    clones[0].clone()
}

/// A cached clone of a commit is reused only while it is that commit, unmodified:
/// an edited file, an added file, or another HEAD makes the next build clone again.
#[test]
fn tampered_cached_clone_is_not_trusted() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("tamper");
    let bare = make_repo(&scratch.0);
    let commit = commit_of(&bare, "v1");
    let url = format!("file://{}//base?ref={commit}", bare.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let cache = scratch.0.join("cache");
    let first = ours(&dir, &cache);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let genuine = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(genuine.contains("version: one"), "{genuine}");
    let git_cache = cache.join("kubectl-gitops/git");
    let mode = std::fs::metadata(&git_cache).expect("cache").permissions();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777,
        0o700
    );

    let clone = only_clone(&git_cache);
    let tamper: [&dyn Fn(&Path); 3] = [
        &|c| {
            write(
                &c.join("base/cm.yaml"),
                &std::fs::read_to_string(c.join("base/cm.yaml"))
                    .expect("read")
                    .replace("one", "evil"),
            )
        },
        &|c| {
            write(
                &c.join("base/kustomization.yaml"),
                "resources:\n- cm.yaml\n- extra.yaml\n",
            );
            write(
                &c.join("base/extra.yaml"),
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: evil\n",
            );
        },
        &|c| git(c, &["commit", "-q", "--allow-empty", "-m", "moved"]),
    ];
    for (i, t) in tamper.iter().enumerate() {
        let clone = only_clone(&git_cache);
        t(&clone);
        let out = ours(&dir, &cache);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            genuine,
            "tampering {i} was used"
        );
    }
    assert!(clone.exists());
}

/// A clone cache anyone may write to (planted by another user, or made so) is not used:
/// its clones could be anything. The build clones into a private temporary directory,
/// warns, and leaves the planted directory alone.
#[test]
fn world_writable_clone_cache_is_not_trusted() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("shared-cache");
    let bare = make_repo(&scratch.0);
    let commit = commit_of(&bare, "v1");
    let url = format!("file://{}//base?ref={commit}", bare.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let cache = scratch.0.join("cache");
    let first = ours(&dir, &cache);
    let genuine = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(genuine.contains("version: one"), "{genuine}");
    // Someone else's view of the cache: world-writable, with a planted clone.
    let git_cache = cache.join("kubectl-gitops/git");
    let clone = only_clone(&git_cache);
    let cm = clone.join("base/cm.yaml");
    write(
        &cm,
        &std::fs::read_to_string(&cm)
            .expect("read")
            .replace("one", "planted"),
    );
    git(&clone, &["commit", "-q", "-a", "-m", "planted"]);
    git(&clone, &["tag", "-f", "planted"]);
    let planted_head = commit_of(&clone, "HEAD");
    // A clean clone at another commit; whatever it holds, a world-writable cache is not
    // read at all.
    for d in [&cache.join("kubectl-gitops"), &git_cache] {
        std::fs::set_permissions(d, std::os::unix::fs::PermissionsExt::from_mode(0o777))
            .expect("chmod");
    }
    let before = std::fs::read_dir(&git_cache).expect("ls").count();
    let out = ours(&dir, &cache);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(out.status.success(), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), genuine);
    assert!(stderr.contains("not using the git clone cache"), "{stderr}");
    assert!(stderr.contains("writable by others"), "{stderr}");
    assert_eq!(std::fs::read_dir(&git_cache).expect("ls").count(), before);
    assert_eq!(
        commit_of(&clone, "HEAD"),
        planted_head,
        "the planted clone was touched"
    );
}

/// Without HOME and XDG_CACHE_HOME there is no private cache: clones go to a fresh
/// temporary directory that is gone after the build, never to a shared directory.
#[test]
fn without_a_home_clones_go_to_a_private_temporary_directory() {
    if !have("git") {
        return;
    }
    let scratch = Scratch::new("nohome");
    let bare = make_repo(&scratch.0);
    let url = format!("file://{}//base?ref=v1", bare.display());
    let dir = overlay(&scratch.0, "overlay", &url);
    let tmp = scratch.0.join("tmp");
    std::fs::create_dir_all(&tmp).expect("mkdir");
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .arg("render")
        .arg(&dir)
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .env("TMPDIR", &tmp)
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("version: one"));
    let left: Vec<_> = std::fs::read_dir(&tmp).expect("ls").collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
