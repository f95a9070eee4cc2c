//! The three patch fields of a kustomization: `patchesStrategicMerge`, `patches` (each
//! entry strategic-merge or JSON 6902, decided by what its text parses as) and
//! `patchesJson6902`. Owns loading patch text, choosing targets (by the patch's own id or
//! a selector) and keeping ids straight around the merge.

use super::error::{RenderError, Result};
use super::json6902;
use super::kustomization::{Patch, PatchOptions, Selector};
use super::loader::Loader;
use super::openapi::PatchSchema;
use super::resmap::ResMap;
use super::resource::{Gvk, ResId, Resource};
use super::selector::TargetSelector;
use super::smp::{self, SmpOutcome};
use crate::yaml::parse::{self, Dialect};
use serde_json::Value;

enum Parsed {
    Strategic(Vec<Value>),
    Json(Vec<json6902::Op>),
}

fn err(loader: &Loader, message: impl Into<String>) -> RenderError {
    RenderError::transform(&loader.kustomization_file, message)
}

/// A patch document's own id (used when no target is given).
fn patch_id(doc: &Value) -> ResId {
    let s = |p: &[&str]| super::resource::str_at(doc, p).to_string();
    ResId {
        gvk: Gvk::from_api_version(&s(&["apiVersion"]), &s(&["kind"])),
        name: s(&["metadata", "name"]),
        namespace: s(&["metadata", "namespace"]),
    }
}

fn is_resource_doc(v: &Value) -> bool {
    v.is_object()
        && !super::resource::str_at(v, &["kind"]).is_empty()
        && !super::resource::str_at(v, &["metadata", "name"]).is_empty()
}

/// Interprets patch text: strategic merge (documents with kind and name) or JSON 6902
/// (a JSON array, or YAML decoding to a list of operations); exactly one must fit.
fn interpret(text: &str, what: &str) -> Result<Parsed, String> {
    let smp = parse::parse_patches(text)
        .ok()
        .filter(|docs| !docs.is_empty() && docs.iter().all(is_resource_doc));
    let json_value = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Value>(text).ok()
    } else {
        parse::parse_one(text, Dialect::Yaml11).ok()
    };
    // A value JSON cannot hold (`.inf`, `.nan`) fails kustomize's conversion to JSON.
    let json = json_value
        .filter(|v| parse::find_non_finite(v).is_none())
        .and_then(|v| json6902::ops_from_value(&v).ok());
    match (smp, json) {
        (Some(docs), None) => Ok(Parsed::Strategic(docs)),
        (None, Some(ops)) => Ok(Parsed::Json(ops)),
        (Some(_), Some(_)) => Err(format!(
            "{what} illegally qualifies as both an SM and JSON patch"
        )),
        (None, None) => Err(format!("unable to parse SM or JSON patch from {what}")),
    }
}

/// Applies one strategic-merge document to one resource, keeping its identity (kind,
/// name, namespace) unless the options allow a change. Returns false when the patch
/// deleted the resource.
fn merge_into(
    r: &mut Resource,
    doc: &Value,
    options: &PatchOptions,
    schema: &PatchSchema<'_>,
) -> Result<bool, String> {
    let before = r.id();
    let api_version = r.str_at(&["apiVersion"]).to_string();
    r.drop_empty_fields(merge_reaches);
    match smp::apply_with(&mut r.obj, doc, schema.consult()).map_err(|e| e.to_string())? {
        SmpOutcome::Deleted => return Ok(false),
        SmpOutcome::Merged => {}
    }
    // kustomize's merge writes a patched scalar into the existing node, so fields that
    // share it take the value too; a deleted field leaves its group.
    let mut aliases = std::mem::take(&mut r.aliases);
    for group in &mut aliases {
        group.retain(|p| r.obj.pointer(p).is_some());
        let set = group
            .iter()
            .find(|p| {
                doc.pointer(p)
                    .is_some_and(|v| !v.is_object() && !v.is_array())
            })
            .and_then(|p| r.obj.pointer(p).cloned());
        if let Some(value) = set {
            for p in group.iter() {
                if let Some(v) = r.obj.pointer_mut(p) {
                    *v = value.clone();
                }
            }
        }
    }
    aliases.retain(|g| g.len() > 1);
    r.aliases = aliases;
    let after = r.id();
    if options.allow_kind_change && after.gvk.kind != before.gvk.kind
        || options.allow_name_change && after.name != before.name
    {
        r.prev_ids.push(before.clone());
    }
    if !options.allow_kind_change {
        super::resource::set_at(
            &mut r.obj,
            &["kind"],
            Value::String(before.gvk.kind.clone()),
        );
        super::resource::set_at(&mut r.obj, &["apiVersion"], Value::String(api_version));
    }
    if !options.allow_name_change {
        r.set_name(&before.name);
    }
    if before.namespace.is_empty() {
        if let Some(Value::Object(meta)) = r.obj.get_mut("metadata") {
            meta.remove("namespace");
        }
    } else {
        r.set_namespace(&before.namespace);
    }
    Ok(true)
}

