//! Rendering: a kustomization directory in, the exact resources `kubectl kustomize`
//! would print out. Pure: files only, no cluster, no network.
//!
//! The pipeline lives in [`build`]; every stage has its own module (loading, generators,
//! patches, transformers, name references, order), and [`to_yaml`] / [`to_json`] print
//! the result.

pub mod build;
pub mod cache;
pub mod config;
pub mod crds;
pub mod error;
pub mod fieldspec;
pub mod generators;
pub mod hash;
pub mod helm;
pub mod json6902;
pub mod kustomization;
pub mod lenient;
pub mod loader;
pub mod nameref;
pub mod openapi;
pub mod order;
pub mod origin;
pub mod patches;
pub mod plugins;
pub mod remote;
pub mod replacements;
pub mod resmap;
pub mod resource;
pub mod selector;
pub mod smp;
pub mod smp_schema;
pub mod transform;
pub mod vars;

pub use build::{build, Options, Output};
pub use error::RenderError;
pub use loader::LoadRestrictor;
pub use resource::Resource;

/// The YAML stream kustomize prints: documents joined by `---`, nothing when empty.
pub fn to_yaml(resources: &[Resource]) -> String {
    let mut out = String::new();
    for (i, r) in resources.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        out.push_str(&crate::yaml::to_yaml(&r.obj));
    }
    out
}

/// A JSON array of the same objects, keys sorted like Go's encoding/json.
pub fn to_json(resources: &[Resource]) -> String {
    let items: Vec<serde_json::Value> = resources.iter().map(|r| sorted(&r.obj)).collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".to_string());
    out.push('\n');
    out
}

fn sorted(v: &serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            serde_json::Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sorted(&m[k])))
                    .collect(),
            )
        }
        serde_json::Value::Array(items) => {
            serde_json::Value::Array(items.iter().map(sorted).collect())
        }
        other => other.clone(),
    }
}
