//! `replacements`: copy one field of one resource into fields of other resources.
//!
//! Owns parsing the kustomization's `replacements` entries (inline, or `path:` files
//! holding one replacement or a list), the dotted field paths kustomize uses here
//! (`\.` escapes a dot, `[key=value]` picks list elements, `[a.b]` is one map key,
//! numbers index lists, `*` means every element in targets), source selection (exactly
//! one resource by any of its ids, exact string match) and writing the value into each
//! target: a scalar target keeps its type and only takes the source's text, anything
//! else is replaced by the source node; `delimiter`/`index` splice into a delimited
//! string and `create` builds missing fields.

use super::resmap::ResMap;
use super::resource::{Gvk, ResId, Resource};
use super::selector::LabelSelector;
use crate::yaml::parse::{parse_one, resolve_plain};
use crate::yaml::Dialect;
use regex::Regex;
use serde::Deserialize;
use serde_json::{Map, Value};

const DEFAULT_FIELD_PATH: &str = "metadata.name";

/// One replacement: a source field and the targets it is copied to.
#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
pub struct Replacement {
    #[serde(default)]
    pub source: Option<Source>,
    #[serde(default)]
    pub targets: Option<Vec<Target>>,
}

/// Where the value comes from.
#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Source {
    #[serde(flatten)]
    pub id: IdSelector,
    #[serde(default)]
    pub field_path: String,
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

/// Exact-match selection by group, version, kind, name and (effective) namespace; empty
/// parts match anything.
#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
pub struct IdSelector {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
}

/// `select` / `reject`: an id selector plus label and annotation selectors.
#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Selector {
    #[serde(flatten)]
    pub id: IdSelector,
    #[serde(default)]
    pub label_selector: String,
    #[serde(default)]
    pub annotation_selector: String,
}

/// Where the value goes.
#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    #[serde(default)]
    pub select: Option<Selector>,
    #[serde(default)]
    pub reject: Vec<Selector>,
    #[serde(default)]
    pub field_paths: Vec<String>,
    #[serde(default)]
    pub options: Option<FieldOptions>,
}

#[derive(Deserialize, Debug, Clone, Default, PartialEq)]
pub struct FieldOptions {
    #[serde(default)]
    pub delimiter: String,
    #[serde(default)]
    pub index: i64,
    #[serde(default)]
    pub encoding: String,
    #[serde(default)]
    pub create: bool,
}

const ID_KEYS: &[&str] = &["group", "version", "kind", "name", "namespace"];
const OPTION_KEYS: &[&str] = &["delimiter", "index", "encoding", "create"];

/// Reads the kustomization's `replacements` entries. `load` reads a file named by a
/// `path:` entry, relative to the kustomization. Inline entries are checked strictly
/// (unknown fields are errors, as in the kustomization itself); files are not, as in
/// kustomize.
pub fn parse(
    entries: &[Value],
    load: &dyn Fn(&str) -> Result<String, String>,
) -> Result<Vec<Replacement>, String> {
    let mut out = Vec::new();
    for entry in entries {
        check_entry_keys(entry).map_err(|e| format!("replacements: {e}"))?;
        let path = entry.get("path").cloned().unwrap_or(Value::Null);
        let path = match path {
            Value::Null => String::new(),
            Value::String(s) => s,
            other => {
                return Err(format!(
                    "replacements: json: cannot unmarshal {} into field path of type string",
                    json_kind(&other)
                ))
            }
        };
        let mut inline = entry.clone();
        if let Value::Object(m) = &mut inline {
            m.remove("path");
        }
        let inline: Replacement = decode(inline)?;
        if path.is_empty() {
            out.push(inline);
            continue;
        }
        let has_targets = inline.targets.as_ref().is_some_and(|t| !t.is_empty());
        if inline.source.is_some() || has_targets {
            return Err("cannot specify both path and inline replacement".to_string());
        }
        let text = load(&path)?;
        let doc = parse_one(&text, Dialect::Yaml11)
            .map_err(|e| format!("replacement file '{path}': {e}"))?;
        match doc {
            Value::Array(items) => {
                for item in items {
                    out.push(decode(item).map_err(|e| format!("replacement file '{path}': {e}"))?);
                }
            }
            v @ Value::Object(_) => {
                out.push(decode(v).map_err(|e| format!("replacement file '{path}': {e}"))?)
            }
            other => {
                return Err(format!(
                    "replacement file '{path}': unsupported replacement type encountered within replacement path: {}",
                    match other {
                        Value::Null => "invalid",
                        Value::String(_) => "string",
                        Value::Bool(_) => "bool",
                        _ => "number",
                    }
                ))
            }
        }
    }
    Ok(out)
}

