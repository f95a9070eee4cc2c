//! The ordered set of resources a kustomization accumulates. Order is insertion order
//! (what `sortOptions: fifo` prints); ids are unique, checked through a hash index so
//! that accumulating N resources stays linear.

use super::error::{RenderError, Result};
use super::resource::{IdKey, ResId, Resource};
use std::collections::{HashMap, HashSet};

#[derive(Default, Clone, Debug)]
pub struct ResMap {
    items: Vec<Resource>,
}

impl ResMap {
    pub fn new() -> ResMap {
        ResMap::default()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Resource> {
        self.items.iter()
    }
    pub fn iter_mut(&mut self) -> std::slice::IterMut<'_, Resource> {
        self.items.iter_mut()
    }
    pub fn get(&self, i: usize) -> &Resource {
        &self.items[i]
    }
    pub fn get_mut(&mut self, i: usize) -> &mut Resource {
        &mut self.items[i]
    }
    pub fn into_vec(self) -> Vec<Resource> {
        self.items
    }
    pub fn retain(&mut self, f: impl FnMut(&Resource) -> bool) {
        self.items.retain(f)
    }
    pub fn remove(&mut self, i: usize) -> Resource {
        self.items.remove(i)
    }
    pub fn replace_all(&mut self, items: Vec<Resource>) {
        self.items = items;
    }

    /// Appends resources, failing on the first id already present (or repeated in `new`).
    pub fn append_all(&mut self, new: Vec<Resource>) -> Result<()> {
        let mut seen: HashSet<IdKey> = self.items.iter().map(|r| r.id().key()).collect();
        for r in &new {
            let id = r.id();
            if !seen.insert(id.key()) {
                return Err(RenderError::DuplicateId {
                    origin: r.origin.clone(),
                    id: id.to_string(),
                });
            }
        }
        self.items.extend(new);
        Ok(())
    }

    /// Indexes of resources whose current or any previous id equals `id`.
    pub fn find_by_any_id(&self, id: &ResId) -> Vec<usize> {
        let key = id.key();
        self.items
            .iter()
            .enumerate()
            .filter(|(_, r)| r.all_ids().any(|i| i.key() == key))
            .map(|(i, _)| i)
            .collect()
    }

    /// An index of every id (current and previous) to the resources carrying it, for
    /// transformers that look many ids up.
    pub fn any_id_index(&self) -> AnyIdIndex {
        let mut map: HashMap<IdKey, Vec<usize>> = HashMap::new();
        for (i, r) in self.items.iter().enumerate() {
            let mut keys: Vec<IdKey> = r.all_ids().map(|id| id.key()).collect();
            keys.dedup();
            for k in keys {
                let v = map.entry(k).or_default();
                if v.last() != Some(&i) {
                    v.push(i);
                }
            }
        }
        AnyIdIndex { map }
    }
}

pub struct AnyIdIndex {
    map: HashMap<IdKey, Vec<usize>>,
}

impl AnyIdIndex {
    pub fn find(&self, id: &ResId) -> &[usize] {
        self.map.get(&id.key()).map(Vec::as_slice).unwrap_or(&[])
    }
}
