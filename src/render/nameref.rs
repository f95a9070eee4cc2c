//! Name references: after every rename (prefix, suffix, namespace, hash, patches), fields
//! that name another resource of the build (a ConfigMap in a volume, a ServiceAccount in
//! a RoleBinding subject, ...) are pointed at its final name. Like kustomize, only
//! resources that were renamed are candidates, matched by a previous name; candidates are
//! narrowed by kind, `roleRef` kind, namespace and recorded prefixes and suffixes.

use super::fieldspec::FieldSpec;
use super::resmap::ResMap;
use super::resource::{Gvk, ResId};
use serde_json::{Map, Value};
use std::collections::HashMap;

/// A name reference from a `crds` file: resources matching `target` are referred to by
/// resources matching `referrer`, at `referrer.path`.
#[derive(Clone, Debug)]
pub struct BackRef {
    pub target: TargetGvk,
    pub referrer: FieldSpec,
}

/// One entry of the name-reference table (kustomize's `NameBackReferences`): resources
/// matching `target` are referred to by resources matching a referrer, at its path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NameBackRefs {
    pub target: TargetGvk,
    pub referrers: Vec<FieldSpec>,
}

/// The referred-to kind; empty group or version match any.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetGvk {
    pub group: String,
    pub version: String,
    pub kind: String,
}

impl TargetGvk {
    fn new(group: &str, version: &str, kind: &str) -> TargetGvk {
        TargetGvk {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
        }
    }

    fn matches(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
            && self.kind == gvk.kind
    }
}

/// Kinds with a pod template, and where its pod spec is.
const POD_KINDS: [(&str, &str); 8] = [
    ("/v1/Pod", "spec/"),
    ("//PodTemplate", "template/spec/"),
    ("//Deployment", "spec/template/spec/"),
    ("//ReplicaSet", "spec/template/spec/"),
    ("//DaemonSet", "spec/template/spec/"),
    ("//StatefulSet", "spec/template/spec/"),
    ("//Job", "spec/template/spec/"),
    ("//CronJob", "spec/jobTemplate/spec/template/spec/"),
];

/// Workload kinds for ServiceAccount, PVC and PriorityClass references.
const WORKLOAD_KINDS: [(&str, &str); 7] = [
    ("//Pod", "spec/"),
    ("//StatefulSet", "spec/template/spec/"),
    ("//Deployment", "spec/template/spec/"),
    ("//ReplicationController", "spec/template/spec/"),
    ("//CronJob", "spec/jobTemplate/spec/template/spec/"),
    ("//Job", "spec/template/spec/"),
    ("//DaemonSet", "spec/template/spec/"),
];

/// Where a pod spec names ConfigMaps (CronJobs list the volumes first).
const CONFIG_MAP_FIELDS: [&str; 6] = [
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
];

/// Where a pod spec names Secrets (CronJobs list the volumes first).
const SECRET_FIELDS: [&str; 7] = [
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
];

/// `fields` under each pod spec of [`POD_KINDS`], a CronJob's volume fields first.
fn pod_fields(fields: &[&str], out: &mut Vec<FieldSpec>) {
    for (kind, pod) in POD_KINDS {
        let volumes_first = kind == "//CronJob";
        let mut ordered: Vec<&str> = Vec::new();
        if volumes_first {
            ordered.extend(fields.iter().filter(|f| f.starts_with("volumes/")));
            ordered.extend(fields.iter().filter(|f| !f.starts_with("volumes/")));
        } else {
            ordered.extend(fields);
        }
        for f in ordered {
            out.push(FieldSpec::new(kind, &format!("{pod}{f}"), false));
        }
    }
}

