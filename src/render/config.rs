//! Transformer configuration: which fields each builtin transformer touches. Starts from
//! kustomize's builtin field specs; a kustomization's `configurations` files add to it,
//! and a base's configuration is merged into its parent's (so an overlay's transformers
//! honour what its bases declared). `crds` files add field specs the same way.

use super::fieldspec::{defaults, FieldSpec};
use super::kustomization::FieldSpecDef;
use super::nameref::{self, BackRef, TargetGvk};
use serde::Deserialize;

#[derive(Clone, Debug)]
pub struct TransformerConfig {
    pub name_prefix: Vec<FieldSpec>,
    pub name_suffix: Vec<FieldSpec>,
    pub namespace: Vec<FieldSpec>,
    pub common_labels: Vec<FieldSpec>,
    pub labels: Vec<FieldSpec>,
    pub template_labels: Vec<FieldSpec>,
    pub common_annotations: Vec<FieldSpec>,
    pub images: Vec<FieldSpec>,
    pub replicas: Vec<FieldSpec>,
    pub var_reference: Vec<FieldSpec>,
    pub name_reference: Vec<BackRef>,
}

impl Default for TransformerConfig {
    fn default() -> Self {
        TransformerConfig::builtin()
    }
}

static BUILTIN: std::sync::LazyLock<std::sync::Arc<TransformerConfig>> =
    std::sync::LazyLock::new(|| std::sync::Arc::new(TransformerConfig::builtin()));

/// The builtin configuration, built once per process and shared.
pub fn shared_builtin() -> std::sync::Arc<TransformerConfig> {
    BUILTIN.clone()
}

/// A `configurations` file (every field optional, unknown fields rejected).
#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ConfigFile {
    #[serde(default)]
    name_prefix: Vec<FieldSpecDef>,
    #[serde(default)]
    name_suffix: Vec<FieldSpecDef>,
    #[serde(default)]
    namespace: Vec<FieldSpecDef>,
    #[serde(default)]
    common_labels: Vec<FieldSpecDef>,
    #[serde(default)]
    labels: Vec<FieldSpecDef>,
    #[serde(default)]
    template_labels: Vec<FieldSpecDef>,
    #[serde(default)]
    common_annotations: Vec<FieldSpecDef>,
    #[serde(default)]
    images: Vec<FieldSpecDef>,
    #[serde(default)]
    replicas: Vec<FieldSpecDef>,
    #[serde(default)]
    var_reference: Vec<FieldSpecDef>,
    #[serde(default)]
    name_reference: Vec<NameRefDef>,
}

#[derive(Deserialize, Default, Debug)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct NameRefDef {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    field_specs: Vec<FieldSpecDef>,
}

impl TransformerConfig {
    pub fn builtin() -> TransformerConfig {
        TransformerConfig {
            name_prefix: vec![FieldSpec::new("", "metadata/name", false)],
            name_suffix: vec![FieldSpec::new("", "metadata/name", false)],
            namespace: vec![
                FieldSpec::new("", "metadata/namespace", true),
                FieldSpec::new("/v1/Namespace", "metadata/name", true),
                FieldSpec::new(
                    "apiregistration.k8s.io//APIService",
                    "spec/service/namespace",
                    true,
                ),
                FieldSpec::new(
                    "apiextensions.k8s.io//CustomResourceDefinition",
                    "spec/conversion/webhook/clientConfig/service/namespace",
                    false,
                ),
            ],
            common_labels: defaults::common_labels(),
            labels: Vec::new(),
            template_labels: defaults::template_labels(),
            common_annotations: defaults::common_annotations(),
            images: defaults::images(),
            replicas: defaults::replicas(),
            var_reference: defaults::var_reference(),
            name_reference: nameref::builtin(),
        }
    }

