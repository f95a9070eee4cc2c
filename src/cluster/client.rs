//! Connecting: kubeconfig from `--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`;
//! `--context` and `-n` as kubectl reads them; bounded connect and read timeouts; a
//! version call up front so an unreachable server fails fast with one clear line.

use super::{ratelimit::RateLimiter, Cluster, ClusterError};
use kube::config::{KubeConfigOptions, Kubeconfig};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// kubectl's connection flags, passed through to the plugin.
#[derive(Clone, Debug, Default)]
pub struct ConnectArgs {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub namespace: Option<String>,
    /// Client-side rate limit.
    pub qps: f64,
    pub burst: u32,
    /// Per-request timeout.
    pub timeout: Duration,
}

pub async fn connect(args: &ConnectArgs) -> Result<Cluster, ClusterError> {
    let kubeconfig = match &args.kubeconfig {
        Some(path) => Kubeconfig::read_from(path)
            .map_err(|e| ClusterError::Config(format!("{}: {e}", path.display())))?,
        None => match Kubeconfig::read() {
            Ok(k) => k,
            // Inside a pod without a kubeconfig: the ServiceAccount's credentials.
            Err(_) if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() => {
                let config = kube::Config::incluster()
                    .map_err(|e| ClusterError::Config(format!("in-cluster config: {e}")))?;
                return finish(config, "in-cluster".to_string(), args).await;
            }
            Err(e) => return Err(ClusterError::Config(e.to_string())),
        },
    };
    let context = args
        .context
        .clone()
        .or_else(|| kubeconfig.current_context.clone())
        .unwrap_or_default();
    let options = KubeConfigOptions {
        context: args.context.clone(),
        cluster: None,
        user: None,
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| ClusterError::Config(e.to_string()))?;
    finish(config, context, args).await
}

/// Timeouts, namespace, client, and a reachability check.
async fn finish(
    mut config: kube::Config,
    context: String,
    args: &ConnectArgs,
) -> Result<Cluster, ClusterError> {
    let timeout = if args.timeout.is_zero() {
        Duration::from_secs(30)
    } else {
        args.timeout
    };
    config.connect_timeout = Some(Duration::from_secs(5).min(timeout));
    config.read_timeout = Some(timeout);
    config.write_timeout = Some(timeout);
    if let Some(ns) = &args.namespace {
        config.default_namespace = ns.clone();
    }
    let server = config.cluster_url.to_string();
    tracing::info!("connecting to {server} (context {context})");
    let default_namespace = config.default_namespace.clone();
    let client = kube::Client::try_from(config).map_err(|e| ClusterError::Unreachable {
        server: server.clone(),
        reason: super::error::root_cause(&e),
    })?;
    match tokio::time::timeout(timeout, client.apiserver_version()).await {
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(ClusterError::from_kube(e, "get", "/version", &server)),
        Err(_) => {
            return Err(ClusterError::Unreachable {
                server,
                reason: format!("no answer within {}s", timeout.as_secs()),
            })
        }
    }
    Ok(Cluster {
        client,
        default_namespace,
        server,
        context,
        discovery: Arc::new(tokio::sync::Mutex::new(HashMap::new())),
        limiter: Arc::new(RateLimiter::new(
            // 0 (or less) means no fixed client-side rate.
            args.qps,
            if args.burst > 0 {
                args.burst
            } else {
                args.qps.max(1.0) as u32
            },
        )),
    })
}
