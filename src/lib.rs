//! warroom: a terminal war room for production deployments.
//!
//! The crate is a library so tests and benchmarks drive the same code as the binary.
#![forbid(unsafe_code)]

// Replay decodes a million small events across threads; glibc malloc spends much of that in
// frees of memory allocated on another thread.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

pub mod actions;
pub mod app;
pub mod checks;
pub mod cli;
pub mod commands;
pub mod comms;
pub mod config;
pub mod control;
pub mod effect;
pub mod error;
pub mod event;
pub mod headless;
pub mod metrics;
pub mod prom;
pub mod reduce;
pub mod release;
pub mod report;
pub mod runbook;
pub mod runtime;
pub mod session;
pub mod sign;
pub mod sim;
pub mod sources;
pub mod state;
pub mod ui;
pub mod verdict;
