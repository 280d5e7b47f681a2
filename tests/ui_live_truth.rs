//! The live panes say what is true: traffic as the configured strategy routes it (never an
//! HTTPRoute's weights when a Service selector switches traffic), each Kubernetes pane its own
//! watch's state, a quiet watch as live, and a source's failure readable in full.

mod ui_common;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ui_common::{Feed, draw_at, find, key, row_text, runbook, ts};
use warroom::config::layout::PaneId;
use warroom::config::warroom::{WarroomConfig, parse_str};
use warroom::event::{Event, PodRow, SourceKind, TrafficRow, WorkloadRow};
use warroom::runbook::Format;
use warroom::state::State;
use warroom::ui::Ui;

const AT: &str = "2026-11-24T15:10:00Z";

fn config(strategy: &str, steps: &str) -> WarroomConfig {
    let text = format!(
        r#"
[deployment]
name = "app"
release = "1.2.3"
stable = "1.2.2"
[versions]
stable = "blue"
candidate = "green"
[kubernetes]
namespace = "demo"
stable = "deployment/app-blue"
candidate = "deployment/app-green"
service = "app"
route = "app"
[traffic]
strategy = "{strategy}"
steps = {steps}
"#
    );
    parse_str(&text, Format::Toml, "warroom.toml").expect("config")
}

/// A session whose Kubernetes source started every watch (as the source does today).
fn started(cfg: WarroomConfig) -> Feed {
    let mut f = Feed::with_config(runbook(), "2026-11-24T15:00:00Z", Some(cfg));
    for source in [
        "kubernetes",
        "kubernetes/pods",
        "kubernetes/deployments",
        "kubernetes/service",
        "kubernetes/httproute",
    ] {
        f.push(
            "2026-11-24T15:00:01Z",
            "warroom",
            Event::SourceStarted {
                source: source.into(),
                kind: SourceKind::Kubernetes,
                target: "sim/demo".into(),
                interval_ms: 0,
            },
        );
    }
    f
}

fn traffic(f: &mut Feed, source: &str, selector: &str, weights: &[(&str, u32)]) {
    f.push(
        "2026-11-24T15:01:00Z",
        "warroom",
        Event::TrafficObserved {
            source: source.into(),
            traffic: TrafficRow {
                selector: [("version".to_string(), selector.to_string())].into(),
                weights: weights.iter().map(|(b, w)| (b.to_string(), *w)).collect(),
                manager: None,
            },
        },
    );
}

fn pod(f: &mut Feed, name: &str) {
    f.push(
        "2026-11-24T15:00:30Z",
        "warroom",
        Event::PodsListed {
            source: "kubernetes/pods".into(),
            pods: vec![PodRow {
                name: name.into(),
                version: "green".into(),
                phase: "Running".into(),
                ready: (1, 1),
                ..PodRow::default()
            }],
        },
    );
}

