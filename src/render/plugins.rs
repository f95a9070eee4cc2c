//! The `generators:`, `transformers:` and `validators:` fields: plugin configurations
//! (inline YAML, files, or kustomization directories whose output is the configurations)
//! and the builtin plugins they name with `apiVersion: builtin`. Each builtin plugin reads
//! only its own configuration, so its field specs are the ones it lists (none means it
//! touches nothing, except that NamespaceTransformer always sets `metadata.namespace`).
//! External plugins are disabled, as in `kubectl kustomize` without alpha flags.

use super::config::TransformerConfig;
use super::error::{RenderError, Result};
use super::fieldspec::FieldSpec;
use super::generators::{self, GeneratorKind};
use super::kustomization::{
    FieldSpecDef, GeneratorArgs, GeneratorOptions, Image, Patch, PatchOptions, Selector,
};
use super::loader::{Entry, Loader};
use super::openapi::PatchSchema;
use super::origin::Origin;
use super::resmap::ResMap;
use super::resource::{Gvk, ResId, Resource};
use super::transform::{images, metadata};
use super::{hash, patches, replacements};
use crate::yaml::parse;
use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;

/// The label a validator may add; it is ignored when checking that nothing changed.
const VALIDATED_BY: &str = "validated-by";

/// Builtin kinds that generate.
const GENERATOR_KINDS: &[&str] = &[
    "ConfigMapGenerator",
    "SecretGenerator",
    "IAMPolicyGenerator",
    "HelmChartInflationGenerator",
];

/// Builtin kinds that transform (`SortOrderTransformer` is deliberately absent).
const TRANSFORMER_KINDS: &[&str] = &[
    "AnnotationsTransformer",
    "HashTransformer",
    "ImageTagTransformer",
    "LabelTransformer",
    "NamespaceTransformer",
    "PatchJson6902Transformer",
    "PatchStrategicMergeTransformer",
    "PatchTransformer",
    "PrefixSuffixTransformer",
    "PrefixTransformer",
    "SuffixTransformer",
    "ReplacementTransformer",
    "ReplicaCountTransformer",
    "ValueAddTransformer",
];

/// Reads the plugin configurations of one of the three fields. As kustomize does, every
/// entry that parses as inline YAML comes first (in list order), then the files and
/// paths (in list order), each handed to `build`: a file contributes its objects, a
/// directory or git URL the resources it builds to. Inline configurations get
/// `inline_source` as their origin. Two configurations with the
/// same id are an error.
pub fn load_configs(
    entries: &[String],
    loader: &Loader,
    inline_source: Option<Arc<Origin>>,
    build: &mut dyn FnMut(Entry) -> Result<Vec<Resource>>,
) -> Result<Vec<Resource>> {
    let origin = loader.kustomization_file.display().to_string();
    let mut configs = ResMap::new();
    let mut paths = Vec::new();
    for entry in entries {
        match parse_inline(entry) {
            Some(docs) => configs.append_all(
                docs.into_iter()
                    .map(|d| {
                        let mut r = Resource::new(d, origin.clone());
                        r.source = inline_source.clone();
                        r
                    })
                    .collect(),
            )?,
            None => paths.push(entry),
        }
    }
    for entry in paths {
        configs.append_all(build(loader.entry(entry)?)?)?;
    }
    Ok(configs.into_vec())
}

/// An entry is inline configuration when it parses as YAML documents that are all
/// objects with a kind and a name (`…List` kinds expanded), no two with the same id;
/// anything else (a file name parses as a plain string) is taken as a path.
fn parse_inline(entry: &str) -> Option<Vec<Value>> {
    fn expand(doc: Value, out: &mut Vec<Value>) -> Option<()> {
        let kind = super::resource::str_at(&doc, &["kind"]);
        if kind.ends_with("List") {
            if let Some(items) = doc.get("items") {
                for item in items.as_array().cloned().unwrap_or_default() {
                    expand(item, out)?;
                }
                return Some(());
            }
        }
        let named = !super::resource::str_at(&doc, &["metadata", "name"]).is_empty();
        if !doc.is_object() || kind.is_empty() || !named {
            return None;
        }
        out.push(doc);
        Some(())
    }
    let docs = parse::parse_resources(entry).ok()?;
    let mut out = Vec::new();
    for doc in docs.into_iter().filter(|d| !d.is_null()) {
        expand(doc, &mut out)?;
    }
    let mut ids = std::collections::HashSet::new();
    let unique = out.iter().all(|d| ids.insert(config_id(d).key()));
    (!out.is_empty() && unique).then_some(out)
}

/// The id of a plugin configuration, in kustomize's `Kind.version.group/name.namespace`.
fn config_id(config: &Value) -> ResId {
    let s = |p: &[&str]| super::resource::str_at(config, p).to_string();
    ResId {
        gvk: Gvk::from_api_version(&s(&["apiVersion"]), &s(&["kind"])),
        name: s(&["metadata", "name"]),
        namespace: s(&["metadata", "namespace"]),
    }
}

fn fail(loader: &Loader, message: impl Into<String>) -> RenderError {
    RenderError::transform(&loader.kustomization_file, message)
}

