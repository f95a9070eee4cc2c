//! ApplySet inventory (KEP-3659), the way `kubectl apply --applyset` records it, so that
//! kubectl and other tools can see what we own: a parent ConfigMap per env carries the
//! id label, the tooling annotation and the group-kinds of its members; every member is
//! labelled `applyset.kubernetes.io/part-of=<id>`. Only members are ever pruned.

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

pub const PART_OF: &str = "applyset.kubernetes.io/part-of";
pub const ID: &str = "applyset.kubernetes.io/id";
pub const TOOLING: &str = "applyset.kubernetes.io/tooling";
pub const CONTAINS_GROUP_KINDS: &str = "applyset.kubernetes.io/contains-group-kinds";
pub const ADDITIONAL_NAMESPACES: &str = "applyset.kubernetes.io/additional-namespaces";
/// Where the env comes from: the repository's identity and the env's path in it.
pub const SOURCE_REPO: &str = "kubectl-gitops.io/source-repo";
pub const SOURCE_PATH: &str = "kubectl-gitops.io/source-path";
/// The prefix of [`TOOLING`] values we write.
pub const TOOLING_PREFIX: &str = "kubectl-gitops/";

/// Which Git source an inventory belongs to: a repository identity (its normalized
/// `origin` URL, else its local path) and the env's directory relative to the root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Source {
    pub repo: String,
    pub path: String,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (path {})", self.repo, self.path)
    }
}

/// The parent object of one env's inventory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplySet {
    pub name: String,
    pub namespace: String,
}

impl ApplySet {
    /// The parent for `env`: ConfigMap `gitops-<env>` in `namespace`.
    pub fn for_env(env: &str, namespace: &str) -> ApplySet {
        ApplySet {
            name: format!("gitops-{env}"),
            namespace: namespace.to_string(),
        }
    }

    /// The id: `applyset-` + base64url(sha256("<name>.<namespace>.<kind>.<group>")) + `-v1`.
    pub fn id(&self) -> String {
        let digest = Sha256::digest(format!("{}.{}.ConfigMap.", self.name, self.namespace));
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest);
        format!("applyset-{b64}-v1")
    }

    /// Which object the parent is.
    pub fn parent_ref(&self) -> super::ObjectRef {
        super::ObjectRef {
            group: String::new(),
            version: "v1".into(),
            kind: "ConfigMap".into(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    pub fn selector(&self) -> String {
        format!("{PART_OF}={}", self.id())
    }

    /// Labels an object as a member.
    pub fn label(&self, obj: &mut Value) {
        let id = self.id();
        if let Some(meta) = obj.get_mut("metadata").and_then(Value::as_object_mut) {
            let labels = meta
                .entry("labels")
                .or_insert_with(|| Value::Object(Default::default()));
            if !labels.is_object() {
                *labels = Value::Object(Default::default());
            }
            if let Some(l) = labels.as_object_mut() {
                l.insert(PART_OF.into(), Value::String(id));
            }
        }
    }

    /// The parent object recording `group_kinds` (`Kind.group`, sorted) and the member
    /// namespaces other than the parent's.
    pub fn parent(&self, group_kinds: &[String], namespaces: &[String]) -> Value {
        let mut gks = group_kinds.to_vec();
        gks.sort();
        gks.dedup();
        let mut other: Vec<&String> = namespaces
            .iter()
            .filter(|n| !n.is_empty() && **n != self.namespace)
            .collect();
        other.sort();
        other.dedup();
        let other: Vec<&str> = other.iter().map(|s| s.as_str()).collect();
        json!({
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": self.name,
                "namespace": self.namespace,
                "labels": { ID: self.id() },
                "annotations": {
                    TOOLING: format!("{TOOLING_PREFIX}v{}", env!("CARGO_PKG_VERSION")),
                    CONTAINS_GROUP_KINDS: gks.join(","),
                    ADDITIONAL_NAMESPACES: other.join(","),
                }
            }
        })
    }
}

/// What an inventory covers: the group-kinds (group, kind) of its members and the
/// namespaces namespaced members may live in (the parent's own included).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Scope {
    pub group_kinds: std::collections::BTreeSet<(String, String)>,
    pub namespaces: std::collections::BTreeSet<String>,
}

impl Scope {
    /// What a live parent records.
    pub fn of(parent: &Value) -> Scope {
        Scope {
            group_kinds: recorded_group_kinds(parent)
                .into_iter()
                .map(|gk| match gk.split_once('.') {
                    Some((k, g)) => (g.to_string(), k.to_string()),
                    None => (String::new(), gk),
                })
                .collect(),
            namespaces: recorded_namespaces(parent).into_iter().collect(),
        }
    }

