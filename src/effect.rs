//! Effects: what `reduce` asks the runtime to do. Live runs them; replay drops them.

/// Something to run outside the reducer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The session ended: stop sources and leave the loop once the log is flushed.
    Shutdown,
}
