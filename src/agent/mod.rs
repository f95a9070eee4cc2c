//! `kubectl gitops agent`: the in-cluster pull side. Every `--interval` (or at once when
//! a webhook or refresh wakes it) the agent fetches one branch of the repository
//! ([`git`]), picks its envs (named, or bound to this cluster in `.gitops/envs.yaml`),
//! renders each and syncs it exactly as `sync --prune --no-wait` does, several envs at a
//! time. A render failure never reaches the cluster (so never prunes); drift from an
//! unchanged revision is healed and counted. Results go to `/metrics` and `/status`
//! ([`state`], served by [`http`]), to Events and annotations on each env's ApplySet
//! parent ([`events`]), and to the log. With leader election ([`lease`]) only the
//! holder of the Lease reconciles. SIGTERM or SIGINT stops it: an apply in progress gets
//! a few seconds, the Lease is released, and the process exits 0.

pub mod events;
pub mod git;
pub mod http;
pub mod lease;
pub mod state;

use crate::cluster::applyset::{ApplySet, Source};
use crate::cluster::binding::{self, Binding};
use crate::cluster::Cluster;
use crate::diff::ignore::IgnoreRules;
use crate::sync::watch::Log;
use crate::sync::{Action, SyncOptions, SyncReport};
use futures::stream::{self, StreamExt};
use state::{Counts, Outcome, State};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// How long a reconcile in progress may go on after SIGTERM/SIGINT.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Which envs the agent applies.
#[derive(Clone, Debug)]
pub enum Selection {
    /// These envs (each still refused when bound to another cluster).
    Named(Vec<String>),
    /// Every env whose binding names `--cluster-name`.
    Bound,
}

/// Everything the agent runs with.
pub struct Config {
    pub source: git::SourceConfig,
    pub selection: Selection,
    pub cluster_name: Option<String>,
    pub interval: Duration,
    /// Envs reconciled at once.
    pub concurrency_envs: usize,
    /// API requests in flight per env sync.
    pub concurrency: usize,
    pub listen: SocketAddr,
    pub webhook_secret: Option<Vec<u8>>,
    pub refresh_token: Option<Vec<u8>>,
    /// Leader election in this namespace, when set.
    pub lease_namespace: Option<String>,
    /// Namespace of envs whose binding names none (`-n`), else the cluster's default.
    pub namespace: Option<String>,
    /// The repository's identity recorded on every inventory (the normalized URL).
    pub source_repo: String,
    /// This agent's name in the Lease and on Events.
    pub identity: String,
}

/// How an env of the checkout is built: render options and ignore rules, from the
/// command line's flags over the binding (see `cli::agent`).
pub trait EnvResolver: Send + Sync {
    fn resolve(
        &self,
        root: &Path,
        env: &str,
        binding: Option<&Binding>,
    ) -> Result<(crate::render::Options, IgnoreRules), String>;
}

/// SIGINT and SIGTERM, caught from the moment this is installed.
pub struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Must be called inside a tokio runtime.
    pub fn install() -> Result<Signals, std::io::Error> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Signals {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn recv(&mut self) {
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
    }
}

/// Whether `name` can be an env (a directory name that makes a valid parent name).
pub fn valid_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 200
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '.')
        && !name.starts_with(['-', '.'])
        && !name.ends_with(['-', '.'])
}

struct Ctx {
    config: Config,
    cluster: Cluster,
    resolver: Arc<dyn EnvResolver>,
    log: Arc<dyn Log>,
    state: Arc<State>,
    fetcher: git::Fetcher,
}

