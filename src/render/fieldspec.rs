//! Field specs: "in objects of this group/version/kind, the field at this path", the unit
//! every builtin transformer is configured with. Owns path parsing (`/` separated, `\/`
//! escapes, `[]` marks a list), gvk matching, and the walk that visits (and optionally
//! creates) the addressed fields; a list on the way applies the rest of the path to every
//! element. Also kustomize's merging of field-spec lists (a spec is compared by its path
//! as written and the kinds it selects) and their sort by kind.

use super::resource::Gvk;
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    pub group: String,
    pub version: String,
    pub kind: String,
    /// The path as written; kustomize compares field specs by it (`a/b[]` and `a/b` differ).
    pub raw: String,
    pub path: Vec<Segment>,
    pub create: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub key: String,
    /// Written `key[]`: the field is a list and is never created.
    pub is_list: bool,
}

impl FieldSpec {
    /// `spec` is `group/version/kind` with empty parts meaning any, e.g. `apps//Deployment`.
    pub fn new(gvk: &str, path: &str, create: bool) -> FieldSpec {
        let mut parts = gvk.splitn(3, '/');
        let group = parts.next().unwrap_or("").to_string();
        let version = parts.next().unwrap_or("").to_string();
        let kind = parts.next().unwrap_or("").to_string();
        FieldSpec {
            group,
            version,
            kind,
            raw: path.to_string(),
            path: parse_path(path),
            create,
        }
    }

    pub fn from_def(def: &super::kustomization::FieldSpecDef) -> FieldSpec {
        FieldSpec {
            group: def.group.clone(),
            version: def.version.clone(),
            kind: def.kind.clone(),
            raw: def.path.clone(),
            path: parse_path(&def.path),
            create: def.create,
        }
    }

    pub fn matches(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
            && (self.kind.is_empty() || self.kind == gvk.kind)
    }

    /// The path as written.
    pub fn path_string(&self) -> &str {
        &self.raw
    }

    /// Whether `self`'s group, version and kind, where set, equal `other`'s (kustomize's
    /// `other.Gvk.IsSelected(&self.Gvk)`).
    fn selects(&self, other: &FieldSpec) -> bool {
        (self.group.is_empty() || self.group == other.group)
            && (self.version.is_empty() || self.version == other.version)
            && (self.kind.is_empty() || self.kind == other.kind)
    }

    fn describe(&self) -> String {
        let gvk = match (
            self.group.is_empty() && self.version.is_empty(),
            self.kind.is_empty(),
        ) {
            (true, true) => "any kind".to_string(),
            (true, false) => format!("kind {}", self.kind),
            _ => format!("{}/{}/{}", self.group, self.version, self.kind),
        };
        format!("'{}' of {gvk} with create {}", self.raw, self.create)
    }

    /// Visits every field this spec addresses in `obj`. With `create`, missing maps on the
    /// way and the leaf (as `null`) are created, and `null`s on the way become maps.
    pub fn visit(
        &self,
        obj: &mut Value,
        f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
    ) -> Result<(), String> {
        visit(obj, &self.path, self.create, f)
    }

    /// [`FieldSpec::visit`], also giving the JSON pointer of each value visited.
    pub fn visit_at(
        &self,
        obj: &mut Value,
        f: &mut dyn FnMut(&mut Value, &str) -> Result<(), String>,
    ) -> Result<(), String> {
        visit_tracked(obj, &self.path, self.create, &mut String::new(), f)
    }

    /// [`FieldSpec::visit`] ignoring `create`: kustomize's image, name-reference and var
    /// transformers never create fields.
    pub fn visit_existing(
        &self,
        obj: &mut Value,
        f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
    ) -> Result<(), String> {
        visit(obj, &self.path, false, f)
    }
}

