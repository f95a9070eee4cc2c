//! Drift between Git and the live cluster. For every rendered object: a server-side
//! dry-run apply (what syncing would make of it) compared with the live object, both
//! normalized and with ignore rules applied; plus inventory members that left Git.
//! Requests run concurrently with a bound. Presentation (text, JSON, secret masking)
//! lives in [`present`].

pub mod fastpath;
pub mod foreign;
pub mod ignore;
pub mod managed;
pub mod mask;
pub mod normalize;
pub mod present;

use crate::cluster::applyset::{self, ApplySet};
use crate::cluster::{self, Cluster, ClusterError, ObjectRef, Resolved};
use futures::stream::{self, StreamExt};
use ignore::IgnoreRules;
use serde_json::Value;
use std::collections::HashSet;

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
    /// Why this drift deserves attention beyond its class (e.g. a prune that cascades).
    pub note: Option<String>,
    /// Fields someone added by hand (not in Git, owned by an untrusted manager).
    pub foreign: Vec<foreign::ForeignField>,
}

#[derive(Clone, Debug, Default)]
pub struct DiffReport {
    pub objects: Vec<ObjectDiff>,
    /// The env's inventory parent as it was read (revision, time, history for `status`).
    pub parent: Option<Value>,
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
    /// Where the env comes from; an inventory of another source is refused.
    pub source: applyset::Source,
    /// Whether pruning a Namespace or a CRD is allowed (`--prune-cascading`).
    pub prune_cascading: bool,
}

