//! Proof that the test plane is a real Kubernetes API server: namespaces,
//! server-side apply with field-manager conflicts, dry-run defaulting,
//! CustomResourceDefinitions, RBAC for the restricted user, and kubectl.
//!
//! Every test name starts with `cluster_` so `cargo test --test it cluster`
//! selects them.

use std::process::Command;
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet};
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{
    Api, ApiResource, DynamicObject, GroupVersionKind, ListParams, Patch, PatchParams,
};
use serde_json::json;

use crate::testplane;

fn deployment(name: &str, replicas: i32) -> serde_json::Value {
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": { "name": name },
        "spec": {
            "replicas": replicas,
            "selector": { "matchLabels": { "app": name } },
            "template": {
                "metadata": { "labels": { "app": name } },
                "spec": { "containers": [{ "name": "app", "image": "registry.invalid/app:1" }] }
            }
        }
    })
}

fn status_code(err: &kube::Error) -> Option<u16> {
    match err {
        kube::Error::Api(status) => Some(status.code),
        _ => None,
    }
}

#[tokio::test]
async fn cluster_namespace_is_created() {
    let Some(plane) = testplane::plane() else {
        return;
    };
    let ns = testplane::namespace("proof-ns").await;
    let api: Api<Namespace> = Api::all(testplane::admin_client(plane).await);
    let got = api.get(&ns).await.expect("get namespace");
    assert_eq!(got.metadata.name.as_deref(), Some(ns.as_str()));
    assert_eq!(got.status.and_then(|s| s.phase).as_deref(), Some("Active"));
}

#[tokio::test]
async fn cluster_server_side_apply_conflict() {
    let Some(plane) = testplane::plane() else {
        return;
    };
    let ns = testplane::namespace("proof-ssa").await;
    let api: Api<Deployment> = Api::namespaced(testplane::admin_client(plane).await, &ns);

    let first = api
        .patch(
            "web",
            &PatchParams::apply("manager-a"),
            &Patch::Apply(deployment("web", 1)),
        )
        .await
        .expect("first apply");
    assert_eq!(first.spec.as_ref().and_then(|s| s.replicas), Some(1));

    let err = api
        .patch(
            "web",
            &PatchParams::apply("manager-b"),
            &Patch::Apply(deployment("web", 2)),
        )
        .await
        .expect_err("a second manager changing spec.replicas must conflict");
    assert_eq!(
        status_code(&err),
        Some(409),
        "expected 409 Conflict, got {err}"
    );
    assert!(
        err.to_string().contains("manager-a"),
        "conflict should name the owner: {err}"
    );

    let forced = api
        .patch(
            "web",
            &PatchParams::apply("manager-b").force(),
            &Patch::Apply(deployment("web", 2)),
        )
        .await
        .expect("forced apply");
    assert_eq!(forced.spec.as_ref().and_then(|s| s.replicas), Some(2));
    let managers: Vec<_> = forced
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert!(
        managers.iter().any(|m| m == "manager-b"),
        "managers: {managers:?}"
    );
}

#[tokio::test]
async fn cluster_dry_run_apply_shows_defaults() {
    let Some(plane) = testplane::plane() else {
        return;
    };
    let ns = testplane::namespace("proof-dry").await;
    let api: Api<Deployment> = Api::namespaced(testplane::admin_client(plane).await, &ns);

    let params = PatchParams::apply("dry").dry_run();
    let dry = api
        .patch(
            "defaults",
            &params,
            &Patch::Apply(deployment("defaults", 1)),
        )
        .await
        .expect("dry-run apply");
    let spec = dry.spec.expect("spec");
    assert_eq!(spec.progress_deadline_seconds, Some(600));
    assert_eq!(spec.revision_history_limit, Some(10));
    assert_eq!(
        spec.strategy.and_then(|s| s.type_).as_deref(),
        Some("RollingUpdate")
    );
    let container = &spec.template.spec.expect("pod spec").containers[0];
    assert_eq!(
        container.termination_message_path.as_deref(),
        Some("/dev/termination-log")
    );

    let err = api
        .get("defaults")
        .await
        .expect_err("dry run must not persist");
    assert_eq!(status_code(&err), Some(404), "{err}");
}

