//! `set-image` through the binary: for each case an env is copied to a temp dir and edited
//! by `kubectl gitops set-image`; `kubectl kustomize` of the edited env must equal
//! `kubectl kustomize` of the env with the kustomization that `kustomize edit set image`
//! writes (images sorted by name, keys sorted, each argument replacing its entry), and the
//! edited file must differ from the original only in the intended lines.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      initContainers:
      - name: init
        image: busybox:1.36
      containers:
      - name: web
        image: nginx:1.0
      - name: api
        image: acme/api:0.1
      - name: cache
        image: redis:6
";

/// The env before the edit: comments, a two-space list style and a quoted tag.
const DEV: &str = "\
# dev environment
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base # shared manifests

namePrefix: dev-
images:
  # the frontend, mirrored
  - name: nginx
    newName: registry.example.com/web   # mirror
    newTag: \"1.0\"
  - name: acme/api
    newTag: v1
labels:
  - pairs:
      env: dev
";

/// What `kustomize edit set image` writes, given the images list it would produce.
fn kustomize_written(images: &str) -> String {
    format!(
        "apiVersion: kustomize.config.k8s.io/v1beta1\nimages:\n{images}kind: Kustomization\nlabels:\n- pairs:\n    env: dev\nnamePrefix: dev-\nresources:\n- ../../base\n"
    )
}

const DIGEST: &str = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3";

