//! `set-image`: the arguments of `kustomize edit set image` and their effect on a
//! kustomization's `images:` list, applied to the file's text.
//!
//! [`parse_arg`] reads one argument (`NAME=NEWNAME[:TAG][@DIGEST]`, `NAME:TAG[@DIGEST]`,
//! `NAME@DIGEST`, `*` meaning "keep the value the file has"). [`set_images`] gives every
//! entry with that `name` exactly the fields kustomize would give it (the argument
//! replaces the entry: fields it does not name are dropped, `tagSuffix` included) and
//! appends entries for new names. Unlike kustomize, which re-serializes the whole file
//! (sorted, comments gone), the edit is line-oriented: only the changed, added or removed
//! `key: value` lines differ, quoting styles are kept, other entries and keys are left
//! alone, and new entries follow the file's own list indentation. The result is parsed
//! again and compared with the intended model; anything the small editor cannot do
//! faithfully (flow-style lists, multi-line constructs it would break) is an error, never
//! a silently wrong file.

use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// What one argument does to one field of an `images` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldUpdate {
    /// The field is dropped (the argument does not name it).
    Clear,
    /// The field gets this value.
    Set(String),
    /// `*`: the field keeps the value the file has (none for a new entry).
    Keep,
}

/// One `set-image` argument: the entry `name` and what happens to its other fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUpdate {
    pub name: String,
    pub new_name: FieldUpdate,
    pub new_tag: FieldUpdate,
    pub digest: FieldUpdate,
}

/// Why an argument or an edit was refused. The file is never written when one occurs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("no image given: {USAGE}")]
    NoImages,
    #[error("invalid image '{arg}' ({reason}): {USAGE}")]
    InvalidArgument { arg: String, reason: &'static str },
    #[error("not valid YAML: {0}")]
    Yaml(String),
    #[error("the kustomization is not a YAML mapping")]
    NotAMapping,
    #[error("line {line}: {message}")]
    Unsupported { line: usize, message: String },
}

const USAGE: &str =
    "use NAME=NEWNAME[:TAG][@DIGEST], NAME:TAG[@DIGEST] or NAME@DIGEST (* keeps the current value)";

/// Parses one argument with `kustomize edit set image`'s syntax.
///
/// `NAME=VALUE` renames (`VALUE` may carry `:TAG` and `@DIGEST`); without `=` the argument
/// must carry a tag or a digest. Tag and digest are searched after the first `/` only, so a
/// registry port (`localhost:5000/app`) is not a tag. Empty parts are refused.
pub fn parse_arg(arg: &str) -> Result<ImageUpdate, EditError> {
    let invalid = |reason| EditError::InvalidArgument {
        arg: arg.to_string(),
        reason,
    };
    let (key, value) = match arg.split_once('=') {
        Some((k, v)) => (Some(k), v),
        None => (None, arg),
    };
    if key == Some("") {
        return Err(invalid("empty NAME before '='"));
    }
    if value.is_empty() {
        return Err(invalid(if key.is_some() {
            "empty NEWNAME after '='"
        } else {
            "empty"
        }));
    }
    let parts = split_image(value);
    if key.is_none() && parts.tag.is_none() && parts.digest.is_none() {
        return Err(invalid("no '=NEWNAME', ':TAG' or '@DIGEST'"));
    }
    if parts.name.is_empty() {
        return Err(invalid("empty image name"));
    }
    if parts.tag == Some("") {
        return Err(invalid("empty TAG after ':'"));
    }
    if parts.digest == Some("") {
        return Err(invalid("empty DIGEST after '@'"));
    }
    let field = |v: Option<&str>| match v {
        None => FieldUpdate::Clear,
        Some("*") => FieldUpdate::Keep,
        Some(s) => FieldUpdate::Set(s.to_string()),
    };
    let (name, new_name) = match key {
        Some(k) => (k.to_string(), field(Some(parts.name))),
        None => (parts.name.to_string(), FieldUpdate::Clear),
    };
    Ok(ImageUpdate {
        name,
        new_name,
        new_tag: field(parts.tag),
        digest: field(parts.digest),
    })
}

/// An image reference taken apart: `name[:tag][@digest]`.
struct ImageParts<'a> {
    name: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

/// kustomize's split: `:` and `@` count only from the first `/` on (when it is not the
/// first character); a digest before any `:` takes the rest (`app@sha256:…`).
fn split_image(s: &str) -> ImageParts<'_> {
    let from = match s.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let at = s[from..].find('@').map(|i| i + from);
    let colon = s[from..].find(':').map(|i| i + from);
    match (colon, at) {
        (None, None) => ImageParts {
            name: s,
            tag: None,
            digest: None,
        },
        (Some(c), Some(a)) if c < a => ImageParts {
            name: &s[..c],
            tag: Some(&s[c + 1..a]),
            digest: Some(&s[a + 1..]),
        },
        (_, Some(a)) => ImageParts {
            name: &s[..a],
            tag: None,
            digest: Some(&s[a + 1..]),
        },
        (Some(c), None) => ImageParts {
            name: &s[..c],
            tag: Some(&s[c + 1..]),
            digest: None,
        },
    }
}

/// The fields of an `images` entry, spelled as kustomize spells them.
const FIELDS: [&str; 5] = ["name", "newName", "newTag", "digest", "tagSuffix"];

