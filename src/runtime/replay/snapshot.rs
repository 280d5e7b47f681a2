//! Periodic copies of the state, so a seek starts from the nearest one before it instead of
//! from the first line. The signal history dominates a state (a day of samples is hundreds of
//! thousands of points), and it only grows at the end and drops from the front, so it is kept
//! once: each series' points go into one append-only arena, and a snapshot holds, per series,
//! the range of the arena that was its history at that moment. Everything else in the state
//! is small and is cloned whole.
//!
//! A snapshot is taken from the state the sequential pass built, and restoring it gives that
//! state back exactly (a test compares them), so a seek that replays the lines after it lands
//! on the state playing from the start gives.

use std::collections::{BTreeMap, VecDeque};

use crate::event::Signal;
use crate::state::State;
use crate::state::live::{SignalPoint, SignalSeries};

/// One series' history at a snapshot: `arena[start..end]`, and why its latest reading is
/// unknown, if it is.
#[derive(Debug, Clone)]
struct SeriesAt {
    signal: Signal,
    version: String,
    start: usize,
    end: usize,
    unknown: Option<String>,
}

/// A snapshot: how many lines were applied, the state without its signal history, and where
/// the history is in the arena.
#[derive(Debug)]
struct Snapshot {
    applied: usize,
    state: State,
    series: Vec<SeriesAt>,
}

/// Every snapshot of one replay, and the arena they share.
#[derive(Debug, Default)]
pub struct Snapshots {
    list: Vec<Snapshot>,
    arena: BTreeMap<(Signal, String), Arena>,
}

/// One series' points over every snapshot. `points[run..]` is in time order: the history
/// stored last, which the next snapshot's history usually continues.
#[derive(Debug, Default)]
struct Arena {
    points: Vec<SignalPoint>,
    run: usize,
}

impl Snapshots {
    /// Takes a snapshot of `state` after `applied` lines (later than any taken before).
    pub fn take(&mut self, applied: usize, state: &mut State) {
        let mut series = Vec::new();
        for (signal, versions) in &state.live.signals {
            for (version, s) in versions {
                let arena = self.arena.entry((*signal, version.clone())).or_default();
                let (start, end) = share(arena, &s.points);
                series.push(SeriesAt {
                    signal: *signal,
                    version: version.clone(),
                    start,
                    end,
                    unknown: s.unknown.clone(),
                });
            }
        }
        // The rest of the state is cloned with the history taken out (and put back after).
        let signals = std::mem::take(&mut state.live.signals);
        let copy = state.clone();
        state.live.signals = signals;
        self.list.push(Snapshot {
            applied,
            state: copy,
            series,
        });
    }

    /// The last snapshot at or before `applied` lines: its line count and its state.
    pub fn restore(&self, applied: usize) -> Option<(usize, State)> {
        let k = self.list.partition_point(|s| s.applied <= applied);
        let snap = self.list.get(k.checked_sub(1)?)?;
        let mut state = snap.state.clone();
        for s in &snap.series {
            let points = self
                .arena
                .get(&(s.signal, s.version.clone()))
                .and_then(|a| a.points.get(s.start..s.end))
                .map(|p| p.iter().copied().collect::<VecDeque<_>>())
                .unwrap_or_default();
            state.live.signals.entry(s.signal).or_default().insert(
                s.version.clone(),
                SignalSeries {
                    points,
                    unknown: s.unknown.clone(),
                },
            );
        }
        Some((snap.applied, state))
    }

    /// The line count of the last snapshot at or before `applied`.
    pub fn nearest(&self, applied: usize) -> Option<usize> {
        let k = self.list.partition_point(|s| s.applied <= applied);
        self.list.get(k.checked_sub(1)?).map(|s| s.applied)
    }

