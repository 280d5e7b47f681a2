//! Effects: what `reduce` asks the runtime to do. Live runs them; replay drops them.

use crate::config::warroom::WarroomConfig;

/// Something to run outside the reducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Start the live sources the recorded config names (once per run).
    StartSources(Box<WarroomConfig>),
    /// The session ended: stop sources and leave the loop once the log is flushed.
    Shutdown,
}
