//! Helm charts (`helmCharts`, `helmGlobals`, and the deprecated
//! `helmChartInflationGenerator` converted to them): kustomize's builtin
//! HelmChartInflationGenerator. It refuses to run without `--enable-helm`; with it,
//! it shells out to the `helm` program (`helm version`, `helm pull` when the chart is
//! not already under `chartHome`, then `helm template`) and returns the documents helm
//! printed. Each chart's configuration is the chart entry with `helmGlobals` merged in,
//! exactly the object kustomize prints (sorted keys, empty fields left out) when it
//! reports a configuration error.
//!
//! helm runs with the inherited environment plus `HELM_CONFIG_HOME` (`configHome`, else
//! `helm` in a fresh temporary directory), `HELM_CACHE_HOME=<that>/.cache` and
//! `HELM_DATA_HOME=<that>/.data`, as kustomize runs it. The values file handed to helm is
//! the chart's `values.yaml` (or `valuesFile`) as it is, or, with `valuesInline`, the
//! result of kyaml's merge ([`merge_values`]), whose quirks decide which keys reach helm.
//!
//! A chart entry is untrusted input: a field that becomes an argument of helm and starts
//! with `-` is refused ([`refuse_option_like`]), value flags are written `--flag=value`,
//! and the positional arguments come after `--`, so no value is ever read as an option
//! (`releaseName: --post-renderer=<program>` would make helm run a program).

use crate::yaml::parse::ParsedDoc;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// kustomize's default `chartHome`, relative to the kustomization directory.
pub const DEFAULT_CHART_HOME: &str = "charts";

/// The `--enable-helm` / `--helm-*` flags of `kubectl kustomize`.
#[derive(Clone, Debug)]
pub struct HelmSettings {
    pub enabled: bool,
    /// `--helm-command` (default `helm`).
    pub command: String,
    /// `--helm-kube-version`: overrides every chart's `kubeVersion`.
    pub kube_version: Option<String>,
    /// `--helm-api-versions`: when non-empty, replaces every chart's `apiVersions`.
    pub api_versions: Vec<String>,
    /// `--helm-debug`.
    pub debug: bool,
}