fn decode(v: Value) -> Result<Replacement, String> {
    serde_json::from_value(v).map_err(|e| format!("replacements: {e}"))
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn check_keys(v: &Value, allowed: &[&[&str]]) -> Result<(), String> {
    if let Value::Object(m) = v {
        for k in m.keys() {
            if !allowed.iter().any(|set| set.contains(&k.as_str())) {
                return Err(format!("json: unknown field \"{k}\""));
            }
        }
    }
    Ok(())
}

/// kustomize decodes the kustomization strictly: an unknown key anywhere in an inline
/// replacement is an error.
fn check_entry_keys(entry: &Value) -> Result<(), String> {
    check_keys(entry, &[&["path", "source", "targets"]])?;
    if let Some(source) = entry.get("source") {
        check_keys(source, &[ID_KEYS, &["fieldPath", "options"]])?;
        if let Some(o) = source.get("options") {
            check_keys(o, &[OPTION_KEYS])?;
        }
    }
    if let Some(Value::Array(targets)) = entry.get("targets") {
        for t in targets {
            check_keys(t, &[&["select", "reject", "fieldPaths", "options"]])?;
            let selector_keys: &[&[&str]] = &[ID_KEYS, &["labelSelector", "annotationSelector"]];
            if let Some(s) = t.get("select") {
                check_keys(s, selector_keys)?;
            }
            if let Some(Value::Array(rejects)) = t.get("reject") {
                for r in rejects {
                    check_keys(r, selector_keys)?;
                }
            }
            if let Some(o) = t.get("options") {
                check_keys(o, &[OPTION_KEYS])?;
            }
        }
    }
    Ok(())
}

impl IdSelector {
    fn as_res_id(&self) -> ResId {
        ResId {
            gvk: Gvk {
                group: self.group.clone(),
                version: self.version.clone(),
                kind: self.kind.clone(),
            },
            name: self.name.clone(),
            namespace: self.namespace.clone(),
        }
    }

    fn is_empty(&self) -> bool {
        *self == IdSelector::default()
    }

    /// kustomize's `ResId.IsSelectedBy`: empty parts are wildcards, the rest must be
    /// equal; the namespace is compared by effective namespace.
    pub fn selects(&self, id: &ResId) -> bool {
        (self.name.is_empty() || self.name == id.name)
            && (self.namespace.is_empty()
                || self.as_res_id().effective_namespace() == id.effective_namespace())
            && (self.group.is_empty() || self.group == id.gvk.group)
            && (self.version.is_empty() || self.version == id.gvk.version)
            && (self.kind.is_empty() || self.kind == id.gvk.kind)
    }

    fn selects_any(&self, r: &Resource) -> bool {
        r.all_ids().any(|id| self.selects(&id))
    }
}

impl FieldOptions {
    fn describe(&self) -> String {
        if self.delimiter.is_empty() && !self.create {
            String::new()
        } else {
            format!("{}({}), create={}", self.delimiter, self.index, self.create)
        }
    }
}

impl Source {
    /// How kustomize prints a source selector: `<id>[:<fieldPath>][:<options>]`.
    fn describe(&self) -> String {
        let mut s = self.id.as_res_id().to_string();
        if !self.field_path.is_empty() {
            s.push(':');
            s.push_str(&self.field_path);
        }
        if let Some(o) = &self.options {
            let o = o.describe();
            if !o.is_empty() {
                s.push(':');
                s.push_str(&o);
            }
        }
        s
    }
}

/// Runs the replacements in order over `resources`.
pub fn apply(resources: &mut ResMap, replacements: &[Replacement]) -> Result<(), String> {
    for r in replacements {
        let (Some(source), Some(targets)) = (&r.source, &r.targets) else {
            return Err("replacements must specify a source and at least one target".to_string());
        };
        let value = source_value(resources, source)?;
        for target in targets {
            apply_target(resources, &value, target)?;
        }
    }
    Ok(())
}

/// A replacement's value, and its text as the source wrote it (kustomize copies nodes,
/// which keep their text: `1.50` stays `1.50` wherever the value is used as text).
struct SourceValue {
    value: Value,
    text: String,
}

fn source_value(resources: &ResMap, source: &Source) -> Result<SourceValue, String> {
    let mut found: Option<&Resource> = None;
    for r in resources.iter() {
        if source.id.selects_any(r) {
            if found.is_some() {
                return Err(format!(
                    "multiple matches for selector {}",
                    source.describe()
                ));
            }
            found = Some(r);
        }
    }
    let Some(res) = found else {
        return Err(format!("nothing selected by {}", source.describe()));
    };
    let field_path = if source.field_path.is_empty() {
        DEFAULT_FIELD_PATH
    } else {
        &source.field_path
    };
    let parts = split_path(field_path);
    let node = lookup_at(&res.obj, &parts)
        .map_err(|e| format!("error looking up replacement source: {e}"))?;
    let (node, pointer) = match node {
        Some((n, p)) if !is_nil_or_empty(n) => (n, p),
        _ => {
            return Err(format!(
                "fieldPath `{field_path}` is missing for replacement source {}",
                source.id.as_res_id()
            ))
        }
    };
    let text = res
        .raw_text(&pointer, node)
        .map_or_else(|| scalar_text(node), str::to_string);
    refine(source.options.as_ref(), node, text)
}

fn is_nil_or_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// Source `delimiter`/`index`: the value is one part of the delimited text.
fn refine(
    options: Option<&FieldOptions>,
    node: &Value,
    text: String,
) -> Result<SourceValue, String> {
    let Some(o) = options.filter(|o| !o.delimiter.is_empty()) else {
        return Ok(SourceValue {
            value: node.clone(),
            text,
        });
    };
    if node.is_object() || node.is_array() {
        return Err("delimiter option can only be used with scalar nodes".to_string());
    }
    let parts: Vec<&str> = text.split(o.delimiter.as_str()).collect();
    let part = usize::try_from(o.index)
        .ok()
        .and_then(|i| parts.get(i))
        .ok_or_else(|| {
            format!(
                "options.index {} is out of bounds for value {text}",
                o.index
            )
        })?;
    let value = match node {
        Value::String(_) => Value::String(part.to_string()),
        _ => resolve_plain(part, Dialect::Core).unwrap_or_else(|_| Value::String(part.to_string())),
    };
    Ok(SourceValue {
        value,
        text: part.to_string(),
    })
}

/// The text of a scalar as YAML holds it; collections have none.
pub fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => crate::yaml::emit::go_json_number(n),
        Value::Bool(b) => b.to_string(),
        Value::Null => String::new(),
        Value::Object(_) | Value::Array(_) => String::new(),
    }
}

