//! Where the files of a render come from: the Git work tree as it is on disk (uncommitted
//! changes included), or a commit read straight from Git objects, with no checkout, no
//! change to the work tree or the index and no network. A commit is materialized into a
//! private temporary directory (mode 0700, removed when the [`Tree`] is dropped) in the
//! same layout as a checkout, so a render of it reads exactly the files a checkout would
//! hold; the directory is in `/dev/shm` when that is tmpfs with ample room (creating and
//! removing thousands of files there is several times cheaper than on a disk). Tree
//! entries are untrusted: names that would leave the directory (`..`, `/`, `.git`) are
//! refused, and a symlink is kept only if it resolves inside the extracted tree. `git`
//! runs without a shell, and every revision is validated with `rev-parse --verify
//! --end-of-options` before any other command sees it (only full object ids are passed
//! on). Used by `preview`; meant to be shared with the in-cluster agent.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};
use std::process::{Command, Stdio};

/// Errors reading a repository or a revision.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{dir}: not inside a Git work tree ({message})")]
    NotARepository { dir: PathBuf, message: String },
    #[error("revision '{rev}' is not a commit of {repo}")]
    BadRevision { rev: String, repo: PathBuf },
    #[error("no default branch to compare with: none of origin/HEAD, main, master exists in {repo} (give --base)")]
    NoDefaultBranch { repo: PathBuf },
    #[error("no merge base of HEAD and {branch} in {repo} (give --base)")]
    NoMergeBase { branch: String, repo: PathBuf },
    #[error("{root}: the repository root is not inside the Git work tree {top}")]
    RootOutsideWorkTree { root: PathBuf, top: PathBuf },
    #[error("revision {rev}: '{path}': {reason}")]
    UnsafeEntry {
        rev: String,
        path: String,
        reason: String,
    },
    #[error("git {command}: {message}")]
    Git { command: String, message: String },
    #[error("revision {rev}: {message}")]
    Io {
        rev: String,
        message: String,
        /// The file system is full (a memory-backed one falls back to the disk).
        full: bool,
    },
}

impl SourceError {
    fn io(rev: &str, path: &str, e: std::io::Error) -> SourceError {
        SourceError::Io {
            rev: rev.to_string(),
            full: e.kind() == std::io::ErrorKind::StorageFull,
            message: if path.is_empty() {
                e.to_string()
            } else {
                format!("{path}: {e}")
            },
        }
    }
}

/// `/dev/shm` when it is a memory file system with room for `size` bytes four times over
/// and the tree is under 256 MiB, unless the user chose a directory with `TMPDIR`.
fn memory_dir(size: u64) -> Option<PathBuf> {
    const MAX: u64 = 256 << 20;
    if std::env::var_os("TMPDIR").is_some() || size > MAX {
        return None;
    }
    let dir = Path::new("/dev/shm");
    if !dir.is_dir() {
        return None;
    }
    let c = std::ffi::CString::new("/dev/shm").ok()?;
    // SAFETY: a valid NUL-terminated path, and a zeroed statfs for the call to fill.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    if unsafe { libc::statfs(c.as_ptr(), &mut st) } != 0 || st.f_type != libc::TMPFS_MAGIC {
        return None;
    }
    let free = (st.f_bavail as u64).saturating_mul(st.f_bsize as u64);
    (free / 4 > size.saturating_add(1 << 20)).then(|| dir.to_path_buf())
}

/// A Git work tree: the directory `git rev-parse --show-toplevel` names.
#[derive(Clone, Debug)]
pub struct Repo {
    top: PathBuf,
}

/// Which files to read: the work tree on disk, or one commit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Revision {
    /// The work tree as it is, uncommitted and untracked files included.
    WorkTree,
    /// A commit, by full object id.
    Commit(String),
}

impl Revision {
    /// A short label: `working tree` or the first 12 characters of the commit id.
    pub fn label(&self) -> String {
        match self {
            Revision::WorkTree => "working tree".to_string(),
            Revision::Commit(oid) => oid.chars().take(12).collect(),
        }
    }
}

/// Files of one revision on disk: the repository root of that revision, and, for a
/// commit, the private directory holding it (deleted on drop).
#[derive(Debug)]
pub struct Tree {
    root: PathBuf,
    top: PathBuf,
    _dir: Option<tempfile::TempDir>,
}

impl Tree {
    /// The repository root (`--root`, or the work tree's top) in this revision.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The top of the (materialized) work tree, the root's ancestor or the root itself.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// Whether the root exists in this revision (a repository added by the change has no
    /// root at the base).
    pub fn has_root(&self) -> bool {
        self.root.is_dir()
    }
}