impl Default for HelmSettings {
    fn default() -> Self {
        HelmSettings {
            enabled: false,
            command: "helm".to_string(),
            kube_version: None,
            api_versions: Vec::new(),
            debug: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HelmError {
    /// A configuration problem, worded like kustomize's.
    #[error("trouble configuring builtin HelmChartInflationGenerator with config: `\n{config}`: {reason}")]
    Config { config: String, reason: String },

    #[error("helm chart '{chart}': cannot run '{command}': {reason} (install helm v3 or pass --helm-command)")]
    HelmMissing {
        chart: String,
        command: String,
        reason: &'static str,
    },

    #[error("helm chart '{chart}': '{command} {args}' failed: {message}")]
    HelmFailed {
        chart: String,
        command: String,
        args: String,
        message: String,
    },

    #[error("helm chart '{chart}': {message}")]
    Chart { chart: String, message: String },

    #[error("helm chart '{chart}': {field} '{value}' starts with '-', which helm would read as an option; refusing it")]
    OptionLike {
        chart: String,
        field: String,
        value: String,
    },
}

/// One `helmCharts` entry as kustomize reads it (unknown keys were already rejected by
/// the kustomization parser).
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct HelmChart {
    pub name: String,
    pub version: String,
    pub repo: String,
    pub release_name: String,
    pub namespace: String,
    pub additional_values_files: Vec<String>,
    pub values_file: String,
    pub values_inline: Map<String, Value>,
    pub values_merge: String,
    #[serde(rename = "includeCRDs")]
    pub include_crds: bool,
    pub skip_hooks: bool,
    pub api_versions: Vec<String>,
    pub kube_version: String,
    pub name_template: String,
    pub skip_tests: bool,
    pub debug: bool,
    pub chart_home: String,
    pub config_home: String,
}

/// The per-chart configurations of one kustomization, in kustomize's order: every
/// `helmCharts` entry, then every converted `helmChartInflationGenerator` entry, each
/// with the globals merged in. `helmGlobals` wins; without it, the last non-empty
/// `chartHome`/`helmHome` of the deprecated entries is used.
pub fn chart_configs(
    helm_globals: Option<&Value>,
    helm_charts: Option<&[Value]>,
    deprecated: Option<&[Value]>,
) -> Vec<Value> {
    let mut globals = Map::new();
    let mut charts: Vec<Value> = helm_charts.unwrap_or_default().to_vec();
    let mut legacy_globals = Map::new();
    for old in deprecated.unwrap_or_default() {
        let field = |k: &str| old.get(k).filter(|v| !is_empty(v)).cloned();
        let mut c = Map::new();
        for (new, old_key) in [
            ("name", "chartName"),
            ("version", "chartVersion"),
            ("repo", "chartRepoUrl"),
            ("valuesFile", "values"),
            ("valuesInline", "valuesLocal"),
            ("valuesMerge", "valuesMerge"),
            ("releaseName", "releaseName"),
        ] {
            if let Some(v) = field(old_key) {
                c.insert(new.to_string(), v);
            }
        }
        if let Some(v) = field("helmHome") {
            legacy_globals.insert("configHome".to_string(), v);
        }
        if let Some(v) = field("chartHome") {
            legacy_globals.insert("chartHome".to_string(), v);
        }
        charts.push(Value::Object(c));
    }
    match helm_globals.and_then(Value::as_object) {
        Some(g) => {
            for k in ["chartHome", "configHome"] {
                if let Some(v) = g.get(k) {
                    globals.insert(k.to_string(), v.clone());
                }
            }
        }
        None => globals = legacy_globals,
    }
    charts
        .into_iter()
        .map(|chart| {
            let mut merged = globals.clone();
            if let Value::Object(m) = chart {
                merged.extend(m);
            }
            Value::Object(merged.into_iter().filter(|(_, v)| !is_empty(v)).collect())
        })
        .collect()
}

/// A builtin `HelmChartInflationGenerator` configuration listed under `generators`:
/// its fields (globals and chart in one object, as kustomize's plugin reads them) form
/// the chart's configuration. `None` for any other configuration.
pub fn plugin_chart_config(config: &Value) -> Option<Value> {
    let is_helm = config.get("apiVersion").and_then(Value::as_str) == Some("builtin")
        && config.get("kind").and_then(Value::as_str) == Some("HelmChartInflationGenerator");
    if !is_helm {
        return None;
    }
    let fields = config.as_object()?;
    Some(Value::Object(
        fields
            .iter()
            .filter(|(k, v)| {
                !matches!(k.as_str(), "apiVersion" | "kind" | "metadata") && !is_empty(v)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    ))
}

/// Go's `omitempty`: empty strings, `false`, zero, empty lists and maps, `null`.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        Value::Number(n) => n.as_f64() == Some(0.0),
    }
}

/// The configuration as kustomize prints it in errors.
pub fn config_text(config: &Value) -> String {
    crate::yaml::to_yaml(config)
}

fn config_error(config: &Value, reason: impl Into<String>) -> HelmError {
    HelmError::Config {
        config: config_text(config),
        reason: reason.into(),
    }
}

/// Without `--enable-helm`, any chart is an error naming the first one.
pub fn check_enabled(enabled: bool, configs: &[Value]) -> Result<(), HelmError> {
    match configs.first() {
        Some(first) if !enabled => Err(config_error(first, "must specify --enable-helm")),
        _ => Ok(()),
    }
}

/// Configures every chart of one kustomization, in order, as kustomize does before it
/// inflates any (see [`configure`]), and settles their `apiVersions`.
///
/// kustomize v5.5.0 gives each chart the `--helm-api-versions` slice itself before
/// decoding the entry into it, and Go's JSON decoding writes a list into the slice's
/// backing array in place. So with the flag given: an entry without `apiVersions` uses
/// the flag's list; an entry with `n` of them overwrites the first `n` elements of that
/// shared list (as many as fit) and, when they fit, keeps reading its first `n` elements.
/// Charts inflate after all are configured, so they see the last writes. `shared` is
/// that backing array: it starts as the flag's list and lives for the whole build.
pub fn configure_all(
    configs: &[Value],
    settings: &HelmSettings,
    shared: &mut [String],
) -> Result<Vec<HelmChart>, HelmError> {
    enum Binding {
        Own,
        Shared(usize),
    }
    let mut charts = Vec::with_capacity(configs.len());
    let mut bindings = Vec::with_capacity(configs.len());
    for config in configs {
        let chart = configure(config, settings)?;
        let binding = if settings.api_versions.is_empty() {
            Binding::Own
        } else if chart.api_versions.is_empty() {
            Binding::Shared(shared.len())
        } else {
            let n = chart.api_versions.len().min(shared.len());
            shared[..n].clone_from_slice(&chart.api_versions[..n]);
            if chart.api_versions.len() <= shared.len() {
                Binding::Shared(n)
            } else {
                Binding::Own
            }
        };
        charts.push(chart);
        bindings.push(binding);
    }
    for (chart, binding) in charts.iter_mut().zip(bindings) {
        if let Binding::Shared(n) = binding {
            chart.api_versions = shared[..n].to_vec();
        }
    }
    Ok(charts)
}

/// Parses and validates one configuration (kustomize's `Config`): a chart name is
/// required and `valuesMerge` must be `merge`, `override` or `replace`.
/// `--helm-kube-version` only fills a `kubeVersion` the chart entry leaves empty
/// (kustomize v5.5.0 sets it before reading the entry over it); `--helm-api-versions`
/// is [`configure_all`]'s business; `--helm-debug` turns `debug` on.
pub fn configure(config: &Value, settings: &HelmSettings) -> Result<HelmChart, HelmError> {
    if !settings.enabled {
        return Err(config_error(config, "must specify --enable-helm"));
    }
    if settings.command.is_empty() {
        return Err(config_error(config, "must specify --helm-command"));
    }
    let mut chart: HelmChart =
        serde_json::from_value(config.clone()).map_err(|e| config_error(config, e.to_string()))?;
    if chart.kube_version.is_empty() {
        if let Some(kv) = settings.kube_version.as_ref() {
            chart.kube_version = kv.clone();
        }
    }
    chart.debug |= settings.debug;
    if chart.name.is_empty() {
        return Err(config_error(config, "chart name cannot be empty"));
    }
    if chart.chart_home.is_empty() {
        chart.chart_home = DEFAULT_CHART_HOME.to_string();
    }
    match chart.values_merge.as_str() {
        "" => chart.values_merge = "override".to_string(),
        "merge" | "override" | "replace" => {}
        _ => {
            return Err(config_error(
                config,
                "valuesMerge must be one of [merge override replace]",
            ))
        }
    }
    refuse_option_like(&chart)?;
    Ok(chart)
}

/// Every field that becomes an argument of helm (or names a file handed to it) must not
/// start with `-`; the error names the first that does.
pub fn refuse_option_like(chart: &HelmChart) -> Result<(), HelmError> {
    let single = [
        ("name", &chart.name),
        ("releaseName", &chart.release_name),
        ("repo", &chart.repo),
        ("version", &chart.version),
        ("namespace", &chart.namespace),
        ("valuesFile", &chart.values_file),
        ("nameTemplate", &chart.name_template),
        ("kubeVersion", &chart.kube_version),
    ]
    .into_iter()
    .map(|(field, value)| (field.to_string(), value));
    let lists = [
        ("additionalValuesFiles", &chart.additional_values_files),
        ("apiVersions", &chart.api_versions),
    ]
    .into_iter()
    .flat_map(|(field, values)| {
        values
            .iter()
            .enumerate()
            .map(move |(i, v)| (format!("{field}[{i}]"), v))
    });
    match single.chain(lists).find(|(_, v)| v.starts_with('-')) {
        Some((field, value)) => Err(HelmError::OptionLike {
            chart: chart.name.clone(),
            field,
            value: value.clone(),
        }),
        None => Ok(()),
    }
}

/// Where the chart lives: `chartHome` (relative to the kustomization directory), with
/// a `<name>-<version>` level when both `repo` and `version` are set.
pub fn abs_chart_home(chart: &HelmChart, root: &Path) -> PathBuf {
    let home = root.join(&chart.chart_home);
    if !chart.version.is_empty() && !chart.repo.is_empty() {
        home.join(format!("{}-{}", chart.name, chart.version))
    } else {
        home
    }
}

/// `helm pull` arguments, used when the chart is not under the chart home: kustomize's
/// flags (values attached with `=`), then `--` and the chart.
pub fn pull_args(chart: &HelmChart, abs_chart_home: &Path) -> Vec<String> {
    let mut args = vec![
        "pull".to_string(),
        "--untar".to_string(),
        "--untardir".to_string(),
        abs_chart_home.display().to_string(),
    ];
    let oci = chart.repo.starts_with("oci://");
    if !oci && !chart.repo.is_empty() {
        args.push(format!("--repo={}", chart.repo));
    }
    if !chart.version.is_empty() {
        args.push(format!("--version={}", chart.version));
    }
    args.push("--".to_string());
    if oci {
        args.push(format!(
            "{}/{}",
            chart.repo.trim_end_matches('/'),
            chart.name
        ));
    } else {
        args.push(chart.name.clone());
    }
    args
}

/// `helm template` arguments: kustomize's flags in its order (values attached with
/// `=`), then `--`, the release name (unless `--generate-name`) and the chart directory.
/// `values_file` is the values file kustomize wrote (chart defaults or `valuesFile`,
/// merged with `valuesInline`); `additional` are the absolute `additionalValuesFiles`.
pub fn template_args(
    chart: &HelmChart,
    abs_chart_home: &Path,
    values_file: &Path,
    additional: &[PathBuf],
) -> Vec<String> {
    let mut args = vec!["template".to_string()];
    let mut push = |a: String| args.push(a);
    if chart.release_name.is_empty() {
        push("--generate-name".into());
    }
    if !chart.namespace.is_empty() {
        push(format!("--namespace={}", chart.namespace));
    }
    if !chart.name_template.is_empty() {
        push(format!("--name-template={}", chart.name_template));
    }
    push(format!("--values={}", values_file.display()));
    for f in additional {
        push(format!("--values={}", f.display()));
    }
    for v in &chart.api_versions {
        push(format!("--api-versions={v}"));
    }
    if !chart.kube_version.is_empty() {
        push(format!("--kube-version={}", chart.kube_version));
    }
    if chart.include_crds {
        push("--include-crds".into());
    }
    if chart.skip_tests {
        push("--skip-tests".into());
    }
    if chart.skip_hooks {
        push("--no-hooks".into());
    }
    if chart.debug {
        push("--debug".into());
    }
    push("--".into());
    if !chart.release_name.is_empty() {
        push(chart.release_name.clone());
    }
    push(abs_chart_home.join(&chart.name).display().to_string());
    args
}

/// One side of kustomize's values merge: a parsed document and where it wrote fields with
/// no value (`key:`) or with an alias (`key: *anchor`), as JSON pointers.
#[derive(Clone, Copy)]
pub struct MergeSide<'a> {
    pub value: &'a Value,
    pub empty_fields: &'a [String],
    pub alias_fields: &'a [String],
}

impl MergeSide<'_> {
    fn is_alias(&self, pointer: &str) -> bool {
        self.alias_fields.iter().any(|p| p == pointer)
    }
    fn is_empty_null(&self, pointer: &str) -> bool {
        self.empty_fields.iter().any(|p| p == pointer)
    }
}

/// The node kinds kyaml's walker tells apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum NodeKind {
    Mapping,
    Sequence,
    Scalar,
    Alias,
}

