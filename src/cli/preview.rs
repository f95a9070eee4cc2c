//! `kubectl gitops preview`: render every env at a base revision (read from Git objects)
//! and at the head (the work tree, or a revision), compare, print; exit 0 when no env
//! changes, 1 when some env changes, 2 on an error (either side failing to render).

use super::args::{BuildFlags, PreviewArgs, PreviewOutput};
use super::{target, CliError};
use crate::cluster::binding;
use crate::preview::{self, present, Rendered, Side};
use crate::render;
use crate::source::{Repo, Revision, Tree};
use std::collections::{BTreeSet, HashMap};
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
    let flags = super::env::effective_build_flags(flags, tree.root(), env, binding.as_ref())
        .map_err(|e| e.to_string())?;
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
    let wanted = |env: &String| args.envs.is_empty() || args.envs.contains(env);
    let cache = Arc::new(render::cache::FileCache::default());
    let mut renderer = preview::Renderer::new();
    let mut failed_options: HashMap<(Side, String), String> = HashMap::new();
    let mut submit = |renderer: &mut preview::Renderer<(Side, String)>, side: Side, tree: &Tree| {
        let envs: BTreeSet<String> = target::envs(tree.root())
            .into_iter()
            .filter(wanted)
            .collect();
        for env in &envs {
            match options_for(&args.build, tree, env, &cache) {
                Ok(options) => renderer.submit(
                    (side, env.clone()),
                    tree.root().join("envs").join(env),
                    options,
                ),
                Err(e) => {
                    failed_options.insert((side, env.clone()), e);
                }
            }
        }
        envs
    };
    // The head's envs render while the base is read from Git objects.
    let head = repo.open(&head_rev, &rel_root).map_err(source_error)?;
    let head_envs = submit(&mut renderer, Side::Head, &head);
    let base = repo.open(&base_rev, &rel_root);
    let base_envs = match &base {
        Ok(base) => submit(&mut renderer, Side::Base, base),
        Err(_) => BTreeSet::new(),
    };
    let results = renderer.finish();
    let base = base.map_err(source_error)?;
    tracing::info!(
        "read and rendered {} builds in {:?}",
        results.len(),
        start.elapsed()
    );

    let envs: Vec<String> = base_envs.union(&head_envs).cloned().collect();
    for want in &args.envs {
        if !envs.contains(want) {
            let known: BTreeSet<String> = target::envs(base.root())
                .into_iter()
                .chain(target::envs(head.root()))
                .collect();
            return Err(CliError::Usage(format!(
                "'{want}' is an env of neither revision (envs: {})",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.into_iter().collect::<Vec<_>>().join(", ")
                }
            )));
        }
    }
    let strip = strip_prefixes(&[&base, &head]);
    let mut built: HashMap<(Side, String), Result<Vec<serde_json::Value>, String>> = HashMap::new();
    let mut warnings = BTreeSet::new();
    for (key, (result, warns)) in results {
        if key.0 == Side::Head {
            warnings.extend(warns);
        }
        built.insert(
            key,
            result.map_err(|e| super::one_line(&preview::clean(&e, &strip))),
        );
    }
    for (key, e) in failed_options {
        built.insert(key, Err(super::one_line(&preview::clean(&e, &strip))));
    }
    super::print_warnings(&warnings.into_iter().collect::<Vec<_>>())?;
    // The temporary trees go away while the renders are compared.
    let cleanup = std::thread::spawn(move || drop((base, head)));
    let sides: Vec<(String, Rendered, Rendered)> = envs
        .iter()
        .map(|env| {
            let b = built.remove(&(Side::Base, env.clone()));
            let h = built.remove(&(Side::Head, env.clone()));
            (env.clone(), b, h)
        })
        .collect();
    let p = preview::Preview {
        base: base_rev.label(),
        head: head_rev.label(),
        envs: preview::compare_all(sides, args.show_secrets),
    };
    tracing::info!("compared in {:?}", start.elapsed());
    let _ = cleanup.join();

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