    /// How many snapshots.
    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Points held in the arena (each point of the history once, plus any history that had
    /// to be stored again because it changed other than at its ends).
    pub fn arena_points(&self) -> usize {
        self.arena.values().map(|a| a.points.len()).sum()
    }
}

/// Puts `points` into `arena`, sharing what the arena already ends with: history only grows
/// at its end and drops from its front, so the points are usually the arena's tail (from
/// where the history now starts) plus new ones. Anything else (a backfill inserted earlier
/// points) stores the whole history again. Returns its range in the arena.
fn share(arena: &mut Arena, points: &VecDeque<SignalPoint>) -> (usize, usize) {
    let len = arena.points.len();
    let Some(first) = points.front() else {
        return (len, len);
    };
    // Times within a series are strictly increasing, so where the history now starts in the
    // last stored run is found by bisection.
    let start = arena.run + arena.points[arena.run..].partition_point(|p| p.at < first.at);
    let overlap = len - start;
    let shared = overlap <= points.len()
        && arena.points[start..]
            .iter()
            .zip(points.iter())
            .all(|(a, b)| same(a, b));
    if shared {
        arena.points.extend(points.iter().skip(overlap).copied());
        (start, arena.points.len())
    } else {
        arena.run = len;
        arena.points.extend(points.iter().copied());
        (len, arena.points.len())
    }
}

/// The same point, bit for bit (values are finite or absent, but compare exactly anyway).
fn same(a: &SignalPoint, b: &SignalPoint) -> bool {
    a.at == b.at && a.value.map(f64::to_bits) == b.value.map(f64::to_bits)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;
    use jiff::Timestamp;

    fn p(s: i64, v: f64) -> SignalPoint {
        SignalPoint {
            at: Timestamp::from_second(s).unwrap(),
            value: Some(v),
        }
    }

    fn history(state: &mut State, points: &[SignalPoint]) {
        let s = state
            .live
            .signals
            .entry(Signal::ErrorRatio)
            .or_default()
            .entry("green".into())
            .or_default();
        s.points = points.iter().copied().collect();
        s.unknown = None;
    }

    #[test]
    fn growing_history_is_stored_once_and_restored_exactly() {
        let mut snaps = Snapshots::default();
        let mut state = State::default();
        let all: Vec<SignalPoint> = (0..10).map(|i| p(i, i as f64)).collect();
        history(&mut state, &all[0..4]);
        snaps.take(4, &mut state);
        // Two more points at the end, the oldest dropped from the front.
        history(&mut state, &all[1..6]);
        state.warnings.push("later".into());
        snaps.take(8, &mut state);
        assert_eq!(snaps.arena_points(), 6, "each point once");
        let (n, back) = snaps.restore(9).expect("a snapshot");
        assert_eq!(n, 8);
        assert_eq!(back.live, state.live);
        assert_eq!(back.warnings, vec!["later".to_string()]);
        let (n, first) = snaps.restore(5).expect("a snapshot");
        assert_eq!(n, 4);
        let pts: Vec<SignalPoint> = first.live.signals[&Signal::ErrorRatio]["green"]
            .points
            .iter()
            .copied()
            .collect();
        assert_eq!(pts, all[0..4].to_vec());
        assert!(first.warnings.is_empty());
        assert!(snaps.restore(3).is_none());
    }

    #[test]
    fn history_changed_in_the_middle_is_stored_again() {
        let mut snaps = Snapshots::default();
        let mut state = State::default();
        history(&mut state, &[p(10, 1.0), p(20, 2.0)]);
        snaps.take(1, &mut state);
        // A backfill put an earlier point in; a replaced value changed another.
        history(&mut state, &[p(5, 0.5), p(10, 1.0), p(20, 2.5)]);
        snaps.take(2, &mut state);
        assert_eq!(snaps.arena_points(), 5);
        assert_eq!(snaps.restore(2).expect("snap").1.live, state.live);
        // The next history continues the copy stored last, not the first one.
        history(&mut state, &[p(10, 1.0), p(20, 2.5), p(30, 3.0)]);
        snaps.take(3, &mut state);
        assert_eq!(snaps.arena_points(), 6);
        assert_eq!(snaps.restore(3).expect("snap").1.live, state.live);
        assert_eq!(
            snaps.restore(1).expect("snap").1.live.signals[&Signal::ErrorRatio]["green"]
                .points
                .len(),
            2
        );
    }
}