/// The canonical spelling of an entry key (kustomize matches keys case-insensitively).
fn canonical_field(key: &str) -> Option<&'static str> {
    FIELDS.iter().copied().find(|f| f.eq_ignore_ascii_case(key))
}

/// An entry as it must read after the edit.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    new_name: Option<String>,
    new_tag: Option<String>,
    digest: Option<String>,
}

impl Entry {
    /// The value the edit wants for `field` (`tagSuffix` is never kept: kustomize drops it).
    fn get(&self, field: &str) -> Option<&str> {
        match field {
            "name" => Some(&self.name),
            "newName" => self.new_name.as_deref(),
            "newTag" => self.new_tag.as_deref(),
            "digest" => self.digest.as_deref(),
            _ => None,
        }
    }

    fn model(&self) -> BTreeMap<String, Value> {
        FIELDS
            .iter()
            .filter_map(|f| {
                self.get(f)
                    .filter(|v| !v.is_empty())
                    .map(|v| (f.to_string(), Value::String(v.to_string())))
            })
            .collect()
    }
}

impl ImageUpdate {
    /// The entry this update makes of `existing` (the file's entry with the same name).
    fn resolve(
        &self,
        existing: Option<&Map<String, Value>>,
        line: usize,
    ) -> Result<Entry, EditError> {
        let field = |update: &FieldUpdate, key: &str| -> Result<Option<String>, EditError> {
            Ok(match update {
                FieldUpdate::Clear => None,
                FieldUpdate::Set(v) => Some(v.clone()).filter(|v| !v.is_empty()),
                FieldUpdate::Keep => match existing.and_then(|e| entry_field(e, key)) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()).filter(|s| !s.is_empty()),
                    Some(_) => {
                        return Err(EditError::Unsupported {
                            line,
                            message: format!(
                                "image '{}': {key} is not a string, cannot keep it with '*'",
                                self.name
                            ),
                        })
                    }
                },
            })
        };
        Ok(Entry {
            name: self.name.clone(),
            new_name: field(&self.new_name, "newName")?,
            new_tag: field(&self.new_tag, "newTag")?,
            digest: field(&self.digest, "digest")?,
        })
    }
}

/// A field of a parsed entry, keys compared as kustomize compares them.
fn entry_field<'a>(entry: &'a Map<String, Value>, field: &str) -> Option<&'a Value> {
    entry
        .iter()
        .filter(|(k, _)| k.eq_ignore_ascii_case(field))
        .map(|(_, v)| v)
        .next_back()
}

/// A parsed entry as a comparable model: canonical keys, empty values dropped.
fn entry_model(entry: &Value) -> BTreeMap<String, Value> {
    let Value::Object(map) = entry else {
        return BTreeMap::from([(String::new(), entry.clone())]);
    };
    map.iter()
        .filter(|(_, v)| !matches!(v, Value::Null) && v.as_str() != Some(""))
        .map(|(k, v)| {
            let key = canonical_field(k).map_or_else(|| k.clone(), str::to_string);
            (key, v.clone())
        })
        .collect()
}

/// Applies `updates` to the kustomization `text` and returns the new text (equal to `text`
/// when nothing changes). For several updates of one name the last one wins.
pub fn set_images(text: &str, updates: &[ImageUpdate]) -> Result<String, EditError> {
    if updates.is_empty() {
        return Err(EditError::NoImages);
    }
    let mut unique: Vec<&ImageUpdate> = Vec::new();
    for u in updates {
        match unique.iter_mut().find(|x| x.name == u.name) {
            Some(slot) => *slot = u,
            None => unique.push(u),
        }
    }

    let before = parse_mapping(text)?;
    let existing: Vec<Value> = match images_value(&before) {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => {
            return Err(EditError::Unsupported {
                line: 1,
                message: "images is not a list".to_string(),
            })
        }
    };

    let mut doc = Document::new(text);
    let list = doc.images_list()?;
    if list.items.len() != existing.len() {
        return Err(EditError::Unsupported {
            line: list.key_line.map_or(1, |l| l + 1),
            message: format!(
                "the images list has {} entries but {} were recognised line by line; edit it by hand",
                existing.len(),
                list.items.len()
            ),
        });
    }

    // The model: what every entry must read afterwards.
    let mut expected: Vec<BTreeMap<String, Value>> = Vec::new();
    let mut planned: Vec<Option<Entry>> = Vec::new();
    let mut used = vec![false; unique.len()];
    for (entry, item) in existing.iter().zip(&list.items) {
        let Value::Object(map) = entry else {
            return Err(EditError::Unsupported {
                line: item.start + 1,
                message: "an images entry is not a mapping".to_string(),
            });
        };
        let name = entry_field(map, "name")
            .and_then(Value::as_str)
            .unwrap_or("");
        match unique.iter().position(|u| u.name == name) {
            Some(i) => {
                used[i] = true;
                let e = unique[i].resolve(Some(map), item.start + 1)?;
                expected.push(e.model());
                planned.push(Some(e));
            }
            None => {
                expected.push(entry_model(entry));
                planned.push(None);
            }
        }
    }
    let mut added = Vec::new();
    for (u, used) in unique.iter().zip(&used) {
        if !used {
            let e = u.resolve(None, 1)?;
            expected.push(e.model());
            added.push(e);
        }
    }

    let out = doc.apply(list, &existing, &planned, &added);
    if out == text {
        return Ok(out);
    }
    verify(&before, &out, &expected)?;
    Ok(out)
}

