//! Object calls: get, server-side apply (optionally dry-run), list by label selector,
//! delete. Objects are JSON values; errors name the object and the verb.

use super::{Cluster, ClusterError, Resolved, FIELD_MANAGER};
use crate::render::resource::{str_at, Gvk};
use kube::api::{Api, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use serde_json::Value;
use std::fmt;

/// Which object: kind, namespace (empty for cluster-scoped), name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub group: String,
    pub version: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectRef {
    pub fn of(obj: &Value) -> ObjectRef {
        let gvk = Gvk::from_api_version(str_at(obj, &["apiVersion"]), str_at(obj, &["kind"]));
        ObjectRef {
            group: gvk.group,
            version: gvk.version,
            kind: gvk.kind,
            namespace: str_at(obj, &["metadata", "namespace"]).to_string(),
            name: str_at(obj, &["metadata", "name"]).to_string(),
        }
    }

    pub fn gvk(&self) -> Gvk {
        Gvk {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
        }
    }

    /// `group/kind`, the identity across versions.
    pub fn group_kind(&self) -> String {
        if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        }
    }
}

impl fmt::Display for ObjectRef {
    /// `Kind/name` or `Kind/name in namespace ns`, with the group when there is one.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.group_kind(), self.name)?;
        if !self.namespace.is_empty() {
            write!(f, " in namespace {}", self.namespace)?;
        }
        Ok(())
    }
}

impl Cluster {
    fn api(&self, resolved: &Resolved, namespace: &str) -> Api<DynamicObject> {
        if resolved.namespaced {
            Api::namespaced_with(self.client.clone(), namespace, &resolved.resource)
        } else {
            Api::all_with(self.client.clone(), &resolved.resource)
        }
    }

    fn err(&self, e: kube::Error, verb: &str, obj: &ObjectRef) -> ClusterError {
        ClusterError::from_kube(e, verb, &obj.to_string(), &self.server)
    }

    /// The live object, or `None` when it does not exist.
    pub async fn get(
        &self,
        resolved: &Resolved,
        obj: &ObjectRef,
    ) -> Result<Option<Value>, ClusterError> {
        tracing::debug!("GET {obj}");
        let api = self.api(resolved, &obj.namespace);
        match self.limiter.send(|| api.get_opt(&obj.name)).await {
            Ok(Some(o)) => Ok(Some(to_value(o))),
            Ok(None) => Ok(None),
            Err(e) => Err(self.err(e, "get", obj)),
        }
    }

    /// Server-side apply of `desired` as [`FIELD_MANAGER`].
    pub async fn apply(
        &self,
        resolved: &Resolved,
        desired: &Value,
        dry_run: bool,
        force: bool,
    ) -> Result<Value, ClusterError> {
        let obj = ObjectRef::of(desired);
        let mut params = PatchParams::apply(FIELD_MANAGER);
        if force {
            params = params.force();
        }
        if dry_run {
            params = params.dry_run();
        }
        tracing::debug!("APPLY{} {obj}", if dry_run { " (dry run)" } else { "" });
        let api = self.api(resolved, &obj.namespace);
        let patch = Patch::Apply(desired);
        self.limiter
            .send(|| api.patch(&obj.name, &params, &patch))
            .await
            .map(to_value)
            .map_err(|e| self.err(e, if dry_run { "dry-run apply" } else { "apply" }, &obj))
    }

