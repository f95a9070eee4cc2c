//! `kubectl gitops preview`: render every env at a base revision (read from Git objects)
//! and at the head (the work tree, or a revision), compare, print; exit 0 when no env
//! changes, 1 when some env changes, 2 on an error (either side failing to render).

use super::args::{BuildFlags, PreviewArgs, PreviewOutput};
use super::{target, CliError};
use crate::cluster::binding;
use crate::preview::{self, present, Rendered};
use crate::render;
use crate::source::{Repo, Revision, Tree};
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

fn source_error(e: crate::source::SourceError) -> CliError {
    CliError::Usage(e.to_string())
}

/// The render options of `env` in `tree`: the command line's flags over the binding's
/// `buildOptions` of that revision.
fn options_for(
    flags: &BuildFlags,
    tree: &Tree,
    env: &str,
    cache: &Arc<render::cache::FileCache>,
) -> Result<render::Options, String> {
    let binding = binding::load(tree.root(), env)?;
    let flags =
        super::env::effective_build_flags(flags, binding.as_ref()).map_err(|e| e.to_string())?;
    Ok(flags.options(Some(cache.clone())))
}

pub fn run(args: PreviewArgs, root_flag: Option<&Path>, color: bool) -> Result<ExitCode, CliError> {
    // No network: a remote base comes from the clone cache (a commit-pinned ref is reused
    // as cached) or its fetch fails, naming the kustomization. Set before any thread
    // starts; a value the user set wins.
    if std::env::var_os("GIT_ALLOW_PROTOCOL").is_none() {
        std::env::set_var("GIT_ALLOW_PROTOCOL", "file");
    }
    let root = target::root(root_flag)?;
    if !root.is_dir() {
        return Err(CliError::Usage(format!(
            "{}: the repository root is not a directory",
            root.display()
        )));
    }
    let repo = Repo::discover(&root).map_err(source_error)?;
    let rel_root = repo.relative_root(&root).map_err(source_error)?;
    let base_rev = match &args.base {
        Some(rev) => Revision::Commit(repo.resolve(rev).map_err(source_error)?),
        None => Revision::Commit(repo.default_base().map_err(source_error)?),
    };
    let head_rev = match &args.head {
        Some(rev) => Revision::Commit(repo.resolve(rev).map_err(source_error)?),
        None => Revision::WorkTree,
    };
    let start = std::time::Instant::now();
    let base = repo.open(&base_rev, &rel_root).map_err(source_error)?;
    let head = repo.open(&head_rev, &rel_root).map_err(source_error)?;
    tracing::info!("read the revisions in {:?}", start.elapsed());

    let base_envs: BTreeSet<String> = target::envs(base.root()).into_iter().collect();
    let head_envs: BTreeSet<String> = target::envs(head.root()).into_iter().collect();
    let mut envs: Vec<String> = base_envs.union(&head_envs).cloned().collect();
    if !args.envs.is_empty() {
        for want in &args.envs {
            if !envs.contains(want) {
                return Err(CliError::Usage(format!(
                    "'{want}' is an env of neither revision (envs: {})",
                    if envs.is_empty() {
                        "none".to_string()
                    } else {
                        envs.join(", ")
                    }
                )));
            }
        }
        envs.retain(|e| args.envs.contains(e));
    }

    // Every (side, env) build as one job; envs absent on a side are not built there.
    let cache = Arc::new(render::cache::FileCache::default());
    let mut jobs = Vec::new();
    let mut slots: Vec<(Rendered, Rendered)> = Vec::new();
    let mut pending: Vec<(usize, preview::Side)> = Vec::new();
    for (i, env) in envs.iter().enumerate() {
        slots.push((None, None));
        for (side, tree, present) in [
            (preview::Side::Base, &base, base_envs.contains(env)),
            (preview::Side::Head, &head, head_envs.contains(env)),
        ] {
            if !present {
                continue;
            }
            match options_for(&args.build, tree, env, &cache) {
                Ok(options) => {
                    jobs.push((tree.root().join("envs").join(env), options));
                    pending.push((i, side));
                }
                Err(e) => {
                    let failed = Some(Err(super::one_line(&e)));
                    match side {
                        preview::Side::Base => slots[i].0 = failed,
                        preview::Side::Head => slots[i].1 = failed,
                    }
                }
            }
        }
    }
    let strip = strip_prefixes(&[&base, &head]);
    let results = preview::render_all(&jobs, &strip);
    let mut warnings = BTreeSet::new();
    for ((i, side), (result, warns)) in pending.into_iter().zip(results) {
        let result = result.map_err(|e| super::one_line(&e));
        match side {
            preview::Side::Base => slots[i].0 = Some(result),
            preview::Side::Head => {
                warnings.extend(warns);
                slots[i].1 = Some(result);
            }
        }
    }
    super::print_warnings(&warnings.into_iter().collect::<Vec<_>>())?;
    tracing::info!("rendered {} builds in {:?}", jobs.len(), start.elapsed());

    let p = preview::Preview {
        base: base_rev.label(),
        head: head_rev.label(),
        envs: envs
            .iter()
            .zip(slots)
            .map(|(env, (b, h))| preview::compare_env(env, b, h, args.show_secrets))
            .collect(),
    };
    tracing::info!("compared in {:?}", start.elapsed());

    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    if args.changed_only {
        o.write_all(present::changed_only(&p).as_bytes())?;
    } else {
        let text = match args.output {
            PreviewOutput::Text => present::text(&p, color),
            PreviewOutput::Json => present::json(&p),
            PreviewOutput::Markdown => present::markdown(&p),
        };
        o.write_all(text.as_bytes())?;
    }
    o.flush()?;
    drop(o);
    if p.failed() {
        let stderr = std::io::stderr();
        let mut e = stderr.lock();
        for env in &p.envs {
            if let preview::Outcome::Failed { side, error } = &env.outcome {
                let rev = match side {
                    preview::Side::Base => &p.base,
                    preview::Side::Head => &p.head,
                };
                writeln!(
                    e,
                    "error: env {}: the {} ({rev}) does not render: {}",
                    super::one_line(&env.env),
                    side.name(),
                    super::one_line(error)
                )?;
            }
        }
        return Ok(ExitCode::from(2));
    }
    Ok(if p.changed() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The tops of both trees, as given and canonical, so error lines name repository paths.
fn strip_prefixes(trees: &[&Tree]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for t in trees {
        let root = t.root().to_path_buf();
        if let Ok(c) = root.canonicalize() {
            out.push(c);
        }
        out.push(root);
    }
    // Longest first, so a root is removed before its parent would be.
    out.sort_by_key(|p| std::cmp::Reverse(p.as_os_str().len()));
    out.dedup();
    out
}