/// Runs the agent until SIGTERM or SIGINT.
pub async fn run(
    config: Config,
    cluster: Cluster,
    resolver: Arc<dyn EnvResolver>,
    log: Arc<dyn Log>,
    mut signals: Signals,
) -> Result<(), String> {
    let fetcher = git::Fetcher::new(config.source.clone())?;
    let state = Arc::new(State::default());
    let wake = Arc::new(Notify::new());
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("--listen {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("--listen {}: {e}", config.listen))?;
    let server = tokio::spawn(http::serve(
        listener,
        Arc::new(http::Http {
            state: state.clone(),
            wake: wake.clone(),
            branch: config.source.branch.clone(),
            webhook_secret: config.webhook_secret.clone(),
            refresh_token: config.refresh_token.clone(),
            log: log.clone(),
        }),
    ));
    log.log(&format!(
        "agent {} listening on http://{addr}; following {} branch {} every {}s",
        config.identity,
        fetcher.display_url(),
        config.source.branch,
        config.interval.as_secs()
    ));
    let elector = config.lease_namespace.as_ref().map(|ns| {
        Arc::new(tokio::sync::Mutex::new(lease::Elector::new(
            cluster.client(),
            ns,
            config.identity.clone(),
        )))
    });
    let campaign = match &elector {
        None => {
            state.set_leader(true);
            None
        }
        Some(e) => Some(tokio::spawn(campaign(
            e.clone(),
            state.clone(),
            wake.clone(),
            log.clone(),
        ))),
    };
    let ctx = Ctx {
        config,
        cluster,
        resolver,
        log: log.clone(),
        state: state.clone(),
        fetcher,
    };
    loop {
        {
            let work = cycle(&ctx);
            tokio::pin!(work);
            let leading = state.is_leader();
            let stopped = tokio::select! {
                _ = &mut work => false,
                _ = signals.recv() => true,
                _ = lost(&state), if leading => {
                    log.log("lost the lease: cancelled the reconcile in progress");
                    false
                }
            };
            if stopped {
                if tokio::time::timeout(STOP_GRACE, &mut work).await.is_err() {
                    log.log("stopping: cancelled the reconcile in progress (its inventory is written first; the next run finishes it)");
                }
                break;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(ctx.config.interval) => {}
            _ = wake.notified() => {}
            _ = signals.recv() => break,
        }
    }
    if let Some(c) = campaign {
        c.abort();
        let _ = c.await;
    }
    state.set_leader(false);
    if let Some(e) = elector {
        let release = async { e.lock().await.release().await };
        match tokio::time::timeout(STOP_GRACE, release).await {
            Ok(Ok(())) => log.log("released the lease"),
            Ok(Err(e)) => log.log(&format!("releasing the lease: {e}")),
            Err(_) => log.log("releasing the lease: no answer from the API server"),
        }
    }
    server.abort();
    log.log("stopped");
    Ok(())
}

/// Resolves when this agent stops leading (checked every 200 ms).
async fn lost(state: &State) {
    while state.is_leader() {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Keeps trying to lead; wakes the loop when leadership is gained.
async fn campaign(
    elector: Arc<tokio::sync::Mutex<lease::Elector>>,
    state: Arc<State>,
    wake: Arc<Notify>,
    log: Arc<dyn Log>,
) {
    let mut was = false;
    loop {
        let started = Instant::now();
        let attempt = tokio::time::timeout(lease::RENEW_DEADLINE, async {
            elector.lock().await.try_lead().await
        })
        .await;
        match attempt {
            Ok(Ok(true)) => state.lead_until(started + lease::RENEW_DEADLINE),
            Ok(Ok(false)) => state.set_leader(false),
            // Leadership runs out by itself at the end of the term.
            Ok(Err(e)) => log.log(&format!("leader election: {e}")),
            Err(_) => log.log("leader election: no answer from the API server"),
        }
        let leading = state.is_leader();
        if leading && !was {
            log.log("acquired the lease: reconciling");
            wake.notify_one();
        } else if was && !leading {
            log.log("lost the lease: standing by");
        }
        was = leading;
        let wait = started + lease::RENEW;
        tokio::time::sleep_until(wait.into()).await;
    }
}

/// One fetch and, while leading, a reconcile of every selected env. A standby fetches
/// too: it is ready (for probes and rollouts) and has a warm checkout to take over with.
async fn cycle(ctx: &Ctx) {
    let revision = match ctx.fetcher.fetch().await {
        Ok(rev) => {
            if ctx.state.revision().as_deref() != Some(rev.as_str()) {
                ctx.log.log(&format!("fetched revision {rev}"));
            }
            ctx.state.fetched(&rev);
            rev
        }
        Err(e) => {
            ctx.state.fetch_failed(&e);
            ctx.log.log(&format!("fetch failed: {e}"));
            // Drift is still healed from the last good checkout.
            match ctx.state.revision() {
                Some(r) => r,
                None => return,
            }
        }
    };
    if !ctx.state.is_leader() {
        return;
    }
    let root = match ctx.fetcher.root() {
        Ok(r) => r,
        Err(e) => {
            ctx.log.log(&format!("revision {revision}: {e}"));
            return;
        }
    };
    let envs = match select(ctx, &root) {
        Ok(envs) => envs,
        Err(e) => {
            // Every env it would have applied failed to render: reported, nothing applied.
            let default_ns = ctx
                .config
                .namespace
                .clone()
                .unwrap_or_else(|| ctx.cluster.default_namespace.clone());
            let envs: Vec<(String, String)> = match &ctx.config.selection {
                Selection::Named(names) => names
                    .iter()
                    .map(|n| {
                        let ns = ctx
                            .state
                            .env(n)
                            .map(|s| s.namespace)
                            .filter(|ns| !ns.is_empty())
                            .unwrap_or_else(|| default_ns.clone());
                        (n.clone(), ns)
                    })
                    .collect(),
                Selection::Bound => ctx.state.known_envs(),
            };
            if envs.is_empty() {
                ctx.log
                    .log(&format!("revision {revision}: {e}; nothing applied"));
            }
            for (env, ns) in envs.into_iter().filter(|(_, ns)| !ns.is_empty()) {
                let done = Done {
                    outcome: Outcome::RenderFailed,
                    message: format!("{e}; nothing applied or pruned"),
                    report: None,
                    set: Some(ApplySet::for_env(&env, &ns)),
                };
                report(ctx, &env, &revision, done, 0.0).await;
            }
            return;
        }
    };
    let limit = ctx.config.concurrency_envs.max(1);
    stream::iter(envs)
        .map(|(env, binding)| {
            let root = root.clone();
            let revision = revision.clone();
            async move { reconcile(ctx, &root, &env, binding, &revision).await }
        })
        .buffer_unordered(limit)
        .collect::<Vec<()>>()
        .await;
}

/// The envs to reconcile, with their bindings.
fn select(ctx: &Ctx, root: &Path) -> Result<Vec<(String, Option<Binding>)>, String> {
    let mut bindings = binding::load_all(root).map_err(|e| strip_root(&e, root))?;
    match &ctx.config.selection {
        Selection::Named(names) => Ok(names
            .iter()
            .map(|n| (n.clone(), bindings.remove(n)))
            .collect()),
        Selection::Bound => {
            let name = ctx.config.cluster_name.as_deref().unwrap_or_default();
            let mut out = Vec::new();
            for (env, b) in bindings {
                if b.cluster.as_deref() != Some(name) {
                    continue;
                }
                if !valid_env_name(&env) {
                    ctx.log.log(&format!(
                        "{}: env '{env}' is not a valid env name; skipped",
                        binding::BINDING_FILE
                    ));
                    continue;
                }
                out.push((env, Some(b)));
            }
            Ok(out)
        }
    }
}

/// Messages name files relative to the repository, not the private checkout.
fn strip_root(message: &str, root: &Path) -> String {
    let prefix = format!("{}/", root.display());
    message.replace(&prefix, "")
}

/// The result of one env before it is reported.
struct Done {
    outcome: Outcome,
    message: String,
    report: Option<SyncReport>,
    set: Option<ApplySet>,
}

async fn reconcile(ctx: &Ctx, root: &Path, env: &str, binding: Option<Binding>, revision: &str) {
    if !ctx.state.is_leader() {
        return;
    }
    let start = Instant::now();
    let done = attempt(ctx, root, env, binding.as_ref(), revision).await;
    let seconds = start.elapsed().as_secs_f64();
    report(ctx, env, revision, done, seconds).await;
}

async fn attempt(
    ctx: &Ctx,
    root: &Path,
    env: &str,
    binding: Option<&Binding>,
    revision: &str,
) -> Done {
    let fail = |outcome, message: String, set: Option<ApplySet>| Done {
        outcome,
        message,
        report: None,
        set,
    };
    // Never apply an env meant for another cluster.
    if let Some(b) = binding {
        if let Some(bound) = &b.cluster {
            if ctx.config.cluster_name.as_deref() != Some(bound.as_str()) {
                return fail(
                    Outcome::Refused,
                    format!(
                        "env '{env}' is bound to cluster '{bound}' ({}), and this agent's --cluster-name is {}; not applied",
                        binding::BINDING_FILE,
                        ctx.config.cluster_name.as_deref().map_or("not set".to_string(), |n| format!("'{n}'"))
                    ),
                    None,
                );
            }
        } else if let Err(e) = binding::check(env, b, &ctx.cluster.context, &ctx.cluster.server) {
            return fail(Outcome::Refused, format!("{e}; not applied"), None);
        }
    }
    let namespace = binding
        .and_then(|b| b.namespace.clone())
        .or_else(|| ctx.config.namespace.clone())
        .unwrap_or_else(|| ctx.cluster.default_namespace.clone());
    let set = ApplySet::for_env(env, &namespace);
    let dir = root.join("envs").join(env);
    if !dir.is_dir() {
        return fail(
            Outcome::RenderFailed,
            format!("env '{env}' has no directory envs/{env} at revision {revision}; nothing applied or pruned"),
            Some(set),
        );
    }
    let (options, ignore) = match ctx.resolver.resolve(root, env, binding) {
        Ok(r) => r,
        Err(e) => return fail(Outcome::RenderFailed, strip_root(&e, root), Some(set)),
    };
    let render_dir = dir.clone();
    let built =
        tokio::task::spawn_blocking(move || crate::render::build(&render_dir, &options)).await;
    let desired = match built {
        Ok(Ok(out)) => out.resources.into_iter().map(|r| r.obj).collect(),
        Ok(Err(e)) => {
            return fail(
                Outcome::RenderFailed,
                crate::cli::one_line(&strip_root(&e.to_string(), root)),
                Some(set),
            )
        }
        Err(e) => return fail(Outcome::RenderFailed, format!("render: {e}"), Some(set)),
    };
    let mut cluster = ctx.cluster.clone();
    cluster.default_namespace = namespace;
    let path = match &ctx.config.source.path {
        Some(p) => format!("{}/envs/{env}", p.trim_end_matches('/')),
        None => format!("envs/{env}"),
    };
    let options = SyncOptions {
        env: env.to_string(),
        applyset: set.clone(),
        source: Source {
            repo: ctx.config.source_repo.clone(),
            path,
        },
        adopt: false,
        prune: true,
        allow_empty: false,
        prune_cascading: false,
        dry_run: false,
        wait: false,
        timeout: Duration::from_secs(300),
        respect_managers: false,
        keep_foreign: false,
        force_replace: false,
        concurrency: ctx.config.concurrency.max(1),
        ignore,
        revision: Some(revision.to_string()),
        context: Some(cluster.context.clone()),
    };
    if !ctx.state.is_leader() {
        return fail(
            Outcome::ApplyFailed,
            "lost the lease before applying".into(),
            Some(set),
        );
    }
    match crate::sync::sync(&cluster, desired, &options, &crate::sync::Quiet).await {
        Ok(report) => Done {
            outcome: Outcome::Synced,
            message: format!("synced revision {revision}"),
            report: Some(report),
            set: Some(set),
        },
        Err(e) => fail(
            Outcome::ApplyFailed,
            crate::cli::one_line(&e.to_string()),
            Some(set),
        ),
    }
}

fn counts(report: &SyncReport) -> Counts {
    Counts {
        created: report.count(Action::Created),
        updated: report.count(Action::Updated),
        replaced: report.count(Action::Replaced),
        unchanged: report.count(Action::Unchanged),
        pruned: report.count(Action::Pruned),
    }
}

fn short(revision: &str) -> &str {
    revision.get(..12).unwrap_or(revision)
}

/// Metrics, status, events, annotation and log line of one env's reconcile.
async fn report(ctx: &Ctx, env: &str, revision: &str, done: Done, seconds: f64) {
    let previous = ctx.state.env(env);
    let repeated = previous
        .as_ref()
        .is_some_and(|p| p.result == done.outcome && p.message == done.message);
    let client = ctx.cluster.client();
    let instance = &ctx.config.identity;
    let rev = short(revision);
    let mut drift = 0u64;
    let mut events: Vec<(&str, String, bool)> = Vec::new();
    match (&done.outcome, &done.report) {
        (Outcome::Synced, Some(r)) => {
            let c = counts(r);
            let same_revision = previous
                .as_ref()
                .and_then(|p| p.last_applied_revision.as_deref())
                == Some(revision);
            let changed: Vec<String> = r
                .objects
                .iter()
                .filter(|o| {
                    matches!(
                        o.action,
                        Action::Created | Action::Updated | Action::Replaced
                    )
                })
                .map(|o| {
                    if o.healed.is_empty() {
                        format!("{} {}", o.action.label(), o.object)
                    } else {
                        format!("{} {} ({})", o.action.label(), o.object, o.healed.join(" "))
                    }
                })
                .collect();
            let pruned: Vec<String> = r
                .objects
                .iter()
                .filter(|o| o.action == Action::Pruned)
                .map(|o| o.object.to_string())
                .collect();
            if same_revision && !changed.is_empty() {
                drift = changed.len() as u64;
                events.push((
                    "DriftCorrected",
                    format!("revision {rev}: corrected drift: {}", changed.join(", ")),
                    false,
                ));
            } else if !same_revision || !repeated {
                events.push((
                    "Synced",
                    format!(
                        "revision {rev}: {} created, {} updated, {} replaced, {} pruned, {} unchanged",
                        c.created, c.updated, c.replaced, c.pruned, c.unchanged
                    ),
                    false,
                ));
            }
            if !pruned.is_empty() {
                events.push((
                    "Pruned",
                    format!("revision {rev}: pruned {}", pruned.join(", ")),
                    false,
                ));
            }
            for (reason, message, _) in &events {
                ctx.log.log(&format!("env {env}: {reason}: {message}"));
            }
            ctx.state.record(
                env,
                revision,
                Outcome::Synced,
                &done.message,
                Some(c),
                drift,
                seconds,
            );
        }
        (outcome, _) => {
            if !repeated {
                ctx.log
                    .log(&format!("env {env}: {}: {}", outcome.label(), done.message));
                if *outcome != Outcome::Refused {
                    events.push((
                        outcome.label(),
                        format!("revision {rev}: {}", done.message),
                        true,
                    ));
                }
            }
            ctx.state
                .record(env, revision, *outcome, &done.message, None, 0, seconds);
        }
    }
    let Some(set) = &done.set else {
        return;
    };
    ctx.state.note_namespace(env, &set.namespace);
    for (reason, message, warning) in events {
        if let Err(e) = events::event(&client, set, reason, &message, warning, instance).await {
            ctx.log.log(&format!("env {env}: {e}"));
        }
    }
    if !repeated {
        if let Err(e) = events::annotate(&client, set, done.outcome.label(), &done.message).await {
            ctx.log.log(&format!("env {env}: {e}"));
        }
    }
}

/// The default identity: the pod's name (`POD_NAME`, `HOSTNAME`) and the process id.
pub fn default_identity() -> String {
    let host = std::env::var("POD_NAME")
        .or_else(|_| std::env::var("HOSTNAME"))
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "agent".to_string());
    format!("{host}-{}", std::process::id())
}
