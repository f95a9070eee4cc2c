//! The kustomization field `openapi`: choosing the schema that strategic-merge patches
//! consult. `version` may only name the built-in Kubernetes 1.21.2 schema; `path` loads a
//! custom swagger document (JSON or YAML): its `definitions` (found by
//! `x-kubernetes-group-version-kind`, followed through `$ref`, `properties`, `items` and
//! `additionalProperties`) decide which lists merge by key (`x-kubernetes-patch-strategy:
//! merge` with `x-kubernetes-list-map-keys`, else `x-kubernetes-patch-merge-key`). The setting
//! is build-global: the first kustomization that sets it (the top-level one, else the first
//! nested one reached) wins.
//!
//! kustomize keeps one process-global schema, parsed lazily. A custom document set before
//! anything consulted the schema *replaces* the built-in one (`Combine::Alone`). A nested
//! kustomization's document reached after the built-in schema came into play is parsed into
//! the same definitions: on top of it when it was already parsed (a strategic-merge patch ran:
//! `Combine::OverBuiltin`), or under it when it was only flagged for parsing (a kind without a
//! precomputed scope was read: `Combine::UnderBuiltin`, the built-in one is parsed last and wins
//! for the same definition names and kinds). Combined, `$ref`s to built-in definitions resolve
//! and kinds the document does not define keep their built-in schema.

use super::loader::Loader;
use super::smp_schema::{self as sch, Ty};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::cell::Cell;
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

/// The schema strategic-merge patches consult (the custom one in force, if any), noting
/// whether any patch consulted it: one that runs while no schema is set parses kustomize's
/// built-in schema.
#[derive(Debug, Default)]
pub struct PatchSchema<'a> {
    custom: Option<&'a CustomSchema>,
    consulted: Cell<bool>,
}

impl<'a> PatchSchema<'a> {
    pub fn new(custom: Option<&'a CustomSchema>) -> PatchSchema<'a> {
        PatchSchema {
            custom,
            consulted: Cell::new(false),
        }
    }

    /// The custom schema for one strategic merge, noting the lookup.
    pub fn consult(&self) -> Option<&'a CustomSchema> {
        self.consulted.set(true);
        self.custom
    }

    /// Whether a strategic merge ran.
    pub fn consulted(&self) -> bool {
        self.consulted.get()
    }
}

/// How far the built-in schema is in play before a schema is set (kustomize's parse status
/// of its default schema).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum BuiltinUse {
    /// Nothing consulted it.
    #[default]
    Unused,
    /// A scope lookup of a kind outside kustomize's precomputed table flagged it for parsing.
    Flagged,
    /// A strategic-merge patch parsed it.
    Parsed,
}

/// How a custom document joins the built-in schema.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Combine {
    /// The custom document alone: built-in kinds and definitions are unknown.
    #[default]
    Alone,
    /// Parsed on top of the built-in schema: custom definitions and kinds win.
    OverBuiltin,
    /// Parsed before the built-in schema: built-in definitions and kinds win.
    UnderBuiltin,
}

impl From<BuiltinUse> for Combine {
    fn from(u: BuiltinUse) -> Combine {
        match u {
            BuiltinUse::Unused => Combine::Alone,
            BuiltinUse::Flagged => Combine::UnderBuiltin,
            BuiltinUse::Parsed => Combine::OverBuiltin,
        }
    }
}

/// Whether kustomize knows the scope of this kind without consulting the schema (its
/// `precomputedIsNamespaceScoped` table of Kubernetes 1.21.2 kinds); looking up any other
/// kind's scope brings the built-in schema into play.
pub fn scope_is_precomputed(api_version: &str, kind: &str) -> bool {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    super::resource::is_builtin_kind(group, version, kind)
}

