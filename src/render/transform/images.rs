//! `images`: rewrites container image references. An entry's `name` is matched as an
//! (unescaped) regular expression against the image's name part; two passes run per entry,
//! kustomize's walk over every `containers`/`initContainers` list anywhere in an object
//! (CRDs excepted) and the `images` field specs, so `tagSuffix` lands twice as it does
//! in kustomize.

use crate::render::fieldspec::FieldSpec;
use crate::render::kustomization::Image;
use crate::render::resmap::ResMap;
use regex::Regex;
use serde_json::Value;

/// `specs` is the configured `images` field specs (kustomize's four pod-spec paths by
/// default).
pub fn apply(resources: &mut ResMap, image: &Image, specs: &[FieldSpec]) -> Result<(), String> {
    let pattern = format!(
        "^{}(:[a-zA-Z0-9_.{{}}-]*)?(@sha256:[a-zA-Z0-9_.{{}}-]*)?$",
        image.name
    );
    let re =
        Regex::new(&pattern).map_err(|e| format!("invalid image name '{}': {e}", image.name))?;
    let update = |v: &mut Value| {
        if let Value::String(s) = v {
            if re.is_match(s) {
                *s = rewrite(s, image);
            }
        }
    };
    for r in resources.iter_mut() {
        let gvk = r.gvk();
        if gvk.kind == "CustomResourceDefinition" {
            continue;
        }
        walk_containers(&mut r.obj, &update);
        for fs in specs.iter().filter(|fs| fs.matches(&gvk)) {
            fs.visit_existing(&mut r.obj, &mut |v| {
                update(v);
                Ok(())
            })?;
        }
    }
    Ok(())
}

fn walk_containers(node: &mut Value, update: &dyn Fn(&mut Value)) {
    match node {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                if k == "containers" || k == "initContainers" {
                    if let Value::Array(items) = v {
                        for item in items.iter_mut() {
                            if let Some(image) = item.get_mut("image") {
                                update(image);
                            }
                        }
                    }
                }
                walk_containers(v, update);
            }
        }
        Value::Array(items) => {
            for item in items {
                walk_containers(item, update);
            }
        }
        _ => {}
    }
}

/// Splits `name[:tag][@digest]`, looking for `:` and `@` only after the first `/` so that
/// a registry port is not taken for a tag.
pub fn split(image: &str) -> (&str, &str, &str) {
    let start = match image.find('/') {
        Some(i) if i > 0 => i,
        _ => 0,
    };
    let search = &image[start..];
    let at = search.find('@').map(|i| i + start);
    let colon = search.find(':').map(|i| i + start);
    match (colon, at) {
        (None, None) => (image, "", ""),
        (c, Some(a)) if c.is_none_or(|c| a < c) => (&image[..a], "", &image[a + 1..]),
        (Some(c), Some(a)) => (&image[..c], &image[c + 1..a], &image[a + 1..]),
        (Some(c), None) => (&image[..c], &image[c + 1..], ""),
        (None, Some(_)) => unreachable!("handled by the digest-only arm"),
    }
}

fn rewrite(current: &str, image: &Image) -> String {
    let (name, tag, digest) = split(current);
    let name = if image.new_name.is_empty() {
        name
    } else {
        image.new_name.as_str()
    };
    let (tag, digest) = if !image.new_tag.is_empty() && !image.digest.is_empty() {
        (image.new_tag.clone(), image.digest.clone())
    } else if !image.new_tag.is_empty() {
        (image.new_tag.clone(), String::new())
    } else if !image.digest.is_empty() {
        (String::new(), image.digest.clone())
    } else if !image.tag_suffix.is_empty() {
        (format!("{tag}{}", image.tag_suffix), String::new())
    } else {
        (tag.to_string(), digest.to_string())
    };
    let mut out = name.to_string();
    if !tag.is_empty() {
        out.push(':');
        out.push_str(&tag);
    }
    if !digest.is_empty() {
        out.push('@');
        out.push_str(&digest);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_around_registry_ports() {
        assert_eq!(split("nginx"), ("nginx", "", ""));
        assert_eq!(split("nginx:1.2"), ("nginx", "1.2", ""));
        assert_eq!(split("host:5000/app"), ("host:5000/app", "", ""));
        assert_eq!(split("host:5000/app:1.0"), ("host:5000/app", "1.0", ""));
        assert_eq!(split("app@sha256:abc"), ("app", "", "sha256:abc"));
        assert_eq!(split("app:1@sha256:abc"), ("app", "1", "sha256:abc"));
    }

    #[test]
    fn new_tag_drops_digest() {
        let img = Image {
            name: "app".into(),
            new_tag: "2".into(),
            ..Default::default()
        };
        assert_eq!(rewrite("app:1@sha256:abc", &img), "app:2");
    }
}
