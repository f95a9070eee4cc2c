//! What the agent knows about itself, shared by the reconcile loop and the HTTP
//! listener: readiness, leadership, the last fetched revision, and per env the last
//! result; rendered as Prometheus text exposition (`/metrics`) and as JSON (`/status`).
//! Written by hand: a handful of counters, gauges and one histogram need no client crate.

use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Upper bounds (seconds) of the reconcile duration histogram.
const BUCKETS: [f64; 11] = [0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0];

/// How one env's reconcile ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum Outcome {
    /// Applied (and pruned); the cluster matches the revision.
    Synced,
    /// The env could not be rendered; nothing was applied or pruned.
    RenderFailed,
    /// Applying (or a check before it) failed.
    ApplyFailed,
    /// Not applied on purpose: the env is bound to another cluster or context.
    Refused,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Synced => "Synced",
            Outcome::RenderFailed => "RenderFailed",
            Outcome::ApplyFailed => "ApplyFailed",
            Outcome::Refused => "Refused",
        }
    }
}

/// Object counts of one sync, by action.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub created: usize,
    pub updated: usize,
    pub replaced: usize,
    pub unchanged: usize,
    pub pruned: usize,
}

impl Counts {
    fn by_action(&self) -> [(&'static str, usize); 5] {
        [
            ("created", self.created),
            ("updated", self.updated),
            ("replaced", self.replaced),
            ("unchanged", self.unchanged),
            ("pruned", self.pruned),
        ]
    }
}

/// The last reconcile of one env.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EnvStatus {
    /// The revision of the last reconcile attempt.
    pub revision: String,
    pub result: Outcome,
    pub message: String,
    pub time: String,
    pub counts: Counts,
    /// Objects corrected because they drifted from an unchanged revision, in total.
    pub drift_corrected: u64,
    /// The revision last applied successfully, and when.
    pub last_applied_revision: Option<String>,
    pub last_applied_time: Option<String>,
    #[serde(skip)]
    pub last_applied_unix: Option<f64>,
    /// The namespace of the env's inventory parent (empty when never known).
    pub namespace: String,
}

