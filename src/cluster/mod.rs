//! The live cluster: a kube client from kubectl's own flags and kubeconfig rules,
//! cached discovery (kind → resource, scope), and the few calls diff and sync make
//! (get, server-side apply with or without dry-run, list by label, delete), with
//! bounded timeouts, a client-side rate limit, and typed errors naming the object and
//! the verb.

mod access;
pub mod applyset;
pub mod binding;
mod client;
mod discovery;
mod error;
mod objects;
mod ratelimit;

pub use client::{connect, ConnectArgs};
pub use discovery::Resolved;
pub use error::ClusterError;
pub use objects::{place, ObjectRef};

use crate::render::resource::Gvk;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;

impl Cluster {
    /// The underlying kube client, for API calls this module does not wrap (leases,
    /// events).
    pub fn client(&self) -> kube::Client {
        self.client.clone()
    }
}

/// The field manager of everything we apply.
pub const FIELD_MANAGER: &str = "kubectl-gitops";

/// A connected cluster.
#[derive(Clone)]
pub struct Cluster {
    client: kube::Client,
    /// Namespace for namespaced objects that name none (`-n`, else the context's).
    pub default_namespace: String,
    /// The API server URL, for messages and env bindings.
    pub server: String,
    /// The kube context in use (explicit `--context`, else the kubeconfig's current one).
    pub context: String,
    discovery: Arc<Mutex<HashMap<Gvk, Option<Resolved>>>>,
    limiter: Arc<ratelimit::RateLimiter>,
}
