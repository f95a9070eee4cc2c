//! The build pipeline, in kustomize's order. One kustomization accumulates its resources
//! (files, then bases built completely and independently), its generators, its
//! components (run against the same accumulation), then its transformers in the fixed
//! builtin order. The top level then appends hash suffixes, fixes name references, drops
//! local-config objects, sorts, and strips build-only metadata.

use super::config::{self, TransformerConfig};
use super::error::{RenderError, Result};
use super::generators::{self, GeneratorKind};
use super::kustomization::{self, Kustomization};
use super::loader::{self, Entry, LoadRestrictor, Loader};
use super::origin::{self, Origin, Place};
use super::resmap::ResMap;
use super::resource::Resource;
use super::transform::{images, metadata, namespace, prefix_suffix, replicas};
use super::{
    fieldspec, hash, helm, nameref, openapi, order, patches, plugins, remote, replacements, vars,
};
use crate::yaml::parse;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// How to build.
#[derive(Clone, Debug, Default)]
pub struct Options {
    pub load_restrictor: LoadRestrictor,
    /// Where git clones are cached; `None` = `remote::default_cache_dir()`. Either must
    /// be private (see `remote::CloneCache`), else a temporary directory is used.
    pub git_cache_dir: Option<PathBuf>,
    /// `--enable-helm` and the other `--helm-*` flags.
    pub helm: super::helm::HelmSettings,
    /// Parsed files shared with other builds of this process.
    pub cache: Option<std::sync::Arc<super::cache::FileCache>>,
}

/// A finished build: resources in output order, and kustomize's warnings for stderr.
#[derive(Debug)]
pub struct Output {
    pub resources: Vec<Resource>,
    pub warnings: Vec<String>,
}

/// Builds the kustomization in `dir`.
pub fn build(dir: &Path, options: &Options) -> Result<Output> {
    let dir = dir.canonicalize().map_err(|e| RenderError::Io {
        path: dir.to_path_buf(),
        message: loader::io_reason(&e),
    })?;
    let mut builder = Builder {
        options,
        warnings: Vec::new(),
        chain: Vec::new(),
        clones: Vec::new(),
        clone_cache: None,
        top_kustomization: None,
        vars: Vec::new(),
        openapi: None,
        builtin_use: openapi::BuiltinUse::Unused,
        track_origins: false,
        custom_scope: None,
        place: Arc::new(Place {
            dir: dir.clone(),
            repo: None,
        }),
        helm_api_versions: options.helm.api_versions.clone(),
        spelled: vec![(dir.clone(), String::new())],
    };
    let mut acc = Accumulation::default();
    let top = builder.accumulate(&dir, &mut acc, Role::Top)?;

    let Accumulation {
        mut resources,
        config,
    } = acc;
    for r in resources.iter_mut().filter(|r| r.needs_hash) {
        r.remember_id();
        let name = format!("{}-{}", r.name(), hash::suffix(&r.obj));
        r.set_name(&name);
    }
    nameref::fix(&mut resources, &config.name_reference)
        .map_err(|m| RenderError::transform(&top, m))?;
    let var_warnings = vars::resolve(&mut resources, &builder.vars, &config.var_reference)
        .map_err(|m| RenderError::transform(&top, m))?;
    builder.warnings.extend(var_warnings);
    resources.retain(|r| {
        r.annotations()
            .and_then(|a| a.get("config.kubernetes.io/local-config"))
            .is_none_or(|v| v.as_str() == Some("false"))
    });
    let mut resources = resources.into_vec();
    // kustomize rebuilds the map from the remaining objects here and refuses (with a
    // panic) two that a rename left with the same id.
    let mut seen = std::collections::HashSet::with_capacity(resources.len());
    for r in &resources {
        let id = r.id();
        if seen.contains(&id) {
            return Err(RenderError::transform(
                &top,
                format!("may not add resource with an already registered id: {id}"),
            ));
        }
        seen.insert(id);
    }
    let top_k = builder.top_kustomization.take().unwrap_or_default();
    order::sort(&mut resources, top_k.sort_options.as_ref());
    let build_metadata = top_k.build_metadata.clone().unwrap_or_default();
    // kustomize ignores options it does not know.
    let with_origin = build_metadata.iter().any(|b| b == "originAnnotations");
    let with_transformations = build_metadata.iter().any(|b| b == "transformerAnnotations");
    for r in resources.iter().filter(|r| r.maybe_non_finite) {
        check_finite(r)?;
    }
    for r in &mut resources {
        strip_build_metadata(&mut r.obj);
        for (field, original, text) in std::mem::take(&mut r.scalar_ids) {
            if let Some(Value::Object(meta)) = r.obj.get_mut("metadata") {
                if meta.get(field).and_then(Value::as_str) == Some(text.as_str()) {
                    meta.insert(field.to_string(), original);
                }
            }
        }
        if let Some(source) = r.source.as_ref().filter(|_| with_origin) {
            super::resource::set_at(
                &mut r.obj,
                &["metadata", "annotations", origin::ORIGIN_ANNOTATION],
                Value::String(source.annotation()),
            );
        }
        if with_transformations && !r.transformations.is_empty() {
            super::resource::set_at(
                &mut r.obj,
                &[
                    "metadata",
                    "annotations",
                    origin::TRANSFORMATIONS_ANNOTATION,
                ],
                Value::String(origin::transformations_annotation(&r.transformations)),
            );
        }
        if build_metadata.iter().any(|b| b == "managedByLabel") {
            // kubectl's embedded kustomize reports its version as "(devel)".
            super::resource::set_at(
                &mut r.obj,
                &["metadata", "labels", "app.kubernetes.io/managed-by"],
                Value::String("kustomize-(devel)".into()),
            );
        }
    }
    Ok(Output {
        resources,
        warnings: builder.warnings,
    })
}

