//! RFC 6902 JSON patch application with the exact semantics kustomize v5.5.0 gets from
//! gopkg.in/evanphx/json-patch.v4 v4.12.0: operation decoding, JSON-pointer navigation (the first
//! path segment is ignored, `~1`/`~0` unescaped left to right), Go `strconv.Atoi` array indexes
//! (signs and leading zeros accepted, negative indexes count from the end), the library's quirks
//! (`replace` of a missing object key inserts it, `copy` from a missing key copies `null`, `test`
//! treats a missing key like `null`, `replace ""` swaps the whole document) and its error messages.
//! It also reproduces the float64 round trip the resource makes through Go JSON afterwards
//! ([`round_trip_numbers`]). Every behaviour here was checked against `kubectl kustomize`.

use serde_json::{Map, Number, Value};

/// One decoded patch operation: the raw fields of its JSON object, looked up lazily as the
/// library does (so a bad `path` only errors when that operation runs).
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    fields: Map<String, Value>,
}

/// Why a `path` or `from` field could not be decoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    #[error("operation missing path field: missing value")]
    MissingPath,
    #[error("operation, missing from field: missing value")]
    MissingFrom,
    /// add/remove/copy report a bad `path` as a bare "missing value", whatever went wrong.
    #[error("missing value")]
    Missing,
    #[error("json: cannot unmarshal {0} into Go value of type string")]
    NotString(&'static str),
}

/// Go `strconv.Atoi` failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("strconv.Atoi: parsing {}: {}", go_quote(.input), if *.out_of_range { "value out of range" } else { "invalid syntax" })]
pub struct AtoiError {
    input: String,
    out_of_range: bool,
}

/// Failure of a primitive operation on one object or array.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContainerError {
    #[error("Unable to access invalid index: {0}: invalid index referenced")]
    InvalidIndex(i64),
    #[error("value was not a proper array index: '{key}': {atoi}")]
    NotIndex { key: String, atoi: AtoiError },
    #[error(transparent)]
    Atoi(#[from] AtoiError),
    #[error("Unable to remove nonexistent key: {0}: missing value")]
    NonexistentKey(String),
}