impl NodeKind {
    fn name(self) -> &'static str {
        match self {
            NodeKind::Mapping => "MappingNode",
            NodeKind::Sequence => "SequenceNode",
            NodeKind::Scalar => "ScalarNode",
            NodeKind::Alias => "AliasNode",
        }
    }
}

/// A field's node on one side: absent, or its value and JSON pointer.
#[derive(Clone, Copy)]
struct Node<'a> {
    value: Option<&'a Value>,
    side: MergeSide<'a>,
}

impl<'a> Node<'a> {
    /// `None` for a missing or null node (kyaml's `IsMissingOrNull`).
    fn kind(&self, pointer: &str) -> Option<NodeKind> {
        let v = self.value?;
        if self.side.is_alias(pointer) {
            return Some(NodeKind::Alias);
        }
        match v {
            Value::Null => None,
            Value::Object(_) => Some(NodeKind::Mapping),
            Value::Array(_) => Some(NodeKind::Sequence),
            _ => Some(NodeKind::Scalar),
        }
    }
    fn field(&self, key: &str) -> Node<'a> {
        Node {
            value: self.value.and_then(|v| v.get(key)),
            side: self.side,
        }
    }
}

/// kustomize's values merge (kyaml `merge2.Merge` without a schema): fields of `origin`
/// are merged into `dest`. Maps merge key by key; lists and scalars from `origin` replace;
/// a null in `origin` removes the field; a null that only `dest` has stays when written
/// out (`null`, `~`) and goes when the value was left empty (`key:`); fields whose value
/// is an alias go; a field whose two sides are different kinds of node is an error.
pub fn merge_values(dest: MergeSide<'_>, origin: MergeSide<'_>) -> Result<Value, String> {
    let d = Node {
        value: Some(dest.value),
        side: dest,
    };
    let o = Node {
        value: Some(origin.value),
        side: origin,
    };
    Ok(walk(d, o, "")?.unwrap_or(Value::Null))
}

