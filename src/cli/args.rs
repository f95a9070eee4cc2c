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

    /// Log what happens on stderr: -v steps and timings, -vv every API request, -vvv more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Color output (diffs, logs): auto means a terminal and no NO_COLOR.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

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
    #[command(
        after_help = "Examples:\n  kubectl gitops envs\n  kubectl gitops envs --root ~/src/platform-config"
    )]
    Envs,
    /// Compare an env with the live cluster: exit 0 in sync, 1 drift, 2 error.
    #[command(
        after_help = "Examples:\n  kubectl gitops diff dev\n  kubectl gitops diff dev -o json --context staging\n  kubectl gitops diff dev --ignore Deployment.apps/web:/spec/replicas\n  KUBECTL_EXTERNAL_DIFF='meld' kubectl gitops diff dev"
    )]
    Diff(DiffArgs),
    /// Apply an env with server-side apply, prune what left Git, wait for health.
    #[command(
        after_help = "Examples:\n  kubectl gitops sync dev --prune\n  kubectl gitops sync dev --dry-run -o json\n  kubectl gitops sync dev --prune --watch --interval 30s\n\nExit codes: 0 converged and healthy, 1 applied but not healthy within --timeout, 2 error."
    )]
    Sync(SyncArgs),
    /// Sync state and health of every object of an env, and what revision is deployed.
    #[command(
        after_help = "Examples:\n  kubectl gitops status dev\n  kubectl gitops status dev -o json"
    )]
    Status(StatusArgs),
    /// Set image names, tags or digests in an env's kustomization, as `kustomize edit set image` (comments and layout kept).
    #[command(
        after_help = "Examples:\n  kubectl gitops set-image dev web=registry.example.com/web:1.4.2\n  kubectl gitops set-image dev api:v2 worker@sha256:0123...\n  kubectl gitops set-image envs/prod 'web=*:1.5'   # * keeps the current new name\n\nExit codes: 0 done, 2 error (the file is left untouched)."
    )]
    SetImage(super::set_image::SetImageArgs),
    /// What a change does to every env: render each env at two revisions (no cluster, no
    /// checkout) and compare object by object: exit 0 no env changes, 1 some change, 2 error.
    #[command(
        after_help = "Examples:\n  kubectl gitops preview                      # merge base with origin/HEAD|main|master -> working tree\n  kubectl gitops preview dev prod --base origin/main --head HEAD\n  kubectl gitops preview -o markdown > comment.md\n  kubectl gitops preview --changed-only       # env names, one per line\n\nExit codes: 0 no env changes, 1 some env changes, 2 error (either side fails to render)."
    )]
    Preview(PreviewArgs),
    /// Run in the cluster: fetch a branch, keep its envs synced (prune, heal drift), serve
    /// metrics, health, status and webhooks.
    #[command(
        after_help = "Examples:\n  kubectl gitops agent --repo https://github.com/acme/platform --branch main --env dev --env test\n  kubectl gitops agent --repo file:///srv/platform --bound --cluster-name eu-1 --interval 30s\n  kubectl gitops agent --repo https://git.example.com/p.git --git-token-file /etc/git/token --leader-elect --lease-namespace gitops-agent\n\nEndpoints: /healthz /readyz /metrics /status, POST /hooks/github, POST /hooks/refresh.\nSIGTERM: finishes or cancels the current apply, releases the Lease, exits 0."
    )]
    Agent(Box<super::agent::AgentArgs>),
    /// Print the shell completion script of kubectl-gitops (bash, zsh or fish).
    #[command(
        after_help = "Examples:\n  source <(kubectl gitops completion bash)\n  kubectl gitops completion zsh > \"${fpath[1]}/_kubectl-gitops\"\n  kubectl gitops completion fish > ~/.config/fish/completions/kubectl-gitops.fish\n\nFor `kubectl gitops <TAB>`, put the kubectl_complete-gitops script on your PATH."
    )]
    Completion(super::complete::CompletionArgs),
    /// Completion candidates for kubectl's plugin completion (called by kubectl_complete-gitops).
    #[command(name = "__complete", hide = true, disable_help_flag = true)]
    Complete(super::complete::CompleteArgs),
}