fn git(dir: &Path) -> Command {
    let mut c = Command::new("git");
    c.arg("-C")
        .arg(dir)
        // Nothing here may run a program configured elsewhere or prompt.
        .args([
            "-c",
            "core.fsmonitor=false",
            "-c",
            "core.hooksPath=/dev/null",
        ])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_OPTIONAL_LOCKS", "0")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
        .stdin(Stdio::null());
    c
}

/// Runs git, returning trimmed stdout, or `Err(stderr's first line)`.
fn output(dir: &Path, args: &[&str]) -> Result<String, String> {
    let out = git(dir)
        .args(args)
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        let err = String::from_utf8_lossy(&out.stderr);
        Err(err
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("failed")
            .trim()
            .to_string())
    }
}

fn is_oid(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Repo {
    /// The work tree that holds `dir`.
    pub fn discover(dir: &Path) -> Result<Repo, SourceError> {
        let top = output(dir, &["rev-parse", "--show-toplevel"]).map_err(|message| {
            SourceError::NotARepository {
                dir: dir.to_path_buf(),
                message,
            }
        })?;
        if top.is_empty() {
            return Err(SourceError::NotARepository {
                dir: dir.to_path_buf(),
                message: "a bare repository has no work tree".to_string(),
            });
        }
        Ok(Repo {
            top: PathBuf::from(top),
        })
    }

    /// The top directory of the work tree.
    pub fn top(&self) -> &Path {
        &self.top
    }

    /// The full commit id `rev` names; anything that is not a commit is refused.
    pub fn resolve(&self, rev: &str) -> Result<String, SourceError> {
        let bad = || SourceError::BadRevision {
            rev: rev.to_string(),
            repo: self.top.clone(),
        };
        if rev.is_empty() || rev.contains('\0') || rev.contains('\n') {
            return Err(bad());
        }
        let spec = format!("{rev}^{{commit}}");
        let oid = output(
            &self.top,
            &[
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                &spec,
            ],
        )
        .map_err(|_| bad())?;
        if is_oid(&oid) {
            Ok(oid)
        } else {
            Err(bad())
        }
    }

    /// The merge base of HEAD with the default branch: `origin/HEAD`, else `main`, else
    /// `master` (the first that exists).
    pub fn default_base(&self) -> Result<String, SourceError> {
        let head = self.resolve("HEAD")?;
        for branch in ["origin/HEAD", "main", "master"] {
            let Ok(tip) = self.resolve(branch) else {
                continue;
            };
            return output(&self.top, &["merge-base", &head, &tip])
                .ok()
                .filter(|oid| is_oid(oid))
                .ok_or_else(|| SourceError::NoMergeBase {
                    branch: branch.to_string(),
                    repo: self.top.clone(),
                });
        }
        Err(SourceError::NoDefaultBranch {
            repo: self.top.clone(),
        })
    }

    /// `root` (a directory of the work tree) relative to the top.
    pub fn relative_root(&self, root: &Path) -> Result<PathBuf, SourceError> {
        let outside = || SourceError::RootOutsideWorkTree {
            root: root.to_path_buf(),
            top: self.top.clone(),
        };
        let top = self.top.canonicalize().map_err(|_| outside())?;
        let root_c = root.canonicalize().map_err(|_| outside())?;
        root_c
            .strip_prefix(&top)
            .map(Path::to_path_buf)
            .map_err(|_| outside())
    }

    /// The files of `rev` with the repository root at `rel_root` (relative to the top):
    /// the work tree itself, or the commit materialized into a private directory.
    pub fn open(&self, rev: &Revision, rel_root: &Path) -> Result<Tree, SourceError> {
        match rev {
            Revision::WorkTree => Ok(Tree {
                root: self.top.join(rel_root),
                top: self.top.clone(),
                _dir: None,
            }),
            Revision::Commit(oid) => {
                let dir = self.materialize(oid)?;
                let top = dir.path().to_path_buf();
                Ok(Tree {
                    root: top.join(rel_root),
                    top,
                    _dir: Some(dir),
                })
            }
        }
    }

    /// Writes the tree of commit `oid` (a full id from [`Repo::resolve`]) into a new
    /// private temporary directory.
    pub fn materialize(&self, oid: &str) -> Result<tempfile::TempDir, SourceError> {
        if !is_oid(oid) {
            return Err(SourceError::BadRevision {
                rev: oid.to_string(),
                repo: self.top.clone(),
            });
        }
        let entries = self.list_tree(oid)?;
        let total: u64 = entries.iter().map(|e| e.size).sum();
        // A memory-backed directory when the tree fits comfortably: creating and removing
        // thousands of files there costs a fraction of a disk file system's time.
        if let Some(fast) = memory_dir(total) {
            match self.write_tree(oid, &entries, Some(&fast)) {
                Err(SourceError::Io { full: true, .. }) => {}
                done => return done,
            }
        }
        self.write_tree(oid, &entries, None)
    }

    /// The tree written into a new private directory under `parent` (default: the
    /// system's temporary directory).
    fn write_tree(
        &self,
        oid: &str,
        entries: &[Entry],
        parent: Option<&Path>,
    ) -> Result<tempfile::TempDir, SourceError> {
        let io = |e: std::io::Error| SourceError::io(oid, "", e);
        let mut builder = tempfile::Builder::new();
        builder.prefix("kubectl-gitops-rev-");
        let dir = match parent {
            Some(p) => builder.tempdir_in(p),
            None => builder.tempdir(),
        }
        .map_err(io)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))
                .map_err(io)?;
        }
        let top = dir.path().canonicalize().map_err(io)?;
        write_entries(&self.top, oid, &top, entries)?;
        check_symlinks(oid, &top, entries)?;
        Ok(dir)
    }

    fn list_tree(&self, oid: &str) -> Result<Vec<Entry>, SourceError> {
        let out = git(&self.top)
            .args(["ls-tree", "-r", "-z", "-l", "--full-tree", oid])
            .output()
            .map_err(|e| SourceError::Git {
                command: "ls-tree".into(),
                message: e.to_string(),
            })?;
        if !out.status.success() {
            return Err(SourceError::Git {
                command: "ls-tree".into(),
                message: String::from_utf8_lossy(&out.stderr).trim().to_string(),
            });
        }
        let mut entries = Vec::new();
        for record in out.stdout.split(|b| *b == 0).filter(|r| !r.is_empty()) {
            let bad = || SourceError::Git {
                command: "ls-tree".into(),
                message: format!("unexpected output '{}'", String::from_utf8_lossy(record)),
            };
            let tab = record.iter().position(|b| *b == b'\t').ok_or_else(bad)?;
            let (meta, path) = (&record[..tab], &record[tab + 1..]);
            let meta = std::str::from_utf8(meta).map_err(|_| bad())?;
            let mut parts = meta.split_whitespace();
            let (Some(mode), Some(_kind), Some(object), Some(size)) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad());
            };
            let size = size.parse::<u64>().unwrap_or(0);
            let kind = match mode {
                "100644" => EntryKind::File,
                "100755" => EntryKind::Executable,
                "120000" => EntryKind::Symlink,
                "160000" => EntryKind::Submodule,
                _ => return Err(bad()),
            };
            let shown = String::from_utf8_lossy(path).to_string();
            let rel = safe_path(path).map_err(|reason| SourceError::UnsafeEntry {
                rev: oid.to_string(),
                path: shown.clone(),
                reason: reason.to_string(),
            })?;
            if rel.is_none() {
                continue;
            }
            entries.push(Entry {
                kind,
                size,
                object: object.to_string(),
                path: rel.unwrap_or_default(),
                shown,
            });
        }
        // A crafted tree may list `d` as a symlink and `d/x` as a file: writing the file
        // would follow the link. A checkout never holds both; refuse it.
        let links: HashSet<&Path> = entries
            .iter()
            .filter(|e| e.kind == EntryKind::Symlink)
            .map(|e| e.path.as_path())
            .collect();
        if !links.is_empty() {
            for e in &entries {
                if e.path.ancestors().skip(1).any(|a| links.contains(a)) {
                    return Err(SourceError::UnsafeEntry {
                        rev: oid.to_string(),
                        path: e.shown.clone(),
                        reason: "lies under a symlink".to_string(),
                    });
                }
            }
        }
        Ok(entries)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryKind {
    File,
    Executable,
    Symlink,
    Submodule,
}

