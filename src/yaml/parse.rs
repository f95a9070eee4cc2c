//! Reading YAML text into JSON-shaped values, typed the way kustomize types them.
//!
//! Resources are read with yaml.v3's core schema (`yes` is a string, `010` is octal 8, an
//! unquoted `2001-12-14` is a timestamp); kustomization files with goyaml.v2's YAML 1.1
//! rules (`yes` is a boolean). Aliases are expanded and `<<` merge keys resolved here, so
//! every later stage sees plain maps, lists and scalars. Document splitting follows kyaml's
//! reader: a line starting with `---` separates documents.

use saphyr_parser::{Event, Parser, ScalarStyle, Tag};
use serde_json::{Map, Number, Value};
use std::collections::HashMap;

/// Marks a non-finite float (`.inf`, `.nan`) read from YAML. JSON cannot hold one, so
/// kustomize fails when it serializes the object; [`find_non_finite`] lets the caller
/// report which object and field.
pub const NON_FINITE: &str = "\u{0}non-finite:";

/// The path and value of the first non-finite float in `v`, if any.
pub fn find_non_finite(v: &Value) -> Option<(String, String)> {
    match v {
        Value::String(s) => s
            .strip_prefix(NON_FINITE)
            .map(|x| (String::new(), x.to_string())),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| find_non_finite(item).map(|(p, x)| (format!("[{i}]{p}"), x))),
        Value::Object(m) => m.iter().find_map(|(k, item)| {
            find_non_finite(item).map(|(p, x)| {
                let sep = if p.starts_with('[') || p.is_empty() {
                    ""
                } else {
                    "."
                };
                (format!(".{k}{sep}{p}").replacen("..", ".", 1), x)
            })
        }),
        _ => None,
    }
}

/// Which YAML dialect types the plain scalars.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// yaml.v3 (YAML 1.2 core schema plus Go's integer syntax): resources and patches.
    Core,
    /// goyaml.v2 (YAML 1.1): kustomization files.
    Yaml11,
}

/// A YAML syntax or typing problem, with the 1-based line where it was found.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub line: Option<usize>,
    pub message: String,
}

impl YamlError {
    fn at(line: usize, message: impl Into<String>) -> Self {
        YamlError {
            line: Some(line),
            message: format!("line {line}: {}", message.into()),
        }
    }
    fn plain(message: impl Into<String>) -> Self {
        YamlError {
            line: None,
            message: message.into(),
        }
    }
}

/// Splits a file into the document texts kyaml would see: `\r\n` becomes `\n`, and every
/// line that starts with `---` (after the first line) separates two documents. Text after
/// the `---` must be empty or a comment.
pub fn split_documents(text: &str) -> Result<Vec<String>, YamlError> {
    let text = text.replace("\r\n", "\n");
    let mut docs = Vec::new();
    let mut current = String::new();
    let mut lines = text.split_inclusive('\n').peekable();
    let mut first = true;
    while let Some(line) = lines.next() {
        let is_separator = !first && line.starts_with("---") && line.ends_with('\n');
        first = false;
        if is_separator {
            let rest = line[3..].trim();
            if !rest.is_empty() && !rest.starts_with('#') {
                return Err(YamlError::plain(format!(
                    "invalid document separator: {}",
                    line.trim()
                )));
            }
            docs.push(std::mem::take(&mut current));
            // The separator consumed the newline, so a separator directly following it
            // is not one (it has no preceding newline): it stays in the next document.
            if let Some(next) = lines.peek() {
                if next.starts_with("---") {
                    current.push_str(next);
                    lines.next();
                }
            }
            continue;
        }
        current.push_str(line);
    }
    docs.push(current);
    Ok(docs)
}

/// Parses every YAML document of `text` (no kyaml splitting) into values. Empty documents
/// come back as `Value::Null`.
pub fn parse_stream(text: &str, dialect: Dialect) -> Result<Vec<Value>, YamlError> {
    Ok(parse_stream_with(text, dialect, false)?
        .into_iter()
        .map(|d| d.value)
        .collect())
}

/// A resource document and where it has fields written with no value (`key:`), as JSON
/// pointers. kustomize drops such fields when a strategic-merge patch touches the
/// resource, while a spelled-out `null` stays.
#[derive(Clone, Debug, PartialEq)]
pub struct ParsedDoc {
    pub value: Value,
    pub empty_fields: Vec<String>,
    /// Helm values mode only: map fields whose value is an alias (`copy: *base`).
    pub alias_fields: Vec<String>,
    /// Resource files: numbers and booleans written otherwise than JSON would print
    /// them (`1.50`, `0x1F`, `True`), as (JSON pointer, source text). kustomize's nodes
    /// keep that text, which shows where a value is copied into text (annotations,
    /// delimited replacements).
    pub raw_scalars: Vec<(String, String)>,
    /// Folded block scalars changed by [`crate::yaml::fold::refold`], as (JSON pointer,
    /// value as read). kustomize decodes a `List`'s items into plain maps, which drops
    /// the style, so their folded scalars keep the value as read.
    pub refolded: Vec<(String, String)>,
    /// Resource files: top-level annotations whose node would read otherwise once
    /// kustomize turns the object into JSON and back (a JSON patch) before it rewrites
    /// the annotations as strings: (key, text as written, text after that round trip),
    /// as `0x1F` → `31`, `~` → `null`, `1e3` → `1000`.
    pub annotation_json_texts: Vec<(String, String, String)>,
}

