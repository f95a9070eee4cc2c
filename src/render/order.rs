//! Output order. kustomize's default ("legacy") sort ranks kinds by a priority list
//! (Namespaces, quotas, CRDs, RBAC, config, services, workloads first; webhooks last),
//! then compares `group_version_kind` strings (empty parts as `~G`, `~V`, `~K`, so core
//! kinds follow named groups), then `namespace|name` strings (`~X`/`~N` when empty).
//! `sortOptions` can replace the lists (a kind named more than once ranks by its last
//! mention, `orderLast` after `orderFirst`) or ask for `fifo` (build order).

use super::kustomization::SortOptions;
use super::resource::{Gvk, Resource};

/// Kinds kustomize puts first (in this order), in output and in field-spec lists.
pub const ORDER_FIRST: &[&str] = &[
    "Namespace",
    "ResourceQuota",
    "StorageClass",
    "CustomResourceDefinition",
    "ServiceAccount",
    "PodSecurityPolicy",
    "Role",
    "ClusterRole",
    "RoleBinding",
    "ClusterRoleBinding",
    "ConfigMap",
    "Secret",
    "Endpoints",
    "Service",
    "LimitRange",
    "PriorityClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "Deployment",
    "StatefulSet",
    "CronJob",
    "PodDisruptionBudget",
];
/// Kinds kustomize puts last.
pub const ORDER_LAST: &[&str] = &[
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
];

/// Validates sort options; the error is kustomize's message.
pub fn check(options: &SortOptions) -> Result<(), String> {
    match options.order.as_deref() {
        Some("legacy") => Ok(()),
        Some("fifo") if options.legacy_sort_options.is_some() => Err(
            "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'"
                .to_string(),
        ),
        Some("fifo") => Ok(()),
        Some(_) | None => Err("the field 'sortOptions.order' must be one of [fifo, legacy]".to_string()),
    }
}

/// Sorts resources in place as the top-level kustomization asks.
pub fn sort(resources: &mut Vec<Resource>, options: Option<&SortOptions>) {
    if options.and_then(|o| o.order.as_deref()) == Some("fifo") {
        return;
    }
    let (first, last): (Vec<String>, Vec<String>) =
        match options.and_then(|o| o.legacy_sort_options.as_ref()) {
            Some(l) => (l.order_first.clone(), l.order_last.clone()),
            None => (
                ORDER_FIRST.iter().map(|s| s.to_string()).collect(),
                ORDER_LAST.iter().map(|s| s.to_string()).collect(),
            ),
        };
    // kustomize fills one map from both lists, `orderFirst` then `orderLast`: a kind named
    // twice takes the rank of its last mention (a kind in both lists goes last). Kinds in
    // `orderFirst` rank below zero, unlisted kinds at zero, `orderLast` kinds above.
    let mut ranks: std::collections::HashMap<&str, i64> = std::collections::HashMap::new();
    let first_len = i64::try_from(first.len()).unwrap_or(i64::MAX);
    for (i, kind) in (0i64..).zip(&first) {
        ranks.insert(kind.as_str(), i - first_len);
    }
    for (j, kind) in (1i64..).zip(&last) {
        ranks.insert(kind.as_str(), j);
    }
    let rank = |kind: &str| -> i64 { ranks.get(kind).copied().unwrap_or(0) };
    struct Key {
        rank: i64,
        gvk: Gvk,
        gvk_string: String,
        ns_name: String,
        index: usize,
    }
    let mut keys: Vec<Key> = resources
        .iter()
        .enumerate()
        .map(|(index, r)| {
            let gvk = r.gvk();
            Key {
                rank: rank(&gvk.kind),
                gvk_string: gvk_string(&gvk),
                ns_name: format!("|{}|{}", or(r.namespace(), "~X"), or(r.name(), "~N")),
                gvk,
                index,
            }
        })
        .collect();
    keys.sort_by(|a, b| {
        a.rank.cmp(&b.rank).then_with(|| {
            if a.gvk_string == b.gvk_string {
                return a.ns_name.cmp(&b.ns_name);
            }
            let ord = a.gvk_string.cmp(&b.gvk_string);
            let namespaces = a.gvk.kind == "Namespace" && b.gvk.kind == "Namespace";
            if namespaces && (a.gvk.group.is_empty() || b.gvk.group.is_empty()) {
                ord.reverse()
            } else {
                ord
            }
        })
    });
    let mut old: Vec<Option<Resource>> = resources.drain(..).map(Some).collect();
    resources.extend(keys.iter().filter_map(|k| old[k.index].take()));
}

fn or<'a>(s: &'a str, placeholder: &'a str) -> &'a str {
    if s.is_empty() {
        placeholder
    } else {
        s
    }
}

fn gvk_string(g: &Gvk) -> String {
    format!(
        "{}_{}_{}",
        or(&g.group, "~G"),
        or(&g.version, "~V"),
        or(&g.kind, "~K")
    )
}