/// The kind of a builtin plugin configuration, or kustomize's error for an external or
/// unknown one.
fn builtin_kind(config: &Value, loader: &Loader) -> Result<String> {
    let id = config_id(config);
    if !(id.gvk.group.is_empty() && id.gvk.version == "builtin") {
        return Err(fail(
            loader,
            format!(
                "external plugins disabled; unable to load external plugin '{}' (plugin configuration {id})",
                id.gvk.kind
            ),
        ));
    }
    let kind = id.gvk.kind.clone();
    if !GENERATOR_KINDS.contains(&kind.as_str()) && !TRANSFORMER_KINDS.contains(&kind.as_str()) {
        return Err(fail(
            loader,
            format!(
                "unable to load builtin {}.builtin.[noGrp] (plugin configuration {id})",
                if kind.is_empty() { "[noKind]" } else { &kind }
            ),
        ));
    }
    Ok(kind)
}

/// Deserializes a plugin configuration leniently (unknown fields ignored, as kustomize's
/// non-strict unmarshalling does); failures name the configuration.
fn configure<T: DeserializeOwned>(config: &Value, loader: &Loader) -> Result<T> {
    serde_path_to_error::deserialize(super::lenient::Lenient::plugin(config.clone())).map_err(|e| {
        fail(
            loader,
            format!(
                "plugin {} fails configuration: field {}: {}",
                config_id(config),
                e.path(),
                e.inner()
            ),
        )
    })
}

/// `null` (an empty YAML value) reads as the default.
fn nullable<'de, D, T>(d: D) -> std::result::Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct FsConf {
    #[serde(default, deserialize_with = "nullable")]
    group: String,
    #[serde(default, deserialize_with = "nullable")]
    version: String,
    #[serde(default, deserialize_with = "nullable")]
    kind: String,
    #[serde(default, deserialize_with = "nullable")]
    path: String,
    #[serde(default, deserialize_with = "nullable")]
    create: bool,
}

impl FsConf {
    fn spec(&self) -> FieldSpec {
        FieldSpec::from_def(&FieldSpecDef {
            group: self.group.clone(),
            version: self.version.clone(),
            kind: self.kind.clone(),
            path: self.path.clone(),
            create: self.create,
        })
    }
}

