//! Deciding "in sync" without a dry-run, when that is certain. A live object is in sync
//! with Git when every field Git sets has the same value live (lists of the same length,
//! compared element by element; extra live fields are defaults or other managers'), AND
//! every field our field manager owns on the live object (its managedFields entry) is
//! still set by Git, so applying would neither change nor remove anything. Anything
//! less than certain (a normalized quantity, an injected sidecar, a field we own that
//! left Git) answers "not sure", and the caller falls back to the exact server-side
//! dry-run. Used to make no-op diffs and syncs cost one LIST per kind instead of two
//! requests per object.

use serde_json::{Map, Value};

/// True only when applying `desired` to `live` as `manager` certainly changes nothing.
pub fn certainly_in_sync(desired: &Value, live: &Value, manager: &str) -> bool {
    let Some(owned) = owned_fields(live, manager) else {
        return false;
    };
    contained(desired, live) && owned_still_set(owned, desired)
}

/// The `fieldsV1` of `manager`'s Apply entry.
fn owned_fields<'a>(live: &'a Value, manager: &str) -> Option<&'a Map<String, Value>> {
    live.get("metadata")?
        .get("managedFields")?
        .as_array()?
        .iter()
        .find(|e| {
            e.get("manager").and_then(Value::as_str) == Some(manager)
                && e.get("operation").and_then(Value::as_str) == Some("Apply")
        })?
        .get("fieldsV1")?
        .as_object()
}

/// Every field of `desired` is in `live` with the same value.
fn contained(desired: &Value, live: &Value) -> bool {
    match (desired, live) {
        (Value::Object(d), Value::Object(l)) => d.iter().all(|(k, dv)| match l.get(k) {
            Some(lv) => contained(dv, lv),
            None => dv.is_null(),
        }),
        (Value::Array(d), Value::Array(l)) => {
            d.len() == l.len() && d.iter().zip(l).all(|(dv, lv)| contained(dv, lv))
        }
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (d, l) => d == l,
    }
}

/// Every field in the `fieldsV1` tree `owned` exists in `desired`.
fn owned_still_set(owned: &Map<String, Value>, desired: &Value) -> bool {
    owned.iter().all(|(key, child)| {
        if key == "." {
            return true;
        }
        let child = child.as_object();
        let next = if let Some(name) = key.strip_prefix("f:") {
            match desired.get(name) {
                Some(v) => v,
                None => return false,
            }
        } else if let Some(json) = key.strip_prefix("k:") {
            let Ok(Value::Object(wanted)) = serde_json::from_str::<Value>(json) else {
                return false;
            };
            let found = desired.as_array().and_then(|items| {
                items.iter().find(|item| {
                    wanted.iter().all(|(k, v)| match item.get(k) {
                        Some(x) => contained(v, x),
                        // Port lists are keyed by (port, protocol); Git usually leaves
                        // protocol to its API default.
                        None => k == "protocol" && v == "TCP",
                    })
                })
            });
            match found {
                Some(v) => v,
                None => return false,
            }
        } else if let Some(json) = key.strip_prefix("v:") {
            let Ok(wanted) = serde_json::from_str::<Value>(json) else {
                return false;
            };
            return desired
                .as_array()
                .is_some_and(|items| items.iter().any(|i| contained(&wanted, i)));
        } else if let Some(index) = key.strip_prefix("i:") {
            match index
                .parse::<usize>()
                .ok()
                .and_then(|i| desired.as_array()?.get(i))
            {
                Some(v) => v,
                None => return false,
            }
        } else {
            return false;
        };
        child.is_none_or(|c| owned_still_set(c, next))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live(spec: Value, fields: Value) -> Value {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "uid": "u", "managedFields": [
                {"manager": "kubectl-gitops", "operation": "Apply", "fieldsV1": fields},
                {"manager": "kube-controller-manager", "operation": "Update", "fieldsV1": {"f:status": {}}}
            ]},
            "spec": spec,
            "status": {"replicas": 1}
        })
    }

    fn fields() -> Value {
        json!({"f:spec": {"f:replicas": {}, "f:template": {"f:spec": {"f:containers": {
            "k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}}}}}}})
    }

    fn desired(replicas: i64) -> Value {
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
            "spec": {"replicas": replicas, "template": {"spec": {"containers": [{"name": "web", "image": "nginx"}]}}}})
    }

    fn live_spec(replicas: i64) -> Value {
        json!({"replicas": replicas, "progressDeadlineSeconds": 600, "template": {"spec": {"containers": [
            {"name": "web", "image": "nginx", "imagePullPolicy": "Always"}]}}})
    }

    #[test]
    fn defaults_on_the_live_side_are_in_sync() {
        assert!(certainly_in_sync(
            &desired(1),
            &live(live_spec(1), fields()),
            "kubectl-gitops"
        ));
    }

    #[test]
    fn a_changed_value_is_not_certain() {
        assert!(!certainly_in_sync(
            &desired(2),
            &live(live_spec(1), fields()),
            "kubectl-gitops"
        ));
    }

    #[test]
    fn a_field_we_own_that_left_git_is_not_certain() {
        let mut d = desired(1);
        d["spec"].as_object_mut().unwrap().remove("replicas");
        assert!(!certainly_in_sync(
            &d,
            &live(live_spec(1), fields()),
            "kubectl-gitops"
        ));
    }

    #[test]
    fn an_extra_list_element_is_not_certain() {
        let mut spec = live_spec(1);
        spec["template"]["spec"]["containers"]
            .as_array_mut()
            .unwrap()
            .push(json!({"name": "sidecar"}));
        assert!(!certainly_in_sync(
            &desired(1),
            &live(spec, fields()),
            "kubectl-gitops"
        ));
    }

    #[test]
    fn default_tcp_protocol_matches_port_keys() {
        let live = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "managedFields": [
            {"manager": "kubectl-gitops", "operation": "Apply", "fieldsV1": {"f:spec": {"f:ports": {
                "k:{\"port\":80,\"protocol\":\"TCP\"}": {".": {}, "f:port": {}, "f:targetPort": {}}}}}}]},
            "spec": {"ports": [{"port": 80, "protocol": "TCP", "targetPort": 8080}], "clusterIP": "10.0.0.1"}});
        let desired = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "targetPort": 8080}]}});
        assert!(certainly_in_sync(&desired, &live, "kubectl-gitops"));
        let udp = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
            "spec": {"ports": [{"port": 80, "protocol": "UDP", "targetPort": 8080}]}});
        assert!(!certainly_in_sync(&udp, &live, "kubectl-gitops"));
    }

    #[test]
    fn never_applied_by_us_is_not_certain() {
        assert!(!certainly_in_sync(
            &desired(1),
            &live(live_spec(1), fields()),
            "someone-else"
        ));
    }
}
