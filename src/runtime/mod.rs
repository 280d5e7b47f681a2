//! What runs the reducer: the shared core used by the terminal and headless loops.

pub mod approvals;
pub mod core;
pub mod driver;
pub mod live;
pub mod prepare;
pub mod supervise;
