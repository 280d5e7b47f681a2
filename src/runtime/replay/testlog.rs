//! Chained session files for the replay and follow unit tests.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

use jiff::Timestamp;

use crate::event::{Actor, Envelope, Event, LOG_VERSION};
use crate::runbook::{Item, Runbook, Stage};
use crate::session::hash::{GENESIS, chain_hash, insert_hash};

pub fn actor() -> Actor {
    Actor {
        name: "lead".into(),
        role: "deployment-lead".into(),
        host: "ops-1".into(),
    }
}

fn runbook() -> Runbook {
    let item = |id: &str| Item {
        id: id.into(),
        text: format!("item {id}"),
        required: true,
        role: None,
        commands: vec![],
        notes: vec![],
    };
    Runbook {
        title: "Release".into(),
        source: None,
        stages: vec![Stage {
            id: "s".into(),
            title: "Stage".into(),
            offset: None,
            notes: vec![],
            items: (0..4).map(|i| item(&format!("i{i}"))).collect(),
        }],
    }
}

/// Seals `events` (one a second) into a chained file; `Err` events go in as written.
pub fn write(path: &Path, events: &[Result<Event, &str>]) {
    std::fs::write(path, seal(events)).unwrap();
}

/// The bytes of a chained file of `events` (one a second); `Err` events go in as written.
pub fn seal(events: &[Result<Event, &str>]) -> Vec<u8> {
    let mut prev = GENESIS.to_string();
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let at = Timestamp::from_second(1_795_000_000 + i as i64).unwrap();
        let bare = match e {
            Ok(event) => {
                let env = Envelope {
                    v: LOG_VERSION,
                    seq: i as u64 + 1,
                    at,
                    session: "27e59f99719af05b".into(),
                    actor: actor(),
                    event: event.clone(),
                    prev: prev.clone(),
                    hash: String::new(),
                };
                serde_json::to_vec(&env).unwrap()
            }
            Err(raw) => format!(
                r#"{{"v":1,"seq":{},"at":"{}","session":"27e59f99719af05b","actor":{{"name":"lead","role":"r","host":"h"}},"event":{raw},"prev":"{prev}","hash":""}}"#,
                i + 1,
                crate::event::at_format::to_string(&at)
            )
            .into_bytes(),
        };
        let hash = chain_hash(&prev, &bare);
        out.extend_from_slice(&insert_hash(&bare, &hash));
        out.push(b'\n');
        prev = hash;
    }
    out
}

pub fn started() -> Event {
    Event::SessionStarted {
        app_version: "test".into(),
        runbook_path: "r.toml".into(),
        runbook_sha256: "00".into(),
        runbook: runbook(),
        t0: None,
        deployment: None,
        config: None,
    }
}

pub fn tick(i: usize) -> Event {
    Event::ItemTicked {
        stage: "s".into(),
        item: format!("i{}", i % 4),
    }
}

pub fn untick(i: usize) -> Event {
    Event::ItemUnticked {
        stage: "s".into(),
        item: format!("i{}", i % 4),
    }
}

pub fn marker(n: &str) -> Event {
    Event::MarkerAdded { note: n.into() }
}