/// Parses kustomization text as kustomize reads it (YAML 1.1); `null` is an empty mapping.
fn parse_mapping(text: &str) -> Result<Map<String, Value>, EditError> {
    match crate::yaml::parse::parse_one(text, crate::yaml::Dialect::Yaml11) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(Value::Null) => Ok(Map::new()),
        Ok(_) => Err(EditError::NotAMapping),
        Err(e) => Err(EditError::Yaml(match e.line {
            Some(l) => format!("line {l}: {}", e.message),
            None => e.message,
        })),
    }
}

fn images_value(doc: &Map<String, Value>) -> Option<&Value> {
    entry_field(doc, "images")
}

/// The edited text must parse to the same document except `images`, which must match the model.
fn verify(
    before: &Map<String, Value>,
    out: &str,
    expected: &[BTreeMap<String, Value>],
) -> Result<(), EditError> {
    let failed = |what: &str| EditError::Unsupported {
        line: 1,
        message: format!("the line edit would {what}; edit the images list by hand"),
    };
    let after = parse_mapping(out).map_err(|_| failed("break the YAML"))?;
    let strip = |m: &Map<String, Value>| -> Map<String, Value> {
        m.iter()
            .filter(|(k, _)| !k.eq_ignore_ascii_case("images"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    };
    if strip(before) != strip(&after) {
        return Err(failed("change other fields"));
    }
    let got: Vec<BTreeMap<String, Value>> = match images_value(&after) {
        Some(Value::Array(items)) => items.iter().map(entry_model).collect(),
        _ => Vec::new(),
    };
    if got != expected {
        return Err(failed("not give the intended entries"));
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The line editor.

/// One line of the file: its text and its line ending (`""` on a last line without one).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    text: String,
    eol: String,
}

/// How a scalar value is written on its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
}

/// A `key: value` of an entry: its first line (indented to the entry's key column even when
/// it shares the line with the entry's `-`) and any continuation lines.
#[derive(Debug, Clone)]
struct KeySeg {
    field: Option<&'static str>,
    lines: Vec<Line>,
    /// Byte index of the `:` after the key on the first line.
    colon: usize,
    /// The value on the first line: byte range and style; `None` when it is not a
    /// single-line scalar (block scalar, anchor, flow collection, continued plain scalar).
    span: Option<(usize, usize, Style)>,
}

#[derive(Debug, Clone)]
enum Seg {
    Key(KeySeg),
    /// A blank or comment line inside an entry.
    Other(Line),
}

/// One `- ...` entry of the images list: lines `start..end` of the file.
#[derive(Debug, Clone)]
struct Item {
    start: usize,
    end: usize,
    /// The `-` column and the key column.
    dash: usize,
    key_col: usize,
    /// The text before the key column on the `-` line, when the first key shares that line.
    dash_prefix: Option<String>,
    /// The `-` line when it holds no key.
    dash_line: Option<Line>,
    segs: Vec<Seg>,
}

/// Where the images list is and how its entries are laid out.
#[derive(Debug)]
struct List {
    /// The `images:` line; `None` when the key is absent.
    key_line: Option<usize>,
    items: Vec<Item>,
    /// Where new entries go (a line index; may be the line count).
    insert_at: usize,
    dash: usize,
    key_col: usize,
}

struct Document {
    lines: Vec<Line>,
    eol: &'static str,
}

fn indent_of(s: &str) -> usize {
    s.len() - s.trim_start_matches(' ').len()
}

fn is_blank_or_comment(s: &str) -> bool {
    let t = s.trim_start();
    t.is_empty() || t.starts_with('#')
}

/// Whether `s` has a sequence dash at column `col`.
fn is_dash(s: &str, col: usize) -> bool {
    s.get(col..).is_some_and(|r| {
        r.starts_with('-') && matches!(r.as_bytes().get(1), None | Some(b' ') | Some(b'\t'))
    })
}

/// A mapping key starting at `col`: the key text and the index of its `:`.
fn key_at(s: &str, col: usize) -> Option<(String, usize)> {
    let rest = s.get(col..)?;
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let close = rest[1..].find(quote)? + 1;
        let after = &rest[close + 1..];
        let colon = close + 1 + after.len() - after.trim_start_matches(' ').len();
        if rest.as_bytes().get(colon) != Some(&b':') || !ends_key(rest, colon) {
            return None;
        }
        return Some((rest[1..close].to_string(), col + colon));
    }
    if matches!(
        quote,
        '#' | '-' | '[' | '{' | '&' | '*' | '!' | '?' | '|' | '>'
    ) {
        return None;
    }
    let colon = rest
        .char_indices()
        .find(|&(i, c)| c == ':' && ends_key(rest, i))
        .map(|(i, _)| i)?;
    Some((rest[..colon].trim_end().to_string(), col + colon))
}

fn ends_key(s: &str, colon: usize) -> bool {
    matches!(s.as_bytes().get(colon + 1), None | Some(b' ') | Some(b'\t'))
}

/// The single-line scalar value after the `:` at `colon`: `(start, end, style)`, with
/// `start == end` for an empty value; `None` when the value is not one simple scalar.
fn value_span(s: &str, colon: usize) -> Option<(usize, usize, Style)> {
    let after = &s[colon + 1..];
    let start = colon + 1 + after.len() - after.trim_start().len();
    let rest = &s[start..];
    let Some(first) = rest.chars().next() else {
        return Some((start, start, Style::Plain));
    };
    let end = match first {
        '#' => return Some((start, start, Style::Plain)),
        '"' => {
            let mut escaped = false;
            let close = rest
                .char_indices()
                .skip(1)
                .find(|&(_, c)| {
                    let hit = c == '"' && !escaped;
                    escaped = c == '\\' && !escaped;
                    hit
                })?
                .0;
            return trailing_ok(s, start + close + 1).then_some((
                start,
                start + close + 1,
                Style::Double,
            ));
        }
        '\'' => {
            let b = rest.as_bytes();
            let mut i = 1;
            loop {
                match b.get(i) {
                    None => return None,
                    Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break,
                    Some(_) => i += 1,
                }
            }
            return trailing_ok(s, start + i + 1).then_some((start, start + i + 1, Style::Single));
        }
        '|' | '>' | '&' | '*' | '!' | '[' | '{' => return None,
        _ => {
            let comment = [" #", "\t#"]
                .iter()
                .filter_map(|p| rest.find(p))
                .min()
                .unwrap_or(rest.len());
            start + rest[..comment].trim_end().len()
        }
    };
    Some((start, end, Style::Plain))
}

/// After a quoted scalar only blanks and a comment may follow.
fn trailing_ok(s: &str, end: usize) -> bool {
    is_blank_or_comment(&s[end..])
        && (s[end..].trim().is_empty() || s[end..].starts_with([' ', '\t']))
}

/// A scalar written in `style`; plain values are quoted when YAML would read them as
/// something other than that string (the rules of the emitter that prints resources).
fn format_scalar(v: &str, style: Style) -> String {
    let double = |v: &str| {
        let mut out = String::from("\"");
        for c in v.chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\t' => out.push_str("\\t"),
                c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                c => out.push(c),
            }
        }
        out.push('"');
        out
    };
    match style {
        Style::Double => double(v),
        Style::Single if !v.chars().any(char::is_control) => format!("'{}'", v.replace('\'', "''")),
        _ => {
            let y = crate::yaml::to_yaml(&Value::String(v.to_string()));
            let y = y.strip_suffix('\n').unwrap_or(&y);
            if y.contains('\n') || y.is_empty() {
                double(v)
            } else {
                y.to_string()
            }
        }
    }
}

