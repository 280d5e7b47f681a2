//! The deployment lock: a `coordination.k8s.io/v1` Lease in the namespace, taken before the
//! first change and renewed while the war room runs, so only one war room drives a
//! deployment at a time. The holder identity names the operator, the host and the session.
//!
//! Timing follows client-go's leader election, whose rule is lease duration > renew deadline >
//! retry period:
//! - **lease duration 30 s**: how long a hold lasts for others without a renewal;
//! - **renew deadline 20 s**: the holder counts the lock as lost when it could not renew for
//!   this long, 10 s before others may take it (clock skew and a slow write fit in the gap);
//! - **retry period 5 s**: the holder renews every 5 s, and retries a failed renewal after 5 s.
//!
//! Every write carries the Lease's resourceVersion: two war rooms racing for a free or expired
//! lock get one 201/200 and one 409, and the loser is refused naming the winner.

use std::time::Duration;

use k8s_openapi::api::coordination::v1::Lease;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::Report;
use super::kube::{CallError, Kube, Res, Tag};
use crate::event::{LeaseRow, Outcome};
use crate::sources::kube::convert;

/// How long a hold lasts for others without a renewal.
pub const LEASE_DURATION: Duration = Duration::from_secs(30);
/// The holder gives the lock up as lost after failing to renew for this long.
pub const RENEW_DEADLINE: Duration = Duration::from_secs(20);
/// How often the holder renews (and retries a failed renewal).
pub const RETRY_PERIOD: Duration = Duration::from_secs(5);
/// Limit for the release when the war room stops (its tasks get 2 s to finish).
const RELEASE_TIMEOUT: Duration = Duration::from_millis(1500);

/// This war room's hold on the lock.
#[derive(Debug)]
struct Held {
    /// The Lease as last written.
    lease: Value,
    /// When it was last renewed.
    renewed: Instant,
}

/// The lock as one war room sees it.
#[derive(Debug)]
pub struct Lock {
    /// The Lease's name.
    pub name: String,
    /// `operator@host session`.
    pub identity: String,
    session: String,
    held: Option<Held>,
}

/// Why the lock could not be taken.
#[derive(Debug, Clone, PartialEq)]
pub struct NotTaken {
    /// The refusal or failure to report for the action.
    pub report: Report,
    /// The lock as read, when another holder has it.
    pub lease: Option<LeaseRow>,
}

