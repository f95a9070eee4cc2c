//! Converging the cluster on Git: server-side apply in a safe order (Namespaces and CRDs
//! first, then cluster RBAC, then waves of everything else), an ApplySet inventory
//! written before members so an interrupted sync can always be finished and pruned, prune
//! of our own leftovers only, and a wait for health. [`watch`] repeats it.

pub mod health;
pub mod plan;
pub mod watch;

use crate::cluster::applyset::{self, ApplySet};
use crate::cluster::{Cluster, ClusterError, ObjectRef, Resolved};
use crate::diff::{self, ignore::IgnoreRules, DriftClass};
use futures::stream::{self, StreamExt};
use health::Health;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::{Duration, Instant};

/// Annotations the inventory parent carries besides the ApplySet ones.
pub const ENV_ANNOTATION: &str = "kubectl-gitops.io/env";
pub const REVISION_ANNOTATION: &str = "kubectl-gitops.io/revision";
pub const SYNCED_AT_ANNOTATION: &str = "kubectl-gitops.io/synced-at";
pub const CONTEXT_ANNOTATION: &str = "kubectl-gitops.io/context";
pub const SERVER_ANNOTATION: &str = "kubectl-gitops.io/server";
/// The last syncs of the env (JSON list, newest last, at most [`HISTORY_LIMIT`]).
pub const HISTORY_ANNOTATION: &str = "kubectl-gitops.io/history";
pub const HISTORY_LIMIT: usize = 20;

/// The sync history a live parent records.
pub fn history_of(parent: &Value) -> Vec<Value> {
    let text =
        crate::render::resource::str_at(parent, &["metadata", "annotations", HISTORY_ANNOTATION]);
    serde_json::from_str::<Vec<Value>>(text).unwrap_or_default()
}

#[derive(Clone, Debug)]
pub struct SyncOptions {
    pub env: String,
    pub applyset: ApplySet,
    /// Where the env comes from, recorded on the parent; another source's inventory is
    /// refused unless `adopt`.
    pub source: applyset::Source,
    pub adopt: bool,
    pub prune: bool,
    /// Prune even when the render is empty (every member would go).
    pub allow_empty: bool,
    /// Prune Namespaces and CRDs (which delete what is inside them) too.
    pub prune_cascading: bool,
    pub dry_run: bool,
    pub wait: bool,
    pub timeout: Duration,
    /// Refuse fields other managers own instead of taking them back (kubectl's default).
    pub respect_managers: bool,
    /// Leave fields added by hand (foreign fields) in place instead of removing them.
    pub keep_foreign: bool,
    pub force_replace: bool,
    pub concurrency: usize,
    pub ignore: IgnoreRules,
    /// Git revision of the rendered tree, recorded on the inventory parent.
    pub revision: Option<String>,
    /// The kube context the sync ran against, recorded on the inventory parent.
    pub context: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Created,
    Updated,
    Replaced,
    Unchanged,
    Pruned,
    /// A leftover of the inventory kept because `--prune` was not given.
    LeftOver,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Created => "created",
            Action::Updated => "updated",
            Action::Replaced => "replaced",
            Action::Unchanged => "unchanged",
            Action::Pruned => "pruned",
            Action::LeftOver => "left over",
        }
    }
}

#[derive(Clone, Debug, serde::Serialize)]
pub struct ObjectResult {
    #[serde(skip)]
    pub object: ObjectRef,
    pub action: Action,
    /// Fields that differed from Git (drift healed by this sync).
    pub healed: Vec<String>,
    /// Fields taken back from other field managers (Git wins).
    pub taken_over: Vec<TakenField>,
    /// Fields added by hand that this sync removed (or, with --keep-foreign, left).
    pub foreign: Vec<diff::foreign::ForeignField>,
    pub health: Health,
    pub reason: String,
    /// The object as the API server returned it from the apply: its health is known
    /// without another request.
    #[serde(skip)]
    pub applied: Option<Value>,
}

/// A field another manager owned that this sync took back.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct TakenField {
    /// The field, as the API server names it (`.spec.replicas`).
    pub field: String,
    /// The manager that owned it.
    pub manager: String,
}

