//! Choosing resources: patch targets (anchored regular expressions on group, version,
//! kind, name and namespace, where name and namespace may match the original or the
//! current id) and Kubernetes label selectors on labels and annotations.

use super::kustomization::Selector;
use super::resource::Resource;
use regex::Regex;
use serde_json::{Map, Value};

/// A compiled patch target.
pub struct TargetSelector {
    group: Option<Regex>,
    version: Option<Regex>,
    kind: Option<Regex>,
    name: Option<Regex>,
    namespace: Option<Regex>,
    labels: Option<LabelSelector>,
    annotations: Option<LabelSelector>,
}

/// A Go (RE2) pattern in the syntax of the `regex` crate: RE2 reads a `{` that does
/// not start a repetition (`{2}`, `{2,}`, `{2,5}`) as a literal brace, as in `${VAR}`,
/// where the crate would refuse the pattern.
pub fn go_pattern(re: &str) -> String {
    let bytes = re.as_bytes();
    let mut out = String::with_capacity(re.len());
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c == b'\\' && i + 1 < bytes.len() {
            // an escape: copy it and the (possibly multi-byte) character it escapes
            let next = re[i + 1..].chars().next().map_or(1, char::len_utf8);
            out.push_str(&re[i..i + 1 + next]);
            i += 1 + next;
            continue;
        }
        if c == b'{' && !is_repetition(&re[i..]) {
            out.push_str("\\{");
        } else if c == b'}' && !closes_repetition(&re[..i]) {
            out.push_str("\\}");
        } else {
            let ch = re[i..].chars().next().unwrap_or('\0');
            out.push(ch);
            i += ch.len_utf8();
            continue;
        }
        i += 1;
    }
    out
}

/// Whether `s` (starting at a `{`) begins with `{n}`, `{n,}` or `{n,m}`.
fn is_repetition(s: &str) -> bool {
    let Some(end) = s.find('}') else {
        return false;
    };
    let body = &s[1..end];
    let (min, max) = body.split_once(',').unwrap_or((body, "0"));
    !min.is_empty()
        && min.bytes().all(|b| b.is_ascii_digit())
        && max.bytes().all(|b| b.is_ascii_digit())
}

/// Whether the `}` after `before` closes a repetition.
fn closes_repetition(before: &str) -> bool {
    match before.rfind('{') {
        Some(open) if !before[open..].contains('}') && !before[..open].ends_with('\\') => {
            is_repetition(&format!("{}}}", &before[open..]))
        }
        _ => false,
    }
}

fn anchored(re: &str) -> Result<Option<Regex>, String> {
    if re.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{})$", go_pattern(re)))
        .map(Some)
        .map_err(|e| format!("invalid regular expression '{re}': {e}"))
}

fn matches(re: &Option<Regex>, s: &str) -> bool {
    re.as_ref().is_none_or(|r| r.is_match(s))
}

impl TargetSelector {
    pub fn new(s: &Selector) -> Result<TargetSelector, String> {
        Ok(TargetSelector {
            group: anchored(&s.group)?,
            version: anchored(&s.version)?,
            kind: anchored(&s.kind)?,
            name: anchored(&s.name)?,
            namespace: anchored(&s.namespace)?,
            labels: LabelSelector::parse_optional(&s.label_selector)?,
            annotations: LabelSelector::parse_optional(&s.annotation_selector)?,
        })
    }

    pub fn selects(&self, r: &Resource) -> bool {
        let cur = r.id();
        let org = r.org_id();
        if !matches(&self.namespace, org.effective_namespace())
            && !matches(&self.namespace, cur.effective_namespace())
        {
            return false;
        }
        if !matches(&self.name, &org.name) && !matches(&self.name, &cur.name) {
            return false;
        }
        if !matches(&self.group, &cur.gvk.group)
            || !matches(&self.version, &cur.gvk.version)
            || !matches(&self.kind, &cur.gvk.kind)
        {
            return false;
        }
        if let Some(ls) = &self.labels {
            if !ls.matches(r.labels()) {
                return false;
            }
        }
        if let Some(ls) = &self.annotations {
            if !ls.matches(r.annotations()) {
                return false;
            }
        }
        true
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    NotExists(String),
}

/// A Kubernetes label selector: comma-separated requirements, all of which must hold.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelSelector(Vec<Requirement>);

impl LabelSelector {
    pub fn parse_optional(s: &str) -> Result<Option<LabelSelector>, String> {
        if s.trim().is_empty() {
            Ok(None)
        } else {
            LabelSelector::parse(s).map(Some)
        }
    }

