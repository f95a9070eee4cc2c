//! The apply order. Namespaces and CRDs first (CRDs must be Established before their
//! custom resources), then cluster-scoped RBAC, then everything else; within a phase an
//! optional wave annotation orders groups (lower first, default 0); render order breaks
//! ties. Prune runs in the reverse order.

use crate::cluster::ObjectRef;
use serde_json::Value;

/// The annotation that puts an object into a wave (an integer, default 0).
pub const WAVE_ANNOTATION: &str = "kubectl-gitops.io/wave";

/// Where an object goes in the apply order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Step {
    pub phase: u8,
    pub wave: i64,
}

pub fn phase(obj: &ObjectRef) -> u8 {
    match (obj.group.as_str(), obj.kind.as_str()) {
        ("", "Namespace") | ("apiextensions.k8s.io", "CustomResourceDefinition") => 0,
        ("rbac.authorization.k8s.io", "ClusterRole" | "ClusterRoleBinding") => 1,
        _ => 2,
    }
}

/// The wave of an object; an annotation that is not an integer is an error.
pub fn wave(obj: &Value) -> Result<i64, String> {
    match obj
        .get("metadata")
        .and_then(|m| m.get("annotations"))
        .and_then(|a| a.get(WAVE_ANNOTATION))
    {
        None => Ok(0),
        Some(Value::String(s)) => s.trim().parse().map_err(|_| {
            format!(
                "{}: annotation {WAVE_ANNOTATION} must be an integer, not '{s}'",
                ObjectRef::of(obj)
            )
        }),
        Some(other) => Err(format!(
            "{}: annotation {WAVE_ANNOTATION} must be a string holding an integer, not {other}",
            ObjectRef::of(obj)
        )),
    }
}

/// Groups object indexes into steps, in apply order.
pub fn steps(objects: &[Value]) -> Result<Vec<(Step, Vec<usize>)>, String> {
    let mut keyed = Vec::with_capacity(objects.len());
    for (i, o) in objects.iter().enumerate() {
        keyed.push((
            Step {
                phase: phase(&ObjectRef::of(o)),
                wave: wave(o)?,
            },
            i,
        ));
    }
    keyed.sort();
    let mut out: Vec<(Step, Vec<usize>)> = Vec::new();
    for (step, i) in keyed {
        match out.last_mut() {
            Some((s, items)) if *s == step => items.push(i),
            _ => out.push((step, vec![i])),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn namespaces_and_crds_first_then_rbac_then_waves() {
        let objs = vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "late", "annotations": {WAVE_ANNOTATION: "5"}}}),
            json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "r"}}),
            json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "n"}}),
            json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "early", "annotations": {WAVE_ANNOTATION: "-1"}}}),
        ];
        let order: Vec<Vec<usize>> = steps(&objs).unwrap().into_iter().map(|(_, v)| v).collect();
        assert_eq!(order, vec![vec![3], vec![2], vec![4], vec![0], vec![1]]);
        let bad = vec![
            json!({"kind": "X", "metadata": {"name": "x", "annotations": {WAVE_ANNOTATION: "soon"}}}),
        ];
        assert!(steps(&bad).is_err());
    }
}
