//! What runs the reducer: the shared core used by the terminal and headless loops, and replay
//! (a recorded file, driven by a replay clock).

pub mod approvals;
pub mod core;
pub mod driver;
pub mod follow;
pub mod live;
pub mod prepare;
pub mod replay;
pub mod supervise;