fn have_kubectl() -> bool {
    Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A repository `<tmp>/envs/dev` + `<tmp>/base` with `kustomization` as the env's file.
fn repo(tag: &str, kustomization: &str) -> PathBuf {
    let root =
        std::env::temp_dir().join(format!("gitops-it-set-image-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(root.join("base")).expect("mkdir base");
    std::fs::create_dir_all(root.join("envs/dev")).expect("mkdir env");
    std::fs::write(root.join("base/deployment.yaml"), DEPLOYMENT).expect("write");
    std::fs::write(
        root.join("base/kustomization.yaml"),
        "resources:\n- deployment.yaml\n",
    )
    .expect("write");
    std::fs::write(root.join("envs/dev/kustomization.yaml"), kustomization).expect("write");
    root
}

fn set_image(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .arg("--root")
        .arg(root)
        .arg("set-image")
        .args(args)
        .output()
        .expect("run kubectl-gitops")
}

fn kustomize(dir: &Path) -> String {
    let out = Command::new("kubectl")
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("run kubectl kustomize");
    assert!(
        out.status.success(),
        "kubectl kustomize {}: {}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Lines removed and added between two texts.
fn changed_lines(before: &str, after: &str) -> (Vec<String>, Vec<String>) {
    let diff = similar::TextDiff::from_lines(before, after);
    let (mut removed, mut added) = (Vec::new(), Vec::new());
    for change in diff.iter_all_changes() {
        let line = change.value().trim_end_matches('\n').to_string();
        match change.tag() {
            similar::ChangeTag::Delete => removed.push(line),
            similar::ChangeTag::Insert => added.push(line),
            similar::ChangeTag::Equal => {}
        }
    }
    (removed, added)
}

struct Case {
    tag: &'static str,
    before: &'static str,
    args: &'static [&'static str],
    /// The `images:` items `kustomize edit set image` would write.
    kustomize_images: String,
    removed: &'static [&'static str],
    added: Vec<String>,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            tag: "keep-name",
            before: DEV,
            args: &["dev", "nginx=*:1.25.3"],
            kustomize_images: "- name: acme/api\n  newTag: v1\n- name: nginx\n  newName: registry.example.com/web\n  newTag: 1.25.3\n".into(),
            removed: &["    newTag: \"1.0\""],
            // The value keeps the file's quoting style.
            added: vec!["    newTag: \"1.25.3\"".into()],
        },
        Case {
            tag: "tag-and-new-digest-entry",
            before: DEV,
            args: &["dev", "acme/api:v2", "busybox@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"],
            kustomize_images: format!("- name: acme/api\n  newTag: v2\n- digest: {DIGEST}\n  name: busybox\n- name: nginx\n  newName: registry.example.com/web\n  newTag: \"1.0\"\n"),
            removed: &["    newTag: v1"],
            added: vec!["    newTag: v2".into(), "  - name: busybox".into(), format!("    digest: {DIGEST}")],
        },
        Case {
            tag: "new-name-tag-digest",
            before: DEV,
            args: &["dev", "redis=mirror.local:5000/redis:7.2@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"],
            kustomize_images: format!("- name: acme/api\n  newTag: v1\n- name: nginx\n  newName: registry.example.com/web\n  newTag: \"1.0\"\n- digest: {DIGEST}\n  name: redis\n  newName: mirror.local:5000/redis\n  newTag: \"7.2\"\n"),
            removed: &[],
            added: vec![
                "  - name: redis".into(),
                "    newName: mirror.local:5000/redis".into(),
                "    newTag: \"7.2\"".into(),
                format!("    digest: {DIGEST}"),
            ],
        },
        Case {
            // kustomize: an argument replaces the entry, so a tag-only argument drops newName.
            tag: "tag-only-drops-new-name",
            before: DEV,
            args: &["dev", "nginx:1.26"],
            kustomize_images: "- name: acme/api\n  newTag: v1\n- name: nginx\n  newTag: \"1.26\"\n".into(),
            removed: &["    newName: registry.example.com/web   # mirror", "    newTag: \"1.0\""],
            added: vec!["    newTag: \"1.26\"".into()],
        },
        Case {
            tag: "rename-only",
            before: DEV,
            args: &["dev", "acme/api=ghcr.io/acme/api"],
            kustomize_images: "- name: acme/api\n  newName: ghcr.io/acme/api\n- name: nginx\n  newName: registry.example.com/web\n  newTag: \"1.0\"\n".into(),
            removed: &["    newTag: v1"],
            added: vec!["    newName: ghcr.io/acme/api".into()],
        },
        Case {
            tag: "create-images",
            before: "# no images yet\nresources:\n- ../../base\nnamePrefix: dev-\nlabels:\n- pairs:\n    env: dev\n",
            args: &["dev", "nginx:1.27", "acme/api=acme/api-next:3@sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"],
            kustomize_images: format!("- digest: {DIGEST}\n  name: acme/api\n  newName: acme/api-next\n  newTag: \"3\"\n- name: nginx\n  newTag: \"1.27\"\n"),
            removed: &[],
            added: vec![
                "images:".into(),
                "- name: nginx".into(),
                "  newTag: \"1.27\"".into(),
                "- name: acme/api".into(),
                "  newName: acme/api-next".into(),
                "  newTag: \"3\"".into(),
                format!("  digest: {DIGEST}"),
            ],
        },
    ]
}

#[test]
fn set_image_matches_kustomize_edit_set_image() {
    if !have_kubectl() {
        eprintln!("kubectl not on PATH: set-image cases not compared");
        return;
    }
    for case in cases() {
        let root = repo(case.tag, case.before);
        let env = root.join("envs/dev");
        let out = set_image(&root, case.args);
        assert!(
            out.status.success(),
            "{}: set-image failed: {}",
            case.tag,
            String::from_utf8_lossy(&out.stderr)
        );
        let edited = std::fs::read_to_string(env.join("kustomization.yaml")).expect("read");

        let (removed, added) = changed_lines(case.before, &edited);
        assert_eq!(
            removed, case.removed,
            "{}: removed lines\n{edited}",
            case.tag
        );
        assert_eq!(added, case.added, "{}: added lines\n{edited}", case.tag);

        let expected = repo(
            &format!("{}-expected", case.tag),
            &kustomize_written(&case.kustomize_images),
        );
        assert_eq!(
            kustomize(&env),
            kustomize(&expected.join("envs/dev")),
            "{}: the edited env renders differently from kustomize's edit\n{edited}",
            case.tag
        );
        let original = repo(&format!("{}-original", case.tag), case.before);
        assert_ne!(
            kustomize(&env),
            kustomize(&original.join("envs/dev")),
            "{}: the edit changed no image",
            case.tag
        );
        for dir in [&root, &expected, &original] {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

#[test]
fn bad_arguments_and_flow_lists_leave_the_file_untouched() {
    let flow = "resources:\n- ../../base\nimages: [{name: nginx, newTag: \"1\"}]\n";
    let runs: [(&str, &str, &[&str], &str); 5] = [
        ("bare-name", DEV, &["dev", "nginx"], "invalid image 'nginx'"),
        (
            "empty-tag",
            DEV,
            &["dev", "nginx:1", "api:"],
            "invalid image 'api:'",
        ),
        ("no-image", DEV, &["dev"], "no image given"),
        (
            "unknown-env",
            DEV,
            &["nope", "nginx:1"],
            "'nope' is neither a directory nor an env",
        ),
        ("flow", flow, &["dev", "nginx:2"], "flow-style"),
    ];
    for (tag, text, args, message) in runs {
        let root = repo(&format!("bad-{tag}"), text);
        let out = set_image(&root, args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{tag}: {stderr}");
        assert!(stderr.contains(message), "{tag}: {stderr}");
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "{tag}: one line: {stderr}"
        );
        let after =
            std::fs::read_to_string(root.join("envs/dev/kustomization.yaml")).expect("read");
        assert_eq!(after, text, "{tag}: file changed");
        let _ = std::fs::remove_dir_all(&root);
    }
}

#[test]
fn target_defaults_to_the_current_directory() {
    let root = repo("cwd", DEV);
    let env = root.join("envs/dev");
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .current_dir(&env)
        .args(["set-image", "acme/api:v3"])
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let edited = std::fs::read_to_string(env.join("kustomization.yaml")).expect("read");
    assert_eq!(
        changed_lines(DEV, &edited),
        (
            vec!["    newTag: v1".to_string()],
            vec!["    newTag: v3".to_string()]
        )
    );
    let _ = std::fs::remove_dir_all(&root);
}

/// A tiny tmpfs mounted for one test (we run as root in CI's sandbox); unmounted on drop.
struct TinyFs {
    dir: PathBuf,
}

impl TinyFs {
    /// `None` when mounting is not permitted here (not root, no tmpfs).
    fn mount(dir: &Path) -> Option<TinyFs> {
        std::fs::create_dir_all(dir).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(dir)
            .output()
            .is_ok_and(|o| o.status.success());
        ok.then(|| TinyFs {
            dir: dir.to_path_buf(),
        })
    }

    /// Writes a filler file until the file system is full.
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.dir.join("filler")).expect("filler");
        let block = [0u8; 512];
        while f.write_all(&block).and_then(|_| f.sync_all()).is_ok() {}
    }
}

impl Drop for TinyFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.dir).output();
    }
}