/// Whether kustomize's merge walks down to `pointer`: through maps and through lists
/// merged by key, but not into lists it replaces wholesale (which keep their nulls).
fn merge_reaches(obj: &Value, pointer: &str) -> bool {
    use super::smp_schema::{self as sch, FieldSchema};
    let mut ty = sch::root_type(
        super::resource::str_at(obj, &["apiVersion"]),
        super::resource::str_at(obj, &["kind"]),
    );
    let mut node = obj;
    let mut tokens = pointer.split('/').skip(1).peekable();
    while let Some(token) = tokens.next() {
        let key = token.replace("~1", "/").replace("~0", "~");
        let Some(child) = node.get(&key) else {
            return false;
        };
        let schema = ty.and_then(|t| sch::field(t, &key));
        match child {
            Value::Array(items) => {
                let Some(FieldSchema::MergeList { item, .. }) = schema else {
                    return tokens.peek().is_none();
                };
                let Some(index) = tokens.next().and_then(|i| i.parse::<usize>().ok()) else {
                    return true;
                };
                let Some(element) = items.get(index) else {
                    return false;
                };
                node = element;
                ty = item;
            }
            _ => {
                node = child;
                ty = match schema {
                    Some(FieldSchema::Object(t)) => Some(t),
                    _ => None,
                };
            }
        }
    }
    true
}

/// Applies strategic-merge documents without a target: each to the one resource whose
/// current or previous id is the document's own.
fn merge_by_id(
    resources: &mut ResMap,
    docs: &[Value],
    options: &PatchOptions,
    loader: &Loader,
    prefix: bool,
    schema: &PatchSchema<'_>,
) -> Result<()> {
    for doc in docs {
        let id = patch_id(doc);
        let found = resources.find_by_any_id(&id);
        let i = match found.as_slice() {
            [i] => *i,
            [] => {
                let base =
                    format!("no matches for Id {id}; failed to find unique target for patch {id}");
                return Err(err(
                    loader,
                    if prefix {
                        format!("no resource matches strategic merge patch \"{id}\": {base}")
                    } else {
                        base
                    },
                ));
            }
            _ => {
                return Err(err(
                    loader,
                    format!(
                        "multiple matches for Id {id}; failed to find unique target for patch {id}"
                    ),
                ))
            }
        };
        let keep = resources
            .update_keeping_ids(i, |r| merge_into(r, doc, options, schema))
            .map_err(|m| err(loader, format!("patch {id}: {m}")))?;
        if !keep {
            resources.remove(i);
        }
    }
    Ok(())
}

/// `patchesStrategicMerge`: inline YAML or file paths.
pub fn apply_strategic_merge_list(
    resources: &mut ResMap,
    entries: &[String],
    loader: &Loader,
    schema: &PatchSchema<'_>,
) -> Result<()> {
    for entry in entries {
        let inline = parse::parse_patches(entry)
            .ok()
            .filter(|docs| !docs.is_empty() && docs.iter().all(Value::is_object));
        let docs = match inline {
            Some(docs) => docs,
            None => {
                let text = loader.read_string(entry)?;
                parse::parse_patches(&text).map_err(|e| RenderError::Yaml {
                    path: loader.root.join(entry),
                    message: e.to_string(),
                })?
            }
        };
        merge_by_id(
            resources,
            &docs,
            &PatchOptions::default(),
            loader,
            false,
            schema,
        )?;
    }
    Ok(())
}

fn patch_text(p: &Patch, loader: &Loader) -> Result<(String, String)> {
    match (&p.patch, &p.path) {
        (Some(_), Some(path)) => Err(err(
            loader,
            format!("patch and path can't be set at the same time (path: {path})"),
        )),
        (None, None) => Err(err(
            loader,
            "must specify one of patch and path in a patches entry",
        )),
        (Some(text), None) => {
            let text = text.trim().to_string();
            let quoted = serde_json::to_string(&text).unwrap_or_default();
            Ok((text, format!("[patch: {quoted}]")))
        }
        (None, Some(path)) => Ok((loader.read_string(path)?, format!("[path: \"{path}\"]"))),
    }
}

