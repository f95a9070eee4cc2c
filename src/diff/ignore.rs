//! Ignore rules: fields that diff does not compare and sync does not apply, per
//! group/kind/name (and namespace): JSON pointers, and fields owned by named field
//! managers (an autoscaler's replicas). Read from `.gitops/ignore.yaml` at the repository
//! root and from `--ignore` flags; one implementation for both commands.
//!
//! File format:
//! ```yaml
//! ignore:
//! - kind: Deployment        # optional; also group, name, namespace (exact)
//!   group: apps
//!   paths: [/spec/replicas]
//! - kind: Deployment
//!   managers: [kube-controller-manager]  # fields they own (within `paths`, if given)
//! ```
//! Flag format: `--ignore [Kind[.group][/name]:]/json/pointer` or
//! `--ignore [Kind[.group][/name]:]manager=NAME`.

use crate::cluster::ObjectRef;
use serde::Deserialize;
use serde_json::Value;
use std::path::Path;

#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnoreRule {
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    /// JSON pointers; with `managers`, the owned fields are limited to these.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Field managers whose fields are left to them.
    #[serde(default)]
    pub managers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IgnoreFile {
    #[serde(default)]
    ignore: Vec<IgnoreRule>,
}

#[derive(Clone, Debug, Default)]
pub struct IgnoreRules(pub Vec<IgnoreRule>);

/// The file name under the repository root.
pub const IGNORE_FILE: &str = ".gitops/ignore.yaml";

impl IgnoreRules {
    /// Rules from `<root>/.gitops/ignore.yaml` (if present) plus flags.
    pub fn load(root: &Path, flags: &[String]) -> Result<IgnoreRules, String> {
        let mut rules = Vec::new();
        let file = root.join(IGNORE_FILE);
        if file.is_file() {
            let text =
                std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
            let value = crate::yaml::parse::parse_one(&text, crate::yaml::Dialect::Core)
                .map_err(|e| format!("{}: {e}", file.display()))?;
            let parsed: IgnoreFile =
                serde_json::from_value(value).map_err(|e| format!("{}: {e}", file.display()))?;
            for r in &parsed.ignore {
                if r.paths.is_empty() && r.managers.is_empty() {
                    return Err(format!(
                        "{}: an ignore rule needs paths or managers",
                        file.display()
                    ));
                }
                for p in &r.paths {
                    check_pointer(p).map_err(|e| format!("{}: {e}", file.display()))?;
                }
            }
            rules.extend(parsed.ignore);
        }
        for f in flags {
            rules.push(parse_flag(f)?);
        }
        Ok(IgnoreRules(rules))
    }

    fn matching<'a>(&'a self, obj: &ObjectRef) -> impl Iterator<Item = &'a IgnoreRule> {
        let obj = obj.clone();
        self.0.iter().filter(move |r| {
            r.group.as_deref().is_none_or(|g| g == obj.group)
                && r.kind.as_deref().is_none_or(|k| k == obj.kind)
                && r.name.as_deref().is_none_or(|n| n == obj.name)
                && r.namespace.as_deref().is_none_or(|n| n == obj.namespace)
        })
    }

    /// Pointers that apply to `obj` (rules without managers).
    pub fn pointers_for(&self, obj: &ObjectRef) -> Vec<&str> {
        self.matching(obj)
            .filter(|r| r.managers.is_empty())
            .flat_map(|r| r.paths.iter().map(String::as_str))
            .collect()
    }

    /// Removes every ignored path of `obj` from `value`.
    pub fn strip(&self, obj: &ObjectRef, value: &mut Value) {
        for p in self.pointers_for(obj) {
            remove_pointer(value, p);
        }
    }

    /// The managers the rules for `obj` leave fields to (trusted: never foreign).
    pub fn managers_for(&self, obj: &ObjectRef) -> Vec<String> {
        self.matching(obj)
            .filter(|r| r.paths.is_empty())
            .flat_map(|r| r.managers.iter().cloned())
            .collect()
    }

    /// Whether any rule for `obj` names managers (so the live object's managedFields
    /// matter).
    pub fn has_managers(&self, obj: &ObjectRef) -> bool {
        self.matching(obj).any(|r| !r.managers.is_empty())
    }

    /// Removes from `value` the fields of `obj` that the rules' managers own on `live`
    /// (raw, with managedFields), limited to a rule's `paths` when it has any.
    pub fn strip_managed(&self, obj: &ObjectRef, live: &Value, value: &mut Value) {
        for r in self.matching(obj).filter(|r| !r.managers.is_empty()) {
            for fields in super::managed::owned_by(live, &r.managers) {
                if r.paths.is_empty() {
                    super::managed::strip(value, fields);
                    continue;
                }
                // Only under the rule's paths: strip a copy, then take those paths back.
                let mut stripped = value.clone();
                super::managed::strip(&mut stripped, fields);
                for p in &r.paths {
                    let tokens: Vec<String> = p.split('/').skip(1).map(unescape).collect();
                    if get_path(&stripped, &tokens).is_none() {
                        remove_pointer(value, p);
                    }
                }
            }
        }
    }
}