fn apply_target(
    resources: &mut ResMap,
    value: &SourceValue,
    target: &Target,
) -> Result<(), String> {
    let Some(select) = &target.select else {
        return Err("target must specify resources to select".to_string());
    };
    let label = LabelSelector::parse_optional(&select.label_selector)?;
    let annotation = LabelSelector::parse_optional(&select.annotation_selector)?;
    let mut reject_meta = Vec::new();
    for rj in &target.reject {
        if rj.label_selector.is_empty() && rj.annotation_selector.is_empty() {
            continue;
        }
        reject_meta.push((
            LabelSelector::parse_optional(&rj.label_selector)?,
            LabelSelector::parse_optional(&rj.annotation_selector)?,
        ));
    }
    let default_paths = [DEFAULT_FIELD_PATH.to_string()];
    let field_paths: &[String] = if target.field_paths.is_empty() {
        &default_paths
    } else {
        &target.field_paths
    };
    let meta_matches = |r: &Resource, l: &Option<LabelSelector>, a: &Option<LabelSelector>| {
        l.as_ref().is_none_or(|s| s.matches(r.labels()))
            && a.as_ref().is_none_or(|s| s.matches(r.annotations()))
    };
    for i in 0..resources.len() {
        let r = resources.get(i);
        if !meta_matches(r, &label, &annotation) {
            continue;
        }
        if reject_meta.iter().any(|(l, a)| meta_matches(r, l, a)) {
            continue;
        }
        if !select.id.selects_any(r) {
            continue;
        }
        let rejected = target
            .reject
            .iter()
            .filter(|rj| !rj.id.is_empty())
            .any(|rj| rj.id.selects_any(r));
        if rejected {
            continue;
        }
        let id = r.id();
        let res = resources.get_mut(i);
        for fp in field_paths {
            copy_to_target(&mut res.obj, value, fp, target.options.as_ref())
                .map_err(|e| format!("{e} {id}"))?;
        }
    }
    Ok(())
}

