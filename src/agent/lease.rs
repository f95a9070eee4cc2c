//! Leader election with a coordination.k8s.io/v1 Lease, as client-go does it: the holder
//! renews every [`RENEW`]; a standby takes the Lease over when its record (holder and
//! renew time) has not changed for the Lease's duration as this process observed it
//! (so clock skew between nodes does not matter), or at once when it was released.
//! Every write carries the resourceVersion it read, so two candidates never both win.
//! A holder leads for [`RENEW_DEADLINE`] past the start of its last successful renewal
//! (see `State::lead_until`), so it stops applying before its Lease can expire for the
//! others, however long a request hangs.

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use kube::api::{Api, PostParams};
use std::time::{Duration, Instant};

pub const LEASE_NAME: &str = "kubectl-gitops-agent";
pub const DURATION: Duration = Duration::from_secs(15);
pub const RENEW: Duration = Duration::from_secs(5);
pub const RENEW_DEADLINE: Duration = Duration::from_secs(10);

/// One candidate.
pub struct Elector {
    api: Api<Lease>,
    pub identity: String,
    pub namespace: String,
    observed: Option<(Option<String>, Option<MicroTime>, Instant)>,
}

fn now() -> MicroTime {
    MicroTime(k8s_openapi::jiff::Timestamp::now())
}

impl Elector {
    pub fn new(client: kube::Client, namespace: &str, identity: String) -> Elector {
        Elector {
            api: Api::namespaced(client, namespace),
            identity,
            namespace: namespace.to_string(),
            observed: None,
        }
    }

    /// One round: acquire or renew. `Ok(true)` when this candidate holds the Lease now.
    pub async fn try_lead(&mut self) -> Result<bool, String> {
        let what = format!("lease {}/{LEASE_NAME}", self.namespace);
        let current = self
            .api
            .get_opt(LEASE_NAME)
            .await
            .map_err(|e| format!("get {what}: {e}"))?;
        let Some(mut lease) = current else {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(LEASE_NAME.into()),
                    namespace: Some(self.namespace.clone()),
                    ..ObjectMeta::default()
                },
                spec: Some(LeaseSpec {
                    holder_identity: Some(self.identity.clone()),
                    lease_duration_seconds: Some(DURATION.as_secs() as i32),
                    acquire_time: Some(now()),
                    renew_time: Some(now()),
                    lease_transitions: Some(0),
                    ..LeaseSpec::default()
                }),
            };
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
                Err(e) => Err(format!("create {what}: {e}")),
            };
        };
        let spec = lease.spec.clone().unwrap_or_default();
        let holder = spec.holder_identity.clone().filter(|h| !h.is_empty());
        let duration = spec
            .lease_duration_seconds
            .filter(|d| *d > 0)
            .map_or(DURATION, |d| Duration::from_secs(d as u64));
        let ours = holder.as_deref() == Some(self.identity.as_str());
        if !ours && holder.is_some() {
            // Someone else's: expired only when unchanged for a whole duration.
            let record = (holder.clone(), spec.renew_time.clone());
            let seen = match &self.observed {
                Some((h, r, at)) if (h, r) == (&record.0, &record.1) => *at,
                _ => {
                    self.observed = Some((record.0, record.1, Instant::now()));
                    return Ok(false);
                }
            };
            if seen.elapsed() < duration {
                return Ok(false);
            }
        }
        let mut new_spec = spec.clone();
        new_spec.holder_identity = Some(self.identity.clone());
        new_spec.lease_duration_seconds = Some(DURATION.as_secs() as i32);
        new_spec.renew_time = Some(now());
        if !ours {
            new_spec.acquire_time = Some(now());
            new_spec.lease_transitions = Some(spec.lease_transitions.unwrap_or(0) + 1);
        }
        lease.spec = Some(new_spec);
        match self
            .api
            .replace(LEASE_NAME, &PostParams::default(), &lease)
            .await
        {
            Ok(_) => {
                self.observed = None;
                Ok(true)
            }
            Err(kube::Error::Api(e)) if e.code == 409 => Ok(false),
            Err(e) => Err(format!("update {what}: {e}")),
        }
    }

    /// Gives the Lease up (holder cleared), so a standby takes over at once.
    pub async fn release(&mut self) -> Result<(), String> {
        let what = format!("lease {}/{LEASE_NAME}", self.namespace);
        let Some(mut lease) = self
            .api
            .get_opt(LEASE_NAME)
            .await
            .map_err(|e| format!("get {what}: {e}"))?
        else {
            return Ok(());
        };
        let mut spec = lease.spec.clone().unwrap_or_default();
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return Ok(());
        }
        spec.holder_identity = None;
        spec.lease_duration_seconds = Some(1);
        spec.renew_time = Some(MicroTime(
            k8s_openapi::jiff::Timestamp::now()
                .checked_sub(k8s_openapi::jiff::SignedDuration::from_secs(3600))
                .unwrap_or_else(|_| k8s_openapi::jiff::Timestamp::now()),
        ));
        lease.spec = Some(spec);
        self.api
            .replace(LEASE_NAME, &PostParams::default(), &lease)
            .await
            .map(|_| ())
            .map_err(|e| format!("release {what}: {e}"))
    }
}
