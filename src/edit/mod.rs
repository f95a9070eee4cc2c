//! Editing kustomization files in place, as `kustomize edit` does, but on the text: the
//! file's comments, key order and formatting are kept, so a `git diff` of an edit shows
//! only the lines that changed. [`images`] owns `set-image` (`kustomize edit set image`).

pub mod images;