    /// Reads a `configurations` file and merges it in.
    pub fn merge_file(&mut self, text: &str) -> Result<(), String> {
        let value = crate::yaml::parse::parse_one(text, crate::yaml::Dialect::Yaml11)
            .map_err(|e| format!("yaml: {e}"))?;
        let value = if value.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            value
        };
        let file: ConfigFile = serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            format!("field {path}: {}", e.inner())
        })?;
        let specs = |defs: &[FieldSpecDef]| -> Vec<FieldSpec> {
            defs.iter().map(FieldSpec::from_def).collect()
        };
        let mut other = TransformerConfig::empty();
        other.name_prefix = specs(&file.name_prefix);
        other.name_suffix = specs(&file.name_suffix);
        other.namespace = specs(&file.namespace);
        other.common_labels = specs(&file.common_labels);
        other.labels = specs(&file.labels);
        other.template_labels = specs(&file.template_labels);
        other.common_annotations = specs(&file.common_annotations);
        other.images = specs(&file.images);
        other.replicas = specs(&file.replicas);
        other.var_reference = specs(&file.var_reference);
        for n in &file.name_reference {
            for fs in &n.field_specs {
                other.name_reference.push(BackRef {
                    target: TargetGvk {
                        group: n.group.clone(),
                        version: n.version.clone(),
                        kind: n.kind.clone(),
                    },
                    referrer: FieldSpec::from_def(fs),
                });
            }
        }
        self.merge(&other)
    }

    /// Reads a `crds` file (OpenAPI definitions, see [`super::crds`]) and merges the
    /// field specs it declares.
    pub fn merge_crds(&mut self, text: &str) -> Result<(), String> {
        let specs = super::crds::load(text).map_err(|e| e.to_string())?;
        let mut other = TransformerConfig::empty();
        other.common_annotations = specs.annotations;
        other.common_labels = specs.label_selectors;
        other.name_prefix = specs.identities;
        other.name_reference = specs.name_references;
        self.merge(&other)
    }

    fn empty() -> TransformerConfig {
        TransformerConfig {
            name_prefix: Vec::new(),
            name_suffix: Vec::new(),
            namespace: Vec::new(),
            common_labels: Vec::new(),
            labels: Vec::new(),
            template_labels: Vec::new(),
            common_annotations: Vec::new(),
            images: Vec::new(),
            replicas: Vec::new(),
            var_reference: Vec::new(),
            name_reference: Vec::new(),
        }
    }

    /// Adds what `other` has and `self` lacks; the same field with a different `create`
    /// is an error.
    pub fn merge(&mut self, other: &TransformerConfig) -> Result<(), String> {
        merge_specs(&mut self.name_prefix, &other.name_prefix)?;
        merge_specs(&mut self.name_suffix, &other.name_suffix)?;
        merge_specs(&mut self.namespace, &other.namespace)?;
        merge_specs(&mut self.common_labels, &other.common_labels)?;
        merge_specs(&mut self.labels, &other.labels)?;
        merge_specs(&mut self.template_labels, &other.template_labels)?;
        merge_specs(&mut self.common_annotations, &other.common_annotations)?;
        merge_specs(&mut self.images, &other.images)?;
        merge_specs(&mut self.replicas, &other.replicas)?;
        merge_specs(&mut self.var_reference, &other.var_reference)?;
        for b in &other.name_reference {
            let dup = self.name_reference.iter().any(|x| {
                x.target == b.target
                    && x.referrer.path == b.referrer.path
                    && x.referrer.group == b.referrer.group
                    && x.referrer.version == b.referrer.version
                    && x.referrer.kind == b.referrer.kind
            });
            if !dup {
                self.name_reference.push(b.clone());
            }
        }
        Ok(())
    }
}

fn merge_specs(into: &mut Vec<FieldSpec>, more: &[FieldSpec]) -> Result<(), String> {
    for fs in more {
        match into.iter().find(|x| {
            x.path == fs.path && x.group == fs.group && x.version == fs.version && x.kind == fs.kind
        }) {
            Some(x) if x.create != fs.create => {
                return Err(format!(
                    "conflicting fieldspecs: path '{}' of kind '{}' has create {} and {}",
                    fs.path_string(),
                    fs.kind,
                    x.create,
                    fs.create
                ))
            }
            Some(_) => {}
            None => into.push(fs.clone()),
        }
    }
    Ok(())
}
