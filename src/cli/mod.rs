//! The command line: clap definitions, target resolution (env name or directory), output
//! formatting and exit codes. Everything else is library code; this layer only wires it
//! to stdin/stdout/stderr.

mod agent;
mod args;
mod complete;
mod diff;
mod env;
mod preview;
mod progress;
mod render;
mod set_image;
mod status;
mod sync;
mod target;

pub use args::{Cli, Command, OutputFormat};

use std::io::Write;
use std::process::ExitCode;

/// Errors of the command line, each mapped to an exit code by [`CliError::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error(transparent)]
    Render(#[from] crate::render::RenderError),
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

/// Logging for `-v`: steps and timings (1), API requests (2), everything (3).
fn init_logging(verbose: u8, color: bool) {
    let level = match verbose {
        0 => return,
        1 => tracing::Level::INFO,
        2 => tracing::Level::DEBUG,
        _ => tracing::Level::TRACE,
    };
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(color && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(verbose >= 3)
        .try_init();
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> Result<ExitCode, CliError> {
    init_logging(cli.verbose, cli.color.enabled());
    match cli.command {
        Command::Render(args) => render::run(args, cli.root.as_deref()),
        Command::Diff(args) => diff::run(args, cli.root.as_deref(), cli.color.enabled()),
        Command::Sync(args) => sync::run(args, cli.root.as_deref()),
        Command::Preview(args) => preview::run(args, cli.root.as_deref(), cli.color.enabled()),
        Command::Status(args) => status::run(args, cli.root.as_deref()),
        Command::SetImage(args) => set_image::run(args, cli.root.as_deref()),
        Command::Agent(args) => agent::run(*args),
        Command::Completion(args) => complete::print_script(args),
        Command::Complete(args) => complete::run(args, cli.root.as_deref()),
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

/// An error message as the one line it is printed on: line breaks and other control
/// characters taken from the input (a file name, a YAML value) are written escaped, so
/// they neither split the line nor reach the terminal raw.
pub fn one_line(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    for c in message.trim_end_matches('\n').chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod one_line_tests {
    use super::one_line;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(one_line("bad 'a\nb': x\n"), "bad 'a\\nb': x");
        assert_eq!(one_line("\u{1b}[0m"), "\\u{1b}[0m");
        assert_eq!(one_line("plain"), "plain");
    }
}
