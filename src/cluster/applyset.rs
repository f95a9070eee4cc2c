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
                    TOOLING: format!("kubectl-gitops/v{}", env!("CARGO_PKG_VERSION")),
                    CONTAINS_GROUP_KINDS: gks.join(","),
                    ADDITIONAL_NAMESPACES: other.join(","),
                }
            }
        })
    }
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
        let parent = set.parent_ref();
        let cm =
            self.resolve(&parent.gvk())
                .await?
                .ok_or_else(|| super::ClusterError::UnknownKind {
                    kind: "ConfigMap".into(),
                    api_version: "v1".into(),
                    object: parent.to_string(),
                })?;
        let live = self.get(&cm, &parent).await?;
        Ok((cm, live))
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
