//! Remote bases: recognising a `resources`/`components` entry that names a git
//! repository (the URL forms kustomize accepts), and fetching it with the `git` program
//! the way kustomize does (`init`, `remote add`, a shallow `fetch` of one ref,
//! `checkout FETCH_HEAD`, submodules), each command bounded by the URL's timeout.
//!
//! Unlike kustomize, which clones into a fresh temporary directory on every build, clones
//! are kept in a cache keyed by (clone URL, ref, submodules):
//! `$XDG_CACHE_HOME/kubectl-gitops/git/<key>`, or `~/.cache/kubectl-gitops/git/<key>`
//! when `XDG_CACHE_HOME` is unset (see [`default_cache_dir`]). The cache must be private
//! ([`CloneCache::open`]): created 0700, owned by us, not writable by anyone else, and no
//! other user able to swap a directory above it; otherwise (and without a home
//! directory) clones go to a fresh private temporary directory removed after the build.
//! A ref that is a full commit id names immutable content, so its clone is reused as long
//! as it still is that commit, unmodified ([`verify_clone`]); any other ref (a branch, a
//! tag, `HEAD`) is fetched again the first time a process asks for it and reused for the
//! rest of that process.
//!
//! A repository is untrusted input: a ref, URL, host or path that starts with `-` is refused
//! (git would read it as an option, `--upload-pack=<command>`), every git command ends
//! its options with `--end-of-options`, and the directory built must stay inside the
//! clone once `..` and symlinks are resolved.
//!
//! Plain http(s) URLs naming a file are fetched by kustomize with an HTTP GET; this
//! engine has no network access of its own, so they are reported as
//! [`RemoteError::HttpFile`].

use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// kustomize's default bound on each git command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(27);

/// The warning kustomize logs when it strips a `git::` prefix.
pub const GIT_PREFIX_WARNING: &str = "Warning: Forcing the git protocol using the 'git::' URL prefix is not supported. Kustomize currently strips this invalid prefix, but will stop doing so in a future release. Please remove the 'git::' prefix from your configuration.";

/// A git repository, a ref in it, and the directory in it to build.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepoSpec {
    /// The entry as written in the kustomization (used in messages and cycle checks).
    pub raw: String,
    /// What is handed to `git remote add` / `git fetch`.
    pub clone_url: String,
    /// The kustomization directory inside the repository, `""` for its root.
    pub subdir: String,
    /// `?ref=` (or the legacy `?version=`); `None` fetches `HEAD`.
    pub git_ref: Option<String>,
    /// Bound on each git command (`?timeout=`, default 27 s).
    pub timeout: Duration,
    /// `?submodules=` (default true).
    pub submodules: bool,
    /// A warning kustomize prints for this URL (a stripped `git::` prefix).
    pub warning: Option<String>,
}

/// What a remote entry is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Remote {
    Git(RepoSpec),
    /// An http(s) URL naming a file, which kustomize would GET.
    HttpFile(String),
}

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("remote file '{url}': fetching resources over HTTP is not supported (no network access); download the file and list the local copy instead")]
    HttpFile { url: String },

    #[error("remote base '{url}': the path in the URL climbs out of the repository")]
    ExitsRepo { url: String },

    #[error("remote base '{url}': cannot clone: no 'git' program on PATH")]
    GitMissing { url: String },

    #[error("remote base '{url}': 'git {command}' failed: {message}")]
    GitFailed {
        url: String,
        command: String,
        message: String,
    },

    #[error("remote base '{url}': 'git {command}' timed out after {}s (raise it with ?timeout= in the URL)", timeout.as_secs_f64())]
    Timeout {
        url: String,
        command: String,
        timeout: Duration,
    },

    #[error("remote base '{url}': '{subdir}' is not a directory in the repository")]
    NotADirectory { url: String, subdir: String },

    #[error("remote base '{url}': '{subdir}' resolves outside of the repository")]
    OutsideRepo { url: String, subdir: String },

    #[error("remote base '{url}': {message}")]
    Io { url: String, message: String },

    #[error("remote base '{url}': the {field} '{value}' starts with '-', which git would read as an option; refusing it")]
    OptionLike {
        url: String,
        field: &'static str,
        value: String,
    },
}

impl RemoteError {
    fn io(url: &str, what: &str, e: &std::io::Error) -> Self {
        RemoteError::Io {
            url: url.to_string(),
            message: format!("{what}: {e}"),
        }
    }
}