impl Document {
    fn new(text: &str) -> Document {
        let lines = text
            .split_inclusive('\n')
            .map(|piece| {
                let body = piece.strip_suffix('\n').unwrap_or(piece);
                let body = body.strip_suffix('\r').unwrap_or(body);
                Line {
                    text: body.to_string(),
                    eol: piece[body.len()..].to_string(),
                }
            })
            .collect();
        Document {
            lines,
            eol: if text.contains("\r\n") { "\r\n" } else { "\n" },
        }
    }

    fn err(&self, line: usize, message: impl Into<String>) -> EditError {
        EditError::Unsupported {
            line: line + 1,
            message: message.into(),
        }
    }

    /// The dash column other top-level lists of the file use (`resources:` etc.), else 0.
    fn house_dash(&self) -> usize {
        let mut after_key = false;
        for line in &self.lines {
            let t = &line.text;
            if is_blank_or_comment(t) {
                continue;
            }
            let ind = indent_of(t);
            if after_key {
                if is_dash(t, ind) {
                    return ind;
                }
                after_key = false;
            }
            if ind == 0 {
                if let Some((_, colon)) = key_at(t, 0) {
                    after_key = is_blank_or_comment(&t[colon + 1..]);
                }
            }
        }
        0
    }

    /// Finds the top-level `images:` key and its entries. Rewrites `images: []` (or a null
    /// value) to an empty block list; refuses other flow or non-list values.
    fn images_list(&mut self) -> Result<List, EditError> {
        let key_line = self.lines.iter().rposition(|l| {
            indent_of(&l.text) == 0
                && key_at(&l.text, 0).is_some_and(|(k, _)| k.eq_ignore_ascii_case("images"))
        });
        let house = self.house_dash();
        let Some(key_line) = key_line else {
            return Ok(List {
                key_line: None,
                items: Vec::new(),
                insert_at: self.lines.len(),
                dash: house,
                key_col: house + 2,
            });
        };
        let text = self.lines[key_line].text.clone();
        let Some((_, colon)) = key_at(&text, 0) else {
            return Err(self.err(key_line, "cannot read the images key"));
        };
        let after = &text[colon + 1..];
        let value = after.trim_start();
        let (inline, comment) = match value
            .find(" #")
            .or_else(|| value.starts_with('#').then_some(0))
        {
            Some(i) => (value[..i].trim_end(), value[i..].trim_start()),
            None => (value.trim_end(), ""),
        };
        if !inline.is_empty() {
            if matches!(inline, "[]" | "~" | "null" | "Null" | "NULL") {
                let mut rewritten = text[..=colon].to_string();
                if !comment.is_empty() {
                    rewritten.push(' ');
                    rewritten.push_str(comment);
                }
                self.lines[key_line].text = rewritten;
            } else if inline.starts_with('[') {
                return Err(self.err(
                    key_line,
                    "images is a flow-style list ([...]); write it as a block list (- name: ...) to edit it",
                ));
            } else {
                return Err(self.err(
                    key_line,
                    format!("images has an unsupported value '{inline}'"),
                ));
            }
        }

        let mut items: Vec<Item> = Vec::new();
        let mut insert_at = key_line + 1;
        let mut dash = None;
        let mut j = key_line + 1;
        while j < self.lines.len() {
            let t = &self.lines[j].text;
            if is_blank_or_comment(t) {
                j += 1;
                continue;
            }
            let ind = indent_of(t);
            let col = match dash {
                Some(col) => col,
                None if is_dash(t, ind) => *dash.insert(ind),
                None if ind == 0 => break,
                None => return Err(self.err(j, "images is not a list")),
            };
            if ind < col || (ind == col && !is_dash(t, ind)) {
                break;
            }
            if ind > col {
                return Err(self.err(j, "unexpected indentation in the images list"));
            }
            // An entry: up to the next dash at `col` or the end of the list.
            let mut end = j + 1;
            let mut k = j + 1;
            while k < self.lines.len() {
                let u = &self.lines[k].text;
                if !is_blank_or_comment(u) {
                    let ui = indent_of(u);
                    if ui <= col {
                        break;
                    }
                    end = k + 1;
                }
                k += 1;
            }
            items.push(self.parse_item(j, end, col)?);
            insert_at = end;
            j = k;
        }
        let house_dash = dash.unwrap_or(house);
        let (dash, key_col) = match items.last() {
            Some(it) => (it.dash, it.key_col.max(it.dash + 2)),
            None => (house_dash, house_dash + 2),
        };
        Ok(List {
            key_line: Some(key_line),
            items,
            insert_at,
            dash,
            key_col,
        })
    }

