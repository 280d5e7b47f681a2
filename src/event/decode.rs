//! Decoding a log line into an `Envelope`, with a direct path for the two commonest lines of a
//! long session (health probes and signal samples: nearly all of a day's million lines).
//!
//! serde decodes an enum tagged by a field (`"type"`) by first buffering the whole event into
//! an intermediate tree and then decoding that; the direct path reads those two events
//! straight from the bytes into the same values, and any line it does not take, or cannot
//! read, goes the ordinary way, so what a line decodes to (or the error it gets) never depends
//! on the path.

use jiff::Timestamp;
use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{Actor, Envelope, Event, ProbeRow, Sample};

/// Decodes one line (without its newline) the way `serde_json::from_slice::<Envelope>` does.
pub fn envelope(line: &[u8]) -> serde_json::Result<Envelope> {
    direct(line).map_or_else(|| serde_json::from_slice(line), Ok)
}

const PROBE: &[u8] = br#""event":{"type":"HealthProbed","#;
const SAMPLES: &[u8] = br#""event":{"type":"SamplesObserved","#;

fn direct(line: &[u8]) -> Option<Envelope> {
    // The writer puts the tag first; a line written otherwise takes the ordinary path.
    let at = memchr::memmem::find(line, br#""event":{"type":""#)?;
    let rest = &line[at..];
    if rest.starts_with(PROBE) {
        let l: Line<Probe> = serde_json::from_slice(line).ok()?;
        Some(l.into_envelope(|e| Event::HealthProbed {
            source: e.source,
            probe: e.probe,
        }))
    } else if rest.starts_with(SAMPLES) {
        let l: Line<Samples> = serde_json::from_slice(line).ok()?;
        Some(l.into_envelope(|e| Event::SamplesObserved {
            source: e.source,
            at: e.at,
            samples: e.samples,
        }))
    } else {
        None
    }
}

/// `Envelope` with the event's variant known in advance (same fields, same attributes).
#[derive(Deserialize)]
struct Line<E> {
    v: u32,
    seq: u64,
    #[serde(with = "crate::event::at_format")]
    at: Timestamp,
    session: String,
    actor: Actor,
    event: E,
    prev: String,
    hash: String,
}

impl<E> Line<E> {
    fn into_envelope(self, event: impl FnOnce(E) -> Event) -> Envelope {
        Envelope {
            v: self.v,
            seq: self.seq,
            at: self.at,
            session: self.session,
            actor: self.actor,
            event: event(self.event),
            prev: self.prev,
            hash: self.hash,
        }
    }
}

/// `Event::HealthProbed`'s fields, and its tag (already matched).
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "type")]
    _tag: IgnoredAny,
    source: String,
    probe: ProbeRow,
}

/// `Event::SamplesObserved`'s fields, and its tag (already matched).
#[derive(Deserialize)]
struct Samples {
    #[serde(rename = "type")]
    _tag: IgnoredAny,
    source: String,
    at: Timestamp,
    samples: Vec<Sample>,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    fn line(event: &str) -> String {
        format!(
            r#"{{"v":1,"seq":7,"at":"2026-11-24T06:00:00.250Z","session":"5e55107a11d0a7e5","actor":{{"name":"lead","role":"deployment-lead","host":"ops-1"}},"event":{event},"prev":"{z}","hash":"{z}"}}"#,
            z = "0".repeat(64)
        )
    }

    /// The direct path and serde's own give the same envelope, or both refuse.
    fn same(event: &str) {
        let l = line(event);
        let ordinary = serde_json::from_slice::<Envelope>(l.as_bytes());
        let fast = envelope(l.as_bytes());
        match (&ordinary, &fast) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{event}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{event}"),
            _ => panic!("{event}: {ordinary:?} against {fast:?}"),
        }
    }

    #[test]
    fn probes_and_samples_decode_as_serde_decodes_them() {
        let probe = r#"{"type":"HealthProbed","source":"health:e6","probe":{"endpoint":"e6","ok":true,"status":200,"latency_ms":9,"version":"1.2.2"}}"#;
        assert!(
            direct(line(probe).as_bytes()).is_some(),
            "takes the direct path"
        );
        same(probe);
        same(
            r#"{"type":"HealthProbed","source":"h","probe":{"endpoint":"e","ok":false,"error":"timed out after 2s","failures":3}}"#,
        );
        // Unknown fields are ignored by both; escapes decode the same.
        same(
            r#"{"type":"HealthProbed","source":"h\u00e9\n","extra":[1,{"a":2}],"probe":{"endpoint":"e","ok":true}}"#,
        );
        let samples = r#"{"type":"SamplesObserved","source":"scrape","at":"2026-11-24T06:00:00Z","samples":[{"signal":"error_ratio","version":"green","value":0.01}]}"#;
        same(samples);
        same(
            r#"{"type":"SamplesObserved","source":"scrape","at":"2026-11-24T06:00:00Z","samples":[]}"#,
        );
    }

    #[test]
    fn what_the_direct_path_refuses_fails_as_serde_fails() {
        // A missing field, a wrong type, a duplicated tag, a bad time: the ordinary error.
        same(r#"{"type":"HealthProbed","source":"h"}"#);
        same(r#"{"type":"HealthProbed","source":1,"probe":{"endpoint":"e","ok":true}}"#);
        same(
            r#"{"type":"HealthProbed","type":"HealthProbed","source":"h","probe":{"endpoint":"e","ok":true}}"#,
        );
        same(r#"{"type":"SamplesObserved","source":"s","at":"yesterday","samples":[]}"#);
        // Another event, or the tag not first: the ordinary path.
        same(r#"{"type":"MarkerAdded","note":"n"}"#);
        same(r#"{"source":"h","type":"HealthProbed","probe":{"endpoint":"e","ok":true}}"#);
    }
}
