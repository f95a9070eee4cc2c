//! The kustomization file: its model, and reading it the way kustomize does (YAML 1.1
//! scalars, case-insensitive top-level keys, unknown fields rejected, deprecated fields
//! folded into their replacements with a warning).

use indexmap::IndexMap;
use serde::Deserialize;
use serde_json::Value;

pub const FILE_NAMES: [&str; 3] = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Kustomization {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    pub metadata: Option<Value>,
    pub openapi: Option<IndexMap<String, String>>,
    pub name_prefix: Option<String>,
    pub name_suffix: Option<String>,
    pub namespace: Option<String>,
    pub common_labels: Option<IndexMap<String, String>>,
    pub labels: Option<Vec<Label>>,
    pub common_annotations: Option<IndexMap<String, String>>,
    pub patches_strategic_merge: Option<Vec<String>>,
    #[serde(rename = "patchesJson6902")]
    pub patches_json6902: Option<Vec<Patch>>,
    pub patches: Option<Vec<Patch>>,
    pub images: Option<Vec<Image>>,
    pub image_tags: Option<Vec<Image>>,
    pub replacements: Option<Vec<Value>>,
    pub replicas: Option<Vec<Replica>>,
    pub vars: Option<Vec<Value>>,
    pub sort_options: Option<SortOptions>,
    pub resources: Option<Vec<String>>,
    pub components: Option<Vec<String>>,
    pub crds: Option<Vec<String>>,
    pub bases: Option<Vec<String>>,
    pub config_map_generator: Option<Vec<GeneratorArgs>>,
    pub secret_generator: Option<Vec<GeneratorArgs>>,
    pub generator_options: Option<GeneratorOptions>,
    pub helm_globals: Option<Value>,
    pub helm_charts: Option<Vec<Value>>,
    pub helm_chart_inflation_generator: Option<Vec<Value>>,
    pub configurations: Option<Vec<String>>,
    pub generators: Option<Vec<String>>,
    pub transformers: Option<Vec<String>>,
    pub validators: Option<Vec<String>>,
    pub build_metadata: Option<Vec<String>>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Label {
    #[serde(default)]
    pub pairs: IndexMap<String, String>,
    #[serde(default)]
    pub include_selectors: bool,
    #[serde(default)]
    pub include_templates: bool,
    #[serde(default)]
    pub fields: Vec<FieldSpecDef>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct FieldSpecDef {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub path: String,
    #[serde(default)]
    pub create: bool,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Patch {
    pub path: Option<String>,
    pub patch: Option<String>,
    pub target: Option<Selector>,
    pub options: Option<PatchOptions>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct PatchOptions {
    #[serde(default)]
    pub allow_name_change: bool,
    #[serde(default)]
    pub allow_kind_change: bool,
}

#[derive(Deserialize, Default, Debug, Clone, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Selector {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub label_selector: String,
    #[serde(default)]
    pub annotation_selector: String,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Image {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub new_name: String,
    #[serde(default)]
    pub new_tag: String,
    #[serde(default)]
    pub digest: String,
    #[serde(default)]
    pub tag_suffix: String,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Replica {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub count: i64,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct SortOptions {
    pub order: Option<String>,
    pub legacy_sort_options: Option<LegacySortOptions>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct LegacySortOptions {
    #[serde(default)]
    pub order_first: Vec<String>,
    #[serde(default)]
    pub order_last: Vec<String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorArgs {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub namespace: String,
    #[serde(default)]
    pub behavior: String,
    #[serde(default)]
    pub literals: Vec<String>,
    #[serde(default)]
    pub files: Vec<String>,
    #[serde(default)]
    pub envs: Vec<String>,
    #[serde(default)]
    pub env: String,
    pub options: Option<GeneratorOptions>,
    #[serde(rename = "type", default)]
    pub secret_type: Option<String>,
}

#[derive(Deserialize, Default, Debug, Clone)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct GeneratorOptions {
    #[serde(default)]
    pub labels: IndexMap<String, String>,
    #[serde(default)]
    pub annotations: IndexMap<String, String>,
    #[serde(default)]
    pub disable_name_suffix_hash: bool,
    #[serde(default)]
    pub immutable: bool,
}

/// Every top-level field name, for kustomize's case-insensitive key matching.
const TOP_LEVEL_FIELDS: &[&str] = &[
    "apiVersion",
    "kind",
    "metadata",
    "openapi",
    "namePrefix",
    "nameSuffix",
    "namespace",
    "commonLabels",
    "labels",
    "commonAnnotations",
    "patchesStrategicMerge",
    "patchesJson6902",
    "patches",
    "images",
    "imageTags",
    "replacements",
    "replicas",
    "vars",
    "sortOptions",
    "resources",
    "components",
    "crds",
    "bases",
    "configMapGenerator",
    "secretGenerator",
    "generatorOptions",
    "helmGlobals",
    "helmCharts",
    "helmChartInflationGenerator",
    "configurations",
    "generators",
    "transformers",
    "validators",
    "buildMetadata",
];

/// The struct a JSON object decodes into, for Go's case-insensitive field matching.
#[derive(Clone, Copy)]
enum Shape {
    Kustomization,
    Label,
    FieldSpec,
    Patch,
    Selector,
    PatchOptions,
    Image,
    Replica,
    SortOptions,
    LegacySortOptions,
    Generator,
    GeneratorOptions,
}

impl Shape {
    fn fields(self) -> &'static [&'static str] {
        match self {
            Shape::Kustomization => TOP_LEVEL_FIELDS,
            Shape::Label => &["pairs", "includeSelectors", "includeTemplates", "fields"],
            Shape::FieldSpec => &["group", "version", "kind", "path", "create"],
            Shape::Patch => &["path", "patch", "target", "options"],
            Shape::Selector => &[
                "group",
                "version",
                "kind",
                "name",
                "namespace",
                "labelSelector",
                "annotationSelector",
            ],
            Shape::PatchOptions => &["allowNameChange", "allowKindChange"],
            Shape::Image => &["name", "newName", "newTag", "digest", "tagSuffix"],
            Shape::Replica => &["name", "count"],
            Shape::SortOptions => &["order", "legacySortOptions"],
            Shape::LegacySortOptions => &["orderFirst", "orderLast"],
            Shape::Generator => &[
                "name",
                "namespace",
                "behavior",
                "literals",
                "files",
                "envs",
                "env",
                "options",
                "type",
            ],
            Shape::GeneratorOptions => &[
                "labels",
                "annotations",
                "disableNameSuffixHash",
                "immutable",
            ],
        }
    }

    /// The shape of a field's value (a list of that shape counts too).
    fn child(self, field: &str) -> Option<Shape> {
        Some(match (self, field) {
            (Shape::Kustomization, "labels") => Shape::Label,
            (Shape::Kustomization, "patches" | "patchesJson6902") => Shape::Patch,
            (Shape::Kustomization, "images" | "imageTags") => Shape::Image,
            (Shape::Kustomization, "replicas") => Shape::Replica,
            (Shape::Kustomization, "sortOptions") => Shape::SortOptions,
            (Shape::Kustomization, "configMapGenerator" | "secretGenerator") => Shape::Generator,
            (Shape::Kustomization, "generatorOptions") => Shape::GeneratorOptions,
            (Shape::Label, "fields") => Shape::FieldSpec,
            (Shape::Patch, "target") => Shape::Selector,
            (Shape::Patch, "options") => Shape::PatchOptions,
            (Shape::SortOptions, "legacySortOptions") => Shape::LegacySortOptions,
            (Shape::Generator, "options") => Shape::GeneratorOptions,
            _ => return None,
        })
    }
}

/// Go's encoding/json matches field names case-insensitively (an exact match wins), at
/// every level of the kustomization; renames keys to their canonical spelling.
fn canonicalize_keys(value: &mut Value, shape: Shape) {
    match value {
        Value::Array(items) => {
            for item in items {
                canonicalize_keys(item, shape);
            }
        }
        Value::Object(map) => {
            let fields = shape.fields();
            let old = std::mem::take(map);
            for (k, mut v) in old {
                let canonical = if fields.contains(&k.as_str()) {
                    k
                } else {
                    fields
                        .iter()
                        .find(|f| f.eq_ignore_ascii_case(&k))
                        .map(|f| f.to_string())
                        .unwrap_or(k)
                };
                if let Some(child) = shape.child(&canonical) {
                    canonicalize_keys(&mut v, child);
                }
                map.insert(canonical, v);
            }
        }
        _ => {}
    }
}

/// What reading a kustomization gives: the fixed-up model and the deprecation warnings
/// kustomize prints on stderr.
pub struct Loaded {
    pub kustomization: Kustomization,
    pub warnings: Vec<String>,
}

/// Parses and validates kustomization text. Errors are plain messages; the caller adds
/// the file name.
pub fn parse(text: &str) -> Result<Loaded, String> {
    let value = crate::yaml::parse::parse_one(text, crate::yaml::Dialect::Yaml11)
        .map_err(|e| format!("yaml: {e}"))?;
    let mut value = match value {
        Value::Null => Value::Object(Default::default()),
        v @ Value::Object(_) => v,
        _ => return Err("the file is not a YAML mapping".to_string()),
    };
    canonicalize_keys(&mut value, Shape::Kustomization);
    let mut k: Kustomization = serde_path_to_error::deserialize(
        super::lenient::Lenient::nulls_as_zero(value),
    )
    .map_err(|e| {
        let path = e.path().to_string();
        if path.is_empty() || path == "." {
            e.inner().to_string()
        } else {
            format!("field {path}: {}", e.inner())
        }
    })?;
    let mut warnings = Vec::new();
    let deprecated = |field: &str, instead: &str| {
        format!("# Warning: '{field}' is deprecated. Please use '{instead}' instead. Run 'kustomize edit fix' to update your Kustomization automatically.")
    };
    if k.bases.is_some() {
        warnings.push(deprecated("bases", "resources"));
    }
    if k.common_labels.is_some() {
        warnings.push(deprecated("commonLabels", "labels"));
    }
    if k.image_tags.is_some() {
        warnings.push(deprecated("imageTags", "images"));
    }
    if k.patches_json6902.is_some() {
        warnings.push(deprecated("patchesJson6902", "patches"));
    }
    if k.patches_strategic_merge.is_some() {
        warnings.push(deprecated("patchesStrategicMerge", "patches"));
    }
    if k.vars.is_some() {
        warnings.push("# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.".to_string());
    }

    let kind = k.kind.clone().unwrap_or_default();
    let is_empty = {
        let mut probe = k.clone();
        probe.api_version = None;
        probe.kind = None;
        // Go compares with the zero value: a string field written "" is unset.
        for field in [
            &mut probe.name_prefix,
            &mut probe.name_suffix,
            &mut probe.namespace,
        ] {
            if field.as_deref() == Some("") {
                *field = None;
            }
        }
        format!("{probe:?}") == format!("{:?}", Kustomization::default())
    };
    if is_empty {
        return Err("kustomization.yaml is empty".to_string());
    }
    let kind = if kind.is_empty() {
        "Kustomization".to_string()
    } else {
        kind
    };
    if kind != "Kustomization" && kind != "Component" {
        return Err("kind should be Kustomization or Component".to_string());
    }
    let expected_api = if kind == "Component" {
        "kustomize.config.k8s.io/v1alpha1"
    } else {
        "kustomize.config.k8s.io/v1beta1"
    };
    match k.api_version.as_deref() {
        None | Some("") => k.api_version = Some(expected_api.to_string()),
        Some(v) if v == expected_api => {}
        Some(_) => return Err(format!("apiVersion for {kind} should be {expected_api}")),
    }
    k.kind = Some(kind);

    if let Some(bases) = k.bases.take() {
        k.resources.get_or_insert_with(Vec::new).extend(bases);
    }
    if let Some(tags) = k.image_tags.take() {
        k.images.get_or_insert_with(Vec::new).extend(tags);
    }
    for generators in [&mut k.config_map_generator, &mut k.secret_generator]
        .into_iter()
        .flatten()
    {
        for g in generators.iter_mut() {
            if !g.env.is_empty() {
                let env = std::mem::take(&mut g.env);
                g.envs.push(env);
            }
        }
    }
    if let Some(cms) = &k.config_map_generator {
        if cms.iter().any(|g| g.secret_type.is_some()) {
            return Err("json: unknown field \"type\"".to_string());
        }
    }
    Ok(Loaded {
        kustomization: k,
        warnings,
    })
}

impl Kustomization {
    pub fn is_component(&self) -> bool {
        self.kind.as_deref() == Some("Component")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_field_rejected() {
        let err = parse("namePrefx: a-\n").err().unwrap();
        assert!(err.contains("namePrefx"), "{err}");
    }

    #[test]
    fn keys_are_case_insensitive() {
        let k = parse("NAMEPREFIX: up-\nresources: []\n")
            .unwrap()
            .kustomization;
        assert_eq!(k.name_prefix.as_deref(), Some("up-"));
    }

    #[test]
    fn nested_keys_are_case_insensitive() {
        let k = parse("patches:\n- Path: p.yaml\n  TARGET: {KIND: Deployment}\nimages:\n- NAME: a\n  newtag: b\n")
            .unwrap()
            .kustomization;
        let p = &k.patches.unwrap()[0];
        assert_eq!(p.path.as_deref(), Some("p.yaml"));
        assert_eq!(p.target.as_ref().unwrap().kind, "Deployment");
        assert_eq!(k.images.unwrap()[0].new_tag, "b");
    }

    #[test]
    fn yaml11_bool_is_a_type_error() {
        assert!(parse("commonLabels:\n  sel: yes\n").is_err());
    }

    #[test]
    fn empty_is_an_error() {
        assert_eq!(
            parse("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n")
                .err()
                .unwrap(),
            "kustomization.yaml is empty"
        );
        assert!(parse("resources: []\n").is_ok());
    }

    #[test]
    fn deprecated_fields_fold_and_warn() {
        let l = parse("bases: [../b]\nresources: [a.yaml]\n").unwrap();
        assert_eq!(
            l.kustomization.resources.unwrap(),
            vec!["a.yaml".to_string(), "../b".to_string()]
        );
        assert_eq!(l.warnings.len(), 1);
    }
}