/// What a kustomization accumulates: resources and the transformer configuration
/// (builtin field specs plus `configurations`, its bases' included).
struct Accumulation {
    resources: ResMap,
    /// Starts empty (kustomize's accumulator does); shared with the builtin
    /// configuration until a `configurations` or `crds` file (here or in a base)
    /// changes it.
    config: std::sync::Arc<TransformerConfig>,
}

impl Default for Accumulation {
    fn default() -> Self {
        Accumulation {
            resources: ResMap::new(),
            config: super::config::empty(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Top,
    Resource,
    Component,
}

struct Builder<'o> {
    options: &'o Options,
    warnings: Vec<String>,
    /// Directories being built, outermost first.
    chain: Vec<PathBuf>,
    /// Git clones being built (raw URL, clone directory), outermost first.
    clones: Vec<(String, PathBuf)>,
    /// Where this build clones to, opened at the first remote base (a temporary one is
    /// removed when the builder is dropped).
    clone_cache: Option<remote::CloneCache>,
    /// The top-level kustomization, whose `sortOptions` decide the output order.
    top_kustomization: Option<Kustomization>,
    /// Every kustomization's `vars`, merged upward; resolved once at the top.
    vars: Vec<vars::Var>,
    /// The `openapi` setting of the first kustomization that has one (kustomize keeps
    /// the schema process-global: the top-level one, else the first nested one reached).
    openapi: Option<openapi::Setting>,
    /// How far kustomize's built-in schema came into play while no `openapi` was set,
    /// which decides whether a nested custom schema replaces it or joins it.
    builtin_use: openapi::BuiltinUse,
    /// Whether origins and transformations are recorded: the top-level kustomization
    /// has some `buildMetadata`.
    track_origins: bool,
    /// Where the kustomization being built lives, for origins.
    place: Arc<Place>,
    /// Custom cluster scopes in force for this build (until the builder is dropped).
    custom_scope: Option<super::resource::CustomScopeGuard>,
    /// The `--helm-api-versions` list as kustomize's charts share it (see
    /// `helm::configure_all`).
    helm_api_versions: Vec<String>,
    /// The local kustomization directories being built, innermost last, each with its
    /// path as kustomize spells it in origins: the `resources`/`components` entries
    /// joined as written from the top (`../../overlays/o0`, not `../o0`).
    spelled: Vec<(PathBuf, String)>,
}

impl Builder<'_> {
    /// How kustomize spells `file` in an origin: under the innermost local kustomization
    /// being built, its spelled path joined with the file's own; else relative to the
    /// place's root.
    fn spell(&self, file: &Path) -> Option<String> {
        if self.place.repo.is_some() {
            return None;
        }
        let (dir, spelled) = self.spelled.last()?;
        let rest = file.strip_prefix(dir).ok()?;
        Some(origin::clean_join(spelled, &rest.to_string_lossy()))
    }

    /// The origin of resources read from `file`, when origins are tracked.
    fn file_origin(&self, file: &Path) -> Option<Arc<Origin>> {
        self.track_origins.then(|| {
            let mut o = self.place.file(file);
            if let Some(path) = self.spell(file) {
                Arc::make_mut(&mut o).path = path;
            }
            o
        })
    }

    /// The origin of a builtin plugin configured in `kfile`, when origins are tracked.
    fn builtin_origin(&self, kfile: &Path, kind: &str) -> Option<Arc<Origin>> {
        self.track_origins.then(|| {
            let mut o = self.place.builtin(kfile, kind);
            if let Some(path) = self.spell(kfile) {
                Arc::make_mut(&mut o).configured_in = path;
            }
            o
        })
    }

    /// Runs `f` with `sub`, reached through the entry `entry` of the innermost
    /// kustomization, as the innermost one.
    fn spelled_as<T>(&mut self, sub: &Path, entry: &str, f: impl FnOnce(&mut Self) -> T) -> T {
        let spelled = match self.spelled.last() {
            Some((_, parent)) => origin::clean_join(parent, entry),
            None => entry.to_string(),
        };
        self.spelled.push((sub.to_path_buf(), spelled));
        let out = f(self);
        self.spelled.pop();
        out
    }

    /// The custom `openapi` schema in force, if any.
    fn custom_schema(&self) -> Option<std::sync::Arc<openapi::CustomSchema>> {
        match &self.openapi {
            Some(openapi::Setting::Custom(s)) => Some(s.clone()),
            _ => None,
        }
    }

    /// Notes resources kustomize gives ids to: while no schema is set, a kind outside its
    /// precomputed scope table flags the built-in schema for parsing.
    fn note_kinds<'r>(&mut self, resources: impl IntoIterator<Item = &'r Resource>) {
        if self.openapi.is_some() || self.builtin_use != openapi::BuiltinUse::Unused {
            return;
        }
        if resources
            .into_iter()
            .any(|r| !openapi::scope_is_precomputed(r.str_at(&["apiVersion"]), r.kind()))
        {
            self.builtin_use = openapi::BuiltinUse::Flagged;
        }
    }

