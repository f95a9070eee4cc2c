//! What the agent tells Kubernetes about each env: an Event on the env's ApplySet parent
//! (Synced, DriftCorrected, Pruned, RenderFailed, ApplyFailed, naming the revision) and
//! the parent annotated with the last result and message, so `kubectl describe` and
//! `kubectl gitops status` show it. Failures here are logged, never fatal.

use crate::cluster::applyset::ApplySet;
use k8s_openapi::api::core::v1::{ConfigMap, Event, EventSource, ObjectReference};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};
use kube::api::{Api, Patch, PatchParams, PostParams};

pub const LAST_RESULT_ANNOTATION: &str = "kubectl-gitops.io/last-result";
pub const LAST_MESSAGE_ANNOTATION: &str = "kubectl-gitops.io/last-message";
/// The component named on events and the field manager of the annotations.
pub const COMPONENT: &str = "kubectl-gitops-agent";
/// Longest message put on an event or annotation.
const MAX_MESSAGE: usize = 1024;

fn clip(message: &str) -> String {
    if message.len() <= MAX_MESSAGE {
        return message.to_string();
    }
    let mut end = MAX_MESSAGE;
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &message[..end])
}

/// Records `reason` on the parent of `set`. `warning` selects the Warning type.
pub async fn event(
    client: &kube::Client,
    set: &ApplySet,
    reason: &str,
    message: &str,
    warning: bool,
    instance: &str,
) -> Result<(), String> {
    let parents: Api<ConfigMap> = Api::namespaced(client.clone(), &set.namespace);
    let uid = parents
        .get_opt(&set.name)
        .await
        .ok()
        .flatten()
        .and_then(|p| p.metadata.uid);
    let now = k8s_openapi::jiff::Timestamp::now();
    let event = Event {
        metadata: ObjectMeta {
            generate_name: Some(format!("{}.", set.name)),
            namespace: Some(set.namespace.clone()),
            ..ObjectMeta::default()
        },
        involved_object: ObjectReference {
            api_version: Some("v1".into()),
            kind: Some("ConfigMap".into()),
            name: Some(set.name.clone()),
            namespace: Some(set.namespace.clone()),
            uid,
            ..ObjectReference::default()
        },
        reason: Some(reason.to_string()),
        message: Some(clip(message)),
        type_: Some(if warning { "Warning" } else { "Normal" }.into()),
        first_timestamp: Some(Time(now)),
        last_timestamp: Some(Time(now)),
        event_time: Some(MicroTime(now)),
        count: Some(1),
        action: Some("Reconcile".into()),
        source: Some(EventSource {
            component: Some(COMPONENT.into()),
            host: None,
        }),
        reporting_component: Some(COMPONENT.into()),
        reporting_instance: Some(instance.chars().take(128).collect()),
        ..Event::default()
    };
    let events: Api<Event> = Api::namespaced(client.clone(), &set.namespace);
    events
        .create(&PostParams::default(), &event)
        .await
        .map(|_| ())
        .map_err(|e| {
            format!(
                "creating event {reason} in namespace {}: {e}",
                set.namespace
            )
        })
}

/// Annotates the parent with the last result and message (a missing parent is left
/// missing: nothing was ever applied).
pub async fn annotate(
    client: &kube::Client,
    set: &ApplySet,
    result: &str,
    message: &str,
) -> Result<(), String> {
    let parents: Api<ConfigMap> = Api::namespaced(client.clone(), &set.namespace);
    let patch = serde_json::json!({
        "metadata": { "annotations": {
            LAST_RESULT_ANNOTATION: result,
            LAST_MESSAGE_ANNOTATION: clip(message),
        }}
    });
    match parents
        .patch(
            &set.name,
            &PatchParams {
                field_manager: Some(COMPONENT.into()),
                ..PatchParams::default()
            },
            &Patch::Merge(&patch),
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(e)) if e.code == 404 => Ok(()),
        Err(e) => Err(format!(
            "annotating configmap {}/{}: {e}",
            set.namespace, set.name
        )),
    }
}
