//! Shared fixtures for the UI tests and the render benchmark: realistic states built by
//! feeding envelopes through the reducer, a fixed clock, key events, and a test terminal.
#![allow(dead_code)] // each test crate uses a different part

pub mod live;
pub mod release;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::config::warroom::WarroomConfig;
use warroom::event::{Actor, Envelope, Event, LOG_VERSION};
use warroom::reduce::reduce;
use warroom::runbook::{Item, Offset, Runbook, Stage};
use warroom::state::State;
use warroom::ui::Ui;

/// T-0 of the fixture release.
pub const T0: &str = "2026-11-24T15:00:00Z";
/// The fixed "now": the T-1d stage started 2h30m ago, so T-7d's open required items are late.
pub const NOW: &str = "2026-11-23T17:30:00Z";

pub fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

pub fn now() -> Timestamp {
    ts(NOW)
}

pub fn actor(name: &str, role: &str) -> Actor {
    Actor {
        name: name.into(),
        role: role.into(),
        host: "test".into(),
    }
}

/// Feeds envelopes through the one reducer, numbering them.
pub struct Feed {
    pub state: State,
    pub seq: u64,
}

impl Feed {
    pub fn new(runbook: Runbook, at: &str) -> Self {
        Self::with_config(runbook, at, None)
    }

    /// A session started with a recorded `warroom.toml`.
    pub fn with_config(runbook: Runbook, at: &str, config: Option<WarroomConfig>) -> Self {
        let mut f = Self {
            state: State::default(),
            seq: 0,
        };
        f.push(
            at,
            "lead",
            Event::SessionStarted {
                app_version: "test".into(),
                runbook_path: "release.toml".into(),
                runbook_sha256: "00".into(),
                runbook,
                t0: Some(ts(T0)),
                deployment: Some("checkout".into()),
                config: config.map(Box::new),
            },
        );
        f
    }

    pub fn push(&mut self, at: &str, who: &str, event: Event) -> &mut Self {
        self.seq += 1;
        let role = if who == "lead" {
            "deployment-lead"
        } else {
            "sre"
        };
        let env = Envelope {
            v: LOG_VERSION,
            seq: self.seq,
            at: ts(at),
            session: "s1".into(),
            actor: actor(who, role),
            event,
            prev: String::new(),
            hash: format!("h{}", self.seq),
        };
        reduce(&mut self.state, &env);
        self
    }

    pub fn tick(&mut self, at: &str, who: &str, stage: &str, item: &str) -> &mut Self {
        self.push(
            at,
            who,
            Event::ItemTicked {
                stage: stage.into(),
                item: item.into(),
            },
        )
    }

    pub fn note(&mut self, at: &str, who: &str, stage: &str, item: &str, text: &str) -> &mut Self {
        self.push(
            at,
            who,
            Event::NoteAdded {
                stage: stage.into(),
                item: item.into(),
                text: text.into(),
            },
        )
    }
}

pub fn item(id: &str, text: &str) -> Item {
    Item {
        id: id.into(),
        text: text.into(),
        required: true,
        role: None,
        commands: vec![],
        notes: vec![],
        check: None,
    }
}

pub fn stage(id: &str, title: &str, offset: Option<&str>, items: Vec<Item>) -> Stage {
    Stage {
        id: id.into(),
        title: title.into(),
        offset: offset.map(|o| o.parse::<Offset>().expect("offset")),
        notes: vec![],
        items,
    }
}