    fn load(&mut self, dir: &Path) -> Result<(Kustomization, Loader)> {
        let file = loader::find_kustomization_file(dir)?;
        let text = std::fs::read_to_string(&file).map_err(|e| RenderError::Io {
            path: file.clone(),
            message: loader::io_reason(&e),
        })?;
        let loaded = kustomization::parse(&text).map_err(|message| RenderError::Kustomization {
            path: file.clone(),
            message,
        })?;
        self.warnings.extend(loaded.warnings);
        // Kustomizations inside a git clone are always root-restricted.
        let restrictor = if self.clones.is_empty() {
            self.options.load_restrictor
        } else {
            LoadRestrictor::RootOnly
        };
        Ok((
            loaded.kustomization,
            Loader {
                root: dir.to_path_buf(),
                kustomization_file: file,
                restrictor,
            },
        ))
    }

    /// Accumulates the kustomization in `dir` into `ra`; returns its file path.
    fn accumulate(&mut self, dir: &Path, acc: &mut Accumulation, role: Role) -> Result<PathBuf> {
        let (k, loader) = self.load(dir)?;
        let kfile = loader.kustomization_file.clone();
        match role {
            Role::Resource if k.is_component() => {
                return Err(RenderError::transform(
                    &kfile,
                    "a Component cannot be listed under resources (expected kind != 'Component'); list it under components",
                ))
            }
            Role::Component if !k.is_component() => {
                return Err(RenderError::transform(
                    &kfile,
                    format!(
                        "expected kind 'Component' but got '{}'; list it under resources",
                        k.kind.as_deref().unwrap_or("Kustomization")
                    ),
                ))
            }
            _ => {}
        }
        if role == Role::Top {
            self.track_origins = k.build_metadata.as_ref().is_some_and(|b| !b.is_empty());
        }
        if let (None, Some(field)) = (&self.openapi, &k.openapi) {
            self.openapi = openapi::setting(field, &loader, self.builtin_use)?;
            if let Some(custom) = self.custom_schema() {
                self.custom_scope = Some(super::resource::CustomScopeGuard::install(custom));
            }
        }
        if role == Role::Top {
            if let Some(so) = &k.sort_options {
                order::check(so).map_err(|m| RenderError::transform(&kfile, m))?;
            }
        }
        self.chain.push(dir.to_path_buf());

        for entry in k.resources.iter().flatten() {
            match loader.entry(entry)? {
                Entry::File(path) => {
                    let mut new = match &self.options.cache {
                        Some(cache) => cache.get_or_read(&path, || read_resources(&path))?,
                        None => read_resources(&path)?,
                    };
                    if let Some(source) = self.file_origin(&path) {
                        for r in &mut new {
                            r.source = Some(source.clone());
                        }
                    }
                    self.note_kinds(&new);
                    acc.resources.append_all(new)?;
                }
                Entry::Dir(sub) => {
                    self.check_base(&kfile, &sub)?;
                    let mut sub_acc = Accumulation::default();
                    self.spelled_as(&sub, entry, |b| {
                        b.accumulate(&sub, &mut sub_acc, Role::Resource)
                    })?;
                    acc.resources.append_all(sub_acc.resources.into_vec())?;
                    merge_base_config(&mut acc.config, &sub_acc.config, &kfile, entry)?;
                }
                Entry::Remote(spec) => {
                    let mut sub_acc = Accumulation::default();
                    self.accumulate_remote(&kfile, &spec, &mut sub_acc, Role::Resource)?;
                    acc.resources.append_all(sub_acc.resources.into_vec())?;
                    merge_base_config(&mut acc.config, &sub_acc.config, &kfile, entry)?;
                }
            }
        }

        let mut files = Vec::new();
        for file in k.configurations.iter().flatten() {
            files.push((file.clone(), loader.read_string(file)?));
        }
        let own =
            config::for_kustomization(&files).map_err(|m| RenderError::transform(&kfile, m))?;
        config::merge_into(&mut acc.config, &own)
            .map_err(|m| RenderError::transform(&kfile, format!("merging config: {m}")))?;
        if let Some(crds) = k.crds.as_ref().filter(|c| !c.is_empty()) {
            let mut declared = TransformerConfig::default();
            for file in crds {
                let text = loader.read_string(file)?;
                declared = TransformerConfig::from_crds(&text)
                    .and_then(|c| declared.merged(&c))
                    .map_err(|m| RenderError::transform(&kfile, format!("crds '{file}': {m}")))?;
            }
            config::merge_into(&mut acc.config, &std::sync::Arc::new(declared))
                .map_err(|m| RenderError::transform(&kfile, format!("merging CRDs: {m}")))?;
        }

        for args in k.config_map_generator.iter().flatten() {
            generators::generate(
                &mut acc.resources,
                &loader,
                GeneratorKind::ConfigMap,
                args,
                k.generator_options.as_ref(),
                self.builtin_origin(&kfile, GeneratorKind::ConfigMap.plugin()),
            )?;
        }
        for args in k.secret_generator.iter().flatten() {
            generators::generate(
                &mut acc.resources,
                &loader,
                GeneratorKind::Secret,
                args,
                k.generator_options.as_ref(),
                self.builtin_origin(&kfile, GeneratorKind::Secret.plugin()),
            )?;
        }

        let charts = helm::chart_configs(
            k.helm_globals.as_ref(),
            k.helm_charts.as_deref(),
            k.helm_chart_inflation_generator.as_deref(),
        );
        let origin = self.builtin_origin(&kfile, "HelmChartInflationGenerator");
        self.inflate_charts(&charts, &loader, acc, origin)?;

        let configs = self.plugin_configs(k.generators.as_deref(), &loader)?;
        for config in &configs {
            let origin = config.source.as_ref().map(|o| o.of_plugin(&config.obj));
            match helm::plugin_chart_config(&config.obj) {
                Some(chart) => self.inflate_charts(&[chart], &loader, acc, origin)?,
                None => plugins::generate(&mut acc.resources, &config.obj, &loader, origin)?,
            }
        }
        if !configs.is_empty() {
            self.note_kinds(acc.resources.iter());
        }

        for entry in k.components.iter().flatten() {
            match loader.entry(entry)? {
                Entry::Dir(sub) => {
                    self.check_base(&kfile, &sub)?;
                    self.spelled_as(&sub, entry, |b| b.accumulate(&sub, acc, Role::Component))?;
                    remerge_component_config(&mut acc.config, &kfile, entry)?;
                }
                Entry::Remote(spec) => {
                    self.accumulate_remote(&kfile, &spec, acc, Role::Component)?;
                    remerge_component_config(&mut acc.config, &kfile, entry)?;
                }
                Entry::File(_) => {
                    return Err(RenderError::BadEntry {
                        kustomization: kfile.clone(),
                        entry: entry.clone(),
                        reason: "a component must be a directory".to_string(),
                    })
                }
            }
        }

        let custom = self.custom_schema();
        let schema = openapi::PatchSchema::new(custom.as_deref());
        let mut mark = |ra: &mut ResMap, kind: &str| {
            if let Some(origin) = self.builtin_origin(&kfile, kind) {
                record_transformation(ra, &origin);
            }
        };
        transform(acc, &k, &loader, &schema, &mut mark)?;
        let configs = self.plugin_configs(k.transformers.as_deref(), &loader)?;
        for config in &configs {
            plugins::transform(
                &mut acc.resources,
                &config.obj,
                &acc.config,
                &loader,
                &schema,
            )?;
            if let Some(source) = &config.source {
                record_transformation(&mut acc.resources, &source.of_plugin(&config.obj));
            }
        }
        let configs = self.plugin_configs(k.validators.as_deref(), &loader)?;
        for config in &configs {
            plugins::validate(
                &mut acc.resources,
                &config.obj,
                &acc.config,
                &loader,
                &schema,
            )?;
        }
        // A strategic merge while no schema is set parses the built-in one.
        if schema.consulted() && self.openapi.is_none() {
            self.builtin_use = openapi::BuiltinUse::Parsed;
        }
        if let Some(entries) = k.vars.as_ref().filter(|v| !v.is_empty()) {
            let fail = |m: String| RenderError::transform(&kfile, m);
            let declared = vars::parse(entries).map_err(fail)?;
            vars::bind(&mut acc.resources, &declared).map_err(fail)?;
            vars::merge(&mut self.vars, declared).map_err(fail)?;
        }
        self.chain.pop();
        if role == Role::Top {
            self.top_kustomization = Some(k);
        }
        Ok(kfile)
    }
}