/// One step of kyaml's walk; `None` is a field the merge clears.
fn walk(d: Node<'_>, o: Node<'_>, pointer: &str) -> Result<Option<Value>, String> {
    let (dk, ok) = (d.kind(pointer), o.kind(pointer));
    let Some(kind) = dk.or(ok) else {
        // Both missing or null: a null only dest has is kept if spelled out.
        let kept = o.value.is_none() && d.value.is_some() && !d.side.is_empty_null(pointer);
        return Ok(kept.then_some(Value::Null));
    };
    if kind == NodeKind::Alias {
        return Ok(None);
    }
    for (k, node) in [(dk, d), (ok, o)] {
        if let Some(k) = k.filter(|k| *k != kind) {
            let contents = node.value.map(crate::yaml::to_yaml).unwrap_or_default();
            let contents = contents.trim_end();
            return Err(format!(
                "wrong node kind: expected {} but got {}: node contents:\n{contents}",
                kind.name(),
                k.name()
            ));
        }
    }
    match kind {
        NodeKind::Mapping => {
            // A dest that is missing or null takes origin's map, which is then merged with
            // itself (dropping its nulls and aliases); an origin null clears dest's map.
            let base = match (dk, o.value) {
                (None, _) => o,
                (Some(_), Some(Value::Null)) => return Ok(None),
                (Some(_), _) => d,
            };
            let (d, o) = if dk.is_none() { (o, o) } else { (d, o) };
            let mut keys: Vec<&String> = [d.value, o.value]
                .into_iter()
                .flatten()
                .filter_map(Value::as_object)
                .flat_map(|m| m.keys())
                .collect();
            keys.sort();
            keys.dedup();
            let mut out = base
                .value
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for key in keys {
                let child = format!("{pointer}/{}", crate::yaml::parse::pointer_token(key));
                match walk(d.field(key), o.field(key), &child)? {
                    Some(v) => {
                        out.insert(key.clone(), v);
                    }
                    None => {
                        out.remove(key);
                    }
                }
            }
            Ok(Some(Value::Object(out)))
        }
        // Lists are never merged element by element without a schema.
        NodeKind::Sequence | NodeKind::Scalar | NodeKind::Alias => match o.value {
            Some(Value::Null) => Ok(None),
            Some(v) => Ok(Some(v.clone())),
            None => Ok(d.value.cloned()),
        },
    }
}

/// A file kustomize's loader would read: relative to the root, and inside it unless
/// load restrictions are off.
fn load_path(root: &Path, file: &str, restricted: bool, chart: &str) -> Result<PathBuf, HelmError> {
    let joined = root.join(file);
    let real = joined.canonicalize().map_err(|e| HelmError::Chart {
        chart: chart.to_string(),
        message: format!(
            "cannot read '{}': {}",
            joined.display(),
            super::loader::io_reason(&e)
        ),
    })?;
    if restricted && !real.starts_with(root) {
        return Err(HelmError::Chart {
            chart: chart.to_string(),
            message: format!(
                "security; file '{}' is not in or below '{}'",
                real.display(),
                root.display()
            ),
        });
    }
    Ok(real)
}