    /// Reads one entry (lines `start..end`, `-` at column `dash`) into key segments.
    fn parse_item(&self, start: usize, end: usize, dash: usize) -> Result<Item, EditError> {
        let first = &self.lines[start].text;
        let after_dash = &first[dash + 1..];
        let key_col =
            dash + 1 + after_dash.len() - after_dash.trim_start_matches([' ', '\t']).len();
        let inline = &first[key_col..];
        let mut segs: Vec<Seg> = Vec::new();
        let (key_col, dash_prefix, dash_line, body_start) = if is_blank_or_comment(inline) {
            let next = (start + 1..end).find(|&i| !is_blank_or_comment(&self.lines[i].text));
            let Some(next) = next else {
                return Err(self.err(start, "empty images entry"));
            };
            (
                indent_of(&self.lines[next].text),
                None,
                Some(self.lines[start].clone()),
                start + 1,
            )
        } else {
            if inline.starts_with('{') {
                return Err(self.err(
                    start,
                    "flow-style images entry ({...}); write it as a block mapping to edit it",
                ));
            }
            let normalized = Line {
                text: format!("{}{}", " ".repeat(key_col), inline),
                eol: self.lines[start].eol.clone(),
            };
            segs.push(self.key_seg(normalized, key_col, start)?);
            (key_col, Some(first[..key_col].to_string()), None, start + 1)
        };
        for i in body_start..end {
            let line = &self.lines[i];
            if is_blank_or_comment(&line.text) {
                segs.push(Seg::Other(line.clone()));
                continue;
            }
            let ind = indent_of(&line.text);
            if ind == key_col {
                segs.push(self.key_seg(line.clone(), key_col, i)?);
            } else if ind > key_col {
                // Continuation of the previous key's value (blank lines inside it too).
                let mut tail = Vec::new();
                while let Some(Seg::Other(l)) = segs.last() {
                    tail.push(l.clone());
                    segs.pop();
                }
                let Some(Seg::Key(seg)) = segs.last_mut() else {
                    return Err(self.err(i, "unexpected indentation in an images entry"));
                };
                seg.lines.extend(tail.into_iter().rev());
                seg.lines.push(line.clone());
                seg.span = None;
            } else {
                return Err(self.err(i, "unexpected indentation in an images entry"));
            }
        }
        Ok(Item {
            start,
            end,
            dash,
            key_col,
            dash_prefix,
            dash_line,
            segs,
        })
    }

    fn key_seg(&self, line: Line, key_col: usize, at: usize) -> Result<Seg, EditError> {
        let Some((key, colon)) = key_at(&line.text, key_col) else {
            return Err(self.err(at, "expected 'key: value' in an images entry"));
        };
        Ok(Seg::Key(KeySeg {
            field: canonical_field(&key),
            span: value_span(&line.text, colon),
            colon,
            lines: vec![line],
        }))
    }

