//! `vars` (deprecated): named values read from one resource's field and substituted for
//! `$(NAME)` in the varReference fields of every resource, once, at the very end of the
//! build (after hash suffixes and name references).
//!
//! Owns parsing the `vars` entries, detecting a name declared twice in the tree, finding
//! each var's object (by current or previous id), reading its field, and the expansion
//! rules: only string scalars (or string items of lists and string values of maps) are
//! expanded, `$$` is an escaped `$`, unknown names stay as written, and a value that is
//! exactly `$(NAME)` takes the var's type (an int port stays an int).

use super::fieldspec::FieldSpec;
use super::replacements::{lookup, split_path};
use super::resmap::ResMap;
use super::resource::{Gvk, ResId};
use serde::Deserialize;
use serde_json::{Number, Value};
use std::collections::BTreeMap;
use std::fmt;

/// One `vars` entry, with kustomize's defaults applied (field path `metadata.name`,
/// `apiVersion` split into group and version).
#[derive(Debug, Clone, PartialEq)]
pub struct Var {
    pub name: String,
    pub objref: ObjRef,
    pub field_path: String,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct ObjRef {
    pub gvk: Gvk,
    pub name: String,
    pub namespace: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVar {
    name: String,
    objref: RawObjRef,
    #[serde(default)]
    fieldref: RawFieldRef,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawObjRef {
    #[serde(default)]
    api_version: String,
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    name: String,
    #[serde(default)]
    namespace: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct RawFieldRef {
    #[serde(default)]
    field_path: String,
}

impl fmt::Display for Var {
    /// Go's `%v` of kustomize's Var: `{NAME Kind.version.group {fieldPath}}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn or<'a>(s: &'a str, p: &'a str) -> &'a str {
            if s.is_empty() {
                p
            } else {
                s
            }
        }
        write!(
            f,
            "{{{} {}.{}.{} {{{}}}}}",
            self.name,
            or(&self.objref.gvk.kind, "[noKind]"),
            or(&self.objref.gvk.version, "[noVer]"),
            or(&self.objref.gvk.group, "[noGrp]"),
            self.field_path
        )
    }
}

/// Renames the keys of a mapping that match one of `fields` only up to ASCII case to that
/// field's spelling, as Go's JSON decoding matches struct fields (`fieldpath` is
/// `fieldPath`). Exact spellings win; other keys are left for the strict parse to reject.
fn fold_key_case(value: &mut Value, fields: &[&str]) {
    let Value::Object(map) = value else {
        return;
    };
    let folded = std::mem::take(map)
        .into_iter()
        .map(|(k, v)| {
            let canonical = match fields.iter().find(|f| f.eq_ignore_ascii_case(&k)) {
                Some(f) if !fields.contains(&k.as_str()) => f.to_string(),
                _ => k,
            };
            (canonical, v)
        })
        .collect();
    *map = folded;
}

/// Reads a kustomization's `vars` entries.
pub fn parse(entries: &[Value]) -> Result<Vec<Var>, String> {
    let mut out = Vec::new();
    for e in entries {
        let mut e = e.clone();
        fold_key_case(&mut e, &["name", "objref", "fieldref"]);
        if let Some(o) = e.get_mut("objref") {
            fold_key_case(
                o,
                &[
                    "apiVersion",
                    "group",
                    "version",
                    "kind",
                    "name",
                    "namespace",
                ],
            );
        }
        if let Some(f) = e.get_mut("fieldref") {
            fold_key_case(f, &["fieldPath"]);
        }
        let raw: RawVar = serde_json::from_value(e).map_err(|e| format!("vars: {e}"))?;
        let o = raw.objref;
        let mut gvk = Gvk {
            group: o.group,
            version: o.version,
            kind: o.kind,
        };
        if !o.api_version.is_empty() {
            let parts: Vec<&str> = o.api_version.split('/').collect();
            match parts.as_slice() {
                [g, v] => {
                    gvk.group = g.to_string();
                    gvk.version = v.to_string();
                }
                [v] => gvk.version = v.to_string(),
                _ => {}
            }
        }
        let field_path = if raw.fieldref.field_path.is_empty() {
            "metadata.name".to_string()
        } else {
            raw.fieldref.field_path
        };
        out.push(Var {
            name: raw.name,
            objref: ObjRef {
                gvk,
                name: o.name,
                namespace: o.namespace,
            },
            field_path,
        });
    }
    Ok(out)
}

/// Adds `more` to `into`; a name already present is an error, wherever in the tree the
/// two declarations are.
pub fn merge(into: &mut Vec<Var>, more: Vec<Var>) -> Result<(), String> {
    for v in more {
        if into.iter().any(|x| x.name == v.name) {
            return Err(format!("var '{}' already encountered", v.name));
        }
        into.push(v);
    }
    Ok(())
}

/// A var's value, typed as kustomize reads it from the field.
#[derive(Debug, Clone, PartialEq)]
enum VarValue {
    Str(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// Maps and lists cannot be substituted; `$(NAME)` is left as written.
    Unusable,
}

impl VarValue {
    fn from_field(v: &Value) -> VarValue {
        match v {
            Value::String(s) => VarValue::Str(s.clone()),
            Value::Bool(b) => VarValue::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => VarValue::Int(i),
                (None, Some(f)) if n.is_f64() => VarValue::Float(f),
                _ => VarValue::Str(n.to_string()),
            },
            Value::Null => VarValue::Str(String::new()),
            Value::Object(_) | Value::Array(_) => VarValue::Unusable,
        }
    }

    /// Go's `%v`.
    fn text(&self) -> String {
        match self {
            VarValue::Str(s) => s.clone(),
            VarValue::Int(i) => i.to_string(),
            VarValue::Float(f) => go_v_float(*f),
            VarValue::Bool(b) => b.to_string(),
            VarValue::Unusable => String::new(),
        }
    }

    fn to_value(&self) -> Value {
        match self {
            VarValue::Str(s) => Value::String(s.clone()),
            VarValue::Int(i) => Value::Number((*i).into()),
            VarValue::Float(f) => Number::from_f64(*f)
                .map(Value::Number)
                .unwrap_or_else(|| Value::String(go_v_float(*f))),
            VarValue::Bool(b) => Value::Bool(*b),
            VarValue::Unusable => Value::Null,
        }
    }
}

/// Go's `fmt` `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest
/// digits, exponent form when the decimal exponent is below -4 or at least 6.
fn go_v_float(f: f64) -> String {
    if f == 0.0 {
        return "0".to_string();
    }
    let sci = format!("{f:e}");
    let (mant, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mant}e{sign}{:02}", exp.abs());
    }
    format!("{f}")
}

/// The expansion result of one string.
enum Expanded {
    Text(String),
    Whole(Value),
}

/// Expands `$(NAME)` references in `input`; `$$` is a literal `$`.
fn expand(
    input: &str,
    values: &BTreeMap<String, VarValue>,
    used: &mut BTreeMap<String, bool>,
) -> Expanded {
    let mut lookup = |name: &str| -> Option<VarValue> {
        match values.get(name) {
            Some(VarValue::Unusable) | None => None,
            Some(v) => {
                used.insert(name.to_string(), true);
                Some(v.clone())
            }
        }
    };
    let bytes = input.as_bytes();
    let mut out = String::new();
    let mut checkpoint = 0;
    let mut cursor = 0;
    while cursor < bytes.len() {
        if bytes[cursor] == b'$' && cursor + 1 < bytes.len() {
            out.push_str(&input[checkpoint..cursor]);
            let rest = &input[cursor + 1..];
            let advance;
            match rest.as_bytes()[0] {
                b'$' => {
                    out.push('$');
                    advance = 1;
                }
                b'(' => match rest[1..].find(')') {
                    Some(end) => {
                        let name = &rest[1..1 + end];
                        let mapped = lookup(name);
                        if input.len() == name.len() + 3 {
                            return match mapped {
                                Some(v) => Expanded::Whole(v.to_value()),
                                None => Expanded::Text(input.to_string()),
                            };
                        }
                        match mapped {
                            Some(v) => out.push_str(&v.text()),
                            None => {
                                out.push_str("$(");
                                out.push_str(name);
                                out.push(')');
                            }
                        }
                        advance = end + 2;
                    }
                    None => {
                        out.push_str("$(");
                        advance = 1;
                    }
                },
                _ => {
                    // `$` followed by any other character is kept as written
                    out.push('$');
                    let c = rest.chars().next().unwrap_or(' ');
                    out.push(c);
                    advance = c.len_utf8();
                }
            }
            cursor += advance + 1;
            checkpoint = cursor;
        } else {
            cursor += 1;
        }
    }
    out.push_str(&input[checkpoint.min(input.len())..]);
    Expanded::Text(out)
}

/// Resolves every var and substitutes it in the varReference fields (`specs`: the
/// builtin ones plus `configurations`) of `resources`. Returns kustomize's warning about
/// vars that were defined but never used.
pub fn resolve(
    resources: &mut ResMap,
    vars: &[Var],
    specs: &[FieldSpec],
) -> Result<Vec<String>, String> {
    if vars.is_empty() {
        return Ok(Vec::new());
    }
    let mut sorted: Vec<&Var> = vars.iter().collect();
    sorted.sort_by(|a, b| a.name.cmp(&b.name));
    let mut values: BTreeMap<String, VarValue> = BTreeMap::new();
    for v in sorted {
        values.insert(v.name.clone(), value_of(resources, v)?);
    }
    let mut used: BTreeMap<String, bool> = BTreeMap::new();
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        let id = r.id();
        // kustomize writes every string of these fields back as a new plain node, so a
        // folded scalar there keeps the value as read (no refolding on the way out).
        if !r.refolded.is_empty() {
            let matching: Vec<&FieldSpec> = specs.iter().filter(|fs| fs.matches(&gvk)).collect();
            for (pointer, original) in std::mem::take(&mut r.refolded) {
                let under = matching
                    .iter()
                    .any(|fs| reaches(&r.obj, &fs.path, &pointer));
                let refolded = crate::yaml::fold::refold(&original);
                match r.obj.pointer_mut(&pointer) {
                    Some(v) if under && refolded.is_some() && v.as_str() == refolded.as_deref() => {
                        *v = Value::String(original);
                    }
                    _ => r.refolded.push((pointer, original)),
                }
            }
        }
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            fs.visit_existing(&mut r.obj, &mut |node| substitute(node, &values, &mut used))
                .map_err(|e| {
                    format!(
                        "considering field '{}' of object {id}: {e}",
                        fs.path_string()
                    )
                })?;
        }
    }
    let unused: Vec<&str> = values
        .keys()
        .filter(|k| !used.contains_key(*k))
        .map(String::as_str)
        .collect();
    if unused.is_empty() {
        Ok(Vec::new())
    } else {
        Ok(vec![format!(
            "well-defined vars that were never replaced: {}",
            unused.join(",")
        )])
    }
}