/// Inflates one chart from [`configure_all`]: `root` is the kustomization directory
/// (canonical), `restricted` the root-only load restriction. Returns helm's documents in
/// order, read like a resource file (the caller expands `List`s and checks kinds/names
/// as for files).
pub fn inflate(
    chart: &HelmChart,
    root: &Path,
    restricted: bool,
    settings: &HelmSettings,
) -> Result<Vec<ParsedDoc>, HelmError> {
    let name = chart.name.clone();
    let chart_err = |message: String| HelmError::Chart {
        chart: name.clone(),
        message,
    };
    let home = abs_chart_home(chart, root);
    let values_path = if chart.values_file.is_empty() {
        home.join(&chart.name)
            .join("values.yaml")
            .display()
            .to_string()
    } else {
        chart.values_file.clone()
    };
    let additional = chart
        .additional_values_files
        .iter()
        .map(|f| load_path(root, f, restricted, &name).map(|_| root.join(f)))
        .collect::<Result<Vec<_>, _>>()?;

    let tmp = TempDir::new()
        .map_err(|e| chart_err(format!("cannot create a temporary directory: {e}")))?;
    let config_home = if chart.config_home.is_empty() {
        tmp.path.join("helm")
    } else {
        PathBuf::from(&chart.config_home)
    };
    let runner = HelmRunner {
        command: &settings.command,
        chart: &name,
        config_home: &config_home,
    };

    let version = runner.run(&["version".into(), "-c".into(), "--short".into()])?;
    check_version(&String::from_utf8_lossy(&version)).map_err(chart_err)?;

    let chart_dir = home.join(&chart.name);
    if !chart_dir.is_dir() {
        if chart.repo.is_empty() {
            // kustomize names the directory only when something that is not one is there.
            let shown = if chart_dir.exists() {
                chart_dir.display().to_string()
            } else {
                String::new()
            };
            return Err(chart_err(format!(
                "no repo specified for pull, no chart found at '{shown}'"
            )));
        }
        runner.run(&pull_args(chart, &home))?;
    }

    let read_values = || -> Result<Vec<u8>, HelmError> {
        let path = load_path(root, &values_path, restricted, &name)?;
        std::fs::read(&path).map_err(|e| {
            chart_err(format!(
                "cannot read '{}': {}",
                path.display(),
                super::loader::io_reason(&e)
            ))
        })
    };
    // Without inline values the file goes to helm as it is; with them, kustomize writes
    // the merge (or the inline values alone, for `replace`) and never reads the file
    // for `replace`.
    let values_bytes = if chart.values_inline.is_empty() {
        read_values()?
    } else {
        let inline = Value::Object(chart.values_inline.clone());
        let merged = if chart.values_merge == "replace" {
            inline
        } else {
            let text = String::from_utf8_lossy(&read_values()?).into_owned();
            let file = crate::yaml::parse::parse_helm_values(&text)
                .map_err(|e| chart_err(format!("could not parse values file into rnode: {e}")))?
                .ok_or_else(|| chart_err("could not parse values file into rnode: EOF".into()))?;
            let file_side = MergeSide {
                value: &file.value,
                empty_fields: &file.empty_fields,
                alias_fields: &file.alias_fields,
            };
            let inline_side = MergeSide {
                value: &inline,
                empty_fields: &[],
                alias_fields: &[],
            };
            let (dest, origin) = if chart.values_merge == "merge" {
                (inline_side, file_side)
            } else {
                (file_side, inline_side)
            };
            let mut merged = merge_values(dest, origin)
                .map_err(|e| chart_err(format!("could not merge values: {e}")))?;
            crate::yaml::parse::resolve_merge_keys(&mut merged)
                .map_err(|e| chart_err(format!("could not parse merged values into map: {e}")))?;
            merged
        };
        if let Some((_, v)) = crate::yaml::parse::find_non_finite(&merged) {
            return Err(chart_err(format!(
                "error marshaling into JSON: json: unsupported value: {v}"
            )));
        }
        // JSON is YAML: helm reads it as a values file.
        serde_json::to_vec(&merged)
            .map_err(|e| chart_err(format!("cannot write the values: {e}")))?
    };
    let values_file = tmp
        .path
        .join(format!("{}-kustomize-values.yaml", chart.name));
    std::fs::write(&values_file, values_bytes)
        .map_err(|e| chart_err(format!("failed to write values file: {e}")))?;

    let out = runner.run(&template_args(chart, &home, &values_file, &additional))?;
    parse_output(&String::from_utf8_lossy(&out)).map_err(chart_err)
}

/// Helm's output, read as kustomize reads a resource file; text before the first `---`
/// (notes helm may print) is dropped when the whole does not parse.
pub fn parse_output(text: &str) -> Result<Vec<ParsedDoc>, String> {
    use crate::yaml::parse::parse_resource_file;
    match parse_resource_file(text) {
        Ok(docs) => Ok(docs),
        Err(first) => {
            let after = text
                .match_indices("---")
                .find(|(i, _)| *i == 0 || text.as_bytes().get(i - 1) == Some(&b'\n'))
                .map(|(i, _)| &text[i..]);
            match after {
                Some(rest) => {
                    parse_resource_file(rest).map_err(|e| format!("error reading helm output: {e}"))
                }
                None => Err(format!("could not parse helm output: {first}")),
            }
        }
    }
}

/// The helm version must be 3.x (kustomize v5.5.0 refuses anything else).
fn check_version(out: &str) -> Result<(), String> {
    let re = regex::Regex::new(r"v?\d+(\.\d+)+").map_err(|e| e.to_string())?;
    let Some(m) = re.find(out) else {
        return Err(format!("cannot find version string in {out}"));
    };
    let v = m.as_str().trim_start_matches('v');
    if v.split('.').next() != Some("3") {
        return Err(format!("this plugin requires helm V3 but got v{v}"));
    }
    Ok(())
}

struct HelmRunner<'a> {
    command: &'a str,
    chart: &'a str,
    config_home: &'a Path,
}

impl HelmRunner<'_> {
    fn run(&self, args: &[String]) -> Result<Vec<u8>, HelmError> {
        let home = self.config_home.display();
        let out = Command::new(self.command)
            .args(args)
            .env("HELM_CONFIG_HOME", self.config_home)
            .env("HELM_CACHE_HOME", format!("{home}/.cache"))
            .env("HELM_DATA_HOME", format!("{home}/.data"))
            .output()
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => HelmError::HelmMissing {
                    chart: self.chart.to_string(),
                    command: self.command.to_string(),
                    reason: if self.command.contains('/') {
                        "no such file or directory"
                    } else {
                        "not found on PATH"
                    },
                },
                _ => HelmError::HelmFailed {
                    chart: self.chart.to_string(),
                    command: self.command.to_string(),
                    args: args.join(" "),
                    message: e.to_string(),
                },
            })?;
        if out.status.success() {
            return Ok(out.stdout);
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message = stderr
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        Err(HelmError::HelmFailed {
            chart: self.chart.to_string(),
            command: self.command.to_string(),
            args: args.join(" "),
            message: if message.is_empty() {
                format!("exit status {}", out.status.code().unwrap_or(-1))
            } else {
                message
            },
        })
    }
}