#[derive(clap::Args, Debug)]
pub struct SyncArgs {
    /// An env name (resolved as <root>/envs/<name>) or a directory; default: the current directory.
    pub target: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterFlags,
    #[command(flatten)]
    pub build: BuildFlags,
    #[command(flatten)]
    pub compare: CompareFlags,
    /// Delete objects of this env's inventory that are no longer in Git.
    #[arg(long)]
    pub prune: bool,
    /// Show what would be done; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Wait until every object is healthy (the default).
    #[arg(long, overrides_with = "no_wait")]
    pub wait: bool,
    /// Do not wait for health.
    #[arg(long)]
    pub no_wait: bool,
    /// How long to wait for health (e.g. 90s, 5m).
    #[arg(long, default_value = "5m", value_parser = super::env::parse_duration)]
    pub timeout: std::time::Duration,
    /// Refuse fields another field manager owns instead of taking them back (by default
    /// Git wins and every field taken back is reported).
    #[arg(long)]
    pub respect_managers: bool,
    /// Accepted for compatibility: taking conflicting fields back is the default now.
    #[arg(long, hide = true)]
    pub force_conflicts: bool,
    /// Leave fields added by hand (not in Git, set by an untrusted manager) in place;
    /// by default sync removes them and reports each one.
    #[arg(long)]
    pub keep_foreign: bool,
    /// Take over an inventory another repository or env path recorded as its own.
    #[arg(long)]
    pub adopt: bool,
    /// With --prune: prune even when the render holds no objects at all.
    #[arg(long)]
    pub allow_empty: bool,
    /// With --prune: also prune Namespaces and CRDs (which deletes everything in them).
    #[arg(long)]
    pub prune_cascading: bool,
    /// Delete and recreate objects whose change touches an immutable field.
    #[arg(long)]
    pub force_replace: bool,
    /// Output format of the report.
    #[arg(short, long, value_enum, default_value_t = DiffOutput::Text)]
    pub output: DiffOutput,
    /// Keep converging: re-render and re-apply every --interval until interrupted.
    #[arg(long)]
    pub watch: bool,
    /// Interval of --watch (e.g. 30s, 5m; at least 1s).
    #[arg(long, default_value = "30s", value_parser = super::env::parse_interval)]
    pub interval: std::time::Duration,
}

#[derive(clap::Args, Debug)]
pub struct StatusArgs {
    /// An env name (resolved as <root>/envs/<name>) or a directory; default: the current directory.
    pub target: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterFlags,
    #[command(flatten)]
    pub build: BuildFlags,
    #[command(flatten)]
    pub compare: CompareFlags,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DiffOutput::Text)]
    pub output: DiffOutput,
}

/// How diff, sync and status compare Git with the cluster (one definition for all three).
#[derive(clap::Args, Debug, Clone)]
pub struct CompareFlags {
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Ignore a field, `[Kind[.group][/name]:]/json/pointer`, or the fields a manager owns,
    /// `[Kind[.group][/name]:]manager=NAME` (repeatable); adds to .gitops/ignore.yaml.
    #[arg(long, value_name = "RULE")]
    pub ignore: Vec<String>,
}

/// kubectl's connection flags (kubectl passes them to plugins unparsed).
#[derive(clap::Args, Debug, Clone)]
pub struct ClusterFlags {
    /// Path to the kubeconfig file (default: KUBECONFIG, then ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context to use.
    #[arg(long)]
    pub context: Option<String>,
    /// Namespace for objects that name none, and for the env's inventory.
    #[arg(short, long)]
    pub namespace: Option<String>,
    /// A fixed client-side rate limit in queries per second (default 0: none; requests
    /// in flight are bounded by --concurrency, and every 429 from the server pauses the
    /// whole client with backoff).
    #[arg(long, default_value_t = 0.0)]
    pub qps: f64,
    /// Burst of the fixed rate limit (with --qps; default: the --qps value, at least 1).
    #[arg(long, default_value_t = 0)]
    pub burst: u32,
    /// Timeout of each request to the API server (e.g. 30s, 1m; a plain number is seconds).
    #[arg(long, default_value = "30s", value_parser = super::env::parse_duration)]
    pub request_timeout: std::time::Duration,
}

