//! The kustomization field `crds`: files of OpenAPI definitions (a map from type name to
//! `{schema: ...}`, JSON or YAML) whose `x-kubernetes-*` property extensions declare extra
//! transformer field specs for custom kinds. A definition counts when its schema has the
//! `apiVersion`, `kind` and `metadata` properties; its kind is the last dot-separated part
//! of its name (group and version stay empty, so every group matches). Walking its
//! properties (and, through `$ref` naming another definition of the same file, their
//! nested properties), a property marked
//! * `x-kubernetes-annotation` gets a `commonAnnotations` field spec,
//! * `x-kubernetes-label-selector` gets a `commonLabels` field spec,
//! * `x-kubernetes-identity` gets a `namePrefix` field spec,
//! * `x-kubernetes-object-ref-api-version` + `x-kubernetes-object-ref-kind` becomes a
//!   name reference to that version/kind at `<property>/<name key>`, the name key being
//!   `x-kubernetes-object-ref-name-key` or `name`.
//!
//! Extension keys are matched exactly and only string values count; the definition's
//! `schema` key is matched case-insensitively, everything inside the schema exactly.

use super::fieldspec::{FieldSpec, Segment};
use super::nameref::{BackRef, TargetGvk};
use serde_json::{Map, Value};

const X_ANNOTATION: &str = "x-kubernetes-annotation";
const X_LABEL_SELECTOR: &str = "x-kubernetes-label-selector";
const X_IDENTITY: &str = "x-kubernetes-identity";
const X_VERSION: &str = "x-kubernetes-object-ref-api-version";
const X_KIND: &str = "x-kubernetes-object-ref-kind";
const X_NAME_KEY: &str = "x-kubernetes-object-ref-name-key";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CrdError {
    #[error("the file is empty")]
    Empty,
    #[error("not valid YAML/JSON: {0}")]
    Syntax(String),
    #[error("expected a map of OpenAPI definitions (type name → {{schema: ...}})")]
    NotAMap,
    #[error("definition '{name}': {message}")]
    Definition { name: String, message: String },
    #[error("definition '{name}': $ref cycle through '{target}'")]
    Cycle { name: String, target: String },
}

/// The field specs a `crds` file declares.
#[derive(Debug, Default)]
pub struct CrdSpecs {
    pub annotations: Vec<FieldSpec>,
    pub label_selectors: Vec<FieldSpec>,
    pub identities: Vec<FieldSpec>,
    pub name_references: Vec<BackRef>,
}

/// Parses one `crds` file.
pub fn load(text: &str) -> Result<CrdSpecs, CrdError> {
    if text.is_empty() {
        return Err(CrdError::Empty);
    }
    let value = crate::yaml::parse::parse_one(text, crate::yaml::Dialect::Yaml11)
        .map_err(|e| CrdError::Syntax(e.to_string()))?;
    let defs: Map<String, Value> = match value {
        Value::Null => Map::new(),
        Value::Object(m) => m,
        _ => return Err(CrdError::NotAMap),
    };
    let mut schemas: Vec<(&str, Option<&Map<String, Value>>)> = Vec::new();
    for (name, def) in &defs {
        schemas.push((name, schema_of(name, def)?));
    }
    let lookup = |name: &str| schemas.iter().find(|(n, _)| *n == name).map(|(_, s)| *s);
    let mut out = CrdSpecs::default();
    for (name, schema) in &schemas {
        let Some(props) = properties(name, *schema)? else {
            continue;
        };
        if !["kind", "apiVersion", "metadata"]
            .iter()
            .all(|k| props.contains_key(*k))
        {
            continue;
        }
        let kind = name.rsplit('.').next().unwrap_or_default();
        let mut walk = Walk {
            kind,
            lookup: &lookup,
            stack: vec![name],
            out: &mut out,
        };
        walk.properties(name, props, &mut Vec::new())?;
    }
    Ok(out)
}

type Lookup<'a> = dyn Fn(&str) -> Option<Option<&'a Map<String, Value>>> + 'a;

struct Walk<'a, 'o> {
    kind: &'a str,
    lookup: &'a Lookup<'a>,
    /// Definitions being walked, to refuse `$ref` cycles (kustomize recurses forever).
    stack: Vec<&'a str>,
    out: &'o mut CrdSpecs,
}

