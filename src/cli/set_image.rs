//! `kubectl gitops set-image [TARGET] IMAGE...`: `kustomize edit set image` on an env's
//! kustomization file, keeping its comments and layout (see [`crate::edit::images`]).
//! Arguments are all checked before the file is read; on any error the file is untouched
//! (the edit is written atomically, see [`crate::edit::replace_file`]).

use super::{target, CliError};
use crate::edit::images::{self, EditError, ImageUpdate};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct SetImageArgs {
    /// An optional TARGET (env name or directory; default: the current directory), then one
    /// or more images: NAME=NEWNAME[:TAG][@DIGEST], NAME:TAG[@DIGEST] or NAME@DIGEST.
    /// `*` as NEWNAME, TAG or DIGEST keeps the value the file has.
    #[arg(value_name = "[TARGET] IMAGE", required = true, num_args = 1..)]
    pub args: Vec<String>,
}

/// Splits the words into TARGET and image updates: the first word is TARGET when it is not
/// an image argument and more words follow, or when it names a directory or an env.
fn split_target<'a>(
    words: &'a [String],
    root: Option<&Path>,
) -> Result<(Option<&'a str>, Vec<ImageUpdate>), EditError> {
    let Some((first, rest)) = words.split_first() else {
        return Err(EditError::NoImages);
    };
    let first_update = images::parse_arg(first);
    let (target, image_words) = match first_update {
        Ok(_) => (None, words),
        Err(e) => {
            let is_target = !rest.is_empty() || names_target(first, root);
            if !is_target {
                return Err(e);
            }
            (Some(first.as_str()), rest)
        }
    };
    if image_words.is_empty() {
        return Err(EditError::NoImages);
    }
    let updates = image_words
        .iter()
        .map(|w| images::parse_arg(w))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((target, updates))
}

/// Whether `word` is an existing directory or an env of the repository.
fn names_target(word: &str, root: Option<&Path>) -> bool {
    Path::new(word).is_dir() || target::root(root).is_ok_and(|r| r.join("envs").join(word).is_dir())
}

/// The one kustomization file of `dir`, as kustomize looks it up.
fn kustomization_file(dir: &Path) -> Result<PathBuf, CliError> {
    let found: Vec<PathBuf> = crate::render::kustomization::FILE_NAMES
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .collect();
    match found.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(CliError::Usage(format!(
            "no kustomization.yaml, kustomization.yml or Kustomization in {}",
            dir.display()
        ))),
        _ => Err(CliError::Usage(format!(
            "more than one kustomization file in {}",
            dir.display()
        ))),
    }
}

pub fn run(args: SetImageArgs, root: Option<&Path>) -> Result<ExitCode, CliError> {
    let (target_word, updates) =
        split_target(&args.args, root).map_err(|e| CliError::Usage(e.to_string()))?;
    let dir = target::resolve(target_word, root)?;
    let file = kustomization_file(&dir)?;
    let text = std::fs::read_to_string(&file)
        .map_err(|e| CliError::Usage(format!("reading {}: {e}", file.display())))?;
    let edited = images::set_images(&text, &updates)
        .map_err(|e| CliError::Usage(format!("{}: {e}", file.display())))?;
    if edited != text {
        crate::edit::replace_file(&file, edited.as_bytes()).map_err(|e| {
            CliError::Usage(format!(
                "writing {}: {e} (the file is left untouched)",
                file.display()
            ))
        })?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn target_is_optional() {
        let nowhere = Some(Path::new("/nonexistent-root"));
        let w = words(&["nginx:1", "app=x"]);
        let (t, u) = split_target(&w, nowhere).unwrap();
        assert_eq!(t, None);
        assert_eq!(u.len(), 2);
        let w = words(&["dev", "nginx:1"]);
        let (t, u) = split_target(&w, nowhere).unwrap();
        assert_eq!(t, Some("dev"));
        assert_eq!(u.len(), 1);
    }

    #[test]
    fn bad_words_are_errors() {
        let nowhere = Some(Path::new("/nonexistent-root"));
        assert!(matches!(
            split_target(&words(&["nginx"]), nowhere),
            Err(EditError::InvalidArgument { .. })
        ));
        assert!(matches!(
            split_target(&words(&["dev", "nginx"]), nowhere),
            Err(EditError::InvalidArgument { .. })
        ));
        assert_eq!(
            split_target(&words(&["/"]), nowhere).unwrap_err(),
            EditError::NoImages
        );
    }
}
