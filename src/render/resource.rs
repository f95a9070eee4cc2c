//! One resource during a build: its object, and the identity history kustomize tracks
//! (previous ids, recorded name prefixes and suffixes, whether a generator asked for a
//! hash suffix). Ids follow kustomize's `ResId`: group, version, kind, name, namespace,
//! where `""` and `default` are the same namespace and cluster-scoped kinds have none.

use serde_json::{Map, Value};
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

thread_local! {
    /// The custom `openapi` schema of the build running on this thread, whose `paths`
    /// may declare custom kinds cluster-scoped (kustomize keeps it process-global).
    static CUSTOM_SCHEMA: RefCell<Option<Arc<super::openapi::CustomSchema>>> =
        const { RefCell::new(None) };
}

/// While alive, kinds the custom schema declares cluster-scoped count as such on this
/// thread (built-in kinds keep their scope, as in kustomize).
pub struct CustomScopeGuard(());

impl CustomScopeGuard {
    pub fn install(schema: Arc<super::openapi::CustomSchema>) -> CustomScopeGuard {
        CUSTOM_SCHEMA.with(|c| *c.borrow_mut() = Some(schema));
        CustomScopeGuard(())
    }
}

impl Drop for CustomScopeGuard {
    fn drop(&mut self) {
        CUSTOM_SCHEMA.with(|c| *c.borrow_mut() = None);
    }
}

/// The sentinel kustomize uses as the effective namespace of cluster-scoped kinds.
pub const CLUSTER_SCOPE: &str = "_non_namespaceable_";

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Gvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl Gvk {
    pub fn from_api_version(api_version: &str, kind: &str) -> Gvk {
        let (group, version) = match api_version.rsplit_once('/') {
            Some((g, v)) => (g.to_string(), v.to_string()),
            None => (String::new(), api_version.to_string()),
        };
        Gvk {
            group,
            version,
            kind: kind.to_string(),
        }
    }

    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.clone()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    /// Cluster scope by the Kubernetes 1.21.2 schema kustomize embeds (exact group and
    /// version); other kinds are namespaced unless a custom `openapi` schema in force
    /// declares them cluster-scoped.
    pub fn is_cluster_scoped(&self) -> bool {
        is_cluster_scoped(&self.group, &self.version, &self.kind)
            || CUSTOM_SCHEMA.with(|c| {
                c.borrow().as_ref().is_some_and(|s| {
                    !is_builtin_kind(&self.group, &self.version, &self.kind)
                        && s.declares_cluster_scoped(&self.api_version(), &self.kind)
                })
            })
    }
}

const V1_V1BETA1: &[&str] = &["v1", "v1beta1"];

/// The kinds of the Kubernetes 1.21.2 schema kustomize embeds, by group and versions (its
/// `precomputedIsNamespaceScoped` table).
const BUILTIN_KINDS: &[(&str, &[&str], &[&str])] = &[
    (
        "admissionregistration.k8s.io",
        V1_V1BETA1,
        &[
            "MutatingWebhookConfiguration",
            "ValidatingWebhookConfiguration",
        ],
    ),
    (
        "apiextensions.k8s.io",
        V1_V1BETA1,
        &["CustomResourceDefinition"],
    ),
    ("apiregistration.k8s.io", V1_V1BETA1, &["APIService"]),
    (
        "apps",
        &["v1"],
        &[
            "ControllerRevision",
            "DaemonSet",
            "Deployment",
            "ReplicaSet",
            "StatefulSet",
        ],
    ),
    (
        "autoscaling",
        &["v1"],
        &["HorizontalPodAutoscaler", "Scale"],
    ),
    (
        "autoscaling",
        &["v2beta1", "v2beta2"],
        &["HorizontalPodAutoscaler"],
    ),
    ("batch", &["v1"], &["CronJob", "Job"]),
    ("batch", &["v1beta1"], &["CronJob"]),
    (
        "certificates.k8s.io",
        V1_V1BETA1,
        &["CertificateSigningRequest"],
    ),
    ("coordination.k8s.io", V1_V1BETA1, &["Lease"]),
    ("discovery.k8s.io", V1_V1BETA1, &["EndpointSlice"]),
    ("events.k8s.io", V1_V1BETA1, &["Event"]),
    ("extensions", &["v1beta1"], &["Ingress"]),
    (
        "flowcontrol.apiserver.k8s.io",
        &["v1beta1"],
        &["FlowSchema", "PriorityLevelConfiguration"],
    ),
    (
        "networking.k8s.io",
        &["v1"],
        &["Ingress", "IngressClass", "NetworkPolicy"],
    ),
    (
        "networking.k8s.io",
        &["v1beta1"],
        &["Ingress", "IngressClass"],
    ),
    ("node.k8s.io", V1_V1BETA1, &["RuntimeClass"]),
    ("policy", &["v1"], &["PodDisruptionBudget"]),
    (
        "policy",
        &["v1beta1"],
        &["PodDisruptionBudget", "PodSecurityPolicy"],
    ),
    (
        "rbac.authorization.k8s.io",
        V1_V1BETA1,
        &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"],
    ),
    ("scheduling.k8s.io", V1_V1BETA1, &["PriorityClass"]),
    (
        "storage.k8s.io",
        &["v1"],
        &["CSIDriver", "CSINode", "StorageClass", "VolumeAttachment"],
    ),
    (
        "storage.k8s.io",
        &["v1beta1"],
        &[
            "CSIDriver",
            "CSINode",
            "CSIStorageCapacity",
            "StorageClass",
            "VolumeAttachment",
        ],
    ),
    (
        "",
        &["v1"],
        &[
            "ComponentStatus",
            "ConfigMap",
            "Endpoints",
            "Event",
            "LimitRange",
            "Namespace",
            "Node",
            "NodeProxyOptions",
            "PersistentVolume",
            "PersistentVolumeClaim",
            "Pod",
            "PodAttachOptions",
            "PodExecOptions",
            "PodPortForwardOptions",
            "PodProxyOptions",
            "PodTemplate",
            "ReplicationController",
            "ResourceQuota",
            "Secret",
            "Service",
            "ServiceAccount",
            "ServiceProxyOptions",
        ],
    ),
];

