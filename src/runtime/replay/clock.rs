//! The replay clock: where in the session the screen is, whether it plays, and how fast. It
//! moves only when told how much wall time passed, so tests drive it without waiting.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

/// The speeds `+` and `-` step through.
pub const LADDER: [u32; 10] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/// How long "skip idle" holds on each event it jumps to, in wall time.
pub const SKIP_HOLD: Duration = Duration::from_secs(1);

/// How fast the replay plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speed {
    /// This many session seconds per wall second.
    Times(u32),
    /// Jump from one human or production event to the next, holding each for `SKIP_HOLD`.
    SkipIdle,
}

impl Speed {
    /// The next speed up (skip idle is above 1000×).
    pub fn faster(self) -> Self {
        match self {
            Speed::Times(x) => LADDER
                .iter()
                .copied()
                .find(|&s| s > x)
                .map_or(Speed::SkipIdle, Speed::Times),
            Speed::SkipIdle => Speed::SkipIdle,
        }
    }

    /// The next speed down (1× is the slowest).
    pub fn slower(self) -> Self {
        match self {
            Speed::Times(x) => Speed::Times(
                LADDER
                    .iter()
                    .copied()
                    .rev()
                    .find(|&s| s < x)
                    .unwrap_or(LADDER[0]),
            ),
            Speed::SkipIdle => Speed::Times(LADDER[LADDER.len() - 1]),
        }
    }

    /// `--speed N`: 1 to 1000 (any whole number in between plays at that speed).
    pub fn parse(s: &str) -> Result<Self, String> {
        if s == "skip-idle" {
            return Ok(Speed::SkipIdle);
        }
        let bad = || {
            format!(
                "'{s}' is not a speed; give a whole number from 1 to 1000 (e.g. --speed 10), or \
                 skip-idle"
            )
        };
        let x: u32 = s.trim_end_matches(['x', '×']).parse().map_err(|_| bad())?;
        if (1..=LADDER[LADDER.len() - 1]).contains(&x) {
            Ok(Speed::Times(x))
        } else {
            Err(bad())
        }
    }

    /// How the bar shows it.
    pub fn label(self) -> String {
        match self {
            Speed::Times(x) => format!("{x}×"),
            Speed::SkipIdle => "skip idle".to_string(),
        }
    }
}

/// Position, play state and speed.
#[derive(Debug, Clone)]
pub struct ReplayClock {
    /// Where the screen is in the session.
    pub position: Timestamp,
    /// Whether it moves.
    pub playing: bool,
    /// How fast.
    pub speed: Speed,
    /// Wall time spent on the current event while skipping idle.
    held: Duration,
}

impl ReplayClock {
    /// A clock at `position`.
    pub fn new(position: Timestamp, speed: Speed, playing: bool) -> Self {
        Self {
            position,
            playing,
            speed,
            held: Duration::ZERO,
        }
    }

    /// Where playing at `Times(x)` takes the position after `wall` passed; `None` while
    /// paused or skipping idle (which moves by events, see `hold`).
    pub fn advance(&self, wall: Duration) -> Option<Timestamp> {
        let Speed::Times(x) = self.speed else {
            return None;
        };
        if !self.playing {
            return None;
        }
        let ns = wall.as_nanos().saturating_mul(u128::from(x));
        let d = SignedDuration::from_nanos(i64::try_from(ns).unwrap_or(i64::MAX));
        Some(self.position.checked_add(d).unwrap_or(Timestamp::MAX))
    }

    /// While skipping idle: counts `wall` against the hold, and says whether it is time to
    /// jump to the next event.
    pub fn hold(&mut self, wall: Duration) -> bool {
        if !self.playing || self.speed != Speed::SkipIdle {
            self.held = Duration::ZERO;
            return false;
        }
        self.held += wall;
        if self.held >= SKIP_HOLD {
            self.held = Duration::ZERO;
            true
        } else {
            false
        }
    }

    /// Play or pause.
    pub fn toggle(&mut self) {
        self.playing = !self.playing;
        self.held = Duration::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ladder_goes_from_one_to_a_thousand_then_skips_idle() {
        let mut s = Speed::Times(1);
        let mut seen = vec![s];
        for _ in 0..12 {
            s = s.faster();
            seen.push(s);
        }
        assert_eq!(seen[9], Speed::Times(1000));
        assert_eq!(seen[10], Speed::SkipIdle);
        assert_eq!(seen[12], Speed::SkipIdle);
        assert_eq!(Speed::SkipIdle.slower(), Speed::Times(1000));
        assert_eq!(Speed::Times(1).slower(), Speed::Times(1));
        assert_eq!(Speed::Times(7).faster(), Speed::Times(10));
        assert_eq!(Speed::Times(7).slower(), Speed::Times(5));
    }

    #[test]
    fn speeds_parse_in_range_only() {
        assert_eq!(Speed::parse("10"), Ok(Speed::Times(10)));
        assert_eq!(Speed::parse("4x"), Ok(Speed::Times(4)));
        assert_eq!(Speed::parse("skip-idle"), Ok(Speed::SkipIdle));
        for bad in ["0", "1001", "fast", "-3"] {
            assert!(Speed::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn playing_moves_by_wall_time_times_speed() {
        let t0 = Timestamp::from_second(1000).expect("ts");
        let mut c = ReplayClock::new(t0, Speed::Times(10), true);
        let t = c.advance(Duration::from_millis(150)).expect("plays");
        assert_eq!(t.duration_since(t0), SignedDuration::from_millis(1500));
        c.toggle();
        assert_eq!(c.advance(Duration::from_secs(1)), None);
    }

    #[test]
    fn skipping_idle_holds_each_event_for_a_second() {
        let t0 = Timestamp::from_second(1000).expect("ts");
        let mut c = ReplayClock::new(t0, Speed::SkipIdle, true);
        assert!(c.advance(Duration::from_secs(5)).is_none());
        assert!(!c.hold(Duration::from_millis(600)));
        assert!(c.hold(Duration::from_millis(600)));
        assert!(!c.hold(Duration::from_millis(100)));
    }
}