fn specs(defs: &[FsConf]) -> Vec<FieldSpec> {
    defs.iter().map(FsConf::spec).collect()
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SelectorConf {
    #[serde(default, deserialize_with = "nullable")]
    group: String,
    #[serde(default, deserialize_with = "nullable")]
    version: String,
    #[serde(default, deserialize_with = "nullable")]
    kind: String,
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    label_selector: String,
    #[serde(default, deserialize_with = "nullable")]
    annotation_selector: String,
}

impl SelectorConf {
    fn selector(self) -> Selector {
        Selector {
            group: self.group,
            version: self.version,
            kind: self.kind,
            name: self.name,
            namespace: self.namespace,
            label_selector: self.label_selector,
            annotation_selector: self.annotation_selector,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct MetaConf {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    namespace: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PairsConf {
    #[serde(default, deserialize_with = "nullable")]
    labels: IndexMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    annotations: IndexMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    field_specs: Vec<FsConf>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct NamespaceConf {
    #[serde(default, deserialize_with = "nullable")]
    metadata: MetaConf,
    #[serde(default, deserialize_with = "nullable")]
    field_specs: Vec<FsConf>,
    #[serde(default, deserialize_with = "nullable")]
    unset_only: bool,
    #[serde(default, deserialize_with = "nullable")]
    set_role_binding_subjects: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct AffixConf {
    #[serde(default, deserialize_with = "nullable")]
    prefix: String,
    #[serde(default, deserialize_with = "nullable")]
    suffix: String,
    /// `None` when absent or null: kustomize refuses that for prefix and suffix.
    #[serde(default)]
    field_specs: Option<Vec<FsConf>>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ImageConf {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    new_name: String,
    #[serde(default, deserialize_with = "nullable")]
    new_tag: String,
    #[serde(default, deserialize_with = "nullable")]
    digest: String,
    #[serde(default, deserialize_with = "nullable")]
    tag_suffix: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ImageTagConf {
    #[serde(default, deserialize_with = "nullable")]
    image_tag: ImageConf,
    #[serde(default, deserialize_with = "nullable")]
    field_specs: Vec<FsConf>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ReplicaConf {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    count: i64,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ReplicaCountConf {
    #[serde(default, deserialize_with = "nullable")]
    replica: ReplicaConf,
    #[serde(default, deserialize_with = "nullable")]
    field_specs: Vec<FsConf>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct PatchConf {
    #[serde(default, deserialize_with = "nullable")]
    path: String,
    #[serde(default, deserialize_with = "nullable")]
    patch: String,
    #[serde(default)]
    target: Option<SelectorConf>,
    #[serde(default, deserialize_with = "nullable")]
    options: HashMap<String, bool>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Json6902Conf {
    #[serde(default)]
    target: Option<SelectorConf>,
    #[serde(default, deserialize_with = "nullable")]
    path: String,
    #[serde(default, deserialize_with = "nullable")]
    json_op: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct SmpConf {
    #[serde(default, deserialize_with = "nullable")]
    paths: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    patches: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ValueAddTarget {
    #[serde(default)]
    selector: Option<SelectorConf>,
    #[serde(default, deserialize_with = "nullable")]
    field_path: String,
    #[serde(default, deserialize_with = "nullable")]
    file_path_position: i64,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ValueAddConf {
    #[serde(default, deserialize_with = "nullable")]
    value: String,
    #[serde(default, deserialize_with = "nullable")]
    targets: Vec<ValueAddTarget>,
    #[serde(default, deserialize_with = "nullable")]
    target_file_path: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct ValueAddTargetsFile {
    #[serde(default, deserialize_with = "nullable")]
    targets: Vec<ValueAddTarget>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GeneratorOptionsConf {
    #[serde(default, deserialize_with = "nullable")]
    labels: IndexMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    annotations: IndexMap<String, String>,
    #[serde(default, deserialize_with = "nullable")]
    disable_name_suffix_hash: bool,
    #[serde(default, deserialize_with = "nullable")]
    immutable: bool,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct GeneratorConf {
    #[serde(default, deserialize_with = "nullable")]
    metadata: MetaConf,
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    namespace: String,
    #[serde(default, deserialize_with = "nullable")]
    behavior: String,
    #[serde(default, deserialize_with = "nullable")]
    literals: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    files: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    envs: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    env: String,
    #[serde(default)]
    options: Option<GeneratorOptionsConf>,
    #[serde(rename = "type", default)]
    secret_type: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IamConf {
    #[serde(default, deserialize_with = "nullable")]
    cloud: String,
    #[serde(default, deserialize_with = "nullable")]
    kubernetes_service: MetaConf,
    #[serde(default, deserialize_with = "nullable")]
    service_account: IamServiceAccount,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct IamServiceAccount {
    #[serde(default, deserialize_with = "nullable")]
    name: String,
    #[serde(default, deserialize_with = "nullable")]
    project_id: String,
}

/// IAMPolicyGenerator (GKE only): a ServiceAccount annotated with its Google service
/// account. kustomize builds it as YAML text, so it is parsed the same way here.
fn generate_iam(
    resources: &mut ResMap,
    config: &Value,
    loader: &Loader,
    origin: Option<Arc<Origin>>,
) -> Result<()> {
    let c: IamConf = configure(config, loader)?;
    if c.cloud != "gke" {
        return Err(fail(
            loader,
            format!(
                "plugin {}: cloud provider {} not supported yet",
                config_id(config),
                c.cloud
            ),
        ));
    }
    let mut text = format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  annotations:\n    iam.gke.io/gcp-service-account: {}@{}.iam.gserviceaccount.com\n  name: {}\n",
        c.service_account.name, c.service_account.project_id, c.kubernetes_service.name
    );
    if !c.kubernetes_service.namespace.is_empty() {
        text.push_str(&format!(
            "  namespace: {}\n",
            c.kubernetes_service.namespace
        ));
    }
    let obj = parse::parse_one(&text, crate::yaml::Dialect::Core).map_err(|e| {
        fail(
            loader,
            format!("plugin {}: generated YAML: {e}", config_id(config)),
        )
    })?;
    let mut generated = Resource::new(obj, loader.kustomization_file.display().to_string());
    generated.source = origin;
    resources.append_all(vec![generated])
}

/// Runs one generator configuration (ConfigMapGenerator, SecretGenerator or
/// IAMPolicyGenerator) and absorbs what it generates into `resources`.
/// `origin` is the configuration's own origin, given to what it generates.
pub fn generate(
    resources: &mut ResMap,
    config: &Value,
    loader: &Loader,
    origin: Option<Arc<Origin>>,
) -> Result<()> {
    let kind = builtin_kind(config, loader)?;
    let generator_kind = match kind.as_str() {
        "ConfigMapGenerator" => GeneratorKind::ConfigMap,
        "SecretGenerator" => GeneratorKind::Secret,
        "IAMPolicyGenerator" => return generate_iam(resources, config, loader, origin),
        k if GENERATOR_KINDS.contains(&k) => {
            return Err(fail(
                loader,
                format!("builtin plugin {} is not supported yet", config_id(config)),
            ))
        }
        _ => {
            return Err(fail(
                loader,
                format!(
                    "loading generator plugins: plugin {} not a generator",
                    config_id(config)
                ),
            ))
        }
    };
    let c: GeneratorConf = configure(config, loader)?;
    let mut envs = c.envs;
    if !c.env.is_empty() {
        envs.push(c.env);
    }
    let args = GeneratorArgs {
        name: if c.name.is_empty() {
            c.metadata.name
        } else {
            c.name
        },
        namespace: if c.namespace.is_empty() {
            c.metadata.namespace
        } else {
            c.namespace
        },
        behavior: c.behavior,
        literals: c.literals,
        files: c.files,
        envs,
        env: String::new(),
        options: c.options.map(|o| GeneratorOptions {
            labels: o.labels,
            annotations: o.annotations,
            disable_name_suffix_hash: o.disable_name_suffix_hash,
            immutable: o.immutable,
        }),
        secret_type: c.secret_type,
    };
    generators::generate(resources, loader, generator_kind, &args, None, origin)
}

/// Runs one transformer configuration against `resources`. Builtin plugins carry their
/// own field specs, so the accumulated transformer configuration is not consulted.
pub fn transform(
    resources: &mut ResMap,
    config: &Value,
    _tconfig: &TransformerConfig,
    loader: &Loader,
    schema: &PatchSchema<'_>,
) -> Result<()> {
    let kind = builtin_kind(config, loader)?;
    let id = config_id(config);
    let wrap = |m: String| fail(loader, format!("plugin {id}: {m}"));
    match kind.as_str() {
        "LabelTransformer" => {
            let c: PairsConf = configure(config, loader)?;
            if !c.labels.is_empty() {
                metadata::apply(resources, &c.labels, &specs(&c.field_specs)).map_err(wrap)?;
            }
        }
        "AnnotationsTransformer" => {
            let c: PairsConf = configure(config, loader)?;
            if !c.annotations.is_empty() {
                metadata::apply(resources, &c.annotations, &specs(&c.field_specs)).map_err(wrap)?;
            }
        }
        "NamespaceTransformer" => {
            let c: NamespaceConf = configure(config, loader)?;
            let mode = match c.set_role_binding_subjects.as_str() {
                "" | "defaultOnly" => SubjectMode::DefaultOnly,
                "allServiceAccounts" => SubjectMode::AllServiceAccounts,
                "none" => SubjectMode::None,
                other => {
                    return Err(fail(
                        loader,
                        format!(
                            "plugin {id} fails configuration: invalid value \"{other}\" for setRoleBindingSubjects: must be one of \"defaultOnly\", \"none\" or \"allServiceAccounts\""
                        ),
                    ))
                }
            };
            if !c.metadata.namespace.is_empty() {
                let ns = NamespaceSettings {
                    namespace: &c.metadata.namespace,
                    specs: specs(&c.field_specs),
                    unset_only: c.unset_only,
                    mode,
                    track_ids: true,
                };
                set_namespace(resources, &ns).map_err(wrap)?;
            }
        }
        "PrefixTransformer" | "SuffixTransformer" | "PrefixSuffixTransformer" => {
            let c: AffixConf = configure(config, loader)?;
            let Some(defs) = &c.field_specs else {
                return Err(fail(
                    loader,
                    format!(
                        "plugin {id} fails configuration: fieldSpecs is not expected to be nil"
                    ),
                ));
            };
            let fs = specs(defs);
            if kind != "SuffixTransformer" {
                affix(resources, Affix::Prefix(&c.prefix), &fs).map_err(wrap)?;
            }
            if kind != "PrefixTransformer" {
                affix(resources, Affix::Suffix(&c.suffix), &fs).map_err(wrap)?;
            }
        }
        "ImageTagTransformer" => {
            let c: ImageTagConf = configure(config, loader)?;
            let image = Image {
                name: c.image_tag.name,
                new_name: c.image_tag.new_name,
                new_tag: c.image_tag.new_tag,
                digest: c.image_tag.digest,
                tag_suffix: c.image_tag.tag_suffix,
            };
            images::apply(resources, &image, &specs(&c.field_specs)).map_err(wrap)?;
        }
        "ReplicaCountTransformer" => {
            let c: ReplicaCountConf = configure(config, loader)?;
            set_replicas(resources, &c.replica, &specs(&c.field_specs)).map_err(wrap)?;
        }
        "PatchTransformer" => {
            let c: PatchConf = configure(config, loader)?;
            let patch = Patch {
                path: Some(c.path).filter(|p| !p.is_empty()),
                patch: Some(c.patch).filter(|p| !p.trim().is_empty()),
                target: c.target.map(SelectorConf::selector),
                options: Some(PatchOptions {
                    allow_name_change: c.options.get("allowNameChange").copied().unwrap_or(false),
                    allow_kind_change: c.options.get("allowKindChange").copied().unwrap_or(false),
                }),
            };
            patches::apply_patch(resources, &patch, loader, schema)?;
        }
        "PatchJson6902Transformer" => {
            let c: Json6902Conf = configure(config, loader)?;
            if !c.path.is_empty() && !c.json_op.is_empty() {
                return Err(fail(
                    loader,
                    format!(
                        "plugin {id} fails configuration: must specify a file path or jsonOp, not both"
                    ),
                ));
            }
            if c.path.is_empty() && c.json_op.is_empty() {
                return Err(fail(
                    loader,
                    format!("plugin {id} fails configuration: empty file path and empty jsonOp"),
                ));
            }
            let patch = Patch {
                path: Some(c.path).filter(|p| !p.is_empty()),
                patch: Some(c.json_op).filter(|p| !p.is_empty()),
                target: c.target.map(SelectorConf::selector),
                options: None,
            };
            patches::apply_json6902(resources, &patch, loader)?;
        }
        "PatchStrategicMergeTransformer" => {
            let c: SmpConf = configure(config, loader)?;
            let mut entries = c.paths;
            if !c.patches.trim().is_empty() {
                entries.push(c.patches);
            }
            if entries.is_empty() {
                return Err(fail(
                    loader,
                    format!(
                        "plugin {id} fails configuration: empty file path and empty patch content"
                    ),
                ));
            }
            patches::apply_strategic_merge_list(resources, &entries, loader, schema)?;
        }
        "ValueAddTransformer" => {
            let c: ValueAddConf = configure(config, loader)?;
            let configure_fail =
                |m: String| fail(loader, format!("plugin {id} fails configuration: {m}"));
            let mut value = c.value.trim().to_string();
            if value.is_empty() {
                value = loader
                    .root
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
            }
            let mut targets = c.targets;
            if !c.target_file_path.is_empty() {
                let text = loader.read_string(&c.target_file_path)?;
                let doc = parse::parse_one(&text, crate::yaml::Dialect::Core)
                    .map_err(|e| configure_fail(format!("{}: {e}", c.target_file_path)))?;
                let file: ValueAddTargetsFile = if doc.is_null() {
                    ValueAddTargetsFile::default()
                } else {
                    serde_json::from_value(doc)
                        .map_err(|e| configure_fail(format!("{}: {e}", c.target_file_path)))?
                };
                targets.extend(file.targets);
            }
            if targets.is_empty() {
                return Err(configure_fail("must specify at least one target".into()));
            }
            for t in &targets {
                if t.field_path.is_empty() {
                    return Err(configure_fail("fieldPath cannot be empty".into()));
                }
                if t.file_path_position < 0 {
                    return Err(configure_fail(format!(
                        "value of FilePathPosition ({}) cannot be negative",
                        t.file_path_position
                    )));
                }
            }
            for t in targets {
                value_add(resources, &value, t).map_err(wrap)?;
            }
        }
        "ReplacementTransformer" => {
            let entries = match config.get("replacements") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(entries)) => entries.clone(),
                Some(_) => {
                    return Err(fail(
                        loader,
                        format!(
                            "plugin {id} fails configuration: field replacements: expected a list"
                        ),
                    ))
                }
            };
            let load = |path: &str| loader.read_string(path).map_err(|e| e.to_string());
            let list = replacements::parse(&entries, &load).map_err(wrap)?;
            replacements::apply(resources, &list).map_err(wrap)?;
        }
        "HashTransformer" => {
            for r in resources.iter_mut().filter(|r| r.needs_hash) {
                let name = format!("{}-{}", r.name(), hash::suffix(&r.obj));
                r.remember_id();
                r.set_name(&name);
            }
        }
        k if GENERATOR_KINDS.contains(&k) => {
            return Err(fail(loader, format!("plugin {id} not a transformer")));
        }
        _ => {
            return Err(fail(
                loader,
                format!("builtin plugin {id} is not supported yet"),
            ))
        }
    }
    Ok(())
}

/// Runs one validator configuration: a transformer that must leave every resource as it
/// was, apart from a `validated-by` label (which stays in the output).
pub fn validate(
    resources: &mut ResMap,
    config: &Value,
    tconfig: &TransformerConfig,
    loader: &Loader,
    schema: &PatchSchema<'_>,
) -> Result<()> {
    let before = resources.clone();
    transform(resources, config, tconfig, loader, schema)?;
    let mut after = resources.clone();
    let mut rebuilt = None;
    for r in after.iter_mut() {
        let id = r.id();
        let Some(Value::Object(meta)) = r.obj.get_mut("metadata") else {
            continue;
        };
        let Some(Value::Object(labels)) = meta.get_mut("labels") else {
            continue;
        };
        if labels.remove(VALIDATED_BY).is_none() {
            continue;
        }
        if labels.is_empty() {
            meta.remove("labels");
        } else if rebuilt.is_none() {
            // kustomize rewrites the remaining labels as new YAML nodes, which its
            // node-by-node comparison then sees as a change.
            rebuilt = Some(format!("{id} was changed (its labels were rewritten)"));
        }
    }
    match rebuilt.or_else(|| first_difference(&before, &after)) {
        None => Ok(()),
        Some(what) => Err(fail(
            loader,
            format!(
                "validator {}: validator shouldn't modify the resource map: {what}",
                config_id(config)
            ),
        )),
    }
}

/// Compares two resource sets by current id: what differs, if anything.
fn first_difference(a: &ResMap, b: &ResMap) -> Option<String> {
    if a.len() != b.len() {
        return Some(format!(
            "lists have different number of entries: {} and {}",
            a.len(),
            b.len()
        ));
    }
    for r1 in a.iter() {
        let id = r1.id();
        let others: Vec<&Resource> = b.iter().filter(|r| r.id().same(&id)).collect();
        let [r2] = others.as_slice() else {
            return Some(format!("id {id} matches {} resources after", others.len()));
        };
        let same = r1.obj == r2.obj
            && r1.prev_ids == r2.prev_ids
            && r1.prefixes == r2.prefixes
            && r1.suffixes == r2.suffixes
            && r1.needs_hash == r2.needs_hash;
        if !same {
            return Some(format!("{id} was changed"));
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum SubjectMode {
    DefaultOnly,
    AllServiceAccounts,
    None,
}

struct NamespaceSettings<'a> {
    namespace: &'a str,
    specs: Vec<FieldSpec>,
    unset_only: bool,
    mode: SubjectMode,
    /// NamespaceTransformer records previous ids and checks for conflicts; the
    /// ValueAddTransformer's namespace path does neither.
    track_ids: bool,
}

impl NamespaceSettings<'_> {
    /// Sets a scalar field (created as `null`) to the namespace; with `unsetOnly`, only
    /// where it is empty.
    fn set(&self, v: &mut Value) -> Result<(), String> {
        match v {
            Value::Object(_) | Value::Array(_) => {
                Err("namespace field specs must target scalar nodes".to_string())
            }
            Value::String(s) if self.unset_only && !s.is_empty() => Ok(()),
            Value::Number(_) | Value::Bool(_) if self.unset_only => Ok(()),
            _ => {
                *v = Value::String(self.namespace.to_string());
                Ok(())
            }
        }
    }
}

fn is_role_binding(kind: &str) -> bool {
    kind == "RoleBinding" || kind == "ClusterRoleBinding"
}

/// NamespaceTransformer: `metadata.namespace` of namespaced kinds always; RoleBinding
/// subjects by mode; then the configured field specs (`metadata/namespace` excluded,
/// `metadata/name` only on `apiVersion: v1` objects, subject specs of role bindings
/// excluded).
fn set_namespace(resources: &mut ResMap, ns: &NamespaceSettings<'_>) -> Result<(), String> {
    for r in resources.iter_mut() {
        if ns.track_ids {
            r.remember_id();
        }
        namespace_one(r, ns)?;
    }
    crate::render::transform::namespace::check_id_conflicts(resources)
}

/// The namespace rules applied to one resource.
fn namespace_one(r: &mut Resource, ns: &NamespaceSettings<'_>) -> Result<(), String> {
    let gvk = r.gvk();
    let core_v1 = r.str_at(&["apiVersion"]) == "v1";
    if !gvk.is_cluster_scoped() {
        let fs = FieldSpec::new("", "metadata/namespace", true);
        fs.visit(&mut r.obj, &mut |v| ns.set(v))?;
    }
    let role_binding = is_role_binding(&gvk.kind);
    if role_binding && ns.mode != SubjectMode::None {
        if let Some(Value::Array(subjects)) = r.obj.get_mut("subjects") {
            for s in subjects.iter_mut() {
                let Value::Object(m) = s else { continue };
                let (field, wanted) = match ns.mode {
                    SubjectMode::DefaultOnly => ("name", "default"),
                    _ => ("kind", "ServiceAccount"),
                };
                if m.get(field).and_then(Value::as_str) != Some(wanted) {
                    continue;
                }
                let slot = m.entry("namespace").or_insert(Value::Null);
                ns.set(slot).map_err(|e| {
                    format!("setting namespace on (cluster)role binding subjects: {e}")
                })?;
            }
        }
    }
    for fs in &ns.specs {
        let path = fs.path_string();
        if path == "metadata/namespace"
            || (path == "metadata/name" && !core_v1)
            || (role_binding && is_role_binding(&fs.kind) && path == "subjects/namespace")
            || !fs.matches(&gvk)
        {
            continue;
        }
        fs.visit(&mut r.obj, &mut |v| ns.set(v))
            .map_err(|e| format!("namespace transformation failed: {e}"))?;
    }
    Ok(())
}

enum Affix<'a> {
    Prefix(&'a str),
    Suffix(&'a str),
}

/// PrefixTransformer / SuffixTransformer: every field spec selected by the resource's
/// original kind is rewritten; a `metadata/name` spec also records the affix (even an
/// empty one) for name references. CRDs, Namespaces and APIServices are skipped.
fn affix(resources: &mut ResMap, affix: Affix<'_>, specs: &[FieldSpec]) -> Result<(), String> {
    for r in resources.iter_mut() {
        let org = r.org_id();
        let skip = org.gvk.kind == "CustomResourceDefinition"
            || org.gvk.kind == "Namespace"
            || (org.gvk.kind == "APIService" && org.gvk.group == "apiregistration.k8s.io");
        if skip {
            continue;
        }
        for fs in specs.iter().filter(|fs| fs.matches(&org.gvk)) {
            if fs.path_string() == "metadata/name" {
                match affix {
                    Affix::Prefix(p) => {
                        r.prefixes.push(p.to_string());
                        if !p.is_empty() {
                            r.remember_id();
                        }
                    }
                    Affix::Suffix(s) => {
                        r.suffixes.push(s.to_string());
                        if !s.is_empty() {
                            r.remember_id();
                        }
                    }
                }
            }
            let gvk = r.gvk();
            if !fs.matches(&gvk) {
                continue;
            }
            fs.visit(&mut r.obj, &mut |v| {
                let current = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    Value::Number(n) => n.to_string(),
                    Value::Bool(b) => b.to_string(),
                    _ => return Ok(()),
                };
                *v = Value::String(match affix {
                    Affix::Prefix(p) => format!("{p}{current}"),
                    Affix::Suffix(s) => format!("{current}{s}"),
                });
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// ValueAddTransformer, one target: writes `value` (or inserts it into the path held by
/// the field, at `filePathPosition`) in every selected resource; `metadata/namespace`
/// goes through the namespace rules instead.
fn value_add(resources: &mut ResMap, value: &str, t: ValueAddTarget) -> Result<(), String> {
    let selector = match t.selector {
        Some(sel) => Some(super::selector::TargetSelector::new(&sel.selector())?),
        None => None,
    };
    let fields = split_field_path(&t.field_path);
    let ns = NamespaceSettings {
        namespace: value,
        specs: Vec::new(),
        unset_only: false,
        mode: SubjectMode::DefaultOnly,
        track_ids: false,
    };
    for i in 0..resources.len() {
        if selector
            .as_ref()
            .is_some_and(|s| !s.selects(resources.get(i)))
        {
            continue;
        }
        let r = resources.get_mut(i);
        if t.field_path == "metadata/namespace" {
            namespace_one(r, &ns)?;
            continue;
        }
        let slot = lookup_create(&mut r.obj, &fields)?;
        let old = match slot {
            Value::String(s) => s.clone(),
            Value::Null => String::new(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(format!(
                    "wrong node kind: expected ScalarNode at '{}' of {}",
                    t.field_path,
                    resources.get(i).id()
                ))
            }
        };
        *slot = Value::String(if t.file_path_position > 0 {
            let pos = usize::try_from(t.file_path_position - 1).unwrap_or(usize::MAX);
            insert_path_part(&old, pos, value)
        } else {
            value.to_string()
        });
    }
    Ok(())
}

/// Splits a `/`-separated field path; `\/` keeps a slash inside a field name.
fn split_field_path(path: &str) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for part in path.split('/') {
        match fields.last_mut() {
            Some(last) if last.ends_with('\\') => {
                last.pop();
                last.push('/');
                last.push_str(part);
            }
            _ => fields.push(part.to_string()),
        }
    }
    fields
}

/// The field at `fields`, created (maps on the way, `null` at the end) where missing.
fn lookup_create<'a>(node: &'a mut Value, fields: &[String]) -> Result<&'a mut Value, String> {
    let Some((first, rest)) = fields.split_first() else {
        return Ok(node);
    };
    if node.is_null() {
        *node = Value::Object(serde_json::Map::new());
    }
    let Value::Object(map) = node else {
        return Err(format!("expected a mapping at field '{first}'"));
    };
    let child = map.entry(first.clone()).or_insert(Value::Null);
    lookup_create(child, rest)
}

/// Splits a slash path the way kustomize does: a leading `""` marks an absolute path.
fn path_split(path: &str) -> Vec<String> {
    if path.is_empty() {
        return Vec::new();
    }
    let (dir, file) = match path.rfind('/') {
        Some(i) => (&path[..=i], &path[i + 1..]),
        None => ("", path),
    };
    if dir == "/" {
        return if file.is_empty() {
            vec![String::new()]
        } else {
            vec![String::new(), file.to_string()]
        };
    }
    let dir = dir.strip_suffix('/').unwrap_or(dir);
    if dir.is_empty() {
        return vec![file.to_string()];
    }
    let mut out = path_split(dir);
    out.push(file.to_string());
    out
}

/// Lexical path cleaning as Go's `path.Clean`.
fn clean_path(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|p| *p != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Join`: non-empty parts joined and cleaned; nothing gives "".
fn join_path(parts: &[String]) -> String {
    let kept: Vec<&str> = parts
        .iter()
        .map(String::as_str)
        .filter(|p| !p.is_empty())
        .collect();
    if kept.is_empty() {
        String::new()
    } else {
        clean_path(&kept.join("/"))
    }
}

/// Inserts `part` into `path` at `pos` (0 = first component, counted the same for
/// absolute and relative paths; beyond the end appends).
fn insert_path_part(path: &str, pos: usize, part: &str) -> String {
    if part.is_empty() {
        return path.to_string();
    }
    let mut parts = path_split(path);
    let mut pos = pos.min(parts.len());
    if parts.first().is_some_and(String::is_empty) && pos < parts.len() {
        pos += 1;
    }
    parts.insert(pos, part.to_string());
    if parts.first().is_some_and(String::is_empty) {
        format!("/{}", join_path(&parts[1..]))
    } else {
        join_path(&parts)
    }
}

fn gvk_string(fs: &FieldSpec) -> String {
    let or = |s: &str, p: &str| {
        if s.is_empty() {
            p.to_string()
        } else {
            s.to_string()
        }
    };
    format!(
        "{}.{}.{}",
        or(&fs.kind, "[noKind]"),
        or(&fs.version, "[noVer]"),
        or(&fs.group, "[noGrp]")
    )
}

/// ReplicaCountTransformer: per field spec, the resources with any id (current or
/// previous) named `replica.name` whose kind the spec selects; none at all is an error.
fn set_replicas(
    resources: &mut ResMap,
    replica: &ReplicaConf,
    specs: &[FieldSpec],
) -> Result<(), String> {
    let mut found = false;
    for fs in specs {
        for r in resources.iter_mut() {
            let selected = r
                .all_ids()
                .any(|id| id.name == replica.name && fs.matches(&id.gvk));
            if !selected {
                continue;
            }
            found = true;
            if !fs.matches(&r.gvk()) {
                continue;
            }
            fs.visit(&mut r.obj, &mut |v| {
                *v = Value::from(replica.count);
                Ok(())
            })?;
        }
    }
    if !found {
        let gvks: Vec<String> = specs.iter().map(gvk_string).collect();
        return Err(format!(
            "resource with name {} does not match a config with the following GVK [{}]",
            replica.name,
            gvks.join(" ")
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Runs one transformer configuration with the builtin field specs and no schema.
    fn run(m: &mut ResMap, config: &Value) -> Result<()> {
        transform(
            m,
            config,
            &TransformerConfig::builtin(),
            &loader(),
            &PatchSchema::default(),
        )
    }

    fn loader() -> Loader {
        Loader {
            root: std::path::PathBuf::from("/nonexistent"),
            kustomization_file: std::path::PathBuf::from("/nonexistent/kustomization.yaml"),
            restrictor: Default::default(),
        }
    }

    fn resmap(objs: Vec<Value>) -> ResMap {
        let mut m = ResMap::new();
        m.append_all(objs.into_iter().map(|o| Resource::new(o, "test")).collect())
            .unwrap();
        m
    }

    #[test]
    fn path_parts_insert_like_kustomize() {
        assert_eq!(insert_path_part("", 0, "P"), "P");
        assert_eq!(insert_path_part("/", 3, "P"), "/P");
        assert_eq!(insert_path_part("pie", 0, "P"), "P/pie");
        assert_eq!(insert_path_part("/pie", 0, "P"), "/P/pie");
        assert_eq!(insert_path_part("raw", 1, "P"), "raw/P");
        assert_eq!(insert_path_part("/raw", 1, "P"), "/raw/P");
        assert_eq!(
            insert_path_part("a/nice/warm/pie", 3, "P"),
            "a/nice/warm/P/pie"
        );
        assert_eq!(
            insert_path_part("/a/nice/warm/pie", 3, "P"),
            "/a/nice/warm/P/pie"
        );
        assert_eq!(insert_path_part("a//b/", 9, "P"), "a/b/P");
    }

    #[test]
    fn field_paths_keep_escaped_slashes() {
        assert_eq!(
            split_field_path("metadata/annotations/example.com\\/team"),
            vec!["metadata", "annotations", "example.com/team"]
        );
    }

    #[test]
    fn inline_entries_are_mappings_and_paths_are_not() {
        assert!(parse_inline("transformer.yaml").is_none());
        assert!(parse_inline("apiVersion: builtin\nkind: HashTransformer\n").is_none());
        assert!(
            parse_inline("apiVersion: builtin\nkind: HashTransformer\nmetadata:\n  name: h\n")
                .is_some()
        );
    }

    #[test]
    fn external_and_unknown_plugins_fail() {
        let mut m = resmap(vec![]);
        let ext = json!({"apiVersion": "example.com/v1", "kind": "Foo", "metadata": {"name": "x"}});
        let err = run(&mut m, &ext).unwrap_err();
        assert!(err.to_string().contains("external plugins disabled"));
        let unknown = json!({"apiVersion": "builtin", "kind": "Nope", "metadata": {"name": "x"}});
        let err = run(&mut m, &unknown).unwrap_err();
        assert!(err.to_string().contains("Nope.builtin.[noGrp]"));
    }

    #[test]
    fn namespace_unset_only_keeps_existing() {
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a", "namespace": "old"}}),
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "b"}}),
        ]);
        let c = json!({"apiVersion": "builtin", "kind": "NamespaceTransformer",
            "metadata": {"name": "n", "namespace": "new"}, "unsetOnly": true});
        run(&mut m, &c).unwrap();
        assert_eq!(m.get(0).namespace(), "old");
        assert_eq!(m.get(1).namespace(), "new");
    }

    #[test]
    fn label_transformer_without_field_specs_does_nothing() {
        let obj = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}});
        let mut m = resmap(vec![obj.clone()]);
        let c = json!({"apiVersion": "builtin", "kind": "LabelTransformer",
            "metadata": {"name": "l"}, "labels": {"a": "b"}});
        run(&mut m, &c).unwrap();
        assert_eq!(m.get(0).obj, obj);
    }

    #[test]
    fn validator_may_only_add_validated_by() {
        let mut m = resmap(vec![
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}),
        ]);
        let ok = json!({"apiVersion": "builtin", "kind": "LabelTransformer",
            "metadata": {"name": "v"}, "labels": {"validated-by": "me"},
            "fieldSpecs": [{"path": "metadata/labels", "create": true}]});
        validate(
            &mut m,
            &ok,
            &TransformerConfig::builtin(),
            &loader(),
            &PatchSchema::default(),
        )
        .unwrap();
        let bad = json!({"apiVersion": "builtin", "kind": "LabelTransformer",
            "metadata": {"name": "v"}, "labels": {"team": "x"},
            "fieldSpecs": [{"path": "metadata/labels", "create": true}]});
        assert!(validate(
            &mut m,
            &bad,
            &TransformerConfig::builtin(),
            &loader(),
            &PatchSchema::default()
        )
        .is_err());
    }
}
