//! Where the agent's files come from: a shallow fetch of one branch with the `git` CLI
//! into a private (0700) directory, then a detached checkout of exactly the fetched
//! commit into a work tree only the agent writes, verified before anything renders.
//!
//! A repository URL, branch and path are untrusted: none may start with `-` (no option
//! injection), the `ext::` and other command-running transports are disabled, hooks,
//! credential helpers and fsmonitor are switched off, and the rendered directory must stay
//! inside the checkout after symlinks are resolved. HTTPS credentials are read from files
//! by an askpass helper (this same binary, re-invoked by git): they never appear on a
//! command line, in the environment or in a log line.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Set (to the username file) in git's environment: the re-invoked binary answers
/// git's prompt instead of running a command.
pub const ASKPASS_USERNAME_ENV: &str = "KUBECTL_GITOPS_ASKPASS_USERNAME_FILE";
/// The file the password (or token) is read from, for the askpass helper.
pub const ASKPASS_PASSWORD_ENV: &str = "KUBECTL_GITOPS_ASKPASS_PASSWORD_FILE";
/// How long one git command may run.
const GIT_TIMEOUT: Duration = Duration::from_secs(300);

/// The repository to follow.
#[derive(Clone, Debug, Default)]
pub struct SourceConfig {
    pub url: String,
    pub branch: String,
    /// The repository's root directory inside the checkout (where `envs/` lives).
    pub path: Option<String>,
    pub username_file: Option<PathBuf>,
    /// A password or token file (HTTPS basic auth).
    pub password_file: Option<PathBuf>,
    /// Where the private checkout lives; a temporary directory when `None`.
    pub cache_dir: Option<PathBuf>,
}

impl SourceConfig {
    /// Refuses values that git could read as options and paths that leave the checkout.
    pub fn validate(&self) -> Result<(), String> {
        if self.url.is_empty() || self.url.starts_with('-') {
            return Err(format!(
                "--repo '{}' is not a repository URL",
                redact(&self.url)
            ));
        }
        if self.url.chars().any(char::is_control) {
            return Err("--repo contains control characters".into());
        }
        let b = &self.branch;
        if b.is_empty()
            || b.starts_with('-')
            || b.contains("..")
            || b.ends_with('/')
            || b.ends_with(".lock")
            || b.chars()
                .any(|c| c.is_control() || c.is_whitespace() || "~^:?*[\\".contains(c))
        {
            return Err(format!("--branch '{b}' is not a valid branch name"));
        }
        if let Some(p) = &self.path {
            let bad = p.starts_with('-')
                || Path::new(p).is_absolute()
                || Path::new(p)
                    .components()
                    .any(|c| matches!(c, std::path::Component::ParentDir));
            if bad {
                return Err(format!(
                    "--path '{p}' must be a relative directory inside the repository"
                ));
            }
        }
        if self.username_file.is_some() && self.password_file.is_none() {
            return Err("--git-username-file needs --git-password-file or --git-token-file".into());
        }
        Ok(())
    }
}

/// The URL without credentials, for messages.
pub fn redact(url: &str) -> String {
    if let Some((scheme, rest)) = url.split_once("://") {
        let end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@') {
            return format!("{scheme}://***@{}", &rest[at + 1..]);
        }
    }
    url.to_string()
}

/// A private checkout of the followed branch.
pub struct Fetcher {
    config: SourceConfig,
    repo: PathBuf,
    _temp: Option<tempfile::TempDir>,
}

impl Fetcher {
    /// Creates (or reuses) the private directory and an empty repository in it.
    pub fn new(config: SourceConfig) -> Result<Fetcher, String> {
        config.validate()?;
        let (dir, temp) = match &config.cache_dir {
            Some(cache) => (private_dir(cache, &config)?, None),
            None => {
                let t = tempfile::Builder::new()
                    .prefix("kubectl-gitops-agent-")
                    .tempdir()
                    .map_err(|e| format!("creating a temporary directory: {e}"))?;
                (t.path().to_path_buf(), Some(t))
            }
        };
        let repo = dir.join("checkout");
        if !repo.join(".git").is_dir() {
            let _ = std::fs::remove_dir_all(&repo);
            std::fs::create_dir(&repo).map_err(|e| format!("{}: {e}", repo.display()))?;
            let out = std::process::Command::new("git")
                .args([
                    "-c",
                    "init.defaultBranch=agent",
                    "init",
                    "-q",
                    "--template=",
                ])
                .arg(&repo)
                .env_remove("GIT_DIR")
                .env_remove("GIT_WORK_TREE")
                .output()
                .map_err(|e| format!("running git: {e}"))?;
            if !out.status.success() {
                return Err(format!(
                    "git init {}: {}",
                    repo.display(),
                    String::from_utf8_lossy(&out.stderr).trim()
                ));
            }
        }
        Ok(Fetcher {
            config,
            repo,
            _temp: temp,
        })
    }

