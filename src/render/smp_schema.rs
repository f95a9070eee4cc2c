//! Merge-key facts for the strategic-merge engine: a small, hand-written slice of the
//! Kubernetes 1.21.2 API schema that kustomize v5.5.0 embeds. It records which
//! apiVersion/kind pairs are known built-ins (and their root type), and along which typed
//! field paths lists carry `patchStrategy: merge` with which merge keys. Every field not
//! listed here is "no strategy": lists are replaced wholesale and maps merge without schema.

/// A type of the Kubernetes API that matters for merging (only types on a path to a
/// merge-strategy list are modelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    /// A known type with no merge-strategy lists beneath it (stops kind lookup by apiVersion/kind).
    Opaque,
    /// Root of a built-in kind that has only `metadata` to offer.
    Generic,
    ObjectMeta,
    Pod,
    PodSpec,
    PodStatus,
    PodTemplate,
    PodTemplateSpec,
    Container,
    EphemeralContainer,
    /// Root of Deployment / ReplicaSet / DaemonSet / StatefulSet / ReplicationController / Job.
    Workload,
    WorkloadSpec,
    CronJob,
    CronJobSpec,
    JobTemplateSpec,
    /// Status types whose only interesting list is `conditions` keyed by `type`.
    ConditionsStatus,
    /// Root of a kind whose `status.conditions` merges by `type` (Namespace, PVC, APIService, PDB…).
    WithConditionsStatus,
    Service,
    ServiceSpec,
    ServiceAccount,
    WebhookConfiguration,
    CsiNode,
    CsiNodeSpec,
    Node,
    NodeSpec,
    NodeStatus,
}

/// What the schema says about one field of a type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldSchema {
    /// A nested object of the given type.
    Object(Ty),
    /// A list with patch strategy `merge`. `keys` are the list-map-keys if the API declares
    /// them, else the single patch-merge-key; empty for a primitive (set-like) list.
    /// `item` is the element type (`None` for primitives).
    MergeList {
        keys: &'static [&'static str],
        item: Option<Ty>,
    },
}

use FieldSchema::{MergeList, Object};

const NAME: &[&str] = &["name"];
const TYPE: &[&str] = &["type"];
const PRIMITIVE: &[&str] = &[];

