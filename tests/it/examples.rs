//! The shipped example and release plumbing: every kustomization under `examples/`
//! renders byte-identically to `kubectl kustomize`; `plugin.yaml` points at exactly the
//! artifacts `release.yml` builds, and `scripts/update-plugin-manifest` keeps it so; the
//! example app's Go tests pass; the workflows parse and call scripts that exist.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const KUSTOMIZATION_FILES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];
const REPO_URL: &str = "https://github.com/kubectl-gitops/kubectl-gitops";

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    let path = repo().join(rel);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn parse(rel: &str) -> Value {
    kubectl_gitops::yaml::parse::parse_one(&read(rel), kubectl_gitops::yaml::Dialect::Core)
        .unwrap_or_else(|e| panic!("{rel} is not YAML: {e}"))
}

fn on_path(tool: &str, version_args: &[&str]) -> bool {
    Command::new(tool)
        .args(version_args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every directory under `dir` holding a kustomization file, sorted.
fn kustomization_dirs(dir: &Path, found: &mut Vec<PathBuf>) {
    if KUSTOMIZATION_FILES.iter().any(|f| dir.join(f).is_file()) {
        found.push(dir.to_path_buf());
    }
    let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    children.sort();
    for child in children {
        kustomization_dirs(&child, found);
    }
}

fn first_difference(expected: &str, actual: &str) -> String {
    for (n, (e, a)) in expected.lines().zip(actual.lines()).enumerate() {
        if e != a {
            return format!("line {}: expected {e:?}, got {a:?}", n + 1);
        }
    }
    format!(
        "lengths differ: expected {} lines, got {}",
        expected.lines().count(),
        actual.lines().count()
    )
}

#[test]
fn example_kustomizations_render_like_kubectl_kustomize() {
    let mut dirs = Vec::new();
    kustomization_dirs(&repo().join("examples"), &mut dirs);
    let rel: Vec<String> = dirs
        .iter()
        .map(|d| d.strip_prefix(repo()).unwrap_or(d).display().to_string())
        .collect();
    for expected in [
        "examples/hello-gitops/base",
        "examples/hello-gitops/envs/dev",
        "examples/hello-gitops/envs/test",
        "examples/hello-gitops/deploy/gitops-agent",
    ] {
        assert!(
            rel.iter().any(|r| r == expected),
            "{expected} missing: {rel:?}"
        );
    }
    if !on_path("kubectl", &["version", "--client"]) {
        eprintln!("kubectl not on PATH: example renders not compared with the reference");
        return;
    }
    let mut failures = Vec::new();
    for (dir, name) in dirs.iter().zip(&rel) {
        let reference = Command::new("kubectl")
            .arg("kustomize")
            .arg(dir)
            .output()
            .expect("kubectl runs");
        if !reference.status.success() {
            failures.push(format!(
                "{name}: kubectl kustomize fails: {}",
                String::from_utf8_lossy(&reference.stderr).trim()
            ));
            continue;
        }
        let ours = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
            .arg("render")
            .arg(dir)
            .output()
            .expect("kubectl-gitops runs");
        if !ours.status.success() {
            failures.push(format!(
                "{name}: render fails: {}",
                String::from_utf8_lossy(&ours.stderr).trim()
            ));
            continue;
        }
        if ours.stdout != reference.stdout {
            failures.push(format!(
                "{name}: {}",
                first_difference(
                    &String::from_utf8_lossy(&reference.stdout),
                    &String::from_utf8_lossy(&ours.stdout)
                )
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The example's envs are namespace-scoped (the agent's Roles cover exactly them), and
/// its binding file names every env.
#[test]
fn example_envs_fit_the_agent_rbac_and_binding() {
    let binding = parse("examples/hello-gitops/.gitops/envs.yaml");
    let agent = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .args(["render", "-o", "json"])
        .arg(repo().join("examples/hello-gitops/deploy/gitops-agent"))
        .output()
        .expect("kubectl-gitops runs");
    assert!(
        agent.status.success(),
        "{}",
        String::from_utf8_lossy(&agent.stderr)
    );
    let agent: Vec<Value> = serde_json::from_slice(&agent.stdout).expect("render -o json");
    for env in ["dev", "test"] {
        let namespace = format!("hello-{env}");
        assert_eq!(binding["envs"][env]["namespace"], namespace.as_str());
        let out = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
            .args(["render", "-o", "json"])
            .arg(repo().join(format!("examples/hello-gitops/envs/{env}")))
            .output()
            .expect("kubectl-gitops runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let objects: Vec<Value> = serde_json::from_slice(&out.stdout).expect("render -o json");
        let role = agent
            .iter()
            .find(|o| o["kind"] == "Role" && o["metadata"]["namespace"] == namespace.as_str())
            .unwrap_or_else(|| panic!("no Role in {namespace}"));
        let allowed = |group: &str, resource: &str| {
            role["rules"].as_array().into_iter().flatten().any(|r| {
                let has = |field: &str, v: &str| {
                    r[field]
                        .as_array()
                        .is_some_and(|a| a.iter().any(|x| x == v || x == "*"))
                };
                has("apiGroups", group)
                    && has("resources", resource)
                    && ["get", "list", "create", "patch", "delete"]
                        .iter()
                        .all(|verb| has("verbs", verb))
            })
        };
        assert!(
            allowed("", "configmaps"),
            "{namespace}: inventory ConfigMap"
        );
        for o in &objects {
            assert_eq!(
                o["metadata"]["namespace"],
                namespace.as_str(),
                "{env}: {} {} is not in {namespace}",
                o["kind"],
                o["metadata"]["name"]
            );
            let api_version = o["apiVersion"].as_str().unwrap_or_default();
            let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
            let resource = format!("{}s", o["kind"].as_str().unwrap_or_default().to_lowercase());
            let resource = resource.replace("sss", "sses").replace("ys", "ies");
            assert!(
                allowed(group, &resource),
                "{env}: the agent's Role in {namespace} does not cover {group}/{resource}"
            );
        }
    }
}

/// The `(os, arch, tar name pattern)` of every build `release.yml` runs.
fn release_builds() -> (Vec<(String, String)>, String) {
    let workflow = parse(".github/workflows/release.yml");
    let build = &workflow["jobs"]["build"];
    let pattern = build["env"]["ARTIFACT"]
        .as_str()
        .expect("jobs.build.env.ARTIFACT")
        .to_string();
    let builds = build["strategy"]["matrix"]["include"]
        .as_array()
        .expect("jobs.build.strategy.matrix.include")
        .iter()
        .map(|m| {
            (
                m["os"].as_str().expect("matrix os").to_string(),
                m["arch"].as_str().expect("matrix arch").to_string(),
            )
        })
        .collect();
    (builds, pattern)
}

#[test]
fn plugin_manifest_points_at_the_release_artifacts() {
    let release_text = read(".github/workflows/release.yml");
    let (mut builds, pattern) = release_builds();
    assert_eq!(
        pattern,
        "kubectl-gitops_${{ github.ref_name }}_${{ matrix.os }}_${{ matrix.arch }}.tar.gz"
    );
    assert!(
        release_text.contains(r#"tar -C stage -czf "dist/$ARTIFACT" kubectl-gitops LICENSE"#),
        "release.yml tars the binary and LICENSE under the artifact name"
    );
    assert!(repo().join("LICENSE").is_file(), "LICENSE is packaged");
    builds.sort();

    let manifest = parse("plugin.yaml");
    let version = manifest["spec"]["version"].as_str().expect("spec.version");
    let mut platforms = Vec::new();
    for p in manifest["spec"]["platforms"].as_array().expect("platforms") {
        let labels = &p["selector"]["matchLabels"];
        let os = labels["os"].as_str().expect("os").to_string();
        let arch = labels["arch"].as_str().expect("arch").to_string();
        let artifact = pattern
            .replace("${{ github.ref_name }}", version)
            .replace("${{ matrix.os }}", &os)
            .replace("${{ matrix.arch }}", &arch);
        assert_eq!(
            p["uri"].as_str().expect("uri"),
            format!("{REPO_URL}/releases/download/{version}/{artifact}")
        );
        let sha = p["sha256"].as_str().expect("sha256");
        assert!(
            sha.len() == 64 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{os}/{arch}: sha256 {sha}"
        );
        // The binary the tarball holds at its root (`bin`) is the one release.yml packs.
        assert_eq!(p["bin"], "kubectl-gitops");
        platforms.push((os, arch));
    }
    platforms.sort();
    assert_eq!(
        platforms, builds,
        "plugin.yaml platforms vs release.yml builds"
    );
    assert!(read("Cargo.toml").contains(&format!("repository = \"{REPO_URL}\"")));
}

#[test]
fn update_plugin_manifest_writes_versions_uris_and_checksums() {
    if !on_path("python3", &["--version"]) {
        eprintln!("python3 not on PATH: scripts/update-plugin-manifest not run");
        return;
    }
    let (builds, pattern) = release_builds();
    let tmp = std::env::temp_dir().join(format!("gitops-plugin-manifest-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).expect("temp dir");
    let manifest = tmp.join("plugin.yaml");
    std::fs::copy(repo().join("plugin.yaml"), &manifest).expect("copy plugin.yaml");
    let tag = "v9.8.7";
    let checksum = |i: usize| format!("{:064x}", i + 1);
    let sums: String = builds
        .iter()
        .enumerate()
        .map(|(i, (os, arch))| {
            let artifact = pattern
                .replace("${{ github.ref_name }}", tag)
                .replace("${{ matrix.os }}", os)
                .replace("${{ matrix.arch }}", arch);
            format!("{}  {artifact}\n", checksum(i))
        })
        .collect();
    let checksums = tmp.join("checksums.txt");
    std::fs::write(&checksums, &sums).expect("write checksums");
    let run = |sums_file: &Path| {
        Command::new(repo().join("scripts/update-plugin-manifest"))
            .arg(tag)
            .arg(sums_file)
            .arg("--manifest")
            .arg(&manifest)
            .output()
            .expect("scripts/update-plugin-manifest runs")
    };

    // A missing platform: refused, file untouched.
    let partial = tmp.join("partial.txt");
    std::fs::write(
        &partial,
        sums.lines().skip(1).collect::<Vec<_>>().join("\n"),
    )
    .expect("write");
    let before = std::fs::read(&manifest).expect("read");
    let out = run(&partial);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(std::fs::read(&manifest).expect("read"), before);

    let out = run(&checksums);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&manifest).expect("read");
    let updated =
        kubectl_gitops::yaml::parse::parse_one(&text, kubectl_gitops::yaml::Dialect::Core)
            .expect("updated plugin.yaml is YAML");
    assert_eq!(updated["spec"]["version"], tag);
    for p in updated["spec"]["platforms"].as_array().expect("platforms") {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().expect("os"),
            labels["arch"].as_str().expect("arch"),
        );
        let i = builds
            .iter()
            .position(|(o, a)| o == os && a == arch)
            .expect("platform built");
        assert_eq!(
            p["uri"].as_str().expect("uri"),
            format!("{REPO_URL}/releases/download/{tag}/kubectl-gitops_{tag}_{os}_{arch}.tar.gz")
        );
        assert_eq!(p["sha256"].as_str().expect("sha256"), checksum(i));
    }
    // Everything but version, uris and sha256s is left as it was.
    let original = read("plugin.yaml");
    for (a, b) in original.lines().zip(text.lines()) {
        let changes = ["  version: ", "    uri: ", "    sha256: "];
        if !changes.iter().any(|c| a.starts_with(c)) {
            assert_eq!(a, b);
        }
    }
    assert_eq!(original.lines().count(), text.lines().count());
    let _ = std::fs::remove_dir_all(&tmp);
}

#[test]
fn example_app_go_tests_pass() {
    if !on_path("go", &["version"]) {
        eprintln!("go not on PATH: examples/hello-gitops/app tests not run");
        return;
    }
    let out = Command::new("go")
        .args(["test", "./..."])
        .current_dir(repo().join("examples/hello-gitops/app"))
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "-mod=mod")
        .env("CGO_ENABLED", "0")
        .output()
        .expect("go runs");
    assert!(
        out.status.success(),
        "go test failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Repository paths a workflow's `run:` scripts call (scripts/…, bench/*.py, testplane/…).
fn called_paths(run: &str) -> Vec<String> {
    let re = regex::Regex::new(
        r"(?:^|[\s;&|(])((?:scripts|testplane)/[\w.-]+|bench/[\w-]+\.py|\.ci/run)",
    )
    .expect("regex");
    re.captures_iter(run).map(|c| c[1].to_string()).collect()
}

#[test]
fn workflows_parse_and_call_existing_scripts() {
    let mut called = Vec::new();
    for name in ["ci.yml", "release.yml", "hello-gitops.yml"] {
        let rel = format!(".github/workflows/{name}");
        let w = parse(&rel);
        assert!(w["name"].is_string(), "{rel}: name");
        assert!(w["on"].is_object(), "{rel}: `on` triggers");
        let jobs = w["jobs"]
            .as_object()
            .unwrap_or_else(|| panic!("{rel}: jobs"));
        assert!(!jobs.is_empty(), "{rel}: jobs");
        for (job_name, job) in jobs {
            assert!(job["runs-on"].is_string(), "{rel}: {job_name}: runs-on");
            let steps = job["steps"]
                .as_array()
                .unwrap_or_else(|| panic!("{rel}: {job_name}: steps"));
            for step in steps {
                if let Some(uses) = step["uses"].as_str() {
                    assert!(
                        uses.contains('@'),
                        "{rel}: {job_name}: `{uses}` names no version or ref"
                    );
                }
                if let Some(run) = step["run"].as_str() {
                    let dir = step["working-directory"].as_str().unwrap_or("");
                    for path in called_paths(run) {
                        called.push((rel.clone(), repo().join(dir).join(path)));
                    }
                }
                for key in ["go-version-file", "cache-dependency-path"] {
                    if let Some(file) = step["with"][key].as_str() {
                        assert!(repo().join(file).is_file(), "{rel}: {key} {file}");
                    }
                }
                if let Some(context) = step["with"]["context"].as_str() {
                    if !context.starts_with("dist") {
                        assert!(
                            repo().join(context).join("Dockerfile").is_file(),
                            "{rel}: docker context {context} has no Dockerfile"
                        );
                    }
                }
            }
        }
    }
    // A workflow that runs .ci/run calls what .ci/run calls.
    let ci_run = repo().join(".ci/run");
    if called.iter().any(|(_, p)| *p == ci_run) {
        for path in called_paths(&read(".ci/run")) {
            called.push((".ci/run".to_string(), repo().join(path)));
        }
    }
    let names: Vec<String> = called
        .iter()
        .map(|(_, p)| p.strip_prefix(repo()).unwrap_or(p).display().to_string())
        .collect();
    for expected in [
        "scripts/test",
        "bench/render.py",
        "scripts/update-plugin-manifest",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not called: {names:?}"
        );
    }
    for (workflow, path) in called {
        if path.ends_with("bench/gen_repo.py") {
            continue; // optional: the workflow checks for it and skips the smoke without it
        }
        assert!(
            path.is_file(),
            "{workflow}: calls {} which does not exist",
            path.display()
        );
        #[cfg(unix)]
        if path.extension().is_none_or(|e| e != "py") {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path)
                .map(|m| m.permissions().mode())
                .unwrap_or(0);
            assert!(
                mode & 0o111 != 0,
                "{workflow}: {} is not executable",
                path.display()
            );
        }
    }
}

#[test]
fn called_paths_finds_scripts_in_run_lines() {
    assert_eq!(
        called_paths("cargo build\nscripts/test --locked\nif [ -f bench/gen_repo.py ]; then python3 bench/render.py --smoke; fi"),
        ["scripts/test", "bench/gen_repo.py", "bench/render.py"]
    );
}