/// A release runbook with timed and untimed stages, roles, commands and notes.
pub fn runbook() -> Runbook {
    let mut perf = item("perf", "Load test against staging at 2x peak traffic");
    perf.required = false;
    let mut review = item(
        "review",
        "All pull requests for the release reviewed and merged",
    );
    review.role = Some("lead".into());
    let mut backup = item(
        "backup",
        "Database backup taken and restore verified on a scratch instance",
    );
    backup.role = Some("dba".into());
    backup.commands = vec![
        "pg_dump -Fc checkout > checkout.dump".into(),
        "pg_restore -d scratch checkout.dump".into(),
    ];
    backup.notes = vec!["Keep the dump for 30 days.".into()];
    let mut freeze = stage(
        "t-7d",
        "Code freeze and review",
        Some("-7d"),
        vec![
            review,
            perf,
            item("scan", "No critical vulnerabilities in the image scan"),
        ],
    );
    freeze.notes = vec!["The freeze starts at noon; exceptions need the lead.".into()];
    Runbook {
        title: "checkout v2.4 release".into(),
        source: None,
        stages: vec![
            freeze,
            stage(
                "t-1d",
                "Pre-deployment checks",
                Some("-1d"),
                vec![
                    backup,
                    item("comms", "Status page maintenance window announced"),
                    item("oncall", "On-call rota confirmed for the next 24 hours"),
                ],
            ),
            stage(
                "t-0",
                "Deployment day",
                Some("0"),
                vec![
                    item("go", "Go/no-go meeting held and the decision recorded"),
                    item("shift", "Traffic shifted 10 -> 25 -> 50 -> 100 %"),
                ],
            ),
            stage(
                "t+1h",
                "Post-deploy validation",
                Some("+1h"),
                vec![
                    item("errors", "Error rate below 1% for 30 minutes"),
                    item("latency", "p99 latency within 2x of the baseline"),
                ],
            ),
            stage(
                "rollback",
                "Rollback procedure",
                None,
                vec![
                    item("switch-back", "Switch the service selector back to blue"),
                    item("verify-old", "Health endpoints report the old version"),
                ],
            ),
        ],
    }
}

/// The fixture state: some items ticked by two operators, notes, one overdue item (t-7d/scan).
pub fn state() -> State {
    let mut f = Feed::new(runbook(), "2026-11-17T09:00:00Z");
    f.tick("2026-11-17T10:05:00Z", "lead", "t-7d", "review")
        .note(
            "2026-11-17T10:06:00Z",
            "lead",
            "t-7d",
            "review",
            "two late fixes merged after review",
        )
        .tick("2026-11-23T16:10:00Z", "ops1", "t-1d", "backup")
        .note(
            "2026-11-23T16:12:00Z",
            "ops1",
            "t-1d",
            "backup",
            "restore took 4m\nchecksums match",
        )
        .push(
            "2026-11-23T16:20:00Z",
            "ops1",
            Event::ConfigWarned {
                message: "no Prometheus configured; metric panes stay empty".into(),
            },
        );
    f.state
}

/// A runbook of `n` items in stages of 50, every third item ticked: for the benchmark.
pub fn big_state(n: usize) -> State {
    let offsets = ["-7d", "-5d", "-3d", "-2d", "-1d", "0", "+1h", "+4h", "+24h"];
    let stages: Vec<Stage> = (0..n.div_ceil(50))
        .map(|s| {
            let items = (0..50.min(n - s * 50))
                .map(|i| {
                    item(
                        &format!("item-{i}"),
                        &format!("Check number {i} of stage {s}: verify the thing and record it"),
                    )
                })
                .collect();
            stage(
                &format!("s{s}"),
                &format!("Stage {s}"),
                offsets.get(s).copied(),
                items,
            )
        })
        .collect();
    let rb = Runbook {
        title: "big".into(),
        source: None,
        stages,
    };
    let ids: Vec<(String, String)> = rb
        .stages
        .iter()
        .flat_map(|s| s.items.iter().map(|i| (s.id.clone(), i.id.clone())))
        .collect();
    let mut f = Feed::new(rb, "2026-11-17T09:00:00Z");
    for (k, (s, i)) in ids.iter().enumerate().filter(|(k, _)| k % 3 == 0) {
        let _ = k;
        f.tick("2026-11-20T09:00:00Z", "ops1", s, i);
    }
    f.state
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ch(c: char) -> KeyEvent {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Draws one frame at `w`×`h` with the fixed clock.
pub fn draw(ui: &mut Ui, state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    draw_at(ui, state, w, h, now())
}

/// Draws one frame at `w`×`h` at `now`.
pub fn draw_at(
    ui: &mut Ui,
    state: &State,
    w: u16,
    h: u16,
    now: Timestamp,
) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    t.draw(|f| ui.draw(f, state, now)).expect("draw");
    t
}

/// The text of row `y` of a drawn frame.
pub fn row_text(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

/// The first row whose text contains `needle`, and the column where it starts.
pub fn find(t: &Terminal<TestBackend>, needle: &str) -> Option<(u16, u16)> {
    let h = t.backend().buffer().area.height;
    (0..h).find_map(|y| {
        let text = row_text(t, y);
        text.find(needle).map(|byte| {
            let col = text[..byte].chars().count();
            (u16::try_from(col).expect("col"), y)
        })
    })
}