#[tokio::test]
async fn cluster_crd_and_custom_resource() {
    let Some(plane) = testplane::plane() else {
        return;
    };
    let client = testplane::admin_client(plane).await;
    let ns = testplane::namespace("proof-crd").await;
    // A group per test run, so a shared (external) plane never sees a clash.
    let group = format!("{ns}.it.kubectl-gitops.test");
    let crd_name = format!("widgets.{group}");
    let crd = json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": { "name": crd_name },
        "spec": {
            "group": group,
            "scope": "Namespaced",
            "names": {
                "plural": "widgets",
                "singular": "widget",
                "kind": "Widget",
                "listKind": "WidgetList"
            },
            "versions": [{
                "name": "v1",
                "served": true,
                "storage": true,
                "schema": { "openAPIV3Schema": {
                    "type": "object",
                    "properties": { "spec": {
                        "type": "object",
                        "properties": {
                            "size": { "type": "integer" },
                            "color": { "type": "string", "default": "blue" }
                        }
                    }}
                }}
            }]
        }
    });
    let crds: Api<CustomResourceDefinition> = Api::all(client.clone());
    crds.patch(&crd_name, &PatchParams::apply("proof"), &Patch::Apply(crd))
        .await
        .expect("apply CRD");

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let got = crds.get(&crd_name).await.expect("get CRD");
        let established = got
            .status
            .and_then(|s| s.conditions)
            .unwrap_or_default()
            .iter()
            .any(|c| c.type_ == "Established" && c.status == "True");
        if established {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "CRD {crd_name} not Established after 60s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let gvk = GroupVersionKind::gvk(&group, "v1", "Widget");
    let resource = ApiResource::from_gvk_with_plural(&gvk, "widgets");
    let widgets: Api<DynamicObject> = Api::namespaced_with(client, &ns, &resource);
    let widget = json!({
        "apiVersion": format!("{group}/v1"),
        "kind": "Widget",
        "metadata": { "name": "w1" },
        "spec": { "size": 3 }
    });
    // Serving can lag Established by a moment: retry 404s briefly.
    let deadline = Instant::now() + Duration::from_secs(30);
    let applied = loop {
        match widgets
            .patch("w1", &PatchParams::apply("proof"), &Patch::Apply(&widget))
            .await
        {
            Ok(obj) => break obj,
            Err(e) if status_code(&e) == Some(404) && Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => panic!("apply custom resource: {e}"),
        }
    };
    assert_eq!(applied.data["spec"]["size"], json!(3));
    assert_eq!(
        applied.data["spec"]["color"],
        json!("blue"),
        "schema default applied"
    );
    let listed = widgets
        .list(&ListParams::default())
        .await
        .expect("list widgets");
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn cluster_restricted_user_rbac() {
    let Some(plane) = testplane::plane() else {
        return;
    };
    let Some(restricted_kc) = testplane::restricted_kubeconfig() else {
        return;
    };
    let other_ns = testplane::namespace("proof-rbac").await;
    let restricted = testplane::client(&restricted_kc).await;
    let name = format!("cm-{other_ns}");
    let cm = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": { "name": name },
        "data": { "k": "v" }
    });

    let inside: Api<ConfigMap> =
        Api::namespaced(restricted.clone(), testplane::RESTRICTED_NAMESPACE);
    let created = inside
        .patch(&name, &PatchParams::apply("proof"), &Patch::Apply(&cm))
        .await
        .expect("restricted user may apply inside gitops-restricted");
    assert_eq!(
        created
            .data
            .unwrap_or_default()
            .get("k")
            .map(String::as_str),
        Some("v")
    );
    inside
        .list(&ListParams::default())
        .await
        .expect("list inside");
    inside
        .delete(&name, &Default::default())
        .await
        .expect("delete inside");

    let outside: Api<ConfigMap> = Api::namespaced(restricted.clone(), &other_ns);
    let err = outside
        .patch(&name, &PatchParams::apply("proof"), &Patch::Apply(&cm))
        .await
        .expect_err("restricted user must not write outside gitops-restricted");
    assert_eq!(status_code(&err), Some(403), "{err}");
    let err = outside
        .list(&ListParams::default())
        .await
        .expect_err("restricted user must not list outside gitops-restricted");
    assert_eq!(status_code(&err), Some(403), "{err}");
    let namespaces: Api<Namespace> = Api::all(restricted);
    let err = namespaces
        .list(&ListParams::default())
        .await
        .expect_err("restricted user must not list namespaces");
    assert_eq!(status_code(&err), Some(403), "{err}");

    // The admin still can.
    let admin: Api<ConfigMap> = Api::namespaced(testplane::admin_client(plane).await, &other_ns);
    admin
        .patch(&name, &PatchParams::apply("proof"), &Patch::Apply(&cm))
        .await
        .expect("admin may apply anywhere");
}

/// Polls `check` every 200 ms until it returns `Some`, for at most `secs` seconds.
async fn eventually<T, F, Fut>(secs: u64, what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            Instant::now() < deadline,
            "timed out after {secs}s waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn cluster_controllers_reconcile() {
    let Some(plane) = testplane::plane() else {
        return;
    };
    let client = testplane::admin_client(plane).await;
    let ns = testplane::namespace("proof-kcm").await;

    let deployments: Api<Deployment> = Api::namespaced(client.clone(), &ns);
    deployments
        .patch(
            "web",
            &PatchParams::apply("proof"),
            &Patch::Apply(deployment("web", 1)),
        )
        .await
        .expect("apply deployment");
    let replicasets: Api<ReplicaSet> = Api::namespaced(client.clone(), &ns);
    let owner = eventually(
        60,
        "a ReplicaSet from the deployment controller",
        || async {
            let list = replicasets.list(&ListParams::default()).await.ok()?;
            let rs = list.items.into_iter().next()?;
            rs.metadata
                .owner_references?
                .into_iter()
                .next()
                .map(|o| o.name)
        },
    )
    .await;
    assert_eq!(owner, "web");

    let configmaps: Api<ConfigMap> = Api::namespaced(client.clone(), &ns);
    eventually(60, "kube-root-ca.crt in the new namespace", || async {
        configmaps.get_opt("kube-root-ca.crt").await.ok().flatten()
    })
    .await;

    let namespaces: Api<Namespace> = Api::all(client);
    namespaces
        .delete(&ns, &Default::default())
        .await
        .expect("delete namespace");
    eventually(
        90,
        "the namespace controller to finish deleting",
        || async {
            match namespaces.get_opt(&ns).await {
                Ok(None) => Some(()),
                _ => None,
            }
        },
    )
    .await;
}

#[test]
fn cluster_kubectl_get_raw_version() {
    let Some(kubeconfig) = testplane::kubeconfig() else {
        return;
    };
    let out = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(&kubeconfig)
        .args(["get", "--raw", "/version"])
        .output()
        .expect("run kubectl");
    assert!(
        out.status.success(),
        "kubectl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let version: serde_json::Value = serde_json::from_slice(&out.stdout).expect("/version is JSON");
    assert_eq!(version["major"], json!("1"), "{version}");
    let git_version = version["gitVersion"].as_str().expect("gitVersion");
    assert!(git_version.starts_with("v1."), "{git_version}");
}
