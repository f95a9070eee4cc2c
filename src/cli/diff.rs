//! `kubectl gitops diff`: render, connect, compare, present; exit 0 in sync, 1 drift.

use super::args::{ClusterFlags, DiffArgs, DiffOutput};
use super::{target, CliError};
use crate::cluster::{self, applyset::ApplySet};
use crate::diff::{self, ignore::IgnoreRules, present};
use crate::render;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

pub fn connect_args(flags: &ClusterFlags) -> cluster::ConnectArgs {
    cluster::ConnectArgs {
        kubeconfig: flags.kubeconfig.clone(),
        context: flags.context.clone(),
        namespace: flags.namespace.clone(),
        qps: flags.qps,
        burst: flags.burst,
        timeout: Duration::from_secs(flags.request_timeout.max(1)),
    }
}

/// The env name of a target directory (its last path component).
pub fn env_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_else(|| "default".to_string())
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

pub fn run(args: DiffArgs, root_flag: Option<&Path>) -> Result<ExitCode, CliError> {
    let dir = target::resolve(args.target.as_deref(), root_flag)?;
    let root = target::root(root_flag)?;
    let ignore = IgnoreRules::load(&root, &args.ignore).map_err(CliError::Usage)?;
    let built = render::build(&dir, &render::Options::default())?;
    super::print_warnings(&built.warnings)?;
    let desired: Vec<serde_json::Value> = built.resources.into_iter().map(|r| r.obj).collect();
    let env = env_name(&dir);
    let rt = runtime()?;
    let report = rt.block_on(async {
        let cluster = cluster::connect(&connect_args(&args.cluster)).await?;
        let options = diff::DiffOptions {
            concurrency: args.concurrency,
            ignore,
            applyset: Some(ApplySet::for_env(&env, &cluster.default_namespace)),
        };
        diff::compute(&cluster, desired, &options).await
    })?;
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    match args.output {
        DiffOutput::Json => o.write_all(present::json(&report, args.show_secrets).as_bytes())?,
        DiffOutput::Text => match std::env::var("KUBECTL_EXTERNAL_DIFF")
            .ok()
            .filter(|p| !p.trim().is_empty())
        {
            Some(program) => {
                let tmp = std::env::temp_dir()
                    .join(format!("kubectl-gitops-diff-{}", std::process::id()));
                let code = present::external(&report, &program, args.show_secrets, &tmp);
                let _ = std::fs::remove_dir_all(&tmp);
                let code = code.map_err(|e| {
                    CliError::Usage(format!("KUBECTL_EXTERNAL_DIFF '{program}': {e}"))
                })?;
                if code > 1 {
                    return Err(CliError::Usage(format!(
                        "KUBECTL_EXTERNAL_DIFF '{program}' exited {code}"
                    )));
                }
                let style = present::Style {
                    color: args.color.enabled(),
                    show_secrets: args.show_secrets,
                };
                o.write_all(present::summary(&report, style).as_bytes())?;
            }
            None => {
                let style = present::Style {
                    color: args.color.enabled(),
                    show_secrets: args.show_secrets,
                };
                o.write_all(present::text(&report, style).as_bytes())?;
            }
        },
    }
    o.flush()?;
    Ok(if report.has_drift() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