/// Adds `fs` to `into` unless a spec with the same path is already there whose group,
/// version and kind `fs` selects (kustomize's `FsSlice.MergeOne`). A spec with no kind
/// therefore joins no list that already has that path for some kind; one whose `create`
/// differs from the spec found is a conflict.
pub fn merge_one(into: &mut Vec<FieldSpec>, fs: &FieldSpec) -> Result<(), String> {
    match into.iter().find(|x| x.raw == fs.raw && fs.selects(x)) {
        Some(x) if x.create != fs.create => Err(format!(
            "conflicting fieldspecs: {} and {}",
            x.describe(),
            fs.describe()
        )),
        Some(_) => Ok(()),
        None => {
            into.push(fs.clone());
            Ok(())
        }
    }
}

/// [`merge_one`] for each of `more`, in order (kustomize's `FsSlice.MergeAll`).
pub fn merge_all(into: &mut Vec<FieldSpec>, more: &[FieldSpec]) -> Result<(), String> {
    more.iter().try_for_each(|fs| merge_one(into, fs))
}

/// Sorts field specs by group, version and kind as kustomize orders them (see
/// [`gvk_order`]); specs of one kind keep their order.
pub fn sort(specs: &mut [FieldSpec]) {
    specs.sort_by_cached_key(|fs| gvk_order(&fs.group, &fs.version, &fs.kind));
}

/// kustomize's `Gvk.IsLessThan` as a sort key: kinds it lists first (Namespace,
/// ResourceQuota, ..., PodDisruptionBudget) before the rest, webhook configurations
/// last, then `group_version_kind` with `~G`, `~V`, `~K` standing for an empty part.
pub fn gvk_order(group: &str, version: &str, kind: &str) -> (i32, String) {
    use super::order::{ORDER_FIRST as FIRST, ORDER_LAST as LAST};
    let rank = if let Some(i) = FIRST.iter().position(|k| *k == kind) {
        i as i32 - FIRST.len() as i32
    } else if let Some(i) = LAST.iter().position(|k| *k == kind) {
        i as i32 + 1
    } else {
        0
    };
    let or = |s: &str, empty: &str| {
        if s.is_empty() {
            empty.to_string()
        } else {
            s.to_string()
        }
    };
    (
        rank,
        format!(
            "{}_{}_{}",
            or(group, "~G"),
            or(version, "~V"),
            or(kind, "~K")
        ),
    )
}

pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut current = String::new();
    let mut chars = path.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'/') => {
                current.push('/');
                chars.next();
            }
            '/' => segments.push(std::mem::take(&mut current)),
            c => current.push(c),
        }
    }
    segments.push(current);
    segments
        .into_iter()
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_suffix("[]") {
            Some(k) => Segment {
                key: k.to_string(),
                is_list: true,
            },
            None => Segment {
                key: s,
                is_list: false,
            },
        })
        .collect()
}

fn visit(
    node: &mut Value,
    path: &[Segment],
    create: bool,
    f: &mut dyn FnMut(&mut Value) -> Result<(), String>,
) -> Result<(), String> {
    let Some((seg, rest)) = path.split_first() else {
        return f(node);
    };
    match node {
        Value::Array(items) => {
            for item in items {
                visit(item, path, create, f)?;
            }
            Ok(())
        }
        Value::Object(map) => match map.get_mut(&seg.key) {
            Some(child) if child.is_null() => {
                if seg.is_list {
                    // kustomize's walk turns a null list it steps into into an empty one.
                    *child = Value::Array(Vec::new());
                    return Ok(());
                }
                if !create {
                    return Ok(());
                }
                if !rest.is_empty() {
                    *child = Value::Object(Map::new());
                }
                visit(child, rest, create, f)
            }
            Some(child) => visit(child, rest, create, f),
            None => {
                if !create || seg.is_list {
                    return Ok(());
                }
                let fresh = if rest.is_empty() {
                    Value::Null
                } else {
                    Value::Object(Map::new())
                };
                let child = map.entry(seg.key.clone()).or_insert(fresh);
                visit(child, rest, create, f)
            }
        },
        Value::Null => Ok(()),
        _ => Err("expected sequence or mapping node".to_string()),
    }
}