impl Builder<'_> {
    /// Inflates Helm charts (configurations with the globals merged in) and appends what
    /// they print, each object with `origin` as its origin.
    fn inflate_charts(
        &mut self,
        charts: &[Value],
        loader: &Loader,
        acc: &mut Accumulation,
        origin: Option<Arc<Origin>>,
    ) -> Result<()> {
        let kfile = &loader.kustomization_file;
        let helm_err = |source| RenderError::Helm {
            kustomization: kfile.clone(),
            source,
        };
        helm::check_enabled(self.options.helm.enabled, charts).map_err(helm_err)?;
        let charts = helm::configure_all(charts, &self.options.helm, &mut self.helm_api_versions)
            .map_err(helm_err)?;
        for chart in &charts {
            let docs = helm::inflate(
                chart,
                &loader.root,
                loader.restrictor == LoadRestrictor::RootOnly,
                &self.options.helm,
            )
            .map_err(helm_err)?;
            let file = kfile.display().to_string();
            let mut generated = Vec::new();
            for doc in docs {
                expand(doc, &file, &mut generated)?;
            }
            if let Some(source) = &origin {
                for r in &mut generated {
                    r.source = Some(source.clone());
                }
            }
            // kustomize absorbs generated objects; plain appends are enough while no
            // chart output collides with an existing id.
            self.note_kinds(&generated);
            acc.resources.append_all(generated)?;
        }
        Ok(())
    }

    /// The plugin configurations of `generators`, `transformers` or `validators`; a
    /// directory or git entry is built on its own and its resources are the
    /// configurations.
    fn plugin_configs(
        &mut self,
        entries: Option<&[String]>,
        loader: &Loader,
    ) -> Result<Vec<Resource>> {
        let Some(entries) = entries.filter(|e| !e.is_empty()) else {
            return Ok(Vec::new());
        };
        let kfile = loader.kustomization_file.clone();
        let inline_source = self.file_origin(&kfile);
        let configs = plugins::load_configs(entries, loader, inline_source, &mut |entry| {
            let mut sub = Accumulation::default();
            match entry {
                Entry::Dir(dir) => {
                    self.check_base(&kfile, &dir)?;
                    self.accumulate(&dir, &mut sub, Role::Resource)?;
                }
                Entry::Remote(spec) => {
                    self.accumulate_remote(&kfile, &spec, &mut sub, Role::Resource)?;
                }
                Entry::File(path) => {
                    let mut configs = read_resources(&path)?;
                    if let Some(source) = self.file_origin(&path) {
                        for r in &mut configs {
                            r.source = Some(source.clone());
                        }
                    }
                    return Ok(configs);
                }
            }
            Ok(sub.resources.into_vec())
        })?;
        // kustomize reads plugin configurations as resources, giving them ids.
        self.note_kinds(&configs);
        Ok(configs)
    }

    /// A local base: no cycle, and inside the clone when built from one.
    fn check_base(&self, kfile: &Path, sub: &Path) -> Result<()> {
        if let Some(visited) = self.chain.iter().find(|v| v.starts_with(sub)) {
            return Err(RenderError::Cycle {
                kustomization: kfile.to_path_buf(),
                dir: visited.clone(),
            });
        }
        if let Some((url, clone)) = self.clones.last() {
            if !sub.starts_with(clone) {
                return Err(RenderError::transform(
                    kfile,
                    format!(
                        "security; bases in kustomizations found in cloned git repos must be within the repo, but base '{}' is outside '{}' (the clone of '{url}')",
                        sub.display(),
                        clone.display()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Clones (or reuses) a remote base and builds it.
    fn accumulate_remote(
        &mut self,
        kfile: &Path,
        spec: &remote::RepoSpec,
        acc: &mut Accumulation,
        role: Role,
    ) -> Result<()> {
        if let Some((prev, _)) = self.clones.iter().find(|(u, _)| u.starts_with(&spec.raw)) {
            return Err(RenderError::transform(
                kfile,
                format!(
                    "cycle detected: URI '{}' referenced by previous URI '{prev}'",
                    spec.raw
                ),
            ));
        }
        if let Some(w) = &spec.warning {
            self.warnings.push(w.clone());
        }
        let remote_err = |source| RenderError::Remote {
            kustomization: kfile.to_path_buf(),
            source,
        };
        if self.clone_cache.is_none() {
            let (cache, warning) =
                remote::CloneCache::open(self.options.git_cache_dir.as_deref(), &spec.raw)
                    .map_err(remote_err)?;
            self.warnings.extend(warning);
            self.clone_cache = Some(cache);
        }
        let cache = self
            .clone_cache
            .as_ref()
            .map(|c| c.path().to_path_buf())
            .unwrap_or_default();
        let remote::Fetched { root: clone, dir } =
            remote::fetch(spec, &cache).map_err(remote_err)?;
        let place = Arc::new(Place {
            dir: clone.clone(),
            repo: Some(Arc::new(origin::Repo {
                url: spec.clone_url.clone(),
                git_ref: spec.git_ref.clone().unwrap_or_default(),
            })),
        });
        let outer = std::mem::replace(&mut self.place, place);
        self.clones.push((spec.raw.clone(), clone));
        let result = self.accumulate(&dir, acc, role);
        self.clones.pop();
        self.place = outer;
        result.map(|_| ())
    }
}

/// The builtin transformers of one kustomization, in kustomize's fixed order.
fn transform(
    acc: &mut Accumulation,
    k: &Kustomization,
    loader: &Loader,
    schema: &openapi::PatchSchema<'_>,
    mark: &mut dyn FnMut(&mut ResMap, &str),
) -> Result<()> {
    let kfile = &loader.kustomization_file;
    let fail = |m: String| RenderError::transform(kfile, m);
    let (ra, config) = (&mut acc.resources, &acc.config);
    if let Some(list) = k.patches_strategic_merge.as_ref().filter(|l| !l.is_empty()) {
        patches::apply_strategic_merge_list(ra, list, loader, schema)?;
        mark(ra, "PatchStrategicMergeTransformer");
    }
    for p in k.patches.iter().flatten() {
        patches::apply_patch(ra, p, loader, schema)?;
        mark(ra, "PatchTransformer");
    }
    if let Some(ns) = k.namespace.as_deref().filter(|ns| !ns.is_empty()) {
        namespace::apply(ra, ns, &config.namespace).map_err(fail)?;
        mark(ra, "NamespaceTransformer");
    }
    if let Some(p) = k.name_prefix.as_deref().filter(|p| !p.is_empty()) {
        prefix_suffix::apply(ra, prefix_suffix::Affix::Prefix(p), &config.name_prefix)
            .map_err(fail)?;
        mark(ra, "PrefixTransformer");
    }
    if let Some(s) = k.name_suffix.as_deref().filter(|s| !s.is_empty()) {
        prefix_suffix::apply(ra, prefix_suffix::Affix::Suffix(s), &config.name_suffix)
            .map_err(fail)?;
        mark(ra, "SuffixTransformer");
    }
    for label in k.labels.iter().flatten() {
        // The entry's own fields, then (merged as kustomize does, see `config`) the
        // configured label fields, and the selector fields, or the template fields and
        // `metadata/labels`.
        let mut specs: Vec<fieldspec::FieldSpec> = label
            .fields
            .iter()
            .map(fieldspec::FieldSpec::from_def)
            .collect();
        let merge = |specs: &mut Vec<fieldspec::FieldSpec>, more: &[fieldspec::FieldSpec]| {
            fieldspec::merge_all(specs, more)
                .map_err(|m| fail(format!("failed to merge labels: {m}")))
        };
        merge(&mut specs, &config.labels)?;
        if label.include_selectors {
            merge(&mut specs, &config.common_labels)?;
        } else {
            if label.include_templates {
                fieldspec::merge_all(&mut specs, &config.template_labels)
                    .map_err(|m| fail(format!("failed to merge template fieldSpec: {m}")))?;
            }
            merge(
                &mut specs,
                &[fieldspec::FieldSpec::new("", "metadata/labels", true)],
            )?;
        }
        metadata::apply(ra, &label.pairs, &specs).map_err(fail)?;
        mark(ra, "LabelTransformer");
    }
    let common_labels = k.common_labels.as_ref().filter(|l| !l.is_empty());
    if let Some(labels) = common_labels {
        metadata::apply(ra, labels, &config.common_labels).map_err(fail)?;
    }
    // kustomize configures a commonLabels transformer, possibly empty, whenever
    // `labels` or `commonLabels` has entries.
    if common_labels.is_some() || k.labels.as_ref().is_some_and(|l| !l.is_empty()) {
        mark(ra, "LabelTransformer");
    }
    if let Some(ann) = k.common_annotations.as_ref().filter(|a| !a.is_empty()) {
        metadata::apply(ra, ann, &config.common_annotations).map_err(fail)?;
        mark(ra, "AnnotationsTransformer");
    }
    for p in k.patches_json6902.iter().flatten() {
        patches::apply_json6902(ra, p, loader)?;
        mark(ra, "PatchJson6902Transformer");
    }
    for r in k.replicas.iter().flatten() {
        replicas::apply(ra, r, &config.replicas).map_err(fail)?;
        mark(ra, "ReplicaCountTransformer");
    }
    for image in k.images.iter().flatten() {
        images::apply(ra, image, &config.images).map_err(fail)?;
        mark(ra, "ImageTagTransformer");
    }
    if let Some(entries) = k.replacements.as_ref().filter(|r| !r.is_empty()) {
        let load = |path: &str| loader.read_string(path).map_err(|e| e.to_string());
        let list = replacements::parse(entries, &load).map_err(fail)?;
        replacements::apply(ra, &list).map_err(fail)?;
        mark(ra, "ReplacementTransformer");
    }
    Ok(())
}

/// Reads a resource file: documents, `List` kinds expanded, each with a kind and a name.
pub fn read_resources(path: &Path) -> Result<Vec<Resource>> {
    let text = std::fs::read_to_string(path).map_err(|e| RenderError::Io {
        path: path.to_path_buf(),
        message: loader::io_reason(&e),
    })?;
    let docs = parse::parse_resource_file(&text).map_err(|e| RenderError::Yaml {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    let origin = path.display().to_string();
    let mut out: Vec<Resource> = Vec::new();
    for doc in docs {
        expand(doc, &origin, &mut out)?;
    }
    // A value JSON cannot hold (`.inf`, `.nan`) fails only when kustomize turns the
    // object into JSON on the way out (see `check_finite`): a transformer may replace it.
    let lower = text.to_ascii_lowercase();
    if lower.contains(".inf") || lower.contains(".nan") {
        for r in &mut out {
            r.maybe_non_finite = true;
        }
    }
    Ok(out)
}

fn expand(parsed: parse::ParsedDoc, origin: &str, out: &mut Vec<Resource>) -> Result<()> {
    let parse::ParsedDoc {
        value: mut doc,
        empty_fields,
        raw_scalars,
        refolded,
        annotation_json_texts,
        ..
    } = parsed;
    let bad = |message: String| RenderError::Resource {
        origin: origin.to_string(),
        message,
    };
    // kustomize's reader drops empty documents, `{}` and `[]` included.
    let empty = match &doc {
        Value::Object(m) => m.is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    };
    if empty {
        return Ok(());
    }
    if !doc.is_object() {
        return Err(bad(
            "missing Resource metadata: a document is not a mapping".into(),
        ));
    }
    let kind = super::resource::str_at(&doc, &["kind"]).to_string();
    if kind.ends_with("List") && doc.get("items").is_some() {
        // kustomize decodes the items into plain maps: folded scalars lose their style
        // before the round trip that would refold them.
        for (pointer, original) in &refolded {
            if let Some(v) = doc.pointer_mut(pointer) {
                *v = Value::String(original.clone());
            }
        }
    }
    if kind.ends_with("List") {
        if let Some(items) = doc.get("items") {
            for (i, item) in items
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
            {
                let prefix = format!("/items/{i}");
                let inner = |p: &str| {
                    p.strip_prefix(&prefix)
                        .filter(|p| p.starts_with('/'))
                        .map(str::to_string)
                };
                let item = parse::ParsedDoc {
                    value: item,
                    empty_fields: empty_fields.iter().filter_map(|p| inner(p)).collect(),
                    alias_fields: Vec::new(),
                    raw_scalars: raw_scalars
                        .iter()
                        .filter_map(|(p, t)| Some((inner(p)?, t.clone())))
                        .collect(),
                    refolded: Vec::new(),
                    annotation_json_texts: Vec::new(),
                };
                expand(item, origin, out)?;
            }
            return Ok(());
        }
    }
    // kustomize reads a name or namespace written as a number or boolean (`name: 2024`)
    // by its text, and prints it as written unless a transformer changed it.
    let mut scalar_ids = Vec::new();
    if let Some(Value::Object(meta)) = doc.get_mut("metadata") {
        for field in ["name", "namespace"] {
            if let Some(v @ (Value::Number(_) | Value::Bool(_))) = meta.get_mut(field) {
                let pointer = format!("/metadata/{field}");
                let text = raw_scalars
                    .iter()
                    .find(|(p, _)| *p == pointer)
                    .map(|(_, t)| t.clone())
                    .unwrap_or_else(|| super::replacements::scalar_text(v));
                scalar_ids.push((field, v.clone(), text.clone()));
                *v = Value::String(text);
            }
        }
    }
    if kind.is_empty() {
        return Err(bad(format!(
            "missing kind in object (metadata.name '{}')",
            super::resource::str_at(&doc, &["metadata", "name"])
        )));
    }
    if super::resource::str_at(&doc, &["metadata", "name"]).is_empty() && !kind.ends_with("List") {
        return Err(bad(format!(
            "missing metadata.name in object of kind {kind}"
        )));
    }
    let mut r = Resource::new(doc, origin);
    r.empty_fields = empty_fields;
    r.raw_scalars = raw_scalars;
    r.annotation_json_texts = annotation_json_texts;
    r.refolded = refolded;
    r.scalar_ids = scalar_ids;
    out.push(r);
    Ok(())
}

/// Merges a base's configuration into its parent's.
fn merge_base_config(
    into: &mut std::sync::Arc<TransformerConfig>,
    from: &std::sync::Arc<TransformerConfig>,
    kfile: &Path,
    entry: &str,
) -> Result<()> {
    config::merge_into(into, from).map_err(|m| {
        RenderError::transform(kfile, format!("recursed merging from path '{entry}': {m}"))
    })
}

/// After a component, kustomize starts a new accumulator and merges the component's
/// (which began as its parent's) into it: the configuration is merged once more into an
/// empty one.
fn remerge_component_config(
    config: &mut std::sync::Arc<TransformerConfig>,
    kfile: &Path,
    entry: &str,
) -> Result<()> {
    let mut fresh = config::empty();
    merge_base_config(&mut fresh, config, kfile, entry)?;
    *config = fresh;
    Ok(())
}

const STRIPPED_ANNOTATIONS: &[&str] = &[
    "config.kubernetes.io/path",
    "config.kubernetes.io/index",
    "config.kubernetes.io/id",
    "config.k8s.io/id",
    "kustomize.config.k8s.io/id",
    "config.kubernetes.io/origin",
    "alpha.config.kubernetes.io/transformations",
];

/// Refuses an object that still holds a value JSON cannot represent (`.inf`, `.nan`
/// read from YAML), as kustomize's conversion to JSON for output does.
fn check_finite(r: &Resource) -> Result<()> {
    match parse::find_non_finite(&r.obj) {
        Some((field, value)) => Err(RenderError::Resource {
            origin: r.origin.clone(),
            message: format!(
                "{} has the value {value} at {field}, which JSON cannot represent (json: unsupported value: {value})",
                r.id()
            ),
        }),
        None => Ok(()),
    }
}

/// Removes kustomize's build-only annotations and writes the others as strings; an
/// annotation map left empty (or `null`) is removed, as kustomize does.
fn strip_build_metadata(obj: &mut Value) {
    let Some(Value::Object(meta)) = obj.get_mut("metadata") else {
        return;
    };
    let remove = match meta.get_mut("annotations") {
        Some(Value::Object(ann)) => {
            ann.retain(|k, _| {
                !k.starts_with("internal.config.kubernetes.io/")
                    && !STRIPPED_ANNOTATIONS.contains(&k.as_str())
            });
            // kustomize rewrites annotations as a string map on the way out, from the
            // text of each node: a number that came through JSON (a JSON patch) is a
            // float64 printed by yaml.v3 (`1e+06`, `384`), a map or list has no text.
            for v in ann.values_mut() {
                let text = match v {
                    Value::String(_) => continue,
                    Value::Number(n) => match n.as_f64().filter(|f| f.is_finite()) {
                        Some(f) => crate::yaml::emit::go_format_g(f),
                        None => n.to_string(),
                    },
                    Value::Bool(b) => b.to_string(),
                    Value::Null => "null".to_string(),
                    Value::Array(_) | Value::Object(_) => String::new(),
                };
                *v = Value::String(text);
            }
            ann.is_empty()
        }
        Some(Value::Null) => true,
        _ => false,
    };
    if remove {
        meta.remove("annotations");
    }
}

/// Records that a transformer ran over every resource: kustomize lists it among the
/// resource's transformations, or makes it the origin of a resource that has none.
fn record_transformation(resources: &mut ResMap, origin: &Arc<Origin>) {
    for r in resources.iter_mut() {
        match r.source {
            None => r.source = Some(origin.clone()),
            Some(_) => r.transformations.push(origin.clone()),
        }
    }
}