fn substitute(
    node: &mut Value,
    values: &BTreeMap<String, VarValue>,
    used: &mut BTreeMap<String, bool>,
) -> Result<(), String> {
    let mut one = |v: &mut Value| {
        if let Value::String(s) = v {
            *v = match expand(s, values, used) {
                Expanded::Text(t) => Value::String(t),
                Expanded::Whole(w) => w,
            };
        }
    };
    match node {
        Value::String(_) => one(node),
        Value::Object(m) => {
            for (_, v) in m.iter_mut() {
                one(v);
            }
        }
        Value::Array(items) => {
            if items.iter().any(|i| !i.is_string()) {
                return Err("invalid value type expect a string".to_string());
            }
            for i in items.iter_mut() {
                one(i);
            }
        }
        _ => {}
    }
    Ok(())
}

/// Binds each var of one kustomization to its object among the resources accumulated
/// so far (current or any previous id; without a namespace in the objref, any
/// namespace), as kustomize does when it merges the kustomization's vars: an objref
/// matching two objects is an error, one matching none stays unbound (and fails when
/// resolved).
pub fn bind(resources: &mut ResMap, vars: &[Var]) -> Result<(), String> {
    for v in vars {
        let want = ResId {
            gvk: v.objref.gvk.clone(),
            name: v.objref.name.clone(),
            namespace: v.objref.namespace.clone(),
        };
        let exact_ns = !want.namespace.is_empty() || want.gvk.is_cluster_scoped();
        let matches = |id: &ResId| {
            id.gvk == want.gvk
                && id.name == want.name
                && (!exact_ns || id.effective_namespace() == want.effective_namespace())
        };
        let found: Vec<usize> = resources
            .iter()
            .enumerate()
            .filter(|(_, r)| r.all_ids().any(|id| matches(&id)))
            .map(|(i, _)| i)
            .collect();
        match found.as_slice() {
            [one] => resources.get_mut(*one).ref_vars.push(v.name.clone()),
            [] => {}
            many => {
                return Err(format!(
                    "found {} resId matches for var {v} (unable to disambiguate)",
                    many.len()
                ))
            }
        }
    }
    Ok(())
}

