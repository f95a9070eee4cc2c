//! The kustomization field `openapi`: choosing the schema that strategic-merge patches
//! consult. `version` may only name the built-in Kubernetes 1.21.2 schema; `path` loads a
//! custom swagger document (JSON or YAML) that then *replaces* the built-in schema for the
//! whole build: only its `definitions` (found by `x-kubernetes-group-version-kind`, followed
//! through `$ref`, `properties`, `items` and `additionalProperties`) decide which lists merge
//! by key (`x-kubernetes-patch-strategy: merge` with `x-kubernetes-list-map-keys`, else
//! `x-kubernetes-patch-merge-key`). The setting is build-global: the first kustomization
//! that sets it (the top-level one, else the first nested one reached) wins.

use super::loader::Loader;
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// The only schema version compiled in (as in kustomize v5.5.0).
pub const BUILTIN_VERSION: &str = "v1.21.2";

/// Why an `openapi` field cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum OpenApiError {
    #[error("builtin version and custom schema provided, cannot use both")]
    Both,
    #[error("the specified OpenAPI version is not built in: '{0}' (only {BUILTIN_VERSION} is)")]
    UnknownVersion(String),
    #[error("invalid schema file '{path}': {reason}")]
    Invalid { path: String, reason: String },
}

/// The schema a build uses once some kustomization has set one.
#[derive(Clone, Debug)]
pub enum Setting {
    /// `version: v1.21.2`: the built-in schema (same as no setting at all).
    Builtin,
    /// `path: <file>`: a custom schema replacing the built-in one.
    Custom(Arc<CustomSchema>),
}

/// Interprets a kustomization's `openapi` map; `Ok(None)` when it sets nothing (empty map,
/// unknown keys only, or an empty `version`).
pub fn setting(
    field: &IndexMap<String, String>,
    loader: &Loader,
) -> super::error::Result<Option<Setting>> {
    let fail = |e: OpenApiError| {
        super::error::RenderError::transform(&loader.kustomization_file, e.to_string())
    };
    let version = field.get("version").filter(|v| !v.is_empty());
    match (field.get("path"), version) {
        (Some(_), Some(_)) => Err(fail(OpenApiError::Both)),
        (Some(path), None) => {
            let text = loader.read_string(path)?;
            let schema = CustomSchema::parse(&text).map_err(|reason| {
                fail(OpenApiError::Invalid {
                    path: path.clone(),
                    reason,
                })
            })?;
            Ok(Some(Setting::Custom(Arc::new(schema))))
        }
        (None, Some(v)) if v == BUILTIN_VERSION => Ok(Some(Setting::Builtin)),
        (None, Some(v)) => Err(fail(OpenApiError::UnknownVersion(v.clone()))),
        (None, None) => Ok(None),
    }
}

/// One schema node of a custom document (a definition, a property, `items`…).
#[derive(Clone, Debug, Default)]
pub struct Node {
    /// Target definition of a `$ref: '#/definitions/<name>'`.
    reference: Option<String>,
    properties: HashMap<String, Node>,
    items: Option<Box<Node>>,
    additional: Option<Box<Node>>,
    /// `x-kubernetes-patch-strategy` contains `merge`.
    merge: bool,
    /// `x-kubernetes-list-map-keys`, else the single `x-kubernetes-patch-merge-key`.
    keys: Vec<String>,
}