/// How a stream is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Plain,
    /// Resource files: raw annotation text, empty fields recorded.
    ResourceFile,
    /// Strategic-merge patches: raw annotation text unless it reads as null.
    Patch,
    /// Strategic-merge patches with a target: raw annotation and label text.
    TargetedPatch,
    /// A Helm values file on its way into kyaml's merge: empty fields and alias-valued
    /// fields recorded, `<<` kept as a plain key (kyaml walks the nodes unresolved).
    HelmValues,
}

fn parse_stream_with(
    text: &str,
    dialect: Dialect,
    resource_file: bool,
) -> Result<Vec<ParsedDoc>, YamlError> {
    let mode = if resource_file {
        Mode::ResourceFile
    } else {
        Mode::Plain
    };
    parse_stream_mode(text, dialect, mode)
}

/// Parses a stream. yaml.v3 accepts a quoted scalar whose continuation lines are not
/// indented past the enclosing block (`a: 'first` / `second'` in one column), which
/// saphyr rejects; since leading white space of a quoted scalar's continuation line is
/// not part of its value, such a line is indented further and the text parsed again.
fn parse_stream_mode(
    text: &str,
    dialect: Dialect,
    mode: Mode,
) -> Result<Vec<ParsedDoc>, YamlError> {
    let plain_ascii = text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || matches!(b, b'\n' | b'\t' | b'\r'));
    if let Some(at) = (!plain_ascii)
        .then(|| text.find(|c: char| !readable(c)))
        .flatten()
    {
        let line = text[..at].matches('\n').count() + 1;
        return Err(YamlError::at(line, "control characters are not allowed"));
    }
    let mut reindented: Option<String> = None;
    loop {
        let current = reindented.as_deref().unwrap_or(text);
        match parse_stream_once(current, dialect, mode) {
            Ok(docs) => return Ok(docs),
            Err((error, Some(line))) => match indent_continuation(current, line) {
                Some(fixed) => reindented = Some(fixed),
                None => return Err(error),
            },
            Err((error, None)) => return Err(error),
        }
    }
}

/// `text` with the first line after the 1-based line `start` (where the quoted scalar
/// begins) that is not yet indented by 256 spaces indented by that much more; `None`
/// when that line is a document marker (which ends a quoted scalar in yaml.v3 too) or
/// there is no such line.
fn indent_continuation(text: &str, start: usize) -> Option<String> {
    const MORE: usize = 256;
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let target = (start..lines.len()).find(|&i| {
        let l = lines[i];
        l.len() - l.trim_start_matches(' ').len() < MORE
    })?;
    if lines[target].starts_with("---") || lines[target].starts_with("...") {
        return None;
    }
    let mut out = String::with_capacity(text.len() + MORE);
    for (i, l) in lines.iter().enumerate() {
        if i == target {
            out.extend(std::iter::repeat_n(' ', MORE));
        }
        out.push_str(l);
    }
    Some(out)
}

/// One parse; a failure also says on which (1-based) line a quoted scalar that saphyr
/// finds under-indented begins.
fn parse_stream_once(
    text: &str,
    dialect: Dialect,
    mode: Mode,
) -> Result<Vec<ParsedDoc>, (YamlError, Option<usize>)> {
    let mut builder = Builder {
        dialect,
        raw_annotations: mode == Mode::ResourceFile,
        annotation_text: match mode {
            Mode::ResourceFile | Mode::TargetedPatch => AnnotationText::Source,
            Mode::Patch => AnnotationText::SourceUnlessNull,
            Mode::Plain | Mode::HelmValues => AnnotationText::Typed,
        },
        raw_labels: mode == Mode::TargetedPatch,
        record_empty: matches!(mode, Mode::ResourceFile | Mode::HelmValues),
        refold: matches!(mode, Mode::ResourceFile | Mode::Patch | Mode::TargetedPatch),
        helm_values: mode == Mode::HelmValues,
        anchors: HashMap::new(),
        anchor_texts: HashMap::new(),
        decoded: 0,
        aliased: 0,
        stack: Vec::new(),
        docs: Vec::new(),
        empty_fields: Vec::new(),
        alias_fields: Vec::new(),
        raw_scalars: Vec::new(),
        refolded: Vec::new(),
        annotation_json_texts: Vec::new(),
    };
    let parser = Parser::new_from_str(text);
    // A block scalar that runs to the end of a text without a final line break has no
    // trailing newline in yaml.v3, whatever its chomping; saphyr supplies one.
    let open_end = (!text.ends_with('\n')).then(|| text.chars().count());
    for event in parser {
        let (mut event, span) = event.map_err(|e| {
            let under_indented = e.info() == "invalid indentation in quoted scalar";
            (
                YamlError::at(e.marker().line(), e.info().to_string()),
                under_indented.then(|| e.marker().line()),
            )
        })?;
        if let Event::Scalar(value, ScalarStyle::Literal | ScalarStyle::Folded, _, _) = &mut event {
            if open_end.is_some_and(|end| span.end.index() >= end) && value.ends_with('\n') {
                value.to_mut().pop();
            }
            // yaml.v3 detects a block scalar's indentation from its first non-empty line
            // and refuses a tab right after that line's spaces; saphyr reads it as text.
            if value.trim_start_matches('\n').starts_with('\t') {
                let leading = value.len() - value.trim_start_matches('\n').len();
                let header_line = span.start.line().saturating_sub(leading + 1);
                let explicit = text
                    .lines()
                    .nth(header_line.saturating_sub(1))
                    .is_some_and(has_indentation_indicator);
                if !explicit {
                    return Err((
                        YamlError::at(
                            header_line.max(1),
                            "while scanning a block scalar: found a tab character where an \
                             indentation space is expected",
                        ),
                        None,
                    ));
                }
            }
        }
        builder
            .event(event, span.start.line())
            .map_err(|e| (e, None))?;
    }
    Ok(builder.docs)
}

