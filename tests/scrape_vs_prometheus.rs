//! Equivalence with a real Prometheus: a loopback `/metrics` server (counters growing at changing
//! speeds, a counter reset, a histogram with non-monotonic buckets) is scraped every second by a
//! `prometheus` this test starts; one scrape fails, leaving a gap. At several evaluation times T the raw samples are pulled with
//! range selectors (`…[30s]` at `time=T`), fed to the direct-scrape math evaluated at T, and
//! compared with Prometheus' own `rate`, error ratio, throughput and `histogram_quantile` at T:
//! they must agree within 0.1 %.
//!
//! Needs `prometheus` on PATH (or `PROMETHEUS_BIN`); without it the test prints a skip message
//! (and fails under CI).

mod fakes;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fakes::prom_process::{PromProcess, find_prometheus};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use warroom::metrics::{
    History, Labels, Point, Reading, SeriesKey, SignalConfig, derive_signals, histogram_quantile,
    rate, sum_by,
};
use warroom::prom::{ApiResponse, PromTime, QueryResult, parse_response};

/// Scrape index at which every `version="green"` series restarts from a small value.
const RESET_AT: u64 = 5;
/// Scrape index answered with a 503: Prometheus records nothing (a 2 s gap), so windows that
/// start in the gap extrapolate by only half an interval at their start.
const FAILED_SCRAPE: u64 = 7;
/// Scrape index at which a new 5xx series first appears.
const NEW_SERIES_AT: u64 = 9;
/// Scrapes to wait for before comparing (the reset must be well inside the history).
const SCRAPES: u64 = 18;
const LES: [&str; 6] = ["0.05", "0.1", "0.25", "0.5", "1", "+Inf"];
const WINDOW: Duration = Duration::from_secs(10);
const TOLERANCE: f64 = 1e-3;

/// The `/metrics` body of the n-th scrape.
fn exposition(n: u64) -> String {
    let x = n as f64;
    // Green restarts at RESET_AT, with a few requests already counted by the new process.
    let (k, restarted) = if n < RESET_AT {
        (x, 0.0)
    } else {
        ((n - RESET_AT) as f64, 1.0)
    };
    let mut out =
        String::from("# HELP http_requests_total Requests.\n# TYPE http_requests_total counter\n");
    let counters = [
        ("200", "blue", 100.0 * x + 2.0 * x * x),
        ("500", "blue", 3.0 * x),
        ("503", "blue", 0.5 * x),
        ("200", "green", 50.0 * k + 7.0 * restarted),
        ("500", "green", 2.0 * k + restarted),
    ];
    for (code, version, v) in counters {
        out += &format!("http_requests_total{{code=\"{code}\",version=\"{version}\"}} {v}\n");
    }
    // A series born late at 8 with slope 10/s: its zero point lies 0.8 s before its first
    // sample, between half an interval and the 1.1× threshold, where 2.42 and later differ.
    if n >= NEW_SERIES_AT {
        let v = 8.0 + 10.0 * (n - NEW_SERIES_AT) as f64;
        out += &format!("http_requests_total{{code=\"504\",version=\"blue\"}} {v}\n");
    }
    out += "# TYPE http_request_duration_seconds histogram\n";
    // Blue: a·n + b·n(n+1)/2 per bucket, cumulative across le. Green: its le="0.5" bucket
    // counts less than le="0.25" (non-monotonic; Prometheus' ensureMonotonic must kick in).
    let blue = |i: usize| {
        [10.0, 30.0, 60.0, 80.0, 95.0, 100.0][i] * x
            + [0.0, 1.0, 1.0, 2.0, 2.0, 3.0][i] * x * (x + 1.0) / 2.0
    };
    let green = |i: usize| {
        [5.0, 12.0, 20.0, 18.0, 25.0, 30.0][i] * k + [1.0, 1.0, 2.0, 2.0, 2.0, 3.0][i] * restarted
    };
    for (version, count) in [("blue", &blue as &dyn Fn(usize) -> f64), ("green", &green)] {
        for (i, le) in LES.iter().enumerate() {
            out += &format!(
                "http_request_duration_seconds_bucket{{version=\"{version}\",le=\"{le}\"}} {}\n",
                count(i)
            );
        }
        out += &format!(
            "http_request_duration_seconds_sum{{version=\"{version}\"}} {}\n",
            count(5) * 0.2
        );
        out += &format!(
            "http_request_duration_seconds_count{{version=\"{version}\"}} {}\n",
            count(5)
        );
    }
    out
}

