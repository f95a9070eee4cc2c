//! What every cluster command does first: resolve the env and the repository root it
//! belongs to (from the target, see [`target`]), render it, read its ignore rules and
//! binding, connect with kubectl's flags, and refuse a cluster that contradicts the
//! binding (unless `--context` was given explicitly) — a wrong context before any
//! request is sent to it.

use super::args::{BuildFlags, ClusterFlags};
use super::{target, CliError};
use crate::cluster::{self, binding, Cluster};
use crate::diff::ignore::IgnoreRules;
use crate::render;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Env {
    pub dir: PathBuf,
    pub root: PathBuf,
    pub name: String,
    pub binding: Option<binding::Binding>,
    pub ignore: IgnoreRules,
    /// The build flags in force: the command line's over the binding's `buildOptions`.
    pub build: BuildFlags,
}

impl Env {
    pub fn resolve(
        target_arg: Option<&str>,
        root_flag: Option<&Path>,
        ignore_flags: &[String],
        build_flags: &BuildFlags,
    ) -> Result<Env, CliError> {
        let (dir, root) = target::resolve_with_root(target_arg, root_flag)?;
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
            .unwrap_or_else(|| "default".to_string());
        let binding = binding::load(&root, &name).map_err(CliError::Usage)?;
        let ignore = IgnoreRules::load(&root, ignore_flags).map_err(CliError::Usage)?;
        let build = effective_build_flags(build_flags, &root, &name, binding.as_ref())?;
        Ok(Env {
            dir,
            root,
            name,
            binding,
            ignore,
            build,
        })
    }

    /// Renders the env; warnings go to stderr.
    pub fn render(&self) -> Result<Vec<Value>, CliError> {
        let start = std::time::Instant::now();
        let built = render::build(&self.dir, &self.build.options(None))?;
        tracing::info!(
            "rendered {} into {} objects in {:?}",
            self.dir.display(),
            built.resources.len(),
            start.elapsed()
        );
        super::print_warnings(&built.warnings)?;
        Ok(built.resources.into_iter().map(|r| r.obj).collect())
    }

    /// The Git revision of the repository (`+dirty` when the work tree has changes).
    pub fn revision(&self) -> Option<String> {
        let git = |args: &[&str]| {
            std::process::Command::new("git")
                .arg("-C")
                .arg(&self.root)
                .args(args)
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        };
        let head = git(&["rev-parse", "HEAD"])?;
        let dirty = git(&["status", "--porcelain"]).is_some_and(|s| !s.is_empty());
        Some(if dirty { format!("{head}+dirty") } else { head })
    }

    /// Where this env comes from, recorded on its inventory: the repository's identity
    /// (its `origin` URL without credentials, else its local path) and the env's
    /// directory relative to the root.
    pub fn source(&self) -> crate::cluster::applyset::Source {
        let root = self
            .root
            .canonicalize()
            .unwrap_or_else(|_| self.root.clone());
        let dir = self.dir.canonicalize().unwrap_or_else(|_| self.dir.clone());
        let path = match dir.strip_prefix(&root) {
            Ok(p) if p.as_os_str().is_empty() => ".".to_string(),
            Ok(p) => p.to_string_lossy().to_string(),
            Err(_) => dir.to_string_lossy().to_string(),
        };
        let origin = std::process::Command::new("git")
            .arg("-C")
            .arg(&root)
            .args(["config", "--get", "remote.origin.url"])
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
            .filter(|s| !s.is_empty());
        let repo = match origin {
            Some(url) => normalize_repo_url(&url),
            None => format!("file://{}", root.display()),
        };
        crate::cluster::applyset::Source { repo, path }
    }

    /// Connects and checks the binding.
    pub async fn connect(&self, flags: &ClusterFlags) -> Result<Cluster, CliError> {
        if let (Some(b), None) = (&self.binding, &flags.context) {
            // The kubeconfig's current context is known without a request: refuse a
            // wrong one before talking to that cluster at all.
            if let Some(current) = current_context(flags) {
                let context_only = binding::Binding {
                    server: None,
                    ..b.clone()
                };
                binding::check(&self.name, &context_only, &current, "").map_err(CliError::Usage)?;
            }
        }
        let mut args = connect_args(flags);
        if args.namespace.is_none() {
            args.namespace = self.binding.as_ref().and_then(|b| b.namespace.clone());
        }
        let cluster = cluster::connect(&args).await?;
        if let (Some(b), None) = (&self.binding, &flags.context) {
            binding::check(&self.name, b, &cluster.context, &cluster.server)
                .map_err(CliError::Usage)?;
        }
        Ok(cluster)
    }
}