/// The text a scalar node typed as `typed` has after kustomize's JSON round trip
/// (encoding/json, then yaml.v3 from Go values, where every number is a float64); a
/// value JSON cannot hold stays [`NON_FINITE`]-marked, as the round trip fails on it.
fn json_round_trip_text(typed: &Value) -> Option<String> {
    match typed {
        Value::Null => Some("null".to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => n
            .as_f64()
            .filter(|f| f.is_finite())
            .map(crate::yaml::emit::go_format_g),
        // Kept as the marker: the round trip itself fails on it.
        Value::String(s) => Some(s.clone()),
        Value::Array(_) | Value::Object(_) => None,
    }
}

/// Whether a block scalar's header line (`key: >2-`) gives an indentation indicator.
fn has_indentation_indicator(line: &str) -> bool {
    line.char_indices()
        .filter(|&(_, c)| c == '|' || c == '>')
        .any(|(at, _)| {
            let rest = &line[at + 1..];
            let flags: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == '+' || *c == '-')
                .collect();
            let after = rest[flags.len()..].chars().next();
            flags.len() <= 2
                && flags.chars().any(|c| c.is_ascii_digit())
                && after.is_none_or(|c| c == ' ' || c == '\t' || c == '#')
        })
}

/// Escapes a map key as a JSON pointer token.
pub fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// Like [`parse_patches`], for a strategic-merge patch with a `target`: kustomize first
/// rewrites the patch's annotations and labels as strings, so both keep their source
/// text, nulls included (`~` sets the value `"~"`), and a map or list reads as `""`.
pub fn parse_targeted_patch(text: &str) -> Result<Vec<Value>, YamlError> {
    Ok(parse_documents(text, Mode::TargetedPatch)?
        .into_iter()
        .map(|d| d.value)
        .collect())
}

/// Parses one file's worth of resources the way kyaml reads them: split on `---` lines,
/// then every YAML document of every piece; empty documents are dropped.
pub fn parse_resources(text: &str) -> Result<Vec<Value>, YamlError> {
    Ok(parse_documents(text, Mode::Plain)?
        .into_iter()
        .map(|d| d.value)
        .collect())
}

/// Like [`parse_resources`], for strategic-merge patches: annotation values keep their
/// source text (`mode: 0600` stays `"0600"`), as kustomize copies the patch's nodes and
/// later reads annotations as strings; one that reads as null (`null`, `~`, nothing)
/// stays null, which deletes the annotation.
pub fn parse_patches(text: &str) -> Result<Vec<Value>, YamlError> {
    Ok(parse_documents(text, Mode::Patch)?
        .into_iter()
        .map(|d| d.value)
        .collect())
}

/// Like [`parse_resources`], for resource files: annotation values keep their source
/// text, as kustomize prints them (`a: 7` comes out as `a: "7"`). Patches keep typed
/// values, where `null` deletes.
pub fn parse_resource_file(text: &str) -> Result<Vec<ParsedDoc>, YamlError> {
    parse_documents(text, Mode::ResourceFile)
}

fn parse_documents(text: &str, mode: Mode) -> Result<Vec<ParsedDoc>, YamlError> {
    let mut out = Vec::new();
    let mut line_offset = 0usize;
    for doc in split_documents(text)? {
        let lines = doc.matches('\n').count() + 1;
        let values = parse_stream_mode(&doc, Dialect::Core, mode).map_err(|mut e| {
            if let Some(l) = e.line {
                let real = l + line_offset;
                e = YamlError::at(real, strip_line_prefix(&e.message));
            }
            e
        })?;
        out.extend(values.into_iter().filter(|d| !d.value.is_null()));
        line_offset += lines;
    }
    Ok(out)
}

fn strip_line_prefix(message: &str) -> String {
    match message.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest.to_string(),
        _ => message.to_string(),
    }
}

/// A Helm values file as kyaml's `Parse` gives it to kustomize's values merge: the first
/// document (yaml.v3 typing), or `None` when the text holds no document at all (only
/// comments or nothing), where kyaml fails with `EOF`. `<<` stays a plain key; once the
/// merge is done, [`resolve_merge_keys`] applies it as yaml.v3's decoding would.
pub fn parse_helm_values(text: &str) -> Result<Option<ParsedDoc>, YamlError> {
    let docs = parse_stream_mode(&text.replace("\r\n", "\n"), Dialect::Core, Mode::HelmValues)?;
    Ok(docs.into_iter().next())
}

