//! `configMapGenerator` and `secretGenerator`: key/value sources (env files, literals,
//! files, in that order), the generated object, and its absorption into the accumulated
//! resources with `behavior: create|merge|replace`.

use super::error::{RenderError, Result};
use super::kustomization::{GeneratorArgs, GeneratorOptions};
use super::loader::Loader;
use super::origin::Origin;
use super::resmap::ResMap;
use super::resource::{Gvk, ResId, Resource};
use base64::Engine;
use serde_json::{Map, Value};
use std::sync::Arc;

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum GeneratorKind {
    ConfigMap,
    Secret,
}

impl GeneratorKind {
    fn kind(self) -> &'static str {
        match self {
            GeneratorKind::ConfigMap => "ConfigMap",
            GeneratorKind::Secret => "Secret",
        }
    }
    /// The builtin plugin kustomize names as this generator's origin.
    pub fn plugin(self) -> &'static str {
        match self {
            GeneratorKind::ConfigMap => "ConfigMapGenerator",
            GeneratorKind::Secret => "SecretGenerator",
        }
    }
    fn field(self) -> &'static str {
        match self {
            GeneratorKind::ConfigMap => "configMapGenerator",
            GeneratorKind::Secret => "secretGenerator",
        }
    }
}

/// Generates one object and absorbs it into `resources`.
pub fn generate(
    resources: &mut ResMap,
    loader: &Loader,
    kind: GeneratorKind,
    args: &GeneratorArgs,
    global: Option<&GeneratorOptions>,
    origin: Option<Arc<Origin>>,
) -> Result<()> {
    let fail = |message: String| RenderError::Transform {
        kustomization: loader.kustomization_file.clone(),
        message: format!("{} '{}': {message}", kind.field(), args.name),
    };
    if args.name.is_empty() {
        return Err(RenderError::Transform {
            kustomization: loader.kustomization_file.clone(),
            message: format!(
                "{}: a {} must have a name",
                kind.field(),
                kind.kind().to_lowercase()
            ),
        });
    }
    let pairs = key_values(loader, args).map_err(|e| match e {
        KvError::Render(r) => r,
        KvError::Message(m) => fail(m),
    })?;
    let mut seen = std::collections::HashSet::new();
    for (k, _) in &pairs {
        if !seen.insert(k.clone()) {
            return Err(fail(format!(
                "{} {} illegally repeats the key `{k}`",
                kind.kind().to_lowercase(),
                args.name
            )));
        }
    }

    let mut options = global.cloned().unwrap_or_default();
    if let Some(local) = &args.options {
        for (k, v) in &local.labels {
            options.labels.insert(k.clone(), v.clone());
        }
        for (k, v) in &local.annotations {
            options.annotations.insert(k.clone(), v.clone());
        }
        options.disable_name_suffix_hash |= local.disable_name_suffix_hash;
        options.immutable |= local.immutable;
    }

    let mut metadata = Map::new();
    metadata.insert("name".into(), Value::String(args.name.clone()));
    if !args.namespace.is_empty() {
        metadata.insert("namespace".into(), Value::String(args.namespace.clone()));
    }
    if !options.labels.is_empty() {
        metadata.insert("labels".into(), string_map(&options.labels));
    }
    if !options.annotations.is_empty() {
        metadata.insert("annotations".into(), string_map(&options.annotations));
    }
    let mut obj = Map::new();
    obj.insert("apiVersion".into(), Value::String("v1".into()));
    obj.insert("kind".into(), Value::String(kind.kind().into()));
    obj.insert("metadata".into(), Value::Object(metadata));
    let mut data = Map::new();
    let mut binary = Map::new();
    for (k, v) in pairs {
        match kind {
            GeneratorKind::Secret => {
                data.insert(k, Value::String(encode_base64(&v)));
            }
            GeneratorKind::ConfigMap => match String::from_utf8(v) {
                Ok(s) => {
                    data.insert(k, Value::String(s));
                }
                Err(e) => {
                    binary.insert(k, Value::String(encode_base64(e.as_bytes())));
                }
            },
        }
    }
    // kustomize always gives a generated Secret a `data` map, even an empty one.
    if !data.is_empty() || kind == GeneratorKind::Secret {
        obj.insert("data".into(), Value::Object(data));
    }
    if !binary.is_empty() {
        obj.insert("binaryData".into(), Value::Object(binary));
    }
    if options.immutable {
        obj.insert("immutable".into(), Value::Bool(true));
    }
    if kind == GeneratorKind::Secret {
        let t = args.secret_type.clone().filter(|t| !t.is_empty());
        obj.insert(
            "type".into(),
            Value::String(t.unwrap_or_else(|| "Opaque".to_string())),
        );
    }
    let mut generated = Resource::new(
        Value::Object(obj),
        loader.kustomization_file.display().to_string(),
    );
    generated.needs_hash = !options.disable_name_suffix_hash;
    generated.source = origin;
    generated.generated = true;
    absorb(resources, generated, &args.behavior).map_err(fail)
}

fn string_map(m: &indexmap::IndexMap<String, String>) -> Value {
    Value::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// Base64 as kustomize writes generated data: values longer than 70 characters are
/// split into 70-character lines, each ending with a newline.
fn encode_base64(bytes: &[u8]) -> String {
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    if s.len() <= 70 {
        return s;
    }
    let mut out = String::with_capacity(s.len() + s.len() / 70 + 1);
    for chunk in s.as_bytes().chunks(70) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push('\n');
    }
    out
}

