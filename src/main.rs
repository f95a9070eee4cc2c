//! The `kubectl-gitops` binary: parse the command line, run it, map errors to exit codes.

use clap::Parser;

/// Building thousands of small JSON values is allocation-bound; mimalloc roughly halves
/// the time the system allocator takes.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::process::ExitCode;

fn main() -> ExitCode {
    // git re-invokes this binary as its askpass helper (see agent::git).
    if let Some(code) = kubectl_gitops::agent::git::askpass_from_env() {
        return code;
    }
    let cli = kubectl_gitops::cli::Cli::parse();
    match kubectl_gitops::cli::run(cli) {
        Ok(code) => code,
        // `render | head`: the reader went away; that is not an error of ours.
        Err(kubectl_gitops::cli::CliError::Output(e))
            if e.kind() == std::io::ErrorKind::BrokenPipe =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", kubectl_gitops::cli::one_line(&e.to_string()));
            ExitCode::from(e.exit_code())
        }
    }
}