/// Applies the `<<` keys [`parse_helm_values`] kept: keys a map sets itself win over
/// merged ones, earlier merged maps over later ones.
pub fn resolve_merge_keys(value: &mut Value) -> Result<(), YamlError> {
    match value {
        Value::Array(items) => items.iter_mut().try_for_each(resolve_merge_keys),
        Value::Object(entries) => {
            entries.values_mut().try_for_each(resolve_merge_keys)?;
            match entries.remove("<<") {
                Some(merged) => apply_merge(entries, merged, 0),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Parses a single-document YAML text (a kustomization file, a patch) in `dialect`.
pub fn parse_one(text: &str, dialect: Dialect) -> Result<Value, YamlError> {
    let docs = parse_stream(&text.replace("\r\n", "\n"), dialect)?;
    Ok(docs.into_iter().next().unwrap_or(Value::Null))
}

enum Frame {
    Seq {
        anchor: usize,
        items: Vec<Value>,
    },
    Map {
        anchor: usize,
        entries: Map<String, Value>,
        merges: Vec<Value>,
        key: Option<(String, bool)>,
        line: usize,
        /// Line of every key read so far, in the order of `entries`.
        key_lines: Vec<usize>,
        key_line: usize,
    },
}

/// How `metadata.annotations` values of a top-level object are read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AnnotationText {
    /// Typed like every other scalar.
    Typed,
    /// As their source text, whatever their tag (`!!int 0600` is `"0600"`).
    Source,
    /// As their source text, except that one reading as null stays null.
    SourceUnlessNull,
}

struct Builder {
    dialect: Dialect,
    /// Resource file mode: record non-canonical number and boolean texts.
    raw_annotations: bool,
    /// How annotation values are read.
    annotation_text: AnnotationText,
    /// Targeted patches: `metadata.labels` values are read like annotations.
    raw_labels: bool,
    /// Resources and patches: folded block scalars read as kustomize's yaml.v3 round
    /// trip leaves them (see [`crate::yaml::fold`]).
    refold: bool,
    /// Record fields written with no value.
    record_empty: bool,
    /// Helm values mode: record alias-valued fields, keep `<<` as a plain key.
    helm_values: bool,
    /// Fields of the current document written with no value.
    empty_fields: Vec<String>,
    /// Fields of the current document whose value is an alias (Helm values mode).
    alias_fields: Vec<String>,
    /// Non-canonical number and boolean texts of the current document (resource files).
    raw_scalars: Vec<(String, String)>,
    /// Refolded scalars of the current document, with their value as read.
    refolded: Vec<(String, String)>,
    /// See [`ParsedDoc::annotation_json_texts`].
    annotation_json_texts: Vec<(String, String, String)>,
    /// Anchored values, with how many nodes each holds.
    anchors: HashMap<usize, (Value, usize)>,
    /// Source text of anchored scalars, for aliases read as annotation values.
    /// Also the text each would have after a JSON round trip.
    anchor_texts: HashMap<usize, (String, Option<String>)>,
    /// Nodes of the current document, and how many of them came through aliases
    /// (yaml.v3 refuses a document that is mostly alias expansions: a "billion laughs").
    decoded: usize,
    aliased: usize,
    stack: Vec<Frame>,
    docs: Vec<ParsedDoc>,
}

impl Builder {
    /// The JSON pointer of the map value about to be read, if it is one.
    fn value_pointer(&self) -> Option<String> {
        let Some(Frame::Map {
            key: Some((k, false)),
            ..
        }) = self.stack.last()
        else {
            return None;
        };
        let mut p = self.container_pointer(self.stack.len() - 1)?;
        p.push('/');
        p.push_str(&pointer_token(k));
        Some(p)
    }

    /// The JSON pointer of the map value or sequence item about to be read.
    fn next_pointer(&self) -> Option<String> {
        match self.stack.last()? {
            Frame::Seq { items, .. } => {
                let mut p = self.container_pointer(self.stack.len() - 1)?;
                p.push('/');
                p.push_str(&items.len().to_string());
                Some(p)
            }
            Frame::Map { .. } => self.value_pointer(),
        }
    }

    /// The JSON pointer of the container at `depth` of the stack (0 is the root).
    fn container_pointer(&self, depth: usize) -> Option<String> {
        let mut p = String::new();
        for f in &self.stack[..depth] {
            match f {
                Frame::Map {
                    key: Some((k, false)),
                    ..
                } => {
                    p.push('/');
                    p.push_str(&pointer_token(k));
                }
                Frame::Seq { items, .. } => {
                    p.push('/');
                    p.push_str(&items.len().to_string());
                }
                _ => return None,
            }
        }
        Some(p)
    }

    /// Whether the next value is one of `metadata.annotations` of a top-level object.
    fn in_annotations(&self) -> bool {
        fn key(f: &Frame) -> Option<&str> {
            match f {
                Frame::Map {
                    key: Some((k, false)),
                    ..
                } => Some(k.as_str()),
                _ => None,
            }
        }
        if self.stack.len() != 3 {
            return false;
        }
        let field = key(&self.stack[1]);
        let string_map =
            field == Some("annotations") || (self.raw_labels && field == Some("labels"));
        key(&self.stack[0]) == Some("metadata")
            && string_map
            && matches!(self.stack[2], Frame::Map { key: Some(_), .. })
    }

    /// An annotation value read from the scalar `text`, typed as `typed`: its text, or
    /// null where patches keep nulls (they delete the annotation).
    fn annotation_value(&self, text: &str, typed: Value) -> Value {
        match self.annotation_text {
            AnnotationText::Typed => typed,
            AnnotationText::SourceUnlessNull if typed.is_null() => typed,
            AnnotationText::Source | AnnotationText::SourceUnlessNull => {
                Value::String(text.to_string())
            }
        }
    }

    /// A map or list read as an annotation or label value of a targeted patch: kustomize
    /// rewrites those as the text of their nodes, and a collection node has none, so it
    /// becomes `""`. (Elsewhere a collection stays one until the output, where
    /// annotations are rewritten likewise, so a patch may still fail to merge into it.)
    fn annotation_collection(&self, value: Value) -> Value {
        let collection = value.is_object() || value.is_array();
        if collection && self.raw_labels && self.in_annotations() {
            Value::String(String::new())
        } else {
            value
        }
    }

    fn event(&mut self, event: Event<'_>, line: usize) -> Result<(), YamlError> {
        match event {
            Event::Nothing
            | Event::StreamStart
            | Event::StreamEnd
            | Event::DocumentStart(_)
            | Event::DocumentEnd => Ok(()),
            Event::Alias(id) => {
                if self.helm_values {
                    if let Some(p) = self.value_pointer() {
                        self.alias_fields.push(p);
                    }
                }
                let (value, nodes) = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| YamlError::at(line, "unknown anchor"))?;
                self.decoded += nodes;
                self.aliased += nodes;
                if excessive_aliasing(self.decoded, self.aliased) {
                    return Err(YamlError::at(line, "document contains excessive aliasing"));
                }
                let value = match self.anchor_texts.get(&id) {
                    Some((text, json)) if self.in_annotations() => {
                        if let (
                            AnnotationText::Source,
                            Some(json),
                            Some(Frame::Map {
                                key: Some((k, _)), ..
                            }),
                        ) = (self.annotation_text, json, self.stack.last())
                        {
                            if json != text {
                                self.annotation_json_texts.push((
                                    k.clone(),
                                    text.clone(),
                                    json.clone(),
                                ));
                            }
                        }
                        self.annotation_value(text, value)
                    }
                    _ => self.annotation_collection(value),
                };
                self.push_value(value, false, line)
            }
            Event::Scalar(mut text, style, anchor, tag) => {
                // Annotation values are rewritten as plain strings before kustomize's
                // round trip, so only other block scalars go through it.
                let block = matches!(style, ScalarStyle::Folded | ScalarStyle::Literal);
                if self.refold && block && !self.in_annotations() {
                    if crate::yaml::fold::starts_with_tab(&text) {
                        return Err(YamlError::at(
                            line,
                            "found a tab character where an indentation space is expected \
                             (a block scalar starting with a tab cannot be written back)",
                        ));
                    }
                    if style == ScalarStyle::Folded {
                        if let Some(refolded) = crate::yaml::fold::refold(&text) {
                            if let Some(p) = self.next_pointer() {
                                self.refolded.push((p, text.to_string()));
                            }
                            text = std::borrow::Cow::Owned(refolded);
                        }
                    }
                }
                let is_key = matches!(self.stack.last(), Some(Frame::Map { key: None, .. }));
                if is_key {
                    let merge = !self.helm_values
                        && style == ScalarStyle::Plain
                        && text == "<<"
                        && tag.is_none();
                    let key = scalar_key(&text, style, tag.as_deref(), self.dialect);
                    if let Some(Frame::Map {
                        key: slot,
                        key_line,
                        ..
                    }) = self.stack.last_mut()
                    {
                        *slot = Some((key, merge));
                        *key_line = line;
                    }
                    return Ok(());
                }
                // An empty null node: `key:`, or `key: !!null ""` written out.
                let empty_null = match tag_name(tag.as_deref()) {
                    None => style == ScalarStyle::Plain,
                    Some(t) => t == "!!null",
                };
                if self.record_empty && text.is_empty() && empty_null && anchor == 0 {
                    if let Some(p) = self.value_pointer() {
                        self.empty_fields.push(p);
                    }
                }
                let value = if self.annotation_text == AnnotationText::Source
                    && self.in_annotations()
                {
                    // kustomize keeps annotation values as their source text (`7`, `1.50`,
                    // `null`, `!!int 0600` print as strings), so they are never typed,
                    // unless a JSON round trip comes first.
                    // Only plain or tagged scalars can type as anything but their text.
                    let typable = style == ScalarStyle::Plain || tag.is_some();
                    let typed = typable
                        .then(|| resolve_scalar(&text, style, tag.as_deref(), self.dialect).ok())
                        .flatten()
                        .filter(|t| t.as_str() != Some(&*text));
                    if let Some(typed) = typed {
                        if let (
                            Some(json),
                            Some(Frame::Map {
                                key: Some((k, _)), ..
                            }),
                        ) = (json_round_trip_text(&typed), self.stack.last())
                        {
                            if json != *text {
                                self.annotation_json_texts.push((
                                    k.clone(),
                                    text.to_string(),
                                    json,
                                ));
                            }
                        }
                    }
                    Value::String(text.to_string())
                } else {
                    let typed = resolve_scalar(&text, style, tag.as_deref(), self.dialect)
                        .map_err(|m| YamlError::at(line, m))?;
                    if self.annotation_text == AnnotationText::SourceUnlessNull
                        && self.in_annotations()
                    {
                        self.annotation_value(&text, typed)
                    } else {
                        typed
                    }
                };
                if self.raw_annotations {
                    let canonical = match &value {
                        Value::Number(n) => Some(crate::yaml::emit::go_json_number(n)),
                        Value::Bool(b) => Some(b.to_string()),
                        _ => None,
                    };
                    if canonical.is_some_and(|c| c != *text) {
                        if let Some(p) = self.next_pointer() {
                            self.raw_scalars.push((p, text.to_string()));
                        }
                    }
                }
                if anchor > 0 {
                    self.anchors
                        .insert(anchor, (value.clone(), node_count(&value)));
                    let json = resolve_scalar(&text, style, tag.as_deref(), self.dialect)
                        .ok()
                        .as_ref()
                        .and_then(json_round_trip_text);
                    self.anchor_texts.insert(anchor, (text.to_string(), json));
                }
                self.push_value(value, false, line)
            }
            Event::SequenceStart(anchor, _) => {
                self.stack.push(Frame::Seq {
                    anchor,
                    items: Vec::new(),
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                if matches!(self.stack.last(), Some(Frame::Map { key: None, .. })) {
                    return Err(YamlError::at(
                        line,
                        "complex mapping keys are not supported",
                    ));
                }
                self.stack.push(Frame::Map {
                    anchor,
                    entries: Map::new(),
                    merges: Vec::new(),
                    key: None,
                    line,
                    key_lines: Vec::new(),
                    key_line: line,
                });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq { anchor, items }) => {
                    let value = Value::Array(items);
                    if anchor > 0 {
                        self.anchor_texts.remove(&anchor);
                        self.anchors
                            .insert(anchor, (value.clone(), node_count(&value)));
                    }
                    let value = self.annotation_collection(value);
                    self.push_value(value, false, line)
                }
                _ => Err(YamlError::at(line, "unbalanced sequence")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    anchor,
                    mut entries,
                    merges,
                    line: start,
                    ..
                }) => {
                    for merged in merges {
                        apply_merge(&mut entries, merged, start)?;
                    }
                    let value = Value::Object(entries);
                    if anchor > 0 {
                        self.anchor_texts.remove(&anchor);
                        self.anchors
                            .insert(anchor, (value.clone(), node_count(&value)));
                    }
                    let value = self.annotation_collection(value);
                    self.push_value(value, false, line)
                }
                _ => Err(YamlError::at(line, "unbalanced mapping")),
            },
        }
    }

    fn push_value(&mut self, value: Value, _unused: bool, line: usize) -> Result<(), YamlError> {
        self.decoded += 1;
        match self.stack.last_mut() {
            None => {
                self.decoded = 0;
                self.aliased = 0;
                self.docs.push(ParsedDoc {
                    value,
                    empty_fields: std::mem::take(&mut self.empty_fields),
                    alias_fields: std::mem::take(&mut self.alias_fields),
                    raw_scalars: std::mem::take(&mut self.raw_scalars),
                    refolded: std::mem::take(&mut self.refolded),
                    annotation_json_texts: std::mem::take(&mut self.annotation_json_texts),
                });
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(value);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                merges,
                key,
                key_lines,
                key_line,
                ..
            }) => match key.take() {
                None => Err(YamlError::at(
                    line,
                    "complex mapping keys are not supported",
                )),
                Some((_, true)) => {
                    merges.push(value);
                    Ok(())
                }
                Some((k, false)) => {
                    if self.dialect == Dialect::Core && entries.contains_key(&k) {
                        let first = entries
                            .keys()
                            .position(|e| *e == k)
                            .and_then(|i| key_lines.get(i))
                            .map(|l| format!(" at line {l}"))
                            .unwrap_or_default();
                        return Err(YamlError::at(
                            *key_line,
                            format!("mapping key \"{k}\" already defined{first}"),
                        ));
                    }
                    key_lines.push(*key_line);
                    entries.insert(k, value);
                    Ok(())
                }
            },
        }
    }
}

/// Characters go-yaml's reader accepts (YAML's printable set plus tab and line breaks).
fn readable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// How many nodes a value holds (itself included).
fn node_count(v: &Value) -> usize {
    1 + match v {
        Value::Array(items) => items.iter().map(node_count).sum(),
        Value::Object(map) => map.values().map(node_count).sum(),
        _ => 0,
    }
}

/// yaml.v3's limit on alias expansion: past 100 aliased of 1,000 decoded nodes, the share
/// of aliased nodes may not exceed 99 % (up to 400,000 nodes), falling to 10 % (from
/// 4,000,000 nodes on).
fn excessive_aliasing(decoded: usize, aliased: usize) -> bool {
    const LOW: f64 = 400_000.0;
    const HIGH: f64 = 4_000_000.0;
    if aliased <= 100 || decoded <= 1000 {
        return false;
    }
    let d = decoded as f64;
    let allowed = if d <= LOW {
        0.99
    } else if d >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((d - LOW) / (HIGH - LOW))
    };
    aliased as f64 / d > allowed
}

