//! `preview` through the binary, on Git repositories built in temp dirs: goldens of the
//! text and Markdown output, hash-suffix renames, envs added and removed, a side that fails
//! to render, uncommitted changes, a repository in a subdirectory of the work tree, Secret
//! masking, hostile trees and revisions, and the proof that a revision read from Git
//! objects renders exactly as a checkout of it (`git worktree add` into a temp dir).

use crate::util::json;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kubectl-gitops");

/// A Git repository in a temp dir, isolated from the user's and the system's config.
struct Repo {
    tmp: tempfile::TempDir,
    tick: u32,
}

impl Repo {
    fn new() -> Repo {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(tmp.path().join("home")).unwrap();
        std::fs::create_dir_all(tmp.path().join("work")).unwrap();
        let r = Repo { tmp, tick: 0 };
        r.git(&["init", "-q", "-b", "main"]);
        r
    }

    fn top(&self) -> PathBuf {
        self.tmp.path().join("work")
    }

    fn env(&self, c: &mut Command) {
        c.env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", self.tmp.path().join("home"))
            .env("XDG_CONFIG_HOME", self.tmp.path().join("home"))
            .env("XDG_CACHE_HOME", self.tmp.path().join("home/cache"))
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env("NO_COLOR", "1");
    }

    fn git(&self, args: &[&str]) -> String {
        let mut c = Command::new("git");
        c.current_dir(self.top())
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
            .args(args);
        self.env(&mut c);
        let date = format!("2026-01-01T00:00:{:02}Z", self.tick);
        c.env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_string()
    }

