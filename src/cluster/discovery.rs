//! Discovery, cached per run: a kind (group, version, kind) resolves to its API resource
//! and scope, or to nothing when the cluster does not serve it (a CRD not applied yet).

use super::{Cluster, ClusterError};
use crate::render::resource::Gvk;
use kube::discovery::{ApiCapabilities, ApiResource, Scope};

#[derive(Clone, Debug)]
pub struct Resolved {
    pub resource: ApiResource,
    pub namespaced: bool,
}

impl Resolved {
    /// A kind the cluster does not serve yet (its CRD is in the same render), with the
    /// scope that CRD declares.
    pub fn unserved(obj: &super::objects::ObjectRef, namespaced: bool) -> Resolved {
        let api_version = if obj.group.is_empty() {
            obj.version.clone()
        } else {
            format!("{}/{}", obj.group, obj.version)
        };
        Resolved {
            resource: ApiResource {
                group: obj.group.clone(),
                version: obj.version.clone(),
                api_version,
                kind: obj.kind.clone(),
                plural: String::new(),
            },
            namespaced,
        }
    }

    /// The namespace requests about `obj` go to: its own for a namespaced kind, none
    /// for a cluster-scoped one.
    pub fn namespace_of(&self, obj: &super::objects::ObjectRef) -> String {
        if self.namespaced {
            obj.namespace.clone()
        } else {
            String::new()
        }
    }
}

impl Cluster {
    /// Resolves a kind; `Ok(None)` when the cluster does not know it.
    pub async fn resolve(&self, gvk: &Gvk) -> Result<Option<Resolved>, ClusterError> {
        if let Some(hit) = self.discovery.lock().await.get(gvk) {
            return Ok(hit.clone());
        }
        tracing::debug!("DISCOVER {}", gvk.api_version());
        let kgvk = kube::api::GroupVersionKind::gvk(&gvk.group, &gvk.version, &gvk.kind);
        let resolved = match self
            .limiter
            .send(|| kube::discovery::pinned_kind(&self.client, &kgvk))
            .await
        {
            Ok((resource, caps)) => Some(to_resolved(resource, caps)),
            Err(kube::Error::Api(s)) if s.code == 404 => None,
            Err(kube::Error::Discovery(_)) => None,
            Err(e) => {
                return Err(ClusterError::from_kube(
                    e,
                    "discover",
                    &format!("{} ({})", gvk.kind, gvk.api_version()),
                    &self.server,
                ))
            }
        };
        self.discovery
            .lock()
            .await
            .insert(gvk.clone(), resolved.clone());
        Ok(resolved)
    }

    /// Forgets what discovery said (after CRDs were applied).
    pub async fn forget_discovery(&self) {
        self.discovery.lock().await.clear();
    }
}

fn to_resolved(resource: ApiResource, caps: ApiCapabilities) -> Resolved {
    Resolved {
        resource,
        namespaced: caps.scope == Scope::Namespaced,
    }
}

impl Cluster {
    /// Resolves a group and kind at the group's preferred version (for inventory entries
    /// that record only `Kind.group`).
    pub async fn resolve_group_kind(
        &self,
        group: &str,
        kind: &str,
    ) -> Result<Option<Resolved>, ClusterError> {
        if group.is_empty() {
            return self
                .resolve(&Gvk {
                    group: String::new(),
                    version: "v1".to_string(),
                    kind: kind.to_string(),
                })
                .await;
        }
        tracing::debug!("DISCOVER group {group}");
        let api_group = match self
            .limiter
            .send(|| kube::discovery::group(&self.client, group))
            .await
        {
            Ok(g) => g,
            Err(kube::Error::Api(s)) if s.code == 404 => return Ok(None),
            Err(kube::Error::Discovery(_)) => return Ok(None),
            Err(e) => return Err(ClusterError::from_kube(e, "discover", group, &self.server)),
        };
        Ok(api_group
            .recommended_resources()
            .into_iter()
            .find(|(r, _)| r.kind == kind)
            .map(|(r, caps)| to_resolved(r, caps)))
    }
}
