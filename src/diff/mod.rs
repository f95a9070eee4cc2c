//! Drift between Git and the live cluster. For every rendered object: a server-side
//! dry-run apply (what syncing would make of it) compared with the live object, both
//! normalized and with ignore rules applied; plus inventory members that left Git.
//! Requests run concurrently with a bound. Presentation (text, JSON, secret masking)
//! lives in [`present`].

pub mod fastpath;
pub mod ignore;
pub mod mask;
pub mod normalize;
pub mod present;

use crate::cluster::applyset::{self, ApplySet};
use crate::cluster::{self, Cluster, ClusterError, ObjectRef, Resolved};
use futures::stream::{self, StreamExt};
use ignore::IgnoreRules;
use serde_json::Value;
use std::collections::{BTreeSet, HashSet};

/// What kind of drift an object has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DriftClass {
    /// In Git, not on the cluster.
    Create,
    /// On both, different.
    Update,
    /// In our inventory on the cluster, no longer in Git.
    Prune,
    /// Identical.
    InSync,
}

impl DriftClass {
    pub fn is_drift(self) -> bool {
        self != DriftClass::InSync
    }
    pub fn label(self) -> &'static str {
        match self {
            DriftClass::Create => "create",
            DriftClass::Update => "update",
            DriftClass::Prune => "prune",
            DriftClass::InSync => "in-sync",
        }
    }
}

/// One object's comparison. `live` and `desired` are normalized, ignore rules applied,
/// secrets NOT yet masked (presentation masks them).
#[derive(Clone, Debug)]
pub struct ObjectDiff {
    pub object: ObjectRef,
    pub class: DriftClass,
    pub live: Option<Value>,
    pub desired: Option<Value>,
    /// JSON pointers of the fields that differ.
    pub changed: Vec<String>,
}

#[derive(Clone, Debug, Default)]
pub struct DiffReport {
    pub objects: Vec<ObjectDiff>,
}

impl DiffReport {
    pub fn has_drift(&self) -> bool {
        self.objects.iter().any(|o| o.class.is_drift())
    }
    pub fn count(&self, class: DriftClass) -> usize {
        self.objects.iter().filter(|o| o.class == class).count()
    }
}

/// How to diff.
#[derive(Clone, Debug)]
pub struct DiffOptions {
    pub concurrency: usize,
    pub ignore: IgnoreRules,
    /// The env's inventory; members get its label and leftovers show as `prune`.
    pub applyset: Option<ApplySet>,
}

/// Prepares rendered objects for the cluster: inventory label, default namespace.
/// Returns each object with its resolved kind (`None`: unknown to the cluster yet, but
/// defined by a CRD in the same render).
pub async fn prepare(
    cluster: &Cluster,
    desired: Vec<Value>,
    applyset: Option<&ApplySet>,
) -> Result<Vec<(Value, Option<Resolved>)>, ClusterError> {
    let crds: HashSet<(String, String)> = desired
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition"))
        .map(|o| {
            (
                crate::render::resource::str_at(o, &["spec", "group"]).to_string(),
                crate::render::resource::str_at(o, &["spec", "names", "kind"]).to_string(),
            )
        })
        .collect();
    let mut out = Vec::with_capacity(desired.len());
    for mut obj in desired {
        if let Some(set) = applyset {
            set.label(&mut obj);
        }
        let r = ObjectRef::of(&obj);
        let resolved = cluster.resolve(&r.gvk()).await?;
        match &resolved {
            Some(res) => cluster::place(&mut obj, res, &cluster.default_namespace),
            None => {
                if !crds.contains(&(r.group.clone(), r.kind.clone())) {
                    return Err(ClusterError::UnknownKind {
                        kind: r.kind.clone(),
                        api_version: crate::render::resource::str_at(&obj, &["apiVersion"])
                            .to_string(),
                        object: r.to_string(),
                    });
                }
                // namespaced is the common case for custom resources
                if crate::render::resource::str_at(&obj, &["metadata", "namespace"]).is_empty() {
                    crate::render::resource::set_at(
                        &mut obj,
                        &["metadata", "namespace"],
                        Value::String(cluster.default_namespace.clone()),
                    );
                }
            }
        }
        out.push((obj, resolved));
    }
    Ok(out)
}

