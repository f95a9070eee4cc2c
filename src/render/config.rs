//! Transformer configuration: which fields each builtin transformer touches, as kustomize
//! keeps it. Every list is merged as kustomize's `FsSlice.MergeAll` does (a spec is left
//! out when the list already has its path for a kind it selects, see
//! [`fieldspec::merge_one`]; one differing only in `create` is an error) and sorted by
//! kind after each merge, so what a merge keeps depends on the order the lists meet:
//! * a kustomization starts from an empty configuration, merges its bases' in, then its
//!   own: the builtin field specs (sorted, unmerged) with its `configurations` files
//!   merged in, then what its `crds` files declare;
//! * a component works on its parent's configuration, which is then merged once more into
//!   an empty one.
//!
//! Merging a sorted list into an empty one drops an any-kind spec that a spec for some
//! kind, sorted before it, shares a path with: a `configurations` file adding
//! `namePrefix: [{path: metadata/name, kind: Foo}]` leaves only Foo renamed.

use super::fieldspec::{self, defaults, FieldSpec};
use super::kustomization::FieldSpecDef;
use super::nameref::{self, BackRef, NameBackRefs, TargetGvk};
use serde::Deserialize;
use std::sync::{Arc, LazyLock};

/// The field specs of each builtin transformer (kustomize's `TransformerConfig`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
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
    pub name_reference: Vec<NameBackRefs>,
}

static EMPTY: LazyLock<Arc<TransformerConfig>> =
    LazyLock::new(|| Arc::new(TransformerConfig::default()));

/// kustomize's default configuration: the builtin lists sorted, not merged.
static DEFAULT: LazyLock<Arc<TransformerConfig>> = LazyLock::new(|| {
    let mut c = TransformerConfig::builtin_lists();
    c.sort();
    Arc::new(c)
});

/// [`DEFAULT`] merged into an empty configuration: what a kustomization without
/// `configurations` or `crds` (and whose bases have none) works with.
static EFFECTIVE: LazyLock<Arc<TransformerConfig>> = LazyLock::new(|| {
    // The builtin lists merge without conflicts (a unit test checks it).
    Arc::new(
        TransformerConfig::default()
            .merged(&DEFAULT)
            .unwrap_or_else(|_| (**DEFAULT).clone()),
    )
});

/// The empty configuration a kustomization starts from.
pub fn empty() -> Arc<TransformerConfig> {
    EMPTY.clone()
}

/// kustomize's `MakeTransformerConfig`: the builtin lists, with `files` (each a
/// `configurations` file's name and text) merged into an empty configuration one by one
/// and then into the builtin one. Errors name the file they come from, if any.
pub fn for_kustomization(files: &[(String, String)]) -> Result<Arc<TransformerConfig>, String> {
    if files.is_empty() {
        return Ok(DEFAULT.clone());
    }
    let mut loaded = TransformerConfig::default();
    for (name, text) in files {
        let file = TransformerConfig::parse_file(text)
            .and_then(|c| loaded.merged(&c))
            .map_err(|m| format!("configurations '{name}': {m}"))?;
        loaded = file;
    }
    let merged = DEFAULT
        .merged(&loaded)
        .map_err(|m| format!("configurations: {m}"))?;
    Ok(Arc::new(merged))
}

