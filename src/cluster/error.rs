//! Cluster errors: each one sentence naming the server, or the object and the verb.

#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("kubeconfig: {0}")]
    Config(String),

    #[error("cannot reach the cluster at {server}: {reason}")]
    Unreachable { server: String, reason: String },

    #[error("forbidden: cannot {verb} {object}: {message}")]
    Forbidden {
        verb: String,
        object: String,
        message: String,
    },

    #[error("the cluster does not know {kind} ({api_version}) needed for {object}")]
    UnknownKind {
        kind: String,
        api_version: String,
        object: String,
    },

    #[error("conflict applying {object}: {message}")]
    Conflict { object: String, message: String },

    #[error("invalid {object}: {message}")]
    Invalid { object: String, message: String },

    /// A safety rule refused the operation before anything changed.
    #[error("{0}")]
    Refused(String),

    #[error("cannot {verb} {object}: {message}")]
    Api {
        verb: String,
        object: String,
        code: u16,
        message: String,
    },
}

impl ClusterError {
    /// Classifies a kube error for `verb` on `object`.
    pub fn from_kube(e: kube::Error, verb: &str, object: &str, server: &str) -> ClusterError {
        match e {
            kube::Error::Api(status) => {
                let message = status.message.clone();
                match status.code {
                    401 | 403 => ClusterError::Forbidden {
                        verb: verb.to_string(),
                        object: object.to_string(),
                        message,
                    },
                    409 => ClusterError::Conflict {
                        object: object.to_string(),
                        message,
                    },
                    422 => ClusterError::Invalid {
                        object: object.to_string(),
                        message,
                    },
                    code => ClusterError::Api {
                        verb: verb.to_string(),
                        object: object.to_string(),
                        code,
                        message,
                    },
                }
            }
            other => ClusterError::Unreachable {
                server: server.to_string(),
                reason: root_cause(&other),
            },
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ClusterError::Api { code: 404, .. })
    }
}

/// The innermost message of an error chain (connection refused, timed out, ...).
pub fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
