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

/// One row of the table: resources matching `target` are referred to by resources
/// matching `referrer`, at `referrer.path`.
#[derive(Clone, Debug)]
pub struct BackRef {
    pub target: TargetGvk,
    pub referrer: FieldSpec,
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
    ("/v1/Pod", "spec/"),
    ("//StatefulSet", "spec/template/spec/"),
    ("//Deployment", "spec/template/spec/"),
    ("//ReplicationController", "spec/template/spec/"),
    ("//Job", "spec/template/spec/"),
    ("//DaemonSet", "spec/template/spec/"),
    ("//CronJob", "spec/jobTemplate/spec/template/spec/"),
];

/// The builtin name-reference table of kustomize v5.5.0. (Its IngressClass row names the
/// group `networking.k8s.io/v1`, which never matches, so it is left out.)
pub fn builtin() -> Vec<BackRef> {
    let mut rows: Vec<BackRef> = Vec::new();
    let mut add = |target: (&str, &str, &str), referrer: &str, path: &str| {
        rows.push(BackRef {
            target: TargetGvk::new(target.0, target.1, target.2),
            referrer: FieldSpec::new(referrer, path, false),
        });
    };
    let cm = ("", "v1", "ConfigMap");
    let secret = ("", "v1", "Secret");
    for (kind, pod) in POD_KINDS {
        for p in [
            "volumes/configMap/name",
            "containers/env/valueFrom/configMapKeyRef/name",
            "initContainers/env/valueFrom/configMapKeyRef/name",
            "containers/envFrom/configMapRef/name",
            "initContainers/envFrom/configMapRef/name",
            "volumes/projected/sources/configMap/name",
        ] {
            add(cm, kind, &format!("{pod}{p}"));
        }
    }
    add(cm, "//Node", "spec/configSource/configMap");
    add(cm, "rbac.authorization.k8s.io//Role", "rules/resourceNames");
    add(
        cm,
        "rbac.authorization.k8s.io//ClusterRole",
        "rules/resourceNames",
    );
    add(
        cm,
        "//Ingress",
        "metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
    );
    for (kind, pod) in POD_KINDS {
        for p in [
            "volumes/secret/secretName",
            "containers/env/valueFrom/secretKeyRef/name",
            "initContainers/env/valueFrom/secretKeyRef/name",
            "containers/envFrom/secretRef/name",
            "initContainers/envFrom/secretRef/name",
            "imagePullSecrets/name",
            "volumes/projected/sources/secret/name",
        ] {
            add(secret, kind, &format!("{pod}{p}"));
        }
    }
    add(secret, "//Ingress", "spec/tls/secretName");
    for a in [
        "ingress.kubernetes.io\\/auth-secret",
        "nginx.ingress.kubernetes.io\\/auth-secret",
        "nginx.ingress.kubernetes.io\\/auth-tls-secret",
    ] {
        add(secret, "//Ingress", &format!("metadata/annotations/{a}"));
    }
    add(secret, "//ServiceAccount", "imagePullSecrets/name");
    for p in [
        "secretName",
        "adminSecretName",
        "userSecretName",
        "secretRef",
    ] {
        add(
            secret,
            "storage.k8s.io//StorageClass",
            &format!("parameters/{p}"),
        );
    }
    add(
        secret,
        "rbac.authorization.k8s.io//Role",
        "rules/resourceNames",
    );
    add(
        secret,
        "rbac.authorization.k8s.io//ClusterRole",
        "rules/resourceNames",
    );
    add(
        secret,
        "serving.knative.dev/v1/Service",
        "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
    );
    add(secret, "//PersistentVolume", "spec/azureFile/secretName");

    let svc = ("", "v1", "Service");
    add(svc, "apps//StatefulSet", "spec/serviceName");
    for p in [
        "spec/rules/http/paths/backend/serviceName",
        "spec/backend/serviceName",
        "spec/rules/http/paths/backend/service/name",
        "spec/defaultBackend/service/name",
    ] {
        add(svc, "//Ingress", p);
    }
    add(
        svc,
        "apiregistration.k8s.io//APIService",
        "spec/service/name",
    );
    for k in [
        "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration",
    ] {
        add(
            svc,
            &format!("admissionregistration.k8s.io//{k}"),
            "webhooks/clientConfig/service",
        );
    }

    let rbac = "rbac.authorization.k8s.io";
    add(
        (rbac, "", "Role"),
        "rbac.authorization.k8s.io//RoleBinding",
        "roleRef/name",
    );
    add(
        (rbac, "", "ClusterRole"),
        "rbac.authorization.k8s.io//RoleBinding",
        "roleRef/name",
    );
    add(
        (rbac, "", "ClusterRole"),
        "rbac.authorization.k8s.io//ClusterRoleBinding",
        "roleRef/name",
    );

    let sa = ("", "v1", "ServiceAccount");
    add(sa, "rbac.authorization.k8s.io//RoleBinding", "subjects");
    add(
        sa,
        "rbac.authorization.k8s.io//ClusterRoleBinding",
        "subjects",
    );
    for (kind, pod) in WORKLOAD_KINDS {
        add(sa, kind, &format!("{pod}serviceAccountName"));
    }
    for (kind, pod) in WORKLOAD_KINDS {
        add(
            ("", "v1", "PersistentVolumeClaim"),
            kind,
            &format!("{pod}volumes/persistentVolumeClaim/claimName"),
        );
    }
    let pv = ("", "v1", "PersistentVolume");
    add(pv, "//PersistentVolumeClaim", "spec/volumeName");
    add(
        pv,
        "rbac.authorization.k8s.io//ClusterRole",
        "rules/resourceNames",
    );
    let sc = ("storage.k8s.io", "v1", "StorageClass");
    add(sc, "//PersistentVolume", "spec/storageClassName");
    add(sc, "//PersistentVolumeClaim", "spec/storageClassName");
    add(
        sc,
        "//StatefulSet",
        "spec/volumeClaimTemplates/spec/storageClassName",
    );
    for (kind, pod) in WORKLOAD_KINDS {
        add(
            ("scheduling.k8s.io", "v1", "PriorityClass"),
            kind,
            &format!("{pod}priorityClassName"),
        );
    }
    add(
        (
            "admissionregistration.k8s.io",
            "",
            "ValidatingAdmissionPolicy",
        ),
        "admissionregistration.k8s.io//ValidatingAdmissionPolicyBinding",
        "spec/policyName",
    );
    for kind in [
        "Deployment",
        "ReplicationController",
        "ReplicaSet",
        "StatefulSet",
    ] {
        add(
            ("", "", kind),
            "//HorizontalPodAutoscaler",
            "spec/scaleTargetRef/name",
        );
    }
    rows
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
pub fn fix(resources: &mut ResMap, table: &[BackRef]) -> Result<(), String> {
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
    if by_prev_name.is_empty() {
        return Ok(());
    }
    for (ri, r) in resources.iter_mut().enumerate() {
        let org_gvk = r.org_id().gvk;
        let rows: Vec<&BackRef> = table
            .iter()
            .filter(|b| b.referrer.matches(&org_gvk))
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
        for row in rows {
            let is_role_ref = row.referrer.path_string() == "roleRef/name";
            let ctx = Ctx {
                facts: &facts,
                by_prev_name: &by_prev_name,
                referrer,
                target: &row.target,
                sa_namespaces: &sa_namespaces,
                role_ref: is_role_ref.then_some(&role_ref),
            };
            row.referrer
                .visit(&mut r.obj, &mut |node| ctx.update(node))
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
            map.insert("name".into(), Value::String(f.id.name.clone()));
            if !f.id.namespace.is_empty() {
                map.insert("namespace".into(), Value::String(f.id.namespace.clone()));
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
