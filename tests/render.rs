//! Differential render tests, one test per case: every `testdata/render/<case>/` is built
//! by our binary and compared byte for byte with the golden that `kubectl kustomize`
//! produced (`scripts/update-goldens`), and the golden itself is re-derived from the
//! reference. `cargo test --test render <case>` runs one case; a failure names it.
//!
//! Per case, two tests: `matches_kustomize::<case>` (our output is the golden; error cases,
//! where the reference fails, must fail with exit code 2, print nothing on stdout, and
//! name what `error-mentions` lists) and `golden_is_reference::<case>` (the golden is what
//! `kubectl kustomize` prints today, never our own output, and our deprecation warnings are
//! its warnings). Both tools run with `<repo>/target/tools/bin` first on PATH, where
//! `scripts/install-helm` puts the helm the `--enable-helm` cases need; without a helm
//! those cases fail, never skip.

use libtest_mimic::{Arguments, Failed, Trial};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `<repo>/target/tools/bin`, where `scripts/install-helm` builds helm.
fn tools_bin() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/bin")
}

/// PATH for the processes the tests start: the tools directory, then the inherited PATH.
fn test_path() -> OsString {
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

/// The golden of `case` is what the reference prints today; where the reference warns
/// about deprecated fields, we print the same warnings.
fn check_golden(case: &Path) -> Result<(), String> {
    if let Some(missing) = needs_missing_helm(case) {
        return Err(missing);
    }
    let abs = build_dir(case)
        .canonicalize()
        .map_err(|e| format!("case dir: {e}"))?;
    let out = command("kubectl")
        .arg("kustomize")
        .args(flags(case))
        .arg(&abs)
        .output()
        .map_err(|e| format!("cannot run kubectl: {e}"))?;
    let golden = std::fs::read(case.join("expected.yaml")).ok();
    let fresh = match golden {
        Some(g) => out.status.success() && out.stdout == g,
        None => !out.status.success() && case.join("expected.err").exists(),
    };
    if !fresh {
        return Err(
            "the golden differs from `kubectl kustomize` (run scripts/update-goldens)".into(),
        );
    }
    if out.status.success() {
        let ours = command(env!("CARGO_BIN_EXE_kubectl-gitops"))
            .arg("render")
            .arg(&abs)
            .args(flags(case))
            .output()
            .map_err(|e| format!("cannot run kubectl-gitops: {e}"))?;
        if warnings(&ours.stderr) != warnings(&out.stderr) {
            return Err(format!(
                "deprecation warnings differ: kustomize {:?}, ours {:?}",
                warnings(&out.stderr),
                warnings(&ours.stderr)
            ));
        }
    }
    Ok(())
}

fn warnings(stderr: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stderr)
        .lines()
        .filter(|l| l.starts_with("# Warning"))
        .map(str::to_string)
        .collect()
}

fn main() {
    let args = Arguments::from_args();
    let cases = cases();
    assert!(
        cases.len() >= 120,
        "expected at least 120 cases, found {}",
        cases.len()
    );
    let kubectl = command("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok();
    let mut trials = Vec::with_capacity(cases.len() * 2);
    for case in cases {
        let n = name(&case);
        let c = case.clone();
        trials.push(Trial::test(format!("matches_kustomize::{n}"), move || {
            check(&c).map_err(Failed::from)
        }));
        trials.push(
            Trial::test(format!("golden_is_reference::{n}"), move || {
                check_golden(&case).map_err(Failed::from)
            })
            .with_ignored_flag(!kubectl),
        );
    }
    libtest_mimic::run(&args, trials).exit();
}