impl<'a> Walk<'a, '_> {
    fn properties(
        &mut self,
        def: &str,
        props: &'a Map<String, Value>,
        path: &mut Vec<String>,
    ) -> Result<(), CrdError> {
        for (prop, schema) in props {
            let schema = match schema {
                Value::Object(m) => Some(m),
                Value::Null => None,
                _ => return Err(bad(def, format!("property '{prop}' is not a schema"))),
            };
            let ext = |key: &str| schema.and_then(|m| m.get(key)).and_then(Value::as_str);
            path.push(prop.clone());
            if ext(X_ANNOTATION).is_some() {
                self.out.annotations.push(self.spec(path));
            }
            if ext(X_LABEL_SELECTOR).is_some() {
                self.out.label_selectors.push(self.spec(path));
            }
            if ext(X_IDENTITY).is_some() {
                self.out.identities.push(self.spec(path));
            }
            if let (Some(version), Some(kind)) = (ext(X_VERSION), ext(X_KIND)) {
                path.push(ext(X_NAME_KEY).unwrap_or("name").to_string());
                let referrer = self.spec(path);
                path.pop();
                self.out.name_references.push(BackRef {
                    target: TargetGvk {
                        group: String::new(),
                        version: version.to_string(),
                        kind: kind.to_string(),
                    },
                    referrer,
                });
            }
            let target = match schema.and_then(|m| m.get("$ref")) {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.is_empty() => None,
                Some(Value::String(s)) => Some(s.as_str()),
                Some(_) => {
                    return Err(bad(def, format!("property '{prop}': $ref is not a string")))
                }
            };
            if let Some(target) = target {
                if let Some(found) = (self.lookup)(target) {
                    if self.stack.contains(&target) {
                        return Err(CrdError::Cycle {
                            name: self.stack[0].to_string(),
                            target: target.to_string(),
                        });
                    }
                    if let Some(nested) = properties(target, found)? {
                        self.stack.push(target);
                        self.properties(target, nested, path)?;
                        self.stack.pop();
                    }
                }
            }
            path.pop();
        }
        Ok(())
    }

    fn spec(&self, path: &[String]) -> FieldSpec {
        FieldSpec {
            group: String::new(),
            version: String::new(),
            kind: self.kind.to_string(),
            raw: path.join("/"),
            path: path
                .iter()
                .map(|key| Segment {
                    key: key.clone(),
                    is_list: false,
                })
                .collect(),
            create: false,
        }
    }
}

fn bad(name: &str, message: String) -> CrdError {
    CrdError::Definition {
        name: name.to_string(),
        message,
    }
}

/// The definition's schema (its `schema` key in any letter case; the last one wins).
fn schema_of<'v>(name: &str, def: &'v Value) -> Result<Option<&'v Map<String, Value>>, CrdError> {
    let def = match def {
        Value::Null => return Ok(None),
        Value::Object(m) => m,
        _ => return Err(bad(name, "expected a map with a 'schema' key".to_string())),
    };
    match def
        .iter()
        .rev()
        .find(|(k, _)| k.eq_ignore_ascii_case("schema"))
    {
        None | Some((_, Value::Null)) => Ok(None),
        Some((_, Value::Object(m))) => Ok(Some(m)),
        Some(_) => Err(bad(name, "'schema' is not a map".to_string())),
    }
}

fn properties<'v>(
    name: &str,
    schema: Option<&'v Map<String, Value>>,
) -> Result<Option<&'v Map<String, Value>>, CrdError> {
    match schema.and_then(|s| s.get("properties")) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(bad(name, "'properties' is not a map".to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEFS: &str = r#"
io.example.v1.Backup:
  Schema:
    properties:
      apiVersion: {type: string}
      kind: {type: string}
      metadata: {type: object}
      spec: {$ref: io.example.v1.BackupSpec}
io.example.v1.BackupSpec:
  schema:
    properties:
      selector: {x-kubernetes-label-selector: ""}
      notes: {x-kubernetes-annotation: ""}
      target: {x-kubernetes-identity: ""}
      ignored: {X-Kubernetes-Identity: "", x-kubernetes-annotation: true}
      creds:
        x-kubernetes-object-ref-api-version: v1
        x-kubernetes-object-ref-kind: Secret
      settings:
        x-kubernetes-object-ref-api-version: v1
        x-kubernetes-object-ref-kind: ConfigMap
        x-kubernetes-object-ref-name-key: configName
"#;

    fn paths(specs: &[FieldSpec]) -> Vec<String> {
        specs
            .iter()
            .map(|f| format!("{}:{}", f.kind, f.path_string()))
            .collect()
    }

    #[test]
    fn collects_every_extension() {
        let specs = load(DEFS).expect("valid defs");
        assert_eq!(paths(&specs.label_selectors), ["Backup:spec/selector"]);
        assert_eq!(paths(&specs.annotations), ["Backup:spec/notes"]);
        assert_eq!(paths(&specs.identities), ["Backup:spec/target"]);
        let refs: Vec<String> = specs
            .name_references
            .iter()
            .map(|b| {
                format!(
                    "{}/{} <- {}",
                    b.target.version,
                    b.target.kind,
                    b.referrer.path_string()
                )
            })
            .collect();
        assert_eq!(
            refs,
            [
                "v1/Secret <- spec/creds/name",
                "v1/ConfigMap <- spec/settings/configName"
            ]
        );
    }

    #[test]
    fn ignores_non_resource_definitions_and_json_works() {
        let json =
            r#"{"a.v1.Thing": {"schema": {"properties": {"x": {"x-kubernetes-annotation": ""}}}}}"#;
        for text in [json, "\n", "null\n"] {
            let specs = load(text).expect("valid defs");
            assert!(specs.annotations.is_empty() && specs.name_references.is_empty());
        }
    }

    #[test]
    fn errors() {
        assert!(matches!(load(""), Err(CrdError::Empty)));
        assert!(matches!(load("- a\n"), Err(CrdError::NotAMap)));
        let cyclic = "a.v1.K:\n  schema: {properties: {kind: {}, apiVersion: {}, metadata: {}, spec: {$ref: a.v1.S}}}\na.v1.S:\n  schema: {properties: {again: {$ref: a.v1.S}}}\n";
        assert!(matches!(load(cyclic), Err(CrdError::Cycle { .. })));
    }
}
