//! Build metadata about provenance, as kustomize records it whenever the top-level
//! kustomization has any `buildMetadata`: where each resource came from (a file, or
//! the generator that made it: `config.kubernetes.io/origin`) and which transformers
//! ran over it, in order (`alpha.config.kubernetes.io/transformations`). Paths are
//! relative to the top-level directory, or to the repository root with `repo`/`ref`
//! for resources and configuration read from a git base.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The annotation listing the transformers that ran over a resource.
pub const TRANSFORMATIONS_ANNOTATION: &str = "alpha.config.kubernetes.io/transformations";
/// The annotation naming where a resource came from.
pub const ORIGIN_ANNOTATION: &str = "config.kubernetes.io/origin";

/// A git repository a base was cloned from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Repo {
    /// What was cloned (kustomize's clone spec: host and repository path).
    pub url: String,
    /// `?ref=`, empty when none was given.
    pub git_ref: String,
}

/// Where the kustomization being built lives: the directory origin paths are relative
/// to (the top-level one, or the root of a clone) and the repository, if any.
#[derive(Clone, Debug)]
pub struct Place {
    pub dir: PathBuf,
    pub repo: Option<Arc<Repo>>,
}

/// The plugin configuration a generator or transformer came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfiguredBy {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

/// One origin: a resource file (`path`), or a generator/transformer configuration
/// (`configured_in` a file, `configured_by` a plugin).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin {
    pub path: String,
    pub repo: Option<Arc<Repo>>,
    pub configured_in: String,
    pub configured_by: Option<ConfiguredBy>,
}

impl Place {
    /// The origin of resources read from `file`.
    pub fn file(&self, file: &Path) -> Arc<Origin> {
        Arc::new(Origin {
            path: relative(file, &self.dir),
            repo: self.repo.clone(),
            configured_in: String::new(),
            configured_by: None,
        })
    }

    /// The origin of a builtin generator or transformer configured by the fields of
    /// the kustomization file `kfile`.
    pub fn builtin(&self, kfile: &Path, kind: &str) -> Arc<Origin> {
        Arc::new(Origin {
            path: String::new(),
            repo: self.repo.clone(),
            configured_in: relative(kfile, &self.dir),
            configured_by: Some(ConfiguredBy {
                api_version: "builtin".to_string(),
                kind: kind.to_string(),
                name: String::new(),
                namespace: String::new(),
            }),
        })
    }
}

impl Origin {
    /// The origin of a generator or transformer whose configuration object `config`
    /// was read from `self` (kustomize's origin of a custom plugin).
    pub fn of_plugin(&self, config: &serde_json::Value) -> Arc<Origin> {
        let at = |path: &[&str]| super::resource::str_at(config, path).to_string();
        Arc::new(Origin {
            path: String::new(),
            repo: self.repo.clone(),
            configured_in: self.path.clone(),
            configured_by: Some(ConfiguredBy {
                api_version: at(&["apiVersion"]),
                kind: at(&["kind"]),
                name: at(&["metadata", "name"]),
                namespace: at(&["metadata", "namespace"]),
            }),
        })
    }

    /// The `config.kubernetes.io/origin` annotation text.
    pub fn annotation(&self) -> String {
        let mut out = String::new();
        self.write(&mut out, "", "");
        out
    }

    /// Writes the fields kustomize marshals (empty ones left out), the first line
    /// prefixed with `first` and the others with `rest`.
    fn write(&self, out: &mut String, first: &str, rest: &str) {
        let mut lines: Vec<(usize, &str, String)> = Vec::new();
        let mut field = |depth: usize, key: &'static str, value: &str| {
            if !value.is_empty() {
                lines.push((depth, key, scalar(value)));
            }
        };
        field(0, "path", &self.path);
        if let Some(repo) = &self.repo {
            field(0, "repo", &repo.url);
            field(0, "ref", &repo.git_ref);
        }
        field(0, "configuredIn", &self.configured_in);
        if let Some(by) = &self.configured_by {
            lines.push((0, "configuredBy", String::new()));
            for (key, value) in [
                ("apiVersion", &by.api_version),
                ("kind", &by.kind),
                ("name", &by.name),
                ("namespace", &by.namespace),
            ] {
                if !value.is_empty() {
                    lines.push((1, key, scalar(value)));
                }
            }
        }
        for (i, (depth, key, value)) in lines.iter().enumerate() {
            out.push_str(if i == 0 { first } else { rest });
            out.push_str(&"  ".repeat(*depth));
            out.push_str(key);
            out.push(':');
            if !value.is_empty() {
                out.push(' ');
                out.push_str(value);
            }
            out.push('\n');
        }
    }
}

/// The `alpha.config.kubernetes.io/transformations` annotation text: a YAML list of
/// the transformers' origins, oldest first.
pub fn transformations_annotation(list: &[Arc<Origin>]) -> String {
    let mut out = String::new();
    for origin in list {
        origin.write(&mut out, "- ", "  ");
    }
    out
}

/// A string as a YAML scalar (plain unless it must be quoted).
fn scalar(s: &str) -> String {
    let text = crate::yaml::emit::to_yaml(&serde_json::Value::String(s.to_string()));
    text.trim_end_matches('\n').to_string()
}

/// Go's `filepath.Join(a, b)` for relative slash paths: joined, then cleaned lexically
/// (`.` dropped, `x/..` removed, leading `..` kept).
pub fn clean_join(a: &str, b: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in a.split('/').chain(b.split('/')) {
        match part {
            "" | "." => {}
            ".." if parts.last().is_some_and(|p| *p != "..") => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// `path` relative to `base` (both absolute), with `..` where needed.
pub fn relative(path: &Path, base: &Path) -> String {
    let p: Vec<_> = path.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), b.len() - common).collect();
    parts.extend(
        p[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().to_string()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(repo: Option<Repo>) -> Place {
        Place {
            dir: PathBuf::from("/top"),
            repo: repo.map(Arc::new),
        }
    }

    #[test]
    fn file_origin_is_relative_to_the_top() {
        let o = place(None).file(Path::new("/base/sub/deploy.yaml"));
        assert_eq!(o.annotation(), "path: ../base/sub/deploy.yaml\n");
    }

    #[test]
    fn transformations_list_repo_and_plugin() {
        let repo = Repo {
            url: "file:///r.git".into(),
            git_ref: "v1".into(),
        };
        let remote = place(Some(repo)).builtin(
            Path::new("/top/base/kustomization.yaml"),
            "PrefixTransformer",
        );
        let local =
            place(None).builtin(Path::new("/top/kustomization.yaml"), "NamespaceTransformer");
        assert_eq!(
            transformations_annotation(&[remote, local]),
            "- repo: file:///r.git\n  ref: v1\n  configuredIn: base/kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: PrefixTransformer\n\
             - configuredIn: kustomization.yaml\n  configuredBy:\n    apiVersion: builtin\n    kind: NamespaceTransformer\n"
        );
    }

    #[test]
    fn plugin_origin_names_the_configuration() {
        let file = place(None).file(Path::new("/top/t.yaml"));
        let config = serde_json::json!({"apiVersion": "builtin", "kind": "PrefixSuffixTransformer", "metadata": {"name": "p"}});
        assert_eq!(
            file.of_plugin(&config).annotation(),
            "configuredIn: t.yaml\nconfiguredBy:\n  apiVersion: builtin\n  kind: PrefixSuffixTransformer\n  name: p\n"
        );
    }
}