/// `<<: *a` or `<<: [*a, *b]`: keys not set explicitly are taken from the merged maps,
/// earlier maps first.
fn apply_merge(
    entries: &mut Map<String, Value>,
    merged: Value,
    line: usize,
) -> Result<(), YamlError> {
    let maps = match merged {
        Value::Object(m) => vec![m],
        Value::Array(items) => {
            let mut maps = Vec::new();
            for item in items {
                match item {
                    Value::Object(m) => maps.push(m),
                    _ => {
                        return Err(YamlError::at(
                            line,
                            "map merge requires map or sequence of maps as the value",
                        ))
                    }
                }
            }
            maps
        }
        _ => {
            return Err(YamlError::at(
                line,
                "map merge requires map or sequence of maps as the value",
            ))
        }
    };
    for map in maps {
        for (k, v) in map {
            if !entries.contains_key(&k) {
                entries.insert(k, v);
            }
        }
    }
    Ok(())
}

fn tag_name(tag: Option<&Tag>) -> Option<String> {
    let tag = tag?;
    if tag.handle == "!!" || tag.handle == "tag:yaml.org,2002:" {
        Some(format!("!!{}", tag.suffix))
    } else if tag.handle == "!" && tag.suffix.is_empty() {
        Some("!".to_string())
    } else {
        Some(format!("{}{}", tag.handle, tag.suffix))
    }
}

