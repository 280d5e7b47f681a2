//! Pod lifecycles: Pending → Running → Ready, crash loops with back-off, and graceful
//! termination. The table here is the authority on timing; the store holds what the API shows.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde_json::{Value, json};

use super::resources::Kind;
use super::rng::{Rng, fnv1a};
use super::status::ApiError;
use super::store::{Key, Store, stamp};

/// How long lifecycle steps take, in simulated milliseconds.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// The base step: scheduling, container start, readiness and graceful termination each
    /// take this long; crash loops scale from it.
    pub step_ms: u64,
}

impl Timing {
    fn backoff_ms(self, restarts: u32) -> u64 {
        // Like the kubelet's 10 s, 20 s, 40 s … back-off, scaled to the simulator's step.
        self.step_ms * 4 * (1u64 << restarts.saturating_sub(1).min(3))
    }
}

/// Where a pod is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PodState {
    /// Scheduled, container being created.
    Pending,
    /// Container running, not ready yet.
    Starting,
    /// Running and ready: serves traffic.
    Ready,
    /// The container exited; waiting in CrashLoopBackOff.
    Backoff,
    /// Deleted gracefully; removed when the grace period ends.
    Terminating,
}

/// One simulated pod.
#[derive(Debug, Clone)]
pub struct PodSim {
    /// Owning ReplicaSet ("" for a bare pod).
    pub rs: String,
    /// The pod's `version` label (the colour traffic and faults are keyed by).
    pub colour: String,
    /// Lifecycle state.
    pub state: PodState,
    /// Simulated ms at which the state next changes (`u64::MAX`: never by itself).
    pub until: u64,
    /// Container restarts so far.
    pub restarts: u32,
    created: Timestamp,
    running_since: Option<Timestamp>,
    last_term: Option<(Timestamp, Timestamp)>,
    /// Creation order, for picking the newest pods to remove first.
    pub order: u64,
    ip: String,
    node: u32,
}

/// Counts for one ReplicaSet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Pods not terminating.
    pub live: i64,
    /// Live pods that are ready.
    pub ready: i64,
}

/// Every simulated pod, by namespace and name.
#[derive(Debug, Default)]
pub struct PodTable {
    pods: BTreeMap<(String, String), PodSim>,
    order: u64,
}

/// What a new pod is made from.
#[derive(Debug)]
pub struct NewPod<'a> {
    /// Namespace.
    pub ns: &'a str,
    /// A fixed name (bare pods); ReplicaSet pods get `<rs>-<suffix>`.
    pub name: Option<&'a str>,
    /// Owning ReplicaSet name and uid (empty for a bare pod).
    pub owner: (&'a str, &'a str),
    /// The pod template (`metadata` + `spec`).
    pub template: &'a Value,
    /// Start already ready (the simulator's initial steady state).
    pub instant: bool,
}

impl PodTable {
    /// One pod's record.
    pub fn get(&self, ns: &str, name: &str) -> Option<&PodSim> {
        self.pods.get(&(ns.to_string(), name.to_string()))
    }

    /// All pods with their namespace and name.
    pub fn iter(&self) -> impl Iterator<Item = (&(String, String), &PodSim)> {
        self.pods.iter()
    }

