//! Permission checks before acting: `SelfSubjectAccessReview` asks the API server whether
//! the current user may perform a verb on a resource in a namespace, so a sync that would
//! be denied halfway is refused before it changes anything.

use super::{Cluster, ClusterError, Resolved};
use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

impl Cluster {
    /// Whether the current user may `verb` objects of this kind in `namespace` (empty for
    /// cluster-scoped kinds).
    pub async fn can_i(
        &self,
        verb: &str,
        resolved: &Resolved,
        namespace: &str,
    ) -> Result<bool, ClusterError> {
        let review = SelfSubjectAccessReview {
            spec: SelfSubjectAccessReviewSpec {
                resource_attributes: Some(ResourceAttributes {
                    group: Some(resolved.resource.group.clone()),
                    resource: Some(resolved.resource.plural.clone()),
                    verb: Some(verb.to_string()),
                    namespace: (resolved.namespaced && !namespace.is_empty())
                        .then(|| namespace.to_string()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            ..Default::default()
        };
        let api: Api<SelfSubjectAccessReview> = Api::all(self.client.clone());
        tracing::debug!("CAN-I {verb} {} in {namespace:?}", resolved.resource.plural);
        let params = PostParams::default();
        match self.limiter.send(|| api.create(&params, &review)).await {
            Ok(r) => Ok(r.status.is_some_and(|s| s.allowed)),
            Err(e) => Err(ClusterError::from_kube(
                e,
                "create",
                "SelfSubjectAccessReview",
                &self.server,
            )),
        }
    }
}