/// True when `entry` is a git URL or an http(s) URL: something not on the local disk.
pub fn is_remote(entry: &str) -> bool {
    !matches!(classify(entry), Ok(None))
}

/// The git repository `entry` names, if it is a git URL kustomize accepts. URLs that
/// kustomize rejects (including a path that climbs out of the repository) give `None`;
/// use [`classify`] to tell those apart.
pub fn parse_git_url(entry: &str) -> Option<RepoSpec> {
    match classify(entry) {
        Ok(Some(Remote::Git(spec))) => Some(spec),
        _ => None,
    }
}

/// Classifies an entry: `Ok(None)` for a local path, a git repository, or an http(s)
/// file URL. An http(s) URL whose path ends in `.yaml`, `.yml` or `.json` is taken to
/// be a file (kustomize tries a GET before a clone, so such URLs are files there too).
pub fn classify(entry: &str) -> Result<Option<Remote>, RemoteError> {
    if Path::new(entry).is_absolute() {
        return Ok(None);
    }
    let (no_query, query) = match entry.split_once('?') {
        Some((a, b)) => (a, b),
        None => (entry, ""),
    };
    let lower = entry.to_ascii_lowercase();
    let is_http = lower.starts_with("http://") || lower.starts_with("https://");
    if is_http && looks_like_file(no_query) {
        return Ok(Some(Remote::HttpFile(entry.to_string())));
    }
    let (rest, warning) = match strip_prefix_ci(no_query, "git::") {
        Some(rest) => (rest, Some(GIT_PREFIX_WARNING.to_string())),
        None => (no_query, None),
    };
    let Some((host, path)) = split_host(rest) else {
        return Ok(http_file(is_http, entry));
    };
    let all_segments = host == "file://";
    let Some((repo, subdir)) = split_repo_path(path, all_segments) else {
        return Ok(http_file(is_http, entry));
    };
    if climbs_out(subdir) {
        return Err(RemoteError::ExitsRepo {
            url: entry.to_string(),
        });
    }
    let q = parse_query(query);
    let spec = RepoSpec {
        raw: entry.to_string(),
        clone_url: format!("{host}{repo}"),
        subdir: subdir.trim_start_matches('/').to_string(),
        git_ref: q.git_ref,
        timeout: q.timeout,
        submodules: q.submodules,
        warning,
    };
    refuse_option_like(&spec)?;
    Ok(Some(Remote::Git(spec)))
}

/// A value that reaches git's command line (ref, URL) or names a path in the clone must
/// not look like an option.
fn refuse_option_like(spec: &RepoSpec) -> Result<(), RemoteError> {
    // The host (after any scheme and user): ssh would read `-oProxyCommand=...` there.
    let url = &spec.clone_url;
    let after_scheme = SCHEMES
        .iter()
        .find_map(|p| strip_prefix_ci(url, p))
        .unwrap_or(url);
    let host = &after_scheme[user_prefix_len(after_scheme)..];
    let fields = [
        ("ref", spec.git_ref.as_deref().unwrap_or("")),
        ("repository URL", url.as_str()),
        ("host", host),
        ("path", spec.subdir.as_str()),
    ];
    match fields.iter().find(|(_, v)| v.starts_with('-')) {
        Some((field, value)) => Err(RemoteError::OptionLike {
            url: spec.raw.clone(),
            field,
            value: value.to_string(),
        }),
        None => Ok(()),
    }
}

fn http_file(is_http: bool, entry: &str) -> Option<Remote> {
    is_http.then(|| Remote::HttpFile(entry.to_string()))
}

