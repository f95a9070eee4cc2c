//! The typed errors of a build. Each reads as one sentence naming the file and, where
//! there is one, the object or field; the binary maps every one of them to exit code 2.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    #[error("{path}: {message}")]
    Io { path: PathBuf, message: String },

    #[error("{path}: malformed YAML: {message}")]
    Yaml { path: PathBuf, message: String },

    #[error("{path}: invalid kustomization: {message}")]
    Kustomization { path: PathBuf, message: String },

    #[error("unable to find one of 'kustomization.yaml', 'kustomization.yml' or 'Kustomization' in directory '{}'", dir.display())]
    NoKustomization { dir: PathBuf },

    #[error("found multiple kustomization files under '{}'", dir.display())]
    MultipleKustomizations { dir: PathBuf },

    #[error("{}: security: file '{}' is not in or below '{}'", kustomization.display(), file.display(), root.display())]
    OutsideRoot {
        kustomization: PathBuf,
        file: PathBuf,
        root: PathBuf,
    },

    #[error("{}: cycle detected: '{}' is already being built", kustomization.display(), dir.display())]
    Cycle {
        kustomization: PathBuf,
        dir: PathBuf,
    },

    #[error("{}: '{entry}' is neither a file nor a directory with a kustomization: {reason}", kustomization.display())]
    BadEntry {
        kustomization: PathBuf,
        entry: String,
        reason: String,
    },

    #[error("{origin}: may not add resource with an already registered id: {id}")]
    DuplicateId { origin: String, id: String },

    #[error("{origin}: {message}")]
    Resource { origin: String, message: String },

    #[error("{}: {message}", kustomization.display())]
    Transform {
        kustomization: PathBuf,
        message: String,
    },

    #[error("{message}")]
    Build { message: String },

    #[error("{}: {source}", kustomization.display())]
    Remote {
        kustomization: PathBuf,
        #[source]
        source: super::remote::RemoteError,
    },

    #[error("{}: {source}", kustomization.display())]
    Helm {
        kustomization: PathBuf,
        #[source]
        source: super::helm::HelmError,
    },
}

impl RenderError {
    pub fn transform(kustomization: &std::path::Path, message: impl Into<String>) -> Self {
        RenderError::Transform {
            kustomization: kustomization.to_path_buf(),
            message: message.into(),
        }
    }
}

pub type Result<T, E = RenderError> = std::result::Result<T, E>;