#[derive(Default)]
struct Inner {
    reconciles: BTreeMap<(String, &'static str), u64>,
    bucket_counts: [u64; BUCKETS.len()],
    duration_sum: f64,
    duration_count: u64,
    drift: BTreeMap<String, u64>,
    fetches: u64,
    fetch_errors: u64,
    last_fetch_error: Option<String>,
    revision: Option<String>,
    envs: BTreeMap<String, EnvStatus>,
}

/// Shared agent state.
#[derive(Default)]
pub struct State {
    inner: Mutex<Inner>,
    ready: AtomicBool,
    leader: AtomicBool,
    /// When leadership ends unless renewed (`None`: no end).
    term: Mutex<Option<Instant>>,
}

impl State {
    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::SeqCst)
    }

    /// Whether this agent may apply: it leads, and its lease term has not run out.
    pub fn is_leader(&self) -> bool {
        self.leader.load(Ordering::SeqCst)
            && self
                .term
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_none_or(|end| Instant::now() < end)
    }

    /// Leads for good (`true`, no leader election) or not at all (`false`).
    pub fn set_leader(&self, leading: bool) {
        *self.term.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.leader.store(leading, Ordering::SeqCst);
    }

    /// Leads until `end` unless renewed: leadership runs out by itself when renewals
    /// stop succeeding, however long an API request hangs.
    pub fn lead_until(&self, end: Instant) {
        *self.term.lock().unwrap_or_else(|p| p.into_inner()) = Some(end);
        self.leader.store(true, Ordering::SeqCst);
    }

    /// A fetch succeeded: the agent is ready from now on.
    pub fn fetched(&self, revision: &str) {
        let mut i = self.lock();
        i.fetches += 1;
        i.last_fetch_error = None;
        i.revision = Some(revision.to_string());
        self.ready.store(true, Ordering::SeqCst);
    }

    /// The last revision fetched successfully.
    pub fn revision(&self) -> Option<String> {
        self.lock().revision.clone()
    }

    pub fn fetch_failed(&self, message: &str) {
        let mut i = self.lock();
        i.fetches += 1;
        i.fetch_errors += 1;
        i.last_fetch_error = Some(message.to_string());
    }

    /// The last status of `env`, if it was reconciled before.
    pub fn env(&self, env: &str) -> Option<EnvStatus> {
        self.lock().envs.get(env).cloned()
    }

    /// Records one reconcile; `drift` is the number of objects corrected.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        env: &str,
        revision: &str,
        result: Outcome,
        message: &str,
        counts: Option<Counts>,
        drift: u64,
        seconds: f64,
    ) {
        let mut i = self.lock();
        *i.reconciles
            .entry((env.to_string(), result.label()))
            .or_default() += 1;
        for (n, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                i.bucket_counts[n] += 1;
            }
        }
        i.duration_sum += seconds;
        i.duration_count += 1;
        *i.drift.entry(env.to_string()).or_default() += drift;
        let now = crate::sync::now_rfc3339();
        let previous = i.envs.get(env).cloned();
        let mut status = EnvStatus {
            revision: revision.to_string(),
            result,
            message: message.to_string(),
            time: now.clone(),
            counts: counts
                .clone()
                .or_else(|| previous.as_ref().map(|p| p.counts.clone()))
                .unwrap_or_default(),
            drift_corrected: previous.as_ref().map_or(0, |p| p.drift_corrected) + drift,
            last_applied_revision: previous
                .as_ref()
                .and_then(|p| p.last_applied_revision.clone()),
            last_applied_time: previous.as_ref().and_then(|p| p.last_applied_time.clone()),
            last_applied_unix: previous.as_ref().and_then(|p| p.last_applied_unix),
            namespace: previous
                .as_ref()
                .map(|p| p.namespace.clone())
                .unwrap_or_default(),
        };
        if result == Outcome::Synced {
            status.last_applied_revision = Some(revision.to_string());
            status.last_applied_time = Some(now);
            status.last_applied_unix = Some(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0),
            );
        }
        i.envs.insert(env.to_string(), status);
    }

    /// Remembers where `env`'s inventory parent lives.
    pub fn note_namespace(&self, env: &str, namespace: &str) {
        if let Some(s) = self.lock().envs.get_mut(env) {
            s.namespace = namespace.to_string();
        }
    }

    /// Every env reconciled before, with its namespace.
    pub fn known_envs(&self) -> Vec<(String, String)> {
        self.lock()
            .envs
            .iter()
            .map(|(e, s)| (e.clone(), s.namespace.clone()))
            .collect()
    }

    /// `/status`: the agent and every env it reconciled.
    pub fn status_json(&self) -> Value {
        let i = self.lock();
        json!({
            "ready": self.is_ready(),
            "leader": self.is_leader(),
            "revision": i.revision,
            "fetchErrors": i.fetch_errors,
            "lastFetchError": i.last_fetch_error,
            "envs": i.envs,
        })
    }

    /// `/metrics` in the Prometheus text format (version 0.0.4).
    pub fn metrics_text(&self) -> String {
        let i = self.lock();
        let mut o = String::new();
        let family = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        family(
            &mut o,
            "gitops_agent_reconciles_total",
            "counter",
            "Env reconciles by env and result.",
        );
        for ((env, result), n) in &i.reconciles {
            let _ = writeln!(
                o,
                "gitops_agent_reconciles_total{{env=\"{}\",result=\"{result}\"}} {n}",
                escape(env)
            );
        }
        family(
            &mut o,
            "gitops_agent_reconcile_duration_seconds",
            "histogram",
            "Time to render and sync one env.",
        );
        for (n, bound) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                o,
                "gitops_agent_reconcile_duration_seconds_bucket{{le=\"{bound}\"}} {}",
                i.bucket_counts[n]
            );
        }
        let _ = writeln!(
            o,
            "gitops_agent_reconcile_duration_seconds_bucket{{le=\"+Inf\"}} {c}\ngitops_agent_reconcile_duration_seconds_sum {}\ngitops_agent_reconcile_duration_seconds_count {c}",
            i.duration_sum,
            c = i.duration_count
        );
        family(
            &mut o,
            "gitops_agent_objects",
            "gauge",
            "Objects of the last successful sync of each env, by action.",
        );
        for (env, s) in &i.envs {
            for (action, n) in s.counts.by_action() {
                let _ = writeln!(
                    o,
                    "gitops_agent_objects{{env=\"{}\",action=\"{action}\"}} {n}",
                    escape(env)
                );
            }
        }
        family(
            &mut o,
            "gitops_agent_drift_corrected_total",
            "counter",
            "Objects corrected because they drifted from Git, by env.",
        );
        for (env, n) in &i.drift {
            let _ = writeln!(
                o,
                "gitops_agent_drift_corrected_total{{env=\"{}\"}} {n}",
                escape(env)
            );
        }
        family(
            &mut o,
            "gitops_agent_last_applied_timestamp_seconds",
            "gauge",
            "When each env was last applied successfully (Unix time).",
        );
        for (env, s) in &i.envs {
            if let Some(t) = s.last_applied_unix {
                let _ = writeln!(
                    o,
                    "gitops_agent_last_applied_timestamp_seconds{{env=\"{}\"}} {t}",
                    escape(env)
                );
            }
        }
        family(
            &mut o,
            "gitops_agent_last_applied_revision_info",
            "gauge",
            "The revision each env was last applied from (value 1).",
        );
        for (env, s) in &i.envs {
            if let Some(r) = &s.last_applied_revision {
                let _ = writeln!(
                    o,
                    "gitops_agent_last_applied_revision_info{{env=\"{}\",revision=\"{}\"}} 1",
                    escape(env),
                    escape(r)
                );
            }
        }
        family(
            &mut o,
            "gitops_agent_fetches_total",
            "counter",
            "Fetches of the repository.",
        );
        let _ = writeln!(o, "gitops_agent_fetches_total {}", i.fetches);
        family(
            &mut o,
            "gitops_agent_fetch_errors_total",
            "counter",
            "Fetches of the repository that failed.",
        );
        let _ = writeln!(o, "gitops_agent_fetch_errors_total {}", i.fetch_errors);
        family(
            &mut o,
            "gitops_agent_leader",
            "gauge",
            "1 while this agent holds the lease (or runs without leader election).",
        );
        let _ = writeln!(o, "gitops_agent_leader {}", u8::from(self.is_leader()));
        family(
            &mut o,
            "gitops_agent_ready",
            "gauge",
            "1 once the repository was fetched.",
        );
        let _ = writeln!(o, "gitops_agent_ready {}", u8::from(self.is_ready()));
        o
    }
}

