//! The simulator: a Kubernetes API subset, a service under synthetic traffic with
//! Prometheus `/metrics` and `/health`, scenario faults, and a config writer — so the war
//! room, kubectl and a real Prometheus can all be tried with nothing installed.

pub mod api;
pub mod config_writer;
pub mod controller;
pub mod crud;
pub mod delete;
pub mod faults;
pub mod managed;
pub mod metrics;
pub mod objects;
pub mod openapi;
pub mod patch;
pub mod pods;
pub mod rbac;
pub mod requests;
pub mod resources;
pub mod rng;
pub mod rollout_status;
pub mod routing;
pub mod scale;
pub mod scenario;
pub mod selector;
pub mod server;
pub mod status;
pub mod store;
pub mod table;
pub mod traffic;
pub mod validate;
pub mod watch;
pub mod world;
pub mod write_fault;

use std::net::SocketAddr;
use std::time::Duration;

pub use routing::RoutingMode;
pub use scenario::Scenario;
pub use server::{Running, start};

/// The demo runbook shipped with the binary (a condensed seed-002 checklist).
pub const DEMO_RUNBOOK: &str = include_str!("../../docs/examples/demo.toml");

/// How a simulator is set up.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Which faults the candidate starts with.
    pub scenario: Scenario,
    /// Seeds traffic, names and UIDs.
    pub seed: u64,
    /// Requests per second.
    pub rps: f64,
    /// Replicas of each Deployment.
    pub replicas: u32,
    /// One pod lifecycle step (start, ready, terminate; crash loops scale from it).
    pub pod_step: Duration,
    /// The simulated clock's step.
    pub tick: Duration,
    /// How requests are routed.
    pub routing: RoutingMode,
    /// The clock moves only through `POST /sim/advance` (reproducible runs).
    pub manual_clock: bool,
    /// The users known by bearer token (requests without one are the default user).
    pub users: Vec<rbac::SimUser>,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            scenario: Scenario::Healthy,
            seed: 1,
            rps: 200.0,
            replicas: 3,
            pod_step: Duration::from_millis(300),
            tick: Duration::from_millis(50),
            routing: RoutingMode::ServiceSelector,
            manual_clock: false,
            users: rbac::SimUser::defaults(),
        }
    }
}

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The starting objects could not be built (a bug).
    #[error("cannot build the simulated cluster: {0}")]
    Setup(String),
    /// The config files could not be written.
    #[error("cannot write the config to {dir}: {source}")]
    WriteConfig {
        /// The directory.
        dir: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
