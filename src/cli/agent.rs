//! `kubectl gitops agent`: flags, secrets read from their files, the connection, and
//! the log; the loop itself is [`crate::agent`].

use super::args::{BuildFlags, ClusterFlags};
use super::env::{connect_args, effective_build_flags, normalize_repo_url, runtime};
use super::CliError;
use crate::agent::{self, git::SourceConfig, Selection};
use crate::cluster::binding::Binding;
use crate::diff::ignore::IgnoreRules;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

#[derive(clap::Args, Debug)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["env", "bound"])))]
pub struct AgentArgs {
    /// The repository to follow: https://…, ssh://…, git@host:…, or file://….
    #[arg(long, value_name = "URL")]
    pub repo: String,
    /// The branch to follow.
    #[arg(long, default_value = "main")]
    pub branch: String,
    /// The repository root inside the repository (where envs/ and .gitops/ live).
    #[arg(long, value_name = "DIR")]
    pub path: Option<String>,
    /// An env to apply (repeatable).
    #[arg(long, value_name = "NAME")]
    pub env: Vec<String>,
    /// Apply every env whose binding in .gitops/envs.yaml has `cluster: <--cluster-name>`.
    #[arg(long, requires = "cluster_name")]
    pub bound: bool,
    /// This cluster's name, matched against the `cluster` key of env bindings; an env
    /// bound to another cluster is never applied.
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// How often to fetch and reconcile (e.g. 30s, 5m; at least 1s).
    #[arg(long, default_value = "1m", value_parser = super::env::parse_interval)]
    pub interval: std::time::Duration,
    /// Envs reconciled at once.
    #[arg(long, default_value_t = 4)]
    pub concurrency_envs: usize,
    /// API requests in flight per env.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Address of the HTTP listener (/metrics, /healthz, /readyz, /status, /hooks/*).
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "ADDR")]
    pub listen: std::net::SocketAddr,
    /// File holding the GitHub webhook secret (enables POST /hooks/github).
    #[arg(long, value_name = "FILE")]
    pub webhook_secret_file: Option<PathBuf>,
    /// File holding the bearer token of POST /hooks/refresh.
    #[arg(long, value_name = "FILE")]
    pub refresh_token_file: Option<PathBuf>,
    /// File holding the HTTPS username (with --git-password-file).
    #[arg(long, value_name = "FILE")]
    pub git_username_file: Option<PathBuf>,
    /// File holding the HTTPS password.
    #[arg(long, value_name = "FILE", conflicts_with = "git_token_file")]
    pub git_password_file: Option<PathBuf>,
    /// File holding an HTTPS access token (sent as the password).
    #[arg(long, value_name = "FILE")]
    pub git_token_file: Option<PathBuf>,
    /// Directory for the private checkout (default: a temporary directory).
    #[arg(long, value_name = "DIR")]
    pub cache_dir: Option<PathBuf>,
    /// Only the holder of the Lease `kubectl-gitops-agent` reconciles.
    #[arg(long, requires = "lease_namespace")]
    pub leader_elect: bool,
    /// Namespace of the leader election Lease.
    #[arg(long, value_name = "NAMESPACE")]
    pub lease_namespace: Option<String>,
    /// This agent's name in the Lease and on Events (default: POD_NAME or HOSTNAME, and
    /// the process id).
    #[arg(long)]
    pub identity: Option<String>,
    /// Log format on stderr.
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub cluster: ClusterFlags,
    #[command(flatten)]
    pub build: BuildFlags,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

struct StderrLog(LogFormat);
impl crate::sync::watch::Log for StderrLog {
    fn log(&self, line: &str) {
        let time = crate::sync::now_rfc3339();
        match self.0 {
            LogFormat::Text => eprintln!("{time} {}", super::one_line(line)),
            LogFormat::Json => eprintln!("{}", serde_json::json!({"time": time, "msg": line})),
        }
    }
}

/// Env build flags: the command line's over each binding's `buildOptions`.
struct Resolver {
    build: BuildFlags,
}

impl agent::EnvResolver for Resolver {
    fn resolve(
        &self,
        root: &Path,
        env: &str,
        binding: Option<&Binding>,
    ) -> Result<(crate::render::Options, IgnoreRules), String> {
        let flags =
            effective_build_flags(&self.build, root, env, binding).map_err(|e| e.to_string())?;
        let ignore = IgnoreRules::load(root, &[])?;
        Ok((flags.options(None), ignore))
    }
}

/// A secret from a file, without its trailing line break; an empty one is refused.
fn read_secret(flag: &str, path: &Path) -> Result<Vec<u8>, CliError> {
    let mut bytes = std::fs::read(path)
        .map_err(|e| CliError::Usage(format!("{flag} {}: {e}", path.display())))?;
    while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        bytes.pop();
    }
    if bytes.is_empty() {
        return Err(CliError::Usage(format!(
            "{flag} {}: the file is empty",
            path.display()
        )));
    }
    Ok(bytes)
}

pub fn run(args: AgentArgs) -> Result<ExitCode, CliError> {
    for env in &args.env {
        if !agent::valid_env_name(env) {
            return Err(CliError::Usage(format!(
                "--env '{env}' is not a valid env name (lowercase letters, digits, '-' and '.')"
            )));
        }
    }
    let source = SourceConfig {
        url: args.repo.clone(),
        branch: args.branch.clone(),
        path: args.path.clone(),
        username_file: args.git_username_file.clone(),
        password_file: args
            .git_password_file
            .clone()
            .or(args.git_token_file.clone()),
        cache_dir: args.cache_dir.clone(),
    };
    source.validate().map_err(CliError::Usage)?;
    for (flag, file) in [
        ("--git-username-file", &args.git_username_file),
        ("--git-password-file", &args.git_password_file),
        ("--git-token-file", &args.git_token_file),
    ] {
        if let Some(f) = file {
            read_secret(flag, f)?;
        }
    }
    let webhook_secret = args
        .webhook_secret_file
        .as_deref()
        .map(|f| read_secret("--webhook-secret-file", f))
        .transpose()?;
    let refresh_token = args
        .refresh_token_file
        .as_deref()
        .map(|f| read_secret("--refresh-token-file", f))
        .transpose()?;
    let rt = runtime()?;
    let signals = {
        let _guard = rt.enter();
        agent::Signals::install()?
    };
    let config = agent::Config {
        selection: if args.bound {
            Selection::Bound
        } else {
            Selection::Named(args.env.clone())
        },
        cluster_name: args.cluster_name.clone(),
        interval: args.interval,
        concurrency_envs: args.concurrency_envs,
        concurrency: args.concurrency,
        listen: args.listen,
        webhook_secret,
        refresh_token,
        lease_namespace: if args.leader_elect {
            args.lease_namespace.clone()
        } else {
            None
        },
        namespace: args.cluster.namespace.clone(),
        source_repo: normalize_repo_url(&source.url),
        identity: args
            .identity
            .clone()
            .unwrap_or_else(agent::default_identity),
        source,
    };
    let log: Arc<dyn crate::sync::watch::Log> = Arc::new(StderrLog(args.log_format));
    let resolver = Arc::new(Resolver {
        build: args.build.clone(),
    });
    rt.block_on(async {
        let mut connect = connect_args(&args.cluster);
        // Each env's namespace comes from its binding, else -n, else the context's.
        connect.namespace = args.cluster.namespace.clone();
        let cluster = crate::cluster::connect(&connect).await?;
        agent::run(config, cluster, resolver, log, signals)
            .await
            .map_err(CliError::Usage)
    })?;
    Ok(ExitCode::SUCCESS)
}
