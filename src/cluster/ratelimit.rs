//! A client-side rate limit (queries per second with a burst), like client-go's, so a
//! big env does not flood the API server.

use std::time::{Duration, Instant};
use tokio::sync::Mutex;

pub struct RateLimiter {
    interval: Duration,
    burst: u32,
    state: Mutex<(Instant, u32)>,
}

impl RateLimiter {
    pub fn new(qps: f64, burst: u32) -> RateLimiter {
        let qps = if qps > 0.0 { qps } else { f64::MAX };
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / qps),
            burst: burst.max(1),
            state: Mutex::new((Instant::now(), burst.max(1))),
        }
    }

    /// Waits until one more request may go out.
    pub async fn acquire(&self) {
        let wait = {
            let mut s = self.state.lock().await;
            let now = Instant::now();
            // refill tokens for the time passed
            let elapsed = now.saturating_duration_since(s.0);
            let refill = (elapsed.as_secs_f64() / self.interval.as_secs_f64()) as u32;
            if refill > 0 {
                s.1 = (s.1 + refill).min(self.burst);
                s.0 = now;
            }
            if s.1 > 0 {
                s.1 -= 1;
                Duration::ZERO
            } else {
                let next = s.0 + self.interval;
                s.0 = next;
                next.saturating_duration_since(now)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}
