//! Strategic-merge patching with the semantics of kustomize v5.5.0 (kyaml `merge2`, not
//! apimachinery's strategicpatch). The patch ("origin") and the resource ("dest") are walked
//! together; list merge strategies come from the built-in schema facts in `schema`, chosen by
//! the target's apiVersion+kind, or from a custom `openapi` schema that replaces them or is
//! combined with them (`apply_with`). The quirks of kyaml are reproduced on purpose: merged lists
//! start with the patch's elements, unsupported directives leak through as plain keys, and
//! multi-key lists reconcile empty key components heuristically.

use super::openapi::{CustomSchema, Node as CustomNode, Resolved};
use super::smp_schema as sch;

use serde_json::{Map, Value};

/// What happened to the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmpOutcome {
    /// The patch was merged into the target.
    Merged,
    /// The patch had a top-level `$patch: delete`: the resource leaves the build.
    Deleted,
}

/// Errors raised while merging.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SmpError {
    /// A `$patch` directive with a value other than `delete`, `replace` or `merge`.
    #[error("unknown patch strategy '{0}'")]
    UnknownStrategy(String),
    /// Patch and target disagree about the node kind of a field (e.g. map vs. scalar).
    /// kustomize appends `: node contents:\n<YAML of node>`; the caller renders `node`.
    #[error("wrong node kind: expected {expected} but got {got}")]
    WrongNodeKind {
        expected: &'static str,
        got: &'static str,
        node: Value,
    },
}

/// Merge `patch` into `target` (a whole Kubernetes resource). The schema is chosen by the
/// target's apiVersion+kind. The caller restores kind/name/namespace afterwards.
pub fn apply(target: &mut Value, patch: &Value) -> Result<SmpOutcome, SmpError> {
    apply_with(target, patch, None)
}

/// Like `apply`, but with `custom` (when given) as the schema: alone, the built-in merge
/// keys are then unknown, as in kustomize when `openapi.path` is set; combined with the
/// built-in schema as its `combine` says.
pub fn apply_with(
    target: &mut Value,
    patch: &Value,
    custom: Option<&CustomSchema>,
) -> Result<SmpOutcome, SmpError> {
    // kustomize leaves the resource untouched for a top-level `$patch: replace`.
    if patch.get("$patch").and_then(Value::as_str) == Some("replace") {
        return Ok(SmpOutcome::Merged);
    }
    // The target is moved in, not cloned: on error the build stops anyway.
    let (out, _) = walk(
        Some(std::mem::take(target)),
        Some(patch.clone()),
        None,
        custom,
    )?;
    match out {
        Out::Set(v) if !v.is_null() => {
            *target = v;
            Ok(SmpOutcome::Merged)
        }
        _ => Ok(SmpOutcome::Deleted),
    }
}

/// Schema of the node being walked.
#[derive(Clone, Copy, Debug)]
enum Schema<'a> {
    Obj(sch::Ty),
    List {
        keys: &'static [&'static str],
        item: Option<sch::Ty>,
    },
    /// A node of a custom schema (object or list, told apart by the data).
    Custom(&'a CustomSchema, &'a CustomNode),
}

impl<'a> Schema<'a> {
    /// A built-in type, unless the custom schema redefines it.
    fn builtin(ty: sch::Ty, custom: Option<&'a CustomSchema>) -> Schema<'a> {
        match custom.and_then(|c| Some((c, c.redefinition(ty)?))) {
            Some((c, Resolved::Custom(n))) => Schema::Custom(c, n),
            Some((_, Resolved::Builtin(t))) => Schema::Obj(t),
            None => Schema::Obj(ty),
        }
    }

    fn resolved(s: &'a CustomSchema, r: Resolved<'a>) -> Schema<'a> {
        match r {
            Resolved::Custom(n) => Schema::Custom(s, n),
            Resolved::Builtin(ty) => Schema::builtin(ty, Some(s)),
        }
    }

    fn field(self, name: &str, custom: Option<&'a CustomSchema>) -> Option<Schema<'a>> {
        match self {
            Schema::Obj(ty) => sch::field(ty, name).map(|f| match f {
                sch::FieldSchema::Object(t) => Schema::builtin(t, custom),
                sch::FieldSchema::MergeList { keys, item } => Schema::List { keys, item },
            }),
            Schema::List { .. } => None,
            Schema::Custom(s, node) => s.field(node, name).map(|r| Schema::resolved(s, r)),
        }
    }

    /// Merge keys and element schema when this is a list with patch strategy `merge`.
    fn merge_list(
        self,
        custom: Option<&'a CustomSchema>,
    ) -> Option<(Vec<String>, Option<Schema<'a>>)> {
        match self {
            Schema::List { keys, item } => Some((
                keys.iter().map(|k| k.to_string()).collect(),
                item.map(|t| Schema::builtin(t, custom)),
            )),
            Schema::Custom(s, node) => node
                .merge_keys()
                .map(|keys| (keys.to_vec(), s.items(node).map(|r| Schema::resolved(s, r)))),
            Schema::Obj(_) => None,
        }
    }
}

/// Result of walking one node.
enum Out {
    /// Remove the field / element.
    Clear,
    /// Set this value (a plain `null` here also removes a map field).
    Set(Value),
    /// An explicit `null` of the target that the patch did not touch: kept.
    KeepNull,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Directive {
    Merge,
    Replace,
    Delete,
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn present(v: &Option<Value>) -> Option<&Value> {
    v.as_ref().filter(|v| !v.is_null())
}

/// The YAML scalar text kyaml compares (`Node.Value`): empty for collections.
fn value_str(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null => "null".to_string(),
        Value::Array(_) | Value::Object(_) => String::new(),
    }
}

/// Like `value_str`, but "empty" nodes (null, `{}`, `[]`) count as "" (kyaml `IsNilOrEmpty`).
fn key_str(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::Object(m)) if m.is_empty() => String::new(),
        Some(Value::Array(a)) if a.is_empty() => String::new(),
        Some(v) => value_str(v),
    }
}

