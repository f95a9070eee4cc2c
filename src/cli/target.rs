//! Resolving what the user named: an env name (`<root>/envs/<name>`) or a directory, the
//! repository root it belongs to (whose `.gitops/` holds the binding, ignore rules and
//! build options), and the list of envs.
//!
//! The root of a directory TARGET comes from the target, not from where the command runs
//! (`cd / && kubectl gitops sync /repo/envs/prod` must honour `/repo`'s binding):
//! `--root`; else the top of the Git work tree holding the target; else the nearest
//! directory at or above the target holding `.gitops/` or `envs/`; else the
//! current-directory rules ([`root`]). A directory anyone may write to (such as `/tmp`)
//! is never taken for a root by the search upwards.

use super::CliError;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// The repository root when no directory was named: `--root`, else the nearest ancestor
/// of the current directory with `.git`, else the current directory.
pub fn root(flag: Option<&Path>) -> Result<PathBuf, CliError> {
    if let Some(r) = flag {
        return Ok(r.to_path_buf());
    }
    let cwd = std::env::current_dir()?;
    Ok(cwd
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(cwd))
}

/// The repository root of the directory `dir` (see the module documentation).
pub fn root_of(flag: Option<&Path>, dir: &Path) -> Result<PathBuf, CliError> {
    if let Some(r) = flag {
        return Ok(r.to_path_buf());
    }
    let Ok(real) = dir.canonicalize() else {
        return root(None);
    };
    let candidates = || real.ancestors().filter(|d| !writable_by_anyone(d));
    let found = candidates()
        .find(|d| d.join(".git").exists())
        .or_else(|| candidates().find(|d| d.join(".gitops").is_dir() || d.join("envs").is_dir()));
    match found {
        Some(d) => Ok(d.to_path_buf()),
        None => root(None),
    }
}

/// World-writable directories (`/tmp`) are nobody's repository.
fn writable_by_anyone(dir: &Path) -> bool {
    std::fs::metadata(dir).is_ok_and(|m| m.permissions().mode() & 0o002 != 0)
}

/// The directory TARGET names and the root it belongs to: a directory (default the
/// current one) with [`root_of`], else an env of [`root`].
pub fn resolve_with_root(
    target: Option<&str>,
    root_flag: Option<&Path>,
) -> Result<(PathBuf, PathBuf), CliError> {
    let dir = resolve(target, root_flag)?;
    let named_dir = target.is_none_or(|t| Path::new(t).is_dir());
    let root = if named_dir {
        root_of(root_flag, &dir)?
    } else {
        root(root_flag)?
    };
    Ok((dir, root))
}

/// A directory for TARGET: an existing directory path wins, else an env name.
pub fn resolve(target: Option<&str>, root_flag: Option<&Path>) -> Result<PathBuf, CliError> {
    let Some(t) = target else {
        return Ok(PathBuf::from("."));
    };
    let as_path = Path::new(t);
    if as_path.is_dir() {
        return Ok(as_path.to_path_buf());
    }
    let root = root(root_flag)?;
    let env_dir = root.join("envs").join(t);
    if env_dir.is_dir() {
        return Ok(env_dir);
    }
    let known = envs(&root);
    Err(CliError::Usage(format!(
        "'{t}' is neither a directory nor an env of {} (envs: {})",
        root.display(),
        if known.is_empty() {
            "none".to_string()
        } else {
            known.join(", ")
        }
    )))
}

/// Names of `<root>/envs/*/` that hold a kustomization file, sorted.
pub fn envs(root: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(root.join("envs")) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| {
            crate::render::kustomization::FILE_NAMES
                .iter()
                .any(|f| e.path().join(f).is_file())
        })
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    names
}
