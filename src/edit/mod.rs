//! Editing kustomization files in place, as `kustomize edit` does, but on the text: the
//! file's comments, key order and formatting are kept, so a `git diff` of an edit shows
//! only the lines that changed. [`images`] owns `set-image` (`kustomize edit set image`).
//! [`replace_file`] writes an edit atomically: the file is either the old text or the
//! new one, never a truncated mix (a full disk leaves it untouched).

pub mod images;

use std::fs::File;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// Replaces the contents of `path` (a symlink is followed: its target is replaced) with
/// `bytes` atomically: a temporary file in the same directory (0600 while written) is
/// written and fsynced, given the original's mode (and owner, when permitted), renamed
/// over the original, and the directory is fsynced. On any error the original is left
/// as it was and the temporary file is removed.
pub fn replace_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    replace_file_with(path, |file| file.write_all(bytes))
}

/// [`replace_file`] with the writing step given (tests inject a failing writer).
fn replace_file_with(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let target = path.canonicalize()?;
    let dir = target.parent().unwrap_or_else(|| Path::new("/"));
    let original = std::fs::metadata(&target)?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // Created 0600 (only we can read it while it is written); removed when dropped
    // unpersisted, so every error below leaves nothing behind.
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}."))
        .suffix(".tmp")
        .permissions(std::fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    {
        use std::os::unix::fs::MetadataExt;
        // Keep the owner when we may (root editing someone else's file); not being
        // allowed to is not an error.
        let _ =
            std::os::unix::fs::fchown(tmp.as_file(), Some(original.uid()), Some(original.gid()));
    }
    tmp.as_file()
        .set_permissions(std::fs::Permissions::from_mode(
            original.permissions().mode() & 0o7777,
        ))?;
    tmp.persist(&target).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(tag: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("gitops-edit-{tag}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn a_failed_write_leaves_the_file_untouched() {
        let dir = scratch("fail");
        let file = dir.path().join("kustomization.yaml");
        std::fs::write(&file, "images: []\n").unwrap();
        let err = replace_file_with(&file, |f| {
            f.write_all(b"imag")?;
            Err(std::io::Error::other("No space left on device"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("No space left"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "images: []\n");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["kustomization.yaml"], "temporary file left behind");
    }

    #[test]
    fn mode_is_kept_and_symlinks_are_followed() {
        let dir = scratch("mode");
        let file = dir.path().join("real.yaml");
        std::fs::write(&file, "a: 1\n").unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("kustomization.yaml");
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        replace_file(&link, b"a: 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&file).unwrap(), "a: 2\n");
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
    }
}