    /// Renders the edited document.
    fn apply(
        &mut self,
        list: List,
        existing: &[Value],
        planned: &[Option<Entry>],
        added: &[Entry],
    ) -> String {
        let eol = self.eol;
        let mut new_lines: Vec<Line> = Vec::new();
        if !added.is_empty() {
            if list.key_line.is_none() {
                if let Some(last) = self.lines.last_mut() {
                    if last.eol.is_empty() {
                        last.eol = eol.to_string();
                    }
                }
                new_lines.push(Line {
                    text: "images:".to_string(),
                    eol: eol.to_string(),
                });
            }
            let prefix = format!(
                "{}-{}",
                " ".repeat(list.dash),
                " ".repeat(list.key_col - list.dash - 1)
            );
            for e in added {
                for (i, field) in ["name", "newName", "newTag", "digest"].iter().enumerate() {
                    if let Some(v) = e.get(field) {
                        let lead = if i == 0 {
                            prefix.clone()
                        } else {
                            " ".repeat(list.key_col)
                        };
                        new_lines.push(Line {
                            text: format!("{lead}{field}: {}", format_scalar(v, Style::Plain)),
                            eol: eol.to_string(),
                        });
                    }
                }
            }
        }

        let mut rendered: Vec<(usize, usize, Vec<Line>)> = Vec::new();
        for ((item, plan), entry) in list.items.iter().zip(planned).zip(existing) {
            if let Some(want) = plan {
                let edited = edit_item(item, want, entry, eol);
                rendered.push((item.start, item.end, edited));
            }
        }

        let mut out: Vec<Line> = Vec::new();
        let mut idx = 0;
        let mut pending = rendered.into_iter().peekable();
        loop {
            if idx == list.insert_at {
                out.append(&mut new_lines);
            }
            if idx >= self.lines.len() {
                break;
            }
            if let Some((_, end, lines)) = pending.next_if(|(s, _, _)| *s == idx) {
                out.extend(lines);
                idx = end;
                continue;
            }
            out.push(self.lines[idx].clone());
            idx += 1;
        }
        out.iter().map(|l| format!("{}{}", l.text, l.eol)).collect()
    }
}

/// The lines of `item` once its fields read as `want`. `entry` is the item as parsed.
fn edit_item(item: &Item, want: &Entry, entry: &Value, eol: &str) -> Vec<Line> {
    let mut segs = item.segs.clone();
    let current = |field: &str| match entry {
        Value::Object(m) => entry_field(m, field).cloned(),
        _ => None,
    };
    for field in ["newName", "newTag", "digest", "tagSuffix"] {
        let target = want.get(field);
        let positions: Vec<usize> = segs
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s, Seg::Key(k) if k.field == Some(field)))
            .map(|(i, _)| i)
            .collect();
        match (positions.split_last(), target) {
            (Some((&last, earlier)), Some(v)) => {
                let unchanged = earlier.is_empty()
                    && current(field).as_ref().and_then(Value::as_str) == Some(v);
                if !unchanged {
                    if let Seg::Key(k) = &mut segs[last] {
                        set_value(k, v);
                    }
                    for &i in earlier.iter().rev() {
                        segs.remove(i);
                    }
                }
            }
            (Some(_), None) => {
                for &i in positions.iter().rev() {
                    segs.remove(i);
                }
            }
            (None, Some(v)) => {
                let order = ["name", "newName", "newTag", "digest"];
                let rank = order
                    .iter()
                    .position(|f| *f == field)
                    .unwrap_or(order.len());
                let after = segs
                    .iter()
                    .rposition(|s| {
                        matches!(s, Seg::Key(k) if k.field.is_some_and(|f| order[..rank].contains(&f)))
                    })
                    .or_else(|| segs.iter().rposition(|s| matches!(s, Seg::Key(_))))
                    .map_or(0, |i| i + 1);
                let text = format!(
                    "{}{field}: {}",
                    " ".repeat(item.key_col),
                    format_scalar(v, Style::Plain)
                );
                segs.insert(
                    after,
                    Seg::Key(KeySeg {
                        field: Some(field),
                        colon: item.key_col + field.len(),
                        span: None,
                        lines: vec![Line {
                            text,
                            eol: eol.to_string(),
                        }],
                    }),
                );
            }
            (None, None) => {}
        }
    }

    let mut out = Vec::new();
    if let Some(l) = &item.dash_line {
        out.push(l.clone());
    }
    let mut dash_pending = item.dash_prefix.as_deref();
    for seg in segs {
        match seg {
            Seg::Other(l) => out.push(l),
            Seg::Key(k) => {
                for (i, mut l) in k.lines.into_iter().enumerate() {
                    if i == 0 {
                        if let Some(prefix) = dash_pending.take() {
                            l.text = format!("{prefix}{}", &l.text[item.key_col..]);
                        }
                    }
                    out.push(l);
                }
            }
        }
    }
    out
}