fn schema_for_sources<'a>(
    dest: &Option<Value>,
    origin: &Option<Value>,
    custom: Option<&'a CustomSchema>,
) -> Option<Schema<'a>> {
    [dest, origin].into_iter().find_map(|s| {
        let m = present(s)?.as_object()?;
        let api_version = m.get("apiVersion")?.as_str().filter(|s| !s.is_empty())?;
        let kind = m.get("kind")?.as_str().filter(|s| !s.is_empty())?;
        match custom {
            // A kind's schema is found by its group-version-kind, not by definition name:
            // a redefinition of a built-in root type does not replace it.
            Some(c) => c.root(api_version, kind).map(|r| match r {
                Resolved::Custom(n) => Schema::Custom(c, n),
                Resolved::Builtin(ty) => Schema::Obj(ty),
            }),
            None => sch::root_type(api_version, kind).map(Schema::Obj),
        }
    })
}

/// Walk `dest` and `origin` together. The flag tells whether the result is (a mutation of)
/// the dest node itself, which matters for list elements merged in place.
fn walk<'a>(
    dest: Option<Value>,
    origin: Option<Value>,
    schema: Option<Schema<'a>>,
    custom: Option<&'a CustomSchema>,
) -> Result<(Out, bool), SmpError> {
    let schema = schema.or_else(|| schema_for_sources(&dest, &origin, custom));
    let first = present(&dest).or(present(&origin)).cloned();
    let Some(first) = first else {
        return walk_map(dest, origin, schema, custom);
    };
    let expected = kind_name(&first);
    for s in [&dest, &origin] {
        if let Some(v) = present(s) {
            if kind_name(v) != expected {
                return Err(SmpError::WrongNodeKind {
                    expected,
                    got: kind_name(v),
                    node: v.clone(),
                });
            }
        }
    }
    match first {
        Value::Object(_) => walk_map(dest, origin, schema, custom),
        Value::Array(_) => match schema.and_then(|s| s.merge_list(custom)) {
            Some((keys, item)) => walk_assoc_list(dest, origin, keys, item, custom),
            None => Ok(match origin {
                Some(o) => (Out::Set(o), false),
                None => (dest.map_or(Out::Clear, Out::Set), true),
            }),
        },
        _ => Ok(match origin {
            Some(o) => (Out::Set(o), false),
            None => (dest.map_or(Out::Clear, Out::Set), true),
        }),
    }
}

/// Read and remove a map's `$patch` directive.
fn map_directive(v: &mut Value) -> Result<Directive, SmpError> {
    let Some(m) = v.as_object_mut() else {
        return Ok(Directive::Merge);
    };
    let Some(d) = m.get("$patch") else {
        return Ok(Directive::Merge);
    };
    let d = match value_str(d).as_str() {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => return Err(SmpError::UnknownStrategy(other.to_string())),
    };
    m.shift_remove("$patch");
    Ok(d)
}

fn walk_map<'a>(
    dest: Option<Value>,
    origin: Option<Value>,
    schema: Option<Schema<'a>>,
    custom: Option<&'a CustomSchema>,
) -> Result<(Out, bool), SmpError> {
    let (mut new_dest, origin, from_dest) = if present(&dest).is_none() {
        let mut origin = origin;
        // kyaml ignores an unknown directive here (the `$patch` key then stays).
        let directive = origin.as_mut().map(map_directive).and_then(Result::ok);
        if directive == Some(Directive::Delete) {
            return Ok((Out::Clear, false));
        }
        match origin {
            None if dest.is_some() => return Ok((Out::KeepNull, true)),
            None => return Ok((Out::Clear, false)),
            Some(o) => (o.clone(), Some(o), false),
        }
    } else {
        let mut origin = origin;
        if matches!(origin, Some(Value::Null)) {
            return Ok((Out::Clear, false));
        }
        let directive = match origin.as_mut() {
            Some(o) => map_directive(o)?,
            None => Directive::Merge,
        };
        match directive {
            Directive::Delete => return Ok((Out::Clear, false)),
            Directive::Replace => {
                let o = origin.unwrap_or(Value::Null);
                (o.clone(), Some(o), false)
            }
            Directive::Merge => (dest.unwrap_or(Value::Null), origin, true),
        }
    };
    let mut names: Vec<String> = [Some(&new_dest), origin.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(Value::as_object)
        .flat_map(|m| m.keys().cloned())
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        let child_schema = schema.and_then(|s| s.field(&name, custom));
        let d = new_dest.get(&name).cloned();
        let o = origin.as_ref().and_then(|o| o.get(&name)).cloned();
        let (out, _) = walk(d, o, child_schema, custom)?;
        if let Some(m) = new_dest.as_object_mut() {
            match out {
                Out::Clear | Out::Set(Value::Null) => {
                    m.shift_remove(&name);
                }
                Out::KeepNull => {
                    m.insert(name, Value::Null);
                }
                Out::Set(v) => {
                    m.insert(name, v);
                }
            }
        }
    }
    Ok((Out::Set(new_dest), from_dest))
}