/// [`visit`], keeping in `at` the JSON pointer of the node being walked (only the label
/// and annotation transformers need it; the plain walk stays free of that cost).
fn visit_tracked(
    node: &mut Value,
    path: &[Segment],
    create: bool,
    at: &mut String,
    f: &mut dyn FnMut(&mut Value, &str) -> Result<(), String>,
) -> Result<(), String> {
    let Some((seg, rest)) = path.split_first() else {
        return f(node, at);
    };
    let len = at.len();
    let result = match node {
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                at.truncate(len);
                at.push('/');
                at.push_str(&i.to_string());
                visit_tracked(item, path, create, at, f)?;
            }
            Ok(())
        }
        Value::Object(map) => {
            push_token(at, &seg.key);
            visit_child(map, seg, rest, create, at, f)
        }
        Value::Null => Ok(()),
        _ => Err("expected sequence or mapping node".to_string()),
    };
    at.truncate(len);
    result
}

/// Appends `/key` to a JSON pointer, escaping `~` and `/`.
pub fn push_token(at: &mut String, key: &str) {
    at.push('/');
    if key.contains(['~', '/']) {
        at.push_str(&key.replace('~', "~0").replace('/', "~1"));
    } else {
        at.push_str(key);
    }
}

fn visit_child(
    map: &mut Map<String, Value>,
    seg: &Segment,
    rest: &[Segment],
    create: bool,
    at: &mut String,
    f: &mut dyn FnMut(&mut Value, &str) -> Result<(), String>,
) -> Result<(), String> {
    match map.get_mut(&seg.key) {
        Some(child) if child.is_null() => {
            if seg.is_list {
                // kustomize's walk turns a null list it steps into into an empty one.
                *child = Value::Array(Vec::new());
                return Ok(());
            }
            if !create {
                return Ok(());
            }
            if !rest.is_empty() {
                *child = Value::Object(Map::new());
            }
            visit_tracked(child, rest, create, at, f)
        }
        Some(child) => visit_tracked(child, rest, create, at, f),
        None => {
            if !create || seg.is_list {
                return Ok(());
            }
            let fresh = if rest.is_empty() {
                Value::Null
            } else {
                Value::Object(Map::new())
            };
            let child = map.entry(seg.key.clone()).or_insert(fresh);
            visit_tracked(child, rest, create, at, f)
        }
    }
}

/// The builtin field specs (kustomize's default transformer configuration).
pub mod defaults {
    use super::FieldSpec;

    fn specs(rows: &[(&str, &str, bool)]) -> Vec<FieldSpec> {
        rows.iter()
            .map(|(gvk, path, create)| FieldSpec::new(gvk, path, *create))
            .collect()
    }

    const AFFINITY: [&str; 5] = [
        "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm/labelSelector/matchLabels",
        "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution/labelSelector/matchLabels",
        "spec/template/spec/topologySpreadConstraints/labelSelector/matchLabels",
    ];

    /// `commonLabels`, and `labels` with `includeSelectors`: the selectors, then the
    /// [`template_labels`] fields.
    pub fn common_labels() -> Vec<FieldSpec> {
        let mut v = specs(&[
            ("/v1/Service", "spec/selector", true),
            ("/v1/ReplicationController", "spec/selector", true),
            ("//Deployment", "spec/selector/matchLabels", true),
        ]);
        for p in AFFINITY {
            v.push(FieldSpec::new("apps//Deployment", p, false));
        }
        v.extend(specs(&[
            ("//ReplicaSet", "spec/selector/matchLabels", true),
            ("//DaemonSet", "spec/selector/matchLabels", true),
            ("apps//StatefulSet", "spec/selector/matchLabels", true),
        ]));
        for p in AFFINITY {
            v.push(FieldSpec::new("apps//StatefulSet", p, false));
        }
        v.extend(specs(&[
            ("batch//Job", "spec/selector/matchLabels", false),
            (
                "batch//CronJob",
                "spec/jobTemplate/spec/selector/matchLabels",
                false,
            ),
            (
                "policy//PodDisruptionBudget",
                "spec/selector/matchLabels",
                false,
            ),
            (
                "networking.k8s.io//NetworkPolicy",
                "spec/podSelector/matchLabels",
                false,
            ),
            (
                "networking.k8s.io//NetworkPolicy",
                "spec/ingress/from/podSelector/matchLabels",
                false,
            ),
            (
                "networking.k8s.io//NetworkPolicy",
                "spec/egress/to/podSelector/matchLabels",
                false,
            ),
        ]));
        v.extend(template_labels());
        v
    }