/// The kinds of [`BUILTIN_KINDS`] that are cluster-scoped, sorted (searched in halves:
/// the check runs for every id comparison).
const CLUSTER_SCOPED_KINDS: &[&str] = &[
    "APIService",
    "CSIDriver",
    "CSINode",
    "CertificateSigningRequest",
    "ClusterRole",
    "ClusterRoleBinding",
    "ComponentStatus",
    "CustomResourceDefinition",
    "FlowSchema",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "Namespace",
    "Node",
    "NodeProxyOptions",
    "PersistentVolume",
    "PodSecurityPolicy",
    "PriorityClass",
    "PriorityLevelConfiguration",
    "RuntimeClass",
    "StorageClass",
    "ValidatingWebhookConfiguration",
    "VolumeAttachment",
];

/// Whether kustomize knows this kind's scope without a schema (exact group and version).
pub fn is_builtin_kind(group: &str, version: &str, kind: &str) -> bool {
    BUILTIN_KINDS
        .iter()
        .any(|(g, vs, ks)| *g == group && vs.contains(&version) && ks.contains(&kind))
}

fn is_cluster_scoped(group: &str, version: &str, kind: &str) -> bool {
    CLUSTER_SCOPED_KINDS.binary_search(&kind).is_ok() && is_builtin_kind(group, version, kind)
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ResId {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl ResId {
    /// The namespace ids are compared by: cluster-scoped kinds have a sentinel, and the
    /// empty namespace is `default`.
    pub fn effective_namespace(&self) -> &str {
        if self.gvk.is_cluster_scoped() {
            CLUSTER_SCOPE
        } else if self.namespace.is_empty() {
            "default"
        } else {
            &self.namespace
        }
    }

    /// The key two ids are equal by.
    pub fn key(&self) -> IdKey {
        IdKey {
            gvk: self.gvk.clone(),
            name: self.name.clone(),
            namespace: self.effective_namespace().to_string(),
        }
    }

    /// Same group, version and kind, name and effective namespace.
    pub fn same(&self, other: &ResId) -> bool {
        self.gvk == other.gvk
            && self.name == other.name
            && self.effective_namespace() == other.effective_namespace()
    }
}

/// The identity two ids are compared by.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IdKey {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

impl fmt::Display for ResId {
    /// kustomize's string form: `Kind.version.group/name.namespace` with placeholders.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn or<'a>(s: &'a str, p: &'a str) -> &'a str {
            if s.is_empty() {
                p
            } else {
                s
            }
        }
        write!(
            f,
            "{}.{}.{}/{}.{}",
            or(&self.gvk.kind, "[noKind]"),
            or(&self.gvk.version, "[noVer]"),
            or(&self.gvk.group, "[noGrp]"),
            or(&self.name, "[noName]"),
            or(&self.namespace, "[noNs]")
        )
    }
}