impl Node {
    fn from_value(v: &Value) -> Node {
        let Some(m) = v.as_object() else {
            return Node::default();
        };
        let str_of = |k: &str| m.get(k).and_then(Value::as_str);
        let sub = |k: &str| {
            m.get(k)
                .filter(|v| v.is_object())
                .map(|v| Box::new(Node::from_value(v)))
        };
        let list_map_keys: Vec<String> = m
            .get("x-kubernetes-list-map-keys")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default();
        let keys = if !list_map_keys.is_empty() {
            list_map_keys
        } else {
            str_of("x-kubernetes-patch-merge-key")
                .filter(|k| !k.is_empty())
                .map(|k| vec![k.to_string()])
                .unwrap_or_default()
        };
        Node {
            reference: str_of("$ref")
                .map(|r| r.strip_prefix("#/definitions/").unwrap_or(r).to_string()),
            properties: m
                .get("properties")
                .and_then(Value::as_object)
                .map(|p| {
                    p.iter()
                        .map(|(k, v)| (k.clone(), Node::from_value(v)))
                        .collect()
                })
                .unwrap_or_default(),
            items: sub("items"),
            additional: sub("additionalProperties"),
            merge: str_of("x-kubernetes-patch-strategy")
                .is_some_and(|s| s.split(',').any(|p| p == "merge")),
            keys,
        }
    }

    /// The merge keys of a list with patch strategy `merge` (empty for a primitive list);
    /// `None` when the list is replaced wholesale.
    pub fn merge_keys(&self) -> Option<&[String]> {
        self.merge.then_some(self.keys.as_slice())
    }
}

/// A parsed custom swagger document.
#[derive(Debug, Default)]
pub struct CustomSchema {
    definitions: HashMap<String, Node>,
    /// (apiVersion, kind) → definition name, from `x-kubernetes-group-version-kind`.
    roots: HashMap<(String, String), String>,
    /// (apiVersion, kind) that the document's `paths` declare cluster-scoped.
    cluster_scoped: HashSet<(String, String)>,
}

fn api_version(gvk: &Map<String, Value>) -> Option<(String, String)> {
    let s = |k: &str| gvk.get(k).and_then(Value::as_str).unwrap_or_default();
    let kind = s("kind");
    if kind.is_empty() {
        return None;
    }
    let av = match s("group") {
        "" => s("version").to_string(),
        g => format!("{g}/{}", s("version")),
    };
    Some((av, kind.to_string()))
}