#[derive(Debug)]
struct Entry {
    kind: EntryKind,
    /// Bytes of the blob (0 for a submodule).
    size: u64,
    object: String,
    path: PathBuf,
    shown: String,
}

/// A tree path as a relative path of plain components; `Ok(None)` for what a checkout
/// leaves out (anything under `.git`).
fn safe_path(raw: &[u8]) -> Result<Option<PathBuf>, &'static str> {
    let mut out = PathBuf::new();
    for part in raw.split(|b| *b == b'/') {
        match part {
            b"" => return Err("empty path component"),
            b"." | b".." => return Err("path component leaves the tree"),
            p if p.eq_ignore_ascii_case(b".git") => return Ok(None),
            p => out.push(OsStr::from_bytes(p)),
        }
    }
    if out.as_os_str().is_empty() {
        return Err("empty path");
    }
    Ok(Some(out))
}

/// Streams every blob through one `git cat-file --batch` and writes it in place.
fn write_entries(repo: &Path, oid: &str, top: &Path, entries: &[Entry]) -> Result<(), SourceError> {
    let io = |e: std::io::Error, path: &str| SourceError::io(oid, path, e);
    let mut made: HashSet<PathBuf> = HashSet::new();
    let mut mkdirs = |dir: &Path| -> std::io::Result<()> {
        if dir != top && made.insert(dir.to_path_buf()) {
            std::fs::create_dir_all(dir)?;
        }
        Ok(())
    };
    let blobs: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.kind != EntryKind::Submodule)
        .collect();
    for e in entries.iter().filter(|e| e.kind == EntryKind::Submodule) {
        // A checkout leaves an uninitialised submodule as an empty directory.
        mkdirs(&top.join(&e.path)).map_err(|err| io(err, &e.shown))?;
    }
    if blobs.is_empty() {
        return Ok(());
    }
    let mut child = git(repo)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| io(e, ""))?;
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| io(std::io::Error::other("no stdin"), ""))?;
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| io(std::io::Error::other("no stdout"), ""))?;
    let ids: Vec<String> = blobs.iter().map(|e| e.object.clone()).collect();
    let feeder = std::thread::spawn(move || -> std::io::Result<()> {
        let mut w = std::io::BufWriter::new(&mut stdin);
        for id in ids {
            w.write_all(id.as_bytes())?;
            w.write_all(b"\n")?;
        }
        w.flush()
    });
    let mut reader = BufReader::with_capacity(1 << 16, stdout);
    let mut header = String::new();
    let mut content = Vec::new();
    let mut result = Ok(());
    for e in &blobs {
        header.clear();
        if let Err(err) = reader.read_line(&mut header) {
            result = Err(io(err, &e.shown));
            break;
        }
        let size = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse::<usize>().ok());
        let Some(size) = size.filter(|_| header.split(' ').nth(1) == Some("blob")) else {
            result = Err(SourceError::Git {
                command: "cat-file".into(),
                message: format!("{}: unexpected reply '{}'", e.shown, header.trim_end()),
            });
            break;
        };
        content.clear();
        content.resize(size + 1, 0);
        if let Err(err) = reader.read_exact(&mut content) {
            result = Err(io(err, &e.shown));
            break;
        }
        content.truncate(size);
        let path = top.join(&e.path);
        let written = (|| -> std::io::Result<()> {
            if let Some(parent) = path.parent() {
                mkdirs(parent)?;
            }
            match e.kind {
                EntryKind::Symlink => {
                    std::os::unix::fs::symlink(OsStr::from_bytes(&content), &path)
                }
                EntryKind::Executable => {
                    use std::os::unix::fs::OpenOptionsExt;
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o755)
                        .open(&path)?
                        .write_all(&content)
                }
                _ => {
                    use std::os::unix::fs::OpenOptionsExt;
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create_new(true)
                        .mode(0o644)
                        .open(&path)?
                        .write_all(&content)
                }
            }
        })();
        if let Err(err) = written {
            result = Err(io(err, &e.shown));
            break;
        }
    }
    drop(reader);
    let _ = feeder.join();
    let status = child.wait().map_err(|e| io(e, ""))?;
    result?;
    if !status.success() {
        return Err(SourceError::Git {
            command: "cat-file".into(),
            message: format!("exited with {status}"),
        });
    }
    Ok(())
}

