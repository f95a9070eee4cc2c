//! Fields owned by named field managers, read from a live object's `managedFields`
//! (`fieldsV1`), removed from a value: how ignore rules with `managers:` leave fields such
//! as an autoscaler's `/spec/replicas` to their owner, in diff and sync alike.
//!
//! `fieldsV1` is a tree: `f:<name>` is a map field, `k:<json>` a list item by its key
//! fields, `v:<json>` a set member by value, `i:<n>` an item by index, and `.` marks the
//! item itself. A leaf (`{}`), or an item marked with `.`, is removed whole; anything
//! else is descended into, and a map left empty by the removal goes too.

use serde_json::{Map, Value};

/// The `fieldsV1` trees of every `managedFields` entry of `live` whose manager is in
/// `managers`.
pub fn owned_by<'a>(live: &'a Value, managers: &[String]) -> Vec<&'a Map<String, Value>> {
    live.pointer("/metadata/managedFields")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|e| {
            e.get("manager")
                .and_then(Value::as_str)
                .is_some_and(|m| managers.iter().any(|x| x == m))
        })
        .filter_map(|e| e.get("fieldsV1").and_then(Value::as_object))
        .collect()
}

/// Removes from `value` every field `fields` describes.
pub fn strip(value: &mut Value, fields: &Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (key, sub) in fields {
                let Some(name) = key.strip_prefix("f:") else {
                    continue;
                };
                let sub = sub.as_object();
                let whole = sub.is_none_or(|s| s.is_empty() || s.contains_key("."));
                if whole && sub.is_none_or(|s| s.keys().all(|k| k == ".")) {
                    map.remove(name);
                    continue;
                }
                if let (Some(child), Some(sub)) = (map.get_mut(name), sub) {
                    strip(child, sub);
                    if child.as_object().is_some_and(Map::is_empty) {
                        map.remove(name);
                    }
                }
            }
        }
        Value::Array(items) => {
            let mut remove = Vec::new();
            for (key, sub) in fields {
                let Some(i) = find_item(items, key) else {
                    continue;
                };
                let sub = sub.as_object();
                if sub.is_none_or(|s| s.is_empty() || s.contains_key(".")) {
                    remove.push(i);
                } else if let Some(sub) = sub {
                    strip(&mut items[i], sub);
                }
            }
            remove.sort_unstable();
            remove.dedup();
            for i in remove.into_iter().rev() {
                items.remove(i);
            }
        }
        _ => {}
    }
}

/// The index of the list item a `k:`, `v:` or `i:` key names.
pub(crate) fn find_item(items: &[Value], key: &str) -> Option<usize> {
    if let Some(k) = key.strip_prefix("k:") {
        let wanted: Map<String, Value> = serde_json::from_str(k).ok()?;
        return items.iter().position(|item| {
            wanted
                .iter()
                .all(|(f, v)| item.get(f).is_some_and(|x| x == v))
        });
    }
    if let Some(v) = key.strip_prefix("v:") {
        let wanted: Value = serde_json::from_str(v).ok()?;
        return items.iter().position(|item| *item == wanted);
    }
    key.strip_prefix("i:")?
        .parse::<usize>()
        .ok()
        .filter(|&i| i < items.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn live() -> Value {
        json!({
            "metadata": {"managedFields": [
                {"manager": "kubectl-gitops", "fieldsV1": {"f:spec": {"f:paused": {}}}},
                {"manager": "hpa", "subresource": "scale",
                 "fieldsV1": {"f:spec": {"f:replicas": {}}}},
                {"manager": "kubectl-edit", "fieldsV1": {"f:spec": {"f:template": {"f:spec": {
                    "f:containers": {"k:{\"name\":\"sidecar\"}": {".": {}, "f:image": {}, "f:name": {}},
                                     "k:{\"name\":\"app\"}": {"f:env": {"k:{\"name\":\"X\"}": {".": {}, "f:name": {}, "f:value": {}}}}}
                }}}}}
            ]}
        })
    }

    #[test]
    fn removes_an_autoscalers_replicas() {
        let mut v = json!({"spec": {"replicas": 3, "paused": false}});
        for f in owned_by(&live(), &["hpa".to_string()]) {
            strip(&mut v, f);
        }
        assert_eq!(v, json!({"spec": {"paused": false}}));
    }

    #[test]
    fn removes_keyed_items_and_fields_inside_items() {
        let mut v = json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "a", "env": [{"name": "X", "value": "1"}, {"name": "Y", "value": "2"}]},
            {"name": "sidecar", "image": "s"}
        ]}}}});
        for f in owned_by(&live(), &["kubectl-edit".to_string()]) {
            strip(&mut v, f);
        }
        assert_eq!(
            v,
            json!({"spec": {"template": {"spec": {"containers": [
                {"name": "app", "image": "a", "env": [{"name": "Y", "value": "2"}]}
            ]}}}})
        );
    }

    #[test]
    fn other_managers_are_left_alone() {
        let mut v = json!({"spec": {"replicas": 3}});
        for f in owned_by(&live(), &["someone".to_string()]) {
            strip(&mut v, f);
        }
        assert_eq!(v, json!({"spec": {"replicas": 3}}));
    }
}