/// Serves `exposition(n)` on `/metrics`, n counting the scrapes served.
async fn serve_metrics(listener: TcpListener, scrapes: Arc<AtomicU64>) {
    loop {
        let Ok((mut conn, _)) = listener.accept().await else {
            return;
        };
        let scrapes = Arc::clone(&scrapes);
        tokio::spawn(async move {
            let mut req = Vec::new();
            let mut buf = [0u8; 4096];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") && req.len() < 65_536 {
                match conn.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let (status, body) = if req.starts_with(b"GET /metrics") {
                match scrapes.fetch_add(1, Ordering::SeqCst) {
                    FAILED_SCRAPE => ("503 Service Unavailable", String::from("busy\n")),
                    n => ("200 OK", exposition(n)),
                }
            } else {
                ("404 Not Found", String::from("not found\n"))
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = conn.write_all(head.as_bytes()).await;
            let _ = conn.write_all(body.as_bytes()).await;
            let _ = conn.shutdown().await;
        });
    }
}

struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    async fn query_path(&self, path: &str) -> ApiResponse {
        let resp = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("sent");
        let status = resp.status().as_u16();
        let body = resp.bytes().await.expect("body");
        parse_response(status, Some("application/json"), &body)
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    async fn query(&self, query: &str, at: PromTime) -> ApiResponse {
        let resp = self
            .client
            .get(format!("{}/api/v1/query", self.base))
            .query(&[("query", query), ("time", &at.to_param())])
            .send()
            .await
            .expect("query sent");
        let status = resp.status().as_u16();
        let ct = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let body = resp.bytes().await.expect("body");
        parse_response(status, ct.as_deref(), &body).unwrap_or_else(|e| panic!("{query}: {e}"))
    }

    /// An instant vector as label set → value.
    async fn vector(&self, query: &str, at: PromTime) -> BTreeMap<Labels, f64> {
        match self.query(query, at).await.query() {
            Some(QueryResult::Vector(v)) => v
                .iter()
                .map(|s| {
                    (
                        s.metric.clone(),
                        s.value.as_ref().expect("float sample").value.value(),
                    )
                })
                .collect(),
            other => panic!("{query}: expected a vector, got {other:?}"),
        }
    }

    /// A range selector's raw samples as a history.
    async fn raw_into(&self, selector: &str, at: PromTime, history: &mut History) -> usize {
        let resp = self.query(&format!("{selector}[30s]"), at).await;
        let Some(QueryResult::Matrix(m)) = resp.query() else {
            panic!("{selector}: expected a matrix, got {resp:?}");
        };
        let mut n = 0;
        for series in m {
            let mut labels = series.metric.clone();
            let name = labels.remove("__name__").expect("__name__");
            for s in series.values.iter().flatten() {
                let key = SeriesKey {
                    name: name.clone(),
                    labels: labels.clone(),
                };
                history.push(
                    key,
                    Point {
                        t_ms: s.at.as_millis(),
                        value: s.value.value(),
                    },
                );
                n += 1;
            }
        }
        n
    }
}

#[derive(Default)]
struct Agreement {
    /// Prometheus version, named in failures: the math follows 2.42, and later versions
    /// extrapolate differently near a counter's zero point (see `metrics::rate`).
    version: String,
    compared: usize,
    max_relative: f64,
}

impl Agreement {
    #[track_caller]
    fn check(&mut self, what: &str, prom: f64, mine: Option<f64>) {
        self.compared += 1;
        let Some(mine) = mine.filter(|m| !m.is_nan()) else {
            assert!(
                prom.is_nan(),
                "{what}: Prometheus {} {prom}, ours Unknown/NaN",
                self.version
            );
            return;
        };
        let scale = prom.abs().max(mine.abs());
        let rel = if scale == 0.0 {
            0.0
        } else {
            (prom - mine).abs() / scale
        };
        self.max_relative = self.max_relative.max(rel);
        assert!(
            rel <= TOLERANCE,
            "{what}: Prometheus {} {prom}, ours {mine} (relative difference {rel:e})",
            self.version
        );
    }
}

fn value(r: &Reading) -> Option<f64> {
    r.value()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_scrape_math_matches_prometheus() {
    let Some(bin) = find_prometheus() else {
        fakes::tool::missing(
            "direct_scrape_math_matches_prometheus",
            "no `prometheus` on PATH and PROMETHEUS_BIN unset; install Prometheus 2.x to run it",
        );
        return;
    };
    let _ = rustls::crypto::ring::default_provider().install_default();

    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let target = listener.local_addr().expect("addr");
    let scrapes = Arc::new(AtomicU64::new(0));
    tokio::spawn(serve_metrics(listener, Arc::clone(&scrapes)));

    let mut prom = PromProcess::start(&bin, "equivalence", &[target], Duration::from_secs(1));
    let api = Api {
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("client"),
        base: prom.base(),
    };

    // Wait, with deadlines, for readiness and then for enough scrapes to be queryable.
    let deadline = Instant::now() + Duration::from_secs(90);
    let t_last = loop {
        assert!(
            Instant::now() < deadline,
            "Prometheus not ready with {SCRAPES} scrapes in time; log:\n{}",
            prom.log()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
        prom.assert_running();
        if scrapes.load(Ordering::SeqCst) < SCRAPES + 1 {
            continue;
        }
        let now = PromTime::from_timestamp(jiff::Timestamp::now());
        let Ok(resp) = api
            .client
            .get(format!("{}/api/v1/query", api.base))
            .query(&[
                (
                    "query",
                    "http_requests_total{version=\"blue\",code=\"200\"}[60s]",
                ),
                ("time", &now.to_param()),
            ])
            .send()
            .await
        else {
            continue;
        };
        let body = resp.bytes().await.unwrap_or_default();
        let Ok(parsed) = parse_response(200, Some("application/json"), &body) else {
            continue;
        };
        if let Some(QueryResult::Matrix(m)) = parsed.query()
            && let Some(values) = m.first().and_then(|s| s.values.as_ref())
            && values.len() as u64 >= SCRAPES
        {
            break values.last().expect("sample").at;
        }
    };

    // Evaluation times around and before the newest sample: windows that hold the reset,
    // windows ending between samples, one ending just after the newest sample.
    let version = match api.query_path("/api/v1/status/buildinfo").await.data {
        Some(warroom::prom::Data::BuildInfo(b)) => b.version,
        other => panic!("buildinfo: {other:?}"),
    };
    let mut agree = Agreement {
        version,
        ..Agreement::default()
    };
    let mut windows_with_reset = 0;
    for k in 0..12 {
        let t = PromTime::from_millis(t_last.as_millis() + 250 - k * 730);
        let mut history = History::new(Duration::from_secs(3600));
        let raw = api.raw_into("http_requests_total", t, &mut history).await
            + api
                .raw_into("http_request_duration_seconds_bucket", t, &mut history)
                .await;
        assert!(raw > 100, "too few raw samples at {t}: {raw}");
        let start = t.as_millis() - 10_000;
        if history.iter().any(|(key, pts)| {
            key.labels.get("version").is_some_and(|v| v == "green")
                && pts.windows(2).any(|w| {
                    w[0].t_ms >= start && w[1].t_ms <= t.as_millis() && w[1].value < w[0].value
                })
        }) {
            windows_with_reset += 1;
        }

        // rate() of every counter series.
        let prom_rates = api.vector("rate(http_requests_total[10s])", t).await;
        let mine: BTreeMap<Labels, f64> = history
            .select("http_requests_total")
            .filter_map(|(key, pts)| Some((key.labels.clone(), rate(pts, t.as_millis(), WINDOW)?)))
            .collect();
        assert_eq!(
            prom_rates.keys().collect::<Vec<_>>(),
            mine.keys().collect::<Vec<_>>(),
            "series at {t}"
        );
        for (labels, v) in &prom_rates {
            agree.check(
                &format!("rate {labels:?} @ {t}"),
                *v,
                mine.get(labels).copied(),
            );
        }

        // histogram_quantile(0.99, sum by (le) (rate(bucket[10s]))) over both versions.
        let bucket_rates: Vec<(Labels, f64)> = history
            .select("http_request_duration_seconds_bucket")
            .filter_map(|(key, pts)| Some((key.labels.clone(), rate(pts, t.as_millis(), WINDOW)?)))
            .collect();
        let by_le = sum_by(bucket_rates.iter().map(|(l, v)| (l, *v)), &["le"]);
        let mine_p99 = histogram_quantile(0.99, by_le.iter().map(|(l, v)| (l, *v)));
        let prom_p99 = api
            .vector("histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))", t)
            .await;
        agree.check(
            &format!("p99 @ {t}"),
            prom_p99[&Labels::new()],
            mine_p99.get(&Labels::new()).copied(),
        );

        // The per-version signals the war room shows.
        let cfg = SignalConfig {
            window: WINDOW,
            ..SignalConfig::default()
        };
        let signals = derive_signals(&history, &cfg, t.as_millis());
        let queries: [(&str, String); 5] = [
            ("error_ratio", "sum by (version) (rate(http_requests_total{code=~\"5..\"}[10s])) / sum by (version) (rate(http_requests_total[10s]))".into()),
            ("throughput", "sum by (version) (rate(http_requests_total[10s]))".into()),
            ("p50", "histogram_quantile(0.5, sum by (version, le) (rate(http_request_duration_seconds_bucket[10s])))".into()),
            ("p95", "histogram_quantile(0.95, sum by (version, le) (rate(http_request_duration_seconds_bucket[10s])))".into()),
            ("p99", "histogram_quantile(0.99, sum by (version, le) (rate(http_request_duration_seconds_bucket[10s])))".into()),
        ];
        for (name, q) in queries {
            let prom = api.vector(&q, t).await;
            assert_eq!(prom.len(), 2, "{name} @ {t}: {prom:?}");
            for (labels, v) in prom {
                let s = &signals[&labels["version"]];
                let mine = match name {
                    "error_ratio" => value(&s.error_ratio),
                    "throughput" => value(&s.throughput),
                    "p50" => value(&s.latency_p50),
                    "p95" => value(&s.latency_p95),
                    _ => value(&s.latency_p99),
                };
                agree.check(&format!("{name} {labels:?} @ {t}"), v, mine);
            }
        }
    }
    assert!(
        windows_with_reset > 0,
        "no evaluation window contained the counter reset"
    );
    eprintln!(
        "agreement with Prometheus {}: {} comparisons at 12 evaluation times ({windows_with_reset} windows with a counter reset), max relative difference {:e}",
        agree.version, agree.compared, agree.max_relative
    );
}