/// Map keys become strings: Go decodes them into `map[string]interface{}` by their text.
fn scalar_key(text: &str, style: ScalarStyle, tag: Option<&Tag>, dialect: Dialect) -> String {
    if style != ScalarStyle::Plain || tag.is_some() {
        return text.to_string();
    }
    match resolve_plain(text, dialect) {
        Ok(Value::Null) => "null".to_string(),
        _ => text.to_string(),
    }
}

fn resolve_scalar(
    text: &str,
    style: ScalarStyle,
    tag: Option<&Tag>,
    dialect: Dialect,
) -> Result<Value, String> {
    if let Some(tag) = tag_name(tag) {
        return match tag.as_str() {
            "!!str" | "!" => Ok(Value::String(text.to_string())),
            "!!null" => Ok(Value::Null),
            "!!bool" | "!!int" | "!!float" | "!!timestamp" => {
                let v = resolve_plain(text, dialect)?;
                let ok = match tag.as_str() {
                    "!!bool" => v.is_boolean(),
                    "!!int" => v.is_i64() || v.is_u64(),
                    "!!float" => v.is_number(),
                    _ => true,
                };
                if ok {
                    Ok(match (tag.as_str(), v) {
                        ("!!float", Value::Number(n)) => n
                            .as_f64()
                            .and_then(Number::from_f64)
                            .map(Value::Number)
                            .unwrap_or(Value::Null),
                        (_, v) => v,
                    })
                } else {
                    Err(format!("cannot decode !!str `{text}` as a {tag}"))
                }
            }
            _ => Ok(Value::String(text.to_string())),
        };
    }
    match style {
        ScalarStyle::Plain => resolve_plain(text, dialect),
        _ => Ok(Value::String(text.to_string())),
    }
}

