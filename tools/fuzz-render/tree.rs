//! The tree model: YAML documents as a small syntax tree that keeps scalars exactly as
//! written (so `0600`, `yes`, `&a x` and block scalars reach both tools untouched), the
//! files of a kustomization tree, and the writer that lays them out on disk.

use std::collections::BTreeMap;
use std::path::Path;

/// A YAML node as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Y {
    /// A block mapping (a flow `{}` when empty).
    Map(Vec<(String, Y)>),
    /// A block sequence (a flow `[]` when empty).
    Seq(Vec<Y>),
    /// A scalar written on the key's line exactly as given (plain, quoted, tagged,
    /// anchored, an alias, or a flow collection).
    S(String),
    /// A block scalar: header (`|`, `>-`, `|2+`, ...) and content lines relative to the
    /// block's indentation (an empty string is an empty line).
    Block(String, Vec<String>),
}

impl Y {
    pub fn s(text: impl Into<String>) -> Y {
        Y::S(text.into())
    }
    pub fn map(entries: Vec<(&str, Y)>) -> Y {
        Y::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
        )
    }
    pub fn strs(items: &[&str]) -> Y {
        Y::Seq(items.iter().map(|s| Y::s(*s)).collect())
    }
    /// Sets (or adds) `key` in a map.
    pub fn set(&mut self, key: &str, value: Y) {
        if let Y::Map(entries) = self {
            match entries.iter_mut().find(|(k, _)| k == key) {
                Some((_, v)) => *v = value,
                None => entries.push((key.to_string(), value)),
            }
        }
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Y> {
        match self {
            Y::Map(entries) => entries.iter_mut().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Writes `y` as the whole of a document.
pub fn document(y: &Y) -> String {
    let mut out = String::new();
    match y {
        Y::Map(entries) if !entries.is_empty() => map_entries(&mut out, entries, 0),
        Y::Seq(items) if !items.is_empty() => seq_items(&mut out, items, 0),
        other => {
            value_inline(&mut out, other, 0);
        }
    }
    out
}

fn map_entries(out: &mut String, entries: &[(String, Y)], indent: usize) {
    for (k, v) in entries {
        pad(out, indent);
        out.push_str(k);
        out.push(':');
        value_after_key(out, v, indent);
    }
}

fn value_after_key(out: &mut String, v: &Y, indent: usize) {
    match v {
        Y::Map(e) if !e.is_empty() => {
            out.push('\n');
            map_entries(out, e, indent + 2);
        }
        Y::Seq(items) if !items.is_empty() => {
            out.push('\n');
            seq_items(out, items, indent);
        }
        other => {
            out.push(' ');
            value_inline(out, other, indent);
        }
    }
}

/// A scalar, block scalar or empty collection after `key: ` or `- `.
fn value_inline(out: &mut String, v: &Y, indent: usize) {
    match v {
        Y::S(t) => {
            out.push_str(t);
            out.push('\n');
        }
        Y::Block(header, lines) => {
            out.push_str(header);
            out.push('\n');
            for l in lines {
                if !l.is_empty() {
                    pad(out, indent + 2);
                    out.push_str(l);
                }
                out.push('\n');
            }
        }
        Y::Map(_) => out.push_str("{}\n"),
        Y::Seq(_) => out.push_str("[]\n"),
    }
}

fn seq_items(out: &mut String, items: &[Y], indent: usize) {
    for item in items {
        pad(out, indent);
        out.push_str("- ");
        match item {
            Y::Map(e) if !e.is_empty() => {
                let mut inner = String::new();
                map_entries(&mut inner, e, indent + 2);
                // The first entry goes on the dash's line.
                out.push_str(&inner[indent + 2..]);
            }
            Y::Seq(inner) if !inner.is_empty() => {
                out.pop();
                out.push('\n');
                seq_items(out, inner, indent + 2);
            }
            other => value_inline(out, other, indent),
        }
    }
}

fn pad(out: &mut String, n: usize) {
    for _ in 0..n {
        out.push(' ');
    }
}

/// A file of the tree.
#[derive(Clone, Debug, PartialEq)]
pub enum File {
    /// YAML documents, written separated by `---`.
    Yaml(Vec<Y>),
    /// Any other text (generator sources).
    Text(String),
}

impl File {
    pub fn text(&self) -> String {
        match self {
            File::Yaml(docs) => {
                let mut out = String::new();
                for (i, d) in docs.iter().enumerate() {
                    if i > 0 {
                        out.push_str("---\n");
                    }
                    out.push_str(&document(d));
                }
                out
            }
            File::Text(t) => t.clone(),
        }
    }
}

/// A kustomization tree: files by relative path, and the directory to build.
#[derive(Clone, Debug, PartialEq)]
pub struct Tree {
    pub files: BTreeMap<String, File>,
    pub target: String,
}

impl Tree {
    /// Writes the tree under `dir` (which it empties first), in the layout of a
    /// `testdata/render` case: the files, and `target` naming the directory to build.
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        if dir.exists() {
            std::fs::remove_dir_all(dir)?;
        }
        std::fs::create_dir_all(dir)?;
        for (path, file) in &self.files {
            let p = dir.join(path);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(p, file.text())?;
        }
        std::fs::write(dir.join("target"), format!("{}\n", self.target))?;
        Ok(())
    }
}
