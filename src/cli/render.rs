//! `kubectl gitops render`: one target, or every env with `--all` (built in parallel on
//! all cores, files shared between envs parsed once).

use super::args::{BuildFlags, OutputFormat, RenderArgs};
use super::{print_warnings, target, CliError};
use crate::cluster::binding;
use crate::render;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The build flags for the env at `dir`: the command line's over its binding's.
fn flags_for(args: &RenderArgs, root: &Path, dir: &Path) -> Result<BuildFlags, CliError> {
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()));
    let binding = match name {
        Some(name) => binding::load(root, &name).map_err(CliError::Usage)?,
        None => None,
    };
    let name = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.file_name().map(|n| n.to_string_lossy().to_string()))
        .unwrap_or_default();
    super::env::effective_build_flags(&args.build, root, &name, binding.as_ref())
}

fn format(out: &render::Output, format: OutputFormat) -> String {
    match format {
        OutputFormat::Yaml => render::to_yaml(&out.resources),
        OutputFormat::Json => render::to_json(&out.resources),
    }
}

pub fn run(args: RenderArgs, root_flag: Option<&Path>) -> Result<ExitCode, CliError> {
    if args.all {
        return run_all(&args, root_flag);
    }
    let (dir, root) = target::resolve_with_root(args.target.as_deref(), root_flag)?;
    let options = flags_for(&args, &root, &dir)?.options(None);
    let start = std::time::Instant::now();
    let out = render::build(&dir, &options)?;
    tracing::info!(
        "built {} objects in {:?}",
        out.resources.len(),
        start.elapsed()
    );
    print_warnings(&out.warnings)?;
    let text = format(&out, args.output);
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    o.write_all(text.as_bytes())?;
    o.flush()?;
    // The process exits right away: skip freeing every object one by one.
    std::mem::forget(out);
    Ok(ExitCode::SUCCESS)
}

fn run_all(args: &RenderArgs, root_flag: Option<&Path>) -> Result<ExitCode, CliError> {
    let root = target::root(root_flag)?;
    let envs = target::envs(&root);
    if envs.is_empty() {
        return Err(CliError::Usage(format!(
            "no envs in {} (expected envs/<name>/kustomization.yaml)",
            root.join("envs").display()
        )));
    }
    let cache = Arc::new(render::cache::FileCache::default());
    let opts = envs
        .iter()
        .map(|env| {
            let dir = root.join("envs").join(env);
            Ok(flags_for(args, &root, &dir)?.options(Some(cache.clone())))
        })
        .collect::<Result<Vec<_>, CliError>>()?;
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(envs.len());
    let mut results: Vec<Option<Result<render::Output, render::RenderError>>> =
        (0..envs.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(env) = envs.get(i) else {
                            break;
                        };
                        done.push((i, render::build(&root.join("envs").join(env), &opts[i])));
                    }
                    done
                })
            })
            .collect();
        for h in handles {
            if let Ok(done) = h.join() {
                for (i, r) in done {
                    results[i] = Some(r);
                }
            }
        }
    });
    let mut outputs = Vec::with_capacity(envs.len());
    for (env, r) in envs.iter().zip(results) {
        let out =
            r.ok_or_else(|| CliError::Usage(format!("env {env}: the build did not finish")))??;
        print_warnings(&out.warnings)?;
        outputs.push(out);
    }
    let ext = match args.output {
        OutputFormat::Yaml => "yaml",
        OutputFormat::Json => "json",
    };
    let stdout = std::io::stdout();
    let mut o = stdout.lock();
    for (i, (env, out)) in envs.iter().zip(&outputs).enumerate() {
        let text = format(out, args.output);
        match &args.output_dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                std::fs::write(dir.join(format!("{env}.{ext}")), text)?;
            }
            None => {
                if i > 0 && args.output == OutputFormat::Yaml {
                    o.write_all(b"---\n")?;
                }
                if args.output == OutputFormat::Yaml {
                    writeln!(o, "# env: {env}")?;
                }
                o.write_all(text.as_bytes())?;
            }
        }
    }
    o.flush()?;
    std::mem::forget(outputs);
    Ok(ExitCode::SUCCESS)
}