    /// What `objects` (prepared: namespaces placed) need, with the parent's namespace.
    pub fn of_objects<'a>(set: &ApplySet, objects: impl Iterator<Item = &'a Value>) -> Scope {
        let mut scope = Scope::default();
        scope.namespaces.insert(set.namespace.clone());
        for o in objects {
            let r = super::ObjectRef::of(o);
            if !r.namespace.is_empty() {
                scope.namespaces.insert(r.namespace);
            }
            scope.group_kinds.insert((r.group, r.kind));
        }
        scope
    }

    pub fn union(&self, other: &Scope) -> Scope {
        Scope {
            group_kinds: self
                .group_kinds
                .union(&other.group_kinds)
                .cloned()
                .collect(),
            namespaces: self.namespaces.union(&other.namespaces).cloned().collect(),
        }
    }

    /// `Kind.group` strings, as the parent records them.
    pub fn group_kind_names(&self) -> Vec<String> {
        self.group_kinds
            .iter()
            .map(|(g, k)| {
                if g.is_empty() {
                    k.clone()
                } else {
                    format!("{k}.{g}")
                }
            })
            .collect()
    }
}

/// Refuses an env whose Git objects include a ConfigMap with the name of its inventory
/// parent: syncing it would overwrite the inventory (or the inventory would empty it).
pub fn check_collision<'a>(
    set: &ApplySet,
    objects: impl Iterator<Item = &'a Value>,
) -> Result<(), String> {
    for o in objects {
        let r = super::ObjectRef::of(o);
        if r.group.is_empty()
            && r.kind == "ConfigMap"
            && r.name == set.name
            && r.namespace == set.namespace
        {
            return Err(format!(
                "ConfigMap {} in namespace {} from Git has the name of this env's inventory parent; rename it, or sync the env with another inventory namespace (-n)",
                set.name, set.namespace
            ));
        }
    }
    Ok(())
}

/// The namespaces a live parent covers: its own plus `additional-namespaces`.
pub fn recorded_namespaces(parent: &Value) -> Vec<String> {
    let own = crate::render::resource::str_at(parent, &["metadata", "namespace"]);
    let mut out = vec![own.to_string()];
    out.extend(
        crate::render::resource::str_at(
            parent,
            &["metadata", "annotations", ADDITIONAL_NAMESPACES],
        )
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string),
    );
    out.sort();
    out.dedup();
    out
}

/// Whether a sync from `source` may use the live object where `set`'s parent belongs.
/// An absent parent, or ours from the same source, is fine; a parent of ours from before
/// sources were recorded is adopted. Anything else is refused: another source's inventory
/// (unless `adopt`), or a ConfigMap that is no inventory of ours at all (never).
pub fn check_owner(
    set: &ApplySet,
    live: Option<&Value>,
    source: &Source,
    adopt: bool,
) -> Result<(), String> {
    use crate::render::resource::str_at;
    let Some(live) = live else { return Ok(()) };
    let what = format!("ConfigMap {} in namespace {}", set.name, set.namespace);
    let tooling = str_at(live, &["metadata", "annotations", TOOLING]);
    if str_at(live, &["metadata", "labels", ID]) != set.id() || !tooling.starts_with(TOOLING_PREFIX)
    {
        return Err(format!(
            "{what} exists and is not an inventory of kubectl-gitops; refusing to take it over (rename it, or sync the env into another namespace with -n)"
        ));
    }
    let recorded = Source {
        repo: str_at(live, &["metadata", "annotations", SOURCE_REPO]).to_string(),
        path: str_at(live, &["metadata", "annotations", SOURCE_PATH]).to_string(),
    };
    if recorded.repo.is_empty() || recorded == *source || adopt {
        return Ok(());
    }
    Err(format!(
        "the inventory {what} belongs to {recorded}, not to {source}; refusing to adopt or prune it (pass --adopt to take it over)"
    ))
}

/// The group-kinds (`Kind.group`) a live parent records.
pub fn recorded_group_kinds(parent: &Value) -> Vec<String> {
    crate::render::resource::str_at(parent, &["metadata", "annotations", CONTAINS_GROUP_KINDS])
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

impl super::Cluster {
    /// The live parent of `set` (`None` before the first sync), with its resolved kind.
    pub async fn applyset_parent(
        &self,
        set: &ApplySet,
    ) -> Result<(super::Resolved, Option<Value>), super::ClusterError> {
        let cm = self.applyset_parent_kind(set).await?;
        let live = self.get(&cm, &set.parent_ref()).await?;
        Ok((cm, live))
    }

    /// The parent's kind as the cluster serves it (from the discovery cache after the
    /// first call): for writing the parent or asking about it without reading it.
    pub async fn applyset_parent_kind(
        &self,
        set: &ApplySet,
    ) -> Result<super::Resolved, super::ClusterError> {
        let parent = set.parent_ref();
        self.resolve(&parent.gvk())
            .await?
            .ok_or_else(|| super::ClusterError::UnknownKind {
                kind: "ConfigMap".into(),
                api_version: "v1".into(),
                object: parent.to_string(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_follows_kep_3659() {
        let set = ApplySet::for_env("dev", "default");
        let id = set.id();
        assert!(id.starts_with("applyset-") && id.ends_with("-v1"));
        assert_eq!(id.len(), "applyset-".len() + 43 + "-v1".len());
        assert!(!id.contains('='));
    }
}
