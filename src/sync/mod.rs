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
use std::collections::{BTreeSet, HashSet};
use std::time::{Duration, Instant};

/// Annotations the inventory parent carries besides the ApplySet ones.
pub const ENV_ANNOTATION: &str = "kubectl-gitops.io/env";
pub const REVISION_ANNOTATION: &str = "kubectl-gitops.io/revision";
pub const SYNCED_AT_ANNOTATION: &str = "kubectl-gitops.io/synced-at";
pub const CONTEXT_ANNOTATION: &str = "kubectl-gitops.io/context";
pub const SERVER_ANNOTATION: &str = "kubectl-gitops.io/server";

#[derive(Clone, Debug)]
pub struct SyncOptions {
    pub env: String,
    pub applyset: ApplySet,
    pub prune: bool,
    pub dry_run: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub force_conflicts: bool,
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
    pub health: Health,
    pub reason: String,
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
                "action": o.action, "healed": o.healed, "health": o.health, "reason": o.reason,
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
    #[error("{0}; rerun with --force-conflicts to take these fields over")]
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
pub async fn sync(
    cluster: &Cluster,
    desired: Vec<Value>,
    options: &SyncOptions,
    progress: &dyn Progress,
) -> Result<SyncReport, SyncError> {
    let prepared = diff::prepare(cluster, desired, Some(&options.applyset)).await?;
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
        preflight(cluster, &objects, &resolved, options).await?;
    }
    let keys: HashSet<(String, String, String, String)> = objects
        .iter()
        .map(|o| {
            let r = ObjectRef::of(o);
            (r.group, r.kind, r.namespace, r.name)
        })
        .collect();
    let group_kinds: BTreeSet<(String, String)> = objects
        .iter()
        .map(|o| {
            let r = ObjectRef::of(o);
            (r.group, r.kind)
        })
        .collect();

