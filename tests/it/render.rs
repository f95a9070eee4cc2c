//! Differential render tests: every `testdata/render/<case>/` is built by our binary and
//! compared byte for byte with the golden that `kubectl kustomize` produced
//! (`scripts/update-goldens`). Error cases (the reference fails) must fail with exit
//! code 2, print nothing on stdout, and name what `error-mentions` lists. A second test
//! re-derives every golden from the reference when kubectl is on PATH. Both tools run
//! with `<repo>/target/tools/bin` first on PATH, where `scripts/install-helm` puts the
//! helm the `--enable-helm` cases need; without a helm those cases fail, never skip.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `<repo>/target/tools/bin`, where `scripts/install-helm` builds helm.
fn tools_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/bin")
}

/// PATH for the processes the tests start: the tools directory, then the inherited PATH.
pub(crate) fn test_path() -> OsString {
    let inherited = std::env::var_os("PATH").unwrap_or_default();
    let dirs = std::iter::once(tools_bin()).chain(std::env::split_paths(&inherited));
    std::env::join_paths(dirs).expect("PATH entries hold no separator")
}

/// A command with the test PATH.
fn command(program: &str) -> Command {
    let mut c = Command::new(program);
    c.env("PATH", test_path());
    c
}

/// Whether the test PATH has an executable `helm`.
fn helm_on_path() -> bool {
    std::env::split_paths(&test_path()).any(|dir| {
        std::fs::metadata(dir.join("helm")).is_ok_and(|m| {
            use std::os::unix::fs::PermissionsExt;
            m.is_file() && m.permissions().mode() & 0o111 != 0
        })
    })
}

/// A case that runs helm (`--enable-helm` in its flags) needs one on the test PATH.
fn needs_missing_helm(case: &Path) -> Option<String> {
    if flags(case).iter().any(|f| f == "--enable-helm") && !helm_on_path() {
        return Some(format!(
            "needs helm: none in {} or on PATH; run scripts/install-helm (scripts/test does)",
            tools_bin().display()
        ));
    }
    None
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/render");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("testdata/render exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn build_dir(case: &Path) -> PathBuf {
    match std::fs::read_to_string(case.join("target")) {
        Ok(t) => case.join(t.trim()),
        Err(_) => case.to_path_buf(),
    }
}

fn flags(case: &Path) -> Vec<String> {
    std::fs::read_to_string(case.join("flags"))
        .map(|f| f.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

fn name(case: &Path) -> String {
    case.file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .to_string()
}

/// Checks one case against its golden; `Err` describes the difference.
fn check(case: &Path) -> Result<(), String> {
    if let Some(missing) = needs_missing_helm(case) {
        return Err(missing);
    }
    let out = command(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .arg("render")
        .arg(build_dir(case))
        .args(flags(case))
        .output()
        .map_err(|e| format!("cannot run kubectl-gitops: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if let Ok(expected) = std::fs::read_to_string(case.join("expected.yaml")) {
        if !out.status.success() {
            return Err(format!(
                "failed where the reference succeeds: {}",
                stderr.trim()
            ));
        }
        if stdout != expected {
            return Err(first_difference(&expected, &stdout));
        }
        return Ok(());
    }
    if !case.join("expected.err").exists() {
        return Err("no golden: run scripts/update-goldens".to_string());
    }
    if out.status.code() != Some(2) {
        return Err(format!(
            "the reference fails but we exited {:?}; stdout starts: {}",
            out.status.code(),
            stdout.lines().next().unwrap_or("")
        ));
    }
    if !stdout.is_empty() {
        return Err("an error case printed to stdout".to_string());
    }
    let mentions = std::fs::read_to_string(case.join("error-mentions")).unwrap_or_default();
    for m in mentions.lines().map(str::trim).filter(|m| !m.is_empty()) {
        if !stderr.contains(m) {
            return Err(format!(
                "our error does not mention '{m}': {}",
                stderr.trim()
            ));
        }
    }
    if stderr.trim().is_empty() {
        return Err("no error message".to_string());
    }
    Ok(())
}

fn first_difference(expected: &str, actual: &str) -> String {
    let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
    for i in 0..e.len().max(a.len()) {
        let (el, al) = (e.get(i), a.get(i));
        if el != al {
            return format!(
                "line {}: expected {:?}, got {:?}",
                i + 1,
                el.copied().unwrap_or("<end>"),
                al.copied().unwrap_or("<end>")
            );
        }
    }
    "differs only in the final newline".to_string()
}

#[test]
fn render_matches_kustomize_goldens() {
    let cases = cases();
    assert!(
        cases.len() >= 120,
        "expected at least 120 cases, found {}",
        cases.len()
    );
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|c| check(c).err().map(|e| format!("{}: {e}", name(c))))
        .collect();
    let passed = cases.len() - failures.len();
    eprintln!("render cases: {passed} passed, {} failed", failures.len());
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from kustomize:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The goldens must be what the reference prints today (never our own output); where the
/// reference warns about deprecated fields, we print the same warnings.
#[test]
fn goldens_match_reference() {
    if command("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("kubectl not on PATH: goldens not re-derived");
        return;
    }
    let mut stale = Vec::new();
    let mut warned = Vec::new();
    let mut no_helm = Vec::new();
    for case in cases() {
        if let Some(missing) = needs_missing_helm(&case) {
            no_helm.push(format!("{}: {missing}", name(&case)));
            continue;
        }
        let abs = build_dir(&case).canonicalize().expect("case dir");
        let out = command("kubectl")
            .arg("kustomize")
            .args(flags(&case))
            .arg(&abs)
            .output()
            .expect("kubectl runs");
        let golden = std::fs::read(case.join("expected.yaml")).ok();
        let ok = match golden {
            Some(g) => out.status.success() && out.stdout == g,
            None => !out.status.success() && case.join("expected.err").exists(),
        };
        if !ok {
            stale.push(name(&case));
        }
        // Deprecation warnings: the same lines, in the same order, on stderr.
        if out.status.success() {
            let ours = command(env!("CARGO_BIN_EXE_kubectl-gitops"))
                .arg("render")
                .arg(&abs)
                .args(flags(&case))
                .output()
                .expect("our binary runs");
            if warnings(&ours.stderr) != warnings(&out.stderr) {
                warned.push(name(&case));
            }
        }
    }
    assert!(no_helm.is_empty(), "{}", no_helm.join("\n"));
    assert!(
        stale.is_empty(),
        "goldens differ from `kubectl kustomize` (run scripts/update-goldens): {stale:?}"
    );
    assert!(
        warned.is_empty(),
        "deprecation warnings differ from kustomize's: {warned:?}"
    );
}

fn warnings(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("# Warning"))
        .map(str::to_string)
        .collect()
}
