//! The krew manifest (`plugin.yaml`): required fields, the four platforms, and uris and
//! binaries consistent with the version and the plugin's binary name.

use serde_json::Value;

fn manifest() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plugin.yaml"))
        .expect("plugin.yaml exists");
    kubectl_gitops::yaml::parse::parse_one(&text, kubectl_gitops::yaml::Dialect::Core)
        .expect("plugin.yaml is YAML")
}

#[test]
fn plugin_manifest_is_a_valid_krew_plugin() {
    let m = manifest();
    assert_eq!(
        m["apiVersion"],
        "krew.googlecontainertools.github.com/v1alpha2"
    );
    assert_eq!(m["kind"], "Plugin");
    assert_eq!(m["metadata"]["name"], "gitops");
    let spec = &m["spec"];
    let version = spec["version"].as_str().expect("spec.version");
    assert_eq!(version, format!("v{}", env!("CARGO_PKG_VERSION")));
    for field in ["homepage", "shortDescription", "description"] {
        assert!(
            spec[field].as_str().is_some_and(|s| !s.is_empty()),
            "spec.{field}"
        );
    }
    let platforms = spec["platforms"].as_array().expect("spec.platforms");
    let mut seen = Vec::new();
    for p in platforms {
        let labels = &p["selector"]["matchLabels"];
        let (os, arch) = (
            labels["os"].as_str().unwrap(),
            labels["arch"].as_str().unwrap(),
        );
        seen.push(format!("{os}/{arch}"));
        let uri = p["uri"].as_str().expect("uri");
        assert!(uri.starts_with("https://"), "{uri}");
        assert!(
            uri.ends_with(&format!(
                "/{version}/kubectl-gitops_{version}_{os}_{arch}.tar.gz"
            )),
            "uri {uri} does not match the release artifact name for {os}/{arch}"
        );
        let sha = p["sha256"].as_str().expect("sha256");
        assert!(
            sha.len() == 64 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "sha256 {sha}"
        );
        assert_eq!(p["bin"], "kubectl-gitops");
    }
    seen.sort();
    assert_eq!(
        seen,
        ["darwin/amd64", "darwin/arm64", "linux/amd64", "linux/arm64"]
    );
}
