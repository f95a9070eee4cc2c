//! Labels and annotations: writes string key/value pairs into every map a list of field
//! specs addresses (`metadata/labels`, selectors, pod templates, ...), creating the maps
//! where the spec says so.

use crate::render::fieldspec::{push_token, FieldSpec};
use crate::render::resmap::ResMap;
use indexmap::IndexMap;
use serde_json::{Map, Value};

pub fn apply(
    resources: &mut ResMap,
    pairs: &IndexMap<String, String>,
    specs: &[FieldSpec],
) -> Result<(), String> {
    let mut sorted: Vec<(&String, &String)> = pairs.iter().collect();
    sorted.sort();
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        let id = r.id();
        let mut done: Vec<&[crate::render::fieldspec::Segment]> = Vec::new();
        // kyaml gives every field this creates for one key the same value node, and
        // sets existing fields in place: fields created together stay one node, so a
        // later in-place set of any of them shows in all (see `Resource::aliases`).
        let mut created: Vec<Vec<String>> = vec![Vec::new(); sorted.len()];
        let mut existing: Vec<(String, usize)> = Vec::new();
        let shares = !r.aliases.is_empty();
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            if done.contains(&fs.path.as_slice()) {
                continue;
            }
            done.push(&fs.path);
            fs.visit_at(&mut r.obj, &mut |v, at| {
                if v.is_null() {
                    *v = Value::Object(Map::new());
                }
                let Value::Object(m) = v else {
                    return Err("expected mapping node".to_string());
                };
                for (i, (k, val)) in sorted.iter().enumerate() {
                    let exists = m.contains_key(*k);
                    if !exists || shares {
                        let mut field = String::with_capacity(at.len() + k.len() + 1);
                        field.push_str(at);
                        push_token(&mut field, k);
                        if exists {
                            existing.push((field, i));
                        } else {
                            created[i].push(field);
                        }
                    }
                    m.insert((*k).clone(), Value::String((*val).clone()));
                }
                Ok(())
            })
            .map_err(|e| {
                format!(
                    "considering field '{}' of object {id}: {e}",
                    fs.path_string()
                )
            })?;
        }
        for (field, i) in existing {
            let value = sorted[i].1;
            let shared: Vec<String> = r
                .aliases
                .iter()
                .filter(|g| g.contains(&field))
                .flatten()
                .filter(|p| **p != field)
                .cloned()
                .collect();
            for p in shared {
                if let Some(v) = r.obj.pointer_mut(&p) {
                    *v = Value::String(value.clone());
                }
            }
        }
        r.aliases
            .extend(created.into_iter().filter(|group| group.len() > 1));
    }
    Ok(())
}