    /// Objects of one kind carrying `label_selector` in `namespace` (cluster-wide for a
    /// cluster-scoped kind), metadata only (apiVersion, kind, metadata): enough to know
    /// what exists.
    pub async fn list(
        &self,
        resolved: &Resolved,
        namespace: &str,
        label_selector: &str,
    ) -> Result<Vec<Value>, ClusterError> {
        tracing::debug!(
            "LIST (metadata) {} in {namespace:?} -l {label_selector}",
            resolved.resource.kind
        );
        let api = self.api(resolved, namespace);
        let what = ObjectRef {
            group: resolved.resource.group.clone(),
            version: resolved.resource.version.clone(),
            kind: resolved.resource.kind.clone(),
            namespace: namespace.to_string(),
            name: format!("(label {label_selector})"),
        };
        let params = ListParams::default().labels(label_selector);
        self.limiter
            .send(|| api.list_metadata(&params))
            .await
            .map(|l| {
                l.items
                    .into_iter()
                    .map(|o| {
                        serde_json::json!({
                            "apiVersion": resolved.resource.api_version,
                            "kind": resolved.resource.kind,
                            "metadata": serde_json::to_value(o.metadata).unwrap_or(Value::Null),
                        })
                    })
                    .collect()
            })
            .map_err(|e| self.err(e, "list", &what))
    }

    /// Every object of one kind in `namespace` (all of them for cluster-scoped kinds).
    pub async fn list_in(
        &self,
        resolved: &Resolved,
        namespace: &str,
    ) -> Result<Vec<Value>, ClusterError> {
        tracing::debug!("LIST {} in {namespace:?}", resolved.resource.kind);
        let api = self.api(resolved, namespace);
        let what = ObjectRef {
            group: resolved.resource.group.clone(),
            version: resolved.resource.version.clone(),
            kind: resolved.resource.kind.clone(),
            namespace: namespace.to_string(),
            name: "(all)".into(),
        };
        let params = ListParams::default();
        self.limiter
            .send(|| api.list(&params))
            .await
            .map(|l| {
                l.items
                    .into_iter()
                    .map(|mut o| {
                        if o.types.is_none() {
                            o.types = Some(kube::api::TypeMeta {
                                api_version: resolved.resource.api_version.clone(),
                                kind: resolved.resource.kind.clone(),
                            });
                        }
                        to_value(o)
                    })
                    .collect()
            })
            .map_err(|e| self.err(e, "list", &what))
    }

    /// Deletes an object (background propagation); a missing object is not an error.
    pub async fn delete(&self, resolved: &Resolved, obj: &ObjectRef) -> Result<(), ClusterError> {
        tracing::info!("DELETE {obj}");
        let api = self.api(resolved, &obj.namespace);
        let params = DeleteParams::background();
        match self.limiter.send(|| api.delete(&obj.name, &params)).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(e) => Err(self.err(e, "delete", obj)),
        }
    }
}

impl Cluster {
    /// Deletes exactly the object with this uid (a precondition: an object recreated
    /// under the same name since it was read is left alone); gone already is fine.
    pub async fn delete_exact(
        &self,
        resolved: &Resolved,
        obj: &ObjectRef,
        uid: &str,
    ) -> Result<(), ClusterError> {
        tracing::info!("DELETE {obj} (uid {uid})");
        let mut params = DeleteParams::background();
        if !uid.is_empty() {
            params = params.preconditions(kube::api::Preconditions {
                uid: Some(uid.to_string()),
                resource_version: None,
            });
        }
        let api = self.api(resolved, &obj.namespace);
        match self.limiter.send(|| api.delete(&obj.name, &params)).await {
            Ok(_) => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 404 => Ok(()),
            Err(kube::Error::Api(s)) if s.code == 409 => {
                tracing::info!("not pruning {obj}: it was recreated since it was read");
                Ok(())
            }
            Err(e) => Err(self.err(e, "delete", obj)),
        }
    }
}

fn to_value(o: DynamicObject) -> Value {
    serde_json::to_value(o).unwrap_or(Value::Null)
}

/// The effective namespace of a desired object: its own, else the default; none for
/// cluster-scoped kinds.
pub fn place(obj: &mut Value, resolved: &Resolved, default_namespace: &str) {
    if !resolved.namespaced {
        if let Some(Value::Object(meta)) = obj.get_mut("metadata") {
            meta.remove("namespace");
        }
        return;
    }
    if str_at(obj, &["metadata", "namespace"]).is_empty() {
        crate::render::resource::set_at(
            obj,
            &["metadata", "namespace"],
            Value::String(default_namespace.to_string()),
        );
    }
}