/// Interprets a kustomization's `openapi` map; `Ok(None)` when it sets nothing (empty map,
/// unknown keys only, or an empty `version`). `builtin` tells how far the built-in schema is
/// already in play, which decides how a custom document joins it.
pub fn setting(
    field: &IndexMap<String, String>,
    loader: &Loader,
    builtin: BuiltinUse,
) -> super::error::Result<Option<Setting>> {
    let fail = |e: OpenApiError| {
        super::error::RenderError::transform(&loader.kustomization_file, e.to_string())
    };
    let version = field.get("version").filter(|v| !v.is_empty());
    match (field.get("path"), version) {
        (Some(_), Some(_)) => Err(fail(OpenApiError::Both)),
        (Some(path), None) => {
            let text = loader.read_string(path)?;
            let mut schema = CustomSchema::parse(&text).map_err(|reason| {
                fail(OpenApiError::Invalid {
                    path: path.clone(),
                    reason,
                })
            })?;
            schema.combine = builtin.into();
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

/// Where a schema lookup in a custom document leads.
#[derive(Clone, Copy, Debug)]
pub enum Resolved<'a> {
    /// A node of the custom document.
    Custom(&'a Node),
    /// A type of the built-in schema the document is combined with.
    Builtin(Ty),
}

/// A parsed custom swagger document.
#[derive(Debug, Default)]
pub struct CustomSchema {
    /// How it joins the built-in schema.
    pub combine: Combine,
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

    /// Follows `$ref`s. Combined with the built-in schema, a reference to a built-in
    /// definition the document lacks (or any built-in one, when the built-in schema wins)
    /// leads there; otherwise a dangling one leaves the node as it is.
    fn resolve<'a>(&'a self, mut node: &'a Node) -> Resolved<'a> {
        for _ in 0..64 {
            let Some(name) = node.reference.as_deref() else {
                break;
            };
            let builtin = match self.combine {
                Combine::Alone => None,
                Combine::OverBuiltin | Combine::UnderBuiltin => sch::definition(name),
            };
            match (self.combine, builtin, self.definitions.get(name)) {
                (Combine::UnderBuiltin, Some(ty), _) | (_, Some(ty), None) => {
                    return Resolved::Builtin(ty)
                }
                (_, _, Some(next)) => node = next,
                (_, None, None) => break,
            }
        }
        Resolved::Custom(node)
    }

    /// The schema of a resource, by exact `apiVersion` and `kind`.
    pub fn root(&self, api_version: &str, kind: &str) -> Option<Resolved<'_>> {
        let custom = || {
            let name = self
                .roots
                .get(&(api_version.to_string(), kind.to_string()))?;
            self.definitions.get(name).map(|n| self.resolve(n))
        };
        let builtin = || sch::root_type(api_version, kind).map(Resolved::Builtin);
        match self.combine {
            Combine::Alone => custom(),
            Combine::OverBuiltin => custom().or_else(builtin),
            Combine::UnderBuiltin => builtin().or_else(custom),
        }
    }

    /// The schema of field `name` of an object node (a property, else `additionalProperties`).
    pub fn field<'a>(&'a self, node: &'a Node, name: &str) -> Option<Resolved<'a>> {
        let Resolved::Custom(node) = self.resolve(node) else {
            return None;
        };
        let f = node.properties.get(name).or(node.additional.as_deref())?;
        Some(self.resolve(f))
    }

    /// The element schema of a list node.
    pub fn items<'a>(&'a self, node: &'a Node) -> Option<Resolved<'a>> {
        let Resolved::Custom(node) = self.resolve(node) else {
            return None;
        };
        node.items.as_deref().map(|n| self.resolve(n))
    }

    /// The document's own definition of a built-in type, when it is parsed on top of the
    /// built-in schema and redefines that type's name (built-in `$ref`s then lead to it).
    pub fn redefinition(&self, ty: Ty) -> Option<Resolved<'_>> {
        if self.combine != Combine::OverBuiltin {
            return None;
        }
        let node = self.definitions.get(sch::definition_name(ty)?)?;
        Some(self.resolve(node))
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

    fn node(r: Option<Resolved<'_>>) -> &Node {
        match r {
            Some(Resolved::Custom(n)) => n,
            other => panic!("not a custom node: {other:?}"),
        }
    }

    #[test]
    fn fields_refs_and_keys() {
        let s = CustomSchema::parse(DOC).unwrap();
        assert!(s.root("example.com/v1", "Other").is_none());
        let root = node(s.root("example.com/v1", "App"));
        let spec = node(s.field(root, "spec"));
        let workers = node(s.field(spec, "workers"));
        assert_eq!(workers.merge_keys(), Some(&["name".to_string()][..]));
        let worker = node(s.items(workers));
        assert!(worker.properties.contains_key("name"));
        let hosts = node(s.field(spec, "hosts"));
        assert_eq!(
            hosts.merge_keys(),
            Some(&["host".to_string(), "port".to_string()][..])
        );
        let by_name = node(s.field(spec, "byName"));
        let any = node(s.field(by_name, "whatever"));
        assert_eq!(any.merge_keys(), Some(&[][..]));
        assert_eq!(node(s.field(spec, "plain")).merge_keys(), None);
    }

    const OVERLAP: &str = r##"
definitions:
  dc:
    x-kubernetes-group-version-kind: [{group: apps.openshift.io, version: v1, kind: DeploymentConfig}]
    properties:
      template: {$ref: '#/definitions/io.k8s.api.core.v1.PodTemplateSpec'}
      spec: {$ref: '#/definitions/io.k8s.api.core.v1.PodSpec'}
  io.k8s.api.core.v1.PodSpec:
    properties:
      containers: {type: array, x-kubernetes-patch-strategy: merge, x-kubernetes-patch-merge-key: image}
  mydeploy:
    x-kubernetes-group-version-kind: [{group: apps, version: v1, kind: Deployment}]
"##;

    #[test]
    fn combined_with_the_builtin_schema() {
        let mut s = CustomSchema::parse(OVERLAP).unwrap();
        let dc = node(s.root("apps.openshift.io/v1", "DeploymentConfig"));
        // Alone: a reference to a built-in definition dangles, built-in kinds are unknown
        // unless the document defines them.
        assert!(s
            .field(dc, "template")
            .is_some_and(|r| matches!(r, Resolved::Custom(_))));
        assert!(s.root("v1", "Pod").is_none());
        assert!(matches!(
            s.root("apps/v1", "Deployment"),
            Some(Resolved::Custom(_))
        ));
        assert!(s.redefinition(Ty::PodSpec).is_none());

        s.combine = Combine::OverBuiltin;
        let dc = node(s.root("apps.openshift.io/v1", "DeploymentConfig"));
        assert!(matches!(
            s.field(dc, "template"),
            Some(Resolved::Builtin(Ty::PodTemplateSpec))
        ));
        assert!(matches!(s.field(dc, "spec"), Some(Resolved::Custom(_))));
        assert!(matches!(
            s.root("v1", "Pod"),
            Some(Resolved::Builtin(Ty::Pod))
        ));
        assert!(matches!(
            s.root("apps/v1", "Deployment"),
            Some(Resolved::Custom(_))
        ));
        assert!(matches!(
            s.redefinition(Ty::PodSpec),
            Some(Resolved::Custom(_))
        ));
        assert!(s.redefinition(Ty::Container).is_none());

        s.combine = Combine::UnderBuiltin;
        let dc = node(s.root("apps.openshift.io/v1", "DeploymentConfig"));
        assert!(matches!(
            s.field(dc, "spec"),
            Some(Resolved::Builtin(Ty::PodSpec))
        ));
        assert!(matches!(
            s.root("apps/v1", "Deployment"),
            Some(Resolved::Builtin(Ty::Workload))
        ));
        assert!(s.redefinition(Ty::PodSpec).is_none());
    }

    #[test]
    fn precomputed_scopes() {
        assert!(scope_is_precomputed("apps/v1", "Deployment"));
        assert!(scope_is_precomputed("v1", "ConfigMap"));
        assert!(scope_is_precomputed(
            "storage.k8s.io/v1beta1",
            "CSIStorageCapacity"
        ));
        assert!(!scope_is_precomputed(
            "storage.k8s.io/v1",
            "CSIStorageCapacity"
        ));
        assert!(!scope_is_precomputed("v1", "Binding"));
        assert!(!scope_is_precomputed(
            "apps.openshift.io/v1",
            "DeploymentConfig"
        ));
        assert!(!scope_is_precomputed("builtin", "PatchTransformer"));
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