fn copy_to_target(
    obj: &mut Value,
    value: &SourceValue,
    field_path: &str,
    options: Option<&FieldOptions>,
) -> Result<(), String> {
    let create = options.is_some_and(|o| o.create);
    let create_kind = create.then(|| Kind::of(&value.value));
    let parts = split_path(field_path);
    // Annotation values are printed as their text.
    let annotation = parts.len() == 3 && parts[0] == "metadata" && parts[1] == "annotations";
    let what = if create {
        "unable to find or create field"
    } else {
        "unable to find field"
    };
    let mut count = 0usize;
    let mut set = |node: &mut Value, fresh: bool| -> Result<(), String> {
        count += 1;
        let text = set_field_value(options, node, fresh, value)?;
        if annotation && matches!(node, Value::Number(_) | Value::Bool(_)) {
            *node = Value::String(text);
        }
        Ok(())
    };
    walk(obj, &parts, create_kind, &mut set)
        .map_err(|e| format!("{what} \"{field_path}\" in replacement target: {e}"))?;
    if count == 0 {
        return Err(format!("{what} \"{field_path}\" in replacement target"));
    }
    Ok(())
}

fn set_field_value(
    options: Option<&FieldOptions>,
    target: &mut Value,
    fresh: bool,
    source: &SourceValue,
) -> Result<String, String> {
    let value = &source.value;
    let scalar_target = fresh || !(target.is_object() || target.is_array());
    let mut text = source.text.clone();
    if let Some(o) = options.filter(|o| !o.delimiter.is_empty()) {
        if !scalar_target {
            return Err("delimiter option can only be used with scalar nodes".to_string());
        }
        let current = if fresh {
            String::new()
        } else {
            scalar_text(target)
        };
        let mut parts: Vec<String> = current
            .split(o.delimiter.as_str())
            .map(str::to_string)
            .collect();
        if o.index < 0 {
            parts.insert(0, text);
        } else if o.index as usize >= parts.len() {
            parts.push(text);
        } else {
            parts[o.index as usize] = text;
        }
        text = parts.join(&o.delimiter);
        if !fresh {
            *target = retyped(target, &text)?;
            return Ok(text);
        }
        *target = resolve_plain(&text, Dialect::Core).unwrap_or(Value::String(text.clone()));
        return Ok(text);
    }
    if fresh {
        // a created scalar has no tag: its type comes from its text
        *target = if value.is_object() || value.is_array() {
            value.clone()
        } else {
            resolve_plain(&text, Dialect::Core).unwrap_or(Value::String(text.clone()))
        };
    } else if scalar_target {
        *target = retyped(target, &text)?;
    } else {
        *target = value.clone();
    }
    Ok(text)
}

