//! `kubectl gitops render`: one target, or every env with `--all` (built in parallel on
//! all cores, files shared between envs parsed once).

use super::args::{OutputFormat, RenderArgs};
use super::{print_warnings, target, CliError};
use crate::render;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

fn options(args: &RenderArgs, cache: Option<Arc<render::cache::FileCache>>) -> render::Options {
    render::Options {
        load_restrictor: args.load_restrictor.into(),
        git_cache_dir: None,
        helm: render::helm::HelmSettings {
            enabled: args.enable_helm,
            command: args.helm_command.clone(),
            kube_version: args.helm_kube_version.clone(),
            api_versions: args.helm_api_versions.clone(),
            debug: args.helm_debug,
        },
        cache,
    }
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
    let dir = target::resolve(args.target.as_deref(), root_flag)?;
    let start = std::time::Instant::now();
    let out = render::build(&dir, &options(&args, None))?;
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
    let opts = options(args, Some(cache));
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
                        done.push((i, render::build(&root.join("envs").join(env), &opts)));
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
