//! Field specs: "in objects of this group/version/kind, the field at this path", the unit
//! every builtin transformer is configured with. Owns path parsing (`/` separated, `\/`
//! escapes, `[]` marks a list), gvk matching, and the walk that visits (and optionally
//! creates) the addressed fields; a list on the way applies the rest of the path to every
//! element.

use super::resource::Gvk;
use serde_json::{Map, Value};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    pub group: String,
    pub version: String,
    pub kind: String,
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
            path: parse_path(path),
            create,
        }
    }

    pub fn from_def(def: &super::kustomization::FieldSpecDef) -> FieldSpec {
        FieldSpec {
            group: def.group.clone(),
            version: def.version.clone(),
            kind: def.kind.clone(),
            path: parse_path(&def.path),
            create: def.create,
        }
    }

    pub fn matches(&self, gvk: &Gvk) -> bool {
        (self.group.is_empty() || self.group == gvk.group)
            && (self.version.is_empty() || self.version == gvk.version)
            && (self.kind.is_empty() || self.kind == gvk.kind)
    }

    pub fn path_string(&self) -> String {
        self.path
            .iter()
            .map(|s| s.key.replace('/', "\\/"))
            .collect::<Vec<_>>()
            .join("/")
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
                if !create || seg.is_list {
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

    /// `commonLabels`, and `labels` with `includeSelectors`.
    pub fn common_labels() -> Vec<FieldSpec> {
        let mut v = specs(&[
            ("", "metadata/labels", true),
            ("/v1/Service", "spec/selector", true),
            ("/v1/ReplicationController", "spec/selector", true),
            (
                "/v1/ReplicationController",
                "spec/template/metadata/labels",
                true,
            ),
            ("//Deployment", "spec/selector/matchLabels", true),
            ("//Deployment", "spec/template/metadata/labels", true),
        ]);
        for p in AFFINITY {
            v.push(FieldSpec::new("apps//Deployment", p, false));
        }
        v.extend(specs(&[
            ("//ReplicaSet", "spec/selector/matchLabels", true),
            ("//ReplicaSet", "spec/template/metadata/labels", true),
            ("//DaemonSet", "spec/selector/matchLabels", true),
            ("//DaemonSet", "spec/template/metadata/labels", true),
            ("apps//StatefulSet", "spec/selector/matchLabels", true),
            ("apps//StatefulSet", "spec/template/metadata/labels", true),
            (
                "apps//StatefulSet",
                "spec/volumeClaimTemplates[]/metadata/labels",
                true,
            ),
        ]));
        for p in AFFINITY {
            v.push(FieldSpec::new("apps//StatefulSet", p, false));
        }
        v.extend(specs(&[
            ("batch//Job", "spec/selector/matchLabels", false),
            ("batch//Job", "spec/template/metadata/labels", true),
            (
                "batch//CronJob",
                "spec/jobTemplate/spec/selector/matchLabels",
                false,
            ),
            ("batch//CronJob", "spec/jobTemplate/metadata/labels", true),
            (
                "batch//CronJob",
                "spec/jobTemplate/spec/template/metadata/labels",
                true,
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

    pub fn metadata_labels() -> Vec<FieldSpec> {
        specs(&[("", "metadata/labels", true)])
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
            ("", "spec/containers[]/image", false),
            ("", "spec/initContainers[]/image", false),
            ("", "spec/template/spec/containers[]/image", false),
            ("", "spec/template/spec/initContainers[]/image", false),
        ])
    }

    /// Where `$(VAR)` references are expanded (kind-only matching, as kustomize does).
    pub fn var_reference() -> Vec<FieldSpec> {
        let mut v = Vec::new();
        let pods = [
            ("Pod", "spec/"),
            ("Deployment", "spec/template/spec/"),
            ("DaemonSet", "spec/template/spec/"),
            ("ReplicaSet", "spec/template/spec/"),
            ("StatefulSet", "spec/template/spec/"),
            ("Job", "spec/template/spec/"),
            ("CronJob", "spec/jobTemplate/spec/template/spec/"),
        ];
        for (kind, pod) in pods {
            for c in ["containers", "initContainers"] {
                for f in ["args", "command", "env/value", "volumeMounts/mountPath"] {
                    v.push(FieldSpec::new(
                        &format!("//{kind}"),
                        &format!("{pod}{c}/{f}"),
                        false,
                    ));
                }
            }
            let nfs = match kind {
                "CronJob" => "spec/jobTemplate/spec/template/volumes/nfs/server".to_string(),
                "StatefulSet" => "spec/volumeClaimTemplates/spec/nfs/server".to_string(),
                _ => format!("{pod}volumes/nfs/server"),
            };
            v.push(FieldSpec::new(&format!("//{kind}"), &nfs, false));
        }
        v.extend(specs(&[
            ("//Deployment", "spec/template/metadata/annotations", false),
            ("//Ingress", "spec/rules/host", false),
            ("//Ingress", "spec/tls/hosts", false),
            ("//Ingress", "spec/tls/secretName", false),
            ("//Service", "spec/ports/port", false),
            ("//Service", "spec/ports/targetPort", false),
            ("//PersistentVolume", "spec/nfs/server", false),
            ("", "metadata/labels", false),
            ("", "metadata/annotations", false),
        ]));
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
}