/// A resource in the build.
#[derive(Clone, Debug)]
pub struct Resource {
    pub obj: Value,
    /// Ids this resource had before renames, oldest first.
    pub prev_ids: Vec<ResId>,
    pub prefixes: Vec<String>,
    pub suffixes: Vec<String>,
    /// Generated ConfigMaps and Secrets get `-<hash>` appended at the end of the build.
    pub needs_hash: bool,
    /// Where it came from, for error messages.
    pub origin: String,
    /// Where it came from (a file, or the generator that made it), tracked when the
    /// top-level kustomization has `buildMetadata`.
    pub source: Option<std::sync::Arc<super::origin::Origin>>,
    /// Numbers and booleans whose source text differs from JSON's (`1.50`), as
    /// (JSON pointer, text); see `ParsedDoc::raw_scalars`.
    pub raw_scalars: Vec<(String, String)>,
    /// `metadata.name`/`namespace` written as a number or boolean: the field, the value
    /// as written and the text the build reads it as (restored if still that text).
    pub scalar_ids: Vec<(&'static str, Value, String)>,
    /// Names of the `vars` bound to this object (their values are read from it).
    pub ref_vars: Vec<String>,
    /// Made by a ConfigMap or Secret generator (kustomize marks those with build
    /// annotations).
    pub generated: bool,
    /// The transformers that ran over it, oldest first (tracked likewise).
    pub transformations: Vec<std::sync::Arc<super::origin::Origin>>,
    /// Fields the source wrote with no value (`key:`), as JSON pointers: kustomize drops
    /// them when a strategic-merge patch is applied to the resource.
    pub empty_fields: Vec<String>,
    /// Annotations that read otherwise after a JSON round trip; see
    /// `ParsedDoc::annotation_json_texts`.
    pub annotation_json_texts: Vec<(String, String, String)>,
    /// Fields that are one YAML node in kustomize, as groups of JSON pointers: a label
    /// or annotation transformer gives all the fields it creates for one key a single
    /// value node, so setting one of them in place later sets them all. A patch, which
    /// replaces nodes, ends the sharing.
    pub aliases: Vec<Vec<String>>,
    /// Read from a file that mentions `.inf` or `.nan`: checked for values JSON cannot
    /// hold before output.
    pub maybe_non_finite: bool,
    /// Folded scalars read as kustomize's round trip leaves them, with the value as
    /// written: (JSON pointer, value as read). See `ParsedDoc::refolded`.
    pub refolded: Vec<(String, String)>,
}

impl Resource {
    pub fn new(obj: Value, origin: impl Into<String>) -> Resource {
        Resource {
            obj,
            prev_ids: Vec::new(),
            prefixes: Vec::new(),
            suffixes: Vec::new(),
            needs_hash: false,
            origin: origin.into(),
            empty_fields: Vec::new(),
            source: None,
            generated: false,
            ref_vars: Vec::new(),
            raw_scalars: Vec::new(),
            scalar_ids: Vec::new(),
            transformations: Vec::new(),
            annotation_json_texts: Vec::new(),
            aliases: Vec::new(),
            maybe_non_finite: false,
            refolded: Vec::new(),
        }
    }

    /// What kustomize's JSON round trip (a JSON patch) does to annotations that still
    /// hold their source nodes: they read as their typed value (`0x1F` → `31`).
    /// One whose text reads as `.inf` or `.nan` fails the round trip, as in kustomize.
    pub fn json_round_trip_annotations(&mut self) -> Result<(), String> {
        let texts = std::mem::take(&mut self.annotation_json_texts);
        let Some(Value::Object(ann)) = self
            .obj
            .get_mut("metadata")
            .and_then(|m| m.get_mut("annotations"))
        else {
            return Ok(());
        };
        for (key, written, json) in texts {
            if let Some(v) = ann.get_mut(&key) {
                if v.as_str() == Some(written.as_str()) {
                    if let Some(value) = json.strip_prefix(crate::yaml::parse::NON_FINITE) {
                        return Err(format!(
                            "the annotation {key} reads as {value}, which JSON cannot represent (json: unsupported value: {value})"
                        ));
                    }
                    *v = Value::String(json);
                }
            }
        }
        Ok(())
    }

    pub fn str_at(&self, path: &[&str]) -> &str {
        str_at(&self.obj, path)
    }

    pub fn kind(&self) -> &str {
        self.str_at(&["kind"])
    }
    pub fn name(&self) -> &str {
        self.str_at(&["metadata", "name"])
    }
    pub fn namespace(&self) -> &str {
        self.str_at(&["metadata", "namespace"])
    }
    pub fn gvk(&self) -> Gvk {
        Gvk::from_api_version(self.str_at(&["apiVersion"]), self.kind())
    }

    pub fn id(&self) -> ResId {
        ResId {
            gvk: self.gvk(),
            name: self.name().to_string(),
            namespace: self.namespace().to_string(),
        }
    }

    /// The original id: the oldest previous one, or the current one.
    pub fn org_id(&self) -> ResId {
        self.prev_ids.first().cloned().unwrap_or_else(|| self.id())
    }

    /// The current id followed by every previous one.
    pub fn all_ids(&self) -> impl Iterator<Item = ResId> + '_ {
        std::iter::once(self.id()).chain(self.prev_ids.iter().cloned())
    }

