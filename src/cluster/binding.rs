//! Env bindings: `.gitops/envs.yaml` at the repository root says which cluster each env
//! belongs to, so nobody applies `prod` to the wrong cluster by accident.
//!
//! ```yaml
//! envs:
//!   dev:
//!     context: kind-dev                  # the kube context the env is applied with
//!     server: https://127.0.0.1:6443     # optional: the API server URL it must be
//!     namespace: dev                     # optional: default namespace (and inventory's)
//!     buildOptions: --enable-helm        # optional: kustomize build flags for this env
//!     cluster: dev-eu-1                  # optional: the agent (`--cluster-name`) that applies it
//! ```
//!
//! Without an explicit `--context`, diff, sync and status refuse to run when the current
//! context (or its server) contradicts the binding.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

pub const BINDING_FILE: &str = ".gitops/envs.yaml";

#[derive(Clone, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Binding {
    pub context: Option<String>,
    pub server: Option<String>,
    pub namespace: Option<String>,
    /// kustomize build flags every command renders this env with (`--enable-helm`,
    /// `--helm-kube-version`, `--helm-api-versions`, `--helm-debug`), as Argo CD's
    /// `kustomize.buildOptions`; `--helm-command` and `--load-restrictor` are refused
    /// here (a repository may not choose a program to run or lift the load restriction).
    #[serde(rename = "buildOptions")]
    pub build_options: Option<String>,
    /// The cluster the env belongs to, for `kubectl gitops agent`: only an agent started
    /// with `--cluster-name` equal to it applies the env (`--bound` selects it).
    pub cluster: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BindingFile {
    #[serde(default)]
    envs: BTreeMap<String, Binding>,
}

/// The binding of `env`, if the repository has one.
pub fn load(root: &Path, env: &str) -> Result<Option<Binding>, String> {
    Ok(load_all(root)?.remove(env))
}

/// Every binding of the repository at `root` (none without a binding file).
pub fn load_all(root: &Path) -> Result<BTreeMap<String, Binding>, String> {
    let path = root.join(BINDING_FILE);
    if !path.is_file() {
        return Ok(BTreeMap::new());
    }
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let value = crate::yaml::parse::parse_one(&text, crate::yaml::Dialect::Core)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let value = if value.is_null() {
        serde_json::json!({})
    } else {
        value
    };
    let file: BindingFile =
        serde_json::from_value(value).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(file.envs)
}

/// Checks that the connected cluster is the one the env is bound to.
pub fn check(env: &str, binding: &Binding, context: &str, server: &str) -> Result<(), String> {
    if let Some(expected) = &binding.context {
        if expected != context {
            return Err(format!(
                "env '{env}' is bound to context '{expected}' ({BINDING_FILE}), but the current context is '{context}'; switch contexts or pass --context {expected}"
            ));
        }
    }
    if let Some(expected) = &binding.server {
        if expected.trim_end_matches('/') != server.trim_end_matches('/') {
            return Err(format!(
                "env '{env}' is bound to the cluster at {expected} ({BINDING_FILE}), but context '{context}' points at {server}"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contradiction_is_refused() {
        let b = Binding {
            context: Some("prod".into()),
            server: Some("https://prod:6443/".into()),
            namespace: None,
            build_options: None,
            cluster: None,
        };
        assert!(check("prod", &b, "prod", "https://prod:6443").is_ok());
        assert!(check("prod", &b, "dev", "https://prod:6443").is_err());
        assert!(check("prod", &b, "prod", "https://dev:6443").is_err());
    }
}