fn absorb(resources: &mut ResMap, generated: Resource, behavior: &str) -> Result<(), String> {
    let id = ResId {
        gvk: Gvk::from_api_version("v1", generated.kind()),
        name: generated.name().to_string(),
        namespace: generated.namespace().to_string(),
    };
    let matches = resources.find_by_any_id(&id);
    match (matches.as_slice(), behavior) {
        // kustomize reads any behavior other than merge or replace (unknown words
        // included) as "unspecified", which acts like create.
        ([], "merge" | "replace") => {
            Err(format!("id {id} does not exist; cannot merge or replace"))
        }
        ([], _) => resources
            .append_all(vec![generated])
            .map_err(|e| e.to_string()),
        ([i], "merge" | "replace") => {
            let old = resources.get_mut(*i);
            let mut new_obj = generated.obj;
            for field in ["labels", "annotations"] {
                let mut merged = old
                    .obj
                    .get("metadata")
                    .and_then(|m| m.get(field))
                    .and_then(Value::as_object)
                    .cloned()
                    .unwrap_or_default();
                if let Some(Value::Object(n)) = new_obj.get("metadata").and_then(|m| m.get(field)) {
                    for (k, v) in n {
                        merged.insert(k.clone(), v.clone());
                    }
                }
                if let Some(Value::Object(meta)) = new_obj.get_mut("metadata") {
                    if merged.is_empty() {
                        meta.remove(field);
                    } else {
                        meta.insert(field.into(), Value::Object(merged));
                    }
                }
            }
            if behavior == "merge" {
                for field in ["data", "binaryData"] {
                    let mut merged = old
                        .obj
                        .get(field)
                        .and_then(Value::as_object)
                        .cloned()
                        .unwrap_or_default();
                    if let Some(Value::Object(n)) = new_obj.get(field) {
                        for (k, v) in n {
                            merged.insert(k.clone(), v.clone());
                        }
                    }
                    if let Value::Object(o) = &mut new_obj {
                        if !merged.is_empty() {
                            o.insert(field.into(), Value::Object(merged));
                        }
                    }
                }
            }
            let name = old.name().to_string();
            let namespace = old.namespace().to_string();
            old.obj = new_obj;
            old.set_name(&name);
            if namespace.is_empty() {
                if let Some(Value::Object(meta)) = old.obj.get_mut("metadata") {
                    meta.remove("namespace");
                }
            } else {
                old.set_namespace(&namespace);
            }
            old.needs_hash = old.needs_hash && generated.needs_hash;
            old.generated = true;
            // `replace` takes the new origin; both keep the transformations so far.
            if behavior == "replace" && generated.source.is_some() {
                old.source = generated.source;
            }
            Ok(())
        }
        ([_], _) => Err(format!("id {id} exists; behavior must be merge or replace")),
        (_, _) => Err(format!("multiple resources match {id}")),
    }
}

enum KvError {
    Render(RenderError),
    Message(String),
}

impl From<RenderError> for KvError {
    fn from(e: RenderError) -> Self {
        KvError::Render(e)
    }
}

/// The key/value pairs of a generator: env files, then literals, then files.
fn key_values(loader: &Loader, args: &GeneratorArgs) -> Result<Vec<(String, Vec<u8>)>, KvError> {
    let mut out = Vec::new();
    for env in &args.envs {
        let bytes = loader.read_bytes(env)?;
        let text = String::from_utf8(bytes)
            .map_err(|_| KvError::Message(format!("env file '{env}' is not valid UTF-8")))?;
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            let line = if i == 0 {
                line.strip_prefix('\u{feff}').unwrap_or(line)
            } else {
                line
            };
            let line = line.trim_start();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once('=') {
                Some((k, v)) => out.push((k.to_string(), v.as_bytes().to_vec())),
                None => out.push((
                    line.to_string(),
                    std::env::var(line).unwrap_or_default().into_bytes(),
                )),
            }
        }
    }
    for literal in &args.literals {
        let Some((k, v)) = literal.split_once('=').filter(|(k, _)| !k.is_empty()) else {
            return Err(KvError::Message(format!(
                "invalid literal source {literal}, expected key=value"
            )));
        };
        out.push((k.to_string(), strip_quotes(v).as_bytes().to_vec()));
    }
    for file in &args.files {
        let (key, path) = match file.split_once('=') {
            None => (
                std::path::Path::new(file)
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default(),
                file.as_str(),
            ),
            Some((k, p)) if !k.is_empty() && !p.is_empty() && !p.contains('=') => {
                (k.to_string(), p)
            }
            Some(_) => {
                return Err(KvError::Message(format!(
                    "key or file path is missing in file source '{file}'"
                )))
            }
        };
        out.push((key, loader.read_bytes(path)?));
    }
    Ok(out)
}

fn strip_quotes(v: &str) -> &str {
    let b = v.as_bytes();
    if b.len() >= 2 && (b[0] == b'"' || b[0] == b'\'') && b[b.len() - 1] == b[0] {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_strip_only_in_pairs() {
        assert_eq!(strip_quotes("\"a\""), "a");
        assert_eq!(strip_quotes("'a'"), "a");
        assert_eq!(strip_quotes("\"a'"), "\"a'");
        assert_eq!(strip_quotes("\""), "\"");
    }

    #[test]
    fn long_base64_splits_into_lines() {
        let s = encode_base64(&[b'a'; 52]);
        assert!(s.ends_with("==\n"));
        assert_eq!(s.lines().next().map(str::len), Some(70));
    }
}