    /// The repository URL without credentials.
    pub fn display_url(&self) -> String {
        redact(&self.config.url)
    }

    /// The directory envs are rendered from: the checkout, or `--path` inside it.
    /// Refused when a symlink takes it outside the checkout.
    pub fn root(&self) -> Result<PathBuf, String> {
        let top = self
            .repo
            .canonicalize()
            .map_err(|e| format!("{}: {e}", self.repo.display()))?;
        let Some(p) = &self.config.path else {
            return Ok(top);
        };
        let root = top
            .join(p)
            .canonicalize()
            .map_err(|e| format!("--path '{p}': not found in the repository ({e})"))?;
        if !root.starts_with(&top) || !root.is_dir() {
            return Err(format!(
                "--path '{p}' is not a directory inside the repository"
            ));
        }
        Ok(root)
    }

    /// Fetches the branch tip (depth 1) and checks it out; returns the commit id, verified
    /// to be both what was fetched and what the work tree holds.
    pub async fn fetch(&self) -> Result<String, String> {
        let refspec = format!("refs/heads/{}", self.config.branch);
        self.git(&[
            "fetch",
            "--quiet",
            "--depth",
            "1",
            "--no-tags",
            "--no-recurse-submodules",
            "--end-of-options",
            &self.config.url,
            &refspec,
        ])
        .await?;
        let fetched = self
            .git(&[
                "rev-parse",
                "--verify",
                "--end-of-options",
                "FETCH_HEAD^{commit}",
            ])
            .await?;
        if fetched.len() < 40 || !fetched.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(format!("git rev-parse FETCH_HEAD gave '{fetched}'"));
        }
        self.git(&["checkout", "--quiet", "--force", "--detach", &fetched])
            .await?;
        self.git(&["clean", "-q", "-ffdx"]).await?;
        let head = self
            .git(&["rev-parse", "--verify", "--end-of-options", "HEAD^{commit}"])
            .await?;
        if head != fetched {
            return Err(format!(
                "checked out {head}, but fetched {fetched}; refusing to render"
            ));
        }
        Ok(fetched)
    }

    /// Runs one git command in the checkout; stdout trimmed, or stderr as the error.
    async fn git(&self, args: &[&str]) -> Result<String, String> {
        let mut cmd = tokio::process::Command::new("git");
        cmd.current_dir(&self.repo)
            .args([
                "-c",
                "credential.helper=",
                "-c",
                "core.hooksPath=/dev/null",
                "-c",
                "core.fsmonitor=false",
                "-c",
                "protocol.ext.allow=never",
                "-c",
                "advice.detachedHead=false",
                "-c",
                "http.lowSpeedLimit=1000",
                "-c",
                "http.lowSpeedTime=60",
            ])
            .args(args)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_ALLOW_PROTOCOL", "file:git:http:https:ssh")
            .env_remove("GIT_DIR")
            .env_remove("GIT_WORK_TREE")
            .env_remove("GIT_INDEX_FILE")
            .env_remove("GIT_ASKPASS")
            .env_remove("SSH_ASKPASS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if std::env::var_os("GIT_SSH_COMMAND").is_none() {
            // Never wait for a passphrase or a host key confirmation.
            cmd.env("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
        }
        if let Some(password) = &self.config.password_file {
            let exe = std::env::current_exe()
                .map_err(|e| format!("locating this program for GIT_ASKPASS: {e}"))?;
            cmd.env("GIT_ASKPASS", exe)
                .env(ASKPASS_PASSWORD_ENV, password)
                .env(
                    ASKPASS_USERNAME_ENV,
                    self.config
                        .username_file
                        .as_deref()
                        .unwrap_or(Path::new("")),
                );
        }
        let verb = args.first().copied().unwrap_or("");
        let out = match tokio::time::timeout(GIT_TIMEOUT, cmd.output()).await {
            Ok(Ok(out)) => out,
            Ok(Err(e)) => return Err(format!("running git {verb}: {e}")),
            Err(_) => {
                return Err(format!(
                    "git {verb} of {} took longer than {}s",
                    self.display_url(),
                    GIT_TIMEOUT.as_secs()
                ))
            }
        };
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let stderr = stderr.replace(&self.config.url, &self.display_url());
            let stderr = crate::cli::one_line(stderr.trim());
            return Err(format!(
                "git {verb} of {} branch {}: {stderr}",
                self.display_url(),
                self.config.branch
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    }
}

/// `<cache>/agent-<hash of url and branch>`, created 0700; an existing one must be ours
/// and private.
fn private_dir(cache: &Path, config: &SourceConfig) -> Result<PathBuf, String> {
    use sha2::{Digest, Sha256};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(cache)
        .map_err(|e| format!("--cache-dir {}: {e}", cache.display()))?;
    let digest = Sha256::digest(format!("{}\n{}", config.url, config.branch));
    let name: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let dir = cache.join(format!("agent-{name}"));
    match std::fs::DirBuilder::new().mode(0o700).create(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(format!("{}: {e}", dir.display())),
    }
    let meta = std::fs::symlink_metadata(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let uid = unsafe { libc::geteuid() };
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o077 != 0 {
        return Err(format!(
            "{} is not a private directory of this user (mode 0700 needed)",
            dir.display()
        ));
    }
    Ok(dir)
}

/// The askpass helper: when git re-invokes this binary with a prompt, print the
/// username or password from the files named in the environment. `None` when this
/// process is not an askpass call.
pub fn askpass_from_env() -> Option<std::process::ExitCode> {
    let password_file = std::env::var_os(ASKPASS_PASSWORD_ENV)?;
    let prompt = std::env::args().nth(1).unwrap_or_default();
    let file = if prompt.starts_with("Username") {
        match std::env::var_os(ASKPASS_USERNAME_ENV) {
            Some(f) if !f.is_empty() => Some(PathBuf::from(f)),
            _ => None,
        }
    } else if prompt.starts_with("Password") {
        Some(PathBuf::from(password_file))
    } else {
        return Some(std::process::ExitCode::from(1));
    };
    let answer = match file {
        // A token alone: any non-empty username is accepted by the common forges.
        None => "git".to_string(),
        Some(f) => match std::fs::read_to_string(&f) {
            Ok(s) => s.trim_end_matches(['\n', '\r']).to_string(),
            Err(e) => {
                eprintln!("kubectl-gitops askpass: {}: {e}", f.display());
                return Some(std::process::ExitCode::from(1));
            }
        },
    };
    use std::io::Write;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{answer}");
    Some(std::process::ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(url: &str, branch: &str, path: Option<&str>) -> SourceConfig {
        SourceConfig {
            url: url.into(),
            branch: branch.into(),
            path: path.map(str::to_string),
            ..SourceConfig::default()
        }
    }

    #[test]
    fn option_like_values_are_refused() {
        assert!(source("--upload-pack=touch /tmp/x", "main", None)
            .validate()
            .is_err());
        assert!(source("file:///r", "-main", None).validate().is_err());
        assert!(source("file:///r", "main", Some("-x")).validate().is_err());
        assert!(source("file:///r", "main", Some("../up"))
            .validate()
            .is_err());
        assert!(source("file:///r", "main", Some("/etc"))
            .validate()
            .is_err());
        assert!(source("file:///r", "a..b", None).validate().is_err());
        assert!(source("file:///r", "release/1.2", Some("deploy"))
            .validate()
            .is_ok());
    }

    #[test]
    fn credentials_are_redacted() {
        assert_eq!(
            redact("https://user:tok@git.example.com/a/b.git"),
            "https://***@git.example.com/a/b.git"
        );
        assert_eq!(redact("file:///srv/repo"), "file:///srv/repo");
    }
}
