//! The command line: clap definitions, target resolution (env name or directory), output
//! formatting and exit codes. Everything else is library code; this layer only wires it
//! to stdin/stdout/stderr.

mod args;
mod diff;
mod env;
mod progress;
mod status;
mod sync;
mod target;

pub use args::{Cli, Command, OutputFormat};

use crate::render;
use std::io::Write;
use std::process::ExitCode;

/// Errors of the command line, each mapped to an exit code by [`CliError::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Render(#[from] render::RenderError),
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
    #[error(transparent)]
    Sync(#[from] crate::sync::SyncError),
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

/// kustomize's warnings, on stderr.
pub fn print_warnings(warnings: &[String]) -> Result<(), CliError> {
    let stderr = std::io::stderr();
    let mut e = stderr.lock();
    for w in warnings {
        writeln!(e, "{w}")?;
    }
    Ok(())
}

impl CliError {
    /// 2 for every error, as `kubectl diff` uses 2 for errors (1 is reserved for drift).
    pub fn exit_code(&self) -> u8 {
        2
    }
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    match cli.command {
        Command::Render(args) => {
            let dir = target::resolve(args.target.as_deref(), cli.root.as_deref())?;
            let options = render::Options {
                load_restrictor: args.load_restrictor.into(),
                git_cache_dir: None,
                helm: render::helm::HelmSettings {
                    enabled: args.enable_helm,
                    command: args.helm_command.clone(),
                    kube_version: args.helm_kube_version.clone(),
                    api_versions: args.helm_api_versions.clone(),
                    debug: args.helm_debug,
                },
            };
            let out = render::build(&dir, &options)?;
            print_warnings(&out.warnings)?;
            let text = match args.output {
                OutputFormat::Yaml => render::to_yaml(&out.resources),
                OutputFormat::Json => render::to_json(&out.resources),
            };
            let stdout = std::io::stdout();
            let mut o = stdout.lock();
            o.write_all(text.as_bytes())?;
            o.flush()?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Diff(args) => diff::run(args, cli.root.as_deref()),
        Command::Sync(args) => sync::run(args, cli.root.as_deref()),
        Command::Status(args) => status::run(args, cli.root.as_deref()),
        Command::Envs => {
            let root = target::root(cli.root.as_deref())?;
            let stdout = std::io::stdout();
            let mut o = stdout.lock();
            for env in target::envs(&root) {
                writeln!(o, "{env}")?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