/// Reads the var's field from the object it was bound to.
fn value_of(resources: &ResMap, v: &Var) -> Result<VarValue, String> {
    let res = resources
        .iter()
        .find(|r| r.ref_vars.contains(&v.name))
        .ok_or_else(|| {
            format!("var '{v}' cannot be mapped to a field in the set of known resources")
        })?;
    let parts = convert_slice_index(split_path(&v.field_path));
    let not_found = || format!("field specified in var '{v}' not found in corresponding resource");
    match lookup(&res.obj, &parts) {
        Ok(Some(value)) => Ok(VarValue::from_field(value)),
        _ => Err(not_found()),
    }
}

/// `ports[0]` is the field `ports`, then index `0`.
fn convert_slice_index(parts: Vec<String>) -> Vec<String> {
    let mut out = Vec::new();
    for p in parts {
        if let Some(body) = p.strip_suffix(']') {
            if let Some((head, idx)) = body.rsplit_once('[') {
                if !idx.is_empty() && idx.bytes().all(|b| b.is_ascii_digit()) {
                    if !head.is_empty() {
                        out.push(head.to_string());
                    }
                    out.push(idx.to_string());
                    continue;
                }
            }
        }
        out.push(p);
    }
    out
}

/// Whether the string at `pointer` in `obj` is one that a var-reference walk along
/// `path` substitutes in: the node the path leads to (lists stepped through), or an
/// item or value of it.
fn reaches(obj: &Value, path: &[crate::render::fieldspec::Segment], pointer: &str) -> bool {
    let tokens: Vec<String> = pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let mut at = obj;
    let mut i = 0;
    for seg in path {
        while let Value::Array(items) = at {
            let Some(next) = tokens.get(i).and_then(|t| t.parse::<usize>().ok()) else {
                return false;
            };
            let Some(item) = items.get(next) else {
                return false;
            };
            at = item;
            i += 1;
        }
        match (at, tokens.get(i)) {
            (Value::Object(m), Some(t)) if *t == seg.key => match m.get(t) {
                Some(v) => at = v,
                None => return false,
            },
            _ => return false,
        }
        i += 1;
    }
    tokens.len() - i <= 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::fieldspec::defaults;
    use crate::render::resource::Resource;
    use serde_json::json;

    #[test]
    fn var_keys_match_case_insensitively() {
        let vars = parse(&[
            json!({"name": "NS", "objRef": {"Kind": "Service", "name": "web"},
                                  "fieldref": {"fieldpath": "metadata.namespace"}}),
        ])
        .expect("parses");
        assert_eq!(vars[0].objref.gvk.kind, "Service");
        assert_eq!(vars[0].field_path, "metadata.namespace");
    }

    fn values() -> BTreeMap<String, VarValue> {
        let mut m = BTreeMap::new();
        m.insert("DB".to_string(), VarValue::Str("db".into()));
        m.insert("PORT".to_string(), VarValue::Int(5432));
        m
    }

    fn text(s: &str) -> Value {
        let mut used = BTreeMap::new();
        match expand(s, &values(), &mut used) {
            Expanded::Text(t) => Value::String(t),
            Expanded::Whole(v) => v,
        }
    }

    #[test]
    fn expansion_rules() {
        // read off kubectl kustomize: args [--db=$(DB), $(PORT), $$(DB), $(NOPE), a$, $x, $(unterminated]
        assert_eq!(text("--db=$(DB)"), json!("--db=db"));
        assert_eq!(text("$(PORT)"), json!(5432));
        assert_eq!(text("$$(DB)"), json!("$(DB)"));
        assert_eq!(text("$(NOPE)"), json!("$(NOPE)"));
        assert_eq!(text("a$"), json!("a$"));
        assert_eq!(text("$x"), json!("$x"));
        assert_eq!(text("$(unterminated"), json!("$(unterminated"));
        assert_eq!(text("$(DB):$(PORT)"), json!("db:5432"));
    }

    #[test]
    fn parse_and_describe() {
        let v = parse(&[
            json!({"name": "X", "objref": {"kind": "Service", "name": "s", "apiVersion": "v1"}}),
        ])
        .unwrap();
        assert_eq!(v[0].to_string(), "{X Service.v1.[noGrp] {metadata.name}}");
        assert!(
            parse(&[json!({"name": "X", "objref": {"kind": "S", "name": "s"}, "bad": 1})]).is_err()
        );
        let mut all = v.clone();
        assert_eq!(
            merge(&mut all, v).unwrap_err(),
            "var 'X' already encountered"
        );
    }

    #[test]
    fn resolves_against_resources() {
        let mut m = ResMap::new();
        m.append_all(vec![
            Resource::new(
                json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
                       "spec": {"ports": [{"port": 5432}]}}),
                "t",
            ),
            Resource::new(
                json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                       "spec": {"template": {"spec": {"containers": [
                         {"name": "a", "args": ["$(PORT)"], "env": [{"name": "H", "value": "$(DB)"}]}]}}}}),
                "t",
            ),
        ])
        .unwrap();
        let vars = parse(&[
            json!({"name": "DB", "objref": {"kind": "Service", "name": "db", "apiVersion": "v1"}}),
            json!({"name": "PORT", "objref": {"kind": "Service", "name": "db", "apiVersion": "v1"},
                   "fieldref": {"fieldPath": "spec.ports[0].port"}}),
            json!({"name": "UNUSED", "objref": {"kind": "Service", "name": "db", "apiVersion": "v1"}}),
        ])
        .unwrap();
        bind(&mut m, &vars).unwrap();
        let warnings = resolve(&mut m, &vars, &defaults::var_reference()).unwrap();
        assert_eq!(
            warnings,
            vec!["well-defined vars that were never replaced: UNUSED"]
        );
        let c = &m.get(1).obj["spec"]["template"]["spec"]["containers"][0];
        assert_eq!(c["args"], json!([5432]));
        assert_eq!(c["env"][0]["value"], json!("db"));

        // without apiVersion the objref's gvk does not equal the Service's
        let bad =
            parse(&[json!({"name": "DB", "objref": {"kind": "Service", "name": "db"}})]).unwrap();
        let mut m = ResMap::new();
        m.append_all(vec![Resource::new(
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"}}),
            "t",
        )])
        .unwrap();
        bind(&mut m, &bad).unwrap();
        assert_eq!(
            resolve(&mut m, &bad, &defaults::var_reference()).unwrap_err(),
            "var '{DB Service.[noVer].[noGrp] {metadata.name}}' cannot be mapped to a field in the set of known resources"
        );
    }
}
