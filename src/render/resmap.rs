//! The ordered set of resources a kustomization accumulates. Order is insertion order
//! (what `sortOptions: fifo` prints); ids are unique, checked through a hash index so
//! that accumulating N resources stays linear.

use super::error::{RenderError, Result};
use super::resource::{IdKey, ResId, Resource};
use std::collections::{HashMap, HashSet};

#[derive(Default, Clone, Debug)]
pub struct ResMap {
    items: Vec<Resource>,
    /// Current ids, kept while only appends happen; dropped by any other mutation.
    current: Option<HashSet<IdKey>>,
    /// Every id (current and previous) to resources, kept likewise.
    any: Option<AnyIdIndex>,
}

impl ResMap {
    pub fn new() -> ResMap {
        ResMap::default()
    }

    fn invalidate(&mut self) {
        self.current = None;
        self.any = None;
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
        self.invalidate();
        self.items.iter_mut()
    }
    pub fn get(&self, i: usize) -> &Resource {
        &self.items[i]
    }
    pub fn get_mut(&mut self, i: usize) -> &mut Resource {
        self.invalidate();
        &mut self.items[i]
    }
    /// Mutable access for a change that keeps every id of the resource (a merge that
    /// restores kind, name and namespace), so the indexes stay valid.
    pub fn update_keeping_ids<T>(&mut self, i: usize, f: impl FnOnce(&mut Resource) -> T) -> T {
        let before: Vec<ResId> = self.items[i].all_ids().collect();
        let out = f(&mut self.items[i]);
        if self.items[i].all_ids().ne(before) {
            self.invalidate();
        }
        out
    }
    pub fn into_vec(self) -> Vec<Resource> {
        self.items
    }
    pub fn retain(&mut self, f: impl FnMut(&Resource) -> bool) {
        self.invalidate();
        self.items.retain(f)
    }
    pub fn remove(&mut self, i: usize) -> Resource {
        self.invalidate();
        self.items.remove(i)
    }
    pub fn replace_all(&mut self, items: Vec<Resource>) {
        self.invalidate();
        self.items = items;
    }

    /// Appends resources, failing on the first id already present (or repeated in `new`).
    pub fn append_all(&mut self, new: Vec<Resource>) -> Result<()> {
        let current = self
            .current
            .get_or_insert_with(|| self.items.iter().map(|r| r.id().key()).collect());
        let mut added: HashSet<IdKey> = HashSet::with_capacity(new.len());
        for r in &new {
            let id = r.id();
            let key = id.key();
            if current.contains(&key) || added.contains(&key) {
                // keep the set consistent with `items` before failing
                for k in &added {
                    current.remove(k);
                }
                return Err(RenderError::DuplicateId {
                    origin: r.origin.clone(),
                    id: id.to_string(),
                });
            }
            added.insert(key);
        }
        current.extend(added);
        let start = self.items.len();
        self.items.extend(new);
        if let Some(any) = &mut self.any {
            for (i, r) in self.items.iter().enumerate().skip(start) {
                any.add(i, r);
            }
        }
        Ok(())
    }

    /// Indexes of resources whose current or any previous id equals `id`.
    pub fn find_by_any_id(&mut self, id: &ResId) -> Vec<usize> {
        let items = &self.items;
        self.any
            .get_or_insert_with(|| {
                let mut any = AnyIdIndex::default();
                for (i, r) in items.iter().enumerate() {
                    any.add(i, r);
                }
                any
            })
            .find(id)
            .to_vec()
    }
}

#[derive(Default, Clone, Debug)]
pub struct AnyIdIndex {
    map: HashMap<IdKey, Vec<usize>>,
}

impl AnyIdIndex {
    fn add(&mut self, i: usize, r: &Resource) {
        for id in r.all_ids() {
            let v = self.map.entry(id.key()).or_default();
            if v.last() != Some(&i) {
                v.push(i);
            }
        }
    }

    pub fn find(&self, id: &ResId) -> &[usize] {
        self.map.get(&id.key()).map(Vec::as_slice).unwrap_or(&[])
    }
}