impl CustomSchema {
    /// Parses a swagger document given as JSON or YAML.
    pub fn parse(text: &str) -> Result<CustomSchema, String> {
        let doc: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => crate::yaml::parse::parse_one(text, crate::yaml::parse::Dialect::Core)
                .map_err(|e| e.to_string())?,
        };
        let Some(doc) = doc.as_object() else {
            return Err("the document is not a map".to_string());
        };
        let mut schema = CustomSchema::default();
        match doc.get("definitions") {
            None | Some(Value::Null) => {}
            Some(Value::Object(defs)) => {
                for (name, def) in defs {
                    let gvks = def
                        .get("x-kubernetes-group-version-kind")
                        .and_then(Value::as_array);
                    for gvk in gvks.into_iter().flatten().filter_map(Value::as_object) {
                        if let Some(id) = api_version(gvk) {
                            schema.roots.insert(id, name.clone());
                        }
                    }
                    schema
                        .definitions
                        .insert(name.clone(), Node::from_value(def));
                }
            }
            Some(_) => return Err("'definitions' is not a map".to_string()),
        }
        let mut namespaced: HashMap<(String, String), bool> = HashMap::new();
        for (path, item) in doc
            .get("paths")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            let gvk = item
                .pointer("/get/x-kubernetes-group-version-kind")
                .and_then(Value::as_object)
                .and_then(api_version);
            if let Some(id) = gvk {
                *namespaced.entry(id).or_default() |= path.contains("namespaces/{namespace}");
            }
        }
        schema.cluster_scoped = namespaced
            .into_iter()
            .filter(|(_, ns)| !ns)
            .map(|(id, _)| id)
            .collect();
        Ok(schema)
    }

    /// Follows `$ref`s (a dangling one leaves the node as it is).
    fn resolve<'a>(&'a self, mut node: &'a Node) -> &'a Node {
        for _ in 0..64 {
            match node
                .reference
                .as_ref()
                .and_then(|r| self.definitions.get(r))
            {
                Some(next) => node = next,
                None => break,
            }
        }
        node
    }

    /// The schema of a resource, by exact `apiVersion` and `kind`.
    pub fn root(&self, api_version: &str, kind: &str) -> Option<&Node> {
        let name = self
            .roots
            .get(&(api_version.to_string(), kind.to_string()))?;
        self.definitions.get(name).map(|n| self.resolve(n))
    }

    /// The schema of field `name` of an object node (a property, else `additionalProperties`).
    pub fn field<'a>(&'a self, node: &'a Node, name: &str) -> Option<&'a Node> {
        let node = self.resolve(node);
        let f = node.properties.get(name).or(node.additional.as_deref())?;
        Some(self.resolve(f))
    }

    /// The element schema of a list node.
    pub fn items<'a>(&'a self, node: &'a Node) -> Option<&'a Node> {
        self.resolve(node).items.as_deref().map(|n| self.resolve(n))
    }

    /// Whether the document's `paths` declare this kind cluster-scoped.
    pub fn declares_cluster_scoped(&self, api_version: &str, kind: &str) -> bool {
        self.cluster_scoped
            .contains(&(api_version.to_string(), kind.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = r##"
definitions:
  app:
    x-kubernetes-group-version-kind: [{group: example.com, version: v1, kind: App}]
    properties:
      spec: {$ref: '#/definitions/spec'}
  spec:
    properties:
      workers:
        type: array
        x-kubernetes-patch-strategy: merge
        x-kubernetes-patch-merge-key: name
        items: {$ref: '#/definitions/worker'}
      hosts:
        type: array
        x-kubernetes-patch-strategy: retainKeys,merge
        x-kubernetes-patch-merge-key: host
        x-kubernetes-list-map-keys: [host, port]
      byName:
        additionalProperties:
          type: array
          x-kubernetes-patch-strategy: merge
      plain: {type: array, x-kubernetes-list-type: map, x-kubernetes-list-map-keys: [id]}
  worker:
    properties:
      name: {type: string}
paths:
  /apis/example.com/v1/apps/{name}:
    get: {x-kubernetes-group-version-kind: {group: example.com, version: v1, kind: App}}
  /api/v1/namespaces/{namespace}/things:
    get: {x-kubernetes-group-version-kind: {group: "", version: v1, kind: Thing}}
  /api/v1/things:
    get: {x-kubernetes-group-version-kind: {group: "", version: v1, kind: Thing}}
"##;

    #[test]
    fn fields_refs_and_keys() {
        let s = CustomSchema::parse(DOC).unwrap();
        assert!(s.root("example.com/v1", "Other").is_none());
        let root = s.root("example.com/v1", "App").unwrap();
        let spec = s.field(root, "spec").unwrap();
        let workers = s.field(spec, "workers").unwrap();
        assert_eq!(workers.merge_keys(), Some(&["name".to_string()][..]));
        let worker = s.items(workers).unwrap();
        assert!(worker.properties.contains_key("name"));
        let hosts = s.field(spec, "hosts").unwrap();
        assert_eq!(
            hosts.merge_keys(),
            Some(&["host".to_string(), "port".to_string()][..])
        );
        let by_name = s.field(spec, "byName").unwrap();
        let any = s.field(by_name, "whatever").unwrap();
        assert_eq!(any.merge_keys(), Some(&[][..]));
        assert_eq!(s.field(spec, "plain").unwrap().merge_keys(), None);
    }

    #[test]
    fn scope_from_paths() {
        let s = CustomSchema::parse(DOC).unwrap();
        assert!(s.declares_cluster_scoped("example.com/v1", "App"));
        assert!(!s.declares_cluster_scoped("v1", "Thing"));
    }

    #[test]
    fn json_and_bad_documents() {
        let s = CustomSchema::parse(r#"{"definitions": {"x": {"x-kubernetes-group-version-kind": [{"group": "", "version": "v1", "kind": "X"}]}}}"#).unwrap();
        assert!(s.root("v1", "X").is_some());
        assert!(CustomSchema::parse("[]").is_err());
        assert!(CustomSchema::parse(r#"{"definitions": 5}"#).is_err());
        assert!(CustomSchema::parse("not: [valid").is_err());
    }
}
