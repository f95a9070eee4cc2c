//! The builtin transformers a kustomization configures with plain fields (`namespace`,
//! `namePrefix`/`nameSuffix`, `labels`/`commonLabels`, `commonAnnotations`, `images`,
//! `replicas`), one module each. Patches, generators and name references have their own
//! modules beside this one.

pub mod images;
pub mod metadata;
pub mod namespace;
pub mod prefix_suffix;
pub mod replicas;
