//! `kubectl gitops status`: per object sync state (Synced/OutOfSync) and health, the
//! overall verdict, and the revision last synced (from the inventory parent).

use super::args::{DiffOutput, StatusArgs};
use super::env::{runtime, Env};
use super::CliError;
use crate::cluster::applyset::ApplySet;
use crate::diff::{self, DriftClass};
use crate::sync::{self, health};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: StatusArgs, root_flag: Option<&Path>) -> Result<ExitCode, CliError> {
    let env = Env::resolve(
        args.target.as_deref(),
        root_flag,
        &args.compare.ignore,
        &args.build,
    )?;
    let desired = env.render()?;
    let (rows, parent, server) = runtime()?.block_on(async {
        let cluster = env.connect(&args.cluster).await?;
        let set = ApplySet::for_env(&env.name, &cluster.default_namespace);
        let options = diff::DiffOptions {
            concurrency: args.compare.concurrency,
            ignore: env.ignore.clone(),
            applyset: Some(set.clone()),
            source: env.source(),
            prune_cascading: false,
        };
        let mut report = diff::compute(&cluster, desired, &options).await?;
        let parent = report.parent.take();
        // Health of every object: one LIST per kind and namespace, not a GET each.
        let mut objects = Vec::with_capacity(report.objects.len());
        let mut resolved = Vec::with_capacity(report.objects.len());
        for d in &report.objects {
            let r = &d.object;
            let api_version = if r.group.is_empty() {
                r.version.clone()
            } else {
                format!("{}/{}", r.group, r.version)
            };
            objects.push(json!({
                "apiVersion": api_version, "kind": r.kind,
                "metadata": {"name": r.name, "namespace": r.namespace},
            }));
            resolved.push(cluster.resolve(&r.gvk()).await?);
        }
        let all: Vec<usize> = (0..objects.len()).collect();
        let healths = sync::observe(
            &cluster,
            &objects,
            &resolved,
            &all,
            args.compare.concurrency,
        )
        .await?;
        let rows: Vec<_> = report
            .objects
            .into_iter()
            .zip(resolved.iter().zip(healths))
            .map(|(d, (res, (h, reason)))| match res {
                Some(_) if !d.foreign.is_empty() => {
                    // OutOfSync because of fields added by hand: say which, and who.
                    let added: Vec<String> = d
                        .foreign
                        .iter()
                        .map(|f| format!("{} by {:?}", f.pointer, f.manager))
                        .collect();
                    let why = format!("added by hand: {}", added.join(", "));
                    let reason = if reason.is_empty() {
                        why
                    } else {
                        format!("{reason}; {why}")
                    };
                    (d.object, d.class, h, reason)
                }
                Some(_) => (d.object, d.class, h, reason),
                None => (
                    d.object,
                    d.class,
                    health::Health::Missing,
                    "kind not served".to_string(),
                ),
            })
            .collect();
        Ok::<_, CliError>((rows, parent, cluster.server.clone()))
    })?;
    let ann = |k: &str| {
        parent
            .as_ref()
            .map(|p| {
                crate::render::resource::str_at(p, &["metadata", "annotations", k]).to_string()
            })
            .filter(|s| !s.is_empty())
    };
    let synced = rows.iter().all(|r| r.1 == DriftClass::InSync);
    let overall_health = if rows.iter().any(|r| r.2 == health::Health::Degraded) {
        "Degraded"
    } else if rows
        .iter()
        .any(|r| r.2 == health::Health::Missing && r.1 != DriftClass::Prune)
    {
        "Missing"
    } else if rows.iter().any(|r| r.2 == health::Health::Progressing) {
        "Progressing"
    } else {
        "Healthy"
    };
    let sync_word = |c: DriftClass| match c {
        DriftClass::InSync => "Synced",
        DriftClass::Prune => "OutOfSync (prune)",
        _ => "OutOfSync",
    };
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    match args.output {
        DiffOutput::Json => {
            let doc = json!({
                "env": env.name,
                "server": server,
                "sync": if synced { "Synced" } else { "OutOfSync" },
                "health": overall_health,
                "revision": ann(sync::REVISION_ANNOTATION),
                "syncedAt": ann(sync::SYNCED_AT_ANNOTATION),
                "source": {
                    "repo": ann(crate::cluster::applyset::SOURCE_REPO),
                    "path": ann(crate::cluster::applyset::SOURCE_PATH),
                },
                "history": parent.as_ref().map(sync::history_of).unwrap_or_default(),
                "objects": rows.iter().map(|(r, c, h, reason)| json!({
                    "group": r.group, "version": r.version, "kind": r.kind,
                    "namespace": r.namespace, "name": r.name,
                    "sync": sync_word(*c), "class": c, "health": h, "reason": reason,
                })).collect::<Vec<Value>>(),
            });
            let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
            s.push('\n');
            o.write_all(s.as_bytes())?;
        }
        DiffOutput::Text => {
            let mut out = String::new();
            let _ = writeln!(
                out,
                "env {} on {}: {}, {}",
                env.name,
                server,
                if synced { "Synced" } else { "OutOfSync" },
                overall_health
            );
            let _ = writeln!(
                out,
                "last sync: revision {} at {}",
                ann(sync::REVISION_ANNOTATION).unwrap_or_else(|| "-".into()),
                ann(sync::SYNCED_AT_ANNOTATION).unwrap_or_else(|| "never".into())
            );
            let width = rows
                .iter()
                .map(|r| r.0.to_string().len())
                .max()
                .unwrap_or(6)
                .max(6);
            let _ = writeln!(
                out,
                "{:<width$}  {:<17}  {:<11}  REASON",
                "OBJECT", "SYNC", "HEALTH"
            );
            for (r, c, h, reason) in &rows {
                let _ = writeln!(
                    out,
                    "{:<width$}  {:<17}  {:<11}  {reason}",
                    r.to_string(),
                    sync_word(*c),
                    h.label()
                );
            }
            o.write_all(out.as_bytes())?;
        }
    }
    o.flush()?;
    Ok(ExitCode::SUCCESS)
}