/// The root type of a built-in kind, by exact `apiVersion` and `kind`; `None` for anything the
/// 1.21.2 schema does not know (CRDs, removed versions such as `apps/v1beta2`).
pub fn root_type(api_version: &str, kind: &str) -> Option<Ty> {
    let ty = match (api_version, kind) {
        ("v1", "Pod") => Ty::Pod,
        ("v1", "PodTemplate") => Ty::PodTemplate,
        ("v1", "ReplicationController") => Ty::Workload,
        ("v1", "Service") => Ty::Service,
        ("v1", "ServiceAccount") => Ty::ServiceAccount,
        ("v1", "Node") => Ty::Node,
        ("v1", "Namespace" | "PersistentVolumeClaim") => Ty::WithConditionsStatus,
        (
            "v1",
            "Binding" | "ComponentStatus" | "ConfigMap" | "Endpoints" | "Event" | "LimitRange"
            | "PersistentVolume" | "ResourceQuota" | "Secret",
        ) => Ty::Generic,
        ("apps/v1", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet") => Ty::Workload,
        ("apps/v1", "ControllerRevision") => Ty::Generic,
        ("batch/v1", "Job") => Ty::Workload,
        ("batch/v1" | "batch/v1beta1", "CronJob") => Ty::CronJob,
        (
            "admissionregistration.k8s.io/v1" | "admissionregistration.k8s.io/v1beta1",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => Ty::WebhookConfiguration,
        ("storage.k8s.io/v1" | "storage.k8s.io/v1beta1", "CSINode") => Ty::CsiNode,
        ("apiregistration.k8s.io/v1" | "apiregistration.k8s.io/v1beta1", "APIService") => {
            Ty::WithConditionsStatus
        }
        ("policy/v1" | "policy/v1beta1", "PodDisruptionBudget") => Ty::WithConditionsStatus,
        ("autoscaling/v2beta1" | "autoscaling/v2beta2", "HorizontalPodAutoscaler") => {
            Ty::WithConditionsStatus
        }
        _ if is_generic_builtin(api_version, kind) => Ty::Generic,
        _ => return None,
    };
    Some(ty)
}

/// The type a definition of the built-in schema stands for, by its swagger name (as custom
/// schemas `$ref` it, e.g. `io.k8s.api.core.v1.PodTemplateSpec`). Names of the built-in API
/// groups that are not modelled here have no merge-strategy list outside `metadata`
/// (`Generic`); `None` for names outside the built-in API.
pub fn definition(name: &str) -> Option<Ty> {
    let (prefix, ty) = name.rsplit_once('.')?;
    let ty = match (prefix, ty) {
        ("io.k8s.apimachinery.pkg.apis.meta.v1", "ObjectMeta") => Ty::ObjectMeta,
        ("io.k8s.api.core.v1", "Pod") => Ty::Pod,
        ("io.k8s.api.core.v1", "PodSpec") => Ty::PodSpec,
        ("io.k8s.api.core.v1", "PodStatus") => Ty::PodStatus,
        ("io.k8s.api.core.v1", "PodTemplate") => Ty::PodTemplate,
        ("io.k8s.api.core.v1", "PodTemplateSpec") => Ty::PodTemplateSpec,
        ("io.k8s.api.core.v1", "Container") => Ty::Container,
        ("io.k8s.api.core.v1", "EphemeralContainer") => Ty::EphemeralContainer,
        ("io.k8s.api.core.v1", "ReplicationController")
        | ("io.k8s.api.apps.v1", "Deployment" | "ReplicaSet" | "DaemonSet" | "StatefulSet")
        | ("io.k8s.api.batch.v1", "Job") => Ty::Workload,
        ("io.k8s.api.core.v1", "ReplicationControllerSpec")
        | (
            "io.k8s.api.apps.v1",
            "DeploymentSpec" | "ReplicaSetSpec" | "DaemonSetSpec" | "StatefulSetSpec",
        )
        | ("io.k8s.api.batch.v1", "JobSpec") => Ty::WorkloadSpec,
        ("io.k8s.api.batch.v1" | "io.k8s.api.batch.v1beta1", "CronJob") => Ty::CronJob,
        ("io.k8s.api.batch.v1" | "io.k8s.api.batch.v1beta1", "CronJobSpec") => Ty::CronJobSpec,
        ("io.k8s.api.batch.v1" | "io.k8s.api.batch.v1beta1", "JobTemplateSpec") => {
            Ty::JobTemplateSpec
        }
        ("io.k8s.api.core.v1", "ReplicationControllerStatus" | "ServiceStatus")
        | (
            "io.k8s.api.apps.v1",
            "DeploymentStatus" | "ReplicaSetStatus" | "DaemonSetStatus" | "StatefulSetStatus",
        )
        | ("io.k8s.api.batch.v1", "JobStatus") => Ty::ConditionsStatus,
        ("io.k8s.api.core.v1", "NamespaceStatus" | "PersistentVolumeClaimStatus")
        | (
            "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1"
            | "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1beta1",
            "APIServiceStatus",
        )
        | ("io.k8s.api.policy.v1" | "io.k8s.api.policy.v1beta1", "PodDisruptionBudgetStatus")
        | (
            "io.k8s.api.autoscaling.v2beta1" | "io.k8s.api.autoscaling.v2beta2",
            "HorizontalPodAutoscalerStatus",
        ) => Ty::ConditionsStatus,
        ("io.k8s.api.core.v1", "Namespace" | "PersistentVolumeClaim")
        | (
            "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1"
            | "io.k8s.kube-aggregator.pkg.apis.apiregistration.v1beta1",
            "APIService",
        )
        | ("io.k8s.api.policy.v1" | "io.k8s.api.policy.v1beta1", "PodDisruptionBudget")
        | (
            "io.k8s.api.autoscaling.v2beta1" | "io.k8s.api.autoscaling.v2beta2",
            "HorizontalPodAutoscaler",
        ) => Ty::WithConditionsStatus,
        ("io.k8s.api.core.v1", "Service") => Ty::Service,
        ("io.k8s.api.core.v1", "ServiceSpec") => Ty::ServiceSpec,
        ("io.k8s.api.core.v1", "ServiceAccount") => Ty::ServiceAccount,
        (
            "io.k8s.api.admissionregistration.v1" | "io.k8s.api.admissionregistration.v1beta1",
            "MutatingWebhookConfiguration" | "ValidatingWebhookConfiguration",
        ) => Ty::WebhookConfiguration,
        ("io.k8s.api.storage.v1" | "io.k8s.api.storage.v1beta1", "CSINode") => Ty::CsiNode,
        ("io.k8s.api.storage.v1" | "io.k8s.api.storage.v1beta1", "CSINodeSpec") => Ty::CsiNodeSpec,
        ("io.k8s.api.core.v1", "Node") => Ty::Node,
        ("io.k8s.api.core.v1", "NodeSpec") => Ty::NodeSpec,
        ("io.k8s.api.core.v1", "NodeStatus") => Ty::NodeStatus,
        _ if [
            "io.k8s.api.",
            "io.k8s.apimachinery.",
            "io.k8s.kube-aggregator.",
            "io.k8s.apiextensions-apiserver.",
        ]
        .iter()
        .any(|p| name.starts_with(p)) =>
        {
            Ty::Generic
        }
        _ => return None,
    };
    Some(ty)
}

/// The one built-in definition a type stands for, when it stands for exactly one (a custom
/// schema parsed on top of the built-in one can redefine it).
pub fn definition_name(ty: Ty) -> Option<&'static str> {
    Some(match ty {
        Ty::ObjectMeta => "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
        Ty::Pod => "io.k8s.api.core.v1.Pod",
        Ty::PodSpec => "io.k8s.api.core.v1.PodSpec",
        Ty::PodStatus => "io.k8s.api.core.v1.PodStatus",
        Ty::PodTemplate => "io.k8s.api.core.v1.PodTemplate",
        Ty::PodTemplateSpec => "io.k8s.api.core.v1.PodTemplateSpec",
        Ty::Container => "io.k8s.api.core.v1.Container",
        Ty::EphemeralContainer => "io.k8s.api.core.v1.EphemeralContainer",
        Ty::Service => "io.k8s.api.core.v1.Service",
        Ty::ServiceSpec => "io.k8s.api.core.v1.ServiceSpec",
        Ty::ServiceAccount => "io.k8s.api.core.v1.ServiceAccount",
        Ty::Node => "io.k8s.api.core.v1.Node",
        Ty::NodeSpec => "io.k8s.api.core.v1.NodeSpec",
        Ty::NodeStatus => "io.k8s.api.core.v1.NodeStatus",
        _ => return None,
    })
}

/// Built-in kinds of 1.21.2 with no merge-strategy list outside `metadata`.
fn is_generic_builtin(api_version: &str, kind: &str) -> bool {
    let kinds: &[&str] = match api_version {
        "apiextensions.k8s.io/v1" | "apiextensions.k8s.io/v1beta1" => &["CustomResourceDefinition"],
        "authentication.k8s.io/v1" => &["TokenReview", "TokenRequest"],
        "authentication.k8s.io/v1beta1" => &["TokenReview"],
        "authorization.k8s.io/v1" | "authorization.k8s.io/v1beta1" => &[
            "LocalSubjectAccessReview",
            "SelfSubjectAccessReview",
            "SelfSubjectRulesReview",
            "SubjectAccessReview",
        ],
        "autoscaling/v1" => &["HorizontalPodAutoscaler", "Scale"],
        "certificates.k8s.io/v1" | "certificates.k8s.io/v1beta1" => &["CertificateSigningRequest"],
        "coordination.k8s.io/v1" | "coordination.k8s.io/v1beta1" => &["Lease"],
        "discovery.k8s.io/v1" | "discovery.k8s.io/v1beta1" => &["EndpointSlice"],
        "events.k8s.io/v1" | "events.k8s.io/v1beta1" => &["Event"],
        "extensions/v1beta1" => &["Ingress"],
        "flowcontrol.apiserver.k8s.io/v1beta1" => &["FlowSchema", "PriorityLevelConfiguration"],
        "networking.k8s.io/v1" => &["Ingress", "IngressClass", "NetworkPolicy"],
        "networking.k8s.io/v1beta1" => &["Ingress", "IngressClass"],
        "node.k8s.io/v1" | "node.k8s.io/v1beta1" => &["RuntimeClass"],
        "policy/v1beta1" => &["PodSecurityPolicy", "Eviction"],
        "rbac.authorization.k8s.io/v1" | "rbac.authorization.k8s.io/v1beta1" => {
            &["ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding"]
        }
        "scheduling.k8s.io/v1" | "scheduling.k8s.io/v1beta1" => &["PriorityClass"],
        "storage.k8s.io/v1" => &["CSIDriver", "StorageClass", "VolumeAttachment"],
        "storage.k8s.io/v1beta1" => &[
            "CSIDriver",
            "StorageClass",
            "VolumeAttachment",
            "CSIStorageCapacity",
        ],
        _ => &[],
    };
    kinds.contains(&kind)
}

/// The schema of field `name` of type `ty`; `None` when the field has no modelled schema.
pub fn field(ty: Ty, name: &str) -> Option<FieldSchema> {
    let f = match (ty, name) {
        (Ty::Opaque, _) => return None,
        (
            Ty::Generic
            | Ty::Pod
            | Ty::PodTemplate
            | Ty::PodTemplateSpec
            | Ty::Workload
            | Ty::CronJob
            | Ty::JobTemplateSpec
            | Ty::WithConditionsStatus
            | Ty::Service
            | Ty::ServiceAccount
            | Ty::WebhookConfiguration
            | Ty::CsiNode
            | Ty::Node,
            "metadata",
        ) => Object(Ty::ObjectMeta),
        (Ty::ObjectMeta, "finalizers") => MergeList {
            keys: PRIMITIVE,
            item: None,
        },
        (Ty::ObjectMeta, "ownerReferences") => MergeList {
            keys: &["uid"],
            item: Some(Ty::Opaque),
        },

        (Ty::Pod | Ty::PodTemplateSpec, "spec") => Object(Ty::PodSpec),
        (Ty::Pod, "status") => Object(Ty::PodStatus),
        (Ty::PodStatus, "conditions") => MergeList {
            keys: TYPE,
            item: Some(Ty::Opaque),
        },
        (Ty::PodStatus, "podIPs") => MergeList {
            keys: &["ip"],
            item: Some(Ty::Opaque),
        },
        (Ty::PodTemplate, "template") => Object(Ty::PodTemplateSpec),
        (Ty::PodSpec, "containers" | "initContainers") => MergeList {
            keys: NAME,
            item: Some(Ty::Container),
        },
        (Ty::PodSpec, "ephemeralContainers") => MergeList {
            keys: NAME,
            item: Some(Ty::EphemeralContainer),
        },
        (Ty::PodSpec, "volumes" | "imagePullSecrets") => MergeList {
            keys: NAME,
            item: Some(Ty::Opaque),
        },
        (Ty::PodSpec, "hostAliases") => MergeList {
            keys: &["ip"],
            item: Some(Ty::Opaque),
        },
        (Ty::PodSpec, "topologySpreadConstraints") => MergeList {
            keys: &["topologyKey", "whenUnsatisfiable"],
            item: Some(Ty::Opaque),
        },
        (Ty::Container | Ty::EphemeralContainer, "env") => MergeList {
            keys: NAME,
            item: Some(Ty::Opaque),
        },
        (Ty::Container | Ty::EphemeralContainer, "volumeMounts") => MergeList {
            keys: &["mountPath"],
            item: Some(Ty::Opaque),
        },
        (Ty::Container | Ty::EphemeralContainer, "volumeDevices") => MergeList {
            keys: &["devicePath"],
            item: Some(Ty::Opaque),
        },
        // EphemeralContainer.ports has no patch strategy in 1.21.
        (Ty::Container, "ports") => MergeList {
            keys: &["containerPort", "protocol"],
            item: Some(Ty::Opaque),
        },

        (Ty::Workload, "spec") => Object(Ty::WorkloadSpec),
        (Ty::Workload | Ty::CronJob | Ty::WithConditionsStatus, "status") => {
            Object(Ty::ConditionsStatus)
        }
        (Ty::WorkloadSpec, "template") => Object(Ty::PodTemplateSpec),
        (Ty::CronJob, "spec") => Object(Ty::CronJobSpec),
        (Ty::CronJobSpec, "jobTemplate") => Object(Ty::JobTemplateSpec),
        (Ty::JobTemplateSpec, "spec") => Object(Ty::WorkloadSpec),
        (Ty::ConditionsStatus, "conditions") => MergeList {
            keys: TYPE,
            item: Some(Ty::Opaque),
        },

        (Ty::Service, "spec") => Object(Ty::ServiceSpec),
        (Ty::Service, "status") => Object(Ty::ConditionsStatus),
        (Ty::ServiceSpec, "ports") => MergeList {
            keys: &["port", "protocol"],
            item: Some(Ty::Opaque),
        },
        (Ty::ServiceAccount, "secrets") => MergeList {
            keys: NAME,
            item: Some(Ty::Opaque),
        },
        (Ty::WebhookConfiguration, "webhooks") => MergeList {
            keys: NAME,
            item: Some(Ty::Opaque),
        },
        (Ty::CsiNode, "spec") => Object(Ty::CsiNodeSpec),
        (Ty::CsiNodeSpec, "drivers") => MergeList {
            keys: NAME,
            item: Some(Ty::Opaque),
        },
        (Ty::Node, "spec") => Object(Ty::NodeSpec),
        (Ty::Node, "status") => Object(Ty::NodeStatus),
        (Ty::NodeSpec, "podCIDRs") => MergeList {
            keys: PRIMITIVE,
            item: None,
        },
        (Ty::NodeStatus, "conditions" | "addresses") => MergeList {
            keys: TYPE,
            item: Some(Ty::Opaque),
        },
        _ => return None,
    };
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_kinds() {
        assert_eq!(root_type("apps/v1", "Deployment"), Some(Ty::Workload));
        assert_eq!(root_type("batch/v1beta1", "CronJob"), Some(Ty::CronJob));
        assert_eq!(root_type("apps/v1beta2", "Deployment"), None);
        assert_eq!(root_type("extensions/v1beta1", "Deployment"), None);
        assert_eq!(root_type("example.com/v1", "Foo"), None);
        assert_eq!(
            root_type("rbac.authorization.k8s.io/v1", "Role"),
            Some(Ty::Generic)
        );
    }

    #[test]
    fn definitions_by_swagger_name() {
        assert_eq!(
            definition("io.k8s.api.core.v1.PodTemplateSpec"),
            Some(Ty::PodTemplateSpec)
        );
        assert_eq!(
            definition("io.k8s.api.apps.v1.StatefulSetSpec"),
            Some(Ty::WorkloadSpec)
        );
        assert_eq!(definition("io.k8s.api.core.v1.Volume"), Some(Ty::Generic));
        assert_eq!(definition("com.example.v1.Spec"), None);
        assert_eq!(definition("PodSpec"), None);
        for ty in [Ty::PodSpec, Ty::Container, Ty::ObjectMeta, Ty::NodeStatus] {
            assert_eq!(definition_name(ty).and_then(definition), Some(ty));
        }
        assert_eq!(definition_name(Ty::Workload), None);
    }

    #[test]
    fn container_ports_are_keyed_by_port_and_protocol() {
        assert_eq!(
            field(Ty::Container, "ports"),
            Some(MergeList {
                keys: &["containerPort", "protocol"],
                item: Some(Ty::Opaque)
            })
        );
        assert_eq!(field(Ty::Container, "args"), None);
    }
}
