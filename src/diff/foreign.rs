//! Foreign fields: what someone added by hand. A field a live object carries that Git does
//! not set, owned (per `managedFields`) by a field manager that is neither ours nor
//! trusted, is drift too: Git is the single source of truth, and server-side apply alone
//! never notices it (the field is not part of our applied configuration, so a dry-run
//! keeps it on both sides).
//!
//! Never foreign: fields with no manager (defaulted by the API server), anything written
//! through the `status` subresource, fields of trusted managers ([`TRUSTED_MANAGERS`], the
//! cluster's own controllers and autoscalers, plus the ignore rules' `managers:`), and
//! server-owned metadata that diff normalizes away. Fields Git sets are never foreign
//! either (a different value there is an ordinary update).
//!
//! Walking a `fieldsV1` tree against the live object gives concrete JSON pointers: `f:`
//! is a map field, `k:`/`v:`/`i:` a list item (by key fields, value or index), `.` the
//! item itself. An item Git does not have, that the manager created (`.`), is foreign as
//! a whole; otherwise each leaf is.

use super::managed::find_item;
use serde_json::{Map, Value};

/// Managers whose fields are never foreign: the control plane's own controllers (they
/// fill in what Git leaves open: replicas of autoscaled workloads, endpoints, tokens,
/// finalizers), node agents, and the common autoscalers.
pub const TRUSTED_MANAGERS: &[&str] = &[
    "kube-controller-manager",
    "kube-scheduler",
    "kube-apiserver",
    "kubelet",
    "cloud-controller-manager",
    "cluster-autoscaler",
    "vpa-recommender",
    "vpa-updater",
    "vpa-admission-controller",
    "keda-operator",
];

/// One foreign field: where, and who set it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ForeignField {
    pub pointer: String,
    pub manager: String,
}

