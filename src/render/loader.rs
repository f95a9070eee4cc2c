//! Reading files on behalf of one kustomization, with kustomize's load restrictor: a file
//! must resolve (symlinks followed) inside the kustomization's directory unless
//! restrictions are off. Directories (bases) may live anywhere; the chain of directories
//! being built is tracked to detect cycles.

use super::error::{RenderError, Result};
use super::kustomization::FILE_NAMES;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum LoadRestrictor {
    /// Files must be in or below the kustomization's directory (kustomize's default).
    #[default]
    RootOnly,
    /// `--load-restrictor LoadRestrictionsNone`.
    None,
}

/// What a kustomization may read.
#[derive(Clone, Debug)]
pub struct Loader {
    /// The kustomization's directory, canonical.
    pub root: PathBuf,
    /// The kustomization file, for error messages.
    pub kustomization_file: PathBuf,
    pub restrictor: LoadRestrictor,
}

/// What an entry of `resources` turned out to be.
pub enum Entry {
    File(PathBuf),
    Dir(PathBuf),
    /// A git repository to clone (kustomize tries a local file of that name first).
    Remote(super::remote::RepoSpec),
}

impl Loader {
    /// Resolves a file path relative to the root and checks the restrictor.
    pub fn resolve_file(&self, rel: &str) -> Result<PathBuf> {
        let joined = self.root.join(rel);
        let real = joined.canonicalize().map_err(|e| RenderError::Io {
            path: self.kustomization_file.clone(),
            message: format!("cannot read '{rel}': {}", io_reason(&e)),
        })?;
        if self.restrictor == LoadRestrictor::RootOnly && !real.starts_with(&self.root) {
            return Err(RenderError::OutsideRoot {
                kustomization: self.kustomization_file.clone(),
                file: real,
                root: self.root.clone(),
            });
        }
        Ok(real)
    }

    pub fn read_bytes(&self, rel: &str) -> Result<Vec<u8>> {
        // kustomize's loader fetches http(s) URLs; without network access that is an
        // error saying so, rather than a missing local file.
        if (rel.starts_with("https://") || rel.starts_with("http://"))
            && !self.root.join(rel).is_file()
        {
            return Err(RenderError::Remote {
                kustomization: self.kustomization_file.clone(),
                source: super::remote::RemoteError::HttpFile {
                    url: rel.to_string(),
                },
            });
        }
        let path = self.resolve_file(rel)?;
        if path.is_dir() {
            return Err(RenderError::Io {
                path: self.kustomization_file.clone(),
                message: format!("'{rel}' is a directory, not a file"),
            });
        }
        std::fs::read(&path).map_err(|e| RenderError::Io {
            path: self.kustomization_file.clone(),
            message: format!("cannot read '{rel}': {}", io_reason(&e)),
        })
    }

    pub fn read_string(&self, rel: &str) -> Result<String> {
        let bytes = self.read_bytes(rel)?;
        String::from_utf8(bytes).map_err(|_| RenderError::Io {
            path: self.root.join(rel),
            message: "file is not valid UTF-8".to_string(),
        })
    }

    /// Classifies a `resources`/`components` entry: a file (restricted) or a directory
    /// (anywhere, but not absolute).
    pub fn entry(&self, rel: &str) -> Result<Entry> {
        let joined = self.root.join(rel);
        if !joined.is_file() {
            let remote_err = |source| RenderError::Remote {
                kustomization: self.kustomization_file.clone(),
                source,
            };
            match super::remote::classify(rel) {
                Ok(Some(super::remote::Remote::Git(spec))) => return Ok(Entry::Remote(spec)),
                Ok(Some(super::remote::Remote::HttpFile(url))) => {
                    return Err(remote_err(super::remote::RemoteError::HttpFile { url }))
                }
                Err(e) => return Err(remote_err(e)),
                Ok(None) => {}
            }
        }
        match std::fs::metadata(&joined) {
            Ok(m) if m.is_dir() => {
                if Path::new(rel).is_absolute() {
                    return Err(RenderError::BadEntry {
                        kustomization: self.kustomization_file.clone(),
                        entry: rel.to_string(),
                        reason: "new root cannot be absolute".to_string(),
                    });
                }
                let real = joined.canonicalize().map_err(|e| RenderError::Io {
                    path: self.kustomization_file.clone(),
                    message: format!("cannot read '{rel}': {}", io_reason(&e)),
                })?;
                Ok(Entry::Dir(real))
            }
            Ok(_) => Ok(Entry::File(self.resolve_file(rel)?)),
            Err(e) => Err(RenderError::BadEntry {
                kustomization: self.kustomization_file.clone(),
                entry: rel.to_string(),
                reason: io_reason(&e),
            }),
        }
    }
}

/// Finds the kustomization file of a directory: exactly one of the three names.
pub fn find_kustomization_file(dir: &Path) -> Result<PathBuf> {
    let found: Vec<PathBuf> = FILE_NAMES
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p.is_file())
        .collect();
    match found.len() {
        0 => Err(RenderError::NoKustomization {
            dir: dir.to_path_buf(),
        }),
        1 => Ok(found.into_iter().next().unwrap_or_default()),
        _ => Err(RenderError::MultipleKustomizations {
            dir: dir.to_path_buf(),
        }),
    }
}

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}