fn looks_like_file(url: &str) -> bool {
    let lower = url.to_ascii_lowercase();
    [".yaml", ".yml", ".json"]
        .iter()
        .any(|ext| lower.ends_with(ext))
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

const SCHEMES: [&str; 4] = ["ssh://", "https://", "http://", "file://"];

/// Splits `scheme + user + host` (what precedes the repository path) from the rest.
/// `None` when the entry is not a URL kustomize would clone.
fn split_host(s: &str) -> Option<(String, &str)> {
    let (scheme, rest) = SCHEMES
        .iter()
        .find_map(|p| strip_prefix_ci(s, p).map(|rest| (*p, rest)))
        .unwrap_or(("", s));
    let user_len = user_prefix_len(rest);
    let (user, rest) = rest.split_at(user_len);
    let lower = rest.to_ascii_lowercase();
    let github = lower.starts_with("github.com/") || lower.starts_with("github.com:");
    let scp = scheme.is_empty() && (!user.is_empty() || github);
    if scheme.is_empty() && !scp {
        return None;
    }
    if scheme == "file://" {
        // Everything after the scheme, a would-be user included, is the local path.
        let start = s.len() - rest.len() - user.len();
        return Some((scheme.to_string(), &s[start..]));
    }
    let slash = rest.find('/');
    let sep = match (slash, scp.then(|| rest.find(':')).flatten()) {
        (None, Some(c)) if c > 0 => Some(c),
        (Some(sl), Some(c)) if c > 0 && c < sl => Some(c),
        (sl, _) => sl,
    };
    let (mut host, path) = match sep {
        Some(i) => (&rest[..=i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (scheme, user) = if github {
        if scheme == "ssh://" || !user.is_empty() {
            host = "github.com:";
            ("", user)
        } else {
            host = "github.com/";
            ("https://", "")
        }
    } else {
        (scheme, user)
    };
    if host.is_empty() {
        return None;
    }
    Some((format!("{scheme}{user}{host}"), path))
}

/// Length of a leading `user@` (a letter, then letters, digits or dashes).
fn user_prefix_len(s: &str) -> usize {
    let bytes = s.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_alphabetic) {
        return 0;
    }
    let name = bytes
        .iter()
        .take_while(|b| b.is_ascii_alphanumeric() || **b == b'-')
        .count();
    if bytes.get(name) == Some(&b'@') {
        name + 1
    } else {
        0
    }
}

/// Splits the repository path from the directory to build: by an explicit marker
/// (`_git/<repo>`, `//`, `.git`), else the first two segments (all of them for
/// `file://`).
fn split_repo_path(path: &str, all_segments: bool) -> Option<(&str, &str)> {
    let (repo, subdir) = if let Some(i) = path.find("_git/") {
        let after = i + "_git/".len();
        match path[after..].find('/') {
            Some(j) => (&path[..after + j], &path[after + j + 1..]),
            None => (path, ""),
        }
    } else if let Some(i) = path.find("//") {
        (&path[..i], &path[i + 2..])
    } else if let Some(i) = path.find(".git") {
        let end = i + ".git".len();
        (&path[..end], &path[end..])
    } else if all_segments {
        (path, "")
    } else {
        let mut slashes = path.match_indices('/');
        slashes.next()?;
        match slashes.next() {
            Some((second, _)) => (&path[..second], &path[second + 1..]),
            None => (path, ""),
        }
    };
    (!repo.is_empty()).then_some((repo, subdir))
}

/// True when the cleaned path starts with `..`.
fn climbs_out(subdir: &str) -> bool {
    let mut depth: i64 = 0;
    for part in subdir.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return true;
                }
            }
            _ => depth += 1,
        }
    }
    false
}

struct Query {
    git_ref: Option<String>,
    timeout: Duration,
    submodules: bool,
}

/// `ref` (else `version`), `timeout`, `submodules`; a malformed query (bad escape, a
/// `;`) gives all the defaults, as Go's `url.ParseQuery` failing does for kustomize.
fn parse_query(query: &str) -> Query {
    let defaults = Query {
        git_ref: None,
        timeout: DEFAULT_TIMEOUT,
        submodules: true,
    };
    let mut pairs: Vec<(String, String)> = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        if part.contains(';') {
            return defaults;
        }
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        match (unescape(k), unescape(v)) {
            (Some(k), Some(v)) => pairs.push((k, v)),
            _ => return defaults,
        }
    }
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let git_ref = match (get("ref"), get("version")) {
        ("", "") => None,
        ("", v) => Some(v.to_string()),
        (r, _) => Some(r.to_string()),
    };
    let timeout = parse_timeout(get("timeout")).unwrap_or(DEFAULT_TIMEOUT);
    let submodules = parse_go_bool(get("submodules")).unwrap_or(true);
    Query {
        git_ref,
        timeout,
        submodules,
    }
}

/// Query-string unescaping: `%XX` and `+` for a space.
fn unescape(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// A positive number of seconds, or a positive Go duration (`90s`, `1m30s`, `1.5h`).
fn parse_timeout(s: &str) -> Option<Duration> {
    if s.is_empty() {
        return None;
    }
    if let Ok(n) = s.parse::<i64>() {
        return (n > 0).then(|| Duration::from_secs(n.unsigned_abs()));
    }
    let d = crate::duration::parse_go_seconds(s)?;
    (d > 0.0).then(|| Duration::from_secs_f64(d))
}

/// Go's `strconv.ParseBool`.
fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// `$XDG_CACHE_HOME/kubectl-gitops/git`, else `$HOME/.cache/kubectl-gitops/git`; `None`
/// without either (never a shared directory such as the system temporary directory).
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| {
            std::env::var_os("HOME")
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .map(|h| h.join(".cache"))
        })?;
    Some(base.join("kubectl-gitops").join("git"))
}

