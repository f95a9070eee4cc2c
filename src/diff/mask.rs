//! Secret masking, as `kubectl diff` does it: values under `data` and `stringData` of a
//! Secret become `***` when equal on both sides (or present on one side only), and
//! `*** (before)` / `*** (after)` when they differ, so a diff shows which keys changed
//! and never what they hold.

use serde_json::{Map, Value};

/// Masks both sides of a Secret comparison in place.
pub fn mask_secret(before: Option<&mut Value>, after: Option<&mut Value>) {
    let (mut before, mut after) = (before, after);
    for field in ["data", "stringData"] {
        let b = before
            .as_deref()
            .and_then(|v| v.get(field))
            .and_then(Value::as_object)
            .cloned();
        let a = after
            .as_deref()
            .and_then(|v| v.get(field))
            .and_then(Value::as_object)
            .cloned();
        if let (Some(side), Some(own)) = (before.as_deref_mut(), b.as_ref()) {
            side[field] = Value::Object(masked(own, a.as_ref(), "before"));
        }
        if let (Some(side), Some(own)) = (after.as_deref_mut(), a.as_ref()) {
            side[field] = Value::Object(masked(own, b.as_ref(), "after"));
        }
    }
}

fn masked(
    own: &Map<String, Value>,
    other: Option<&Map<String, Value>>,
    tag: &str,
) -> Map<String, Value> {
    own.iter()
        .map(|(k, v)| {
            let changed = other.and_then(|o| o.get(k)).is_some_and(|ov| ov != v);
            let text = if changed {
                format!("*** ({tag})")
            } else {
                "***".to_string()
            };
            (k.clone(), Value::String(text))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_never_survive() {
        let mut live = json!({"kind": "Secret", "data": {"a": "c2VjcmV0", "b": "eA=="}});
        let mut git = json!({"kind": "Secret", "data": {"a": "c2VjcmV0", "b": "eQ=="}, "stringData": {"c": "plain"}});
        mask_secret(Some(&mut live), Some(&mut git));
        assert_eq!(live["data"], json!({"a": "***", "b": "*** (before)"}));
        assert_eq!(git["data"], json!({"a": "***", "b": "*** (after)"}));
        assert_eq!(git["stringData"], json!({"c": "***"}));
    }
}