/// A fresh private (0700, randomly named) temporary directory removed on drop
/// (kustomize's `kustomize-helm-*`); never an existing one.
struct TempDir {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl TempDir {
    fn new() -> std::io::Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("kubectl-gitops-helm-")
            .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
            .tempdir()?;
        Ok(TempDir {
            path: dir.path().to_path_buf(),
            _dir: dir,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn enabled(command: &str) -> HelmSettings {
        HelmSettings {
            enabled: true,
            command: command.to_string(),
            ..HelmSettings::default()
        }
    }

    #[test]
    fn disabled_error_matches_kustomize() {
        let configs = chart_configs(
            None,
            Some(&[json!({"name": "foo", "repo": "https://example.com"})]),
            None,
        );
        let err = check_enabled(false, &configs).err().map(|e| e.to_string());
        assert_eq!(
            err.as_deref(),
            Some("trouble configuring builtin HelmChartInflationGenerator with config: `\nname: foo\nrepo: https://example.com\n`: must specify --enable-helm")
        );
        assert!(check_enabled(true, &configs).is_ok());
        assert!(check_enabled(false, &[]).is_ok());
    }

    #[test]
    fn globals_merge_sorted_and_empty_fields_dropped() {
        // Verified against `kubectl kustomize` (the printed config of a disabled chart).
        let configs = chart_configs(
            Some(&json!({"chartHome": "mycharts"})),
            Some(&[json!({
                "repo": "https://example.com", "name": "foo",
                "valuesInline": {"b": 1, "a": {"z": 2}}, "releaseName": "rel",
                "includeCRDs": true, "skipTests": false, "version": "1.2.3",
                "apiVersions": ["v1", "apps/v1"]
            })]),
            None,
        );
        assert_eq!(
            config_text(&configs[0]),
            "apiVersions:\n- v1\n- apps/v1\nchartHome: mycharts\nincludeCRDs: true\nname: foo\nreleaseName: rel\nrepo: https://example.com\nvaluesInline:\n  a:\n    z: 2\n  b: 1\nversion: 1.2.3\n"
        );
    }

    #[test]
    fn deprecated_entries_are_converted_after_helm_charts() {
        let configs = chart_configs(
            None,
            Some(&[json!({"name": "new"})]),
            Some(&[json!({
                "chartName": "old", "chartVersion": "1.0", "chartRepoUrl": "https://r",
                "chartHome": "ch", "helmHome": "hh", "values": "v.yaml",
                "releaseNamespace": "ignored", "extraArgs": ["ignored"]
            })]),
        );
        assert_eq!(configs.len(), 2);
        assert_eq!(
            configs[0],
            json!({"chartHome": "ch", "configHome": "hh", "name": "new"})
        );
        assert_eq!(
            configs[1],
            json!({"chartHome": "ch", "configHome": "hh", "name": "old", "version": "1.0",
                   "repo": "https://r", "valuesFile": "v.yaml"})
        );
        // helmGlobals, when present, wins over the deprecated homes.
        let configs = chart_configs(
            Some(&json!({"chartHome": "g"})),
            None,
            Some(&[json!({"chartName": "old", "chartHome": "ch"})]),
        );
        assert_eq!(configs[0], json!({"chartHome": "g", "name": "old"}));
    }

    #[test]
    fn validation() {
        let s = enabled("helm");
        let e = configure(&json!({"repo": "r"}), &s)
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.ends_with("`: chart name cannot be empty")));
        let e = configure(&json!({"name": "a", "valuesMerge": "x"}), &s)
            .err()
            .map(|e| e.to_string());
        assert!(
            e.is_some_and(|e| e.ends_with("valuesMerge must be one of [merge override replace]"))
        );
        let c = configure(&json!({"name": "a"}), &s).ok();
        assert_eq!(c.as_ref().map(|c| c.chart_home.as_str()), Some("charts"));
        assert_eq!(
            c.as_ref().map(|c| c.values_merge.as_str()),
            Some("override")
        );
    }

    #[test]
    fn cli_settings_only_fill_what_the_chart_leaves_empty() {
        // Verified against `kubectl kustomize`: the entry's own values win.
        let s = HelmSettings {
            kube_version: Some("1.30".into()),
            debug: true,
            ..enabled("helm")
        };
        let c = configure(&json!({"name": "a", "kubeVersion": "1.20"}), &s).ok();
        assert_eq!(
            c.map(|c| (c.kube_version, c.debug)),
            Some(("1.20".to_string(), true))
        );
        let c = configure(&json!({"name": "a"}), &s).ok();
        assert_eq!(c.map(|c| c.kube_version), Some("1.30".to_string()));
    }