/// Every symlink must resolve inside `top` (or, when it resolves to nothing, point
/// inside it as written).
fn check_symlinks(oid: &str, top: &Path, entries: &[Entry]) -> Result<(), SourceError> {
    for e in entries.iter().filter(|e| e.kind == EntryKind::Symlink) {
        let link = top.join(&e.path);
        let inside = match link.canonicalize() {
            Ok(real) => real.starts_with(top),
            Err(_) => {
                let target = std::fs::read_link(&link).unwrap_or_default();
                let parent = link.parent().unwrap_or(top);
                lexically_inside(&parent.join(target), top)
            }
        };
        if !inside {
            let target = std::fs::read_link(&link).unwrap_or_default();
            return Err(SourceError::UnsafeEntry {
                rev: oid.to_string(),
                path: e.shown.clone(),
                reason: format!(
                    "symlink to '{}' points outside the repository",
                    target.display()
                ),
            });
        }
    }
    Ok(())
}

fn lexically_inside(path: &Path, top: &Path) -> bool {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return false;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out.starts_with(top)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_paths_never_leave_the_tree() {
        assert_eq!(safe_path(b"a/b.yaml"), Ok(Some(PathBuf::from("a/b.yaml"))));
        assert!(safe_path(b"../x").is_err());
        assert!(safe_path(b"a//x").is_err());
        assert!(safe_path(b"/x").is_err());
        assert!(safe_path(b"a/./x").is_err());
        assert_eq!(safe_path(b"a/.GIT/config"), Ok(None));
    }

    #[test]
    fn lexical_containment() {
        let top = Path::new("/t/top");
        assert!(lexically_inside(Path::new("/t/top/a/../b"), top));
        assert!(!lexically_inside(Path::new("/t/top/a/../../x"), top));
        assert!(!lexically_inside(Path::new("/etc/passwd"), top));
    }
}
