//! The agent's one listener: `/healthz`, `/readyz`, `/metrics`, `/status`, and the two
//! hooks that wake the reconcile loop. Request bodies are hostile input: at most
//! [`MAX_BODY`] bytes are read, the GitHub signature (HMAC-SHA256 of the raw body,
//! `X-Hub-Signature-256`) and the refresh bearer token are compared in constant time, and
//! a request that fails either is answered 401 with nothing done.

use super::state::State;
use bytes_body::Body;
use hmac::{Hmac, Mac};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use sha2::Sha256;
use std::sync::Arc;
use subtle::ConstantTimeEq;
use tokio::sync::Notify;

/// Largest request body read (webhook payloads included).
pub const MAX_BODY: usize = 1 << 20;

mod bytes_body {
    pub type Body = http_body_util::Full<hyper::body::Bytes>;
}

/// What the handlers need.
pub struct Http {
    pub state: Arc<State>,
    /// Wakes the loop for an immediate fetch and reconcile.
    pub wake: Arc<Notify>,
    pub branch: String,
    pub webhook_secret: Option<Vec<u8>>,
    pub refresh_token: Option<Vec<u8>>,
    pub log: Arc<dyn crate::sync::watch::Log>,
}

/// Serves `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, http: Arc<Http>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            continue;
        };
        let http = http.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let http = http.clone();
                async move { Ok::<_, std::convert::Infallible>(http.handle(req).await) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(std::time::Duration::from_secs(10))
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            // A client that holds the connection open forever is cut after a while.
            let _ = tokio::time::timeout(std::time::Duration::from_secs(60), conn).await;
        });
    }
}

fn reply(status: StatusCode, content_type: &str, body: impl Into<String>) -> Response<Body> {
    let mut r = Response::new(Body::new(body.into().into()));
    *r.status_mut() = status;
    if let Ok(v) = hyper::header::HeaderValue::from_str(content_type) {
        r.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
    }
    r
}

fn text(status: StatusCode, body: &str) -> Response<Body> {
    reply(status, "text/plain; charset=utf-8", format!("{body}\n"))
}

impl Http {
    async fn handle(&self, req: Request<Incoming>) -> Response<Body> {
        let path = req.uri().path().to_string();
        match (req.method(), path.as_str()) {
            (&Method::GET, "/healthz") => text(StatusCode::OK, "ok"),
            (&Method::GET, "/readyz") => {
                if self.state.is_ready() {
                    text(StatusCode::OK, "ok")
                } else {
                    text(
                        StatusCode::SERVICE_UNAVAILABLE,
                        "not ready: the repository was not fetched yet",
                    )
                }
            }
            (&Method::GET, "/metrics") => reply(
                StatusCode::OK,
                "text/plain; version=0.0.4; charset=utf-8",
                self.state.metrics_text(),
            ),
            (&Method::GET, "/status") => reply(
                StatusCode::OK,
                "application/json",
                format!(
                    "{}\n",
                    serde_json::to_string_pretty(&self.state.status_json()).unwrap_or_default()
                ),
            ),
            (&Method::POST, "/hooks/github") => self.github(req).await,
            (&Method::POST, "/hooks/refresh") => self.refresh(req).await,
            (
                _,
                "/healthz" | "/readyz" | "/metrics" | "/status" | "/hooks/github"
                | "/hooks/refresh",
            ) => text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
            _ => text(StatusCode::NOT_FOUND, "not found"),
        }
    }

    async fn github(&self, req: Request<Incoming>) -> Response<Body> {
        let Some(secret) = &self.webhook_secret else {
            return text(
                StatusCode::UNAUTHORIZED,
                "webhook not configured (--webhook-secret-file)",
            );
        };
        let signature = req
            .headers()
            .get("x-hub-signature-256")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let event = req
            .headers()
            .get("x-github-event")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        let body = match read_body(req).await {
            Ok(b) => b,
            Err(r) => return r,
        };
        let Some(signature) = signature else {
            self.log
                .log("webhook refused: no X-Hub-Signature-256 header");
            return text(StatusCode::UNAUTHORIZED, "missing signature");
        };
        if !signature_valid(secret, &body, &signature) {
            self.log.log("webhook refused: bad signature");
            return text(StatusCode::UNAUTHORIZED, "bad signature");
        }
        match event.as_str() {
            "ping" => text(StatusCode::OK, "pong"),
            "push" => {
                let tracked = format!("refs/heads/{}", self.branch);
                let pushed = serde_json::from_slice::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| v.get("ref").and_then(|r| r.as_str()).map(str::to_string));
                match pushed {
                    Some(r) if r == tracked => {
                        self.log
                            .log(&format!("webhook: push to {r}, reconciling now"));
                        self.wake.notify_one();
                        text(StatusCode::ACCEPTED, "reconciling")
                    }
                    Some(_) => text(StatusCode::OK, "ignored: another branch"),
                    None => text(StatusCode::BAD_REQUEST, "push event without a ref"),
                }
            }
            _ => text(StatusCode::OK, "ignored event"),
        }
    }

    async fn refresh(&self, req: Request<Incoming>) -> Response<Body> {
        let Some(token) = &self.refresh_token else {
            return text(
                StatusCode::UNAUTHORIZED,
                "refresh not configured (--refresh-token-file)",
            );
        };
        let given = req
            .headers()
            .get(hyper::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(|t| t.trim().as_bytes().to_vec());
        if let Err(r) = read_body(req).await {
            return r;
        }
        match given {
            Some(g) if bool::from(g.ct_eq(token)) => {
                self.log.log("refresh requested, reconciling now");
                self.wake.notify_one();
                text(StatusCode::ACCEPTED, "reconciling")
            }
            _ => {
                self.log.log("refresh refused: bad or missing bearer token");
                text(StatusCode::UNAUTHORIZED, "bad or missing bearer token")
            }
        }
    }
}

/// The whole body, at most [`MAX_BODY`] bytes.
async fn read_body(req: Request<Incoming>) -> Result<Vec<u8>, Response<Body>> {
    let limited = http_body_util::Limited::new(req.into_body(), MAX_BODY);
    match limited.collect().await {
        Ok(c) => Ok(c.to_bytes().to_vec()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(text(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body over 1 MiB",
        )),
        Err(_) => Err(text(StatusCode::BAD_REQUEST, "unreadable request body")),
    }
}

/// `sha256=<hex>` of HMAC-SHA256(secret, body), compared in constant time.
pub fn signature_valid(secret: &[u8], body: &[u8], header: &str) -> bool {
    let Some(hex) = header.trim().strip_prefix("sha256=") else {
        return false;
    };
    let Some(given) = decode_hex(hex) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret) else {
        return false;
    };
    mac.update(body);
    mac.verify_slice(&given).is_ok()
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_signature() {
        // The example of GitHub's "Validating webhook deliveries" page.
        let header = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
        assert!(signature_valid(
            b"It's a Secret to Everybody",
            b"Hello, World!",
            header
        ));
        assert!(!signature_valid(
            b"It's a Secret to Everybody",
            b"Hello, World",
            header
        ));
        assert!(!signature_valid(b"other", b"Hello, World!", header));
        assert!(!signature_valid(b"s", b"x", "sha1=00"));
        assert!(!signature_valid(b"s", b"x", "sha256=zz"));
    }
}