    pub fn parse(s: &str) -> Result<LabelSelector, String> {
        let mut parts = Vec::new();
        let mut depth = 0;
        let mut current = String::new();
        for c in s.chars() {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(std::mem::take(&mut current));
                    continue;
                }
                _ => {}
            }
            current.push(c);
        }
        parts.push(current);
        let mut reqs = Vec::new();
        for part in parts {
            let p = part.trim();
            if p.is_empty() {
                return Err(format!("invalid label selector '{s}'"));
            }
            reqs.push(parse_requirement(p).ok_or_else(|| format!("invalid label selector '{s}'"))?);
        }
        Ok(LabelSelector(reqs))
    }

    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|m| m.get(k)).map(value_text);
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k).as_deref() == Some(v.as_str()),
            Requirement::NotEquals(k, v) => get(k).as_deref() != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.contains(&x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| !vs.contains(&x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::NotExists(k) => get(k).is_none(),
        })
    }
}

fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn parse_requirement(p: &str) -> Option<Requirement> {
    if let Some(k) = p.strip_prefix('!') {
        return Some(Requirement::NotExists(k.trim().to_string()));
    }
    if let Some((k, v)) = p.split_once("!=") {
        return Some(Requirement::NotEquals(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = p.split_once("==") {
        return Some(Requirement::Equals(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = p.split_once('=') {
        return Some(Requirement::Equals(k.trim().into(), v.trim().into()));
    }
    let words: Vec<&str> = p.splitn(2, char::is_whitespace).collect();
    if words.len() == 2 {
        let key = words[0].to_string();
        let rest = words[1].trim();
        let (op, set) = if let Some(r) = rest.strip_prefix("notin") {
            ("notin", r)
        } else if let Some(r) = rest.strip_prefix("in") {
            ("in", r)
        } else {
            return None;
        };
        let set = set.trim().strip_prefix('(')?.strip_suffix(')')?;
        let values: Vec<String> = set
            .split(',')
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
            .collect();
        return Some(if op == "in" {
            Requirement::In(key, values)
        } else {
            Requirement::NotIn(key, values)
        });
    }
    Some(Requirement::Exists(p.to_string()))
}

#[cfg(test)]
mod go_pattern_tests {
    use super::go_pattern;

    #[test]
    fn braces_that_are_not_repetitions_are_literal() {
        assert_eq!(go_pattern("${VAR}"), "$\\{VAR\\}");
        assert_eq!(go_pattern("a{2}b{1,}c{1,3}"), "a{2}b{1,}c{1,3}");
        assert_eq!(go_pattern("x{,3}"), "x\\{,3\\}");
        assert_eq!(go_pattern("\\{a}"), "\\{a\\}");
        assert_eq!(go_pattern("é{2}ö{"), "é{2}ö\\{");
        assert!(regex::Regex::new(&go_pattern("app-${ENV}-web")).is_ok());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn label_selectors() {
        let labels = json!({"app": "web", "tier": "fe"});
        let m = labels.as_object();
        assert!(LabelSelector::parse("app=web").unwrap().matches(m));
        assert!(LabelSelector::parse("app==web,tier").unwrap().matches(m));
        assert!(LabelSelector::parse("app in (web, api)")
            .unwrap()
            .matches(m));
        assert!(!LabelSelector::parse("app notin (web)").unwrap().matches(m));
        assert!(LabelSelector::parse("!db").unwrap().matches(m));
        assert!(!LabelSelector::parse("app!=web").unwrap().matches(m));
    }
}