/// A scalar target keeps its YAML tag and takes `text`; kustomize then re-reads it, which
/// fails when the text is not a value of that type.
fn retyped(target: &Value, text: &str) -> Result<Value, String> {
    let read = resolve_plain(text, Dialect::Core).unwrap_or_else(|_| Value::String(text.into()));
    let tag_of = |v: &Value| match v {
        Value::Null => "!!null",
        Value::Bool(_) => "!!bool",
        Value::Number(n) if n.is_f64() => "!!float",
        Value::Number(_) => "!!int",
        _ => "!!str",
    };
    let ok = match (target, &read) {
        (Value::String(_), _) => return Ok(Value::String(text.to_string())),
        (Value::Number(n), Value::Number(r)) => n.is_f64() || !r.is_f64(),
        (Value::Bool(_), Value::Bool(_)) => true,
        (Value::Null, Value::Null) => true,
        _ => false,
    };
    if ok {
        Ok(read)
    } else {
        Err(format!(
            "yaml: cannot decode {} `{text}` as a {}",
            tag_of(&read),
            tag_of(target)
        ))
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Scalar,
    Map,
    Seq,
}

impl Kind {
    fn of(v: &Value) -> Kind {
        match v {
            Value::Object(_) => Kind::Map,
            Value::Array(_) => Kind::Seq,
            _ => Kind::Scalar,
        }
    }
}

/// kustomize's path splitting for replacements: `.`-separated, `\.` keeps a dot, a
/// bracketed part (`[name=a.b]`, `[a.b]`) spans dots; brackets are dropped from a part
/// without `=` that had to be joined.
pub fn split_path(path: &str) -> Vec<String> {
    let mut raw: Vec<&str> = path.split('.').collect();
    if raw.len() > 1 && raw[0].is_empty() {
        raw.remove(0);
    }
    let mut parts: Vec<String> = Vec::new();
    for p in raw {
        match parts.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('.');
                last.push_str(p);
            }
            _ => parts.push(p.to_string()),
        }
    }
    let mut out = Vec::new();
    let mut i = 0;
    while i < parts.len() {
        let elem = &parts[i];
        if elem.starts_with('[') && !elem.ends_with(']') {
            let mut joined = vec![elem.clone()];
            while i < parts.len() - 1 {
                i += 1;
                joined.push(parts[i].clone());
                if parts[i].ends_with(']') {
                    break;
                }
            }
            let s = joined.join(".");
            if s.contains('=') {
                out.push(s);
            } else {
                out.push(s.trim_matches(|c| c == '[' || c == ']').to_string());
            }
        } else {
            out.push(elem.clone());
        }
        i += 1;
    }
    out
}

fn is_list_index(p: &str) -> bool {
    p.starts_with('[') && p.ends_with(']')
}

/// Go's `strconv.Atoi`: optional sign, decimal digits.
fn atoi(p: &str) -> Option<i64> {
    let digits = p.strip_prefix(['+', '-']).unwrap_or(p);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    p.parse().ok()
}

fn split_index(p: &str) -> Result<(&str, &str), String> {
    let inner = p.strip_suffix(']').unwrap_or(p);
    let inner = inner.strip_prefix('[').unwrap_or(inner);
    inner.split_once('=').ok_or_else(|| {
        "list path element must contain fieldName=fieldValue for element to match".to_string()
    })
}

fn kind_name(v: &Value) -> &'static str {
    match v {
        Value::Object(_) => "MappingNode",
        Value::Array(_) => "SequenceNode",
        _ => "ScalarNode",
    }
}

fn wrong_kind(expected: &str, v: &Value) -> String {
    format!(
        "wrong node kind: expected {expected} but got {}",
        kind_name(v)
    )
}

/// kyaml's `Lookup` (used for sources and vars): fields, `[k=v]` (exact match, first
/// element), numeric index, `-` for the last element; `*` is not supported.
pub fn lookup<'a>(obj: &'a Value, parts: &[String]) -> Result<Option<&'a Value>, String> {
    Ok(lookup_at(obj, parts)?.map(|(v, _)| v))
}