/// The command line's build flags over the binding's `buildOptions` (env `env` of the
/// repository at `root`). The repository file may not choose a program to run
/// (`--helm-command`) or lift the load restriction (`--load-restrictor`): a repository
/// is untrusted input, so those come from the command line only.
pub fn effective_build_flags(
    flags: &BuildFlags,
    root: &Path,
    env: &str,
    binding: Option<&binding::Binding>,
) -> Result<BuildFlags, CliError> {
    let Some(line) = binding.and_then(|b| b.build_options.as_deref()) else {
        return Ok(flags.clone());
    };
    let file = root.join(binding::BINDING_FILE);
    let defaults = BuildFlags::parse_line(line)
        .map_err(|e| CliError::Usage(format!("{}: env '{env}': {e}", file.display())))?;
    if let Some(option) = defaults.command_line_only() {
        return Err(CliError::Usage(format!(
            "{}: env '{env}': buildOptions may not set {option} (a repository must not {}); pass {option} on the command line instead",
            file.display(),
            if option == "--helm-command" {
                "choose a program to run"
            } else {
                "lift the load restriction"
            }
        )));
    }
    Ok(flags.over(&defaults))
}

/// The current context of the kubeconfig kubectl would use (`--kubeconfig`, else
/// `KUBECONFIG`, else `~/.kube/config`), if it can be read.
fn current_context(flags: &ClusterFlags) -> Option<String> {
    use kube::config::Kubeconfig;
    let config = match &flags.kubeconfig {
        Some(path) => Kubeconfig::read_from(path).ok()?,
        None => Kubeconfig::read().ok()?,
    };
    config.current_context
}

/// One identity for the forms a repository URL takes: `git@host:org/repo.git`,
/// `ssh://git@host/org/repo`, `https://user:token@host/org/repo.git` all become
/// `host/org/repo` (credentials never recorded).
pub fn normalize_repo_url(url: &str) -> String {
    let mut u = url.trim().to_string();
    for scheme in ["https://", "http://", "ssh://", "git://", "git+ssh://"] {
        if let Some(rest) = u.strip_prefix(scheme) {
            u = rest.to_string();
            break;
        }
    }
    if u.starts_with("file://") || u.starts_with('/') {
        return u.trim_end_matches('/').to_string();
    }
    // credentials or user before the host
    let (host_part, path_part) = match u.find('/') {
        Some(i) => (u[..i].to_string(), u[i..].to_string()),
        None => (u.clone(), String::new()),
    };
    let host_part = host_part.rsplit('@').next().unwrap_or("").to_string();
    // scp-like `host:org/repo`
    let (host, path) = match host_part.split_once(':') {
        Some((h, p)) if !p.chars().all(|c| c.is_ascii_digit()) => {
            (h.to_string(), format!("/{p}{path_part}"))
        }
        Some((h, _port)) => (h.to_string(), path_part),
        None => (host_part, path_part),
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    format!("{}{}", host.to_lowercase(), path)
}

pub fn connect_args(flags: &ClusterFlags) -> cluster::ConnectArgs {
    cluster::ConnectArgs {
        kubeconfig: flags.kubeconfig.clone(),
        context: flags.context.clone(),
        namespace: flags.namespace.clone(),
        qps: flags.qps,
        burst: flags.burst,
        timeout: if flags.request_timeout.is_zero() {
            Duration::from_secs(30)
        } else {
            flags.request_timeout
        },
    }
}

pub fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?)
}

/// Parses a `--watch` interval: a duration of at least one second.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let d = parse_duration(s)?;
    if d < Duration::from_secs(1) {
        return Err(format!("interval '{s}' is too short (at least 1s)"));
    }
    Ok(d)
}

/// Parses a duration as Go's `time.ParseDuration` does (what kubectl's flags take):
/// a sequence of decimal numbers with units `ns`, `us`/`µs`, `ms`, `s`, `m`, `h`
/// (`1h30m`, `1.5s`, `300ms`); `0` alone; and, as a convenience kubectl does not have,
/// a plain whole number of seconds (`90`). Negative durations are refused.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    match crate::duration::parse_go_seconds(s) {
        Some(secs) if secs < 0.0 => Err(format!("invalid duration '{s}' (negative)")),
        Some(secs) => Duration::try_from_secs_f64(secs)
            .map_err(|_| format!("invalid duration '{s}' (out of range)")),
        None => Err(format!(
            "invalid duration '{s}' (a number with a unit: ns, us, ms, s, m, h, e.g. 1m30s)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_urls_have_one_identity() {
        for url in [
            "git@github.com:acme/shop.git",
            "ssh://git@github.com/acme/shop",
            "https://user:token@GitHub.com/acme/shop.git",
            "https://github.com/acme/shop/",
        ] {
            assert_eq!(normalize_repo_url(url), "github.com/acme/shop", "{url}");
        }
        assert_eq!(
            normalize_repo_url("ssh://git@host:2222/a/b.git"),
            "host/a/b"
        );
    }

    #[test]
    fn intervals_under_a_second_are_refused() {
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("0").is_err());
        assert_eq!(parse_interval("1s").unwrap(), Duration::from_secs(1));
    }

    #[test]
    fn durations_follow_go() {
        assert_eq!(parse_duration("1.5s").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("300ms").unwrap(), Duration::from_millis(300));
        assert_eq!(
            parse_duration("2h45m30s").unwrap(),
            Duration::from_secs(9930)
        );
        assert_eq!(parse_duration("0").unwrap(), Duration::ZERO);
        assert!(parse_duration("-1s").is_err());
        assert!(parse_duration("1d").is_err());
        assert!(parse_duration("").is_err());
        assert!(parse_duration("s").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("5x").is_err());
        assert!(parse_duration("5m3").is_err());
    }
}
