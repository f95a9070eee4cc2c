//! kubectl-gitops: GitOps from a laptop or a CI runner.
//!
//! The library is the pipeline: [`yaml`] reads and writes kustomize-compatible YAML,
//! [`render`] builds a kustomization into resources (pure: no cluster, no network), and
//! [`cli`] is the thin command-line layer on top.

pub mod agent;
pub mod cli;
pub mod cluster;
pub mod diff;
pub mod duration;
pub mod edit;
pub mod preview;
pub mod render;
pub mod source;
pub mod sync;
pub mod yaml;