    /// The source text of the number or boolean `value` at `pointer`, when it was
    /// written otherwise than JSON prints it and is still that value.
    pub fn raw_text(&self, pointer: &str, value: &Value) -> Option<&str> {
        let (_, text) = self.raw_scalars.iter().find(|(p, _)| p == pointer)?;
        let still = crate::yaml::parse::resolve_plain(text, crate::yaml::Dialect::Core)
            .is_ok_and(|v| v == *value);
        still.then_some(text.as_str())
    }

    /// Whether kustomize would hold build annotations on it at this point of the build
    /// (previous ids, a generator's marks, origin or transformations), so that its
    /// `metadata.annotations` map exists even if its source wrote none.
    pub fn has_build_annotations(&self) -> bool {
        !self.prev_ids.is_empty()
            || self.generated
            || self.source.is_some()
            || !self.transformations.is_empty()
    }

    /// Remembers the current id before a transformer that may rename.
    pub fn remember_id(&mut self) {
        let id = self.id();
        self.prev_ids.push(id);
    }

    pub fn set_name(&mut self, name: &str) {
        set_at(
            &mut self.obj,
            &["metadata", "name"],
            Value::String(name.to_string()),
        );
    }

    pub fn set_namespace(&mut self, namespace: &str) {
        set_at(
            &mut self.obj,
            &["metadata", "namespace"],
            Value::String(namespace.to_string()),
        );
    }

    /// Drops the fields written with no value that `reached` says the merge walks to, as
    /// kustomize's merge does; none are tracked after that.
    pub fn drop_empty_fields(&mut self, reached: impl Fn(&Value, &str) -> bool) {
        for pointer in std::mem::take(&mut self.empty_fields).iter().rev() {
            if !reached(&self.obj, pointer) {
                continue;
            }
            let Some((parent, last)) = pointer.rsplit_once('/') else {
                continue;
            };
            let key = last.replace("~1", "/").replace("~0", "~");
            if let Some(Value::Object(m)) = self.obj.pointer_mut(parent) {
                if matches!(m.get(&key), Some(Value::Null) | Some(Value::String(_))) {
                    let empty = match m.get(&key) {
                        Some(Value::String(s)) => s.is_empty(),
                        _ => true,
                    };
                    if empty {
                        m.remove(&key);
                    }
                }
            }
        }
    }

    pub fn labels(&self) -> Option<&Map<String, Value>> {
        self.obj.get("metadata")?.get("labels")?.as_object()
    }
    pub fn annotations(&self) -> Option<&Map<String, Value>> {
        self.obj.get("metadata")?.get("annotations")?.as_object()
    }
}

/// The string at `path`, or `""` when absent or not a string.
pub fn str_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut cur = v;
    for p in path {
        match cur.get(p) {
            Some(next) => cur = next,
            None => return "",
        }
    }
    cur.as_str().unwrap_or("")
}

/// Sets `path` to `value`, creating (or replacing non-map) intermediate maps.
pub fn set_at(v: &mut Value, path: &[&str], value: Value) {
    let mut cur = v;
    for (i, p) in path.iter().enumerate() {
        if !cur.is_object() {
            *cur = Value::Object(Map::new());
        }
        let Value::Object(map) = cur else {
            return;
        };
        if i == path.len() - 1 {
            map.insert(p.to_string(), value);
            return;
        }
        cur = map
            .entry(p.to_string())
            .or_insert_with(|| Value::Object(Map::new()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_strings() {
        let id = ResId {
            gvk: Gvk::from_api_version("apps/v1", "Deployment"),
            name: "d".into(),
            namespace: String::new(),
        };
        assert_eq!(id.to_string(), "Deployment.v1.apps/d.[noNs]");
        let cm = ResId {
            gvk: Gvk::from_api_version("v1", "ConfigMap"),
            name: "cm".into(),
            namespace: "default".into(),
        };
        assert_eq!(cm.to_string(), "ConfigMap.v1.[noGrp]/cm.default");
    }

    #[test]
    fn default_namespace_equals_empty() {
        let a = ResId {
            gvk: Gvk::from_api_version("v1", "ConfigMap"),
            name: "x".into(),
            namespace: String::new(),
        };
        let mut b = a.clone();
        b.namespace = "default".into();
        assert!(a.same(&b));
        assert!(
            Gvk::from_api_version("rbac.authorization.k8s.io/v1", "ClusterRole")
                .is_cluster_scoped()
        );
        assert!(!Gvk::from_api_version("example.com/v1", "Namespace").is_cluster_scoped());
        assert!(CLUSTER_SCOPED_KINDS.windows(2).all(|w| w[0] < w[1]));
    }
}