fn micro(t: jiff::Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl Lock {
    /// The lock named `name`, held (once taken) as `operator@host session`.
    pub fn new(name: impl Into<String>, operator: &str, host: &str, session: &str) -> Self {
        Self {
            name: name.into(),
            identity: convert::holder_identity(operator, host, session),
            session: session.to_string(),
            held: None,
        }
    }

    /// Whether this war room holds the lock (renewed within the renew deadline).
    pub fn is_held(&self) -> bool {
        self.held
            .as_ref()
            .is_some_and(|h| h.renewed.elapsed() < RENEW_DEADLINE)
    }

    fn row(&self, lease: &Value) -> LeaseRow {
        serde_json::from_value::<Lease>(lease.clone())
            .map(|l| convert::lease_row(&l, Some(&self.session)))
            .unwrap_or_else(|_| LeaseRow {
                name: self.name.clone(),
                ..LeaseRow::default()
            })
    }

    fn ours(&self, lease: &Value) -> bool {
        lease["spec"]["holderIdentity"]
            .as_str()
            .is_some_and(|h| convert::is_ours(h, &self.session))
    }

    /// Another holder's hold that has not expired, as a refusal.
    fn held_by_other(&self, lease: &Value, now: jiff::Timestamp) -> Option<String> {
        let holder = lease["spec"]["holderIdentity"]
            .as_str()
            .filter(|h| !h.is_empty())?;
        if convert::is_ours(holder, &self.session) {
            return None;
        }
        let duration = lease["spec"]["leaseDurationSeconds"].as_i64().unwrap_or(0);
        let renewed = lease["spec"]["renewTime"]
            .as_str()
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        match renewed {
            // An expired hold may be taken over.
            Some(t) if now.duration_since(t).as_secs() >= duration => None,
            Some(t) => Some(format!(
                "the deployment lock lease/{} is held by {holder} (renewed {} s ago, held for {duration} s after each renewal); nothing was sent",
                self.name,
                now.duration_since(t).as_secs().max(0)
            )),
            // No renewal time: nothing says it expired.
            None => Some(format!(
                "the deployment lock lease/{} is held by {holder}; nothing was sent",
                self.name
            )),
        }
    }

    fn spec_for(&self, lease: Option<&Value>, now: jiff::Timestamp) -> Value {
        let taken_over = lease.is_none_or(|l| !self.ours(l));
        let transitions = lease
            .and_then(|l| l["spec"]["leaseTransitions"].as_i64())
            .unwrap_or(0);
        let acquired = match lease {
            Some(l) if !taken_over => l["spec"]["acquireTime"].clone(),
            _ => json!(micro(now)),
        };
        json!({
            "holderIdentity": self.identity,
            "leaseDurationSeconds": secs(LEASE_DURATION),
            "acquireTime": acquired,
            "renewTime": micro(now),
            "leaseTransitions": if taken_over && lease.is_some() { transitions + 1 } else { transitions },
        })
    }

    /// Takes the lock if it is free, expired or already ours. Returns the lock as newly
    /// taken (to report), or nothing when it was held already.
    /// The lease is annotated with the session that holds it (the lock is the session's, not
    /// one action's, so its renewals are not counted as any action's writes).
    pub async fn acquire(&mut self, k: &Kube, tag: &Tag<'_>) -> Result<Option<LeaseRow>, NotTaken> {
        let annotations = json!({ super::kube::ANN_SESSION: tag.session });
        if self.is_held() {
            return Ok(None);
        }
        // A lost race is looked at once more: the winner is named, never retried blindly.
        for _ in 0..2 {
            let now = jiff::Timestamp::now();
            let current = k
                .get_opt(Res::Lease, &self.name)
                .await
                .map_err(|e| self.failed(&e))?;
            if let Some(l) = &current
                && let Some(why) = self.held_by_other(l, now)
            {
                return Err(NotTaken {
                    report: Report::refused(why),
                    lease: Some(self.row(l)),
                });
            }
            let written = match &current {
                None => {
                    let obj = json!({
                        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                        "metadata": {"name": self.name, "annotations": annotations},
                        "spec": self.spec_for(None, now),
                    });
                    k.create(Res::Lease, &obj).await
                }
                Some(l) => {
                    let mut obj = l.clone();
                    obj["spec"] = self.spec_for(Some(l), now);
                    super::write::merge_into(
                        &mut obj,
                        json!({"metadata": {"annotations": annotations}}),
                    );
                    k.replace(Res::Lease, &self.name, &obj).await
                }
            };
            match written {
                Ok(lease) => {
                    let row = self.row(&lease);
                    self.held = Some(Held {
                        lease,
                        renewed: Instant::now(),
                    });
                    return Ok(Some(row));
                }
                Err(CallError::Status { code: 409, .. }) => {}
                Err(e) => return Err(self.failed(&e)),
            }
        }
        Err(NotTaken {
            report: Report::refused(format!(
                "the deployment lock lease/{} keeps changing under this war room (409 twice); nothing was sent",
                self.name
            )),
            lease: None,
        })
    }

    fn failed(&self, e: &CallError) -> NotTaken {
        NotTaken {
            report: Report {
                outcome: Outcome::Failed,
                detail: format!(
                    "cannot take the deployment lock lease/{}: {}; nothing was sent",
                    self.name,
                    e.describe()
                ),
                ..Report::default()
            },
            lease: None,
        }
    }

    /// Renews a held lock. Returns the lock as seen when another war room turned out to hold
    /// it (the hold is then lost); a renewal that keeps failing loses the hold silently after
    /// the renew deadline (the cluster still names this war room until the lease expires).
    pub async fn renew(&mut self, k: &Kube) -> Option<LeaseRow> {
        let held = self.held.as_ref()?;
        if held.renewed.elapsed() >= RENEW_DEADLINE {
            self.held = None;
            return None;
        }
        let mut obj = held.lease.clone();
        obj["spec"]["renewTime"] = json!(micro(jiff::Timestamp::now()));
        match k.replace(Res::Lease, &self.name, &obj).await {
            Ok(lease) => {
                self.held = Some(Held {
                    lease,
                    renewed: Instant::now(),
                });
                None
            }
            Err(CallError::Status { code: 409, .. }) => {
                match k.get_opt(Res::Lease, &self.name).await {
                    Ok(Some(now)) if self.ours(&now) => {
                        // Our own hold, written meanwhile: keep it and renew from there.
                        if let Some(h) = self.held.as_mut() {
                            h.lease = now;
                        }
                        None
                    }
                    Ok(Some(now)) => {
                        self.held = None;
                        Some(self.row(&now))
                    }
                    Ok(None) => {
                        self.held = None;
                        Some(LeaseRow {
                            name: self.name.clone(),
                            ..LeaseRow::default()
                        })
                    }
                    Err(_) => None,
                }
            }
            Err(_) => None,
        }
    }

    /// Releases a held lock (holder cleared, as client-go does on a clean stop); returns the
    /// lock as left, if the release was written.
    pub async fn release(&mut self, k: &Kube) -> Option<LeaseRow> {
        let held = self.held.take()?;
        let mut obj = held.lease;
        let now = jiff::Timestamp::now();
        if let Some(spec) = obj["spec"].as_object_mut() {
            spec.remove("holderIdentity");
        }
        obj["spec"]["leaseDurationSeconds"] = json!(1);
        obj["spec"]["renewTime"] = json!(micro(now));
        obj["spec"]["acquireTime"] = json!(micro(now));
        let written =
            tokio::time::timeout(RELEASE_TIMEOUT, k.replace(Res::Lease, &self.name, &obj))
                .await
                .ok()?
                .ok()?;
        Some(self.row(&written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_go_ordering_holds() {
        assert!(LEASE_DURATION > RENEW_DEADLINE);
        assert!(RENEW_DEADLINE > RETRY_PERIOD);
    }

    #[test]
    fn another_holder_until_expiry() {
        let lock = Lock::new("warroom-app", "alice", "laptop", "s-1");
        assert_eq!(lock.identity, "alice@laptop s-1");
        let now: jiff::Timestamp = "2026-11-24T15:00:30Z".parse().expect("time");
        let lease = |holder: &str, renewed: &str| {
            json!({"metadata": {"name": "warroom-app"}, "spec": {"holderIdentity": holder,
                "leaseDurationSeconds": 30, "renewTime": renewed}})
        };
        let why = lock
            .held_by_other(&lease("bob@ops s-2", "2026-11-24T15:00:20.000000Z"), now)
            .expect("held");
        assert!(
            why.contains("held by bob@ops s-2 (renewed 10 s ago"),
            "{why}"
        );
        assert_eq!(
            lock.held_by_other(&lease("bob@ops s-2", "2026-11-24T14:59:59.000000Z"), now),
            None,
            "expired"
        );
        assert_eq!(
            lock.held_by_other(
                &lease("alice@laptop s-1", "2026-11-24T15:00:29.000000Z"),
                now
            ),
            None,
            "ours"
        );
        assert_eq!(
            lock.held_by_other(&lease("", "2026-11-24T15:00:29Z"), now),
            None
        );
        let spec = lock.spec_for(Some(&lease("bob@ops s-2", "2026-11-24T14:00:00Z")), now);
        assert_eq!(spec["holderIdentity"], "alice@laptop s-1");
        assert_eq!(spec["leaseTransitions"], 1);
        assert_eq!(spec["renewTime"], "2026-11-24T15:00:30.000000Z");
    }
}