/// Where one build keeps its clones: the user's private cache, or a private temporary
/// directory removed when this value is dropped.
#[derive(Debug)]
pub enum CloneCache {
    Private(PathBuf),
    Temporary(tempfile::TempDir),
}

impl CloneCache {
    /// The cache at `configured` (else [`default_cache_dir`]) when it is private (see
    /// [`check_private`]), created 0700 if missing; otherwise a fresh temporary directory
    /// and a warning saying why the cache was not used. `url` is the remote base that
    /// needs the cache (for the error).
    pub fn open(
        configured: Option<&Path>,
        url: &str,
    ) -> Result<(CloneCache, Option<String>), RemoteError> {
        let wanted = configured.map(Path::to_path_buf).or_else(default_cache_dir);
        let mut warning = None;
        if let Some(dir) = wanted {
            match make_private_dir(&dir) {
                Ok(real) => return Ok((CloneCache::Private(real), None)),
                Err(reason) => {
                    warning = Some(format!(
                        "Warning: not using the git clone cache '{}': {reason}; cloning into a private temporary directory instead",
                        dir.display()
                    ));
                }
            }
        }
        let tmp = tempfile::Builder::new()
            .prefix("kubectl-gitops-git-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()
            .map_err(|e| RemoteError::io(url, "cannot create a temporary clone directory", &e))?;
        Ok((CloneCache::Temporary(tmp), warning))
    }

    pub fn path(&self) -> &Path {
        match self {
            CloneCache::Private(p) => p,
            CloneCache::Temporary(t) => t.path(),
        }
    }
}

/// Creates `dir` (and missing parents) with mode 0700 and checks it with
/// [`check_private`]; returns its canonical path.
fn make_private_dir(dir: &Path) -> Result<PathBuf, String> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create it: {e}"))?;
    let real = dir
        .canonicalize()
        .map_err(|e| format!("cannot resolve it: {e}"))?;
    check_private(&real, current_uid())?;
    Ok(real)
}

fn current_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// A directory only `uid` can change: `dir` (canonical) is a directory owned by `uid`
/// and writable by nobody else, and every directory above it is owned by `uid` or root
/// and either not writable by others or sticky (like `/tmp`), so nobody else can rename
/// or replace anything on the way.
pub fn check_private(dir: &Path, uid: u32) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|e| e.to_string())?;
    if !meta.is_dir() {
        return Err("it is not a directory".to_string());
    }
    if meta.uid() != uid {
        return Err(format!(
            "it is owned by uid {}, not by uid {uid}",
            meta.uid()
        ));
    }
    if meta.mode() & 0o022 != 0 {
        return Err(format!(
            "it is writable by others (mode {:o})",
            meta.mode() & 0o7777
        ));
    }
    for parent in dir.ancestors().skip(1) {
        let meta = std::fs::symlink_metadata(parent).map_err(|e| e.to_string())?;
        let owner_ok = meta.uid() == uid || meta.uid() == 0;
        let mode = meta.mode();
        let writable_ok = mode & 0o022 == 0 || mode & 0o1000 != 0;
        if !owner_ok || !writable_ok {
            return Err(format!(
                "'{}' above it can be changed by other users (owner uid {}, mode {:o})",
                parent.display(),
                meta.uid(),
                mode & 0o7777
            ));
        }
    }
    Ok(())
}

/// True for a full commit id (SHA-1 or SHA-256 object name).
pub fn is_commit_id(r: &str) -> bool {
    (r.len() == 40 || r.len() == 64) && r.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The cache directory for a spec: a hash of (clone URL, ref, submodules).
pub fn cache_key(spec: &RepoSpec) -> String {
    let mut h = Sha256::new();
    h.update(spec.clone_url.as_bytes());
    h.update([0]);
    h.update(spec.git_ref.as_deref().unwrap_or("HEAD").as_bytes());
    h.update([0, u8::from(spec.submodules)]);
    let digest = h.finalize();
    digest[..16].iter().map(|b| format!("{b:02x}")).collect()
}

/// Clones fetched (or found reusable) by this process.
fn fresh_this_process() -> &'static Mutex<HashSet<PathBuf>> {
    static FRESH: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    FRESH.get_or_init(|| Mutex::new(HashSet::new()))
}