    #[test]
    fn api_versions_share_the_flag_list() {
        // Verified against `kubectl kustomize` (helm-capabilities-flags).
        let s = HelmSettings {
            api_versions: vec!["f1".into(), "f2".into()],
            ..enabled("helm")
        };
        let configs = [
            json!({"name": "a"}),
            json!({"name": "b", "apiVersions": ["e1"]}),
            json!({"name": "c", "apiVersions": ["g1", "g2", "g3"]}),
            json!({"name": "d", "apiVersions": ["h1"]}),
        ];
        let mut shared = s.api_versions.clone();
        let charts = configure_all(&configs, &s, &mut shared).unwrap_or_default();
        let got: Vec<Vec<String>> = charts.into_iter().map(|c| c.api_versions).collect();
        assert_eq!(
            got,
            vec![
                vec!["h1".to_string(), "g2".to_string()],
                vec!["h1".to_string()],
                vec!["g1".to_string(), "g2".to_string(), "g3".to_string()],
                vec!["h1".to_string()],
            ]
        );
        assert_eq!(shared, vec!["h1".to_string(), "g2".to_string()]);
        // Without the flag every chart keeps its own.
        let s = enabled("helm");
        let charts = configure_all(&configs[1..2], &s, &mut []).unwrap_or_default();
        assert_eq!(
            charts.first().map(|c| c.api_versions.clone()),
            Some(vec!["e1".to_string()])
        );
    }

    #[test]
    fn argv() {
        let chart = HelmChart {
            name: "minecraft".into(),
            version: "3.1.3".into(),
            repo: "https://charts.example".into(),
            release_name: "moria".into(),
            namespace: "games".into(),
            name_template: "t".into(),
            api_versions: vec!["a/v1".into(), "b/v1".into()],
            kube_version: "1.29".into(),
            include_crds: true,
            skip_tests: true,
            skip_hooks: true,
            debug: true,
            chart_home: "charts".into(),
            ..HelmChart::default()
        };
        let home = abs_chart_home(&chart, Path::new("/k"));
        assert_eq!(home, Path::new("/k/charts/minecraft-3.1.3"));
        let args = template_args(
            &chart,
            &home,
            Path::new("/tmp/v.yaml"),
            &[PathBuf::from("/k/extra.yaml")],
        );
        assert_eq!(
            args.join(" "),
            "template --namespace=games --name-template=t --values=/tmp/v.yaml --values=/k/extra.yaml --api-versions=a/v1 --api-versions=b/v1 --kube-version=1.29 --include-crds --skip-tests --no-hooks --debug -- moria /k/charts/minecraft-3.1.3/minecraft"
        );
        assert_eq!(
            pull_args(&chart, &home).join(" "),
            "pull --untar --untardir /k/charts/minecraft-3.1.3 --repo=https://charts.example --version=3.1.3 -- minecraft"
        );
        let oci = HelmChart {
            repo: "oci://reg.example/charts/".into(),
            version: String::new(),
            ..chart.clone()
        };
        assert_eq!(
            pull_args(&oci, Path::new("/k/charts")).join(" "),
            "pull --untar --untardir /k/charts -- oci://reg.example/charts/minecraft"
        );
        let bare = HelmChart {
            name: "c".into(),
            chart_home: "charts".into(),
            ..HelmChart::default()
        };
        let home = abs_chart_home(&bare, Path::new("/k"));
        assert_eq!(
            template_args(&bare, &home, Path::new("/v"), &[]).join(" "),
            "template --generate-name --values=/v -- /k/charts/c"
        );
    }

    #[test]
    fn option_like_fields_are_refused() {
        let base = json!({"name": "c", "releaseName": "r"});
        assert!(configure(&base, &enabled("helm")).is_ok());
        for (field, pointer) in [
            ("releaseName", "releaseName"),
            ("name", "name"),
            ("repo", "repo"),
            ("version", "version"),
            ("namespace", "namespace"),
            ("valuesFile", "valuesFile"),
            ("nameTemplate", "nameTemplate"),
            ("kubeVersion", "kubeVersion"),
        ] {
            let mut c = base.clone();
            c[pointer] = json!("--post-renderer=./evil");
            let err = configure(&c, &enabled("helm")).unwrap_err().to_string();
            assert!(
                err.contains(&format!("{field} '--post-renderer=./evil' starts with '-'")),
                "{err}"
            );
        }
        let mut c = base.clone();
        c["apiVersions"] = json!(["v1", "-x"]);
        let err = configure(&c, &enabled("helm")).unwrap_err().to_string();
        assert!(err.contains("apiVersions[1] '-x'"), "{err}");
        let mut c = base.clone();
        c["additionalValuesFiles"] = json!(["--x"]);
        assert!(configure(&c, &enabled("helm")).is_err());
        let settings = HelmSettings {
            kube_version: Some("--x".into()),
            ..enabled("helm")
        };
        let err = configure(&base, &settings).unwrap_err().to_string();
        assert!(err.contains("kubeVersion '--x'"), "{err}");
    }

    fn merge_text(dest: &str, origin: &str) -> Result<Value, String> {
        let parse = |t: &str| {
            crate::yaml::parse::parse_helm_values(t)
                .ok()
                .flatten()
                .ok_or_else(|| format!("cannot parse {t}"))
        };
        let (d, o) = (parse(dest)?, parse(origin)?);
        fn side(p: &ParsedDoc) -> MergeSide<'_> {
            MergeSide {
                value: &p.value,
                empty_fields: &p.empty_fields,
                alias_fields: &p.alias_fields,
            }
        }
        merge_values(side(&d), side(&o))
    }

