//! The `kubectl-gitops` binary: parse the command line, run it, map errors to exit codes.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = kubectl_gitops::cli::Cli::parse();
    match kubectl_gitops::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}