/// Types an untagged plain scalar.
pub fn resolve_plain(text: &str, dialect: Dialect) -> Result<Value, String> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Value::Null),
        "true" | "True" | "TRUE" => return Ok(Value::Bool(true)),
        "false" | "False" | "FALSE" => return Ok(Value::Bool(false)),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Ok(Value::String(format!("{NON_FINITE}+Inf")))
        }
        "-.inf" | "-.Inf" | "-.INF" => return Ok(Value::String(format!("{NON_FINITE}-Inf"))),
        ".nan" | ".NaN" | ".NAN" => return Ok(Value::String(format!("{NON_FINITE}NaN"))),
        _ => {}
    }
    if dialect == Dialect::Yaml11 {
        match text {
            "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Ok(Value::Bool(true)),
            "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                return Ok(Value::Bool(false))
            }
            _ => {}
        }
    }
    let first = text.as_bytes()[0];
    if first == b'.' {
        if let Some(v) = parse_go_float(text) {
            return Ok(v);
        }
        return Ok(Value::String(text.to_string()));
    }
    if !(first.is_ascii_digit() || first == b'+' || first == b'-') {
        return Ok(Value::String(text.to_string()));
    }
    if dialect == Dialect::Core {
        if let Some(ts) = parse_timestamp(text) {
            return Ok(Value::String(ts));
        }
    }
    let plain = text.replace('_', "");
    if let Some(v) = parse_go_int(&plain) {
        return Ok(v);
    }
    if is_yaml_style_float(&plain) {
        if let Some(v) = parse_go_float(&plain) {
            return Ok(v);
        }
    }
    Ok(Value::String(text.to_string()))
}

/// Go's `strconv.ParseInt(s, 0, 64)`, falling back to `ParseUint`.
fn parse_go_int(s: &str) -> Option<Value> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d)
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d)
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, &lower[1..])
    } else {
        (10, lower.as_str())
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u128::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u128 + 1 {
            let v = (-(magnitude as i128)) as i64;
            return Some(Value::Number(Number::from(v)));
        }
        None
    } else if magnitude <= i64::MAX as u128 {
        Some(Value::Number(Number::from(magnitude as i64)))
    } else if magnitude <= u64::MAX as u128 {
        Some(Value::Number(Number::from(magnitude as u64)))
    } else {
        None
    }
}