fn get_path<'a>(value: &'a Value, tokens: &[String]) -> Option<&'a Value> {
    let mut cur = value;
    for t in tokens {
        cur = match cur {
            Value::Object(m) => m.get(t)?,
            Value::Array(a) => a.get(t.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(cur)
}

fn check_pointer(p: &str) -> Result<(), String> {
    if p.starts_with('/') {
        Ok(())
    } else {
        Err(format!(
            "ignore path '{p}' is not a JSON pointer (it must start with '/')"
        ))
    }
}

fn parse_flag(f: &str) -> Result<IgnoreRule, String> {
    let mut rule = IgnoreRule::default();
    let selector = if let Some(i) = f
        .find("manager=")
        .filter(|&i| i == 0 || f[..i].ends_with(':'))
    {
        let manager = &f[i + "manager=".len()..];
        if manager.is_empty() {
            return Err(format!("--ignore {f}: manager= needs a field manager name"));
        }
        rule.managers = vec![manager.to_string()];
        f[..i].trim_end_matches(':')
    } else {
        let (selector, pointer) = match f.find(":/") {
            Some(i) => (&f[..i], &f[i + 1..]),
            None => ("", f),
        };
        check_pointer(pointer).map_err(|e| format!("--ignore {f}: {e}"))?;
        rule.paths = vec![pointer.to_string()];
        selector
    };
    if !selector.is_empty() {
        let (gk, name) = match selector.split_once('/') {
            Some((gk, n)) => (gk, Some(n.to_string())),
            None => (selector, None),
        };
        let (kind, group) = match gk.split_once('.') {
            Some((k, g)) => (k.to_string(), Some(g.to_string())),
            None => (gk.to_string(), None),
        };
        rule.kind = Some(kind);
        rule.group = group;
        rule.name = name;
    }
    Ok(rule)
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Removes the field a JSON pointer addresses, if present.
pub fn remove_pointer(value: &mut Value, pointer: &str) {
    let tokens: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut cur = value;
    for t in parents {
        cur = match cur {
            Value::Object(m) => match m.get_mut(t) {
                Some(v) => v,
                None => return,
            },
            Value::Array(a) => match t.parse::<usize>().ok().and_then(|i| a.get_mut(i)) {
                Some(v) => v,
                None => return,
            },
            _ => return,
        };
    }
    match cur {
        Value::Object(m) => {
            m.remove(last);
        }
        Value::Array(a) => {
            if let Ok(i) = last.parse::<usize>() {
                if i < a.len() {
                    a.remove(i);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn flags_parse() {
        let r = parse_flag("Deployment.apps/web:/spec/replicas").unwrap();
        assert_eq!(r.kind.as_deref(), Some("Deployment"));
        assert_eq!(r.group.as_deref(), Some("apps"));
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.paths, vec!["/spec/replicas"]);
        let r = parse_flag("/metadata/labels/x").unwrap();
        assert!(r.kind.is_none());
        assert!(parse_flag("spec").is_err());
        let r = parse_flag("Deployment.apps:manager=hpa-controller").unwrap();
        assert_eq!(r.kind.as_deref(), Some("Deployment"));
        assert_eq!(r.managers, vec!["hpa-controller"]);
        assert!(r.paths.is_empty());
        let r = parse_flag("manager=kube-controller-manager").unwrap();
        assert!(r.kind.is_none());
        assert!(parse_flag("manager=").is_err());
    }

    #[test]
    fn removes_escaped_pointer() {
        let mut v = json!({"metadata": {"annotations": {"a/b": "1", "c": "2"}}});
        remove_pointer(&mut v, "/metadata/annotations/a~1b");
        assert_eq!(v, json!({"metadata": {"annotations": {"c": "2"}}}));
    }
}