/// The builtin name-reference table of kustomize v5.5.0, entries and referrers in its
/// order (duplicates included), before kustomize sorts the entries.
pub fn builtin() -> Vec<NameBackRefs> {
    let mut table: Vec<NameBackRefs> = Vec::new();
    let mut entry = |target: (&str, &str, &str), referrers: Vec<FieldSpec>| {
        table.push(NameBackRefs {
            target: TargetGvk::new(target.0, target.1, target.2),
            referrers,
        });
    };
    let specs = |rows: &[(&str, &str)]| -> Vec<FieldSpec> {
        rows.iter()
            .map(|(gvk, path)| FieldSpec::new(gvk, path, false))
            .collect()
    };
    for kind in [
        "Deployment",
        "ReplicationController",
        "ReplicaSet",
        "StatefulSet",
    ] {
        entry(
            ("", "", kind),
            specs(&[("//HorizontalPodAutoscaler", "spec/scaleTargetRef/name")]),
        );
    }

    let mut cm = Vec::new();
    pod_fields(&CONFIG_MAP_FIELDS, &mut cm);
    cm.extend(specs(&[
        ("//Node", "spec/configSource/configMap"),
        ("//Role", "rules/resourceNames"),
        ("//ClusterRole", "rules/resourceNames"),
        (
            "//Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
        ),
    ]));
    entry(("", "v1", "ConfigMap"), cm);

    let mut secret = Vec::new();
    pod_fields(&SECRET_FIELDS, &mut secret);
    secret.extend(specs(&[
        ("//Ingress", "spec/tls/secretName"),
        (
            "//Ingress",
            "metadata/annotations/ingress.kubernetes.io\\/auth-secret",
        ),
        (
            "//Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
        ),
        (
            "//Ingress",
            "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-tls-secret",
        ),
        ("//Ingress", "spec/tls/secretName"),
        ("//ServiceAccount", "imagePullSecrets/name"),
        ("//StorageClass", "parameters/secretName"),
        ("//StorageClass", "parameters/adminSecretName"),
        ("//StorageClass", "parameters/userSecretName"),
        ("//StorageClass", "parameters/secretRef"),
        ("//Role", "rules/resourceNames"),
        ("//ClusterRole", "rules/resourceNames"),
        (
            "serving.knative.dev/v1/Service",
            "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
        ),
        ("//PersistentVolume", "spec/azureFile/secretName"),
    ]));
    entry(("", "v1", "Secret"), secret);

    entry(
        ("", "v1", "Service"),
        specs(&[
            ("apps//StatefulSet", "spec/serviceName"),
            ("//Ingress", "spec/rules/http/paths/backend/serviceName"),
            ("//Ingress", "spec/backend/serviceName"),
            ("//Ingress", "spec/rules/http/paths/backend/service/name"),
            ("//Ingress", "spec/defaultBackend/service/name"),
            ("apiregistration.k8s.io//APIService", "spec/service/name"),
            (
                "admissionregistration.k8s.io//ValidatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
            (
                "admissionregistration.k8s.io//MutatingWebhookConfiguration",
                "webhooks/clientConfig/service",
            ),
        ]),
    );

    let rbac = "rbac.authorization.k8s.io";
    entry(
        (rbac, "", "Role"),
        specs(&[("rbac.authorization.k8s.io//RoleBinding", "roleRef/name")]),
    );
    entry(
        (rbac, "", "ClusterRole"),
        specs(&[
            ("rbac.authorization.k8s.io//RoleBinding", "roleRef/name"),
            (
                "rbac.authorization.k8s.io//ClusterRoleBinding",
                "roleRef/name",
            ),
        ]),
    );

    let workload = |field: &str| -> Vec<FieldSpec> {
        WORKLOAD_KINDS
            .iter()
            .map(|(kind, pod)| FieldSpec::new(kind, &format!("{pod}{field}"), false))
            .collect()
    };
    let mut sa = specs(&[
        ("rbac.authorization.k8s.io//RoleBinding", "subjects"),
        ("rbac.authorization.k8s.io//ClusterRoleBinding", "subjects"),
    ]);
    sa.extend(workload("serviceAccountName"));
    entry(("", "v1", "ServiceAccount"), sa);
    entry(
        ("", "v1", "PersistentVolumeClaim"),
        workload("volumes/persistentVolumeClaim/claimName"),
    );
    entry(
        ("", "v1", "PersistentVolume"),
        specs(&[
            ("//PersistentVolumeClaim", "spec/volumeName"),
            ("//ClusterRole", "rules/resourceNames"),
        ]),
    );
    entry(
        ("storage.k8s.io", "v1", "StorageClass"),
        specs(&[
            ("//PersistentVolume", "spec/storageClassName"),
            ("//PersistentVolumeClaim", "spec/storageClassName"),
            (
                "//StatefulSet",
                "spec/volumeClaimTemplates/spec/storageClassName",
            ),
        ]),
    );
    entry(
        ("scheduling.k8s.io", "v1", "PriorityClass"),
        workload("priorityClassName"),
    );
    // kustomize's group here includes a version, so the entry never matches.
    entry(
        ("networking.k8s.io/v1", "v1", "IngressClass"),
        specs(&[("//Ingress", "spec/ingressClassName")]),
    );
    entry(
        (
            "admissionregistration.k8s.io",
            "",
            "ValidatingAdmissionPolicy",
        ),
        specs(&[(
            "admissionregistration.k8s.io//ValidatingAdmissionPolicyBinding",
            "spec/policyName",
        )]),
    );
    table
}

/// What nameref needs to know of each resource, computed once.
struct Facts {
    id: ResId,
    effective_ns: String,
    org_ns: String,
    cluster_scoped: bool,
    prev: Vec<ResId>,
    prefixes: Vec<String>,
    suffixes: Vec<String>,
}

/// Rewrites every name reference in `resources` using `table`.
pub fn fix(resources: &mut ResMap, table: &[NameBackRefs]) -> Result<(), String> {
    let facts: Vec<Facts> = resources
        .iter()
        .map(|r| {
            let id = r.id();
            let org = r.org_id();
            Facts {
                effective_ns: id.effective_namespace().to_string(),
                org_ns: org.namespace.clone(),
                cluster_scoped: id.gvk.is_cluster_scoped(),
                prev: r.prev_ids.clone(),
                prefixes: r.prefixes.clone(),
                suffixes: r.suffixes.clone(),
                id,
            }
        })
        .collect();
    // previous name -> resources that once had it
    let mut by_prev_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, f) in facts.iter().enumerate() {
        let mut names: Vec<&str> = f.prev.iter().map(|p| p.name.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        for n in names {
            by_prev_name.entry(n).or_default().push(i);
        }
    }
    // kustomize reads every RoleBinding's ServiceAccount subject namespaces while it
    // looks for referral candidates, renames or not.
    for (r, f) in resources.iter().zip(&facts) {
        if f.id.gvk.kind == "RoleBinding" && !f.cluster_scoped {
            blank_subject_namespace(&r.obj, &f.id)?;
        }
    }
    // Even with nothing renamed every reference field is visited: kustomize checks that
    // map-valued ones (RoleBinding subjects, ...) have a name.
    for (ri, r) in resources.iter_mut().enumerate() {
        let org_gvk = r.org_id().gvk;
        let rows: Vec<(&TargetGvk, &FieldSpec)> = table
            .iter()
            .flat_map(|e| e.referrers.iter().map(move |fs| (&e.target, fs)))
            .filter(|(_, fs)| fs.matches(&org_gvk))
            .collect();
        if rows.is_empty() {
            continue;
        }
        let referrer = &facts[ri];
        let sa_namespaces = subject_namespaces(&r.obj);
        let role_ref = (
            super::resource::str_at(&r.obj, &["roleRef", "kind"]).to_string(),
            super::resource::str_at(&r.obj, &["roleRef", "apiGroup"]).to_string(),
        );
        for (target, referrer_spec) in rows {
            let is_role_ref = referrer_spec.path_string() == "roleRef/name";
            let ctx = Ctx {
                facts: &facts,
                by_prev_name: &by_prev_name,
                referrer,
                target,
                sa_namespaces: &sa_namespaces,
                role_ref: is_role_ref.then_some(&role_ref),
            };
            referrer_spec
                .visit_existing(&mut r.obj, &mut |node| ctx.update(node))
                .map_err(|e| format!("{}: {e}", referrer.id))?;
        }
    }
    Ok(())
}

/// A RoleBinding's ServiceAccount subject whose `namespace` is there but not a string
/// (`namespace:` with no value) is an error.
fn blank_subject_namespace(obj: &Value, id: &ResId) -> Result<(), String> {
    let blank = obj
        .get("subjects")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|s| s.get("kind").is_some_and(|k| k == "ServiceAccount"))
        .any(|s| s.get("namespace").is_some_and(|ns| !ns.is_string()));
    if blank {
        return Err(format!(
            "Invalid Input: namespace is blank for resource \"{id}\""
        ));
    }
    Ok(())
}