/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$` (YAML's float syntax, used
/// by both the reader and the emitter's quoting decisions).
pub(crate) fn is_yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if i < b.len() && b[i] == b'.' {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if i < b.len() && b[i] == b'.' {
            i += 1;
            digits(&mut i);
        }
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'-' || b[i] == b'+') {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn parse_go_float(s: &str) -> Option<Value> {
    let ok = s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'));
    if !ok {
        return None;
    }
    let f: f64 = s.parse().ok()?;
    if !f.is_finite() {
        return None;
    }
    Number::from_f64(f).map(Value::Number)
}

/// yaml.v3's timestamp forms, rendered as Go's `time.Time` JSON encoding (RFC 3339 with
/// nanoseconds, trailing zeros dropped).
fn parse_timestamp(s: &str) -> Option<String> {
    let b = s.as_bytes();
    if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
        return None;
    }
    let mut p = Cursor { s: b, i: 5 };
    let year: u32 = s[..4].parse().ok()?;
    let month = p.num(1, 2)?;
    p.expect(b'-')?;
    let day = p.num(1, 2)?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    if p.done() {
        return Some(format!("{date}T00:00:00Z"));
    }
    let sep = p.next()?;
    let zoned = match sep {
        b'T' | b't' => true,
        b' ' => false,
        _ => return None,
    };
    let hour = p.num(1, 2)?;
    p.expect(b':')?;
    let minute = p.num(1, 2)?;
    p.expect(b':')?;
    let second = p.num(1, 2)?;
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut frac = String::new();
    if p.peek() == Some(b'.') {
        p.i += 1;
        while let Some(c) = p.peek().filter(u8::is_ascii_digit) {
            frac.push(c as char);
            p.i += 1;
        }
        if frac.is_empty() {
            return None;
        }
        frac.truncate(9);
        while frac.ends_with('0') {
            frac.pop();
        }
    }
    let zone = if zoned {
        match p.next()? {
            b'Z' => "Z".to_string(),
            sign @ (b'+' | b'-') => {
                let h = p.num(2, 2)?;
                p.expect(b':')?;
                let m = p.num(2, 2)?;
                if h == 0 && m == 0 && sign == b'+' {
                    "Z".to_string()
                } else {
                    format!("{}{h:02}:{m:02}", sign as char)
                }
            }
            _ => return None,
        }
    } else {
        "Z".to_string()
    };
    if !p.done() {
        return None;
    }
    let frac = if frac.is_empty() {
        String::new()
    } else {
        format!(".{frac}")
    };
    Some(format!(
        "{date}T{hour:02}:{minute:02}:{second:02}{frac}{zone}"
    ))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn next(&mut self) -> Option<u8> {
        let c = self.peek()?;
        self.i += 1;
        Some(c)
    }
    fn done(&self) -> bool {
        self.i == self.s.len()
    }
    fn expect(&mut self, c: u8) -> Option<()> {
        (self.next()? == c).then_some(())
    }
    fn num(&mut self, min: usize, max: usize) -> Option<u32> {
        let start = self.i;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.i += 1;
        }
        if self.i - start < min {
            return None;
        }
        std::str::from_utf8(&self.s[start..self.i])
            .ok()?
            .parse()
            .ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn core(s: &str) -> Value {
        resolve_plain(s, Dialect::Core).unwrap()
    }

    #[test]
    fn block_scalar_at_end_without_newline_has_none() {
        for (text, want) in [
            ("a: |\n  x\n  y", "x\ny"),
            ("a: |+\n  x", "x"),
            ("a: >\n  x\n  y", "x y"),
            ("a: |\n  x\n", "x\n"),
            ("a: |\n  x\nb: 1", "x\n"),
        ] {
            let v = parse_one(text, Dialect::Core).unwrap();
            assert_eq!(v["a"], Value::String(want.into()), "{text:?}");
        }
    }

    #[test]
    fn core_schema_scalars() {
        assert_eq!(core("yes"), json!("yes"));
        assert_eq!(core("010"), json!(8));
        assert_eq!(core("0644"), json!(420));
        assert_eq!(core("0x10"), json!(16));
        assert_eq!(core("0o17"), json!(15));
        assert_eq!(core("0b101"), json!(5));
        assert_eq!(core("1_000"), json!(1000));
        assert_eq!(core("+1"), json!(1));
        assert_eq!(core("1e3"), json!(1000.0));
        assert_eq!(core(".5"), json!(0.5));
        assert_eq!(core("08"), json!(8.0));
        assert_eq!(core("~"), Value::Null);
        assert_eq!(core("True"), json!(true));
        assert_eq!(core("2001-12-14"), json!("2001-12-14T00:00:00Z"));
        assert_eq!(
            core("2001-12-14T21:59:43.10-05:00"),
            json!("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(core("2001-13-14"), json!("2001-13-14"));
        assert_eq!(core("12345678901234567890"), json!(12345678901234567890u64));
        assert_eq!(core("1:20"), json!("1:20"));
    }

    #[test]
    fn yaml11_booleans() {
        assert_eq!(resolve_plain("yes", Dialect::Yaml11).unwrap(), json!(true));
        assert_eq!(resolve_plain("off", Dialect::Yaml11).unwrap(), json!(false));
    }

    #[test]
    fn splits_like_kyaml() {
        let docs = split_documents("a: 1\n---\nb: 2\n--- # c\nc: 3\n").unwrap();
        assert_eq!(docs, vec!["a: 1\n", "b: 2\n", "c: 3\n"]);
        assert!(split_documents("a: 1\n--- foo\nb: 2\n").is_err());
    }

    /// kubectl runs out of memory on this in a resource file (its kyaml reader has no
    /// limit); we refuse it like yaml.v3 refuses it in a kustomization file.
    #[test]
    fn billion_laughs_is_refused() {
        let mut text = String::from("a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        let mut prev = 'a';
        for name in "bcdefghi".chars() {
            let refs = vec![format!("*{prev}"); 9].join(", ");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
            prev = name;
        }
        let err = parse_resource_file(&text).unwrap_err();
        assert!(err.message.contains("excessive aliasing"), "{err}");
        // ordinary reuse of anchors is fine
        let ok = "base: &b {x: 1}\none: *b\ntwo: *b\n";
        assert!(parse_resource_file(ok).is_ok());
    }

    #[test]
    fn anchors_and_merge_keys() {
        let v = parse_one("a: &x {p: 1, q: 2}\nb:\n  <<: *x\n  q: 3\n", Dialect::Core).unwrap();
        assert_eq!(v, json!({"a": {"p": 1, "q": 2}, "b": {"q": 3, "p": 1}}));
    }

    #[test]
    fn duplicate_keys_fail() {
        assert!(parse_one("a: 1\na: 2\n", Dialect::Core).is_err());
    }

    #[test]
    fn quoted_stays_string() {
        let v = parse_one("a: '010'\nb: !!str 5\nc: |\n  x\n", Dialect::Core).unwrap();
        assert_eq!(v, json!({"a": "010", "b": "5", "c": "x\n"}));
    }
}
