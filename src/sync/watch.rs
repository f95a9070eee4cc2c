//! `sync --watch`: keep the cluster converged. Every interval: re-render (so a changed
//! file or a new checked-out revision is picked up), sync without waiting, and log what
//! was done with a timestamp; errors back off exponentially (up to five minutes) and
//! never stop the loop. Conflicting edits by other managers are overridden (that is what
//! self-heal means) unless `--respect-managers`. SIGINT or SIGTERM ends it promptly,
//! also in the middle of an iteration: a sync in progress gets a few seconds to finish,
//! then is dropped (safe: its inventory is written before its members, and the next
//! run finishes it).

use super::{now_rfc3339, sync, Action, Progress, SyncOptions};
use crate::cluster::Cluster;
use serde_json::Value;
use std::time::Duration;

/// How long a sync in progress may still run after SIGINT/SIGTERM.
const STOP_GRACE: Duration = Duration::from_secs(5);

/// Where the loop writes its log lines.
pub trait Log: Send + Sync {
    fn log(&self, line: &str);
}

/// SIGINT and SIGTERM, caught from the moment this is installed (install it before
/// anything slow, such as rendering or connecting, so no signal is lost), kept until the
/// loop looks at them.
pub struct Stop {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Stop {
    /// Must be called inside a tokio runtime.
    pub fn install() -> Result<Stop, std::io::Error> {
        use tokio::signal::unix::{signal, SignalKind};
        Ok(Stop {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }
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
    stop: Stop,
) -> Result<(), std::io::Error> {
    let Stop {
        mut interrupt,
        mut terminate,
    } = stop;
    let mut failures: u32 = 0;
    loop {
        let iteration = once(cluster, render, options, log, progress);
        tokio::pin!(iteration);
        let outcome = tokio::select! {
            r = &mut iteration => Some(r),
            _ = interrupt.recv() => None,
            _ = terminate.recv() => None,
        };
        let Some(outcome) = outcome else {
            // A sync in progress gets a short grace to finish (and log what it did);
            // past that it is dropped, which is safe: the next run completes it.
            if tokio::time::timeout(STOP_GRACE, &mut iteration)
                .await
                .is_err()
            {
                log.log(&format!("{} interrupted a sync in progress", now_rfc3339()));
            }
            break;
        };
        let delay = match outcome {
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
            _ = interrupt.recv() => break,
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
