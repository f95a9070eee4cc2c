//! `kubectl gitops sync`: apply an env, prune, wait; or keep it converged (`--watch`).

use super::args::{DiffOutput, SyncArgs};
use super::env::{runtime, Env};
use super::progress::StderrProgress;
use super::CliError;
use crate::cluster::applyset::ApplySet;
use crate::sync::{self, watch, Action, SyncOptions, SyncReport};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

struct StderrLog;
impl watch::Log for StderrLog {
    fn log(&self, line: &str) {
        eprintln!("{line}");
    }
}

pub fn run(args: SyncArgs, root_flag: Option<&Path>) -> Result<ExitCode, CliError> {
    let rt = runtime()?;
    // --watch stops on the first SIGINT/SIGTERM, also one that arrives while it starts.
    let stop = if args.watch {
        let _guard = rt.enter();
        Some(watch::Stop::install()?)
    } else {
        None
    };
    let env = Env::resolve(
        args.target.as_deref(),
        root_flag,
        &args.compare.ignore,
        &args.build,
    )?;
    let desired = env.render()?;
    let revision = env.revision();
    let progress = StderrProgress::new();
    let result = rt.block_on(async {
        let cluster = env.connect(&args.cluster).await?;
        let options = SyncOptions {
            env: env.name.clone(),
            applyset: ApplySet::for_env(&env.name, &cluster.default_namespace),
            source: env.source(),
            adopt: args.adopt,
            prune: args.prune,
            allow_empty: args.allow_empty,
            prune_cascading: args.prune_cascading,
            dry_run: args.dry_run,
            wait: !args.no_wait,
            timeout: args.timeout,
            respect_managers: args.respect_managers,
            keep_foreign: args.keep_foreign,
            force_replace: args.force_replace,
            concurrency: args.compare.concurrency,
            ignore: env.ignore.clone(),
            revision: revision.clone(),
            context: Some(cluster.context.clone()),
        };
        if let Some(stop) = stop {
            let render = || -> Result<(Vec<serde_json::Value>, Option<String>), String> {
                let built = crate::render::build(&env.dir, &env.build.options(None))
                    .map_err(|e| e.to_string())?;
                Ok((
                    built.resources.into_iter().map(|r| r.obj).collect(),
                    env.revision(),
                ))
            };
            eprintln!(
                "{} watching env {} on {} every {}s (Ctrl-C to stop)",
                sync::now_rfc3339(),
                env.name,
                cluster.server,
                args.interval.as_secs()
            );
            watch::watch(
                &cluster,
                &render,
                &options,
                args.interval,
                &StderrLog,
                &sync::Quiet,
                stop,
            )
            .await?;
            return Ok::<_, CliError>(None);
        }
        Ok(Some(
            sync::sync(&cluster, desired, &options, &progress).await?,
        ))
    });
    progress.finish();
    let Some(report) = result? else {
        return Ok(ExitCode::SUCCESS);
    };
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    match args.output {
        DiffOutput::Json => {
            let mut s = serde_json::to_string_pretty(&report.to_json()).unwrap_or_default();
            s.push('\n');
            o.write_all(s.as_bytes())?;
        }
        DiffOutput::Text => o.write_all(text(&report, &env.name, !args.no_wait).as_bytes())?,
    }
    o.flush()?;
    Ok(if report.healthy || report.dry_run {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn text(report: &SyncReport, env: &str, waited: bool) -> String {
    let mut out = String::new();
    let verb = if report.dry_run { "would be " } else { "" };
    for o in report
        .objects
        .iter()
        .filter(|o| o.action != Action::Unchanged)
    {
        let healed = if o.healed.is_empty() || o.action != Action::Updated {
            String::new()
        } else {
            format!("  (drift fixed: {})", o.healed.join(" "))
        };
        let why = if o.action == Action::LeftOver && !o.reason.is_empty() {
            format!("  ({})", o.reason)
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "{verb}{:<9} {}{healed}{why}",
            o.action.label(),
            o.object
        );
        for f in &o.foreign {
            let _ = writeln!(
                out,
                "          {} {} (added by manager {:?})",
                if report.dry_run {
                    "would remove"
                } else {
                    "removed"
                },
                f.pointer,
                f.manager
            );
        }
        for t in &o.taken_over {
            let _ = writeln!(
                out,
                "          took {} back from manager {:?}",
                t.field, t.manager
            );
        }
    }
    for o in report.objects.iter().filter(|o| {
        !matches!(o.health, crate::sync::health::Health::Healthy) && o.action != Action::Pruned
    }) {
        let _ = writeln!(out, "{:<9} {}: {}", o.health.label(), o.object, o.reason);
    }
    let summary = format!(
        "{} created, {} updated, {} replaced, {} pruned, {} unchanged, {} left over",
        report.count(Action::Created),
        report.count(Action::Updated),
        report.count(Action::Replaced),
        report.count(Action::Pruned),
        report.count(Action::Unchanged),
        report.count(Action::LeftOver),
    );
    let state = if report.dry_run {
        "dry run: nothing was changed".to_string()
    } else if !report.changed() {
        "already in sync: nothing to do".to_string()
    } else {
        "synced".to_string()
    };
    let health = if report.dry_run {
        String::new()
    } else if !waited {
        ", health not awaited".to_string()
    } else if report.healthy {
        ", healthy".to_string()
    } else {
        ", NOT healthy".to_string()
    };
    let _ = writeln!(out, "env {env}: {state}{health} ({summary})");
    if report.count(Action::LeftOver) > 0 {
        let _ = writeln!(
            out,
            "left-over objects are kept; sync with --prune to delete them"
        );
    }
    out
}