/// `lookup`, also giving the JSON pointer of the node found.
fn lookup_at<'a>(obj: &'a Value, parts: &[String]) -> Result<Option<(&'a Value, String)>, String> {
    let mut cur = obj;
    let mut pointer = String::new();
    for part in parts.iter().map(|p| p.trim()).filter(|p| !p.is_empty()) {
        let item = |items: &'a [Value], i: usize| items.get(i).map(|v| (v, i.to_string()));
        let next: Option<(&Value, String)> = if let Some(i) = atoi(part) {
            if i < 0 {
                return Err(format!("array index {i} cannot be negative"));
            }
            match cur {
                Value::Null => None,
                Value::Array(items) => item(items, i as usize),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "-" {
            match cur {
                Value::Null => None,
                Value::Array(items) => items.len().checked_sub(1).and_then(|i| item(items, i)),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else if part == "*" {
            return Err("wildcard is not supported in PathGetter".to_string());
        } else if is_list_index(part) {
            let (key, want) = split_index(part)?;
            match cur {
                Value::Null => None,
                Value::Array(items) => items
                    .iter()
                    .position(|item| {
                        if key.is_empty() {
                            !item.is_object() && !item.is_array() && scalar_text(item) == want
                        } else {
                            item.get(key).is_some_and(|f| {
                                !f.is_object() && !f.is_array() && scalar_text(f) == want
                            })
                        }
                    })
                    .and_then(|i| item(items, i)),
                other => return Err(wrong_kind("SequenceNode", other)),
            }
        } else {
            match cur {
                Value::Null => None,
                Value::Object(m) => m
                    .get(part)
                    .map(|v| (v, crate::yaml::parse::pointer_token(part))),
                other => return Err(wrong_kind("MappingNode", other)),
            }
        };
        match next {
            Some((n, token)) => {
                cur = n;
                pointer.push('/');
                pointer.push_str(&token);
            }
            None => return Ok(None),
        }
    }
    Ok(Some((cur, pointer)))
}

/// The kind of node to create for a path part, given the part after it.
fn part_kind(next: Option<&str>, leaf: Kind) -> Kind {
    match next {
        None => leaf,
        Some(n) if is_list_index(n) => Kind::Seq,
        Some(n) if atoi(n).is_some_and(|i| i >= 0) => Kind::Seq,
        Some(_) => Kind::Map,
    }
}

fn fresh_node(kind: Kind) -> Value {
    match kind {
        Kind::Scalar => Value::Null,
        Kind::Map => Value::Object(Map::new()),
        Kind::Seq => Value::Array(Vec::new()),
    }
}

type Setter<'a> = dyn FnMut(&mut Value, bool) -> Result<(), String> + 'a;

/// kyaml's `PathMatcher` (used for targets): visits every field the path matches,
/// creating missing ones when `create` holds the kind of the source. The setter gets
/// `true` for a scalar it created (which has no type yet).
fn walk(
    node: &mut Value,
    path: &[String],
    create: Option<Kind>,
    set: &mut Setter<'_>,
) -> Result<(), String> {
    walk_inner(node, path, create, false, set)
}

fn walk_inner(
    node: &mut Value,
    path: &[String],
    create: Option<Kind>,
    fresh: bool,
    set: &mut Setter<'_>,
) -> Result<(), String> {
    let Some((part, rest)) = path.split_first() else {
        return set(node, fresh);
    };
    let next = rest.first().map(String::as_str);
    if let Some(idx) = atoi(part).filter(|i| *i >= 0) {
        let idx = idx as usize;
        if node.is_null() && create.is_some() {
            *node = Value::Array(Vec::new());
        }
        let items = match node {
            Value::Null => return Ok(()),
            Value::Array(items) => items,
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        let mut created = false;
        if let Some(kind) = create {
            if items.len() == idx {
                let k = part_kind(next, kind);
                items.push(fresh_node(k));
                created = k == Kind::Scalar;
            }
        }
        let len = items.len();
        let Some(item) = items.get_mut(idx) else {
            return Err(format!(
                "index {idx} specified but only {len} elements found"
            ));
        };
        return walk_inner(item, rest, create, created, set);
    }
    if is_list_index(part) {
        let (key, pattern) = split_index(part)?;
        let re = Regex::new(pattern).map_err(|e| e.to_string())?;
        if node.is_null() && create.is_some() {
            *node = Value::Array(Vec::new());
        }
        let items = match node {
            Value::Null => return Ok(()),
            Value::Array(items) => items,
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        let mut matched = false;
        for item in items.iter_mut() {
            if key.is_empty() {
                if !item.is_object() && !item.is_array() && re.is_match(&scalar_text(item)) {
                    matched = true;
                    set(item, false)?;
                }
                continue;
            }
            let hit = item
                .get(key)
                .is_some_and(|f| !f.is_null() && re.is_match(&plain_text(f)));
            if hit {
                matched = true;
                walk_inner(item, rest, create, false, set)?;
            }
        }
        if matched || create.is_none() {
            return Ok(());
        }
        let v = resolve_plain(pattern, Dialect::Core).unwrap_or(Value::String(pattern.into()));
        if key.is_empty() {
            items.push(v);
            if let Some(last) = items.last_mut() {
                set(last, false)?;
            }
            return Ok(());
        }
        let mut m = Map::new();
        m.insert(key.to_string(), v);
        items.push(Value::Object(m));
        if let Some(last) = items.last_mut() {
            walk_inner(last, rest, create, false, set)?;
        }
        return Ok(());
    }
    if part == "*" {
        let items = match node {
            Value::Null => return Ok(()),
            Value::Array(items) => items,
            other => return Err(wrong_kind("SequenceNode", other)),
        };
        for item in items.iter_mut() {
            walk_inner(item, rest, create, false, set)?;
        }
        return Ok(());
    }
    if node.is_null() && create.is_some() {
        *node = Value::Object(Map::new());
    }
    let map = match node {
        Value::Null => return Ok(()),
        Value::Object(m) => m,
        other => return Err(wrong_kind("MappingNode", other)),
    };
    let mut created = false;
    if !map.contains_key(part.as_str()) {
        let Some(kind) = create else {
            return Ok(());
        };
        let k = part_kind(next, kind);
        created = k == Kind::Scalar;
        map.insert(part.clone(), fresh_node(k));
    }
    match map.get_mut(part.as_str()) {
        Some(child) => walk_inner(child, rest, create, created, set),
        None => Ok(()),
    }
}

/// A list element's field as kyaml prints it for `[key=regex]` matching.
fn plain_text(v: &Value) -> String {
    match v {
        Value::Object(_) | Value::Array(_) => crate::yaml::to_yaml(v).trim().to_string(),
        other => scalar_text(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::resource::Resource;
    use serde_json::json;

    fn resmap(objs: Vec<Value>) -> ResMap {
        let mut m = ResMap::new();
        m.append_all(objs.into_iter().map(|o| Resource::new(o, "test")).collect())
            .unwrap();
        m
    }

    fn no_files(_: &str) -> Result<String, String> {
        Err("no files".into())
    }

    fn repl(v: Value) -> Vec<Replacement> {
        parse(&[v], &no_files).unwrap()
    }

    #[test]
    fn splits_paths_like_kustomize() {
        assert_eq!(
            split_path("spec.containers.[name=a.b].image"),
            vec!["spec", "containers", "[name=a.b]", "image"]
        );
        assert_eq!(
            split_path("metadata.annotations.[a.b/c]"),
            vec!["metadata", "annotations", "a.b/c"]
        );
        assert_eq!(
            split_path(r"metadata.labels.app\.kubernetes\.io/name"),
            vec!["metadata", "labels", "app.kubernetes.io/name"]
        );
        assert_eq!(split_path("[x]"), vec!["[x]"]);
    }

    #[test]
    fn scalar_targets_keep_their_type() {
        // kubectl: containerPort: 80 with source "8080" -> 8080 (int); a string field
        // with an int source -> "5"; a map source into a string target -> "".
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "src"},
                   "data": {"port": "8080", "word": "hello"}}),
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                   "spec": {"replicas": 5, "template": {"spec": {"containers": [
                     {"name": "app", "ports": [{"containerPort": 80}]},
                     {"name": "myapp-sidecar", "ports": [{"containerPort": 81}]},
                     {"name": "other", "ports": [{"containerPort": 82}]}]}}}}),
        ]);
        let r = repl(json!({
            "source": {"kind": "ConfigMap", "name": "src", "fieldPath": "data.port"},
            "targets": [{"select": {"kind": "Deployment"},
                         "fieldPaths": ["spec.template.spec.containers.[name=app].ports.0.containerPort"]}]
        }));
        apply(&mut m, &r).unwrap();
        let d = &m.get(1).obj["spec"]["template"]["spec"]["containers"];
        // the list selector is an unanchored regular expression: myapp-sidecar matches too
        assert_eq!(d[0]["ports"][0]["containerPort"], json!(8080));
        assert_eq!(d[1]["ports"][0]["containerPort"], json!(8080));
        assert_eq!(d[2]["ports"][0]["containerPort"], json!(82));

        let r = repl(json!({
            "source": {"kind": "Deployment", "name": "web", "fieldPath": "spec.replicas"},
            "targets": [{"select": {"kind": "ConfigMap"}, "fieldPaths": ["data.word"]}]
        }));
        apply(&mut m, &r).unwrap();
        assert_eq!(m.get(0).obj["data"]["word"], json!("5"));

        let r = repl(json!({
            "source": {"kind": "ConfigMap", "name": "src"},
            "targets": [{"select": {"kind": "Deployment"}, "fieldPaths": ["spec.replicas"]}]
        }));
        let err = apply(&mut m, &r).unwrap_err();
        assert!(
            err.contains("cannot decode !!str `src` as a !!int"),
            "{err}"
        );
    }

    #[test]
    fn create_types_new_scalars_by_text() {
        // kubectl: a created label from source "8080" prints as `port: 8080`
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "src"},
                   "data": {"port": "8080"}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "svc"},
                   "spec": {"ports": []}}),
        ]);
        let r = repl(json!({
            "source": {"kind": "ConfigMap", "name": "src", "fieldPath": "data.port"},
            "targets": [{"select": {"kind": "Service"},
                         "fieldPaths": ["spec.ports.0.port", "metadata.labels.port", "spec.sel.[app=x].v"],
                         "options": {"create": true}}]
        }));
        apply(&mut m, &r).unwrap();
        let s = &m.get(1).obj;
        assert_eq!(s["spec"]["ports"], json!([{"port": 8080}]));
        assert_eq!(s["metadata"]["labels"]["port"], json!(8080));
        assert_eq!(s["spec"]["sel"], json!([{"app": "x", "v": 8080}]));
    }

    #[test]
    fn delimiters() {
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "src"},
                   "data": {"img": "reg.io/app:1.2.3"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "dst"},
                   "data": {"a": "x-y-z", "b": "x-y"}}),
        ]);
        let r = repl(json!({
            "source": {"kind": "ConfigMap", "name": "src", "fieldPath": "data.img",
                       "options": {"delimiter": ":", "index": 1}},
            "targets": [
                {"select": {"name": "dst"}, "fieldPaths": ["data.a"], "options": {"delimiter": "-", "index": 1}},
                {"select": {"name": "dst"}, "fieldPaths": ["data.b"], "options": {"delimiter": "-", "index": -1}}]
        }));
        apply(&mut m, &r).unwrap();
        assert_eq!(
            m.get(1).obj["data"],
            json!({"a": "x-1.2.3-z", "b": "1.2.3-x-y"})
        );
    }

    #[test]
    fn source_errors() {
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "a"}}),
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "b"}}),
        ]);
        let r = repl(json!({"source": {"kind": "Service", "name": "nope"},
                            "targets": [{"select": {"kind": "ConfigMap"}}]}));
        assert_eq!(
            apply(&mut m, &r).unwrap_err(),
            "nothing selected by Service.[noVer].[noGrp]/nope.[noNs]"
        );
        let r = repl(json!({"source": {"kind": "ConfigMap"},
                            "targets": [{"select": {"kind": "ConfigMap"}}]}));
        assert!(apply(&mut m, &r).unwrap_err().starts_with(
            "multiple matches for selector ConfigMap.[noVer].[noGrp]/[noName].[noNs]"
        ));
        let r = repl(json!({"source": {"name": "a", "fieldPath": "data.x"},
                            "targets": [{"select": {"kind": "ConfigMap"}}]}));
        assert_eq!(
            apply(&mut m, &r).unwrap_err(),
            "fieldPath `data.x` is missing for replacement source [noKind].[noVer].[noGrp]/a.[noNs]"
        );
    }

    #[test]
    fn parse_checks_fields() {
        let bad = json!({"source": {"kind": "X", "fieldpath": "a"}, "targets": []});
        assert!(parse(&[bad], &no_files)
            .unwrap_err()
            .contains("unknown field \"fieldpath\""));
        let both = json!({"path": "r.yaml", "source": {"kind": "X"}});
        assert!(parse(&[both], &no_files).is_err());
        let load = |p: &str| -> Result<String, String> {
            assert_eq!(p, "r.yaml");
            Ok(
                "- source: {kind: A}\n  extra: ignored\n  targets: []\n- source: {kind: B}\n"
                    .into(),
            )
        };
        let got = parse(&[json!({"path": "r.yaml"})], &load).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[1].source.as_ref().map(|s| s.id.kind.as_str()),
            Some("B")
        );
    }
}
