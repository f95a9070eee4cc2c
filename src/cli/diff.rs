//! `kubectl gitops diff`: render, connect, compare, present; exit 0 in sync, 1 drift.

use super::args::{DiffArgs, DiffOutput};
use super::env::{runtime, Env};
use super::CliError;
use crate::cluster::applyset::ApplySet;
use crate::diff::{self, present};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(args: DiffArgs, root_flag: Option<&Path>, color: bool) -> Result<ExitCode, CliError> {
    let env = Env::resolve(
        args.target.as_deref(),
        root_flag,
        &args.compare.ignore,
        &args.build,
    )?;
    let desired = env.render()?;
    let report = runtime()?.block_on(async {
        let cluster = env.connect(&args.cluster).await?;
        let options = diff::DiffOptions {
            concurrency: args.compare.concurrency,
            ignore: env.ignore.clone(),
            applyset: Some(ApplySet::for_env(&env.name, &cluster.default_namespace)),
            source: env.source(),
            prune_cascading: false,
        };
        Ok::<_, CliError>(diff::compute(&cluster, desired, &options).await?)
    })?;
    let style = present::Style {
        color,
        show_secrets: args.show_secrets,
    };
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    match args.output {
        DiffOutput::Json => o.write_all(present::json(&report, args.show_secrets).as_bytes())?,
        DiffOutput::Text => {
            let external = std::env::var("KUBECTL_EXTERNAL_DIFF")
                .ok()
                .filter(|p| !p.trim().is_empty());
            match external {
                Some(program) => {
                    let outcome =
                        present::external(&report, &program, args.show_secrets).map_err(|e| {
                            CliError::Usage(format!("KUBECTL_EXTERNAL_DIFF '{program}': {e}"))
                        })?;
                    let code = match outcome {
                        present::ExternalOutcome::Exited(code) => code,
                        // Interrupted: the files are removed; exit as the signal asks.
                        present::ExternalOutcome::Interrupted(signal) => {
                            return Ok(ExitCode::from((128 + signal).clamp(0, 255) as u8));
                        }
                    };
                    if code > 1 {
                        return Err(CliError::Usage(format!(
                            "KUBECTL_EXTERNAL_DIFF '{program}' exited {code}"
                        )));
                    }
                    o.write_all(present::summary(&report, style).as_bytes())?;
                }
                None => o.write_all(present::text(&report, style).as_bytes())?,
            }
        }
    }
    o.flush()?;
    Ok(if report.has_drift() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
