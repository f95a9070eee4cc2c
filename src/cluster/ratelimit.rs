//! Being polite to the API server without capping a healthy one. By default there is no
//! fixed client-side rate: requests in flight are bounded by `--concurrency`, and the
//! server protects itself (API Priority and Fairness answers 429 when a flow's share is
//! used up). Every request that gets a 429 is retried with exponential backoff and jitter,
//! and the backoff pauses *all* requests of this client, so a loaded server sees the
//! whole client slow down at once. `--qps`/`--burst` add a fixed token bucket, like
//! client-go's, for users who need a hard cap.

use std::future::Future;
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Retries of one request answered 429 before its error is returned.
const MAX_RETRIES: u32 = 8;
/// The first backoff (APF's own Retry-After is one second), doubled per retry, capped.
const FIRST_BACKOFF: Duration = Duration::from_millis(500);
const MAX_BACKOFF: Duration = Duration::from_secs(8);

pub struct RateLimiter {
    /// `None`: no fixed rate.
    bucket: Option<Bucket>,
    /// Until when every request waits (after a 429).
    paused_until: Mutex<Option<Instant>>,
}

struct Bucket {
    interval: Duration,
    burst: u32,
    state: Mutex<(Instant, u32)>,
}

impl RateLimiter {
    /// `qps <= 0` means no fixed rate (only the 429 backoff).
    pub fn new(qps: f64, burst: u32) -> RateLimiter {
        let bucket = (qps > 0.0).then(|| Bucket {
            interval: Duration::from_secs_f64(1.0 / qps),
            burst: burst.max(1),
            state: Mutex::new((Instant::now(), burst.max(1))),
        });
        RateLimiter {
            bucket,
            paused_until: Mutex::new(None),
        }
    }

    /// Waits until one more request may go out.
    pub async fn acquire(&self) {
        let until = *self.paused_until.lock().await;
        if let Some(until) = until {
            tokio::time::sleep_until(until.into()).await;
        }
        let Some(b) = &self.bucket else { return };
        let wait = {
            let mut s = b.state.lock().await;
            let now = Instant::now();
            // refill tokens for the time passed
            let elapsed = now.saturating_duration_since(s.0);
            let refill = (elapsed.as_secs_f64() / b.interval.as_secs_f64()) as u32;
            if refill > 0 {
                s.1 = (s.1 + refill).min(b.burst);
                s.0 = now;
            }
            if s.1 > 0 {
                s.1 -= 1;
                Duration::ZERO
            } else {
                let next = s.0 + b.interval;
                s.0 = next;
                next.saturating_duration_since(now)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Holds every request back for `wait` (extends a pause already running).
    async fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut p = self.paused_until.lock().await;
        if p.is_none_or(|t| t < until) {
            *p = Some(until);
        }
    }

    /// Sends a request (`call` makes it anew for each try): waits for the limiter, and
    /// on 429 (Too Many Requests) backs off and tries again.
    pub async fn send<T, F, Fut>(&self, mut call: F) -> Result<T, kube::Error>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, kube::Error>>,
    {
        let mut retry = 0;
        loop {
            self.acquire().await;
            match call().await {
                Err(kube::Error::Api(s)) if s.code == 429 && retry < MAX_RETRIES => {
                    // The server's own hint (Retry-After, in the Status details) when it
                    // gives one, else our backoff; whichever is longer.
                    let hint = s
                        .details
                        .as_ref()
                        .map(|d| Duration::from_secs(u64::from(d.retry_after_seconds)))
                        .unwrap_or_default();
                    let wait = backoff(retry).max(hint);
                    retry += 1;
                    tracing::info!(
                        "the API server asked to slow down (429: {}); pausing {wait:?}",
                        s.message
                    );
                    self.pause(wait).await;
                }
                other => return other,
            }
        }
    }
}

/// The wait before retry `n` (0-based): doubling from [`FIRST_BACKOFF`], capped at
/// [`MAX_BACKOFF`], plus up to 25% jitter so paused clients do not return in step.
fn backoff(n: u32) -> Duration {
    let base = FIRST_BACKOFF
        .saturating_mul(2u32.saturating_pow(n))
        .min(MAX_BACKOFF);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    base + base.mul_f64(f64::from(nanos % 1000) / 4000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert!(backoff(0) >= FIRST_BACKOFF && backoff(0) < FIRST_BACKOFF.mul_f64(1.26));
        assert!(backoff(1) >= FIRST_BACKOFF * 2);
        assert!(backoff(20) <= MAX_BACKOFF.mul_f64(1.26));
    }

    #[tokio::test]
    async fn retries_429_then_returns_the_answer() {
        let limiter = RateLimiter::new(0.0, 0);
        let mut calls = 0;
        let start = Instant::now();
        let r: Result<u32, kube::Error> = limiter
            .send(|| {
                calls += 1;
                let n = calls;
                async move {
                    if n < 3 {
                        Err(kube::Error::Api(
                            kube::core::Status::failure("too many requests", "TooManyRequests")
                                .with_code(429)
                                .boxed(),
                        ))
                    } else {
                        Ok(n)
                    }
                }
            })
            .await;
        assert_eq!(r.ok(), Some(3));
        assert!(start.elapsed() >= FIRST_BACKOFF * 3);
    }
}