/// A fetched repository: the clone's root and the directory to build in it (both
/// canonical; `dir` is `root` or below it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fetched {
    pub root: PathBuf,
    pub dir: PathBuf,
}

/// Makes the repository available below `cache_dir` (a private directory, see
/// [`CloneCache`]) and returns the clone and the directory to build.
pub fn fetch(spec: &RepoSpec, cache_dir: &Path) -> Result<Fetched, RemoteError> {
    let url = spec.raw.as_str();
    refuse_option_like(spec)?;
    let clone_dir = cache_dir.join(cache_key(spec));
    let is_dir = std::fs::symlink_metadata(&clone_dir).is_ok_and(|m| m.is_dir());
    let fresh = || {
        fresh_this_process()
            .lock()
            .map(|set| set.contains(&clone_dir))
            .unwrap_or(false)
    };
    let reusable = is_dir
        && (fresh()
            || spec
                .git_ref
                .as_deref()
                .filter(|r| is_commit_id(r))
                .is_some_and(|commit| verify_clone(&clone_dir, commit)));
    if !reusable {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(cache_dir)
            .map_err(|e| RemoteError::io(url, "cannot create the clone cache", &e))?;
        let tmp = cache_dir.join(format!("tmp-{}", unique_suffix()));
        let result = clone_into(spec, &tmp);
        if let Err(e) = result {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
        install(&tmp, &clone_dir).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            RemoteError::io(url, "cannot store the clone", &e)
        })?;
        if let Ok(mut set) = fresh_this_process().lock() {
            set.insert(clone_dir.clone());
        }
    }
    build_dir(spec, &clone_dir)
}

fn unique_suffix() -> String {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{}-{n}-{nanos}", std::process::id())
}

