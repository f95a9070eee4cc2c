//! `sync --watch`: keep the cluster converged. Every interval: re-render (so a changed
//! file or a new checked-out revision is picked up), sync without waiting, and log what
//! was done with a timestamp; errors back off exponentially (up to five minutes) and
//! never stop the loop. Conflicting edits by other managers are overridden (that is what
//! self-heal means). SIGINT or SIGTERM ends it cleanly between iterations.

use super::{now_rfc3339, sync, Action, Progress, SyncOptions};
use crate::cluster::Cluster;
use serde_json::Value;
use std::time::Duration;

/// Where the loop writes its log lines.
pub trait Log: Send + Sync {
    fn log(&self, line: &str);
}

/// Runs until a signal arrives. `render` produces the desired objects and the Git
/// revision they come from.
pub async fn watch(
    cluster: &Cluster,
    render: &(dyn Fn() -> Result<(Vec<Value>, Option<String>), String> + Sync),
    options: &SyncOptions,
    interval: Duration,
    log: &dyn Log,
    progress: &dyn Progress,
) -> Result<(), std::io::Error> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    let mut failures: u32 = 0;
    loop {
        let delay = match once(cluster, render, options, log, progress).await {
            Ok(()) => {
                failures = 0;
                interval
            }
            Err(e) => {
                failures += 1;
                let backoff = interval
                    .saturating_mul(2u32.saturating_pow(failures.min(10)))
                    .min(Duration::from_secs(300));
                log.log(&format!(
                    "{} error: {e} (retrying in {}s)",
                    now_rfc3339(),
                    backoff.as_secs()
                ));
                backoff
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = tokio::signal::ctrl_c() => break,
            _ = terminate.recv() => break,
        }
    }
    log.log(&format!("{} stopped", now_rfc3339()));
    Ok(())
}

async fn once(
    cluster: &Cluster,
    render: &(dyn Fn() -> Result<(Vec<Value>, Option<String>), String> + Sync),
    options: &SyncOptions,
    log: &dyn Log,
    progress: &dyn Progress,
) -> Result<(), String> {
    let (desired, revision) = render()?;
    let mut opts = options.clone();
    opts.wait = false;
    // Self-heal is the point of watching: take back fields another manager changed.
    opts.force_conflicts = true;
    opts.revision = revision.or(opts.revision);
    let report = sync(cluster, desired, &opts, progress)
        .await
        .map_err(|e| e.to_string())?;
    for o in report
        .objects
        .iter()
        .filter(|o| !matches!(o.action, Action::Unchanged))
    {
        let healed = if o.healed.is_empty() || o.action != Action::Updated {
            String::new()
        } else {
            format!(" (healed {})", o.healed.join(" "))
        };
        log.log(&format!(
            "{} {} {}{healed}",
            now_rfc3339(),
            o.action.label(),
            o.object
        ));
    }
    Ok(())
}
