//! clap definitions of every command and flag.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "kubectl-gitops",
    bin_name = "kubectl gitops",
    version,
    about = "GitOps from a laptop or a CI runner: render envs exactly as kustomize does, diff and sync them",
    after_help = "Examples:\n  kubectl gitops envs\n  kubectl gitops render dev\n  kubectl gitops render envs/test -o json"
)]
pub struct Cli {
    /// Repository root (default: the Git work tree's top, else the current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub root: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Build an env (or any kustomization directory), byte-identical to `kubectl kustomize`.
    #[command(
        after_help = "Examples:\n  kubectl gitops render dev            # <root>/envs/dev\n  kubectl gitops render ./overlays/prod\n  kubectl gitops render dev -o json | jq '.[].kind'"
    )]
    Render(RenderArgs),
    /// List the envs of the repository (envs/*/ with a kustomization file).
    Envs,
}

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// An env name (resolved as <root>/envs/<name>) or a directory; default: the current directory.
    pub target: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,

    /// Where files may be loaded from, as kustomize's flag of the same name.
    #[arg(long, value_enum, default_value_t = LoadRestrictorArg::LoadRestrictionsRootOnly)]
    pub load_restrictor: LoadRestrictorArg,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    Yaml,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "verbatim")]
pub enum LoadRestrictorArg {
    LoadRestrictionsRootOnly,
    LoadRestrictionsNone,
}

impl From<LoadRestrictorArg> for crate::render::LoadRestrictor {
    fn from(a: LoadRestrictorArg) -> Self {
        match a {
            LoadRestrictorArg::LoadRestrictionsRootOnly => crate::render::LoadRestrictor::RootOnly,
            LoadRestrictorArg::LoadRestrictionsNone => crate::render::LoadRestrictor::None,
        }
    }
}