/// Moves a finished clone into place, replacing an older one.
fn install(tmp: &Path, dest: &Path) -> std::io::Result<()> {
    if std::fs::symlink_metadata(dest).is_ok() {
        // Move the old clone aside first so the swap never leaves a half-deleted tree
        // at `dest`; a concurrent process may already be using it, which is harmless
        // on Unix.
        let old = dest.with_extension(format!("old-{}", unique_suffix()));
        std::fs::rename(dest, &old)?;
        let _ = std::fs::remove_dir_all(&old);
    }
    match std::fs::rename(tmp, dest) {
        Ok(()) => Ok(()),
        // Another process installed the same clone in between: use theirs.
        Err(_) if dest.is_dir() => {
            let _ = std::fs::remove_dir_all(tmp);
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Whether a cached clone of `commit` can be used as it is: HEAD is that commit and the
/// work tree is exactly the commit's (nothing modified, added, untracked or ignored).
/// Replacement objects and the clone's own fsmonitor/hook settings are not honoured.
pub fn verify_clone(clone_dir: &Path, commit: &str) -> bool {
    let git = |args: &[&str]| {
        Command::new("git")
            .args([
                "-c",
                "core.fsmonitor=false",
                "-c",
                "core.hooksPath=/dev/null",
            ])
            .args(args)
            .current_dir(clone_dir)
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stderr(Stdio::null())
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    // Only a clone root: a directory without its own `.git` would make git look above it.
    if !std::fs::symlink_metadata(clone_dir.join(".git")).is_ok_and(|m| m.is_dir()) {
        return false;
    }
    let head_ok = git(&["rev-parse", "--verify", "HEAD"])
        .is_some_and(|head| head.eq_ignore_ascii_case(commit));
    head_ok
        && git(&[
            "status",
            "--porcelain",
            "--ignored",
            "--untracked-files=all",
        ])
        .is_some_and(|s| s.is_empty())
}

/// The kustomization directory inside a clone: it must exist, be a directory, and stay
/// in the clone once symlinks are followed.
fn build_dir(spec: &RepoSpec, clone_dir: &Path) -> Result<Fetched, RemoteError> {
    let url = spec.raw.as_str();
    let root = clone_dir
        .canonicalize()
        .map_err(|e| RemoteError::io(url, "cannot read the clone", &e))?;
    let mut joined = root.clone();
    for c in Path::new(&spec.subdir).components() {
        if let Component::Normal(part) = c {
            joined.push(part);
        } else if c == Component::ParentDir {
            joined.pop();
        }
    }
    let not_dir = || RemoteError::NotADirectory {
        url: url.to_string(),
        subdir: spec.subdir.clone(),
    };
    let real = joined.canonicalize().map_err(|_| not_dir())?;
    if !real.starts_with(&root) {
        return Err(RemoteError::OutsideRepo {
            url: url.to_string(),
            subdir: spec.subdir.clone(),
        });
    }
    if !real.is_dir() {
        return Err(not_dir());
    }
    Ok(Fetched { root, dir: real })
}

/// The git commands kustomize runs to clone, in order.
pub fn clone_commands(spec: &RepoSpec) -> Vec<Vec<String>> {
    let owned = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let git_ref = spec.git_ref.as_deref().unwrap_or("HEAD");
    let mut cmds = vec![
        owned(&["init"]),
        owned(&[
            "remote",
            "add",
            "--end-of-options",
            "origin",
            &spec.clone_url,
        ]),
        owned(&[
            "fetch",
            "--depth=1",
            "--end-of-options",
            &spec.clone_url,
            git_ref,
        ]),
        owned(&["checkout", "FETCH_HEAD"]),
    ];
    if spec.submodules {
        cmds.push(owned(&["submodule", "update", "--init", "--recursive"]));
    }
    cmds
}

fn clone_into(spec: &RepoSpec, dir: &Path) -> Result<(), RemoteError> {
    std::fs::create_dir_all(dir)
        .map_err(|e| RemoteError::io(&spec.raw, "cannot create the clone directory", &e))?;
    let log = dir.with_extension("stderr");
    let result = clone_commands(spec)
        .iter()
        .try_for_each(|args| run_git(spec, dir, args, &log));
    let _ = std::fs::remove_file(&log);
    result
}

/// Runs one git command in `dir`, killed after the spec's timeout; stderr goes to
/// `log` (a file, so a killed command's children cannot block us on a pipe).
fn run_git(spec: &RepoSpec, dir: &Path, args: &[String], log: &Path) -> Result<(), RemoteError> {
    let url = spec.raw.as_str();
    let command = args.join(" ");
    let stderr = std::fs::File::create(log)
        .map_err(|e| RemoteError::io(url, "cannot create a log file", &e))?;
    let mut child = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(stderr)
        .spawn()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => RemoteError::GitMissing {
                url: url.to_string(),
            },
            _ => RemoteError::io(url, "cannot run git", &e),
        })?;
    let deadline = Instant::now() + spec.timeout;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(RemoteError::Timeout {
                    url: url.to_string(),
                    command,
                    timeout: spec.timeout,
                });
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(RemoteError::io(url, "cannot wait for git", &e)),
        }
    };
    if status.success() {
        return Ok(());
    }
    let text = std::fs::read_to_string(log).unwrap_or_default();
    Err(RemoteError::GitFailed {
        url: url.to_string(),
        command,
        message: summarize_stderr(&text, status.code()),
    })
}

