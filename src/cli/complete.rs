//! Shell completion. `completion bash|zsh|fish` prints clap_complete's script for the
//! `kubectl-gitops` binary. The hidden `__complete` answers kubectl's plugin-completion
//! protocol (kubectl ≥ 1.26 runs `kubectl_complete-gitops WORDS... TO_COMPLETE`, a shim that
//! execs `kubectl-gitops __complete "$@"`): one candidate per line (`value<TAB>description`),
//! then a `:<directive>` line with cobra's directive bits. Subcommands, flags, flag values
//! (value enums) and env names for TARGET are completed from the clap definitions, so they
//! follow the CLI as it grows.

use super::{target, Cli, CliError};
use clap::{Arg, CommandFactory, ValueEnum};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct CompletionArgs {
    /// The shell to print the completion script for.
    #[arg(value_enum)]
    pub shell: ShellArg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

#[derive(clap::Args, Debug)]
pub struct CompleteArgs {
    /// The words after the plugin name; the last one is the word being completed.
    #[arg(num_args = 0.., trailing_var_arg = true, allow_hyphen_values = true)]
    pub words: Vec<String>,
}

/// cobra's `ShellCompDirective` bits.
pub mod directive {
    /// Complete files when no candidate matches.
    pub const DEFAULT: u32 = 0;
    /// Never fall back to file names.
    pub const NO_FILE_COMP: u32 = 4;
    /// Complete directory names only.
    pub const FILTER_DIRS: u32 = 16;
}

/// What `__complete` answers: candidates (value, description) and the directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    pub candidates: Vec<(String, String)>,
    pub directive: u32,
}

impl Completion {
    fn none() -> Completion {
        Completion {
            candidates: Vec::new(),
            directive: directive::NO_FILE_COMP,
        }
    }

    /// The protocol's text: candidates one per line, then `:<directive>`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (value, desc) in &self.candidates {
            out.push_str(value);
            if !desc.is_empty() {
                out.push('\t');
                out.push_str(desc);
            }
            out.push('\n');
        }
        out.push_str(&format!(":{}\n", self.directive));
        out
    }
}

