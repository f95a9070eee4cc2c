//! Health by kstatus rules: an object is Current when its controller has observed the
//! latest generation and reports it done (replicas updated and available for workloads,
//! Job complete, PVC bound, CRD established, Ready conditions true, ...), Failed when it
//! reports failure, InProgress otherwise. Objects without status are Current.

use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Health {
    Healthy,
    Progressing,
    Degraded,
    Missing,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Healthy => "Healthy",
            Health::Progressing => "Progressing",
            Health::Degraded => "Degraded",
            Health::Missing => "Missing",
        }
    }
}

/// Health of a live object, with the reason when it is not Healthy.
pub fn assess(obj: &Value) -> (Health, String) {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let status = obj.get("status");
    let int = |v: Option<&Value>| v.and_then(Value::as_i64).unwrap_or(0);
    let generation = int(obj.get("metadata").and_then(|m| m.get("generation")));
    let observed = status
        .and_then(|s| s.get("observedGeneration"))
        .and_then(Value::as_i64);
    let condition = |t: &str| -> Option<(&str, &str)> {
        status?
            .get("conditions")?
            .as_array()?
            .iter()
            .find(|c| c.get("type").and_then(Value::as_str) == Some(t))
            .map(|c| {
                (
                    c.get("status").and_then(Value::as_str).unwrap_or(""),
                    c.get("message").and_then(Value::as_str).unwrap_or(""),
                )
            })
    };
    let stale = |observed: Option<i64>| match observed {
        Some(o) => o < generation,
        None => generation > 0,
    };
    let spec_replicas = obj
        .get("spec")
        .and_then(|s| s.get("replicas"))
        .and_then(Value::as_i64)
        .unwrap_or(1);
    match kind {
        "Deployment" | "StatefulSet" | "ReplicaSet" => {
            if stale(observed) {
                return (
                    Health::Progressing,
                    "the controller has not observed the latest generation".into(),
                );
            }
            if let Some(("True", msg)) = condition("ReplicaFailure") {
                return (Health::Degraded, msg.to_string());
            }
            if kind == "Deployment" {
                if let Some(("False", msg)) = condition("Progressing") {
                    return (Health::Degraded, msg.to_string());
                }
            }
            let s = |f: &str| int(status.and_then(|s| s.get(f)));
            let updated = if kind == "ReplicaSet" {
                s("replicas")
            } else {
                s("updatedReplicas")
            };
            let ready = if kind == "Deployment" {
                s("availableReplicas")
            } else {
                s("readyReplicas")
            };
            if updated < spec_replicas || ready < spec_replicas || s("replicas") > spec_replicas {
                return (
                    Health::Progressing,
                    format!("{ready}/{spec_replicas} replicas ready, {updated} updated"),
                );
            }
            (Health::Healthy, String::new())
        }
        "DaemonSet" => {
            if stale(observed) {
                return (
                    Health::Progressing,
                    "the controller has not observed the latest generation".into(),
                );
            }
            let s = |f: &str| int(status.and_then(|s| s.get(f)));
            let desired = s("desiredNumberScheduled");
            if s("updatedNumberScheduled") < desired || s("numberAvailable") < desired {
                return (
                    Health::Progressing,
                    format!("{}/{desired} pods available", s("numberAvailable")),
                );
            }
            (Health::Healthy, String::new())
        }
        "Job" => {
            if let Some(("True", msg)) = condition("Failed") {
                return (Health::Degraded, msg.to_string());
            }
            if let Some(("True", _)) = condition("Complete") {
                return (Health::Healthy, String::new());
            }
            (Health::Progressing, "the job has not completed".into())
        }
        "PersistentVolumeClaim" => {
            match status.and_then(|s| s.get("phase")).and_then(Value::as_str) {
                Some("Bound") => (Health::Healthy, String::new()),
                Some("Lost") => (Health::Degraded, "the claim lost its volume".into()),
                _ => (Health::Progressing, "the claim is not bound".into()),
            }
        }
        "Pod" => match status.and_then(|s| s.get("phase")).and_then(Value::as_str) {
            Some("Succeeded") => (Health::Healthy, String::new()),
            Some("Failed") => (Health::Degraded, "the pod failed".into()),
            _ => match condition("Ready") {
                Some(("True", _)) => (Health::Healthy, String::new()),
                _ => (Health::Progressing, "the pod is not ready".into()),
            },
        },
        "CustomResourceDefinition" => match condition("Established") {
            Some(("True", _)) => (Health::Healthy, String::new()),
            _ => (Health::Progressing, "the CRD is not established yet".into()),
        },
        "Namespace" => match status.and_then(|s| s.get("phase")).and_then(Value::as_str) {
            Some("Terminating") => (Health::Degraded, "the namespace is terminating".into()),
            _ => (Health::Healthy, String::new()),
        },
        _ => {
            if observed.is_some() && stale(observed) {
                return (
                    Health::Progressing,
                    "the controller has not observed the latest generation".into(),
                );
            }
            match condition("Ready") {
                Some(("False", msg)) => (Health::Progressing, msg.to_string()),
                _ => match condition("Stalled") {
                    Some(("True", msg)) => (Health::Degraded, msg.to_string()),
                    _ => (Health::Healthy, String::new()),
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn deployment_rules() {
        let d = json!({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 1}});
        assert_eq!(assess(&d).0, Health::Progressing);
        let d = json!({"kind": "Deployment", "metadata": {"generation": 2}, "spec": {"replicas": 2},
            "status": {"observedGeneration": 2, "updatedReplicas": 2, "availableReplicas": 2, "replicas": 2}});
        assert_eq!(assess(&d).0, Health::Healthy);
    }

    #[test]
    fn plain_objects_are_healthy() {
        assert_eq!(assess(&json!({"kind": "ConfigMap"})).0, Health::Healthy);
        let crd = json!({"kind": "CustomResourceDefinition", "status": {"conditions": [{"type": "Established", "status": "True"}]}});
        assert_eq!(assess(&crd).0, Health::Healthy);
    }
}
