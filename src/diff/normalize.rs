//! Normalization before comparing a live object with what applying Git would make of
//! it: server-managed metadata (managedFields, resourceVersion, uid, generation,
//! creationTimestamp, ...), `status`, and annotations written by servers or kubectl
//! are removed from both sides.

use serde_json::Value;

const METADATA_FIELDS: &[&str] = &[
    "managedFields",
    "resourceVersion",
    "uid",
    "generation",
    "creationTimestamp",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
];

const SERVER_ANNOTATIONS: &[&str] = &[
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
];

pub fn normalize(obj: &mut Value) {
    let Value::Object(map) = obj else {
        return;
    };
    map.remove("status");
    if let Some(Value::Object(meta)) = map.get_mut("metadata") {
        for f in METADATA_FIELDS {
            meta.remove(*f);
        }
        let empty = match meta.get_mut("annotations") {
            Some(Value::Object(ann)) => {
                for a in SERVER_ANNOTATIONS {
                    ann.remove(*a);
                }
                ann.is_empty()
            }
            Some(Value::Null) => true,
            _ => false,
        };
        if empty {
            meta.remove("annotations");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn strips_server_fields() {
        let mut o = json!({"metadata": {"name": "a", "uid": "x", "resourceVersion": "1",
            "annotations": {"deployment.kubernetes.io/revision": "3"}}, "status": {}});
        normalize(&mut o);
        assert_eq!(o, json!({"metadata": {"name": "a"}}));
    }
}