fn subject_namespaces(obj: &Value) -> Vec<String> {
    obj.get("subjects")
        .and_then(Value::as_array)
        .map(|subjects| {
            subjects
                .iter()
                .filter(|s| s.get("kind").and_then(Value::as_str) == Some("ServiceAccount"))
                .filter_map(|s| s.get("namespace").and_then(Value::as_str))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

struct Ctx<'a> {
    facts: &'a [Facts],
    by_prev_name: &'a HashMap<&'a str, Vec<usize>>,
    referrer: &'a Facts,
    target: &'a TargetGvk,
    sa_namespaces: &'a [String],
    role_ref: Option<&'a (String, String)>,
}

impl Ctx<'_> {
    fn update(&self, node: &mut Value) -> Result<(), String> {
        match node {
            Value::String(s) => {
                if let Some(i) = self.select(s, None)? {
                    *s = self.facts[i].id.name.clone();
                }
                Ok(())
            }
            Value::Array(items) => {
                for item in items {
                    self.update(item)?;
                }
                Ok(())
            }
            Value::Object(map) => self.update_map(map),
            _ => Ok(()),
        }
    }

    fn update_map(&self, map: &mut Map<String, Value>) -> Result<(), String> {
        let Some(name) = map.get("name") else {
            return Err("path config error; no 'name' field in node".to_string());
        };
        let Some(name) = name.as_str() else {
            return Ok(());
        };
        let namespace = map.get("namespace").and_then(Value::as_str);
        if let Some(i) = self.select(name, Some(namespace))? {
            let f = &self.facts[i];
            // kustomize rewrites the reference only when it changes, with untagged
            // scalars (which read back by their text).
            // An RBAC subject (a map with a `kind`) whose name stays has its namespace
            // moved by kustomize's namespace transformer instead, as a string.
            let same_ns = f.id.namespace.is_empty() || namespace == Some(f.id.namespace.as_str());
            let subject = map.contains_key("kind");
            if name != f.id.name {
                map.insert("name".into(), untagged(&f.id.name));
                if !f.id.namespace.is_empty() {
                    map.insert("namespace".into(), untagged(&f.id.namespace));
                }
            } else if !same_ns {
                let ns = if subject {
                    Value::String(f.id.namespace.clone())
                } else {
                    untagged(&f.id.namespace)
                };
                map.insert("namespace".into(), ns);
            }
        }
        Ok(())
    }

    /// The one resource `old` refers to, if any. `map_ns` is `Some` for map-valued
    /// fields (with the field's own namespace, if it has one).
    fn select(&self, old: &str, map_ns: Option<Option<&str>>) -> Result<Option<usize>, String> {
        let Some(pool) = self.by_prev_name.get(old) else {
            return Ok(None);
        };
        let referrer = self.referrer;
        let mut cands: Vec<usize> = pool
            .iter()
            .copied()
            .filter(|&i| {
                let f = &self.facts[i];
                let in_pool = referrer.cluster_scoped
                    || f.cluster_scoped
                    || f.effective_ns == referrer.effective_ns
                    || self.sa_namespaces.contains(&f.effective_ns);
                let same_ns = referrer.cluster_scoped
                    || f.cluster_scoped
                    || f.id.gvk.kind == "ServiceAccount"
                    || f.effective_ns == referrer.effective_ns;
                let in_scope = in_pool && same_ns;
                in_scope
                    && f.prev.iter().any(|p| {
                        p.name == old
                            && self.target.matches(&p.gvk)
                            && self.role_ref.is_none_or(|(kind, group)| {
                                p.gvk.kind == *kind && p.gvk.group == *group
                            })
                    })
            })
            .collect();
        if let Some(Some(ns)) = map_ns {
            let norm = |s: &str| {
                if s.is_empty() {
                    "default".to_string()
                } else {
                    s.to_string()
                }
            };
            cands.retain(|&i| {
                let f = &self.facts[i];
                norm(&f.org_ns) == norm(ns) || norm(&f.id.namespace) == norm(ns)
            });
        }
        // Several candidates: first those whose prefixes and suffixes fit the
        // referrer's (an empty list fits anything), then, if still several, exactly.
        if cands.len() > 1 {
            let fits = |mine: &[String], theirs: &[String], allow_empty: bool| {
                (allow_empty && (mine.is_empty() || theirs.is_empty())) || same_ending(mine, theirs)
            };
            for allow_empty in [true, false] {
                if cands.len() > 1 {
                    cands.retain(|&i| {
                        let f = &self.facts[i];
                        fits(&f.prefixes, &referrer.prefixes, allow_empty)
                            && fits(&f.suffixes, &referrer.suffixes, allow_empty)
                    });
                }
            }
        }
        match cands.as_slice() {
            [] => Ok(None),
            [i] => Ok(Some(*i)),
            [first, rest @ ..] => {
                let f0 = &self.facts[*first];
                // A map field takes the name and the namespace: both must agree.
                let same = rest.iter().all(|&i| {
                    let f = &self.facts[i];
                    f.id.name == f0.id.name
                        && (map_ns.is_none() || f.id.namespace == f0.id.namespace)
                });
                if same {
                    Ok(Some(*first))
                } else {
                    let ids: Vec<String> = cands
                        .iter()
                        .map(|&i| self.facts[i].id.to_string())
                        .collect();
                    Err(format!(
                        "found multiple possible referrals for '{old}': {}",
                        ids.join(", ")
                    ))
                }
            }
        }
    }
}

/// kustomize's prefix/suffix compatibility: the shorter list is the end of the longer
/// one, and an empty list only matches an empty list.
fn same_ending(a: &[String], b: &[String]) -> bool {
    let (long, short) = if a.len() >= b.len() { (a, b) } else { (b, a) };
    if short.is_empty() {
        return long.is_empty();
    }
    long.ends_with(short)
}

/// A name or namespace as kustomize writes it into a map-valued reference: an untagged
/// scalar (kyaml's `FieldSetter` with a string value), which reads back by its text, so
/// a namespace `"010"` comes out as the number 8.
fn untagged(text: &str) -> Value {
    // Most names start with a letter no YAML word (true, false, null) starts with.
    let plain_word = text
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() && !matches!(c, 't' | 'f' | 'n'));
    if plain_word {
        return Value::String(text.to_string());
    }
    match crate::yaml::parse::resolve_plain(text, crate::yaml::Dialect::Core) {
        Ok(Value::String(_)) | Err(_) => Value::String(text.to_string()),
        Ok(v) => v,
    }
}
