//! Where every line of a replayed file is, and what it is: its byte offset, its time on the
//! replay clock, whether the chain vouches for it, and what kind of moment it records
//! (decision, approval, shift, rollback, alert, marker; and whether a human or production was
//! involved, which "skip idle" stops at). About 17 bytes a line: the file's events themselves
//! are never kept, they are read again from the file when a seek needs them.

use jiff::Timestamp;

use crate::event::{Action, Envelope, Event};

/// A moment worth jumping to with `[`/`]` and drawing on the timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Moment {
    /// An operator dropped a marker.
    Marker,
    /// The set of firing or pending alerts changed.
    Alert,
    /// A traffic step (or a step back, a pause, a resume, the release completing).
    Shift,
    /// An approval was recorded.
    Approval,
    /// Go or no-go was decided.
    Decision,
    /// A rollback was asked for (by an operator or by auto-rollback), recommended or verified.
    Rollback,
}

impl Moment {
    /// Every moment, least important first (the timeline draws the most important of a cell).
    pub const ALL: [Moment; 6] = [
        Moment::Marker,
        Moment::Alert,
        Moment::Shift,
        Moment::Approval,
        Moment::Decision,
        Moment::Rollback,
    ];

    /// A word for it.
    pub fn name(self) -> &'static str {
        match self {
            Moment::Marker => "marker",
            Moment::Alert => "alert",
            Moment::Shift => "shift",
            Moment::Approval => "approval",
            Moment::Decision => "decision",
            Moment::Rollback => "rollback",
        }
    }

    fn bits(self) -> u8 {
        self as u8 + 1
    }

    fn from_bits(b: u8) -> Option<Self> {
        Self::ALL.get(usize::from(b).checked_sub(1)?).copied()
    }

    /// What an event is, as a moment, if it is one.
    pub fn of(event: &Event) -> Option<Self> {
        Some(match event {
            Event::GoNoGoDecided { .. } => Moment::Decision,
            Event::ApprovalRecorded { .. } => Moment::Approval,
            Event::ActionRequested { action, .. } => match action {
                Action::Shift { .. } | Action::Back { .. } => Moment::Shift,
                Action::Rollback { .. } | Action::Undo { .. } => Moment::Rollback,
            },
            Event::ShiftPaused { .. } | Event::ShiftResumed { .. } => Moment::Shift,
            Event::ReleaseCompleted { .. } => Moment::Shift,
            Event::RollbackRecommended { .. } | Event::RollbackVerified { .. } => Moment::Rollback,
            Event::AlertsObserved { .. } => Moment::Alert,
            Event::MarkerAdded { .. } => Moment::Marker,
            _ => return None,
        })
    }
}

/// Whether a human or production was involved: what "skip idle" stops at. Everything a
/// person or the war room decided, and the observations that are production changing (where
/// traffic goes, rollouts, alerts); not the steady stream of samples, probes and pods.
pub fn significant(event: &Event) -> bool {
    !event.is_observed()
        || matches!(
            event,
            Event::TrafficObserved { .. }
                | Event::AlertsObserved { .. }
                | Event::WorkloadObserved { .. }
        )
}

const MOMENT_MASK: u8 = 0b0000_0111;
const SIGNIFICANT: u8 = 0b0000_1000;
const VERIFIED: u8 = 0b0001_0000;

/// What the index records of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Class(u8);

impl Class {
    /// The class of a line: its moment, whether it is significant, whether it verified.
    pub fn new(moment: Option<Moment>, significant: bool, verified: bool) -> Self {
        let mut b = moment.map_or(0, Moment::bits);
        if significant {
            b |= SIGNIFICANT;
        }
        if verified {
            b |= VERIFIED;
        }
        Self(b)
    }

    /// The class of an envelope's line.
    pub fn of(env: &Envelope, verified: bool) -> Self {
        Self::new(Moment::of(&env.event), significant(&env.event), verified)
    }

    /// Its moment, if it is one.
    pub fn moment(self) -> Option<Moment> {
        Moment::from_bits(self.0 & MOMENT_MASK)
    }

    /// Whether "skip idle" stops at it.
    pub fn significant(self) -> bool {
        self.0 & SIGNIFICANT != 0
    }

    /// Whether the chain vouches for it (it comes before any damage).
    pub fn verified(self) -> bool {
        self.0 & VERIFIED != 0
    }
}

/// Every line of the file, as columns.
#[derive(Debug, Default)]
pub struct Index {
    offsets: Vec<u64>,
    /// Milliseconds on the replay clock: the newest `at` so far (the reducer's clock never
    /// goes back, so neither does this), which makes times searchable by bisection.
    at_ms: Vec<i64>,
    class: Vec<Class>,
    /// Where the last complete line ends (after its newline).
    end: u64,
    /// Indices of the lines that are moments, in order.
    moments: Vec<u32>,
    /// Indices of the significant lines, in order.
    significant: Vec<u32>,
}

