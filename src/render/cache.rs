//! Parsed resource files shared between builds of one process (`render --all`): a base
//! used by every env is read and parsed once. Entries are keyed by canonical path and
//! never invalidated, so a cache lives only as long as one command.

use super::error::Result;
use super::resource::Resource;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Default)]
pub struct FileCache {
    files: Mutex<HashMap<PathBuf, Arc<Vec<Resource>>>>,
}

impl FileCache {
    /// The resources of `path`, from the cache or from `read`.
    pub fn get_or_read(
        &self,
        path: &Path,
        read: impl FnOnce() -> Result<Vec<Resource>>,
    ) -> Result<Vec<Resource>> {
        let hit = self
            .files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        if let Some(hit) = hit {
            return Ok(hit.as_ref().clone());
        }
        let fresh = read()?;
        self.files
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), Arc::new(fresh.clone()));
        Ok(fresh)
    }
}