/// A label value escaped as the text format requires.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leadership_runs_out_unless_renewed() {
        let s = State::default();
        assert!(!s.is_leader());
        s.lead_until(Instant::now() + std::time::Duration::from_millis(50));
        assert!(s.is_leader());
        std::thread::sleep(std::time::Duration::from_millis(80));
        assert!(!s.is_leader());
        s.set_leader(true);
        assert!(s.is_leader());
    }

    #[test]
    fn metrics_count_results_and_escape_labels() {
        let s = State::default();
        s.record(
            "dev",
            "abc",
            Outcome::Synced,
            "ok",
            Some(Counts::default()),
            2,
            0.3,
        );
        s.record("a\"b", "abc", Outcome::RenderFailed, "bad", None, 0, 0.01);
        let m = s.metrics_text();
        assert!(m.contains("gitops_agent_reconciles_total{env=\"dev\",result=\"Synced\"} 1"));
        assert!(m.contains("env=\"a\\\"b\",result=\"RenderFailed\"} 1"));
        assert!(m.contains("gitops_agent_drift_corrected_total{env=\"dev\"} 2"));
        assert!(m.contains("gitops_agent_reconcile_duration_seconds_bucket{le=\"0.5\"} 2"));
        assert!(m.contains("gitops_agent_reconcile_duration_seconds_count 2"));
        assert!(m.contains("revision_info{env=\"dev\",revision=\"abc\"} 1"));
    }
}
