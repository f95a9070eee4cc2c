//! `namePrefix` and `nameSuffix`: rename every resource except CRDs, Namespaces and
//! APIServices (judged by the original kind), remembering the old id and the affix so
//! that name references can follow.

use crate::render::resmap::ResMap;

pub enum Affix<'a> {
    Prefix(&'a str),
    Suffix(&'a str),
}

pub fn apply(resources: &mut ResMap, affix: Affix<'_>) {
    for r in resources.iter_mut() {
        let org = r.org_id();
        let skip = org.gvk.kind == "CustomResourceDefinition"
            || org.gvk.kind == "Namespace"
            || (org.gvk.kind == "APIService" && org.gvk.group == "apiregistration.k8s.io");
        if skip {
            continue;
        }
        r.remember_id();
        let name = r.name().to_string();
        match affix {
            Affix::Prefix(p) => {
                r.set_name(&format!("{p}{name}"));
                r.prefixes.push(p.to_string());
            }
            Affix::Suffix(s) => {
                r.set_name(&format!("{name}{s}"));
                r.suffixes.push(s.to_string());
            }
        }
    }
}