/// One `patches` entry.
/// `schema` is the schema strategic-merge patches consult (the build's `openapi` setting).
pub fn apply_patch(
    resources: &mut ResMap,
    p: &Patch,
    loader: &Loader,
    schema: &PatchSchema<'_>,
) -> Result<()> {
    let (text, what) = patch_text(p, loader)?;
    let options = p.options.clone().unwrap_or_default();
    match interpret(&text, &what).map_err(|m| err(loader, m))? {
        Parsed::Strategic(docs) => match &p.target {
            None => merge_by_id(resources, &docs, &options, loader, true, schema),
            Some(target) => {
                if docs.len() > 1 {
                    return Err(err(
                        loader,
                        "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field",
                    ));
                }
                // kustomize rewrites a targeted patch's annotations and labels as strings
                // before merging it.
                let doc = parse::parse_targeted_patch(&text)
                    .ok()
                    .and_then(|d| d.into_iter().next())
                    .unwrap_or_else(|| docs[0].clone());
                merge_selected(resources, target, &doc, &options, loader, schema)
            }
        },
        Parsed::Json(ops) => match &p.target {
            None => Err(err(
                loader,
                format!("must specify a target for JSON patch {what}"),
            )),
            Some(target) => json_selected(resources, target, &ops, loader, true),
        },
    }
}

fn merge_selected(
    resources: &mut ResMap,
    target: &Selector,
    doc: &Value,
    options: &PatchOptions,
    loader: &Loader,
    schema: &PatchSchema<'_>,
) -> Result<()> {
    let sel = TargetSelector::new(target).map_err(|m| err(loader, m))?;
    let mut deleted = Vec::new();
    for (i, r) in resources.iter_mut().enumerate() {
        if !sel.selects(r) {
            continue;
        }
        let id = r.id();
        if !merge_into(r, doc, options, schema)
            .map_err(|m| err(loader, format!("patching {id}: {m}")))?
        {
            deleted.push(i);
        }
    }
    for i in deleted.into_iter().rev() {
        resources.remove(i);
    }
    Ok(())
}

/// Applies JSON 6902 ops to the selected resources. The `patches` field records each
/// target's id first (`store_previous`), `patchesJson6902` does not; either way a
/// resource that carries kustomize's build annotations at that point (a previous id,
/// a generator's, an origin) has a `metadata.annotations` map for the ops to work on,
/// even when its own source has none.
fn json_selected(
    resources: &mut ResMap,
    target: &Selector,
    ops: &[json6902::Op],
    loader: &Loader,
    store_previous: bool,
) -> Result<()> {
    let sel = TargetSelector::new(target).map_err(|m| err(loader, m))?;
    for r in resources.iter_mut() {
        if !sel.selects(r) {
            continue;
        }
        if store_previous {
            r.remember_id();
        }
        if r.has_build_annotations() {
            if let Some(Value::Object(meta)) = r.obj.get_mut("metadata") {
                let annotations = meta.entry("annotations").or_insert(Value::Null);
                if annotations.is_null() {
                    *annotations = Value::Object(Default::default());
                }
            }
        }
        // kustomize's JSON round trip turns fields written with no value into nulls,
        // and annotations still holding their source nodes into their typed text.
        r.empty_fields.clear();
        r.aliases.clear();
        let id = r.id();
        r.json_round_trip_annotations()
            .map_err(|m| err(loader, format!("patching {id}: {m}")))?;
        // kustomize keeps a resource's origin in its annotations while it builds: a
        // patch that replaces or removes the annotations drops it (and the list of
        // transformers so far), and the patch's transformer becomes the origin.
        const HELD: &str = super::origin::ORIGIN_ANNOTATION;
        let tracked = r.source.is_some();
        if tracked {
            if let Some(Value::Object(ann)) = r.obj.pointer_mut("/metadata/annotations") {
                ann.insert(HELD.to_string(), Value::String(String::new()));
            }
        }
        json6902::apply(&mut r.obj, ops).map_err(|e| err(loader, e.to_string()))?;
        if tracked {
            let held = match r.obj.pointer_mut("/metadata/annotations") {
                Some(Value::Object(ann)) => ann.remove(HELD).is_some(),
                _ => false,
            };
            if !held {
                r.source = None;
                r.transformations.clear();
            }
        }
    }
    Ok(())
}

/// One `patchesJson6902` entry: a target with a name, and ops from `path` or `patch`.
pub fn apply_json6902(resources: &mut ResMap, p: &Patch, loader: &Loader) -> Result<()> {
    let target = p
        .target
        .as_ref()
        .filter(|t| !t.name.is_empty())
        .ok_or_else(|| err(loader, "patchesJson6902: must specify the target name"))?;
    let (text, what) = patch_text(p, loader)?;
    let value = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Value>(&text).map_err(|e| err(loader, format!("{what}: {e}")))?
    } else {
        parse::parse_one(&text, Dialect::Yaml11).map_err(|e| err(loader, format!("{what}: {e}")))?
    };
    if let Some((field, v)) = parse::find_non_finite(&value) {
        return Err(err(
            loader,
            format!("{what}: the value {v} at {field} cannot be converted to JSON"),
        ));
    }
    let ops = json6902::ops_from_value(&value).map_err(|e| err(loader, format!("{what}: {e}")))?;
    json_selected(resources, target, &ops, loader, false)
}