    fn write(&self, path: &str, text: &str) {
        let p = self.top().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    fn remove(&self, path: &str) {
        let p = self.top().join(path);
        if p.is_dir() {
            std::fs::remove_dir_all(p).unwrap();
        } else {
            std::fs::remove_file(p).unwrap();
        }
    }

    /// Commits everything; returns the commit id.
    fn commit(&mut self, message: &str) -> String {
        self.tick += 1;
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"])
    }

    fn preview_in(&self, dir: &Path, args: &[&str]) -> Output {
        let mut c = Command::new(BIN);
        c.current_dir(dir).arg("preview").args(args);
        self.env(&mut c);
        c.output().unwrap()
    }

    fn preview(&self, args: &[&str]) -> Output {
        self.preview_in(&self.top(), args)
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

/// A repository at `prefix`: a base with a Deployment fed by a generated ConfigMap, and
/// envs dev and prod.
fn scaffold(r: &Repo, prefix: &str, greeting: &str, replicas: u32) {
    let p = |s: &str| format!("{prefix}{s}");
    r.write(
        &p("base/kustomization.yaml"),
        &format!(
            "resources:\n- deployment.yaml\nconfigMapGenerator:\n- name: app-config\n  literals:\n  - GREETING={greeting}\n"
        ),
    );
    r.write(
        &p("base/deployment.yaml"),
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: {replicas}\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx:1.27\n        envFrom:\n        - configMapRef:\n            name: app-config\n"
        ),
    );
    for env in ["dev", "prod"] {
        r.write(
            &p(&format!("envs/{env}/kustomization.yaml")),
            &format!("namespace: {env}\nresources:\n- ../../base\n"),
        );
    }
}

/// A golden of our own output format; `PREVIEW_BLESS=1` rewrites it (review the diff).
fn golden(name: &str, got: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/preview")
        .join(name);
    if std::env::var_os("PREVIEW_BLESS").is_some() {
        std::fs::write(&path, got).unwrap();
    }
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The two revisions of the goldens: the greeting (so the ConfigMap's hash) changes in
/// base, prod gets a Service, and a Secret's value changes in dev.
fn golden_repo() -> (Repo, String, String) {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    r.write(
        "envs/dev/kustomization.yaml",
        "namespace: dev\nresources:\n- ../../base\nsecretGenerator:\n- name: db\n  literals:\n  - password=hunter2\ngeneratorOptions:\n  disableNameSuffixHash: true\n",
    );
    r.write(
        "envs/prod/kustomization.yaml",
        "namespace: prod\nresources:\n- ../../base\n- pdb.yaml\n",
    );
    r.write(
        "envs/prod/pdb.yaml",
        "apiVersion: policy/v1\nkind: PodDisruptionBudget\nmetadata:\n  name: web\nspec:\n  minAvailable: 1\n",
    );
    r.write(
        "envs/qa/kustomization.yaml",
        "namespace: qa\nresources:\n- cm.yaml\n",
    );
    r.write(
        "envs/qa/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: flags\ndata:\n  beta: \"true\"\n",
    );
    let a = r.commit("a");
    scaffold(&r, "", "hi", 1);
    r.write(
        "envs/dev/kustomization.yaml",
        "namespace: dev\nresources:\n- ../../base\nsecretGenerator:\n- name: db\n  literals:\n  - password=correct-horse\ngeneratorOptions:\n  disableNameSuffixHash: true\n",
    );
    r.write(
        "envs/prod/kustomization.yaml",
        "namespace: prod\nresources:\n- ../../base\n- service.yaml\n",
    );
    r.remove("envs/prod/pdb.yaml");
    r.write(
        "envs/prod/service.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\nspec:\n  ports:\n  - port: 80\n",
    );
    let b = r.commit("b");
    (r, a, b)
}

fn labelled(text: &str, a: &str, b: &str) -> String {
    text.replace(&a[..12], "BASE").replace(&b[..12], "HEAD")
}

#[test]
fn preview_text_golden() {
    let (r, a, b) = golden_repo();
    let o = r.preview(&["--base", &a, "--head", &b]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let got = labelled(&stdout(&o), &a, &b);
    assert_eq!(got, golden("text.golden", &got), "got:\n{got}");
}

#[test]
fn preview_markdown_golden() {
    let (r, a, b) = golden_repo();
    let o = r.preview(&["--base", &a, "--head", &b, "-o", "markdown"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let got = labelled(&stdout(&o), &a, &b);
    assert_eq!(got, golden("markdown.golden", &got), "got:\n{got}");
}

#[test]
fn preview_hash_suffix_rename_is_one_change() {
    let (r, a, b) = golden_repo();
    let v = json(&r.preview(&["--base", &a, "--head", &b, "-o", "json", "dev"]));
    let env = &v["envs"][0];
    assert_eq!(env["env"], "dev");
    assert_eq!(
        (env["added"].as_u64(), env["removed"].as_u64()),
        (Some(0), Some(0))
    );
    let objects = env["objects"].as_array().unwrap();
    let cm = objects
        .iter()
        .find(|o| o["kind"] == "ConfigMap")
        .expect("the ConfigMap is one change");
    assert_eq!(cm["change"], "changed");
    let old = cm["renamedFrom"].as_str().unwrap();
    let new = cm["name"].as_str().unwrap();
    assert!(old.starts_with("app-config-") && new.starts_with("app-config-") && old != new);
    // The Deployment's reference follows as an ordinary change.
    let dep = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let diff = dep["diff"].as_str().unwrap();
    assert!(
        diff.contains(&format!("-            name: {old}")),
        "{diff}"
    );
    assert!(
        diff.contains(&format!("+            name: {new}")),
        "{diff}"
    );
}

#[test]
fn preview_secrets_masked_unless_asked() {
    let (r, a, b) = golden_repo();
    let masked = stdout(&r.preview(&["--base", &a, "--head", &b, "dev"]));
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    for secret in ["hunter2", "correct-horse"] {
        assert!(!masked.contains(&b64(secret)), "{masked}");
        assert!(!masked.contains(secret), "{masked}");
    }
    assert!(masked.contains("-  password: '*** (before)'"), "{masked}");
    assert!(masked.contains("+  password: '*** (after)'"), "{masked}");
    let shown = stdout(&r.preview(&["--base", &a, "--head", &b, "dev", "--show-secrets"]));
    assert!(shown.contains(&b64("correct-horse")), "{shown}");
}

#[test]
fn preview_env_added_and_removed() {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    let a = r.commit("a");
    r.remove("envs/prod");
    r.write(
        "envs/staging/kustomization.yaml",
        "namespace: staging\nresources:\n- ../../base\n",
    );
    let b = r.commit("b");
    let o = r.preview(&["--base", &a, "--head", &b, "-o", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    let states: Vec<(String, String, u64, u64)> = v["envs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["env"].as_str().unwrap().to_string(),
                e["state"].as_str().unwrap().to_string(),
                e["added"].as_u64().unwrap(),
                e["removed"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        states,
        [
            ("dev".to_string(), "unchanged".to_string(), 0, 0),
            ("prod".to_string(), "removed".to_string(), 0, 2),
            ("staging".to_string(), "added".to_string(), 2, 0),
        ]
    );
    let changed = r.preview(&["--base", &a, "--head", &b, "--changed-only"]);
    assert_eq!(code(&changed), 1);
    assert_eq!(stdout(&changed), "prod\nstaging\n");
    // Naming an env of neither revision is an error.
    let o = r.preview(&["--base", &a, "--head", &b, "qa"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("'qa' is an env of neither revision"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn preview_failing_side_exits_2_and_names_it() {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    r.write(
        "envs/dev/kustomization.yaml",
        "resources:\n- missing.yaml\n",
    );
    let a = r.commit("broken dev");
    scaffold(&r, "", "hello", 1);
    let b = r.commit("fixed dev");
    for (args, side) in [([&a, &b], "base"), ([&b, &a], "head")] {
        let o = r.preview(&["--base", args[0], "--head", args[1], "-o", "markdown"]);
        assert_eq!(code(&o), 2, "{}", stdout(&o));
        let err = stderr(&o);
        assert!(
            err.contains(&format!("env dev: the {side} (")) && err.contains("does not render"),
            "{err}"
        );
        assert!(err.contains("envs/dev"), "the error names the file: {err}");
        assert!(
            !err.contains("kubectl-gitops-rev-"),
            "no temp dir in: {err}"
        );
        let md = stdout(&o);
        assert!(md.contains(&format!(":x: {side} does not render")), "{md}");
        assert!(md.contains("| prod | unchanged |"), "{md}");
    }
}

#[test]
fn preview_uncommitted_changes_without_touching_the_work_tree() {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    r.commit("a");
    r.git(&["checkout", "-q", "-b", "feature"]);
    scaffold(&r, "", "hello", 2);
    r.commit("replicas 2");
    // Uncommitted, and one file staged: the head is the work tree as it is.
    scaffold(&r, "", "hello", 3);
    r.git(&["add", "base/deployment.yaml"]);
    r.write(
        "envs/prod/kustomization.yaml",
        "namespace: prod2\nresources:\n- ../../base\n",
    );
    let status = r.git(&["status", "--porcelain"]);
    let index = std::fs::read(r.top().join(".git/index")).unwrap();
    let o = r.preview(&["-o", "json"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let v = json(&o);
    // The default base is the merge base with main: replicas 1 -> 3.
    let dev = &v["envs"][0];
    assert_eq!(dev["changed"], 1, "{v}");
    let diff = dev["objects"][0]["diff"].as_str().unwrap();
    assert!(diff.contains("-  replicas: 1\n+  replicas: 3\n"), "{diff}");
    assert_eq!(v["envs"][1]["added"], 2, "{v}");
    assert_eq!(v["envs"][1]["removed"], 2, "{v}");
    assert_eq!(v["head"], "working tree");
    assert_eq!(r.git(&["status", "--porcelain"]), status);
    assert_eq!(std::fs::read(r.top().join(".git/index")).unwrap(), index);
    // Nothing left behind in the temp dir.
    assert_eq!(code(&r.preview(&["--base", "HEAD", "--head", "HEAD"])), 0);
}

#[test]
fn preview_repository_in_a_subdirectory() {
    let mut r = Repo::new();
    r.write("README.md", "app code lives here\n");
    scaffold(&r, "deploy/gitops/", "hello", 1);
    let a = r.commit("a");
    scaffold(&r, "deploy/gitops/", "hello", 4);
    let root = r.top().join("deploy/gitops");
    let root_arg = root.to_str().unwrap();
    let o = r.preview(&["--root", root_arg, "--base", &a, "--changed-only"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "dev\nprod\n");
    // From inside the subdirectory, with a relative --root.
    let o = r.preview_in(&root.join("envs"), &["--root", "..", "--base", &a, "dev"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stdout(&o).contains("+  replicas: 4"), "{}", stdout(&o));
    // An env added at the head only, when the root did not exist at the base.
    let empty = r.git(&[
        "commit-tree",
        "4b825dc642cb6eb9a060e54bf8d69288fbee4904",
        "-m",
        "empty",
    ]);
    let o = r.preview(&["--root", root_arg, "--base", &empty, "--changed-only"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(stdout(&o), "dev\nprod\n");
}

#[test]
fn preview_equals_render_of_a_checkout() {
    let (mut r, a, b) = golden_repo();
    // A third revision with a symlinked file inside the tree and an executable bit.
    r.write(
        "base/extra/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: extra\n",
    );
    std::os::unix::fs::symlink("extra/cm.yaml", r.top().join("base/linked.yaml")).unwrap();
    r.write(
        "base/kustomization.yaml",
        "resources:\n- deployment.yaml\n- linked.yaml\nconfigMapGenerator:\n- name: app-config\n  literals:\n  - GREETING=hey\n",
    );
    let c = r.commit("c");
    let trees = tempfile::tempdir().unwrap();
    for rev in [&a, &b, &c] {
        let dir = trees.path().join(&rev[..12]);
        r.git(&[
            "worktree",
            "add",
            "-q",
            "--detach",
            dir.to_str().unwrap(),
            rev,
        ]);
        // The revision read from Git objects equals its checkout object by object.
        let o = r.preview_in(&dir, &["--base", rev, "-o", "json"]);
        assert_eq!(code(&o), 0, "{rev}: {}{}", stdout(&o), stderr(&o));
        // And byte for byte: the objects of `render` of the checkout are the objects
        // preview saw (every unchanged count is the render's document count).
        for env in ["dev", "prod", "qa"] {
            let render = Command::new(BIN)
                .current_dir(&dir)
                .args(["render", env])
                .output()
                .unwrap();
            assert!(render.status.success(), "{}", stderr(&render));
            let docs = stdout(&render).matches("\n---\n").count() + 1;
            let v = json(&o);
            let e = v["envs"]
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["env"] == env)
                .unwrap();
            assert_eq!(e["unchanged"].as_u64(), Some(docs as u64), "{env} at {rev}");
        }
    }
    // The change between two revisions is the diff of their checkouts' renders.
    let o = r.preview(&["--base", &a, "--head", &c, "-o", "json", "prod"]);
    let v = json(&o);
    let render_at = |rev: &str| {
        let dir = trees.path().join(&rev[..12]);
        let out = Command::new(BIN)
            .current_dir(&dir)
            .args(["render", "prod", "-o", "json"])
            .output()
            .unwrap();
        let objs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        objs.as_array()
            .unwrap()
            .iter()
            .map(|o| {
                format!(
                    "{}/{}",
                    o["kind"].as_str().unwrap(),
                    o["metadata"]["name"].as_str().unwrap()
                )
            })
            .collect::<std::collections::BTreeSet<_>>()
    };
    let (before, after) = (render_at(&a), render_at(&c));
    let added: Vec<String> = v["envs"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["change"] == "added")
        .map(|o| {
            format!(
                "{}/{}",
                o["kind"].as_str().unwrap(),
                o["name"].as_str().unwrap()
            )
        })
        .collect();
    let expected: Vec<String> = after
        .difference(&before)
        .filter(|n| !n.starts_with("ConfigMap/app-config"))
        .cloned()
        .collect();
    assert_eq!(added, expected);
}

#[test]
fn preview_refuses_hostile_trees_and_revisions() {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    let good = r.commit("good");
    std::os::unix::fs::symlink("/etc/passwd", r.top().join("base/passwd.yaml")).unwrap();
    std::os::unix::fs::symlink("../..", r.top().join("base/up")).unwrap();
    let bad = r.commit("escaping symlinks");
    let o = r.preview(&["--base", &bad]);
    assert_eq!(code(&o), 2);
    let err = stderr(&o);
    assert!(
        err.contains("points outside the repository") && err.lines().count() == 1,
        "{err}"
    );
    assert!(
        err.contains("base/passwd.yaml") || err.contains("base/up"),
        "{err}"
    );
    // A revision that reads as an option is only ever a revision.
    let marker = r.tmp.path().join("written");
    for rev in [
        format!("--output={}", marker.display()),
        "-h".to_string(),
        "HEAD:base".to_string(),
        "no-such-branch".to_string(),
    ] {
        let o = r.preview(&[&format!("--base={rev}"), "--head", &good]);
        assert_eq!(code(&o), 2, "{rev}: {}", stdout(&o));
        assert!(
            stderr(&o).contains("is not a commit"),
            "{rev}: {}",
            stderr(&o)
        );
    }
    assert!(!marker.exists());
    // Outside any Git work tree.
    let plain = tempfile::tempdir().unwrap();
    let o = r.preview_in(plain.path(), &["--base", "HEAD"]);
    assert_eq!(code(&o), 2);
    assert!(
        stderr(&o).contains("not inside a Git work tree"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn preview_never_fetches_remote_bases() {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    let a = r.commit("a");
    r.write(
        "envs/dev/kustomization.yaml",
        "resources:\n- ../../base\n- https://github.com/kubernetes-sigs/kustomize//examples/helloWorld?ref=v5.5.0\n",
    );
    let o = r.preview(&["--base", &a, "dev"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("env dev: the head (working tree) does not render"),
        "{err}"
    );
    assert!(err.contains("envs/dev/kustomization.yaml"), "{err}");
    assert!(err.contains("not allowed"), "{err}");
}

#[test]
fn preview_reads_each_revisions_build_options() {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    // The base's binding lifts the load restriction, which a repository may not do.
    r.write(
        ".gitops/envs.yaml",
        "envs:\n  dev:\n    buildOptions: --load-restrictor LoadRestrictionsNone\n",
    );
    let a = r.commit("a");
    r.remove(".gitops/envs.yaml");
    let o = r.preview(&["--base", &a, "-o", "json"]);
    assert_eq!(code(&o), 2, "{}", stdout(&o));
    let err = stderr(&o);
    assert!(err.contains("env dev: the base ("), "{err}");
    assert!(
        err.contains(".gitops/envs.yaml") && err.contains("--load-restrictor"),
        "{err}"
    );
    assert!(
        !err.contains("kubectl-gitops-rev-"),
        "no temp dir in: {err}"
    );
    let v = json(&o);
    assert_eq!(v["envs"][0]["state"], "failed");
    assert_eq!(v["envs"][0]["side"], "base");
    assert_eq!(v["envs"][1]["state"], "unchanged");
}

#[test]
fn preview_leaves_no_temporary_tree_behind() {
    let mut r = Repo::new();
    scaffold(&r, "", "hello", 1);
    let a = r.commit("a");
    scaffold(&r, "", "hello", 2);
    let b = r.commit("b");
    let tmp = r.tmp.path().join("scratch");
    std::fs::create_dir_all(&tmp).unwrap();
    for args in [vec!["--base", &a, "--head", &b], vec!["--base", "HEAD~1"]] {
        let mut c = Command::new(BIN);
        c.current_dir(r.top())
            .arg("preview")
            .args(&args)
            .env("TMPDIR", &tmp);
        r.env(&mut c);
        let o = c.output().unwrap();
        assert_eq!(code(&o), 1, "{}", stderr(&o));
        let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
        assert!(left.is_empty(), "{left:?}");
    }
}

#[test]
fn preview_markdown_escapes_what_the_repository_names() {
    let mut r = Repo::new();
    let env = "x|<img src=y>";
    r.write(
        &format!("envs/{env}/kustomization.yaml"),
        "resources:\n- cm.yaml\n",
    );
    r.write(
        &format!("envs/{env}/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: |\n    ```\n    </details>\n",
    );
    let a = r.commit("a");
    r.write(
        &format!("envs/{env}/cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  k: |\n    ```\n    </details> <b>changed</b>\n",
    );
    let o = r.preview(&["--base", &a, "-o", "markdown"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let md = stdout(&o);
    assert!(!md.contains("<img"), "{md}");
    assert!(
        md.contains("| x&#124;&lt;img src=y&gt; | changed |"),
        "{md}"
    );
    // The diff's own ``` and </details> stay inside a longer fence.
    assert!(md.contains("````diff\n"), "{md}");
    assert_eq!(md.matches("<details>").count(), 1, "{md}");
}
