//! The `namespace` field: sets `metadata.namespace` on every namespaced resource (cluster
//! scope by kustomize's 1.21.2 table, so custom kinds count as namespaced), renames core
//! Namespace objects, points RoleBinding subjects named `default` at the namespace, and
//! fails when two resources end up with the same id.

use crate::render::fieldspec::FieldSpec;
use crate::render::resmap::ResMap;
use serde_json::Value;
use std::collections::HashMap;

/// `specs` is the configured namespace field specs; `metadata/namespace` among them is
/// handled as kustomize does (namespaced kinds only).
pub fn apply(resources: &mut ResMap, namespace: &str, specs: &[FieldSpec]) -> Result<(), String> {
    let extra: Vec<&FieldSpec> = specs
        .iter()
        .filter(|fs| fs.path_string() != "metadata/namespace")
        .collect();
    for r in resources.iter_mut() {
        r.remember_id();
        let gvk = r.gvk();
        if !gvk.is_cluster_scoped() {
            r.set_namespace(namespace);
        }
        if gvk.kind == "RoleBinding" || gvk.kind == "ClusterRoleBinding" {
            if let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
                for s in subjects.iter_mut() {
                    if s.get("name").and_then(Value::as_str) == Some("default") {
                        if let Value::Object(m) = s {
                            m.insert("namespace".into(), Value::String(namespace.into()));
                        }
                    }
                }
            }
        }
        // kustomize leaves `metadata/name` specs to objects of apiVersion v1.
        let core_v1 = r.str_at(&["apiVersion"]) == "v1";
        for fs in &extra {
            if (fs.path_string() == "metadata/name" && !core_v1) || !fs.matches(&gvk) {
                continue;
            }
            fs.visit(&mut r.obj, &mut |v| {
                *v = Value::String(namespace.to_string());
                Ok(())
            })?;
        }
    }
    check_id_conflicts(resources)
}

/// After setting namespaces, no two resources may share an id.
pub fn check_id_conflicts(resources: &ResMap) -> Result<(), String> {
    let mut seen: HashMap<_, usize> = HashMap::new();
    for (i, r) in resources.iter().enumerate() {
        if let Some(j) = seen.insert(r.id().key(), i) {
            return Err(format!(
                "namespace transformation produces ID conflict: {} and {} are both {}",
                resources.get(j).org_id(),
                r.org_id(),
                r.id()
            ));
        }
    }
    Ok(())
}