    /// Creates a pod in the store and starts its lifecycle.
    pub fn create(
        &mut self,
        store: &mut Store,
        rng: &mut Rng,
        new: &NewPod<'_>,
        now_ms: u64,
        timing: Timing,
    ) -> Result<String, ApiError> {
        let (rs, rs_uid) = new.owner;
        let prefix = if rs.is_empty() { "pod" } else { rs };
        let mut name = new
            .name
            .map_or_else(|| format!("{prefix}-{}", rng.suffix(5)), str::to_string);
        while new.name.is_none() && store.get(&Key::new(Kind::Pod, new.ns, &name)).is_some() {
            name = format!("{prefix}-{}", rng.suffix(5));
        }
        let mut meta = new.template.get("metadata").cloned().unwrap_or(json!({}));
        meta["name"] = json!(name);
        if !rs.is_empty() {
            meta["generateName"] = json!(format!("{rs}-"));
            meta["ownerReferences"] = json!([{
                "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": rs_uid,
                "controller": true, "blockOwnerDeletion": true,
            }]);
        }
        self.order += 1;
        let node = (self.order % 3) as u32 + 1;
        let mut spec = new.template.get("spec").cloned().unwrap_or(json!({}));
        spec["nodeName"] = json!(format!("sim-node-{node}"));
        let colour = meta["labels"]["version"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let pod = json!({"metadata": meta, "spec": spec, "status": {"phase": "Pending"}});
        let created = store.now;
        store.create(Key::new(Kind::Pod, new.ns, &name), pod)?;
        let n = self.order;
        let mut sim = PodSim {
            rs: rs.to_string(),
            colour,
            state: PodState::Pending,
            until: now_ms + timing.step_ms,
            restarts: 0,
            created,
            running_since: None,
            last_term: None,
            order: n,
            ip: format!("10.244.{}.{}", (n / 250) % 250, n % 250 + 2),
            node,
        };
        if new.instant {
            sim.state = PodState::Starting;
            sim.running_since = Some(created);
            sim.until = now_ms;
        }
        let key = (new.ns.to_string(), name.clone());
        write_status(store, &key, &sim);
        self.pods.insert(key, sim);
        Ok(name)
    }

    /// Starts graceful termination of a pod (API delete or scale-down).
    pub fn terminate(&mut self, store: &mut Store, ns: &str, name: &str, now_ms: u64, t: Timing) {
        let key = (ns.to_string(), name.to_string());
        let Some(sim) = self.pods.get_mut(&key) else {
            return;
        };
        if sim.state == PodState::Terminating {
            return;
        }
        sim.state = PodState::Terminating;
        sim.until = now_ms + t.step_ms;
        let skey = Key::new(Kind::Pod, ns, name);
        if let Some(mut obj) = store.get(&skey).cloned() {
            obj["metadata"]["deletionTimestamp"] = json!(stamp(store.now));
            obj["metadata"]["deletionGracePeriodSeconds"] = json!(30);
            let _ = store.update(&skey, obj);
        }
    }

    /// Makes ready pods of crash-looping colours crash soon, and lets the others recover.
    pub fn reschedule(&mut self, now_ms: u64, t: Timing, crashing: &dyn Fn(&str) -> bool) {
        for sim in self.pods.values_mut() {
            if sim.state == PodState::Ready && crashing(&sim.colour) {
                sim.until = now_ms + t.step_ms;
            }
        }
    }

    /// The earliest simulated time at which some pod changes state.
    pub fn next_due(&self) -> u64 {
        self.pods
            .values()
            .map(|p| p.until)
            .min()
            .unwrap_or(u64::MAX)
    }

    /// Moves every pod whose time has come; returns whether anything changed.
    pub fn advance(
        &mut self,
        store: &mut Store,
        now_ms: u64,
        t: Timing,
        crashing: &dyn Fn(&str) -> bool,
    ) -> bool {
        // Pods removed through the API without passing here (should not happen) are dropped.
        self.pods
            .retain(|(ns, name), _| store.get(&Key::new(Kind::Pod, ns, name)).is_some());
        let due: Vec<(String, String)> = self
            .pods
            .iter()
            .filter(|(_, p)| p.until <= now_ms)
            .map(|(k, _)| k.clone())
            .collect();
        let changed = !due.is_empty();
        for key in due {
            let Some(sim) = self.pods.get_mut(&key) else {
                continue;
            };
            let crash = crashing(&sim.colour);
            match sim.state {
                PodState::Terminating => {
                    let _ = store.delete(&Key::new(Kind::Pod, &key.0, &key.1));
                    self.pods.remove(&key);
                    continue;
                }
                PodState::Pending | PodState::Backoff => {
                    sim.state = PodState::Starting;
                    sim.running_since = Some(store.now);
                    sim.until = now_ms + t.step_ms;
                }
                PodState::Starting | PodState::Ready if crash => {
                    sim.restarts += 1;
                    let started = sim.running_since.unwrap_or(store.now);
                    sim.last_term = Some((started, store.now));
                    sim.state = PodState::Backoff;
                    sim.until = now_ms + t.backoff_ms(sim.restarts);
                }
                PodState::Starting | PodState::Ready => {
                    sim.state = PodState::Ready;
                    sim.until = u64::MAX;
                }
            }
            write_status(store, &key, sim);
        }
        changed
    }

    /// Live and ready pods per (namespace, ReplicaSet).
    pub fn counts(&self) -> HashMap<(String, String), Counts> {
        let mut out: HashMap<(String, String), Counts> = HashMap::new();
        for ((ns, _), p) in &self.pods {
            if p.state == PodState::Terminating {
                continue;
            }
            let c = out.entry((ns.clone(), p.rs.clone())).or_default();
            c.live += 1;
            c.ready += i64::from(p.state == PodState::Ready);
        }
        out
    }

    /// The live pods of one ReplicaSet, least valuable first (not ready, then newest).
    pub fn removal_order(&self, ns: &str, rs: &str) -> Vec<String> {
        let mut v: Vec<(&(String, String), &PodSim)> = self
            .pods
            .iter()
            .filter(|((n, _), p)| n == ns && p.rs == rs && p.state != PodState::Terminating)
            .collect();
        v.sort_by_key(|(_, p)| (p.state == PodState::Ready, std::cmp::Reverse(p.order)));
        v.into_iter().map(|((_, name), _)| name.clone()).collect()
    }
}

fn container_id(name: &str, restarts: u32) -> String {
    let h = |s: &str| fnv1a(s.as_bytes());
    let seed = format!("{name}/{restarts}");
    format!(
        "containerd://{:016x}{:016x}{:016x}{:016x}",
        h(&seed),
        h(&format!("{seed}a")),
        h(&format!("{seed}b")),
        h(&format!("{seed}c"))
    )
}

fn condition(kind: &str, ok: bool, at: &str) -> Value {
    let mut c = json!({"type": kind, "status": if ok { "True" } else { "False" },
        "lastProbeTime": null, "lastTransitionTime": at});
    if !ok && (kind == "Ready" || kind == "ContainersReady") {
        c["reason"] = json!("ContainersNotReady");
        c["message"] = json!("containers with unready status: [app]");
    }
    c
}

/// The pod `status` the kubelet would report for this state.
fn status(obj: &Value, name: &str, sim: &PodSim) -> Value {
    let created = stamp(sim.created);
    let since = sim
        .running_since
        .map(stamp)
        .unwrap_or_else(|| created.clone());
    let ready = sim.state == PodState::Ready;
    let running = matches!(sim.state, PodState::Starting | PodState::Ready);
    let started = sim.state != PodState::Pending;
    let cid = container_id(name, sim.restarts);
    let containers = obj["spec"]["containers"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let statuses: Vec<Value> = containers
        .iter()
        .map(|c| {
            let state = match sim.state {
                PodState::Pending => json!({"waiting": {"reason": "ContainerCreating"}}),
                PodState::Backoff => json!({"waiting": {"reason": "CrashLoopBackOff",
                    "message": format!("back-off {}s restarting failed container={} pod={name}_{}({})",
                        10u32 << sim.restarts.saturating_sub(1).min(3),
                        c["name"].as_str().unwrap_or("app"),
                        obj["metadata"]["namespace"].as_str().unwrap_or_default(),
                        obj["metadata"]["uid"].as_str().unwrap_or_default())}}),
                _ => json!({"running": {"startedAt": since}}),
            };
            let last = sim.last_term.map_or(json!({}), |(s, f)| {
                json!({"terminated": {"exitCode": 1, "reason": "Error", "startedAt": stamp(s),
                    "finishedAt": stamp(f), "containerID": container_id(name, sim.restarts.saturating_sub(1))}})
            });
            let image = c["image"].as_str().unwrap_or_default();
            let mut s = json!({
                "name": c["name"], "image": image, "imageID": image_id(image),
                "ready": ready, "started": running, "restartCount": sim.restarts,
                "state": state, "lastState": last,
            });
            if started {
                s["containerID"] = json!(cid);
            }
            s
        })
        .collect();
    let mut st = json!({
        "phase": if started { "Running" } else { "Pending" },
        "conditions": [
            condition("PodReadyToStartContainers", started, &created),
            condition("Initialized", true, &created),
            condition("Ready", ready, &since),
            condition("ContainersReady", ready, &since),
            condition("PodScheduled", true, &created),
        ],
        "hostIP": format!("10.0.0.{}", sim.node + 10),
        "hostIPs": [{"ip": format!("10.0.0.{}", sim.node + 10)}],
        "startTime": created,
        "qosClass": "BestEffort",
        "containerStatuses": statuses,
    });
    if started {
        st["podIP"] = json!(sim.ip);
        st["podIPs"] = json!([{"ip": sim.ip}]);
    }
    st
}

fn write_status(store: &mut Store, key: &(String, String), sim: &PodSim) {
    let skey = Key::new(Kind::Pod, &key.0, &key.1);
    if let Some(mut obj) = store.get(&skey).cloned() {
        obj["status"] = status(&obj, &key.1, sim);
        let _ = store.update(&skey, obj);
    }
}

/// What a kubelet reports as a container's `imageID`: the repository and the digest it pulled,
/// which for an image pinned by digest is that digest (and otherwise a synthetic, stable one).
fn image_id(image: &str) -> String {
    let (name, digest) = image.split_once('@').unwrap_or((image, ""));
    // The repository without its tag: the tag follows the last ':' after the last '/'.
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let repo = name[slash..]
        .find(':')
        .map_or(name, |colon| &name[..slash + colon]);
    if digest.starts_with("sha256:") {
        return format!("{repo}@{digest}");
    }
    let h = fnv1a(image.as_bytes());
    format!("{repo}@sha256:{h:016x}{:016x}{h:016x}{:016x}", !h, !h)
}
