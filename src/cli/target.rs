//! Resolving what the user named: the repository root (flag, Git work tree, or current
//! directory), an env name (`<root>/envs/<name>`) or a directory, and the list of envs.

use super::CliError;
use std::path::{Path, PathBuf};

/// The repository root: `--root`, else the nearest ancestor with `.git`, else `.`.
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