/// Gives a key segment the value `v`, on its first line, keeping the line's quoting style
/// and trailing comment where there is one.
fn set_value(k: &mut KeySeg, v: &str) {
    let Some(first) = k.lines.first() else {
        return;
    };
    let eol = first.eol.clone();
    let text = first.text.clone();
    let new_text = match k.span {
        Some((s, e, style)) if s < e => {
            format!("{}{}{}", &text[..s], format_scalar(v, style), &text[e..])
        }
        Some(_) => {
            let comment = text[k.colon + 1..].trim();
            let mut t = format!("{} {}", &text[..=k.colon], format_scalar(v, Style::Plain));
            if !comment.is_empty() {
                t.push(' ');
                t.push_str(comment);
            }
            t
        }
        None => format!("{} {}", &text[..=k.colon], format_scalar(v, Style::Plain)),
    };
    k.lines = vec![Line {
        text: new_text,
        eol,
    }];
    k.span = value_span(&k.lines[0].text, k.colon);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(text: &str, args: &[&str]) -> Result<String, EditError> {
        let updates: Vec<ImageUpdate> = args
            .iter()
            .map(|a| parse_arg(a).expect("valid arg"))
            .collect();
        set_images(text, &updates)
    }

    /// Lines removed from `a` and added in `b` (a simple LCS diff).
    fn diff(a: &str, b: &str) -> (Vec<String>, Vec<String>) {
        let a: Vec<&str> = a.lines().collect();
        let b: Vec<&str> = b.lines().collect();
        let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
        for i in (0..a.len()).rev() {
            for j in (0..b.len()).rev() {
                lcs[i][j] = if a[i] == b[j] {
                    lcs[i + 1][j + 1] + 1
                } else {
                    lcs[i + 1][j].max(lcs[i][j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        let (mut removed, mut added) = (Vec::new(), Vec::new());
        while i < a.len() || j < b.len() {
            if i < a.len() && j < b.len() && a[i] == b[j] {
                i += 1;
                j += 1;
            } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
                added.push(b[j].to_string());
                j += 1;
            } else {
                removed.push(a[i].to_string());
                i += 1;
            }
        }
        (removed, added)
    }

    const BASE: &str = "\
# the dev env
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - ../../base   # shared
images:
  # the web frontend
  - name: web
    newName: registry.example.com/web # pinned
    newTag: \"1.0\"

  - newTag: v2 # api
    name: api
namePrefix: dev-
";

    #[test]
    fn parse_arg_forms() {
        let u = parse_arg("nginx:1.25").unwrap();
        assert_eq!(u.name, "nginx");
        assert_eq!(u.new_name, FieldUpdate::Clear);
        assert_eq!(u.new_tag, FieldUpdate::Set("1.25".into()));
        assert_eq!(u.digest, FieldUpdate::Clear);

        let u = parse_arg("app=localhost:5000/team/app:dev-01").unwrap();
        assert_eq!(u.name, "app");
        assert_eq!(
            u.new_name,
            FieldUpdate::Set("localhost:5000/team/app".into())
        );
        assert_eq!(u.new_tag, FieldUpdate::Set("dev-01".into()));

        let u = parse_arg("mysql=mariadb").unwrap();
        assert_eq!(u.new_name, FieldUpdate::Set("mariadb".into()));
        assert_eq!(u.new_tag, FieldUpdate::Clear);

        let u = parse_arg("alpine@sha256:abc").unwrap();
        assert_eq!(u.name, "alpine");
        assert_eq!(u.digest, FieldUpdate::Set("sha256:abc".into()));
        assert_eq!(u.new_tag, FieldUpdate::Clear);

        let u = parse_arg("alpine:3.19@sha256:abc").unwrap();
        assert_eq!(u.new_tag, FieldUpdate::Set("3.19".into()));
        assert_eq!(u.digest, FieldUpdate::Set("sha256:abc".into()));

        let u = parse_arg("app=*:v3").unwrap();
        assert_eq!(u.new_name, FieldUpdate::Keep);
        assert_eq!(u.new_tag, FieldUpdate::Set("v3".into()));
        let u = parse_arg("app:*@sha256:1").unwrap();
        assert_eq!(u.new_tag, FieldUpdate::Keep);
    }

    #[test]
    fn parse_arg_errors() {
        for bad in [
            "nginx",
            "",
            "=x",
            "x=",
            "nginx:",
            "nginx@",
            "registry.io/team/app",
            ":1",
        ] {
            let e = parse_arg(bad).unwrap_err();
            assert!(
                matches!(e, EditError::InvalidArgument { .. }),
                "{bad}: {e:?}"
            );
            assert!(!e.to_string().contains('\n'));
        }
    }

    #[test]
    fn update_existing_keeps_comments_and_diff_minimal() {
        let out = set(BASE, &["web=registry.example.com/web:1.1"]).unwrap();
        let (removed, added) = diff(BASE, &out);
        assert_eq!(removed, ["    newTag: \"1.0\""]);
        assert_eq!(added, ["    newTag: \"1.1\""]);
    }

    #[test]
    fn plain_tag_that_reads_as_a_number_is_quoted() {
        let out = set(BASE, &["api:2"]).unwrap();
        let (removed, added) = diff(BASE, &out);
        assert_eq!(removed, ["  - newTag: v2 # api"]);
        assert_eq!(added, ["  - newTag: \"2\" # api"]);
    }

    #[test]
    fn tag_only_argument_drops_new_name_like_kustomize() {
        let out = set(BASE, &["web:2.0"]).unwrap();
        let (removed, added) = diff(BASE, &out);
        assert_eq!(
            removed,
            [
                "    newName: registry.example.com/web # pinned",
                "    newTag: \"1.0\""
            ]
        );
        assert_eq!(added, ["    newTag: \"2.0\""]);
    }

    #[test]
    fn star_keeps_the_current_value() {
        let out = set(BASE, &["web=*:2.0"]).unwrap();
        let (removed, added) = diff(BASE, &out);
        assert_eq!(removed, ["    newTag: \"1.0\""]);
        assert_eq!(added, ["    newTag: \"2.0\""]);
        // `*` for a field the entry lacks, and for a new entry: no field.
        let out = set(BASE, &["api@*", "db=*:*"]).unwrap();
        let (removed, added) = diff(BASE, &out);
        assert_eq!(removed, ["  - newTag: v2 # api", "    name: api"]);
        assert_eq!(added, ["  - name: api", "  - name: db"]);
    }

    #[test]
    fn digest_added_after_the_tag() {
        let out = set(BASE, &["web=*:*@sha256:0123"]).unwrap();
        let (removed, added) = diff(BASE, &out);
        assert!(removed.is_empty(), "{removed:?}");
        assert_eq!(added, ["    digest: sha256:0123"]);
        assert!(out.contains("    newTag: \"1.0\"\n    digest: sha256:0123\n\n  - newTag"));
    }

    #[test]
    fn new_entry_appended_in_the_file_style() {
        let out = set(BASE, &["redis=bitnami/redis:7.2@sha256:ff"]).unwrap();
        let (removed, added) = diff(BASE, &out);
        assert!(removed.is_empty());
        assert_eq!(
            added,
            [
                "  - name: redis",
                "    newName: bitnami/redis",
                "    newTag: \"7.2\"",
                "    digest: sha256:ff"
            ]
        );
        assert!(out.contains("    name: api\n  - name: redis\n"));
        assert!(out.ends_with("namePrefix: dev-\n"));
    }

    #[test]
    fn images_field_created_at_the_end() {
        let text = "resources:\n- deploy.yaml\n# trailing comment\nnamePrefix: a-";
        let out = set(text, &["nginx:1.25"]).unwrap();
        assert_eq!(
            out,
            "resources:\n- deploy.yaml\n# trailing comment\nnamePrefix: a-\nimages:\n- name: nginx\n  newTag: \"1.25\"\n"
        );
        let text = "resources:\n  - deploy.yaml\n";
        let out = set(text, &["nginx=my/nginx"]).unwrap();
        assert_eq!(
            out,
            "resources:\n  - deploy.yaml\nimages:\n  - name: nginx\n    newName: my/nginx\n"
        );
    }

    #[test]
    fn empty_and_null_images() {
        let out = set("images: [] # none yet\nresources:\n- a.yaml\n", &["a:1"]).unwrap();
        assert_eq!(
            out,
            "images: # none yet\n- name: a\n  newTag: \"1\"\nresources:\n- a.yaml\n"
        );
        let out = set("images:\nresources:\n- a.yaml\n", &["a@sha256:x"]).unwrap();
        assert_eq!(
            out,
            "images:\n- name: a\n  digest: sha256:x\nresources:\n- a.yaml\n"
        );
    }

    #[test]
    fn zero_indent_lists_quoted_values_and_crlf() {
        let text = "images:\r\n- name: 'web'\r\n  newTag: 'old'\r\n- name: \"db\"\r\n  newName: \"pg\" # x\r\n";
        let out = set(text, &["web:new", "db=postgres"]).unwrap();
        assert_eq!(
            out,
            "images:\r\n- name: 'web'\r\n  newTag: 'new'\r\n- name: \"db\"\r\n  newName: \"postgres\" # x\r\n"
        );
    }

    #[test]
    fn first_key_removed_moves_the_dash() {
        let text = "images:\n- newName: x\n  name: a\n  newTag: t\n";
        let out = set(text, &["a:u"]).unwrap();
        assert_eq!(out, "images:\n- name: a\n  newTag: u\n");
        let text = "images:\n-\n  newName: x\n  name: a\n";
        let out = set(text, &["a:u"]).unwrap();
        assert_eq!(out, "images:\n-\n  name: a\n  newTag: u\n");
    }

    #[test]
    fn tag_suffix_is_dropped_and_unchanged_is_identity() {
        let text = "images:\n- name: a\n  newTag: t\n  tagSuffix: -debug\n";
        assert_eq!(
            set(text, &["a:t2"]).unwrap(),
            "images:\n- name: a\n  newTag: t2\n"
        );
        let text = "images:\n- name: a # same\n  newTag: t\n";
        assert_eq!(set(text, &["a:t"]).unwrap(), text);
    }

    #[test]
    fn last_argument_for_a_name_wins() {
        let out = set("images:\n- name: a\n  newTag: t\n", &["a:1", "a:2"]).unwrap();
        assert_eq!(out, "images:\n- name: a\n  newTag: \"2\"\n");
    }

    #[test]
    fn errors() {
        let e = set("images: [{name: a, newTag: b}]\n", &["a:c"]).unwrap_err();
        assert!(e.to_string().contains("flow-style"), "{e}");
        let e = set("images:\n- {name: a, newTag: b}\n", &["a:c"]).unwrap_err();
        assert!(e.to_string().contains("flow-style"), "{e}");
        let e = set("images: [\n", &["a:c"]).unwrap_err();
        assert!(matches!(e, EditError::Yaml(_)), "{e:?}");
        let e = set("- a\n- b\n", &["a:c"]).unwrap_err();
        assert_eq!(e, EditError::NotAMapping);
        let e = set("images:\n- name: a\n  newTag: 1\n", &["a=x:*"]).unwrap_err();
        assert!(e.to_string().contains("not a string"), "{e}");
        assert_eq!(set_images("a: b\n", &[]).unwrap_err(), EditError::NoImages);
    }

    #[test]
    fn multi_line_value_is_replaced_whole() {
        let text = "images:\n- name: a\n  newName: >-\n    very/long\n  newTag: t\n";
        let out = set(text, &["a=b:t"]).unwrap();
        assert_eq!(out, "images:\n- name: a\n  newName: b\n  newTag: t\n");
    }

    #[test]
    fn split_image_follows_kustomize() {
        let p = split_image("localhost:5000/app:1@sha256:x");
        assert_eq!(
            (p.name, p.tag, p.digest),
            ("localhost:5000/app", Some("1"), Some("sha256:x"))
        );
        let p = split_image("app@sha256:x");
        assert_eq!((p.name, p.tag, p.digest), ("app", None, Some("sha256:x")));
        let p = split_image("localhost:5000");
        assert_eq!((p.name, p.tag, p.digest), ("localhost", Some("5000"), None));
    }
}