/// Read and remove a list's `$patch` directive: only the first map element carrying `$patch`
/// counts, and only if `$patch` is its sole key.
fn list_directive(list: &mut Vec<Value>) -> Result<Directive, SmpError> {
    let Some(elem) = list
        .iter()
        .filter_map(Value::as_object)
        .find(|m| m.contains_key("$patch"))
    else {
        return Ok(Directive::Merge);
    };
    if elem.len() > 1 {
        return Ok(Directive::Merge);
    }
    let v = elem.get("$patch").map(value_str).unwrap_or_default();
    let d = match v.as_str() {
        "delete" => Directive::Delete,
        "replace" => Directive::Replace,
        "merge" => Directive::Merge,
        other => return Err(SmpError::UnknownStrategy(other.to_string())),
    };
    let keys = ["$patch".to_string()];
    element_setter(list, None, &keys, std::slice::from_ref(&v))?;
    Ok(d)
}

/// The two lists of an associative merge. `origin == None` with `alias` means the origin is
/// the very same node as `dest` (kyaml adopts the patch list as the new dest).
struct ListMerge {
    dest: Vec<Value>,
    origin: Option<Vec<Value>>,
    alias: bool,
}

impl ListMerge {
    fn origin(&self) -> Option<&Vec<Value>> {
        if self.alias {
            Some(&self.dest)
        } else {
            self.origin.as_ref()
        }
    }

    /// Sources in "prepend" order: origin first, then dest.
    fn sources(&self) -> Vec<&Vec<Value>> {
        [self.origin(), Some(&self.dest)]
            .into_iter()
            .flatten()
            .collect()
    }
}

fn walk_assoc_list<'a>(
    dest: Option<Value>,
    origin: Option<Value>,
    keys: Vec<String>,
    item_schema: Option<Schema<'a>>,
    custom: Option<&'a CustomSchema>,
) -> Result<(Out, bool), SmpError> {
    let as_list = |v: Value| match v {
        Value::Array(a) => Some(a),
        _ => None,
    };
    let mut lm = if present(&dest).is_none() {
        let Some(o) = origin else {
            return Ok((Out::Clear, false));
        };
        ListMerge {
            dest: as_list(o).unwrap_or_default(),
            origin: None,
            alias: true,
        }
    } else {
        if matches!(origin, Some(Value::Null)) {
            return Ok((Out::Clear, false));
        }
        let mut origin = origin.and_then(as_list);
        let directive = match origin.as_mut() {
            Some(o) => list_directive(o)?,
            None => Directive::Merge,
        };
        match directive {
            Directive::Delete => return Ok((Out::Clear, false)),
            Directive::Replace => ListMerge {
                dest: origin.unwrap_or_default(),
                origin: None,
                alias: true,
            },
            Directive::Merge => ListMerge {
                dest: dest.and_then(as_list).unwrap_or_default(),
                origin,
                alias: false,
            },
        }
    };
    let merged = if keys.is_empty() {
        let mut values: Vec<Vec<String>> = Vec::new();
        for src in lm.sources() {
            for v in src {
                let v = vec![value_str(v)];
                if !values.contains(&v) {
                    values.push(v);
                }
            }
        }
        set_elements(&mut lm, values, &[String::new()], item_schema, custom)?
    } else {
        let mut values: Vec<Vec<String>> = Vec::new();
        for src in lm.sources() {
            for elem in src {
                let tuple: Vec<String> = keys
                    .iter()
                    .map(|k| key_str(elem.as_object().and_then(|m| m.get(k))))
                    .collect();
                if !values.contains(&tuple) {
                    values.push(tuple);
                }
            }
        }
        set_elements(&mut lm, values, &keys, item_schema, custom)?
    };
    Ok((Out::Set(Value::Array(merged)), false))
}

/// Keep only the keys that have a non-empty value somewhere in `values_list` (all keys if none).
fn validate_keys(
    values_list: &[Vec<String>],
    values: &[String],
    keys: &[String],
) -> (Vec<String>, Vec<String>) {
    let valid: Vec<&String> = keys
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            values_list
                .iter()
                .any(|vs| vs.get(*i).is_some_and(|v| !v.is_empty()))
        })
        .map(|(_, k)| k)
        .collect();
    if valid.is_empty() {
        return (keys.to_vec(), values.to_vec());
    }
    let valid_keys = valid.iter().map(|k| (*k).clone()).collect();
    let valid_values = values
        .iter()
        .enumerate()
        .filter(|(i, v)| !v.is_empty() || keys.get(*i).is_some_and(|k| valid.contains(&k)))
        .map(|(_, v)| v.clone())
        .collect();
    (valid_keys, valid_values)
}

/// Two key tuples match if they share a component and differ only where one side is empty.
fn match_values(a: &[String], b: &[String]) -> Option<Vec<String>> {
    if a.len() != b.len() {
        return None;
    }
    let mut common = false;
    let mut res = Vec::with_capacity(a.len());
    for (x, y) in a.iter().zip(b) {
        if x == y {
            common = true;
            res.push(x.clone());
        } else if !x.is_empty() && !y.is_empty() {
            return None;
        } else if !x.is_empty() {
            res.push(x.clone());
        } else {
            res.push(y.clone());
        }
    }
    common.then_some(res)
}