    /// `labels` with `includeTemplates` (and without `includeSelectors`).
    pub fn template_labels() -> Vec<FieldSpec> {
        specs(&[
            ("", "metadata/labels", true),
            (
                "/v1/ReplicationController",
                "spec/template/metadata/labels",
                true,
            ),
            ("//Deployment", "spec/template/metadata/labels", true),
            ("//ReplicaSet", "spec/template/metadata/labels", true),
            ("//DaemonSet", "spec/template/metadata/labels", true),
            ("apps//StatefulSet", "spec/template/metadata/labels", true),
            (
                "apps//StatefulSet",
                "spec/volumeClaimTemplates[]/metadata/labels",
                true,
            ),
            ("batch//Job", "spec/template/metadata/labels", true),
            ("batch//CronJob", "spec/jobTemplate/metadata/labels", true),
            (
                "batch//CronJob",
                "spec/jobTemplate/spec/template/metadata/labels",
                true,
            ),
        ])
    }

    pub fn common_annotations() -> Vec<FieldSpec> {
        specs(&[
            ("", "metadata/annotations", true),
            (
                "/v1/ReplicationController",
                "spec/template/metadata/annotations",
                true,
            ),
            ("//Deployment", "spec/template/metadata/annotations", true),
            ("//ReplicaSet", "spec/template/metadata/annotations", true),
            ("//DaemonSet", "spec/template/metadata/annotations", true),
            ("//StatefulSet", "spec/template/metadata/annotations", true),
            ("batch//Job", "spec/template/metadata/annotations", true),
            (
                "batch//CronJob",
                "spec/jobTemplate/metadata/annotations",
                true,
            ),
            (
                "batch//CronJob",
                "spec/jobTemplate/spec/template/metadata/annotations",
                true,
            ),
        ])
    }

    pub fn images() -> Vec<FieldSpec> {
        specs(&[
            ("", "spec/containers[]/image", true),
            ("", "spec/initContainers[]/image", true),
            ("", "spec/template/spec/containers[]/image", true),
            ("", "spec/template/spec/initContainers[]/image", true),
        ])
    }

    /// Where `$(VAR)` references are expanded (kind-only matching, as kustomize does).
    pub fn var_reference() -> Vec<FieldSpec> {
        /// A pod spec's container fields and its NFS volume server.
        fn pod(v: &mut Vec<FieldSpec>, kind: &str, pod: &str, nfs: &str) {
            for c in ["containers", "initContainers"] {
                for f in ["args", "command", "env/value", "volumeMounts/mountPath"] {
                    v.push(FieldSpec::new(
                        &format!("//{kind}"),
                        &format!("{pod}{c}/{f}"),
                        false,
                    ));
                }
            }
            v.push(FieldSpec::new(&format!("//{kind}"), nfs, false));
        }
        fn rows(v: &mut Vec<FieldSpec>, rows: &[(&str, &str)]) {
            v.extend(
                rows.iter()
                    .map(|(gvk, path)| FieldSpec::new(gvk, path, false)),
            );
        }
        let template = "spec/template/spec/";
        let template_nfs = "spec/template/spec/volumes/nfs/server";
        let mut v = Vec::new();
        pod(
            &mut v,
            "CronJob",
            "spec/jobTemplate/spec/template/spec/",
            "spec/jobTemplate/spec/template/volumes/nfs/server",
        );
        pod(&mut v, "DaemonSet", template, template_nfs);
        pod(&mut v, "Deployment", template, template_nfs);
        rows(
            &mut v,
            &[
                ("//Deployment", "spec/template/metadata/annotations"),
                ("//Ingress", "spec/rules/host"),
                ("//Ingress", "spec/tls/hosts"),
                ("//Ingress", "spec/tls/secretName"),
            ],
        );
        pod(&mut v, "Job", template, template_nfs);
        pod(&mut v, "Pod", "spec/", "spec/volumes/nfs/server");
        pod(&mut v, "ReplicaSet", template, template_nfs);
        rows(
            &mut v,
            &[
                ("//Service", "spec/ports/port"),
                ("//Service", "spec/ports/targetPort"),
            ],
        );
        pod(
            &mut v,
            "StatefulSet",
            template,
            "spec/volumeClaimTemplates/spec/nfs/server",
        );
        rows(
            &mut v,
            &[
                ("//PersistentVolume", "spec/nfs/server"),
                ("", "metadata/labels"),
                ("", "metadata/annotations"),
            ],
        );
        v
    }

