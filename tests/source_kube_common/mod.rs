//! Helpers for the Kubernetes source's tests: an in-process simulator, a kubeconfig for it,
//! the source running into a recorder that waits for events with a deadline, a TCP proxy that
//! can be frozen (a stalled connection), and replaying events through the reducer.
#![allow(dead_code)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use warroom::event::{Actor, Envelope, Event, LOG_VERSION};
use warroom::reduce::reduce;
use warroom::sim::{self, SimOptions};
use warroom::sources::kube::{KubeSpec, run};
use warroom::state::State;

/// How long any expected event may take.
pub const DEADLINE: Duration = Duration::from_secs(30);

/// Installs the process's TLS provider (kube and reqwest need one).
pub fn init() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A simulator with fast pod lifecycles, on `addr` (port 0 for any).
pub async fn start_sim(addr: SocketAddr) -> sim::Running {
    init();
    let opts = SimOptions {
        pod_step: Duration::from_millis(40),
        tick: Duration::from_millis(20),
        ..SimOptions::default()
    };
    sim::start(&opts, addr).await.expect("simulator starts")
}

/// Any free loopback port.
pub fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// A kubeconfig for `url` written into `dir`.
pub fn kubeconfig(dir: &tempfile::TempDir, url: &str) -> PathBuf {
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, sim::config_writer::kubeconfig(url)).expect("write kubeconfig");
    path
}

/// The spec the simulator's generated `warroom.toml` describes.
pub fn demo_spec(kubeconfig: PathBuf) -> KubeSpec {
    KubeSpec {
        kubeconfig: Some(kubeconfig),
        context: Some(sim::config_writer::CONTEXT.to_string()),
        workloads: vec!["app-blue".into(), "app-green".into()],
        service: Some("app".into()),
        route: Some("app".into()),
        ..KubeSpec::new("demo")
    }
}

/// A kube client for the simulator, for changing things under the source.
pub fn client(url: &str) -> kube::Client {
    init();
    let url = url.parse().expect("url");
    kube::Client::try_from(kube::Config::new(url)).expect("client")
}

/// Sends `POST /sim/faults`.
pub async fn fault(url: &str, body: serde_json::Value) {
    init();
    let resp = reqwest::Client::new()
        .post(format!("{url}/sim/faults"))
        .json(&body)
        .send()
        .await
        .expect("fault request");
    assert!(resp.status().is_success(), "fault {body} refused");
}

/// The names of the pods that exist now.
pub async fn real_pods(client: &kube::Client) -> BTreeSet<String> {
    let pods: Api<Pod> = Api::namespaced(client.clone(), "demo");
    pods.list(&ListParams::default())
        .await
        .expect("list pods")
        .items
        .into_iter()
        .filter_map(|p| p.metadata.name)
        .collect()
}

/// The state a replay of `events` rebuilds.
pub fn replay(events: &[Event]) -> State {
    let mut state = State::default();
    for (i, e) in events.iter().enumerate() {
        let env = Envelope {
            v: LOG_VERSION,
            seq: i as u64 + 1,
            at: jiff::Timestamp::now(),
            session: "test".into(),
            actor: Actor::default(),
            event: e.clone(),
            prev: String::new(),
            hash: String::new(),
        };
        reduce(&mut state, &env);
    }
    state
}

/// The source running, and every event it sent so far.
pub struct Recorder {
    rx: mpsc::Receiver<Event>,
    /// Everything received, in order.
    pub events: Vec<Event>,
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

impl Recorder {
    /// Starts the source.
    pub fn start(spec: KubeSpec) -> Self {
        init();
        let (sink, rx) = warroom::sources::channel();
        let cancel = CancellationToken::new();
        let task = tokio::spawn(run(spec, sink, cancel.clone()));
        Self {
            rx,
            events: Vec::new(),
            cancel,
            task,
        }
    }

    /// Waits for an event at or after index `from` that matches; returns its index.
    pub async fn wait_for(
        &mut self,
        what: &str,
        from: usize,
        pred: impl Fn(&Event) -> bool,
    ) -> usize {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            if let Some(i) = self.events.iter().skip(from).position(&pred) {
                return from + i;
            }
            match tokio::time::timeout_at(deadline, self.rx.recv()).await {
                Ok(Some(e)) => self.events.push(e),
                Ok(None) => panic!("the source ended before {what}:\n{}", self.dump()),
                Err(_) => panic!("no {what} within {DEADLINE:?}; saw:\n{}", self.dump()),
            }
        }
    }

    /// Keeps receiving for `d`.
    pub async fn collect_for(&mut self, d: Duration) {
        let deadline = tokio::time::Instant::now() + d;
        while let Ok(Some(e)) = tokio::time::timeout_at(deadline, self.rx.recv()).await {
            self.events.push(e);
        }
    }

    /// How many events from `from` on match.
    pub fn count(&self, from: usize, pred: impl Fn(&Event) -> bool) -> usize {
        self.events.iter().skip(from).filter(|e| pred(e)).count()
    }

    /// One line per event, for failure messages.
    pub fn dump(&self) -> String {
        self.events
            .iter()
            .enumerate()
            .map(|(i, e)| format!("{i:3} {}", serde_json::to_string(e).unwrap_or_default()))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Stops the source and waits for it.
    pub async fn stop(self) {
        self.cancel.cancel();
        tokio::time::timeout(DEADLINE, self.task)
            .await
            .expect("the source stops on cancel")
            .expect("the source task does not panic");
    }
}

/// Whether an event is a `SourceFailed` whose error contains `text`.
pub fn failed_with(e: &Event, text: &str) -> bool {
    matches!(e, Event::SourceFailed { error, .. } if error.contains(text))
}

/// A TCP proxy in front of the simulator that can be frozen: connections stay open, bytes
/// already sent are held, and nothing more passes — a connection that stalled silently.
pub struct Proxy {
    /// Where it listens.
    pub addr: SocketAddr,
    frozen: watch::Sender<bool>,
}

impl Proxy {
    /// Starts forwarding to `upstream`.
    pub async fn start(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind(any_port()).await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let (frozen, _) = watch::channel(false);
        let gate = frozen.clone();
        tokio::spawn(async move {
            while let Ok((down, _)) = listener.accept().await {
                let Ok(up) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (down_r, down_w) = down.into_split();
                let (up_r, up_w) = up.into_split();
                tokio::spawn(pipe(down_r, up_w, gate.subscribe()));
                tokio::spawn(pipe(up_r, down_w, gate.subscribe()));
            }
        });
        Self { addr, frozen }
    }

    /// `http://host:port`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops passing bytes (connections stay open).
    pub fn freeze(&self) {
        self.frozen.send_replace(true);
    }

    /// Passes bytes again.
    pub fn thaw(&self) {
        self.frozen.send_replace(false);
    }
}

async fn pipe(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut frozen: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if frozen.wait_for(|f| !*f).await.is_err() {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}