/// The most telling line of git's stderr: the first `fatal:`/`error:` line, else the
/// last non-empty one.
fn summarize_stderr(text: &str, code: Option<i32>) -> String {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    lines
        .iter()
        .find(|l| l.starts_with("fatal:") || l.starts_with("error:"))
        .or(lines.last())
        .map(|l| l.to_string())
        .unwrap_or_else(|| match code {
            Some(c) => format!("exit status {c}"),
            None => "killed by a signal".to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn git(entry: &str) -> RepoSpec {
        match classify(entry) {
            Ok(Some(Remote::Git(spec))) => spec,
            other => panic!("{entry}: {other:?}"),
        }
    }

    fn parts(entry: &str) -> (String, String, Option<String>) {
        let s = git(entry);
        (s.clone_url, s.subdir, s.git_ref)
    }

    fn p(url: &str, sub: &str, r: Option<&str>) -> (String, String, Option<String>) {
        (url.to_string(), sub.to_string(), r.map(str::to_string))
    }

    #[test]
    fn https_forms() {
        assert_eq!(
            parts("https://github.com/org/repo/path/to/base?ref=v1"),
            p("https://github.com/org/repo", "path/to/base", Some("v1"))
        );
        assert_eq!(
            parts("https://gitlab.example.com/org/repo.git//base?ref=main"),
            p(
                "https://gitlab.example.com/org/repo.git",
                "base",
                Some("main")
            )
        );
        assert_eq!(
            parts("https://example.com/group/sub/repo//deploy"),
            p("https://example.com/group/sub/repo", "deploy", None)
        );
        assert_eq!(
            parts("http://example.com/org/repo.git/dir"),
            p("http://example.com/org/repo.git", "dir", None)
        );
        assert_eq!(
            parts("https://example.com/org/repo"),
            p("https://example.com/org/repo", "", None)
        );
    }

    #[test]
    fn github_normalisation() {
        assert_eq!(
            parts("github.com/org/repo/base"),
            p("https://github.com/org/repo", "base", None)
        );
        assert_eq!(
            parts("git@github.com:org/repo/base?version=v2"),
            p("git@github.com:org/repo", "base", Some("v2"))
        );
        assert_eq!(
            parts("ssh://git@github.com/org/repo.git//x"),
            p("git@github.com:org/repo.git", "x", None)
        );
    }

    #[test]
    fn ssh_scp_file_and_azure() {
        assert_eq!(
            parts("ssh://git@example.com/org/repo//base"),
            p("ssh://git@example.com/org/repo", "base", None)
        );
        assert_eq!(
            parts("git@example.com:org/repo.git/base"),
            p("git@example.com:org/repo.git", "base", None)
        );
        assert_eq!(
            parts("file:///tmp/repos/one.git//base?ref=v1"),
            p("file:///tmp/repos/one.git", "base", Some("v1"))
        );
        assert_eq!(
            parts("file:///tmp/repos/plain"),
            p("file:///tmp/repos/plain", "", None)
        );
        assert_eq!(
            parts("https://user@dev.azure.com/org/project/_git/repo/path/base"),
            p(
                "https://user@dev.azure.com/org/project/_git/repo",
                "path/base",
                None
            )
        );
    }

    #[test]
    fn query_parameters() {
        let s = git("https://example.com/org/repo?ref=v1&timeout=61&submodules=false");
        assert_eq!(s.timeout, Duration::from_secs(61));
        assert!(!s.submodules);
        let s = git("https://example.com/org/repo?timeout=1m30s&ref=x&version=y");
        assert_eq!(s.timeout, Duration::from_secs(90));
        assert_eq!(s.git_ref.as_deref(), Some("x"));
        let s = git("https://example.com/org/repo?timeout=-3&submodules=maybe");
        assert_eq!(s.timeout, DEFAULT_TIMEOUT);
        assert!(s.submodules);
        // A malformed query falls back to every default, ref included.
        let s = git("https://example.com/org/repo?ref=v1;x=2");
        assert_eq!(s.git_ref, None);
        let s = git("https://example.com/org/repo?ref=a%2Fb");
        assert_eq!(s.git_ref.as_deref(), Some("a/b"));
    }

    #[test]
    fn git_prefix_is_stripped_with_a_warning() {
        let s = git("git::https://example.com/org/repo//base");
        assert_eq!(s.clone_url, "https://example.com/org/repo");
        assert_eq!(s.warning.as_deref(), Some(GIT_PREFIX_WARNING));
        assert_eq!(git("https://example.com/org/repo").warning, None);
    }

    #[test]
    fn local_paths_are_not_remote() {
        for entry in [
            "base",
            "../base",
            "./overlays/prod",
            "deploy.yaml",
            "/abs/path",
            "dir/with@sign",
            "1user@host:path/x",
        ] {
            assert!(!is_remote(entry), "{entry}");
            assert_eq!(parse_git_url(entry), None, "{entry}");
        }
    }

    #[test]
    fn climbing_out_is_rejected() {
        assert!(matches!(
            classify("https://example.com/org/repo//../other"),
            Err(RemoteError::ExitsRepo { .. })
        ));
        assert!(matches!(
            classify("https://example.com/org/repo/a/../../b"),
            Err(RemoteError::ExitsRepo { .. })
        ));
        assert_eq!(git("https://example.com/org/repo/a/../b").subdir, "a/../b");
        assert!(is_remote("https://example.com/org/repo//../other"));
    }

    #[test]
    fn http_files() {
        for url in [
            "https://raw.example.com/org/repo/main/deploy.yaml",
            "https://example.com/x.yml",
            "http://example.com/only",
        ] {
            assert_eq!(
                classify(url).ok().flatten(),
                Some(Remote::HttpFile(url.to_string())),
                "{url}"
            );
            assert!(is_remote(url));
        }
    }

    #[test]
    fn go_durations() {
        assert_eq!(parse_timeout("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_timeout("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_timeout("2h3m"), Some(Duration::from_secs(7380)));
        assert_eq!(parse_timeout("500ms"), Some(Duration::from_millis(500)));
        assert_eq!(parse_timeout("0"), None);
        assert_eq!(parse_timeout("3x"), None);
        assert_eq!(parse_timeout("s"), None);
    }

    #[test]
    fn commands_match_kustomize() {
        let mut s = git("file:///r.git//base?ref=v1");
        let cmds = clone_commands(&s);
        assert_eq!(
            cmds[2],
            [
                "fetch",
                "--depth=1",
                "--end-of-options",
                "file:///r.git",
                "v1"
            ]
        );
        assert_eq!(cmds.len(), 5);
        s.submodules = false;
        s.git_ref = None;
        let cmds = clone_commands(&s);
        assert_eq!(cmds.len(), 4);
        assert_eq!(cmds[2][4], "HEAD");
    }

    #[test]
    fn cache_keys_differ_by_ref() {
        let a = git("file:///r.git?ref=v1");
        let b = git("file:///r.git?ref=v2");
        assert_ne!(cache_key(&a), cache_key(&b));
        assert_eq!(cache_key(&a), cache_key(&git("file:///r.git//sub?ref=v1")));
        assert!(is_commit_id(&"a".repeat(40)));
        assert!(!is_commit_id("v1.2.3"));
    }

    #[test]
    fn option_like_values_are_refused() {
        let err = classify("file:///r.git//base?ref=--upload-pack=touch+x").unwrap_err();
        assert!(
            err.to_string()
                .contains("the ref '--upload-pack=touch x' starts with '-'"),
            "{err}"
        );
        assert!(matches!(
            classify("https://example.com/org/repo//-x"),
            Err(RemoteError::OptionLike { field: "path", .. })
        ));
        assert!(matches!(
            classify("git@-oProxyCommand=touch+x:org/repo"),
            Err(RemoteError::OptionLike { field: "host", .. })
        ));
        assert!(matches!(
            classify("ssh://git@-oProxyCommand=x/org/repo"),
            Err(RemoteError::OptionLike { field: "host", .. })
        ));
        assert!(classify("https://example.com/org/repo?ref=v-1").is_ok());
    }

    #[test]
    fn only_a_private_cache_is_used() {
        use std::os::unix::fs::PermissionsExt;
        let scratch = tempfile::tempdir().unwrap();
        let wanted = scratch.path().join("cache/kubectl-gitops/git");
        let (cache, warning) = CloneCache::open(Some(&wanted), "u").unwrap();
        assert!(matches!(cache, CloneCache::Private(_)), "{cache:?}");
        assert_eq!(warning, None);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&wanted), 0o700);
        assert_eq!(mode(wanted.parent().unwrap()), 0o700);

        std::fs::set_permissions(&wanted, std::fs::Permissions::from_mode(0o777)).unwrap();
        let (cache, warning) = CloneCache::open(Some(&wanted), "u").unwrap();
        let CloneCache::Temporary(tmp) = &cache else {
            panic!("{cache:?}")
        };
        assert_eq!(mode(tmp.path()), 0o700);
        assert!(warning.unwrap_or_default().contains("writable by others"));
        let tmp_path = cache.path().to_path_buf();
        drop(cache);
        assert!(!tmp_path.exists());

        std::fs::set_permissions(&wanted, std::fs::Permissions::from_mode(0o700)).unwrap();
        let above = wanted.parent().unwrap();
        std::fs::set_permissions(above, std::fs::Permissions::from_mode(0o777)).unwrap();
        let reason = check_private(&wanted.canonicalize().unwrap(), current_uid()).unwrap_err();
        assert!(reason.contains("can be changed by other users"), "{reason}");
        // A sticky world-writable directory above (like /tmp) is fine.
        std::fs::set_permissions(above, std::fs::Permissions::from_mode(0o1777)).unwrap();
        assert_eq!(
            check_private(&wanted.canonicalize().unwrap(), current_uid()),
            Ok(())
        );
        assert!(check_private(&wanted.canonicalize().unwrap(), current_uid() + 1).is_err());
    }

    #[test]
    fn stderr_summary_prefers_fatal() {
        let text = "hint: x\nfatal: couldn't find remote ref nope\n\nPlease make sure\n";
        assert_eq!(
            summarize_stderr(text, Some(128)),
            "fatal: couldn't find remote ref nope"
        );
        assert_eq!(summarize_stderr("", Some(1)), "exit status 1");
    }
}