/// Fill in empty key components from matching tuples (kyaml's pairwise, in-place pass).
fn merge_values(list: &mut [Vec<String>]) {
    for i in 0..list.len() {
        let a = list[i].clone();
        for j in 0..list.len() {
            if let Some(m) = match_values(&a, &list[j]) {
                list[i] = m.clone();
                list[j] = m;
            }
        }
    }
}

/// First element matching all `keys[i] == values[i]` (scalar elements when the key is "").
fn find_element(list: &[Value], keys: &[String], values: &[String]) -> Option<usize> {
    if keys.first().is_none_or(|k| k.is_empty()) {
        let want = values.first().cloned().unwrap_or_default();
        return list.iter().position(|e| value_str(e) == want);
    }
    list.iter().position(|e| {
        e.as_object().is_some_and(|m| {
            keys.iter()
                .zip(values)
                .all(|(k, v)| m.get(k).is_some_and(|f| value_str(f) == *v))
        })
    })
}

/// kyaml `FieldMatcher`: does `elem` have field `name` (with value `want` unless empty)?
fn field_matches(elem: &Value, name: &str, want: &str) -> Result<bool, SmpError> {
    if elem.is_null() {
        return Ok(false);
    }
    if name.is_empty() {
        if elem.is_object() || elem.is_array() {
            return Err(SmpError::WrongNodeKind {
                expected: "ScalarNode",
                got: kind_name(elem),
                node: elem.clone(),
            });
        }
        return Ok(value_str(elem) == want);
    }
    let Some(m) = elem.as_object() else {
        return Err(SmpError::WrongNodeKind {
            expected: "MappingNode",
            got: kind_name(elem),
            node: elem.clone(),
        });
    };
    Ok(m.get(name)
        .is_some_and(|f| want.is_empty() || value_str(f) == want))
}

fn is_empty_map_or_null(v: &Value) -> bool {
    v.is_null() || v.as_object().is_some_and(Map::is_empty)
}

/// kyaml `ElementSetter`: replace (or with `element == None` delete) every element matching
/// the keys; append if nothing matched. Also drops null and `{}` elements.
fn element_setter(
    list: &mut Vec<Value>,
    element: Option<&Value>,
    keys: &[String],
    values: &[String],
) -> Result<(), SmpError> {
    let empty = [String::new()];
    let keys = if keys.is_empty() { &empty[..] } else { keys };
    let mapping_setter = !keys[0].is_empty() && values.first().is_some_and(|v| !v.is_empty());
    let mut out = Vec::with_capacity(list.len() + 1);
    let mut matched = false;
    for elem in list.drain(..) {
        if is_empty_map_or_null(&elem) {
            continue;
        }
        if !elem.is_object() && mapping_setter {
            out.push(elem);
            continue;
        }
        let mut last = false;
        let mut found = true;
        for (j, key) in keys.iter().enumerate() {
            if let Some(v) = values.get(j) {
                last = field_matches(&elem, key, v)?;
            }
            if !last {
                found = false;
                break;
            }
        }
        if !found {
            if !values.is_empty() {
                out.push(elem);
            }
            continue;
        }
        matched = true;
        if let Some(e) = element {
            out.push(e.clone());
        }
    }
    *list = out;
    match element {
        Some(e) if !e.is_null() && !matched => list.push(e.clone()),
        _ => {}
    }
    Ok(())
}

/// Merge every key tuple's elements, then append the dest's remaining elements after the
/// patch's ones (kustomize uses the "prepend" list direction).
fn set_elements<'a>(
    lm: &mut ListMerge,
    mut values_list: Vec<Vec<String>>,
    keys: &[String],
    item_schema: Option<Schema<'a>>,
    custom: Option<&'a CustomSchema>,
) -> Result<Vec<Value>, SmpError> {
    let mut items: Vec<Value> = Vec::new();
    if keys.len() > 1 {
        merge_values(&mut values_list);
    }
    let mut valid_keys: Vec<String> = Vec::new();
    for values in &values_list {
        if values.is_empty() {
            continue;
        }
        let (vk, vv) = validate_keys(&values_list, values, keys);
        valid_keys.clone_from(&vk);
        let (ek, ev) = validate_keys(std::slice::from_ref(&vv), &vv, &vk);
        let dest_idx = find_element(&lm.dest, &ek, &ev);
        let dest_elem = dest_idx.map(|i| lm.dest[i].clone());
        let origin_elem = lm
            .origin()
            .and_then(|o| find_element(o, &ek, &ev).map(|i| o[i].clone()));
        let (out, from_dest) = walk(dest_elem, origin_elem, item_schema, custom)?;
        let val = match out {
            Out::Set(v) if !is_empty_map_or_null(&v) => v,
            _ => {
                element_setter(&mut lm.dest, None, &vk, &vv)?;
                continue;
            }
        };
        if let (true, Some(i)) = (from_dest, dest_idx) {
            // kyaml merged into the dest element in place.
            lm.dest[i] = val.clone();
        }
        let mut val = val;
        for (key, v) in vk.iter().zip(&vv) {
            if v.is_empty() {
                continue;
            }
            if key.is_empty() {
                if !(val.is_object() || val.is_array()) {
                    val = Value::String(v.clone());
                }
                continue;
            }
            match val.as_object_mut() {
                Some(m) => {
                    m.entry(key.clone())
                        .or_insert_with(|| Value::String(v.clone()));
                }
                None => {
                    return Err(SmpError::WrongNodeKind {
                        expected: "MappingNode",
                        got: kind_name(&val),
                        node: val.clone(),
                    })
                }
            }
        }
        element_setter(&mut items, Some(&val), &vk, &vv)?;
    }
    if values_list.is_empty() {
        return Ok(std::mem::take(&mut lm.dest));
    }
    append_list(items, &lm.dest, &valid_keys)
}