/// Compares every rendered object with the cluster.
pub async fn compute(
    cluster: &Cluster,
    desired: Vec<Value>,
    options: &DiffOptions,
) -> Result<DiffReport, ClusterError> {
    let prepared = prepare(cluster, desired, options.applyset.as_ref()).await?;
    let keys: HashSet<(String, String, String, String)> = prepared
        .iter()
        .map(|(o, _)| {
            let r = ObjectRef::of(o);
            (r.group, r.kind, r.namespace, r.name)
        })
        .collect();
    let group_kinds: BTreeSet<(String, String)> = prepared
        .iter()
        .map(|(o, _)| {
            let r = ObjectRef::of(o);
            (r.group, r.kind)
        })
        .collect();

    let known = snapshot(cluster, &prepared, options.concurrency).await;
    let results: Vec<(usize, Result<ObjectDiff, ClusterError>)> =
        stream::iter(prepared.into_iter().zip(known).enumerate())
            .map(|(i, ((obj, resolved), known))| async move {
                (
                    i,
                    compare(cluster, obj, resolved.as_ref(), &options.ignore, known).await,
                )
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
    let mut results = results;
    results.sort_by_key(|(i, _)| *i);
    let mut report = DiffReport::default();
    for (_, r) in results {
        report.objects.push(r?);
    }

    if let Some(set) = &options.applyset {
        for leftover in leftovers(cluster, set, &keys, &group_kinds).await? {
            let object = ObjectRef::of(&leftover);
            let mut live = leftover;
            normalize::normalize(&mut live);
            report.objects.push(ObjectDiff {
                object,
                class: DriftClass::Prune,
                live: Some(live),
                desired: None,
                changed: Vec::new(),
            });
        }
    }
    Ok(report)
}

/// Inventory members on the cluster that are not in `keys`.
pub async fn leftovers(
    cluster: &Cluster,
    set: &ApplySet,
    keys: &HashSet<(String, String, String, String)>,
    desired_group_kinds: &BTreeSet<(String, String)>,
) -> Result<Vec<Value>, ClusterError> {
    let Some(parent) = cluster.applyset_parent(set).await?.1 else {
        return Ok(Vec::new());
    };
    let mut group_kinds: BTreeSet<(String, String)> = desired_group_kinds.clone();
    for gk in applyset::recorded_group_kinds(&parent) {
        let (kind, group) = match gk.split_once('.') {
            Some((k, g)) => (k.to_string(), g.to_string()),
            None => (gk.clone(), String::new()),
        };
        group_kinds.insert((group, kind));
    }
    let mut out = Vec::new();
    for (group, kind) in group_kinds {
        let Some(resolved) = cluster.resolve_group_kind(&group, &kind).await? else {
            continue;
        };
        for meta in cluster.list(&resolved, &set.selector()).await? {
            let r = ObjectRef::of(&meta);
            if !keys.contains(&(
                r.group.clone(),
                r.kind.clone(),
                r.namespace.clone(),
                r.name.clone(),
            )) {
                // The listing carried metadata only; leftovers are few, fetch them whole.
                if let Some(live) = cluster.get(&resolved, &r).await? {
                    out.push(live);
                }
            }
        }
    }
    Ok(out)
}

pub async fn compare(
    cluster: &Cluster,
    desired: Value,
    resolved: Option<&Resolved>,
    ignore: &IgnoreRules,
    known: Known,
) -> Result<ObjectDiff, ClusterError> {
    let object = ObjectRef::of(&desired);
    let create = |mut desired: Value| {
        normalize::normalize(&mut desired);
        ignore.strip(&object, &mut desired);
        ObjectDiff {
            object: object.clone(),
            class: DriftClass::Create,
            live: None,
            desired: Some(desired),
            changed: Vec::new(),
        }
    };
    let Some(resolved) = resolved else {
        return Ok(create(desired));
    };
    let live = match known {
        Known::Live(v) => Some(v),
        Known::Absent => None,
        Known::Unknown => cluster.get(resolved, &object).await?,
    };
    let Some(mut live) = live else {
        return Ok(create(desired));
    };
    {
        let (mut d, mut l) = (desired.clone(), live.clone());
        ignore.strip(&object, &mut d);
        ignore.strip(&object, &mut l);
        if fastpath::certainly_in_sync(&d, &l, crate::cluster::FIELD_MANAGER) {
            return Ok(ObjectDiff {
                object,
                class: DriftClass::InSync,
                live: None,
                desired: None,
                changed: Vec::new(),
            });
        }
    }
    let mut merged = cluster.apply(resolved, &desired, true, true).await?;
    normalize::normalize(&mut live);
    normalize::normalize(&mut merged);
    ignore.strip(&object, &mut live);
    ignore.strip(&object, &mut merged);
    let mut changed = Vec::new();
    changed_paths(&live, &merged, &mut String::new(), &mut changed);
    let class = if changed.is_empty() {
        DriftClass::InSync
    } else {
        DriftClass::Update
    };
    Ok(ObjectDiff {
        object,
        class,
        live: Some(live),
        desired: Some(merged),
        changed,
    })
}

/// What is known of an object's live state before comparing.
#[derive(Clone, Debug)]
pub enum Known {
    /// Not looked up yet: GET it.
    Unknown,
    /// A LIST of its kind and namespace did not contain it.
    Absent,
    Live(Value),
}

/// The live objects of every kind and namespace the prepared objects live in, one LIST
/// each. Kinds that cannot be listed (RBAC) stay unknown and are fetched one by one.
pub async fn snapshot(
    cluster: &Cluster,
    prepared: &[(Value, Option<Resolved>)],
    concurrency: usize,
) -> Vec<Known> {
    use std::collections::HashMap;
    /// group, version, kind, namespace
    type ListKey = (String, String, String, String);
    let mut groups: HashMap<ListKey, (Resolved, Vec<usize>)> = HashMap::new();
    for (i, (obj, res)) in prepared.iter().enumerate() {
        let Some(res) = res else { continue };
        let r = ObjectRef::of(obj);
        let ns = res.namespace_of(&r);
        groups
            .entry((
                res.resource.group.clone(),
                res.resource.version.clone(),
                res.resource.kind.clone(),
                ns,
            ))
            .or_insert_with(|| (res.clone(), Vec::new()))
            .1
            .push(i);
    }
    let lists: Vec<(Vec<usize>, Option<Vec<Value>>)> =
        stream::iter(groups)
            .map(|((_, _, _, ns), (res, idx))| async move {
                (idx, cluster.list_in(&res, &ns).await.ok())
            })
            .buffer_unordered(concurrency.max(1))
            .collect()
            .await;
    let mut known = vec![Known::Unknown; prepared.len()];
    for (idx, list) in lists {
        let Some(list) = list else { continue };
        let by_name: HashMap<String, Value> = list
            .into_iter()
            .map(|o| {
                (
                    crate::render::resource::str_at(&o, &["metadata", "name"]).to_string(),
                    o,
                )
            })
            .collect();
        let mut by_name = by_name;
        for i in idx {
            let name = crate::render::resource::str_at(&prepared[i].0, &["metadata", "name"]);
            known[i] = match by_name.remove(name) {
                Some(v) => Known::Live(v),
                None => Known::Absent,
            };
        }
    }
    known
}

/// JSON pointers where `a` and `b` differ (maps recursively, lists and scalars whole).
pub fn changed_paths(a: &Value, b: &Value, prefix: &mut String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let len = prefix.len();
                prefix.push('/');
                prefix.push_str(&k.replace('~', "~0").replace('/', "~1"));
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => changed_paths(p, q, prefix, out),
                    _ => out.push(prefix.clone()),
                }
                prefix.truncate(len);
            }
        }
        (x, y) if x != y => out.push(if prefix.is_empty() {
            "/".into()
        } else {
            prefix.clone()
        }),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn changed_paths_are_pointers() {
        let a = json!({"spec": {"replicas": 1, "template": {"x": [1]}}, "metadata": {"labels": {"a/b": "1"}}});
        let b =
            json!({"spec": {"replicas": 2, "template": {"x": [1]}}, "metadata": {"labels": {}}});
        let mut out = Vec::new();
        changed_paths(&a, &b, &mut String::new(), &mut out);
        assert_eq!(out, vec!["/metadata/labels/a~1b", "/spec/replicas"]);
    }
}