#[derive(clap::Args, Debug)]
pub struct DiffArgs {
    /// An env name (resolved as <root>/envs/<name>) or a directory; default: the current directory.
    pub target: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterFlags,
    #[command(flatten)]
    pub build: BuildFlags,
    #[command(flatten)]
    pub compare: CompareFlags,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = DiffOutput::Text)]
    pub output: DiffOutput,
    /// Print Secret values instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
}

#[derive(clap::Args, Debug)]
pub struct PreviewArgs {
    /// Envs to compare (default: every env of either revision).
    #[arg(value_name = "ENV")]
    pub envs: Vec<String>,
    /// The revision to compare from (default: the merge base of HEAD with origin/HEAD,
    /// else main, else master); read from Git objects, never checked out.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// The revision to compare to (default: the working tree, uncommitted changes included).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Output format.
    #[arg(short, long, value_enum, default_value_t = PreviewOutput::Text)]
    pub output: PreviewOutput,
    /// Print only the names of the envs whose rendered output changes, one per line.
    #[arg(long)]
    pub changed_only: bool,
    /// Print Secret values instead of masking them.
    #[arg(long)]
    pub show_secrets: bool,
    #[command(flatten)]
    pub build: BuildFlags,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum PreviewOutput {
    Text,
    Json,
    Markdown,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiffOutput {
    Text,
    Json,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color stdout: `auto` means a terminal and no `NO_COLOR`.
    pub fn enabled(self) -> bool {
        use std::io::IsTerminal;
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct RenderArgs {
    /// An env name (resolved as <root>/envs/<name>) or a directory; default: the current directory.
    #[arg(conflicts_with = "all")]
    pub target: Option<String>,

    /// Render every env of the repository (in parallel); each env's output is preceded
    /// by a `# env: <name>` line, or written to --output-dir.
    #[arg(long)]
    pub all: bool,

    /// With --all: write `<DIR>/<env>.yaml` (or .json) instead of printing.
    #[arg(long, value_name = "DIR", requires = "all")]
    pub output_dir: Option<PathBuf>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = OutputFormat::Yaml)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub build: BuildFlags,
}

/// kustomize's build flags, for every command that renders. An env's `buildOptions` in
/// `.gitops/envs.yaml` supplies defaults (the same flags as one string), except
/// `--helm-command` and `--load-restrictor`, which only the command line may give (see
/// [`BuildFlags::command_line_only`]).
#[derive(clap::Args, Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildFlags {
    /// Where files may be loaded from, as kustomize's flag of the same name
    /// (default LoadRestrictionsRootOnly).
    #[arg(long, value_enum)]
    pub load_restrictor: Option<LoadRestrictorArg>,

    /// Enable the Helm chart inflator generator (helmCharts), as kustomize's flag.
    #[arg(long)]
    pub enable_helm: bool,
    /// helm command (path to executable; default helm).
    #[arg(long)]
    pub helm_command: Option<String>,
    /// Kubernetes version used by Helm for Capabilities.KubeVersion.
    #[arg(long)]
    pub helm_kube_version: Option<String>,
    /// Kubernetes api versions used by Helm for Capabilities.APIVersions.
    #[arg(long, value_delimiter = ',')]
    pub helm_api_versions: Vec<String>,
    /// Enable debug output from the Helm chart inflator generator.
    #[arg(long)]
    pub helm_debug: bool,
}

/// Parses a `buildOptions` string (`--enable-helm --load-restrictor LoadRestrictionsNone`).
#[derive(clap::Parser, Debug)]
#[command(name = "buildOptions", no_binary_name = true, disable_help_flag = true)]
struct BuildOptionsLine {
    #[command(flatten)]
    build: BuildFlags,
}

impl BuildFlags {
    /// Parses an env binding's `buildOptions`.
    pub fn parse_line(line: &str) -> Result<BuildFlags, String> {
        use clap::Parser;
        BuildOptionsLine::try_parse_from(line.split_whitespace())
            .map(|l| l.build)
            .map_err(|e| {
                let first = e.to_string();
                let first = first
                    .lines()
                    .next()
                    .unwrap_or("")
                    .trim_start_matches("error: ");
                format!("buildOptions '{line}': {first}")
            })
    }

    /// The first option set here that only the command line may give (a repository's
    /// `buildOptions` may not): `--helm-command` runs a program, `--load-restrictor`
    /// decides which files a build may read.
    pub fn command_line_only(&self) -> Option<&'static str> {
        if self.helm_command.is_some() {
            Some("--helm-command")
        } else if self.load_restrictor.is_some() {
            Some("--load-restrictor")
        } else {
            None
        }
    }

    /// These flags over `defaults`: what is given here wins, switches add up.
    pub fn over(&self, defaults: &BuildFlags) -> BuildFlags {
        BuildFlags {
            load_restrictor: self.load_restrictor.or(defaults.load_restrictor),
            enable_helm: self.enable_helm || defaults.enable_helm,
            helm_command: self
                .helm_command
                .clone()
                .or_else(|| defaults.helm_command.clone()),
            helm_kube_version: self
                .helm_kube_version
                .clone()
                .or_else(|| defaults.helm_kube_version.clone()),
            helm_api_versions: if self.helm_api_versions.is_empty() {
                defaults.helm_api_versions.clone()
            } else {
                self.helm_api_versions.clone()
            },
            helm_debug: self.helm_debug || defaults.helm_debug,
        }
    }

    /// The render options these flags ask for.
    pub fn options(
        &self,
        cache: Option<std::sync::Arc<crate::render::cache::FileCache>>,
    ) -> crate::render::Options {
        crate::render::Options {
            load_restrictor: self
                .load_restrictor
                .unwrap_or(LoadRestrictorArg::LoadRestrictionsRootOnly)
                .into(),
            git_cache_dir: None,
            helm: crate::render::helm::HelmSettings {
                enabled: self.enable_helm,
                command: self
                    .helm_command
                    .clone()
                    .unwrap_or_else(|| "helm".to_string()),
                kube_version: self.helm_kube_version.clone(),
                api_versions: self.helm_api_versions.clone(),
                debug: self.helm_debug,
            },
            cache,
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_options_line_parses_kustomize_flags() {
        let b = BuildFlags::parse_line(
            "--enable-helm --load-restrictor LoadRestrictionsNone --helm-api-versions a/v1,b/v2",
        )
        .unwrap();
        assert!(b.enable_helm);
        assert_eq!(
            b.load_restrictor,
            Some(LoadRestrictorArg::LoadRestrictionsNone)
        );
        assert_eq!(b.helm_api_versions, ["a/v1", "b/v2"]);
        let err = BuildFlags::parse_line("--enable-helmet").unwrap_err();
        assert!(err.contains("--enable-helmet"), "{err}");
    }

    #[test]
    fn program_and_load_restrictor_are_command_line_only() {
        let b =
            BuildFlags::parse_line("--enable-helm --helm-debug --helm-kube-version 1.30").unwrap();
        assert_eq!(b.command_line_only(), None);
        let b = BuildFlags::parse_line("--helm-command ./evil").unwrap();
        assert_eq!(b.command_line_only(), Some("--helm-command"));
        let b = BuildFlags::parse_line("--load-restrictor LoadRestrictionsNone").unwrap();
        assert_eq!(b.command_line_only(), Some("--load-restrictor"));
    }

    #[test]
    fn command_line_flags_win_over_build_options() {
        let defaults = BuildFlags::parse_line("--enable-helm --helm-command /opt/helm").unwrap();
        let cli = BuildFlags {
            helm_command: Some("helm3".into()),
            ..BuildFlags::default()
        };
        let b = cli.over(&defaults);
        assert!(b.enable_helm);
        assert_eq!(b.helm_command.as_deref(), Some("helm3"));
        let options = b.options(None);
        assert!(options.helm.enabled);
        assert_eq!(options.helm.command, "helm3");
    }
}