impl Index {
    /// Adds the next line: where it starts, where the next one starts, its time and class.
    pub fn push(&mut self, offset: u64, next: u64, at: Option<Timestamp>, class: Class) {
        let last = self.at_ms.last().copied();
        let at = at.map(Timestamp::as_millisecond);
        let at = match (last, at) {
            (Some(l), Some(a)) => l.max(a),
            (Some(l), None) => l,
            (None, Some(a)) => a,
            (None, None) => 0,
        };
        let i = u32::try_from(self.offsets.len()).unwrap_or(u32::MAX);
        if class.moment().is_some() {
            self.moments.push(i);
        }
        if class.significant() {
            self.significant.push(i);
        }
        self.offsets.push(offset);
        self.at_ms.push(at);
        self.class.push(class);
        self.end = next;
    }

    /// How many lines.
    pub fn len(&self) -> usize {
        self.offsets.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.offsets.is_empty()
    }

    /// The byte range of lines `from..to` (newlines included).
    pub fn bytes(&self, from: usize, to: usize) -> (u64, u64) {
        let start = self.offsets.get(from).copied().unwrap_or(self.end);
        let stop = self.offsets.get(to).copied().unwrap_or(self.end);
        (start, stop)
    }

    /// Where the indexed part of the file ends.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The replay-clock time of line `i`.
    pub fn at(&self, i: usize) -> Timestamp {
        let ms = self
            .at_ms
            .get(i)
            .or(self.at_ms.last())
            .copied()
            .unwrap_or(0);
        Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH)
    }

    /// How many lines are at or before `t`.
    pub fn count_until(&self, t: Timestamp) -> usize {
        let ms = t.as_millisecond();
        self.at_ms.partition_point(|&a| a <= ms)
    }

    /// The class of line `i`.
    pub fn class(&self, i: usize) -> Class {
        self.class.get(i).copied().unwrap_or(Class(0))
    }

    /// The first moment at index `from` or later.
    pub fn next_moment(&self, from: usize) -> Option<usize> {
        next_in(&self.moments, from)
    }

    /// The last moment before index `before`.
    pub fn prev_moment(&self, before: usize) -> Option<usize> {
        prev_in(&self.moments, before)
    }

    /// The first significant line at index `from` or later.
    pub fn next_significant(&self, from: usize) -> Option<usize> {
        next_in(&self.significant, from)
    }

    /// Every moment with its time, in order (for the timeline).
    pub fn moments(&self) -> impl Iterator<Item = (Timestamp, Moment)> + '_ {
        self.moments.iter().filter_map(|&i| {
            let i = i as usize;
            Some((self.at(i), self.class(i).moment()?))
        })
    }

    /// Bytes this index holds in memory.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 8
            + self.at_ms.capacity() * 8
            + self.class.capacity()
            + (self.moments.capacity() + self.significant.capacity()) * 4
    }
}

fn next_in(list: &[u32], from: usize) -> Option<usize> {
    let k = list.partition_point(|&i| (i as usize) < from);
    list.get(k).map(|&i| i as usize)
}

fn prev_in(list: &[u32], before: usize) -> Option<usize> {
    let k = list.partition_point(|&i| (i as usize) < before);
    k.checked_sub(1)
        .and_then(|k| list.get(k))
        .map(|&i| i as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(ms: i64) -> Option<Timestamp> {
        Timestamp::from_millisecond(ms).ok()
    }

    #[test]
    fn times_never_go_back_and_moments_are_found_both_ways() {
        let mut ix = Index::default();
        let plain = Class::new(None, false, true);
        let decision = Class::new(Some(Moment::Decision), true, true);
        ix.push(0, 10, t(1000), plain);
        ix.push(10, 20, t(3000), decision);
        ix.push(20, 30, t(2000), plain); // a clock that stepped back
        ix.push(
            30,
            40,
            None,
            Class::new(Some(Moment::Rollback), true, false),
        );
        assert_eq!(ix.at(2), ix.at(1));
        assert_eq!(ix.at(3), ix.at(1));
        assert_eq!(ix.count_until(ix.at(0)), 1);
        assert_eq!(ix.count_until(ix.at(1)), 4);
        assert_eq!(ix.next_moment(0), Some(1));
        assert_eq!(ix.next_moment(2), Some(3));
        assert_eq!(ix.prev_moment(3), Some(1));
        assert_eq!(ix.prev_moment(1), None);
        assert_eq!(ix.bytes(1, 3), (10, 30));
        assert_eq!(ix.bytes(2, 9), (20, 40));
        assert!(!ix.class(3).verified());
        assert_eq!(ix.class(3).moment(), Some(Moment::Rollback));
        let marks: Vec<Moment> = ix.moments().map(|(_, m)| m).collect();
        assert_eq!(marks, vec![Moment::Decision, Moment::Rollback]);
    }
}