/// `kubectl gitops completion SHELL`.
pub fn print_script(args: CompletionArgs) -> Result<ExitCode, CliError> {
    let shell = match args.shell {
        ShellArg::Bash => clap_complete::Shell::Bash,
        ShellArg::Zsh => clap_complete::Shell::Zsh,
        ShellArg::Fish => clap_complete::Shell::Fish,
    };
    let mut script = Vec::new();
    let mut cmd = Cli::command().bin_name("kubectl-gitops");
    clap_complete::generate(shell, &mut cmd, "kubectl-gitops", &mut script);
    if shell == clap_complete::Shell::Bash {
        // clap_complete's bash script spells the per-subcommand states of a hyphenated binary
        // two ways (clap-rs/clap#6421), so no subcommand option would ever complete: use the
        // spelling of its dispatch loop everywhere.
        script = String::from_utf8_lossy(&script)
            .replace("kubectl__subcmd__gitops", "kubectl__gitops")
            .into_bytes();
    }
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    o.write_all(&script)?;
    o.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// `kubectl-gitops __complete WORDS...`. The words are re-read from the process arguments
/// (everything after `__complete`) so that clap's own parsing cannot have eaten any.
pub fn run(args: CompleteArgs, root: Option<&Path>) -> Result<ExitCode, CliError> {
    let raw: Vec<String> = std::env::args_os()
        .skip(1)
        .map(|a| a.to_string_lossy().into_owned())
        .skip_while(|a| a != "__complete")
        .skip(1)
        .collect();
    let words = if raw.is_empty() { args.words } else { raw };
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    o.write_all(complete(&words, root).render().as_bytes())?;
    o.flush()?;
    Ok(ExitCode::SUCCESS)
}

/// Commands whose first positional is TARGET (an env name or a directory).
const TARGET_COMMANDS: [&str; 5] = ["render", "diff", "sync", "status", "set-image"];

/// Completes the last of `words` (the words typed after the plugin name).
pub fn complete(words: &[String], root_flag: Option<&Path>) -> Completion {
    let mut cli = Cli::command();
    cli.build();
    let (current, done) = match words.split_last() {
        Some((c, d)) => (c.as_str(), d),
        None => ("", &[][..]),
    };

    let mut cmd = &cli;
    let mut in_sub = false;
    let mut positionals = 0usize;
    let mut root_dir: Option<PathBuf> = root_flag.map(Path::to_path_buf);
    let mut pending: Option<&Arg> = None;
    let mut only_positionals = false;
    for w in done {
        if let Some(arg) = pending.take() {
            if arg.get_id() == "root" {
                root_dir = Some(PathBuf::from(w));
            }
            continue;
        }
        if !only_positionals && w == "--" {
            only_positionals = true;
            continue;
        }
        if !only_positionals && w.starts_with("--") {
            let (name, value) = match w[2..].split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (&w[2..], None),
            };
            if let Some(arg) = find_long(cmd, name) {
                match value {
                    None if takes_value(arg) => pending = Some(arg),
                    Some(v) if arg.get_id() == "root" => root_dir = Some(PathBuf::from(v)),
                    _ => {}
                }
            }
            continue;
        }
        if !only_positionals && w.len() > 1 && w.starts_with('-') {
            let shorts: Vec<char> = w[1..].chars().collect();
            for (i, c) in shorts.iter().enumerate() {
                if let Some(arg) = cmd.get_arguments().find(|a| a.get_short() == Some(*c)) {
                    if takes_value(arg) {
                        if i + 1 == shorts.len() {
                            pending = Some(arg);
                        }
                        break;
                    }
                }
            }
            continue;
        }
        if in_sub {
            positionals += 1;
        } else {
            match cmd.find_subcommand(w) {
                Some(sub) => {
                    cmd = sub;
                    in_sub = true;
                }
                None => return Completion::none(),
            }
        }
    }

    if let Some(arg) = pending {
        return values(arg, current, "");
    }
    if !only_positionals && current.starts_with("--") {
        if let Some((name, value)) = current[2..].split_once('=') {
            return match find_long(cmd, name) {
                Some(arg) => values(arg, value, &format!("--{name}=")),
                None => Completion::none(),
            };
        }
    }
    if !only_positionals && current.starts_with('-') {
        let candidates = cmd
            .get_arguments()
            .filter(|a| !a.is_positional() && !a.is_hide_set())
            .filter_map(|a| Some((format!("--{}", a.get_long()?), first_line(a.get_help()))))
            .filter(|(flag, _)| flag.starts_with(current))
            .collect();
        return Completion {
            candidates,
            directive: directive::NO_FILE_COMP,
        };
    }
    if !in_sub || cmd.get_name() == "help" {
        let candidates = cli
            .get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name().starts_with(current))
            .map(|s| (s.get_name().to_string(), first_line(s.get_about())))
            .collect();
        return Completion {
            candidates,
            directive: directive::NO_FILE_COMP,
        };
    }
    // `preview ENV...` takes any number of env names.
    if (positionals == 0 && TARGET_COMMANDS.contains(&cmd.get_name()))
        || cmd.get_name() == "preview"
    {
        let envs = target::root(root_dir.as_deref())
            .map(|root| target::envs(&root))
            .unwrap_or_default();
        return Completion {
            candidates: envs
                .into_iter()
                .filter(|e| e.starts_with(current))
                .map(|e| (e, String::new()))
                .collect(),
            // TARGET may also be a directory: let the shell complete paths when no env matches.
            directive: directive::DEFAULT,
        };
    }
    let positional = cmd.get_positionals().nth(positionals);
    positional.map_or_else(Completion::none, |arg| values(arg, current, ""))
}

