//! The simulator's whole state behind one mutex: objects, pods, traffic, faults and the
//! simulated clock. Every step of the clock runs the pod lifecycles, the controllers and one
//! tick of traffic, in that order, so the same seed and steps give the same numbers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use jiff::{SignedDuration, Timestamp};

use super::faults::{FaultError, FaultRequest, Faults};
use super::objects::{self, CANDIDATE, NAMESPACE, STABLE};
use super::pods::{PodTable, Timing};
use super::resources::Kind;
use super::rng::Rng;
use super::routing::{RoutingMode, Split, split};
use super::traffic::Traffic;
use super::{SimOptions, controller};

/// Everything the simulator knows.
#[derive(Debug)]
pub struct World {
    /// The API objects.
    pub store: super::store::Store,
    /// Pod lifecycles.
    pub pods: PodTable,
    /// Traffic counters.
    pub traffic: Traffic,
    /// Active faults.
    pub faults: Faults,
    /// Names and other non-traffic randomness.
    pub rng: Rng,
    /// Simulated milliseconds since start.
    pub now_ms: u64,
    /// Lifecycle timing.
    pub timing: Timing,
    /// How requests are routed.
    pub routing: RoutingMode,
    /// Pods created now start ready (only while building the initial steady state).
    pub bootstrapping: bool,
    /// Something changed through the API: run the controllers on the next step.
    pub dirty: bool,
    tick_ms: u64,
    start: Timestamp,
    split_cache: Option<(u64, RoutingMode, Split)>,
    /// Per Deployment: the last (updated, ready, total) pod counts and when they changed,
    /// for the progress deadline.
    pub progress: HashMap<super::store::Key, ((i64, i64, i64), u64)>,
    /// Every write the API received (`GET /sim/requests`).
    pub writes: super::requests::WriteLog,
}

/// The shared handle every HTTP handler and the clock task use.
pub type Shared = Arc<Mutex<World>>;

/// Locks the world; a panic in another holder does not make the state unusable here.
pub fn lock(shared: &Shared) -> MutexGuard<'_, World> {
    shared
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl World {
    /// Builds the starting state for a scenario, already settled (pods ready).
    pub fn new(opts: &SimOptions) -> Result<Self, super::SimError> {
        let mut faults = Faults::new(opts.rps);
        opts.scenario.apply(&mut faults, CANDIDATE.0);
        let start = Timestamp::now();
        let mut store = super::store::Store::new(opts.seed);
        store.now = start;
        // With replica-ratio routing every ready pod serves, so the candidate starts scaled to
        // zero: 0 % of traffic until a shift scales it up.
        let candidate_replicas = match opts.routing {
            RoutingMode::ReplicaRatio => 0,
            _ => opts.replicas,
        };
        objects::seed(&mut store, opts.replicas, candidate_replicas)
            .map_err(|e| super::SimError::Setup(e.to_string()))?;
        let mut w = Self {
            store,
            pods: PodTable::default(),
            traffic: Traffic::new(opts.seed, &[STABLE.0, CANDIDATE.0]),
            faults,
            rng: Rng::new(opts.seed ^ 0x5eed),
            now_ms: 0,
            timing: Timing {
                step_ms: opts.pod_step.as_millis() as u64,
            },
            routing: opts.routing,
            bootstrapping: true,
            dirty: true,
            tick_ms: opts.tick.as_millis().max(1) as u64,
            start,
            split_cache: None,
            progress: HashMap::new(),
            writes: super::requests::WriteLog::default(),
        };
        // Settle: create ReplicaSets and pods, let them become ready, write statuses.
        for _ in 0..3 {
            controller::reconcile(&mut w);
            let faults = &w.faults;
            w.pods
                .advance(&mut w.store, 0, w.timing, &|c| faults.crashing(c));
        }
        controller::reconcile(&mut w);
        w.bootstrapping = false;
        w.dirty = false;
        Ok(w)
    }

    /// The simulated clock's step, in ms.
    pub fn tick_ms(&self) -> u64 {
        self.tick_ms
    }

    /// Runs clock steps until the simulated time reaches `target_ms`.
    pub fn advance_to(&mut self, target_ms: u64) {
        while self.now_ms + self.tick_ms <= target_ms {
            self.now_ms += self.tick_ms;
            self.step();
        }
    }

    fn step(&mut self) {
        self.store.now = self
            .start
            .checked_add(SignedDuration::from_millis(self.now_ms as i64))
            .unwrap_or(self.start);
        let faults = &self.faults;
        let moved = self.pods.next_due() <= self.now_ms
            && self
                .pods
                .advance(&mut self.store, self.now_ms, self.timing, &|c| {
                    faults.crashing(c)
                });
        if moved || self.dirty {
            self.dirty = false;
            controller::reconcile(self);
        }
        let weights = self.split().weights;
        self.traffic.step(self.tick_ms, &weights, &self.faults);
    }

    /// The current routing split (cached until an object changes).
    pub fn split(&mut self) -> Split {
        let rv = self.store.rv();
        match &self.split_cache {
            Some((at, mode, s)) if *at == rv && *mode == self.routing => s.clone(),
            _ => {
                let s = split(&self.store, &self.pods, NAMESPACE, self.routing);
                self.split_cache = Some((rv, self.routing, s.clone()));
                s
            }
        }
    }

    /// Maps a version as a user names it (colour or release) to the colour.
    pub fn colour_of(&self, version: &str) -> String {
        for (_, d) in self.store.list(Kind::Deployment, Some(NAMESPACE)) {
            let labels = &d["spec"]["template"]["metadata"]["labels"];
            if (labels["app.kubernetes.io/version"] == version || labels["version"] == version)
                && let Some(c) = labels["version"].as_str()
            {
                return c.to_string();
            }
        }
        version.to_string()
    }

    /// Applies `POST /sim/faults`.
    pub fn apply_fault(&mut self, req: &FaultRequest) -> Result<(), FaultError> {
        if req.path_prefix.is_none() && req.fault.as_deref() == Some("compact") {
            self.store.compact();
            return Ok(());
        }
        let colour = req.version.as_deref().map(|v| self.colour_of(v));
        self.faults.apply(req, colour.as_deref())?;
        let faults = &self.faults;
        self.pods
            .reschedule(self.now_ms, self.timing, &|c| faults.crashing(c));
        self.dirty = true;
        Ok(())
    }
}