/// kustomize's `ResAccumulator.MergeConfig`: `into` becomes `into` merged with `from`.
/// The common cases (builtin configurations only) are shared, not recomputed.
pub fn merge_into(
    into: &mut Arc<TransformerConfig>,
    from: &Arc<TransformerConfig>,
) -> Result<(), String> {
    let is = |a: &Arc<TransformerConfig>, b: &LazyLock<Arc<TransformerConfig>>| Arc::ptr_eq(a, b);
    // Merging a sorted configuration with an empty one leaves it as it was; every
    // configuration here is sorted.
    if is(from, &EMPTY) {
        return Ok(());
    }
    if (is(into, &EMPTY) || is(into, &EFFECTIVE)) && (is(from, &DEFAULT) || is(from, &EFFECTIVE)) {
        *into = EFFECTIVE.clone();
        return Ok(());
    }
    *into = Arc::new(into.merged(from)?);
    Ok(())
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
    /// kustomize's builtin field-spec lists, in its order.
    fn builtin_lists() -> TransformerConfig {
        TransformerConfig {
            name_prefix: vec![FieldSpec::new("", "metadata/name", false)],
            name_suffix: vec![FieldSpec::new("", "metadata/name", false)],
            namespace: vec![
                FieldSpec::new("//Namespace", "metadata/name", true),
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

    /// The builtin configuration as a kustomization without `configurations` uses it.
    pub fn builtin() -> TransformerConfig {
        (**EFFECTIVE).clone()
    }

    /// Reads a `configurations` file, its lists sorted as kustomize loads them.
    fn parse_file(text: &str) -> Result<TransformerConfig, String> {
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
        let mut c = TransformerConfig {
            name_prefix: specs(&file.name_prefix),
            name_suffix: specs(&file.name_suffix),
            namespace: specs(&file.namespace),
            common_labels: specs(&file.common_labels),
            labels: specs(&file.labels),
            template_labels: specs(&file.template_labels),
            common_annotations: specs(&file.common_annotations),
            images: specs(&file.images),
            replicas: specs(&file.replicas),
            var_reference: specs(&file.var_reference),
            name_reference: file
                .name_reference
                .iter()
                .map(|n| NameBackRefs {
                    target: TargetGvk {
                        group: n.group.clone(),
                        version: n.version.clone(),
                        kind: n.kind.clone(),
                    },
                    referrers: specs(&n.field_specs),
                })
                .collect(),
        };
        c.sort();
        Ok(c)
    }

    /// kustomize's `LoadConfigFromCRDs` for one `crds` file: the field specs it declares,
    /// merged into an empty configuration.
    pub fn from_crds(text: &str) -> Result<TransformerConfig, String> {
        let specs = super::crds::load(text).map_err(|e| e.to_string())?;
        let mut declared = TransformerConfig::default();
        for fs in &specs.annotations {
            fieldspec::merge_one(&mut declared.common_annotations, fs)?;
        }
        for fs in &specs.label_selectors {
            fieldspec::merge_one(&mut declared.common_labels, fs)?;
        }
        for fs in &specs.identities {
            fieldspec::merge_one(&mut declared.name_prefix, fs)?;
        }
        for BackRef { target, referrer } in specs.name_references {
            merge_backrefs(
                &mut declared.name_reference,
                &NameBackRefs {
                    target,
                    referrers: vec![referrer],
                },
            )?;
        }
        TransformerConfig::default().merged(&declared)
    }

    /// kustomize's `TransformerConfig.Merge`: each of `other`'s lists merged into a copy
    /// of `self`'s, then every list sorted. Errors name the list, as kustomize does.
    pub fn merged(&self, other: &TransformerConfig) -> Result<TransformerConfig, String> {
        fn all(
            into: &[FieldSpec],
            more: &[FieldSpec],
            what: &str,
        ) -> Result<Vec<FieldSpec>, String> {
            let mut v = into.to_vec();
            fieldspec::merge_all(&mut v, more)
                .map_err(|m| format!("failed to merge {what} fieldSpec: {m}"))?;
            Ok(v)
        }
        // kustomize's order, which decides which conflict is reported.
        let name_prefix = all(&self.name_prefix, &other.name_prefix, "NamePrefix")?;
        let name_suffix = all(&self.name_suffix, &other.name_suffix, "NameSuffix")?;
        let namespace = all(&self.namespace, &other.namespace, "NameSpace")?;
        let common_annotations = all(
            &self.common_annotations,
            &other.common_annotations,
            "CommonAnnotations",
        )?;
        let common_labels = all(&self.common_labels, &other.common_labels, "CommonLabels")?;
        let labels = all(&self.labels, &other.labels, "Labels")?;
        let template_labels = all(
            &self.template_labels,
            &other.template_labels,
            "TemplateLabels",
        )?;
        let var_reference = all(&self.var_reference, &other.var_reference, "VarReference")?;
        let mut name_reference = self.name_reference.clone();
        for n in &other.name_reference {
            merge_backrefs(&mut name_reference, n)
                .map_err(|m| format!("failed to merge NameReference fieldSpec: {m}"))?;
        }
        let images = all(&self.images, &other.images, "Images")?;
        let replicas = all(&self.replicas, &other.replicas, "Replicas")?;
        let mut merged = TransformerConfig {
            name_prefix,
            name_suffix,
            namespace,
            common_labels,
            labels,
            template_labels,
            common_annotations,
            images,
            replicas,
            var_reference,
            name_reference,
        };
        merged.sort();
        Ok(merged)
    }

    /// Sorts every list by kind (kustomize's `sortFields`); name-reference entries by
    /// their target, each entry's referrers staying in order.
    fn sort(&mut self) {
        for v in [
            &mut self.name_prefix,
            &mut self.name_suffix,
            &mut self.namespace,
            &mut self.common_labels,
            &mut self.labels,
            &mut self.template_labels,
            &mut self.common_annotations,
            &mut self.images,
            &mut self.replicas,
            &mut self.var_reference,
        ] {
            fieldspec::sort(v);
        }
        self.name_reference.sort_by_cached_key(|n| {
            fieldspec::gvk_order(&n.target.group, &n.target.version, &n.target.kind)
        });
    }
}

/// kustomize's `nbrSlice.mergeOne`: `n`'s referrers are merged into every entry with the
/// same target; without one, `n` is appended as it is.
fn merge_backrefs(into: &mut Vec<NameBackRefs>, n: &NameBackRefs) -> Result<(), String> {
    let mut found = false;
    for e in into.iter_mut().filter(|e| e.target == n.target) {
        fieldspec::merge_all(&mut e.referrers, &n.referrers)?;
        found = true;
    }
    if !found {
        into.push(n.clone());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn merge(
        into: &Arc<TransformerConfig>,
        from: &Arc<TransformerConfig>,
    ) -> Arc<TransformerConfig> {
        let mut c = into.clone();
        merge_into(&mut c, from).expect("merges");
        c
    }

    #[test]
    fn shared_configurations_are_what_merging_gives() {
        let effective = TransformerConfig::default()
            .merged(&DEFAULT)
            .expect("no conflict");
        assert_eq!(effective, **EFFECTIVE);
        // The shortcuts in `merge_into` stand for these merges.
        assert_eq!(effective.merged(&DEFAULT).expect("merges"), effective);
        assert_eq!(effective.merged(&effective).expect("merges"), effective);
        assert_eq!(
            TransformerConfig::default()
                .merged(&effective)
                .expect("merges"),
            effective
        );
        assert_eq!(effective.merged(&EMPTY).expect("merges"), effective);
    }

    #[test]
    fn a_kind_specific_spec_sorted_first_hides_the_any_kind_one() {
        let file = "namePrefix:\n- path: metadata/name\n  kind: Foo\n".to_string();
        let own = for_kustomization(&[("c.yaml".into(), file)]).expect("loads");
        // The kustomization's own configuration keeps both, Foo first ...
        let kinds: Vec<&str> = own.name_prefix.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["Foo", ""]);
        // ... and merging it into the empty accumulator drops the any-kind spec.
        let acc = merge(&empty(), &own);
        let kinds: Vec<&str> = acc.name_prefix.iter().map(|f| f.kind.as_str()).collect();
        assert_eq!(kinds, ["Foo"]);

        // A kind sorted after "" (webhook configurations come last) keeps both.
        let file = "namePrefix:\n- path: metadata/name\n  kind: ValidatingWebhookConfiguration\n";
        let own = for_kustomization(&[("c.yaml".into(), file.to_string())]).expect("loads");
        let acc = merge(&empty(), &own);
        assert_eq!(acc.name_prefix.len(), 2);
    }

    #[test]
    fn create_must_agree_with_the_builtin_spec() {
        let with = "images:\n- path: spec/containers[]/image\n  create: true\n";
        let own = for_kustomization(&[("c.yaml".into(), with.to_string())]).expect("loads");
        assert_eq!(own.images.len(), 4);
        let without = "images:\n- path: spec/containers[]/image\n";
        let err = for_kustomization(&[("c.yaml".into(), without.to_string())]).unwrap_err();
        assert!(
            err.contains("failed to merge Images fieldSpec: conflicting fieldspecs"),
            "{err}"
        );
        // Paths compare as written: without `[]` it is another field.
        let other = "images:\n- path: spec/containers/image\n";
        let own = for_kustomization(&[("c.yaml".into(), other.to_string())]).expect("loads");
        assert_eq!(own.images.len(), 5);
    }
}