/// The foreign fields of `live` (raw, with managedFields) against `desired` (as Git
/// renders it), for managers other than `ours` and `trusted`.
pub fn foreign_fields(
    live: &Value,
    desired: &Value,
    ours: &str,
    trusted: &[String],
) -> Vec<ForeignField> {
    let mut out: Vec<ForeignField> = Vec::new();
    let entries = live
        .pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten();
    for e in entries {
        let manager = e.get("manager").and_then(Value::as_str).unwrap_or("");
        let subresource = e.get("subresource").and_then(Value::as_str).unwrap_or("");
        if manager.is_empty()
            || manager == ours
            || subresource == "status"
            || TRUSTED_MANAGERS.contains(&manager)
            || trusted.iter().any(|t| t == manager)
        {
            continue;
        }
        let Some(fields) = e.get("fieldsV1").and_then(Value::as_object) else {
            continue;
        };
        let mut found = Vec::new();
        walk(fields, live, Some(desired), &mut String::new(), &mut found);
        for pointer in found {
            if !ignored(&pointer) && !out.iter().any(|f| covers(&f.pointer, &pointer)) {
                out.retain(|f| !covers(&pointer, &f.pointer));
                out.push(ForeignField {
                    pointer,
                    manager: manager.to_string(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    out
}

/// Server-owned places that are never foreign (diff normalizes them away).
fn ignored(pointer: &str) -> bool {
    const SERVER: &[&str] = &[
        "/status",
        "/metadata/managedFields",
        "/metadata/resourceVersion",
        "/metadata/generation",
        "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration",
        "/metadata/annotations/deployment.kubernetes.io~1revision",
        "/metadata/finalizers",
        "/metadata/ownerReferences",
        // set by the API server on every Namespace, recorded for whoever created it
        "/metadata/labels/kubernetes.io~1metadata.name",
    ];
    SERVER.iter().any(|s| covers(s, pointer))
}

/// Whether `outer` is `inner` or one of its ancestors.
fn covers(outer: &str, inner: &str) -> bool {
    inner == outer || inner.starts_with(&format!("{outer}/"))
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn walk(
    fields: &Map<String, Value>,
    live: &Value,
    desired: Option<&Value>,
    pointer: &mut String,
    out: &mut Vec<String>,
) {
    for (key, sub) in fields {
        if key == "." {
            continue;
        }
        let sub_map = sub.as_object();
        let leaf = sub_map.is_none_or(|m| m.keys().all(|k| k == "."));
        let marks_item = sub_map.is_some_and(|m| m.contains_key("."));
        let len = pointer.len();
        if let Some(name) = key.strip_prefix("f:") {
            let Some(live_child) = live.get(name) else {
                continue; // a stale entry: the field is gone
            };
            let desired_child = desired.and_then(|d| d.get(name));
            pointer.push('/');
            pointer.push_str(&escape(name));
            if leaf {
                if desired_child.is_none() {
                    out.push(pointer.clone());
                }
            } else if let Some(m) = sub_map {
                walk(m, live_child, desired_child, pointer, out);
            }
        } else if let Some(items) = live.as_array() {
            let Some(i) = find_item(items, key) else {
                continue;
            };
            let desired_item = desired
                .and_then(Value::as_array)
                .and_then(|d| find_item(d, key).map(|j| &d[j]));
            pointer.push('/');
            pointer.push_str(&i.to_string());
            match (desired_item, sub_map) {
                (None, _) if leaf || marks_item => out.push(pointer.clone()),
                (_, Some(m)) if !leaf => walk(m, &items[i], desired_item, pointer, out),
                _ => {}
            }
        }
        pointer.truncate(len);
    }
}

/// Removes `pointers` from `value` (list items from the highest index down).
pub fn remove_all(value: &mut Value, pointers: &[String]) {
    let mut sorted: Vec<&String> = pointers.iter().collect();
    // Deeper and higher-indexed first, so earlier removals do not shift later ones.
    sorted.sort_by(|a, b| compare_for_removal(b, a));
    for p in sorted {
        super::ignore::remove_pointer(value, p);
    }
}

/// A JSON patch removing `pointers`, guarded by the resourceVersion that was read: the
/// server applies it only if nobody changed the object since (no lost update).
pub fn removal_patch(resource_version: &str, pointers: &[String]) -> Value {
    let mut sorted: Vec<&String> = pointers.iter().collect();
    sorted.sort_by(|a, b| compare_for_removal(b, a));
    let mut ops = vec![serde_json::json!({
        "op": "test", "path": "/metadata/resourceVersion", "value": resource_version
    })];
    ops.extend(
        sorted
            .into_iter()
            .map(|p| serde_json::json!({"op": "remove", "path": p})),
    );
    Value::Array(ops)
}

/// Orders pointers so that numeric list indexes compare as numbers.
fn compare_for_removal(a: &str, b: &str) -> std::cmp::Ordering {
    let ta = a.split('/');
    let tb = b.split('/');
    for (x, y) in ta.zip(tb) {
        let o = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(m), Ok(n)) => m.cmp(&n),
            _ => x.cmp(y),
        };
        if o != std::cmp::Ordering::Equal {
            return o;
        }
    }
    a.split('/').count().cmp(&b.split('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live() -> Value {
        json!({
            "metadata": {
                "labels": {"app": "web", "team": "x"},
                "annotations": {"deployment.kubernetes.io/revision": "1"},
                "managedFields": [
                    {"manager": "kubectl-gitops", "operation": "Apply",
                     "fieldsV1": {"f:metadata": {"f:labels": {"f:app": {}}}}},
                    {"manager": "kubectl-label", "operation": "Update",
                     "fieldsV1": {"f:metadata": {"f:labels": {"f:team": {}}}}},
                    {"manager": "testplane", "operation": "Update", "subresource": "status",
                     "fieldsV1": {"f:metadata": {"f:annotations": {".": {}, "f:deployment.kubernetes.io/revision": {}}}}},
                    {"manager": "kubectl-edit", "operation": "Update",
                     "fieldsV1": {"f:spec": {"f:template": {"f:spec": {"f:containers": {
                        "k:{\"name\":\"sidecar\"}": {".": {}, "f:image": {}, "f:name": {}},
                        "k:{\"name\":\"web\"}": {"f:env": {".": {}, "k:{\"name\":\"EXTRA\"}": {".": {}, "f:name": {}, "f:value": {}}}}
                     }}}}}},
                    {"manager": "kube-controller-manager", "operation": "Update",
                     "fieldsV1": {"f:spec": {"f:replicas": {}}}}
                ]
            },
            "spec": {"replicas": 4, "template": {"spec": {"containers": [
                {"name": "web", "image": "nginx", "env": [{"name": "EXTRA", "value": "1"}]},
                {"name": "sidecar", "image": "busybox"}
            ]}}}
        })
    }

    fn desired() -> Value {
        json!({"metadata": {"labels": {"app": "web"}},
               "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    }

    #[test]
    fn finds_what_was_added_by_hand_and_who_did_it() {
        let f = foreign_fields(&live(), &desired(), "kubectl-gitops", &[]);
        let got: Vec<(&str, &str)> = f
            .iter()
            .map(|f| (f.pointer.as_str(), f.manager.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("/metadata/labels/team", "kubectl-label"),
                ("/spec/template/spec/containers/0/env/0", "kubectl-edit"),
                ("/spec/template/spec/containers/1", "kubectl-edit"),
            ]
        );
    }

    #[test]
    fn trusted_and_ignored_managers_are_not_foreign() {
        let f = foreign_fields(
            &live(),
            &desired(),
            "kubectl-gitops",
            &["kubectl-edit".into(), "kubectl-label".into()],
        );
        assert!(f.is_empty(), "{f:?}");
    }

    #[test]
    fn fields_git_sets_are_not_foreign() {
        let mut d = desired();
        d["metadata"]["labels"]["team"] = json!("y");
        let f = foreign_fields(&live(), &d, "kubectl-gitops", &[]);
        assert!(f.iter().all(|f| f.pointer != "/metadata/labels/team"));
    }

    #[test]
    fn removal_patch_tests_the_version_and_removes_from_the_end() {
        let p = removal_patch(
            "42",
            &["/spec/x/1".into(), "/spec/x/10".into(), "/spec/x/2".into()],
        );
        assert_eq!(p[0]["op"], "test");
        let paths: Vec<&str> = p.as_array().unwrap()[1..]
            .iter()
            .map(|o| o["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["/spec/x/10", "/spec/x/2", "/spec/x/1"]);
    }
}
