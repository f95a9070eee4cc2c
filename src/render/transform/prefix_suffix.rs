//! `namePrefix` and `nameSuffix`: rename every resource except CRDs, Namespaces and
//! APIServices (judged by the original kind), remembering the old id and the affix so
//! that name references can follow.

use crate::render::fieldspec::FieldSpec;
use crate::render::resmap::ResMap;
use serde_json::Value;

pub enum Affix<'a> {
    Prefix(&'a str),
    Suffix(&'a str),
}

/// Renames through `specs` (kustomize's default is `metadata/name` only).
pub fn apply(resources: &mut ResMap, affix: Affix<'_>, specs: &[FieldSpec]) -> Result<(), String> {
    for r in resources.iter_mut() {
        let org = r.org_id();
        let skip = org.gvk.kind == "CustomResourceDefinition"
            || org.gvk.kind == "Namespace"
            || (org.gvk.kind == "APIService" && org.gvk.group == "apiregistration.k8s.io");
        if skip {
            continue;
        }
        r.remember_id();
        match affix {
            Affix::Prefix(p) => r.prefixes.push(p.to_string()),
            Affix::Suffix(s) => r.suffixes.push(s.to_string()),
        }
        let gvk = r.gvk();
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            fs.visit(&mut r.obj, &mut |v| {
                if let Value::String(s) = v {
                    *s = match affix {
                        Affix::Prefix(p) => format!("{p}{s}"),
                        Affix::Suffix(x) => format!("{s}{x}"),
                    };
                }
                Ok(())
            })?;
        }
    }
    Ok(())
}