/// Prepares rendered objects for the cluster: inventory label, default namespace.
/// Returns each object with its resolved kind (`None`: unknown to the cluster yet, but
/// defined by a CRD in the same render).
pub async fn prepare(
    cluster: &Cluster,
    desired: Vec<Value>,
    applyset: Option<&ApplySet>,
) -> Result<Vec<(Value, Option<Resolved>)>, ClusterError> {
    // Kinds defined by CRDs in the same render, with the scope their CRD declares.
    let crds: std::collections::HashMap<(String, String), bool> = desired
        .iter()
        .filter(|o| o.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition"))
        .map(|o| {
            (
                (
                    crate::render::resource::str_at(o, &["spec", "group"]).to_string(),
                    crate::render::resource::str_at(o, &["spec", "names", "kind"]).to_string(),
                ),
                crate::render::resource::str_at(o, &["spec", "scope"]) != "Cluster",
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
                let Some(&namespaced) = crds.get(&(r.group.clone(), r.kind.clone())) else {
                    return Err(ClusterError::UnknownKind {
                        kind: r.kind.clone(),
                        api_version: crate::render::resource::str_at(&obj, &["apiVersion"])
                            .to_string(),
                        object: r.to_string(),
                    });
                };
                // The scope the CRD in Git declares (the cluster confirms it once the CRD
                // is established).
                let guess = Resolved::unserved(&r, namespaced);
                cluster::place(&mut obj, &guess, &cluster.default_namespace);
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
    let keys = identities(prepared.iter().map(|(o, _)| o));
    if let Some(set) = &options.applyset {
        applyset::check_collision(set, prepared.iter().map(|(o, _)| o))
            .map_err(ClusterError::Refused)?;
    }

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

    // The inventory: read after the objects (a denial names the first object), and
    // only ours, from this source, is used to find leftovers.
    let parent = match &options.applyset {
        Some(set) => {
            let (_, live) = cluster.applyset_parent(set).await?;
            applyset::check_owner(set, live.as_ref(), &options.source, false)
                .map_err(ClusterError::Refused)?;
            live
        }
        None => None,
    };
    if let (Some(set), Some(parent)) = (&options.applyset, &parent) {
        let scope = applyset::Scope::of(parent);
        for leftover in leftovers(cluster, set, &scope, &keys).await? {
            let object = ObjectRef::of(&leftover);
            let note = prune_guard(&leftover, options.prune_cascading).map(|g| g.note);
            let mut live = leftover;
            normalize::normalize(&mut live);
            report.objects.push(ObjectDiff {
                object,
                class: DriftClass::Prune,
                live: Some(live),
                desired: None,
                changed: Vec::new(),
                note,
                foreign: Vec::new(),
            });
        }
    }
    report.parent = parent;
    Ok(report)
}

/// An object's identity across versions: group, kind, namespace, name.
pub type Identity = (String, String, String, String);

/// The identities of prepared objects.
pub fn identities<'a>(objects: impl Iterator<Item = &'a Value>) -> HashSet<Identity> {
    objects
        .map(|o| {
            let r = ObjectRef::of(o);
            (r.group, r.kind, r.namespace, r.name)
        })
        .collect()
}

/// Annotation on a live Namespace or CRD that allows pruning it without
/// `--prune-cascading`.
pub const PRUNE_ANNOTATION: &str = "kubectl-gitops.io/prune";

/// What pruning an object would cascade to, and whether it is allowed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PruneGuard {
    /// For diff and sync to show ("cascading prune: ...").
    pub note: String,
    pub allowed: bool,
}

/// The guard of a prune that takes more than the object with it: a Namespace (everything
/// in it goes too) or a CustomResourceDefinition (every custom resource of it goes too),
/// allowed only by `--prune-cascading` or its own `kubectl-gitops.io/prune: allow`.
/// `None` for every other object (`--prune` alone suffices).
pub fn prune_guard(live: &Value, cascading: bool) -> Option<PruneGuard> {
    let r = ObjectRef::of(live);
    let what = match (r.group.as_str(), r.kind.as_str()) {
        ("", "Namespace") => "deletes every object in the namespace",
        ("apiextensions.k8s.io", "CustomResourceDefinition") => {
            "deletes every custom resource of this kind"
        }
        _ => return None,
    };
    let allowed = cascading
        || crate::render::resource::str_at(live, &["metadata", "annotations", PRUNE_ANNOTATION])
            == "allow";
    let note = if allowed {
        format!("cascading prune: {what}")
    } else {
        format!(
            "cascading prune ({what}): kept unless --prune-cascading or the annotation {PRUNE_ANNOTATION}=allow"
        )
    };
    Some(PruneGuard { note, allowed })
}

/// Inventory members on the cluster that are not in `keys`: per KEP-3659, only the
/// group-kinds the parent records, namespaced ones only in the namespaces it records
/// (one labelled LIST per kind and namespace, so namespace-scoped RBAC suffices), and
/// only objects carrying the parent's id.
pub async fn leftovers(
    cluster: &Cluster,
    set: &ApplySet,
    scope: &applyset::Scope,
    keys: &HashSet<Identity>,
) -> Result<Vec<Value>, ClusterError> {
    let selector = set.selector();
    let mut out = Vec::new();
    for (group, kind) in &scope.group_kinds {
        let Some(resolved) = cluster.resolve_group_kind(group, kind).await? else {
            continue; // a kind the cluster no longer serves has no members left
        };
        let namespaces: Vec<&str> = if resolved.namespaced {
            scope.namespaces.iter().map(String::as_str).collect()
        } else {
            vec![""]
        };
        for ns in namespaces {
            for meta in cluster.list(&resolved, ns, &selector).await? {
                let r = ObjectRef::of(&meta);
                let member = crate::render::resource::str_at(
                    &meta,
                    &["metadata", "labels", applyset::PART_OF],
                ) == set.id();
                let in_scope = if resolved.namespaced {
                    scope.namespaces.contains(&r.namespace)
                } else {
                    r.namespace.is_empty()
                };
                if !member || !in_scope {
                    continue;
                }
                if keys.contains(&(
                    r.group.clone(),
                    r.kind.clone(),
                    r.namespace.clone(),
                    r.name.clone(),
                )) {
                    continue;
                }
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
            note: None,
            foreign: Vec::new(),
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
    // Fields left to other managers by the ignore rules, as the live object records them.
    let raw = ignore.has_managers(&object).then(|| live.clone());
    let strip = |v: &mut Value| {
        ignore.strip(&object, v);
        if let Some(raw) = &raw {
            ignore.strip_managed(&object, raw, v);
        }
    };
    // Fields added by hand make the object drift even when everything Git sets is there.
    let trusted = ignore.managers_for(&object);
    let ignored_paths = ignore.pointers_for(&object);
    let foreign_of = |raw: &Value| -> Vec<foreign::ForeignField> {
        foreign::foreign_fields(raw, &desired, crate::cluster::FIELD_MANAGER, &trusted)
            .into_iter()
            .filter(|f| {
                !ignored_paths
                    .iter()
                    .any(|p| f.pointer == *p || f.pointer.starts_with(&format!("{p}/")))
            })
            .collect()
    };
    let foreign_live = foreign_of(&live);
    if foreign_live.is_empty() {
        let (mut d, mut l) = (desired.clone(), live.clone());
        strip(&mut d);
        strip(&mut l);
        if fastpath::certainly_in_sync(&d, &l, crate::cluster::FIELD_MANAGER) {
            return Ok(ObjectDiff {
                object,
                class: DriftClass::InSync,
                live: None,
                desired: None,
                changed: Vec::new(),
                note: None,
                foreign: Vec::new(),
            });
        }
    }
    let mut merged = cluster.apply(resolved, &desired, true, true).await?;
    // What applying leaves of the hand-made fields, in the dry-run's own coordinates;
    // the desired side shows them removed (as sync removes them).
    let foreign = if foreign_live.is_empty() {
        Vec::new()
    } else {
        foreign_of(&merged)
    };
    let pointers: Vec<String> = foreign.iter().map(|f| f.pointer.clone()).collect();
    foreign::remove_all(&mut merged, &pointers);
    normalize::normalize(&mut live);
    normalize::normalize(&mut merged);
    strip(&mut live);
    strip(&mut merged);
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
        note: None,
        foreign,
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