    let mut results: Vec<Option<ObjectResult>> = vec![None; objects.len()];
    let mut parent_written = false;
    for (step, indexes) in &steps {
        if step.phase > 0 && !parent_written {
            // Record every kind we are about to own before touching members, so an
            // interrupted sync leaves an inventory that the next run can prune from.
            if !options.dry_run {
                write_parent(cluster, options, &group_kinds, &objects, true).await?;
            }
            parent_written = true;
        }
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
        for (i, outcome) in outcomes {
            let r = outcome?;
            if r.action != Action::Unchanged {
                progress.line(&format!("{} {}", r.action.label(), r.object));
            }
            results[i] = Some(r);
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
                cluster.forget_discovery().await;
            }
        }
    }
    if !parent_written && !options.dry_run {
        write_parent(cluster, options, &group_kinds, &objects, true).await?;
    }

    let mut report = SyncReport {
        objects: results.into_iter().flatten().collect(),
        dry_run: options.dry_run,
        healthy: true,
    };

    // Leftovers: members of our inventory that left Git, pruned in reverse order.
    let mut leftovers = diff::leftovers(cluster, &options.applyset, &keys, &group_kinds).await?;
    leftovers.sort_by_key(|o| std::cmp::Reverse(plan::phase(&ObjectRef::of(o))));
    for live in leftovers {
        let object = ObjectRef::of(&live);
        let action = if options.prune {
            if !options.dry_run {
                let Some(res) = cluster.resolve(&object.gvk()).await? else {
                    continue;
                };
                cluster.delete(&res, &object).await?;
            }
            progress.line(&format!("pruned {object}"));
            Action::Pruned
        } else {
            Action::LeftOver
        };
        report.objects.push(ObjectResult {
            object,
            action,
            healed: Vec::new(),
            health: Health::Healthy,
            reason: String::new(),
        });
    }
    if !options.dry_run {
        let prune_complete = options.prune || report.count(Action::LeftOver) == 0;
        write_parent(cluster, options, &group_kinds, &objects, !prune_complete).await?;
    }

    // Health known without asking: unchanged objects as they were listed.
    let mut healths: Vec<Option<(Health, String)>> = (0..objects.len())
        .map(|i| {
            let unchanged = report
                .objects
                .get(i)
                .is_some_and(|o| o.action == Action::Unchanged);
            match (&before[i], unchanged) {
                (Some(live), true) => Some(health::assess(live)),
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
        let healths: Vec<(Health, String)> = stream::iter(healths.into_iter().enumerate())
            .map(|(i, known)| {
                let obj = &objects[i];
                let res = resolved[i].clone();
                async move {
                    match known {
                        Some(h) => Ok(h),
                        None => current_health(cluster, obj, res.as_ref()).await,
                    }
                }
            })
            .buffered(options.concurrency.max(1))
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .collect::<Result<_, _>>()?;
        for (r, (h, reason)) in report.objects.iter_mut().zip(healths) {
            r.health = h;
            r.reason = reason;
        }
        if options.wait {
            report.healthy = report
                .objects
                .iter()
                .all(|o| matches!(o.health, Health::Healthy) || o.action == Action::Pruned);
        }
    }
    Ok(report)
}

/// Refuses a sync the user is not allowed to finish, before anything is written: for
/// every kind and namespace, `create` and `patch` (and `delete` with `--prune`), plus the
/// inventory parent.
async fn preflight(
    cluster: &Cluster,
    objects: &[Value],
    resolved: &[Option<Resolved>],
    options: &SyncOptions,
) -> Result<(), SyncError> {
    let mut checks: Vec<(Resolved, String, ObjectRef)> = Vec::new();
    let mut seen = HashSet::new();
    for (obj, res) in objects.iter().zip(resolved) {
        let Some(res) = res else { continue };
        let r = ObjectRef::of(obj);
        let ns = res.namespace_of(&r);
        if seen.insert((
            res.resource.group.clone(),
            res.resource.plural.clone(),
            ns.clone(),
        )) {
            checks.push((res.clone(), ns, r));
        }
    }
    let (cm, _) = cluster.applyset_parent(&options.applyset).await?;
    checks.push((
        cm,
        options.applyset.namespace.clone(),
        options.applyset.parent_ref(),
    ));
    let mut verbs = vec!["create", "patch"];
    if options.prune {
        verbs.push("delete");
    }
    let jobs: Vec<(&str, &(Resolved, String, ObjectRef))> = checks
        .iter()
        .flat_map(|c| verbs.iter().map(move |v| (*v, c)))
        .collect();
    let answers: Vec<Result<Option<String>, ClusterError>> = stream::iter(jobs)
        .map(|(verb, (res, ns, example))| async move {
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
        return Ok(result_of(&object, action, d.changed));
    }
    let Some(resolved) = resolved.cloned().or(cluster.resolve(&object.gvk()).await?) else {
        return Err(SyncError::Cluster(ClusterError::UnknownKind {
            kind: object.kind.clone(),
            api_version: crate::render::resource::str_at(desired, &["apiVersion"]).to_string(),
            object: object.to_string(),
        }));
    };
    match cluster
        .apply(&resolved, &to_apply, false, options.force_conflicts)
        .await
    {
        Ok(_) => Ok(result_of(&object, action, d.changed)),
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

fn result_of(object: &ObjectRef, action: Action, healed: Vec<String>) -> ObjectResult {
    ObjectResult {
        object: object.clone(),
        action,
        healed,
        health: Health::Healthy,
        reason: String::new(),
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
        .apply(&resolved, to_apply, false, options.force_conflicts)
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
        let checks: Vec<(usize, (Health, String))> = stream::iter(pending.iter().copied())
            .map(|i| {
                let res = resolved[i].clone();
                async move { (i, current_health(cluster, &objects[i], res.as_ref()).await) }
            })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await
            .into_iter()
            .map(|(i, r)| r.map(|h| (i, h)))
            .collect::<Result<_, _>>()?;
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

/// Writes the inventory parent. With `keep_recorded`, kinds the live parent already
/// records are kept too (members of those kinds may still exist).
async fn write_parent(
    cluster: &Cluster,
    options: &SyncOptions,
    group_kinds: &BTreeSet<(String, String)>,
    objects: &[Value],
    keep_recorded: bool,
) -> Result<(), SyncError> {
    let (cm, live_parent) = cluster.applyset_parent(&options.applyset).await?;
    let mut gks: Vec<String> = group_kinds
        .iter()
        .map(|(g, k)| {
            if g.is_empty() {
                k.clone()
            } else {
                format!("{k}.{g}")
            }
        })
        .collect();
    let mut namespaces: Vec<String> = objects
        .iter()
        .map(|o| crate::render::resource::str_at(o, &["metadata", "namespace"]).to_string())
        .collect();
    if keep_recorded {
        if let Some(live) = &live_parent {
            gks.extend(applyset::recorded_group_kinds(live));
            namespaces.extend(
                crate::render::resource::str_at(
                    live,
                    &["metadata", "annotations", applyset::ADDITIONAL_NAMESPACES],
                )
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            );
        }
    }
    let mut parent = options.applyset.parent(&gks, &namespaces);
    let ann = &mut parent["metadata"]["annotations"];
    ann[ENV_ANNOTATION] = Value::String(options.env.clone());
    ann[SYNCED_AT_ANNOTATION] = Value::String(now_rfc3339());
    if let Some(rev) = &options.revision {
        ann[REVISION_ANNOTATION] = Value::String(rev.clone());
    }
    if let Some(ctx) = &options.context {
        ann[CONTEXT_ANNOTATION] = Value::String(ctx.clone());
    }
    ann[SERVER_ANNOTATION] = Value::String(cluster.server.clone());
    cluster.apply(&cm, &parent, false, true).await?;
    Ok(())
}

/// The current time in RFC 3339 (UTC, seconds).
pub fn now_rfc3339() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        (rem % 3600) / 60,
        rem % 60
    )
}