    pub fn replicas() -> Vec<FieldSpec> {
        specs(&[
            ("//Deployment", "spec/replicas", true),
            ("//ReplicationController", "spec/replicas", true),
            ("//ReplicaSet", "spec/replicas", true),
            ("//StatefulSet", "spec/replicas", true),
        ])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escaped_slash_and_list_marker() {
        let p = parse_path("metadata/annotations/a.io\\/b");
        assert_eq!(p.len(), 3);
        assert_eq!(p[2].key, "a.io/b");
        let p = parse_path("spec/containers[]/image");
        assert!(p[1].is_list);
    }

    #[test]
    fn visits_every_list_element_and_creates() {
        let mut obj = json!({"spec": {"containers": [{"image": "a"}, {"image": "b"}]}});
        let fs = FieldSpec::new("", "spec/containers[]/image", false);
        let mut seen = Vec::new();
        fs.visit(&mut obj, &mut |v| {
            seen.push(v.as_str().unwrap_or("").to_string());
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec!["a", "b"]);

        let mut obj = json!({"kind": "Service"});
        let fs = FieldSpec::new("", "spec/selector", true);
        fs.visit(&mut obj, &mut |v| {
            *v = json!({"a": "b"});
            Ok(())
        })
        .unwrap();
        assert_eq!(
            obj,
            json!({"kind": "Service", "spec": {"selector": {"a": "b"}}})
        );
    }

    #[test]
    fn merge_one_skips_specs_it_selects_by_path() {
        let mut v = vec![FieldSpec::new("//Foo", "metadata/name", false)];
        // An any-kind spec selects Foo's: left out.
        merge_one(&mut v, &FieldSpec::new("", "metadata/name", false)).unwrap();
        assert_eq!(v.len(), 1);
        // Foo's does not select an any-kind spec: added.
        let mut v = vec![FieldSpec::new("", "metadata/name", false)];
        merge_one(&mut v, &FieldSpec::new("//Foo", "metadata/name", false)).unwrap();
        assert_eq!(v.len(), 2);
        // The same field with another `create` conflicts.
        let err = merge_one(&mut v, &FieldSpec::new("", "metadata/name", true)).unwrap_err();
        assert!(err.starts_with("conflicting fieldspecs"), "{err}");
        // Paths compare as written.
        merge_one(&mut v, &FieldSpec::new("", "metadata/name/", true)).unwrap();
        assert_eq!(v.len(), 3);
    }

    #[test]
    fn sorts_by_kustomize_kind_order() {
        let mut v: Vec<FieldSpec> = [
            "",
            "//ValidatingWebhookConfiguration",
            "//Foo",
            "apps//Deployment",
            "/v1/Namespace",
        ]
        .iter()
        .map(|g| FieldSpec::new(g, "x", false))
        .collect();
        sort(&mut v);
        let kinds: Vec<&str> = v.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(
            kinds,
            [
                "Namespace",
                "Deployment",
                "Foo",
                "",
                "ValidatingWebhookConfiguration"
            ]
        );
    }
}