/// kyaml `appendListNode`: add `src`'s elements to `dst`, replacing elements with equal keys.
fn append_list(
    mut dst: Vec<Value>,
    src: &[Value],
    keys: &[String],
) -> Result<Vec<Value>, SmpError> {
    for elem in src {
        if keys.first().is_none_or(|k| k.is_empty()) {
            element_setter(&mut dst, Some(elem), &[String::new()], &[value_str(elem)])?;
            continue;
        }
        let mut v = Vec::new();
        for key in keys {
            let field = match elem {
                Value::Null => None,
                Value::Object(m) => m.get(key),
                other => {
                    return Err(SmpError::WrongNodeKind {
                        expected: "MappingNode",
                        got: kind_name(other),
                        node: other.clone(),
                    })
                }
            };
            match field {
                None => dst.push(elem.clone()),
                Some(f) => v.push(value_str(f)),
            }
        }
        if keys.len() > 1 {
            element_setter(&mut dst, None, keys, &v)?;
        }
        element_setter(&mut dst, Some(elem), keys, &v)?;
    }
    Ok(dst)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected outputs below were read off `kubectl kustomize` (v5.5.0) with the target as
    /// the only resource and the patch in `patches: [{path: p.yaml}]`.
    fn check(target: &str, patch: &str, expected: &str) {
        let mut t: Value = serde_json::from_str(target).unwrap();
        let p: Value = serde_json::from_str(patch).unwrap();
        assert_eq!(apply(&mut t, &p), Ok(SmpOutcome::Merged));
        let want: Value = serde_json::from_str(expected).unwrap();
        assert_eq!(t, want, "\n got: {t}\nwant: {want}");
    }

    #[test]
    fn custom_schema_replaces_builtin() {
        let custom = CustomSchema::parse(
            r##"{"definitions": {
                "app": {"x-kubernetes-group-version-kind": [{"group": "example.com", "version": "v1", "kind": "App"}],
                        "properties": {"spec": {"properties": {"workers": {
                            "type": "array", "items": {"type": "object"},
                            "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}}}}}}}"##,
        )
        .unwrap();
        let mut t: Value = serde_json::from_str(
            r#"{"apiVersion": "example.com/v1", "kind": "App", "metadata": {"name": "a"}, "spec": {"workers": [{"name": "x", "n": 1}, {"name": "y", "n": 1}]}}"#,
        )
        .unwrap();
        let p: Value = serde_json::from_str(
            r#"{"apiVersion": "example.com/v1", "kind": "App", "metadata": {"name": "a"}, "spec": {"workers": [{"name": "y", "n": 2}]}}"#,
        )
        .unwrap();
        assert_eq!(
            apply_with(&mut t, &p, Some(&custom)),
            Ok(SmpOutcome::Merged)
        );
        assert_eq!(
            t["spec"]["workers"],
            serde_json::json!([{"name": "y", "n": 2}, {"name": "x", "n": 1}])
        );
        // Deployments lose their built-in container merge key under a custom schema.
        let mut t: Value = serde_json::from_str(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}"#,
        )
        .unwrap();
        let p: Value = serde_json::from_str(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "b"}]}}}}"#,
        )
        .unwrap();
        assert_eq!(
            apply_with(&mut t, &p, Some(&custom)),
            Ok(SmpOutcome::Merged)
        );
        assert_eq!(
            t["spec"]["template"]["spec"]["containers"],
            serde_json::json!([{"name": "b"}])
        );
    }

    #[test]
    fn custom_schema_combined_with_builtin() {
        use super::super::openapi::Combine;
        let mut custom = CustomSchema::parse(
            r##"{"definitions": {
                "dc": {"x-kubernetes-group-version-kind": [{"group": "apps.openshift.io", "version": "v1", "kind": "DeploymentConfig"}],
                       "properties": {"spec": {"properties": {"template": {"$ref": "#/definitions/io.k8s.api.core.v1.PodTemplateSpec"}}}}},
                "io.k8s.api.core.v1.Container": {"properties": {"ports": {
                    "type": "array", "items": {"type": "object"},
                    "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name"}}}}}"##,
        )
        .unwrap();
        let target = r#"{"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x", "ports": [{"name": "http", "containerPort": 80}]}]}}}}"#;
        let patch = r#"{"apiVersion": "apps.openshift.io/v1", "kind": "DeploymentConfig", "metadata": {"name": "d"},
            "spec": {"template": {"spec": {"containers": [{"name": "a", "ports": [{"name": "http", "containerPort": 81}]}, {"name": "b"}]}}}}"#;
        let run = |custom: &CustomSchema| {
            let mut t: Value = serde_json::from_str(target).unwrap();
            let p: Value = serde_json::from_str(patch).unwrap();
            assert_eq!(apply_with(&mut t, &p, Some(custom)), Ok(SmpOutcome::Merged));
            t["spec"]["template"]["spec"]["containers"].clone()
        };
        // Alone, the PodTemplateSpec reference dangles: the patch's list replaces.
        assert_eq!(
            run(&custom),
            serde_json::json!([{"name": "a", "ports": [{"name": "http", "containerPort": 81}]}, {"name": "b"}])
        );
        // On top of the built-in schema: containers merge by name, the redefined Container
        // merges ports by name.
        custom.combine = Combine::OverBuiltin;
        assert_eq!(
            run(&custom),
            serde_json::json!([{"name": "a", "image": "x", "ports": [{"name": "http", "containerPort": 81}]}, {"name": "b"}])
        );
        // Under it: the built-in Container keys ports by containerPort and protocol.
        custom.combine = Combine::UnderBuiltin;
        assert_eq!(
            run(&custom),
            serde_json::json!([
                {"name": "a", "image": "x", "ports": [{"name": "http", "containerPort": 81}, {"name": "http", "containerPort": 80}]},
                {"name": "b"}
            ])
        );
    }

    #[test]
    fn map_merge_and_null_delete() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1, "paused": true, "minReadySeconds": 3}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 2, "paused": null, "foo": {"a": 1, "b": null}, "bar": null}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"foo":{"a":1},"minReadySeconds":3,"replicas":2}}"#,
        );
    }

    #[test]
    fn top_level_delete() {
        let mut t: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1}}"#).unwrap();
        let p: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "$patch": "delete"}"#).unwrap();
        assert_eq!(apply(&mut t, &p), Ok(SmpOutcome::Deleted));
    }

    #[test]
    fn map_replace() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"$patch": "replace", "matchExpressions": []}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"replicas":1,"selector":{"matchExpressions":[]}}}"#,
        );
    }

    #[test]
    fn map_merge_directive() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"$patch": "merge", "matchLabels": {"c": "d"}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b","c":"d"}}}}"#,
        );
    }

    #[test]
    fn map_unknown_directive() {
        let mut t: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}}}}"#).unwrap();
        let p: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"$patch": "foo"}}}"#).unwrap();
        assert_eq!(
            apply(&mut t, &p),
            Err(SmpError::UnknownStrategy("foo".to_string()))
        );
    }

    #[test]
    fn map_unknown_directive_new_map() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"$patch": "foo", "x": 1}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"$patch":"foo","x":1}}}"#,
        );
    }

    #[test]
    fn nested_delete_directive() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"selector": {"matchLabels": {"a": "b"}}, "strategy": {"type": "Recreate"}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"strategy": {"$patch": "delete"}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"selector":{"matchLabels":{"a":"b"}}}}"#,
        );
    }

    #[test]
    fn container_order() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}, {"name": "c", "image": "c"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b2"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":"b2","name":"b"},{"image":"a","name":"a"},{"image":"c","name":"c"}]}}}}"#,
        );
    }

    #[test]
    fn container_add_and_delete() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "c", "x": null, "env": [{"name": "E", "value": null}]}, {"name": "a", "$patch": "delete"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"env":[{"name":"E"}],"image":"c","name":"c"},{"image":"b","name":"b"}]}}}}"#,
        );
    }

    #[test]
    fn list_replace_directive() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "c"}, {"$patch": "replace"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":"c","name":"c"}]}}}}"#,
        );
    }

    #[test]
    fn list_delete_directive() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}], "volumes": [{"name": "v"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"volumes": [{"$patch": "delete"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":"a","name":"a"}]}}}}"#,
        );
    }

    #[test]
    fn env_merge() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "args": ["x", "y"], "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "args": ["z"], "env": [{"name": "C", "value": "3"}, {"name": "A", "value": "9"}]}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"args":["z"],"env":[{"name":"C","value":"3"},{"name":"A","value":"9"},{"name":"B","value":"2"}],"name":"a"}]}}}}"#,
        );
    }

    #[test]
    fn finalizers_union() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "finalizers": ["a", "b"]}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "finalizers": ["c", "a"]}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"finalizers":["c","a","b"],"name":"d"}}"#,
        );
    }

    #[test]
    fn crd_lists_replaced() {
        check(
            r#"{"apiVersion": "example.com/v1", "kind": "Foo", "metadata": {"name": "d", "finalizers": ["a", "b"]}, "spec": {"containers": [{"name": "a", "image": "a"}]}}"#,
            r#"{"apiVersion": "example.com/v1", "kind": "Foo", "metadata": {"name": "d", "finalizers": ["c"]}, "spec": {"containers": [{"name": "b", "image": "b", "x": null}]}}"#,
            r#"{"apiVersion":"example.com/v1","kind":"Foo","metadata":{"finalizers":["c"],"name":"d"},"spec":{"containers":[{"image":"b","name":"b","x":null}]}}"#,
        );
    }

    #[test]
    fn unsupported_directives_copied() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}, {"name": "b"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}], "$retainKeys": ["containers"], "containers": [{"name": "a", "image": "a2"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"$retainKeys":["containers"],"$setElementOrder/containers":[{"name":"b"},{"name":"a"}],"containers":[{"image":"a2","name":"a"},{"name":"b"}]}}}}"#,
        );
    }

    #[test]
    fn service_ports_heuristics() {
        check(
            r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "d"}, "spec": {"ports": [{"port": 80, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}, {"port": 53, "protocol": "TCP"}]}}"#,
            r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "d"}, "spec": {"ports": [{"port": 80, "targetPort": 8080}, {"port": 53, "protocol": "UDP", "targetPort": 5353}, {"port": 443, "name": "https"}]}}"#,
            r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"d"},"spec":{"ports":[{"name":"https","port":443},{"port":80,"protocol":"TCP"},{"port":53,"protocol":"UDP","targetPort":5353},{"port":53,"protocol":"TCP"}]}}"#,
        );
    }

    #[test]
    fn container_ports_no_protocol() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "protocol": "TCP", "name": "http"}, {"containerPort": 81}]}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "ports": [{"containerPort": 80, "name": "web"}, {"containerPort": 81, "protocol": "TCP", "name": "x"}]}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"a","ports":[{"containerPort":80,"name":"http","protocol":"TCP"},{"containerPort":81}]}]}}}}"#,
        );
    }

    #[test]
    fn elements_missing_key() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}, {"name": "b", "image": "b"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"image": "z"}, {"name": "a", "image": "a2"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":"a2","name":"a"}]}}}}"#,
        );
    }

    #[test]
    fn dest_element_missing_key() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}, {"image": "noname"}, {"name": "b"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "c"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":"noname"}]}}}}"#,
        );
    }

    #[test]
    fn dest_list_absent() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "c", "x": null}, {"name": "c", "tag": 2}, {"$patch": "replace"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"$patch":"replace"}]}}}}"#,
        );
    }

    #[test]
    fn dest_list_null() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": null}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "c"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":"c","name":"c"}]}}}}"#,
        );
    }

    #[test]
    fn map_over_scalar() {
        let mut t: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": 5}}"#).unwrap();
        let p: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {}}}}"#).unwrap();
        let e = apply(&mut t, &p).unwrap_err().to_string();
        assert!(
            e.starts_with("wrong node kind: expected ScalarNode but got MappingNode"),
            "{e}"
        );
    }

    #[test]
    fn scalar_over_map() {
        let mut t: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {}}}}"#).unwrap();
        let p: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": 5}}"#).unwrap();
        let e = apply(&mut t, &p).unwrap_err().to_string();
        assert!(
            e.starts_with("wrong node kind: expected MappingNode but got ScalarNode"),
            "{e}"
        );
    }

    #[test]
    fn replace_inside_container() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a", "args": ["x"]}, {"name": "b"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "replace", "image": "z"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"args":["x"],"image":"a","name":"a"},{"name":"b"}]}}}}"#,
        );
    }

    #[test]
    fn null_kept_in_dest() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"replicas": null, "paused": true}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"paused": false}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"paused":false,"replicas":null}}"#,
        );
    }

    #[test]
    fn nonassoc_list_keeps_nulls() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"tolerations": [{"key": "a"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"tolerations": [{"key": "b", "value": null}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"tolerations":[{"key":"b","value":null}]}}}}"#,
        );
    }

    #[test]
    fn duplicate_dest_keys() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": 1}, {"name": "a", "image": 2}, {"name": "b"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "tty": true}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":2,"name":"a"},{"name":"b"}]}}}}"#,
        );
    }

    #[test]
    fn cronjob_v1beta1() {
        check(
            r#"{"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": {"name": "d"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}, {"name": "b"}]}}}}}}"#,
            r#"{"apiVersion": "batch/v1beta1", "kind": "CronJob", "metadata": {"name": "d"}, "spec": {"jobTemplate": {"spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b"}]}}}}}}"#,
            r#"{"apiVersion":"batch/v1beta1","kind":"CronJob","metadata":{"name":"d"},"spec":{"jobTemplate":{"spec":{"template":{"spec":{"containers":[{"image":"b","name":"b"},{"image":"a","name":"a"}]}}}}}}"#,
        );
    }

    #[test]
    fn apps_v1beta2_unknown() {
        check(
            r#"{"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "image": "a"}]}}}}"#,
            r#"{"apiVersion": "apps/v1beta2", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "b", "image": "b"}]}}}}"#,
            r#"{"apiVersion":"apps/v1beta2","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":"b","name":"b"}]}}}}"#,
        );
    }

    #[test]
    fn pod_volumes_hostaliases() {
        check(
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}, "spec": {"volumes": [{"name": "a", "emptyDir": {}}], "hostAliases": [{"ip": "1.1.1.1", "hostnames": ["a"]}], "tolerations": [{"key": "a"}]}}"#,
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}, "spec": {"volumes": [{"name": "a", "emptyDir": null, "configMap": {"name": "c"}}], "hostAliases": [{"ip": "1.1.1.1", "hostnames": ["b"]}, {"ip": "2.2.2.2"}], "tolerations": [{"key": "b"}]}}"#,
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"d"},"spec":{"hostAliases":[{"hostnames":["b"],"ip":"1.1.1.1"},{"ip":"2.2.2.2"}],"tolerations":[{"key":"b"}],"volumes":[{"configMap":{"name":"c"},"name":"a"}]}}"#,
        );
    }

    #[test]
    fn topology_spread() {
        check(
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}, "spec": {"topologySpreadConstraints": [{"topologyKey": "z", "whenUnsatisfiable": "DoNotSchedule", "maxSkew": 1}, {"topologyKey": "h", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 1}]}}"#,
            r#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "d"}, "spec": {"topologySpreadConstraints": [{"topologyKey": "h", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 3}, {"topologyKey": "z", "whenUnsatisfiable": "ScheduleAnyway", "maxSkew": 2}]}}"#,
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"d"},"spec":{"topologySpreadConstraints":[{"maxSkew":2,"topologyKey":"z","whenUnsatisfiable":"ScheduleAnyway"},{"maxSkew":1,"topologyKey":"z","whenUnsatisfiable":"DoNotSchedule"},{"maxSkew":3,"topologyKey":"h","whenUnsatisfiable":"ScheduleAnyway"}]}}"#,
        );
    }

    #[test]
    fn statefulset_vct_replaced() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "d"}, "spec": {"volumeClaimTemplates": [{"metadata": {"name": "a", "finalizers": ["x"]}}], "template": {"spec": {"initContainers": [{"name": "i", "volumeMounts": [{"mountPath": "/a", "name": "a"}]}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "d"}, "spec": {"volumeClaimTemplates": [{"metadata": {"name": "b"}}], "template": {"spec": {"initContainers": [{"name": "i", "volumeMounts": [{"mountPath": "/b", "name": "b"}]}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"d"},"spec":{"template":{"spec":{"initContainers":[{"name":"i","volumeMounts":[{"mountPath":"/b","name":"b"},{"mountPath":"/a","name":"a"}]}]}},"volumeClaimTemplates":[{"metadata":{"name":"b"}}]}}"#,
        );
    }

    #[test]
    fn serviceaccount_webhooks() {
        check(
            r#"{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "d", "ownerReferences": [{"uid": "u1", "name": "a"}]}, "secrets": [{"name": "s1"}], "imagePullSecrets": [{"name": "p1"}]}"#,
            r#"{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "d", "ownerReferences": [{"uid": "u2", "name": "b"}]}, "secrets": [{"name": "s2"}], "imagePullSecrets": [{"name": "p2"}]}"#,
            r#"{"apiVersion":"v1","imagePullSecrets":[{"name":"p2"}],"kind":"ServiceAccount","metadata":{"name":"d","ownerReferences":[{"name":"b","uid":"u2"},{"name":"a","uid":"u1"}]},"secrets":[{"name":"s2"},{"name":"s1"}]}"#,
        );
    }

    #[test]
    fn webhooks_merge() {
        check(
            r#"{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "d"}, "webhooks": [{"name": "a", "sideEffects": "None"}, {"name": "b"}]}"#,
            r#"{"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration", "metadata": {"name": "d"}, "webhooks": [{"name": "b", "sideEffects": "Some"}]}"#,
            r#"{"apiVersion":"admissionregistration.k8s.io/v1","kind":"ValidatingWebhookConfiguration","metadata":{"name":"d"},"webhooks":[{"name":"b","sideEffects":"Some"},{"name":"a","sideEffects":"None"}]}"#,
        );
    }

    #[test]
    fn list_unknown_directive() {
        let mut t: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}"#).unwrap();
        let p: Value = serde_json::from_str(r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"$patch": "foo"}]}}}}"#).unwrap();
        assert_eq!(
            apply(&mut t, &p),
            Err(SmpError::UnknownStrategy("foo".to_string()))
        );
    }

    #[test]
    fn nonassoc_list_directive_kept() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"tolerations": [{"key": "a"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"tolerations": [{"$patch": "replace"}, {"key": "b"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"tolerations":[{"$patch":"replace"},{"key":"b"}]}}}}"#,
        );
    }

    #[test]
    fn list_all_deleted_leaves_empty() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[]}}}}"#,
        );
    }

    #[test]
    fn dest_list_patch_absent_drops_empty() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}, {}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "b"}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"b"},{"name":"a"}]}}}}"#,
        );
    }

    #[test]
    fn embedded_resource_in_crd() {
        check(
            r#"{"apiVersion": "example.com/v1", "kind": "Foo", "metadata": {"name": "d"}, "spec": {"inner": {"apiVersion": "v1", "kind": "Pod", "spec": {"containers": [{"name": "a", "image": "a"}]}}}}"#,
            r#"{"apiVersion": "example.com/v1", "kind": "Foo", "metadata": {"name": "d"}, "spec": {"inner": {"spec": {"containers": [{"name": "b", "image": "b"}]}}}}"#,
            r#"{"apiVersion":"example.com/v1","kind":"Foo","metadata":{"name":"d"},"spec":{"inner":{"apiVersion":"v1","kind":"Pod","spec":{"containers":[{"image":"b","name":"b"},{"image":"a","name":"a"}]}}}}"#,
        );
    }

    #[test]
    fn replace_list_then_keys_dedup() {
        check(
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"name": "a"}]}}}}"#,
            r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d"}, "spec": {"template": {"spec": {"containers": [{"$patch": "replace"}, {"name": "x", "image": 1}, {"name": "x", "image": 2}]}}}}"#,
            r#"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"image":2,"name":"x"}]}}}}"#,
        );
    }

    #[test]
    fn scalar_list_on_ports_mixed() {
        check(
            r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "d"}, "spec": {"ports": [{"port": 80, "protocol": "TCP"}, {"port": 81}]}}"#,
            r#"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "d"}, "spec": {"ports": [{"port": 81, "protocol": "UDP", "name": "u"}]}}"#,
            r#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"d"},"spec":{"ports":[{"port":80,"protocol":"TCP"},{"port":81}]}}"#,
        );
    }
}