/// The screen with `pane` maximised.
fn maximised(state: &State, pane: PaneId, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut ui = Ui::with_defaults();
    for _ in 0..PaneId::ALL.len() {
        if ui.focus() == pane {
            break;
        }
        ui.handle_key(key(KeyCode::Tab), state);
    }
    assert_eq!(ui.focus(), pane, "{pane:?} can take focus");
    ui.handle_key(key(KeyCode::Enter), state);
    draw_at(&mut ui, state, w, h, ts(AT))
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let h = t.backend().buffer().area.height;
    (0..h)
        .map(|y| row_text(t, y))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_selector_strategy_shows_the_selector_not_the_routes_weights() {
    let mut f = started(config(
        "service-selector",
        "[{ weight = 100, bake = \"30m\" }]",
    ));
    // The HTTPRoute still says blue 100 %, but the Service selector sends everything to green.
    traffic(
        &mut f,
        "kubernetes/service",
        "green",
        &[("app-blue", 100), ("app-green", 0)],
    );
    let t = maximised(&f.state, PaneId::Traffic, 100, 20);
    let text = screen(&t);
    assert!(find(&t, "traffic by selector · live").is_some(), "{text}");
    assert!(
        find(&t, "Service app · service-selector").is_some(),
        "{text}"
    );
    assert!(
        find(&t, "selects version=green: all traffic").is_some(),
        "{text}"
    );
    assert!(
        find(&t, "at step 1 of 1: 100% on green").is_some(),
        "{text}"
    );
    assert!(
        !text.contains("app-blue"),
        "weights shown as routing:\n{text}"
    );
    assert!(
        !text.contains('█'),
        "no weight bars under a selector:\n{text}"
    );
}

#[test]
fn route_weights_and_replica_ratios_are_read_from_their_own_objects() {
    let steps = "[{ weight = 25, bake = \"5m\" }, { weight = 100, bake = \"5m\" }]";
    let mut f = started(config("httproute-weights", steps));
    traffic(
        &mut f,
        "kubernetes/httproute",
        "blue",
        &[("app-blue", 75), ("app-green", 25)],
    );
    let t = maximised(&f.state, PaneId::Traffic, 100, 20);
    let text = screen(&t);
    assert!(find(&t, "traffic by route weights").is_some(), "{text}");
    assert!(
        find(&t, "HTTPRoute app · httproute-weights").is_some(),
        "{text}"
    );
    assert!(find(&t, "at step 1 of 2: 25% on green").is_some(), "{text}");

    let mut f = started(config("replica-ratio", steps));
    for (name, ready) in [("app-blue", 3), ("app-green", 1)] {
        f.push(
            "2026-11-24T15:02:00Z",
            "warroom",
            Event::WorkloadObserved {
                source: "kubernetes/deployments".into(),
                workload: WorkloadRow {
                    name: name.into(),
                    desired: 3,
                    ready,
                    ..WorkloadRow::default()
                },
            },
        );
    }
    let t = maximised(&f.state, PaneId::Traffic, 100, 20);
    let text = screen(&t);
    assert!(find(&t, "traffic by ready replicas").is_some(), "{text}");
    assert!(find(&t, "1/3 ready").is_some(), "{text}");
    assert!(find(&t, "at step 1 of 2: 25% on green").is_some(), "{text}");
}

#[test]
fn each_kubernetes_pane_follows_its_own_watch() {
    let mut f = started(config(
        "service-selector",
        "[{ weight = 100, bake = \"30m\" }]",
    ));
    pod(&mut f, "app-green-0");
    let denied = "forbidden: cannot watch services in namespace demo (RBAC); grant get/list/watch on services";
    f.push(
        "2026-11-24T15:05:00Z",
        "warroom",
        Event::SourceFailed {
            source: "kubernetes/service".into(),
            error: denied.into(),
            attempt: 1,
        },
    );
    let pods = maximised(&f.state, PaneId::Pods, 120, 20);
    let text = screen(&pods);
    assert!(find(&pods, "pods 1 · live").is_some(), "{text}");
    assert!(
        !text.contains("forbidden"),
        "a service failure on the pods:\n{text}"
    );
    let traffic = maximised(&f.state, PaneId::Traffic, 120, 20);
    assert!(
        find(&traffic, "DOWN: forbidden").is_some(),
        "{}",
        screen(&traffic)
    );
    // Credentials are every watch's: the shared source down takes the pods down too.
    f.push(
        "2026-11-24T15:06:00Z",
        "warroom",
        Event::SourceFailed {
            source: "kubernetes".into(),
            error: "unauthorized: credentials expired or invalid; re-authenticate".into(),
            attempt: 1,
        },
    );
    let pods = maximised(&f.state, PaneId::Pods, 120, 20);
    assert!(
        find(&pods, "DOWN: unauthorized").is_some(),
        "{}",
        screen(&pods)
    );
}

#[test]
fn a_long_failure_reason_is_readable_in_full_in_the_pane() {
    let mut f = started(config(
        "service-selector",
        "[{ weight = 100, bake = \"30m\" }]",
    ));
    pod(&mut f, "app-green-0");
    let reason = "list pods in demo: error trying to connect: tcp connect error: Connection \
                  refused (os error 111) (API server https://kubernetes.prod-east.example.com:6443)";
    f.push(
        "2026-11-24T15:05:00Z",
        "warroom",
        Event::SourceFailed {
            source: "kubernetes/pods".into(),
            error: reason.into(),
            attempt: 3,
        },
    );
    let t = maximised(&f.state, PaneId::Pods, 80, 24);
    let text = screen(&t);
    // The title is short; the body has every word of it on lines of its own.
    assert!(find(&t, "✗ down · data 9m old").is_some(), "{text}");
    let body: String = (0..24)
        .map(|y| row_text(&t, y))
        .map(|r| {
            r.trim_matches(|c| c == '│' || c == '┃' || c == ' ')
                .to_string()
        })
        .collect::<Vec<_>>()
        .join(" ");
    let squashed = |s: &str| s.split_whitespace().collect::<String>();
    assert!(
        squashed(&body).contains(&squashed(reason)),
        "reason not readable in full:\n{text}"
    );
    // The pods are still there under it.
    assert!(find(&t, "app-green-0").is_some(), "{text}");
}