/// A patch that could not be decoded or applied; `Display` is evanphx's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchError {
    #[error("json: cannot unmarshal {0} into Go value of type jsonpatch.Patch")]
    NotAnArray(&'static str),
    #[error("json: cannot unmarshal {0} into Go value of type jsonpatch.Operation")]
    NotAnOperation(&'static str),
    #[error("Unexpected kind: {0}")]
    UnexpectedKind(String),
    #[error("{op} operation failed to decode path: {cause}")]
    DecodePath { op: &'static str, cause: FieldError },
    #[error("{op} operation failed to decode from: {cause}")]
    DecodeFrom { op: &'static str, cause: FieldError },
    #[error("add operation does not apply: doc is missing path: \"{0}\": missing value")]
    AddMissingPath(String),
    #[error("remove operation does not apply: doc is missing path: \"{0}\": missing value")]
    RemoveMissingPath(String),
    #[error("replace operation does not apply: doc is missing path: {0}: missing value")]
    ReplaceMissingPath(String),
    #[error("replace operation does not apply: doc is missing key: {0}: missing value")]
    ReplaceMissingKey(String),
    #[error("test operation does not apply: is missing path: {0}: missing value")]
    TestMissingPath(String),
    #[error("{op} operation does not apply: doc is missing from path: {from}: missing value")]
    MissingFrom { op: &'static str, from: String },
    #[error(
        "{op} operation does not apply: doc is missing destination path: {path}: missing value"
    )]
    MissingDestination { op: &'static str, path: String },
    /// `at` is the full path, except for the source side of `move`, where evanphx prints the key.
    #[error("error in {op} for path: '{at}': {cause}")]
    InOp {
        op: &'static str,
        at: String,
        cause: ContainerError,
    },
    #[error("error in copy for from: '{from}': {cause}")]
    CopyFrom { from: String, cause: ContainerError },
    #[error("error while adding value during copy: {0}")]
    CopyAdd(ContainerError),
    #[error("testing value {0} failed: test failed")]
    TestFailed(String),
    /// kustomize *panics* here (a `test` without `value` on a missing/null target, or comparing
    /// arrays that contain `null`, or `replace ""` without `value`); we report an error instead.
    #[error("runtime error: invalid memory address or nil pointer dereference")]
    NilDereference,
    /// The patched document is no longer an object (`replace ""` with an array); kustomize's
    /// decoding of the result fails like this.
    #[error("json: cannot unmarshal {0} into Go value of type map[string]interface {{}}")]
    NotAnObject(&'static str),
}

/// Decodes a patch already converted to JSON (a JSON text, or YAML parsed by the caller):
/// an array whose elements are objects (or `null`, which becomes an operation of kind `unknown`).
pub fn ops_from_value(v: &Value) -> Result<Vec<Op>, PatchError> {
    let Value::Array(items) = v else {
        return Err(PatchError::NotAnArray(go_type(v)));
    };
    items
        .iter()
        .map(|item| match item {
            Value::Object(m) => Ok(Op { fields: m.clone() }),
            Value::Null => Ok(Op { fields: Map::new() }),
            other => Err(PatchError::NotAnOperation(go_type(other))),
        })
        .collect()
}

/// Applies `ops` in order, then makes numbers what Go JSON decoding makes of them
/// ([`round_trip_numbers`]). On error the document may be partially patched (kustomize aborts).
pub fn apply(doc: &mut Value, ops: &[Op]) -> Result<(), PatchError> {
    for op in ops {
        match op.kind() {
            "add" => add(doc, op)?,
            "remove" => remove(doc, op)?,
            "replace" => replace(doc, op)?,
            "move" => move_op(doc, op)?,
            "test" => test(doc, op)?,
            "copy" => copy(doc, op)?,
            other => return Err(PatchError::UnexpectedKind(other.to_string())),
        }
    }
    if !doc.is_object() {
        return Err(PatchError::NotAnObject(go_type(doc)));
    }
    round_trip_numbers(doc);
    Ok(())
}

/// Replaces every integer whose magnitude exceeds 2^53 by the nearest `f64`, as decoding into Go
/// `interface{}` (float64) does: `12345678901234567890` becomes `1.2345678901234567e19`.
pub fn round_trip_numbers(doc: &mut Value) {
    const LIMIT: u64 = 1 << 53;
    match doc {
        Value::Number(n) => {
            let big = match (n.as_u64(), n.as_i64()) {
                (Some(u), _) => u > LIMIT,
                (None, Some(i)) => i.unsigned_abs() > LIMIT,
                _ => false,
            };
            if big {
                if let Some(f) = n.as_f64().and_then(Number::from_f64) {
                    *n = f;
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(round_trip_numbers),
        Value::Object(m) => m.values_mut().for_each(round_trip_numbers),
        _ => {}
    }
}

impl Op {
    /// The `op` field, or `unknown` when it is absent, null or not a string.
    fn kind(&self) -> &str {
        match self.fields.get("op") {
            Some(Value::String(s)) => s,
            _ => "unknown",
        }
    }

    fn path(&self) -> Result<&str, FieldError> {
        self.string_field("path", FieldError::MissingPath)
    }

    fn from(&self) -> Result<&str, FieldError> {
        self.string_field("from", FieldError::MissingFrom)
    }

    fn string_field(&self, name: &str, missing: FieldError) -> Result<&str, FieldError> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Err(missing),
            Some(Value::String(s)) => Ok(s),
            Some(other) => Err(FieldError::NotString(go_type(other))),
        }
    }

    /// `None` when the field is absent; `Some(Null)` for an explicit `null`.
    fn value(&self) -> Option<&Value> {
        self.fields.get("value")
    }

    /// The value `add`/`replace` store: an absent `value` stores `null`.
    fn value_or_null(&self) -> Value {
        self.value().cloned().unwrap_or(Value::Null)
    }
}

fn add(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path().map_err(|_| PatchError::DecodePath {
        op: "add",
        cause: FieldError::Missing,
    })?;
    let (con, key) =
        find_object(doc, path).ok_or_else(|| PatchError::AddMissingPath(path.to_string()))?;
    container_add(con, &key, op.value_or_null()).map_err(|cause| PatchError::InOp {
        op: "add",
        at: path.to_string(),
        cause,
    })
}

fn remove(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path().map_err(|_| PatchError::DecodePath {
        op: "remove",
        cause: FieldError::Missing,
    })?;
    let (con, key) =
        find_object(doc, path).ok_or_else(|| PatchError::RemoveMissingPath(path.to_string()))?;
    container_remove(con, &key).map_err(|cause| PatchError::InOp {
        op: "remove",
        at: path.to_string(),
        cause,
    })?;
    Ok(())
}

fn replace(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op.path().map_err(|cause| PatchError::DecodePath {
        op: "replace",
        cause,
    })?;
    if path.is_empty() {
        // Whole-document replacement: objects and arrays replace, anything else is ignored.
        match op.value() {
            None => return Err(PatchError::NilDereference),
            Some(v @ (Value::Object(_) | Value::Array(_))) => *doc = v.clone(),
            Some(_) => {}
        }
        return Ok(());
    }
    let (con, key) =
        find_object(doc, path).ok_or_else(|| PatchError::ReplaceMissingPath(path.to_string()))?;
    match con {
        // A missing key is not an error: the value is simply inserted.
        Value::Object(m) => {
            m.insert(key, op.value_or_null());
        }
        Value::Array(items) => {
            let idx = array_get_index(&key, items.len())
                .map_err(|_| PatchError::ReplaceMissingKey(path.to_string()))?;
            items[idx] = op.value_or_null();
        }
        _ => return Err(PatchError::ReplaceMissingPath(path.to_string())),
    }
    Ok(())
}

fn move_op(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let from = op
        .from()
        .map_err(|cause| PatchError::DecodeFrom { op: "move", cause })?;
    let (con, key) = find_object(doc, from).ok_or_else(|| PatchError::MissingFrom {
        op: "move",
        from: from.to_string(),
    })?;
    let in_move = |cause| PatchError::InOp {
        op: "move",
        at: key.clone(),
        cause,
    };
    container_get(con, &key).map_err(in_move)?;
    let val = container_remove(con, &key).map_err(in_move)?;
    let path = op
        .path()
        .map_err(|cause| PatchError::DecodePath { op: "move", cause })?;
    let (con, key) = find_object(doc, path).ok_or_else(|| PatchError::MissingDestination {
        op: "move",
        path: path.to_string(),
    })?;
    container_add(con, &key, val).map_err(|cause| PatchError::InOp {
        op: "move",
        at: path.to_string(),
        cause,
    })
}

fn copy(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let from = op
        .from()
        .map_err(|cause| PatchError::DecodeFrom { op: "copy", cause })?;
    let (con, key) = find_object(doc, from).ok_or_else(|| PatchError::MissingFrom {
        op: "copy",
        from: from.to_string(),
    })?;
    let val = container_get(con, &key)
        .map_err(|cause| PatchError::CopyFrom {
            from: from.to_string(),
            cause,
        })?
        .cloned()
        .unwrap_or(Value::Null);
    let path = op.path().map_err(|_| PatchError::DecodePath {
        op: "copy",
        cause: FieldError::Missing,
    })?;
    let (con, key) = find_object(doc, path).ok_or_else(|| PatchError::MissingDestination {
        op: "copy",
        path: path.to_string(),
    })?;
    container_add(con, &key, val).map_err(PatchError::CopyAdd)
}

fn test(doc: &mut Value, op: &Op) -> Result<(), PatchError> {
    let path = op
        .path()
        .map_err(|cause| PatchError::DecodePath { op: "test", cause })?;
    let failed = || PatchError::TestFailed(path.to_string());
    if path.is_empty() {
        let expected = op.value().ok_or(PatchError::NilDereference)?;
        return if go_equal(doc, expected)? {
            Ok(())
        } else {
            Err(failed())
        };
    }
    let (con, key) =
        find_object(doc, path).ok_or_else(|| PatchError::TestMissingPath(path.to_string()))?;
    let actual = container_get(con, &key).map_err(|cause| PatchError::InOp {
        op: "test",
        at: path.to_string(),
        cause,
    })?;
    let equal = match (actual, op.value()) {
        // A missing key and a null value look the same to the library.
        (None, None) => return Err(PatchError::NilDereference),
        (None, Some(expected)) => expected.is_null(),
        (Some(_), None) => false,
        (Some(actual), Some(expected)) => go_equal(actual, expected)?,
    };
    if equal {
        Ok(())
    } else {
        Err(failed())
    }
}

/// Walks all but the last segment of `path` (the segment before the first `/` is ignored);
/// returns the container reached and the unescaped last segment, or `None` when the path has
/// no `/` or an intermediate segment is missing, `null`, a scalar or a bad array index.
fn find_object<'a>(doc: &'a mut Value, path: &str) -> Option<(&'a mut Value, String)> {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    let (last, middle) = segments.split_last()?;
    let mut cur = doc;
    for seg in middle {
        let key = unescape(seg);
        let next = match cur {
            Value::Object(m) => m.get_mut(&key),
            Value::Array(items) => {
                let idx = array_get_index(&key, items.len()).ok()?;
                items.get_mut(idx)
            }
            _ => None,
        }?;
        if !(next.is_object() || next.is_array()) {
            return None;
        }
        cur = next;
    }
    if !(cur.is_object() || cur.is_array()) {
        return None;
    }
    Some((cur, unescape(last)))
}

/// `~1` → `/`, `~0` → `~`, scanning left to right (so `~01` is `~1`); other `~` stay.
fn unescape(seg: &str) -> String {
    let mut out = String::with_capacity(seg.len());
    let mut chars = seg.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '~' {
            match chars.peek() {
                Some('1') => {
                    chars.next();
                    out.push('/');
                    continue;
                }
                Some('0') => {
                    chars.next();
                    out.push('~');
                    continue;
                }
                _ => {}
            }
        }
        out.push(c);
    }
    out
}

/// The element at `key`; `None` for a missing key or a `null` value (the library's nil node).
fn container_get<'v>(con: &'v Value, key: &str) -> Result<Option<&'v Value>, ContainerError> {
    let found = match con {
        Value::Object(m) => m.get(key),
        Value::Array(items) => items.get(array_get_index(key, items.len())?),
        _ => None,
    };
    Ok(found.filter(|v| !v.is_null()))
}

fn container_add(con: &mut Value, key: &str, val: Value) -> Result<(), ContainerError> {
    match con {
        Value::Object(m) => {
            m.insert(key.to_string(), val);
        }
        Value::Array(items) => {
            if key == "-" {
                items.push(val);
                return Ok(());
            }
            let idx = atoi(key).map_err(|atoi| ContainerError::NotIndex {
                key: key.to_string(),
                atoi,
            })?;
            let size = len_i64(items.len()) + 1;
            let mut at = idx;
            if at >= size {
                return Err(ContainerError::InvalidIndex(idx));
            }
            if at < 0 {
                if at < -size {
                    return Err(ContainerError::InvalidIndex(idx));
                }
                at += size;
            }
            items.insert(to_usize(at), val);
        }
        _ => {}
    }
    Ok(())
}

/// Removes and returns the element (`null` for a null value).
fn container_remove(con: &mut Value, key: &str) -> Result<Value, ContainerError> {
    match con {
        Value::Object(m) => m
            .shift_remove(key)
            .ok_or_else(|| ContainerError::NonexistentKey(key.to_string())),
        Value::Array(items) => {
            let idx = atoi(key)?;
            let len = len_i64(items.len());
            let mut at = idx;
            if at >= len {
                return Err(ContainerError::InvalidIndex(idx));
            }
            if at < 0 {
                if at < -len {
                    return Err(ContainerError::InvalidIndex(idx));
                }
                at += len;
            }
            Ok(items.remove(to_usize(at)))
        }
        _ => Ok(Value::Null),
    }
}

/// Index for reading an existing element (negative counts from the end).
fn array_get_index(key: &str, len: usize) -> Result<usize, ContainerError> {
    let idx = atoi(key)?;
    let len = len_i64(len);
    let mut at = idx;
    if at < 0 {
        if at < -len {
            return Err(ContainerError::InvalidIndex(idx));
        }
        at += len;
    }
    if at >= len {
        return Err(ContainerError::InvalidIndex(idx));
    }
    Ok(to_usize(at))
}

fn len_i64(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// Only called with `0 <= at <= len`.
fn to_usize(at: i64) -> usize {
    usize::try_from(at).unwrap_or(0)
}

/// Go `strconv.Atoi` (64-bit): optional sign, then one or more ASCII digits.
fn atoi(s: &str) -> Result<i64, AtoiError> {
    let err = |out_of_range| AtoiError {
        input: s.to_string(),
        out_of_range,
    };
    let (negative, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(err(false));
    }
    let mut magnitude: u64 = 0;
    for b in digits.bytes() {
        magnitude = magnitude
            .checked_mul(10)
            .and_then(|m| m.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| err(true))?;
    }
    if negative {
        if magnitude > i64::MIN.unsigned_abs() {
            return Err(err(true));
        }
        Ok(0i64.wrapping_sub_unsigned(magnitude))
    } else {
        i64::try_from(magnitude).map_err(|_| err(true))
    }
}

/// The library's node equality. `actual` comes from the document, `expected` from the patch.
/// Scalars compare by their JSON encoding (numbers numerically, as both sides went through
/// Go float/int encoding); a `null` inside compared arrays crashes the library.
fn go_equal(actual: &Value, expected: &Value) -> Result<bool, PatchError> {
    match (actual, expected) {
        (Value::Object(a), Value::Object(e)) => {
            if a.len() != e.len() {
                return Ok(false);
            }
            for (k, av) in a {
                let Some(ev) = e.get(k) else {
                    return Ok(false);
                };
                match (av.is_null(), ev.is_null()) {
                    (true, true) => continue,
                    (false, false) => {
                        if !go_equal(av, ev)? {
                            return Ok(false);
                        }
                    }
                    _ => return Ok(false),
                }
            }
            Ok(true)
        }
        (Value::Object(_), _) => Ok(false),
        (Value::Array(a), Value::Array(e)) => {
            if a.len() != e.len() {
                return Ok(false);
            }
            for (av, ev) in a.iter().zip(e) {
                if av.is_null() || ev.is_null() {
                    return Err(PatchError::NilDereference);
                }
                if !go_equal(av, ev)? {
                    return Ok(false);
                }
            }
            Ok(true)
        }
        (Value::Array(_), _) => Ok(false),
        (Value::Number(a), Value::Number(e)) => Ok(numbers_equal(a, e)),
        (a, e) => Ok(a == e),
    }
}

fn numbers_equal(a: &Number, b: &Number) -> bool {
    fn exact(n: &Number) -> Option<i128> {
        n.as_i64()
            .map(i128::from)
            .or_else(|| n.as_u64().map(i128::from))
    }
    match (exact(a), exact(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a.as_f64() == b.as_f64(),
    }
}

/// Go's name for a JSON value's type in `json: cannot unmarshal X into …` messages.
fn go_type(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Go `strconv.Quote` for the strings that reach error messages.
fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The probe resource used with `kubectl kustomize`, as kustomize hands it to the library
    /// (with the internal annotations a `patches` entry adds before patching).
    fn widget() -> Value {
        json!({
            "apiVersion": "example.com/v1",
            "kind": "Widget",
            "metadata": {
                "name": "w",
                "annotations": {
                    "internal.config.kubernetes.io/previousKinds": "Widget",
                    "internal.config.kubernetes.io/previousNames": "w",
                    "internal.config.kubernetes.io/previousNamespaces": "default"
                }
            },
            "spec": {
                "m": {"a": 1, "b": "x"},
                "l": [10, 20, 30],
                "n": null,
                "s": "str",
                "nested": [{"k": "v"}]
            }
        })
    }

    /// Applies `ops` to the probe resource and returns its `spec`.
    fn spec_after(ops: Value) -> Result<Value, String> {
        let mut doc = widget();
        let ops = ops_from_value(&ops).map_err(|e| e.to_string())?;
        apply(&mut doc, &ops).map_err(|e| e.to_string())?;
        Ok(doc["spec"].clone())
    }

    fn err_of(ops: Value) -> String {
        match spec_after(ops) {
            Ok(v) => panic!("expected an error, got {v}"),
            Err(e) => e,
        }
    }

    fn list_after(ops: Value) -> Value {
        spec_after(ops)
            .map(|s| s["l"].clone())
            .unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn add_to_arrays() {
        let add = |path: &str| list_after(json!([{"op": "add", "path": path, "value": 9}]));
        assert_eq!(add("/spec/l/-"), json!([10, 20, 30, 9]));
        assert_eq!(add("/spec/l/1"), json!([10, 9, 20, 30]));
        assert_eq!(add("/spec/l/3"), json!([10, 20, 30, 9]));
        assert_eq!(add("/spec/l/-1"), json!([10, 20, 30, 9]));
        assert_eq!(add("/spec/l/-4"), json!([9, 10, 20, 30]));
        assert_eq!(add("/spec/l/+1"), json!([10, 9, 20, 30]));
        assert_eq!(add("/spec/l/01"), json!([10, 9, 20, 30]));
    }

    #[test]
    fn add_errors() {
        let add = |path: &str| err_of(json!([{"op": "add", "path": path, "value": 9}]));
        assert_eq!(
            add("/spec/l/4"),
            "error in add for path: '/spec/l/4': Unable to access invalid index: 4: invalid index referenced"
        );
        assert_eq!(
            add("/spec/l/-5"),
            "error in add for path: '/spec/l/-5': Unable to access invalid index: -5: invalid index referenced"
        );
        assert_eq!(
            add("/spec/l/x"),
            "error in add for path: '/spec/l/x': value was not a proper array index: 'x': strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            add("/spec/l/99999999999999999999"),
            "error in add for path: '/spec/l/99999999999999999999': value was not a proper array index: '99999999999999999999': strconv.Atoi: parsing \"99999999999999999999\": value out of range"
        );
        assert_eq!(
            add("/spec/l/é\t"),
            "error in add for path: '/spec/l/é\t': value was not a proper array index: 'é\t': strconv.Atoi: parsing \"é\\t\": invalid syntax"
        );
        for (path, shown) in [
            ("/spec/x/y", "/spec/x/y"),
            ("/spec/s/x", "/spec/s/x"),
            ("/spec/n/x", "/spec/n/x"),
            ("/spec/n/x/y", "/spec/n/x/y"),
            ("/spec/m/a/x", "/spec/m/a/x"),
            ("/spec/nested/x/k", "/spec/nested/x/k"),
            ("/spec/nested/-/k", "/spec/nested/-/k"),
            ("/spec/l/-9/x", "/spec/l/-9/x"),
            ("", ""),
            ("spec", "spec"),
        ] {
            assert_eq!(
                add(path),
                format!(
                    "add operation does not apply: doc is missing path: \"{shown}\": missing value"
                )
            );
        }
    }

    #[test]
    fn add_to_objects() {
        let s = spec_after(json!([{"op": "add", "path": "/spec/m/a", "value": 9}])).unwrap();
        assert_eq!(s["m"], json!({"a": 9, "b": "x"}));
        // No value adds null.
        let s = spec_after(json!([{"op": "add", "path": "/spec/q"}])).unwrap();
        assert_eq!(s["q"], Value::Null);
        // An empty last segment is the key "".
        let s = spec_after(json!([{"op": "add", "path": "/spec/m/", "value": 1}])).unwrap();
        assert_eq!(s["m"], json!({"a": 1, "b": "x", "": 1}));
        // The first segment is ignored: `spec/q` adds `q` at the root.
        let mut doc = widget();
        let ops = ops_from_value(&json!([{"op": "add", "path": "spec/q", "value": 1}])).unwrap();
        apply(&mut doc, &ops).unwrap();
        assert_eq!(doc["q"], json!(1));
        // `/` addresses the key "" of the root.
        let mut doc = widget();
        let ops = ops_from_value(&json!([{"op": "replace", "path": "/", "value": 5}])).unwrap();
        apply(&mut doc, &ops).unwrap();
        assert_eq!(doc[""], json!(5));
        // Intermediate array indexes, negative ones included.
        let s = spec_after(json!([{"op": "replace", "path": "/spec/nested/-1/k", "value": "z"}]));
        assert_eq!(s.unwrap()["nested"], json!([{"k": "z"}]));
    }

    #[test]
    fn pointer_escapes() {
        let s = spec_after(json!([
            {"op": "add", "path": "/spec/m/a~1b~0c~01", "value": 1},
            {"op": "add", "path": "/spec/m/d~2e~", "value": 2}
        ]))
        .unwrap();
        assert_eq!(s["m"], json!({"a": 1, "b": "x", "a/b~c~1": 1, "d~2e~": 2}));
    }

    #[test]
    fn remove() {
        assert_eq!(
            list_after(json!([{"op": "remove", "path": "/spec/l/-1"}])),
            json!([10, 20])
        );
        let s = spec_after(json!([{"op": "remove", "path": "/spec/m"}])).unwrap();
        assert!(s.get("m").is_none());
        let rm = |path: &str| err_of(json!([{"op": "remove", "path": path}]));
        assert_eq!(
            rm("/spec/l/3"),
            "error in remove for path: '/spec/l/3': Unable to access invalid index: 3: invalid index referenced"
        );
        assert_eq!(
            rm("/spec/l/-4"),
            "error in remove for path: '/spec/l/-4': Unable to access invalid index: -4: invalid index referenced"
        );
        assert_eq!(
            rm("/spec/l/x"),
            "error in remove for path: '/spec/l/x': strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            rm("/spec/x/y"),
            "remove operation does not apply: doc is missing path: \"/spec/x/y\": missing value"
        );
        assert_eq!(
            rm(""),
            "remove operation does not apply: doc is missing path: \"\": missing value"
        );
        assert_eq!(
            rm("/"),
            "error in remove for path: '/': Unable to remove nonexistent key: : missing value"
        );
        assert_eq!(
            rm("/metadata/annotations/deprecated"),
            "error in remove for path: '/metadata/annotations/deprecated': Unable to remove nonexistent key: deprecated: missing value"
        );
    }

    #[test]
    fn replace() {
        // A missing key of an existing object is inserted.
        let s = spec_after(json!([{"op": "replace", "path": "/spec/m/zz", "value": 1}])).unwrap();
        assert_eq!(s["m"], json!({"a": 1, "b": "x", "zz": 1}));
        assert_eq!(
            list_after(json!([{"op": "replace", "path": "/spec/l/-1", "value": 9}])),
            json!([10, 20, 9])
        );
        let s = spec_after(json!([{"op": "replace", "path": "/spec/s"}])).unwrap();
        assert_eq!(s["s"], Value::Null);
        let rep = |path: &str| err_of(json!([{"op": "replace", "path": path, "value": 9}]));
        assert_eq!(
            rep("/spec/x/y"),
            "replace operation does not apply: doc is missing path: /spec/x/y: missing value"
        );
        assert_eq!(
            rep("/spec/n/x"),
            "replace operation does not apply: doc is missing path: /spec/n/x: missing value"
        );
        assert_eq!(
            rep("/spec/nested/5/k"),
            "replace operation does not apply: doc is missing path: /spec/nested/5/k: missing value"
        );
        for path in ["/spec/l/3", "/spec/l/-4", "/spec/l/x"] {
            assert_eq!(
                rep(path),
                format!(
                    "replace operation does not apply: doc is missing key: {path}: missing value"
                )
            );
        }
    }

    #[test]
    fn replace_whole_document() {
        // A scalar is silently ignored.
        let s = spec_after(json!([{"op": "replace", "path": "", "value": 5}])).unwrap();
        assert_eq!(s, widget()["spec"]);
        // An object replaces everything (kustomize then rejects the kind-less result).
        let mut doc = widget();
        let ops = ops_from_value(&json!([{"op": "replace", "path": "", "value": {}}])).unwrap();
        apply(&mut doc, &ops).unwrap();
        assert_eq!(doc, json!({}));
        assert_eq!(
            err_of(json!([{"op": "replace", "path": "", "value": [1]}])),
            "json: cannot unmarshal array into Go value of type map[string]interface {}"
        );
    }

    #[test]
    fn move_and_copy() {
        let s = spec_after(json!([{"op": "move", "from": "/spec/m/a", "path": "/spec/l/0"}]));
        let s = s.unwrap();
        assert_eq!(s["l"], json!([1, 10, 20, 30]));
        assert_eq!(s["m"], json!({"b": "x"}));
        assert_eq!(
            list_after(json!([{"op": "move", "from": "/spec/l/0", "path": "/spec/l/-"}])),
            json!([20, 30, 10])
        );
        let s = spec_after(json!([{"op": "move", "from": "/spec/m/a", "path": "/spec/m/a"}]));
        assert_eq!(s.unwrap()["m"], json!({"a": 1, "b": "x"}));
        // Copy from a missing key copies null.
        let s = spec_after(json!([{"op": "copy", "from": "/spec/m/zz", "path": "/spec/q"}]));
        assert_eq!(s.unwrap()["q"], Value::Null);
        let s = spec_after(json!([{"op": "copy", "from": "/spec/l/-1", "path": "/spec/q"}]));
        assert_eq!(s.unwrap()["q"], json!(30));
        // The copy is deep.
        let s = spec_after(json!([
            {"op": "copy", "from": "/spec/m", "path": "/spec/m2"},
            {"op": "add", "path": "/spec/m2/c", "value": 1},
            {"op": "copy", "from": "/spec/m", "path": "/spec/m/self"}
        ]))
        .unwrap();
        assert_eq!(
            s["m"],
            json!({"a": 1, "b": "x", "self": {"a": 1, "b": "x"}})
        );
        assert_eq!(s["m2"], json!({"a": 1, "b": "x", "c": 1}));
        // Annotations copied to labels (shows what kustomize's document holds while patching).
        let mut doc = widget();
        let ops = ops_from_value(&json!([
            {"op": "copy", "from": "/metadata/annotations", "path": "/metadata/labels"}
        ]))
        .unwrap();
        apply(&mut doc, &ops).unwrap();
        assert_eq!(doc["metadata"]["labels"], doc["metadata"]["annotations"]);
    }

    #[test]
    fn move_and_copy_errors() {
        let cases = [
            (
                json!({"op": "move", "from": "/spec/m/zz", "path": "/spec/q"}),
                "error in move for path: 'zz': Unable to remove nonexistent key: zz: missing value",
            ),
            (
                json!({"op": "move", "from": "/spec/x/zz", "path": "/spec/q"}),
                "move operation does not apply: doc is missing from path: /spec/x/zz: missing value",
            ),
            (
                json!({"op": "move", "from": "/spec/m/a", "path": "/spec/x/q"}),
                "move operation does not apply: doc is missing destination path: /spec/x/q: missing value",
            ),
            (
                json!({"op": "move", "from": "/spec/m", "path": "/spec/m/x"}),
                "move operation does not apply: doc is missing destination path: /spec/m/x: missing value",
            ),
            (
                json!({"op": "move", "from": "/spec/l/5", "path": "/spec/l/-"}),
                "error in move for path: '5': Unable to access invalid index: 5: invalid index referenced",
            ),
            (
                json!({"op": "move", "from": "/spec/l/-9", "path": "/spec/q"}),
                "error in move for path: '-9': Unable to access invalid index: -9: invalid index referenced",
            ),
            (
                json!({"op": "move", "from": "/spec/l/x", "path": "/spec/q"}),
                "error in move for path: 'x': strconv.Atoi: parsing \"x\": invalid syntax",
            ),
            (
                json!({"op": "move", "path": "/spec/l/-"}),
                "move operation failed to decode from: operation, missing from field: missing value",
            ),
            (
                json!({"op": "move", "from": 5, "path": "/spec/q"}),
                "move operation failed to decode from: json: cannot unmarshal number into Go value of type string",
            ),
            (
                json!({"op": "move", "from": "/spec/s"}),
                "move operation failed to decode path: operation missing path field: missing value",
            ),
            (
                json!({"op": "move", "from": "/spec/m/a", "path": "/spec/l/9"}),
                "error in move for path: '/spec/l/9': Unable to access invalid index: 9: invalid index referenced",
            ),
            (
                json!({"op": "copy", "from": "/spec/x/zz", "path": "/spec/q"}),
                "copy operation does not apply: doc is missing from path: /spec/x/zz: missing value",
            ),
            (
                json!({"op": "copy", "from": "/spec/m/a", "path": "/spec/x/q"}),
                "copy operation does not apply: doc is missing destination path: /spec/x/q: missing value",
            ),
            (
                json!({"op": "copy", "from": "/spec/l/5", "path": "/spec/q"}),
                "error in copy for from: '/spec/l/5': Unable to access invalid index: 5: invalid index referenced",
            ),
            (
                json!({"op": "copy", "from": "/spec/l/-9", "path": "/spec/q"}),
                "error in copy for from: '/spec/l/-9': Unable to access invalid index: -9: invalid index referenced",
            ),
            (
                json!({"op": "copy", "from": "/spec/l/x", "path": "/spec/q"}),
                "error in copy for from: '/spec/l/x': strconv.Atoi: parsing \"x\": invalid syntax",
            ),
            (
                json!({"op": "copy", "path": "/spec/q"}),
                "copy operation failed to decode from: operation, missing from field: missing value",
            ),
            (
                json!({"op": "copy", "from": null, "path": "/spec/q"}),
                "copy operation failed to decode from: operation, missing from field: missing value",
            ),
            (
                json!({"op": "copy", "from": ["a"], "path": "/spec/q"}),
                "copy operation failed to decode from: json: cannot unmarshal array into Go value of type string",
            ),
            (
                json!({"op": "copy", "from": "/spec/s"}),
                "copy operation failed to decode path: missing value",
            ),
            (
                json!({"op": "copy", "from": "/spec/m/a", "path": "/spec/l/9"}),
                "error while adding value during copy: Unable to access invalid index: 9: invalid index referenced",
            ),
        ];
        for (op, want) in cases {
            assert_eq!(err_of(json!([op])), want, "{op}");
        }
    }

    #[test]
    fn test_op() {
        let passes = [
            json!({"op": "test", "path": "/spec/s", "value": "str"}),
            json!({"op": "test", "path": "/spec/zz", "value": null}),
            json!({"op": "test", "path": "/spec/n", "value": null}),
            json!({"op": "test", "path": "/spec/m", "value": {"b": "x", "a": 1}}),
            json!({"op": "test", "path": "/spec/l", "value": [10, 20, 30]}),
            json!({"op": "test", "path": "/spec/m/a", "value": 1.0}),
        ];
        for op in passes {
            assert!(spec_after(json!([op])).is_ok(), "{op}");
        }
        let fails = [
            json!({"op": "test", "path": "/spec/s", "value": null}),
            json!({"op": "test", "path": "/spec/n", "value": "str"}),
            json!({"op": "test", "path": "/spec/zz", "value": "str"}),
            json!({"op": "test", "path": "/spec/s"}),
            json!({"op": "test", "path": "/spec/m", "value": {"b": "x", "a": 2}}),
            json!({"op": "test", "path": "/spec/m/a", "value": "1"}),
        ];
        for op in fails {
            let path = op["path"].as_str().unwrap_or_default().to_string();
            assert_eq!(
                err_of(json!([op])),
                format!("testing value {path} failed: test failed")
            );
        }
        assert_eq!(
            err_of(json!([{"op": "test", "path": "", "value": {}}])),
            "testing value  failed: test failed"
        );
        assert_eq!(
            err_of(json!([{"op": "test", "path": "/spec/l/7", "value": 1}])),
            "error in test for path: '/spec/l/7': Unable to access invalid index: 7: invalid index referenced"
        );
        assert_eq!(
            err_of(json!([{"op": "test", "path": "/spec/l/-9", "value": 1}])),
            "error in test for path: '/spec/l/-9': Unable to access invalid index: -9: invalid index referenced"
        );
        assert_eq!(
            err_of(json!([{"op": "test", "path": "/spec/l/x", "value": 1}])),
            "error in test for path: '/spec/l/x': strconv.Atoi: parsing \"x\": invalid syntax"
        );
        assert_eq!(
            err_of(json!([{"op": "test", "path": "/spec/x/y", "value": 1}])),
            "test operation does not apply: is missing path: /spec/x/y: missing value"
        );
        // A passing test lets later operations run; a failing one stops them.
        let s = spec_after(json!([
            {"op": "add", "path": "/spec/q", "value": 1},
            {"op": "test", "path": "/spec/q", "value": 1}
        ]));
        assert_eq!(s.unwrap()["q"], json!(1));
        // Where kustomize itself crashes.
        for op in [
            json!({"op": "test", "path": "/spec/zz"}),
            json!({"op": "test", "path": "/spec/n"}),
        ] {
            assert_eq!(err_of(json!([op])), PatchError::NilDereference.to_string());
        }
        assert_eq!(
            err_of(json!([
                {"op": "add", "path": "/spec/z", "value": [null, 1]},
                {"op": "test", "path": "/spec/z", "value": [null, 1]}
            ])),
            PatchError::NilDereference.to_string()
        );
    }

    #[test]
    fn operation_decoding() {
        let cases = [
            (
                json!({"op": "frob", "path": "/spec/s"}),
                "Unexpected kind: frob",
            ),
            (
                json!({"path": "/spec/s", "value": 1}),
                "Unexpected kind: unknown",
            ),
            (
                json!({"op": 5, "path": "/spec/s"}),
                "Unexpected kind: unknown",
            ),
            (json!(null), "Unexpected kind: unknown"),
            (
                json!({"op": "add", "value": 1}),
                "add operation failed to decode path: missing value",
            ),
            (
                json!({"op": "add", "path": 5, "value": 1}),
                "add operation failed to decode path: missing value",
            ),
            (
                json!({"op": "add", "path": null, "value": 1}),
                "add operation failed to decode path: missing value",
            ),
            (
                json!({"op": "remove"}),
                "remove operation failed to decode path: missing value",
            ),
            (
                json!({"op": "replace", "value": 1}),
                "replace operation failed to decode path: operation missing path field: missing value",
            ),
            (
                json!({"op": "replace", "path": 5, "value": 1}),
                "replace operation failed to decode path: json: cannot unmarshal number into Go value of type string",
            ),
            (
                json!({"op": "test", "value": 1}),
                "test operation failed to decode path: operation missing path field: missing value",
            ),
        ];
        for (op, want) in cases {
            assert_eq!(err_of(json!([op])), want, "{op}");
        }
        assert!(ops_from_value(&json!([])).is_ok_and(|ops| ops.is_empty()));
        assert_eq!(
            ops_from_value(&json!({"op": "add"})).map_err(|e| e.to_string()),
            Err("json: cannot unmarshal object into Go value of type jsonpatch.Patch".to_string())
        );
        assert_eq!(
            ops_from_value(&json!([1])).map_err(|e| e.to_string()),
            Err(
                "json: cannot unmarshal number into Go value of type jsonpatch.Operation"
                    .to_string()
            )
        );
    }

    #[test]
    fn big_integers_become_floats() {
        // testdata/render/json-bigint-precision: kubectl prints 12345678901234567000 and
        // 9007199254740992 for these after an unrelated `add`.
        let mut doc = json!({"spec": {
            "serial": 12345678901234567890u64, "safe": 9007199254740993u64,
            "neg": -9007199254740993i64, "edge": 9007199254740992u64,
            "small": 42, "ratio": 0.5
        }});
        let ops = ops_from_value(&json!([{"op": "add", "path": "/spec/color", "value": "blue"}]))
            .unwrap();
        apply(&mut doc, &ops).unwrap();
        let spec = &doc["spec"];
        assert_eq!(spec["serial"].as_f64(), Some(12345678901234567000.0));
        assert!(spec["serial"].is_f64());
        assert_eq!(spec["safe"].as_f64(), Some(9007199254740992.0));
        assert!(spec["safe"].is_f64());
        assert_eq!(spec["neg"].as_f64(), Some(-9007199254740992.0));
        assert_eq!(spec["edge"], json!(9007199254740992u64));
        assert_eq!(spec["small"], json!(42));
        assert_eq!(spec["ratio"], json!(0.5));
        assert_eq!(spec["color"], json!("blue"));
    }

    #[test]
    fn big_integers_compare_exactly_before_rounding() {
        let mut doc = json!({"spec": {"big": 12345678901234567890u64}});
        let ok = json!([{"op": "test", "path": "/spec/big", "value": 12345678901234567890u64}]);
        assert!(apply(&mut doc, &ops_from_value(&ok).unwrap()).is_ok());
        let mut doc = json!({"spec": {"big": 9007199254740993u64}});
        let bad = json!([{"op": "test", "path": "/spec/big", "value": 9007199254740992u64}]);
        assert!(apply(&mut doc, &ops_from_value(&bad).unwrap()).is_err());
    }

    #[test]
    fn reference_examples() {
        // testdata/render/err-json-missing-path, err-json-test-fails, json-escaped-keys.
        let mut deploy = json!({"metadata": {"name": "web", "annotations": {"x": "y"}},
            "spec": {"replicas": 1, "template": {"spec": {"containers": []}}}});
        let missing = json!([{"op": "replace", "path": "/spec/template/spec/nodeSelector/zone", "value": "a"}]);
        assert_eq!(
            apply(&mut deploy, &ops_from_value(&missing).unwrap()).map_err(|e| e.to_string()),
            Err("replace operation does not apply: doc is missing path: /spec/template/spec/nodeSelector/zone: missing value".to_string())
        );
        let test = json!([
            {"op": "test", "path": "/spec/replicas", "value": 7},
            {"op": "replace", "path": "/spec/replicas", "value": 8}
        ]);
        assert_eq!(
            apply(&mut deploy, &ops_from_value(&test).unwrap()).map_err(|e| e.to_string()),
            Err("testing value /spec/replicas failed: test failed".to_string())
        );
        assert_eq!(deploy["spec"]["replicas"], json!(1));
        let mut ing = json!({"metadata": {"labels": {"app": "web"}, "annotations": {"cert-manager.io/cluster-issuer": "letsencrypt-staging"}}});
        let ops = json!([
            {"op": "add", "path": "/metadata/annotations/nginx.ingress.kubernetes.io~1rewrite-target", "value": "/$2"},
            {"op": "replace", "path": "/metadata/annotations/cert-manager.io~1cluster-issuer", "value": "letsencrypt-prod"},
            {"op": "add", "path": "/metadata/labels/odd~0key", "value": "tilde"}
        ]);
        apply(&mut ing, &ops_from_value(&ops).unwrap()).unwrap();
        assert_eq!(
            ing,
            json!({"metadata": {"labels": {"app": "web", "odd~key": "tilde"}, "annotations": {
                "cert-manager.io/cluster-issuer": "letsencrypt-prod",
                "nginx.ingress.kubernetes.io/rewrite-target": "/$2"}}})
        );
    }

    #[test]
    fn atoi_like_go() {
        assert_eq!(atoi("+7"), Ok(7));
        assert_eq!(atoi("-007"), Ok(-7));
        assert_eq!(atoi("-9223372036854775808"), Ok(i64::MIN));
        assert!(atoi("9223372036854775808").is_err_and(|e| e.out_of_range));
        assert!(atoi("").is_err_and(|e| !e.out_of_range));
        assert!(atoi("-").is_err_and(|e| !e.out_of_range));
        assert!(atoi(" 1").is_err_and(|e| !e.out_of_range));
        assert!(atoi("1_0").is_err_and(|e| !e.out_of_range));
    }
}
