//! Labels and annotations: writes string key/value pairs into every map a list of field
//! specs addresses (`metadata/labels`, selectors, pod templates, ...), creating the maps
//! where the spec says so.

use crate::render::fieldspec::FieldSpec;
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
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            if done.contains(&fs.path.as_slice()) {
                continue;
            }
            done.push(&fs.path);
            fs.visit(&mut r.obj, &mut |v| {
                if v.is_null() {
                    *v = Value::Object(Map::new());
                }
                let Value::Object(m) = v else {
                    return Err("expected mapping node".to_string());
                };
                for (k, val) in &sorted {
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
    }
    Ok(())
}