    #[test]
    fn values_merge_semantics() {
        // Maps merge, lists and scalars from origin replace, an origin null removes.
        assert_eq!(
            merge_text(
                "a: {x: 1, y: 2}\nl: [1, 2]\nk: v\n",
                "a: {y: 3}\nl: [9]\nk: null\nn: true\n"
            ),
            Ok(json!({"a": {"x": 1, "y": 3}, "l": [9], "n": true}))
        );
        // Dest nulls: spelled out they stay, left empty they go; origin-only nulls go.
        assert_eq!(
            merge_text("a: null\nb: ~\nc:\n", "d: null\ne: {f: null, g: 1}\n"),
            Ok(json!({"a": null, "b": null, "e": {"g": 1}}))
        );
        // Alias-valued fields go on either side; `<<` with an alias goes with them.
        assert_eq!(
            merge_text(
                "base: &b {p: 1}\ncopy: *b\nm: {<<: *b, z: 3}\nl: [*b]\n",
                "x: 1\n"
            ),
            Ok(json!({"base": {"p": 1}, "l": [{"p": 1}], "m": {"z": 3}, "x": 1}))
        );
        // Different kinds of node on the two sides.
        assert_eq!(
            merge_text("a: {x: 1}\n", "a: 1\n"),
            Err(
                "wrong node kind: expected MappingNode but got ScalarNode: node contents:\n1"
                    .to_string()
            )
        );
    }

    #[test]
    fn merge_keys_resolve_after_the_merge() {
        let mut v = json!({"m": {"<<": [{"a": 1, "b": 1}, {"b": 2, "c": 2}], "a": 0}});
        assert!(crate::yaml::parse::resolve_merge_keys(&mut v).is_ok());
        assert_eq!(v, json!({"m": {"a": 0, "b": 1, "c": 2}}));
    }

    #[test]
    fn version_check() {
        assert!(check_version("v3.14.2+g1234").is_ok());
        assert_eq!(
            check_version("v2.17.0").err().as_deref(),
            Some("this plugin requires helm V3 but got v2.17.0")
        );
        assert!(check_version("garbage").is_err());
    }

    #[test]
    fn output_with_leading_notes() {
        let docs = parse_output(
            "NOTES: hi: [\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n",
        );
        assert_eq!(docs.map(|d| d.len()), Ok(1));
        // Annotation values keep their text, as in resource files.
        let docs = parse_output(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  annotations:\n    n: 2\n",
        );
        assert_eq!(
            docs.map(|d| d[0].value.pointer("/metadata/annotations/n").cloned()),
            Ok(Some(json!("2")))
        );
        let docs = parse_output("---\n# Source: c/templates/a.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
        assert_eq!(docs.map(|d| d.len()), Ok(1));
    }

    #[test]
    fn missing_binary_is_a_clear_error() {
        let root = std::env::temp_dir();
        let s = enabled("kubectl-gitops-no-such-helm");
        let chart = configure(&json!({"name": "c"}), &s).unwrap_or_default();
        let e = inflate(&chart, &root, true, &enabled("kubectl-gitops-no-such-helm"))
            .err()
            .map(|e| e.to_string());
        assert_eq!(
            e.as_deref(),
            Some("helm chart 'c': cannot run 'kubectl-gitops-no-such-helm': not found on PATH (install helm v3 or pass --helm-command)")
        );
    }

    /// A stand-in `helm` (a shell script) that records its arguments and prints a
    /// rendered manifest: exercises the whole plumbing without a real helm.
    #[test]
    fn inflates_with_a_fake_helm() {
        let dir = TempDir::new().ok();
        let Some(dir) = dir else { return };
        let root = dir.path.canonicalize().unwrap_or(dir.path.clone());
        let chart = root.join("charts/demo");
        let ok = std::fs::create_dir_all(chart.join("templates")).is_ok()
            && std::fs::write(chart.join("values.yaml"), "replicas: 1\nimage: {tag: a}\n").is_ok();
        assert!(ok);
        let log = root.join("argv");
        let script = root.join("fake-helm");
        let body = format!(
            "#!/bin/sh\nif [ \"$1\" = version ]; then echo v3.15.0+gabc; exit 0; fi\necho \"$@\" > '{}'\nfor a in \"$@\"; do case \"$a\" in --values=*kustomize-values.yaml) cp \"${{a#--values=}}\" '{}.values';; esac; done\nprintf -- '---\\n# Source: demo/templates/cm.yaml\\napiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: demo\\n'\n",
            log.display(),
            log.display()
        );
        assert!(std::fs::write(&script, body).is_ok());
        let chmod = Command::new("chmod").arg("+x").arg(&script).status();
        assert!(chmod.is_ok_and(|s| s.success()));
        let s = enabled(&script.display().to_string());
        let config = configure(
            &json!({"name": "demo", "releaseName": "r", "namespace": "ns",
                    "valuesInline": {"image": {"tag": "b"}}}),
            &s,
        )
        .unwrap_or_default();
        let docs = inflate(&config, &root, true, &s);
        assert_eq!(
            docs.map(|d| d.into_iter().map(|d| d.value).collect::<Vec<_>>())
                .map_err(|e| e.to_string()),
            Ok(vec![
                json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "demo"}})
            ])
        );
        let argv = std::fs::read_to_string(&log).unwrap_or_default();
        assert!(
            argv.starts_with("template --namespace=ns --values="),
            "{argv}"
        );
        assert!(
            argv.trim_end()
                .ends_with(&format!(" -- r {}", chart.display())),
            "{argv}"
        );
        let values = std::fs::read_to_string(root.join("argv.values")).unwrap_or_default();
        let values: Value = serde_json::from_str(&values).unwrap_or_default();
        assert_eq!(values, json!({"replicas": 1, "image": {"tag": "b"}}));
    }
}