#[derive(Clone, Debug, Default)]
pub struct SyncReport {
    pub objects: Vec<ObjectResult>,
    pub dry_run: bool,
    /// False when the wait for health timed out.
    pub healthy: bool,
}

impl SyncReport {
    pub fn count(&self, action: Action) -> usize {
        self.objects.iter().filter(|o| o.action == action).count()
    }
    pub fn changed(&self) -> bool {
        self.objects
            .iter()
            .any(|o| !matches!(o.action, Action::Unchanged | Action::LeftOver))
    }
    pub fn to_json(&self) -> Value {
        json!({
            "dryRun": self.dry_run,
            "healthy": self.healthy,
            "changed": self.changed(),
            "summary": {
                "created": self.count(Action::Created),
                "updated": self.count(Action::Updated),
                "replaced": self.count(Action::Replaced),
                "unchanged": self.count(Action::Unchanged),
                "pruned": self.count(Action::Pruned),
                "leftOver": self.count(Action::LeftOver),
            },
            "objects": self.objects.iter().map(|o| json!({
                "group": o.object.group, "version": o.object.version, "kind": o.object.kind,
                "namespace": o.object.namespace, "name": o.object.name,
                "action": o.action, "healed": o.healed, "takenOver": o.taken_over,
                "foreignRemoved": o.foreign,
                "health": o.health, "reason": o.reason,
            })).collect::<Vec<_>>(),
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error("{0}")]
    Plan(String),
    #[error("{0}; rerun without --respect-managers to take these fields back (Git wins)")]
    Conflict(String),
    #[error("{0}; rerun with --force-replace to delete and recreate this object")]
    Immutable(String),
    #[error("timed out after {seconds}s waiting for {what}")]
    Timeout { seconds: u64, what: String },
}

/// Progress messages (one line each), for a terminal or a log.
pub trait Progress: Send + Sync {
    fn line(&self, message: &str);
    fn waiting(&self, done: usize, total: usize, pending: &[String]);
}

/// Progress that says nothing.
pub struct Quiet;
impl Progress for Quiet {
    fn line(&self, _: &str) {}
    fn waiting(&self, _: usize, _: usize, _: &[String]) {}
}

/// One sync of `desired` (rendered objects).
///
/// Nothing is written before every check passed: the parent's owner and name, the empty
/// render guard, and the permission preflight. The inventory parent is then written
/// (covering what it covered plus what Git now holds) before any member, members are
/// applied phase by phase, and leftovers are pruned last, only within the parent's
/// recorded kinds and namespaces.
pub async fn sync(
    cluster: &Cluster,
    desired: Vec<Value>,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    let set = &options.applyset;
    let prepared = diff::prepare(cluster, desired, Some(set)).await?;
    applyset::check_collision(set, prepared.iter().map(|(o, _)| o)).map_err(SyncError::Plan)?;
    let (_, live_parent) = cluster.applyset_parent(set).await?;
    applyset::check_owner(set, live_parent.as_ref(), &options.source, options.adopt)
        .map_err(SyncError::Plan)?;
    let recorded = live_parent
        .as_ref()
        .map(applyset::Scope::of)
        .unwrap_or_default();
    let wanted = applyset::Scope::of_objects(set, prepared.iter().map(|(o, _)| o));
    // Until the prune has run, the parent covers both what it covered and what Git holds.
    let covered = recorded.union(&wanted);
    let mut history = live_parent.as_ref().map(history_of).unwrap_or_default();

    if prepared.is_empty() && options.prune && !options.allow_empty && live_parent.is_some() {
        let members = diff::leftovers(cluster, set, &recorded, &HashSet::new()).await?;
        if !members.is_empty() {
            return Err(SyncError::Plan(format!(
                "refusing to prune every object of env {} ({} member(s) on the cluster, none in Git); pass --allow-empty if that is what you want",
                options.env,
                members.len()
            )));
        }
    }

    let mut known = diff::snapshot(cluster, &prepared, options.concurrency).await;
    // What each object looked like before the sync: the health of objects left unchanged
    // comes from here instead of another GET.
    let before: Vec<Option<Value>> = known
        .iter()
        .map(|k| match k {
            diff::Known::Live(v) => Some(v.clone()),
            _ => None,
        })
        .collect();
    let objects: Vec<Value> = prepared.iter().map(|(o, _)| o.clone()).collect();
    let mut resolved: Vec<Option<Resolved>> = prepared.into_iter().map(|(_, r)| r).collect();
    let steps = plan::steps(&objects).map_err(SyncError::Plan)?;
    if !options.dry_run {
        preflight(cluster, &objects, &resolved, &covered, options).await?;
        // Record every kind and namespace we are about to own before touching members,
        // so an interrupted sync leaves an inventory the next run can finish and prune.
        tracing::info!("writing inventory parent {} (before members)", set.name);
        write_parent(cluster, options, &covered, &objects, &history).await?;
    }

    let mut results: Vec<Option<ObjectResult>> = vec![None; objects.len()];
    for (step, indexes) in &steps {
        tracing::info!(
            "applying phase {} wave {}: {} object(s)",
            step.phase,
            step.wave,
            indexes.len()
        );
        for &i in indexes {
            if resolved[i].is_none() {
                resolved[i] = cluster.resolve(&ObjectRef::of(&objects[i]).gvk()).await?;
            }
        }
        let jobs: Vec<(usize, diff::Known)> = indexes
            .iter()
            .map(|&i| (i, std::mem::replace(&mut known[i], diff::Known::Unknown)))
            .collect();
        let outcomes: Vec<(usize, Result<ObjectResult, SyncError>)> = stream::iter(jobs)
            .map(|(i, k)| {
                let obj = &objects[i];
                let res = resolved[i].clone();
                async move { (i, sync_one(cluster, obj, res.as_ref(), k, options).await) }
            })
            .buffer_unordered(options.concurrency.max(1))
            .collect()
            .await;
        let mut first_error = None;
        for (i, outcome) in outcomes {
            match outcome {
                Ok(r) => {
                    if r.action != Action::Unchanged {
                        progress.line(&format!("{} {}", r.action.label(), r.object));
                    }
                    for t in &r.taken_over {
                        progress.line(&format!(
                            "took {} of {} back from manager {:?}",
                            t.field, r.object, t.manager
                        ));
                    }
                    results[i] = Some(r);
                }
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        if let Some(e) = first_error {
            return Err(e);
        }
        if step.phase == 0 {
            let crds: Vec<usize> = indexes
                .iter()
                .copied()
                .filter(|&i| ObjectRef::of(&objects[i]).kind == "CustomResourceDefinition")
                .collect();
            if !crds.is_empty() && !options.dry_run {
                wait_for(
                    cluster,
                    &objects,
                    &resolved,
                    &crds,
                    options.timeout,
                    progress,
                )
                .await?;
                // Kinds the new CRDs define resolve now, with their real scope; discovery
                // can lag behind Established by a moment, so ask again until it serves
                // them (bounded by the timeout).
                let deadline = Instant::now() + options.timeout.min(Duration::from_secs(60));
                loop {
                    cluster.forget_discovery().await;
                    let mut missing = 0;
                    for (i, r) in resolved.iter_mut().enumerate() {
                        if r.is_none() {
                            *r = cluster.resolve(&ObjectRef::of(&objects[i]).gvk()).await?;
                            missing += usize::from(r.is_none());
                        }
                    }
                    if missing == 0 || Instant::now() >= deadline {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
            }
        }
    }

    let mut report = SyncReport {
        objects: results.into_iter().flatten().collect(),
        dry_run: options.dry_run,
        healthy: true,
    };

    // Leftovers: members of our inventory that left Git, pruned in reverse order, only
    // within what the parent records.
    let keys = diff::identities(objects.iter());
    let mut leftovers = if live_parent.is_some() || !options.dry_run {
        diff::leftovers(cluster, set, &covered, &keys).await?
    } else {
        Vec::new()
    };
    leftovers.sort_by_key(|o| std::cmp::Reverse(plan::phase(&ObjectRef::of(o))));
    if !leftovers.is_empty() {
        tracing::info!("pruning: {} left-over object(s)", leftovers.len());
    }
    let mut kept: Vec<Value> = Vec::new();
    for live in leftovers {
        let object = ObjectRef::of(&live);
        let guard = diff::prune_guard(&live, options.prune_cascading);
        let allowed = guard.as_ref().is_none_or(|g| g.allowed);
        let note = guard.map(|g| g.note).unwrap_or_default();
        let action = if options.prune && allowed {
            if !options.dry_run {
                let Some(res) = cluster.resolve(&object.gvk()).await? else {
                    continue;
                };
                let uid = crate::render::resource::str_at(&live, &["metadata", "uid"]);
                cluster.delete_exact(&res, &object, uid).await?;
                progress.line(&format!("pruned {object}"));
            } else {
                progress.line(&format!("would prune {object}"));
            }
            Action::Pruned
        } else {
            if options.prune {
                progress.line(&format!("kept {object}: {note}"));
            }
            kept.push(live.clone());
            Action::LeftOver
        };
        report.objects.push(ObjectResult {
            object,
            action,
            healed: Vec::new(),
            taken_over: Vec::new(),
            foreign: Vec::new(),
            health: Health::Healthy,
            reason: if action == Action::LeftOver {
                note
            } else {
                String::new()
            },
            applied: None,
        });
    }
    if !options.dry_run {
        // Now the parent covers what Git holds plus what was kept.
        let remaining = wanted.union(&applyset::Scope::of_objects(set, kept.iter()));
        history.push(json!({
            "revision": options.revision,
            "time": now_rfc3339(),
            "result": if report.changed() { "synced" } else { "in sync" },
            "created": report.count(Action::Created),
            "updated": report.count(Action::Updated),
            "replaced": report.count(Action::Replaced),
            "pruned": report.count(Action::Pruned),
            "leftOver": report.count(Action::LeftOver),
            "changes": report.objects.iter()
                .filter(|o| !matches!(o.action, Action::Unchanged | Action::LeftOver))
                .take(50)
                .map(|o| format!("{} {}", o.action.label(), o.object))
                .collect::<Vec<_>>(),
        }));
        let excess = history.len().saturating_sub(HISTORY_LIMIT);
        history.drain(..excess);
        write_parent(cluster, options, &remaining, &objects, &history).await?;
    }

    // Health known without asking: unchanged objects as they were listed, applied ones
    // as the apply returned them.
    let mut healths: Vec<Option<(Health, String)>> = (0..objects.len())
        .map(|i| {
            let r = report.objects.get(i)?;
            match (&r.applied, &before[i]) {
                (Some(applied), _) => Some(health::assess(applied)),
                (None, Some(live)) if r.action == Action::Unchanged => Some(health::assess(live)),
                _ => None,
            }
        })
        .collect();
    if options.wait && !options.dry_run {
        let pending: Vec<usize> = (0..objects.len())
            .filter(|&i| {
                healths[i]
                    .as_ref()
                    .is_none_or(|(h, _)| *h != Health::Healthy)
            })
            .collect();
        tracing::info!("waiting for health: {} object(s)", pending.len());
        match wait_for(
            cluster,
            &objects,
            &resolved,
            &pending,
            options.timeout,
            progress,
        )
        .await
        {
            Ok(()) => {}
            Err(SyncError::Timeout { .. }) => report.healthy = false,
            Err(e) => return Err(e),
        }
        for &i in &pending {
            healths[i] = None;
        }
    }
    // final health of every object
    if !options.dry_run {
        let unknown: Vec<usize> = (0..objects.len())
            .filter(|&i| healths[i].is_none())
            .collect();
        let observed = observe(cluster, &objects, &resolved, &unknown, options.concurrency).await?;
        for (i, h) in unknown.into_iter().zip(observed) {
            healths[i] = Some(h);
        }
        let healths = healths
            .into_iter()
            .map(|h| h.unwrap_or((Health::Missing, "not observed".to_string())));
        for (r, (h, reason)) in report.objects.iter_mut().zip(healths) {
            r.health = h;
            r.reason = reason;
        }
        if options.wait {
            report.healthy = report.objects.iter().all(|o| {
                matches!(o.health, Health::Healthy)
                    || matches!(o.action, Action::Pruned | Action::LeftOver)
            });
        }
    }
    Ok(report)
}

/// Refuses a sync the user is not allowed to finish, before anything is written. Every
/// verb the sync will use is asked for: `get`, `list`, `create` and `patch` for each kind
/// in each namespace Git holds; `list` (and `delete` with `--prune`) for every kind and
/// namespace the inventory covers; `get`, `create` and `patch` of the parent ConfigMap.
async fn preflight(
    cluster: &Cluster,
    objects: &[Value],
    resolved: &[Option<Resolved>],
    covered: &applyset::Scope,
    options: &SyncOptions,
) -> Result<(), SyncError> {
    // (resource, namespace, verb) with an example object for the message
    let mut checks: Vec<(Resolved, String, &'static str, String)> = Vec::new();
    let mut seen = HashSet::new();
    let mut ask = |res: &Resolved, ns: String, verb: &'static str, example: String| {
        if seen.insert((
            res.resource.group.clone(),
            res.resource.plural.clone(),
            ns.clone(),
            verb,
        )) {
            checks.push((res.clone(), ns, verb, example));
        }
    };
    for (obj, res) in objects.iter().zip(resolved) {
        let Some(res) = res.as_ref().filter(|r| !r.resource.plural.is_empty()) else {
            continue;
        };
        let r = ObjectRef::of(obj);
        let ns = res.namespace_of(&r);
        for verb in ["get", "list", "create", "patch"] {
            ask(res, ns.clone(), verb, r.to_string());
        }
    }
    for (group, kind) in &covered.group_kinds {
        let Some(res) = cluster.resolve_group_kind(group, kind).await? else {
            continue;
        };
        let namespaces: Vec<String> = if res.namespaced {
            covered.namespaces.iter().cloned().collect()
        } else {
            vec![String::new()]
        };
        for ns in namespaces {
            let example = if ns.is_empty() {
                format!("{} (cluster-wide)", res.resource.plural)
            } else {
                format!("{} in namespace {ns}", res.resource.plural)
            };
            ask(&res, ns.clone(), "list", example.clone());
            if options.prune {
                ask(&res, ns, "delete", example);
            }
        }
    }
    let cm = cluster.applyset_parent_kind(&options.applyset).await?;
    for verb in ["get", "create", "patch"] {
        ask(
            &cm,
            options.applyset.namespace.clone(),
            verb,
            format!("{} (the inventory parent)", options.applyset.parent_ref()),
        );
    }
    let answers: Vec<Result<Option<String>, ClusterError>> = stream::iter(checks.iter())
        .map(|(res, ns, verb, example)| async move {
            Ok(if cluster.can_i(verb, res, ns).await? {
                None
            } else {
                Some(format!(
                    "forbidden: cannot {verb} {example} (checked before changing anything)"
                ))
            })
        })
        .buffered(options.concurrency.max(1))
        .collect()
        .await;
    for a in answers {
        if let Some(denied) = a? {
            return Err(SyncError::Plan(denied));
        }
    }
    Ok(())
}

/// Brings one object to its Git state.
async fn sync_one(
    cluster: &Cluster,
    desired: &Value,
    resolved: Option<&Resolved>,
    known: diff::Known,
    options: &SyncOptions,
) -> Result<ObjectResult, SyncError> {
    let object = ObjectRef::of(desired);
    let mut to_apply = desired.clone();
    options.ignore.strip(&object, &mut to_apply);
    // Fields the ignore rules leave to other managers are not applied either.
    let known = match (known, resolved) {
        (diff::Known::Unknown, Some(res)) if options.ignore.has_managers(&object) => {
            match cluster.get(res, &object).await? {
                Some(v) => diff::Known::Live(v),
                None => diff::Known::Absent,
            }
        }
        (k, _) => k,
    };
    if let diff::Known::Live(live) = &known {
        options.ignore.strip_managed(&object, live, &mut to_apply);
    }
    let d = match diff::compare(cluster, desired.clone(), resolved, &options.ignore, known).await {
        Ok(d) => d,
        Err(ClusterError::Invalid { object: o, message }) if message.contains("immutable") => {
            if !options.force_replace {
                return Err(SyncError::Immutable(format!(
                    "cannot update {o}: {message}"
                )));
            }
            if options.dry_run {
                return Ok(result_of(&object, Action::Replaced, Vec::new()));
            }
            replace(cluster, resolved, &object, &to_apply, options).await?;
            return Ok(result_of(&object, Action::Replaced, Vec::new()));
        }
        Err(e) => return Err(e.into()),
    };
    if d.class == DriftClass::InSync {
        return Ok(result_of(&object, Action::Unchanged, Vec::new()));
    }
    let action = if d.class == DriftClass::Create {
        Action::Created
    } else {
        Action::Updated
    };
    if options.dry_run {
        let mut r = result_of(&object, action, d.changed);
        r.foreign = d.foreign;
        return Ok(r);
    }
    let Some(resolved) = resolved.cloned().or(cluster.resolve(&object.gvk()).await?) else {
        return Err(SyncError::Cluster(ClusterError::UnknownKind {
            kind: object.kind.clone(),
            api_version: crate::render::resource::str_at(desired, &["apiVersion"]).to_string(),
            object: object.to_string(),
        }));
    };
    // Fields added by hand go first, guarded by the resourceVersion they were read at.
    let removed = if d.foreign.is_empty() || options.keep_foreign {
        Vec::new()
    } else {
        remove_foreign(cluster, &resolved, &object, desired, options).await?
    };
    // Git wins: a conflict with another manager is answered by applying again with
    // force, and each field taken back is reported (unless --respect-managers).
    let first = cluster.apply(&resolved, &to_apply, false, false).await;
    let (outcome, taken_over) = match first {
        Err(ClusterError::Conflict { object: o, message }) if !options.respect_managers => {
            let taken = parse_conflicts(&message);
            tracing::info!("taking back {} field(s) of {o}", taken.len());
            (
                cluster.apply(&resolved, &to_apply, false, true).await,
                taken,
            )
        }
        other => (other, Vec::new()),
    };
    match outcome {
        Ok(applied) => {
            let mut r = result_of(&object, action, d.changed);
            r.taken_over = taken_over;
            r.foreign = removed;
            r.applied = Some(applied);
            Ok(r)
        }
        Err(ClusterError::Conflict { object, message }) => Err(SyncError::Conflict(format!(
            "conflict applying {object}: {message}"
        ))),
        Err(ClusterError::Invalid { object: o, message }) if message.contains("immutable") => {
            if !options.force_replace {
                return Err(SyncError::Immutable(format!(
                    "cannot update {o}: {message}"
                )));
            }
            replace(cluster, Some(&resolved), &object, &to_apply, options).await?;
            Ok(result_of(&object, Action::Replaced, d.changed))
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes the foreign fields of `object` with a JSON patch that first tests the
/// resourceVersion it read, so a concurrent change is never lost: on a changed object it
/// reads again and recomputes (three tries). Returns what was removed.
async fn remove_foreign(
    cluster: &Cluster,
    resolved: &Resolved,
    object: &ObjectRef,
    desired: &Value,
    options: &SyncOptions,
) -> Result<Vec<diff::foreign::ForeignField>, SyncError> {
    let trusted = options.ignore.managers_for(object);
    let ignored = options.ignore.pointers_for(object);
    for attempt in 0..3 {
        let Some(live) = cluster.get(resolved, object).await? else {
            return Ok(Vec::new());
        };
        let foreign: Vec<_> =
            diff::foreign::foreign_fields(&live, desired, crate::cluster::FIELD_MANAGER, &trusted)
                .into_iter()
                .filter(|f| {
                    !ignored
                        .iter()
                        .any(|p| f.pointer == *p || f.pointer.starts_with(&format!("{p}/")))
                })
                .collect();
        if foreign.is_empty() {
            return Ok(foreign);
        }
        let rv = crate::render::resource::str_at(&live, &["metadata", "resourceVersion"]);
        let pointers: Vec<String> = foreign.iter().map(|f| f.pointer.clone()).collect();
        let patch = diff::foreign::removal_patch(rv, &pointers);
        match cluster.json_patch(resolved, object, &patch).await {
            Ok(_) => {
                tracing::info!("removed {} foreign field(s) of {object}", foreign.len());
                return Ok(foreign);
            }
            // The `test` failed: someone changed the object since it was read.
            Err(ClusterError::Invalid { .. } | ClusterError::Conflict { .. }) if attempt < 2 => {
                tracing::info!("{object} changed while removing foreign fields; reading it again");
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(Vec::new())
}

/// The fields and managers of an API server conflict message, in its two forms:
/// `conflict with "M" using v1: .data.a` and
/// `conflicts with "M" using v1:\n- .data.a\n- .data.b` (repeated per manager).
pub fn parse_conflicts(message: &str) -> Vec<TakenField> {
    let mut out = Vec::new();
    let mut manager = String::new();
    for line in message.lines() {
        let line = line.trim();
        if let Some(field) = line.strip_prefix("- ") {
            if !manager.is_empty() {
                out.push(TakenField {
                    field: field.trim().to_string(),
                    manager: manager.clone(),
                });
            }
            continue;
        }
        for marker in ["conflicts with \"", "conflict with \""] {
            if let Some(i) = line.find(marker) {
                let rest = &line[i + marker.len()..];
                if let Some(end) = rest.find('"') {
                    manager = rest[..end].to_string();
                    // single form: the field follows the last ": "
                    if let Some((_, field)) = rest[end..].rsplit_once(": ") {
                        let field = field.trim();
                        if field.starts_with('.') {
                            out.push(TakenField {
                                field: field.to_string(),
                                manager: manager.clone(),
                            });
                        }
                    }
                }
                break;
            }
        }
    }
    out
}

fn result_of(object: &ObjectRef, action: Action, healed: Vec<String>) -> ObjectResult {
    ObjectResult {
        object: object.clone(),
        action,
        healed,
        taken_over: Vec::new(),
        foreign: Vec::new(),
        health: Health::Healthy,
        reason: String::new(),
        applied: None,
    }
}

/// `--force-replace`: delete, wait until gone, create.
async fn replace(
    cluster: &Cluster,
    resolved: Option<&Resolved>,
    object: &ObjectRef,
    to_apply: &Value,
    options: &SyncOptions,
) -> Result<(), SyncError> {
    let resolved = match resolved {
        Some(r) => r.clone(),
        None => cluster.resolve(&object.gvk()).await?.ok_or_else(|| {
            SyncError::Plan(format!("the cluster does not serve the kind of {object}"))
        })?,
    };
    cluster.delete(&resolved, object).await?;
    let deadline = Instant::now() + options.timeout;
    while cluster.get(&resolved, object).await?.is_some() {
        if Instant::now() > deadline {
            return Err(SyncError::Timeout {
                seconds: options.timeout.as_secs(),
                what: format!("{object} to be deleted before it is recreated"),
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    cluster
        .apply(&resolved, to_apply, false, !options.respect_managers)
        .await?;
    Ok(())
}

async fn current_health(
    cluster: &Cluster,
    obj: &Value,
    resolved: Option<&Resolved>,
) -> Result<(Health, String), ClusterError> {
    let object = ObjectRef::of(obj);
    let resolved = match resolved {
        Some(r) => r.clone(),
        None => match cluster.resolve(&object.gvk()).await? {
            Some(r) => r,
            None => return Ok((Health::Missing, "the kind is not served".into())),
        },
    };
    Ok(match cluster.get(&resolved, &object).await? {
        Some(live) => health::assess(&live),
        None => (Health::Missing, "not found on the cluster".into()),
    })
}

/// The health of `objects[i]` for each of `indexes`: one LIST per kind and namespace
/// (not one GET per object), falling back to GETs where listing is not allowed.
pub async fn observe(
    cluster: &Cluster,
    objects: &[Value],
    resolved: &[Option<Resolved>],
    indexes: &[usize],
    concurrency: usize,
) -> Result<Vec<(Health, String)>, ClusterError> {
    let subset: Vec<(Value, Option<Resolved>)> = indexes
        .iter()
        .map(|&i| (objects[i].clone(), resolved[i].clone()))
        .collect();
    let known = diff::snapshot(cluster, &subset, concurrency).await;
    stream::iter(subset.iter().zip(known))
        .map(|((obj, res), known)| async move {
            match known {
                diff::Known::Live(live) => Ok(health::assess(&live)),
                diff::Known::Absent => Ok((Health::Missing, "not found on the cluster".into())),
                diff::Known::Unknown => current_health(cluster, obj, res.as_ref()).await,
            }
        })
        .buffered(concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect()
}

/// Polls the given objects until all are Healthy, or fails with the list still waiting.
async fn wait_for(
    cluster: &Cluster,
    objects: &[Value],
    resolved: &[Option<Resolved>],
    indexes: &[usize],
    timeout: Duration,
    progress: &dyn Progress,
) -> Result<(), SyncError> {
    let deadline = Instant::now() + timeout;
    let mut pending: Vec<usize> = indexes.to_vec();
    let mut last: Vec<String> = Vec::new();
    loop {
        let observed = observe(cluster, objects, resolved, &pending, 16).await?;
        let checks: Vec<(usize, (Health, String))> =
            pending.iter().copied().zip(observed).collect();
        let mut still = Vec::new();
        last.clear();
        for (i, (h, reason)) in checks {
            if h != Health::Healthy {
                still.push(i);
                last.push(format!(
                    "{} ({}: {reason})",
                    ObjectRef::of(&objects[i]),
                    h.label()
                ));
            }
        }
        still.sort();
        last.sort();
        pending = still;
        progress.waiting(indexes.len() - pending.len(), indexes.len(), &last);
        if pending.is_empty() {
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(SyncError::Timeout {
                seconds: timeout.as_secs(),
                what: format!(
                    "{} object(s) to become healthy: {}",
                    pending.len(),
                    last.join("; ")
                ),
            });
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Writes the inventory parent recording `scope` and the env's source. When the parent's
/// namespace does not exist yet but Git creates it, that Namespace is created first,
/// without the member label (the member apply that follows adds it), so nothing labelled
/// exists without a parent.
async fn write_parent(
    cluster: &Cluster,
    options: &SyncOptions,
    scope: &applyset::Scope,
    objects: &[Value],
    history: &[Value],
) -> Result<(), SyncError> {
    let set = &options.applyset;
    let cm = cluster.applyset_parent_kind(set).await?;
    let namespaces: Vec<String> = scope.namespaces.iter().cloned().collect();
    let mut parent = set.parent(&scope.group_kind_names(), &namespaces);
    let ann = &mut parent["metadata"]["annotations"];
    ann[ENV_ANNOTATION] = Value::String(options.env.clone());
    ann[applyset::SOURCE_REPO] = Value::String(options.source.repo.clone());
    ann[applyset::SOURCE_PATH] = Value::String(options.source.path.clone());
    ann[SYNCED_AT_ANNOTATION] = Value::String(now_rfc3339());
    if let Some(rev) = &options.revision {
        ann[REVISION_ANNOTATION] = Value::String(rev.clone());
    }
    if let Some(ctx) = &options.context {
        ann[CONTEXT_ANNOTATION] = Value::String(ctx.clone());
    }
    ann[SERVER_ANNOTATION] = Value::String(cluster.server.clone());
    // Always written (a field of ours left out of an apply would be removed).
    ann[HISTORY_ANNOTATION] = Value::String(serde_json::to_string(history).unwrap_or_default());
    match cluster.apply(&cm, &parent, false, true).await {
        Ok(_) => Ok(()),
        Err(e) if e.is_not_found() => {
            let own_namespace = objects.iter().find(|o| {
                let r = ObjectRef::of(o);
                r.group.is_empty() && r.kind == "Namespace" && r.name == set.namespace
            });
            let Some(ns) = own_namespace else {
                return Err(SyncError::Plan(format!(
                    "the inventory namespace {} does not exist; create it, or choose the inventory namespace with -n or the binding's namespace",
                    set.namespace
                )));
            };
            let mut bare = ns.clone();
            if let Some(labels) = bare
                .pointer_mut("/metadata/labels")
                .and_then(Value::as_object_mut)
            {
                labels.remove(applyset::PART_OF);
            }
            let res = cluster
                .resolve(&ObjectRef::of(&bare).gvk())
                .await?
                .ok_or_else(|| SyncError::Plan("the cluster does not serve Namespaces".into()))?;
            cluster.apply(&res, &bare, false, true).await?;
            cluster.apply(&cm, &parent, false, true).await?;
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The current time in RFC 3339 (UTC, whole seconds), as Kubernetes writes times.
pub fn now_rfc3339() -> String {
    let now = jiff::Timestamp::now();
    jiff::Timestamp::from_second(now.as_second())
        .unwrap_or(now)
        .to_string()
}