/// On a full disk the edit fails with one line (exit 2) and the kustomization is
/// byte-identical, with no temporary file left next to it.
#[test]
fn full_disk_leaves_the_kustomization_untouched() {
    let scratch = std::env::temp_dir().join(format!("gitops-setimage-full-{}", std::process::id()));
    let Some(fs) = TinyFs::mount(&scratch.join("mnt")) else {
        eprintln!("cannot mount a tmpfs here (not root?): skipped");
        let _ = std::fs::remove_dir_all(&scratch);
        return;
    };
    let env = fs.dir.join("env");
    std::fs::create_dir_all(&env).expect("mkdir");
    // Four pages minus a little: the edit needs a fifth page, which a full disk lacks.
    let head = "images:\n- name: nginx\n  newTag: \"1.0\"\n# ";
    let padding = "x".repeat(4 * 4096 - 8 - head.len() - 1);
    let original = format!("{head}{padding}\n");
    let file = env.join("kustomization.yaml");
    std::fs::write(&file, &original).expect("write");
    fs.fill();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .arg("set-image")
        .arg(&env)
        .arg("nginx=registry.example.com/mirror/nginx:1.27.3-alpine")
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let after = std::fs::read_to_string(&file).expect("read");
    let names: Vec<String> = std::fs::read_dir(&env)
        .expect("ls")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    drop(fs);
    let _ = std::fs::remove_dir_all(&scratch);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("kustomization.yaml"), "{stderr}");
    assert!(
        after == original,
        "the kustomization changed ({} bytes, was {})",
        after.len(),
        original.len()
    );
    assert_eq!(names, ["kustomization.yaml"]);
}