fn find_long<'a>(cmd: &'a clap::Command, name: &str) -> Option<&'a Arg> {
    cmd.get_arguments().find(|a| {
        a.get_long() == Some(name)
            || a.get_all_aliases()
                .is_some_and(|aliases| aliases.contains(&name))
    })
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

/// Candidates for a value of `arg` starting with `current`, each prefixed with `prefix`.
fn values(arg: &Arg, current: &str, prefix: &str) -> Completion {
    let possible = arg.get_possible_values();
    if !possible.is_empty() {
        return Completion {
            candidates: possible
                .iter()
                .filter(|v| !v.is_hide_set() && v.get_name().starts_with(current))
                .map(|v| {
                    (
                        format!("{prefix}{}", v.get_name()),
                        first_line(v.get_help()),
                    )
                })
                .collect(),
            directive: directive::NO_FILE_COMP,
        };
    }
    if arg.get_id() == "root" {
        return Completion {
            candidates: Vec::new(),
            directive: directive::FILTER_DIRS,
        };
    }
    match arg.get_value_hint() {
        clap::ValueHint::AnyPath | clap::ValueHint::FilePath | clap::ValueHint::DirPath => {
            Completion {
                candidates: Vec::new(),
                directive: directive::DEFAULT,
            }
        }
        _ => Completion::none(),
    }
}

/// The first line of a help text, without a trailing period.
fn first_line(help: Option<&clap::builder::StyledStr>) -> String {
    let text = help.map(|h| h.to_string()).unwrap_or_default();
    let line = text.lines().next().unwrap_or("").trim();
    line.strip_suffix('.').unwrap_or(line).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(words: &[&str]) -> (Vec<String>, u32) {
        let words: Vec<String> = words.iter().map(|s| s.to_string()).collect();
        let c = complete(&words, Some(Path::new("/nonexistent-root")));
        (
            c.candidates.into_iter().map(|(v, _)| v).collect(),
            c.directive,
        )
    }

    #[test]
    fn subcommands() {
        let (c, d) = names(&[""]);
        for want in [
            "render",
            "envs",
            "diff",
            "sync",
            "status",
            "set-image",
            "completion",
        ] {
            assert!(c.iter().any(|x| x == want), "{want} in {c:?}");
        }
        assert!(!c.iter().any(|x| x == "__complete"));
        assert_eq!(d, directive::NO_FILE_COMP);
        assert_eq!(names(&["re"]).0, ["render"]);
        assert!(names(&[""]).0.iter().any(|x| x == "preview"));
        assert_eq!(names(&["--root", "/x", "st"]).0, ["status"]);
    }

    #[test]
    fn flags_and_values() {
        let (c, _) = names(&["render", "--out"]);
        assert!(c.iter().any(|f| f == "--output"), "{c:?}");
        assert!(c.iter().all(|f| f.starts_with("--out")), "{c:?}");
        assert!(names(&["diff", "--"]).0.iter().any(|f| f == "--root"));
        assert_eq!(names(&["render", "-o", ""]).0, ["yaml", "json"]);
        assert_eq!(names(&["diff", "--color", "n"]).0, ["never"]);
        assert_eq!(names(&["render", "--output=j"]).0, ["--output=json"]);
        assert_eq!(names(&["completion", ""]).0, ["bash", "zsh", "fish"]);
        assert_eq!(names(&["render", "--root", ""]).1, directive::FILTER_DIRS);
        assert_eq!(
            names(&["sync", "--context", ""]),
            (vec![], directive::NO_FILE_COMP)
        );
    }

    #[test]
    fn render_has_the_protocol_shape() {
        let c = Completion {
            candidates: vec![
                ("dev".into(), String::new()),
                ("render".into(), "Build".into()),
            ],
            directive: 4,
        };
        assert_eq!(c.render(), "dev\nrender\tBuild\n:4\n");
    }
}
