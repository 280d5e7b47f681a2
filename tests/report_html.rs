//! The HTML report in a real headless browser (Debian's `chromium`): the page the browser
//! builds holds the three charts with their data drawn, the rollback marked on the time axis,
//! and a screenshot of it is far from blank. Fails, rather than skips, when chromium is
//! missing and `CI` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod report_common;

use std::path::Path;
use std::process::Command;

use warroom::report::{self, Format};

/// chromium, or None (allowed only outside CI).
fn chromium() -> Option<&'static str> {
    let found = ["chromium", "chromium-browser"].into_iter().find(|c| {
        Command::new(c)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "chromium is not installed (apt-get install chromium); CI must run this test"
        );
        eprintln!("skipped: chromium is not installed");
    }
    found
}

fn browse(bin: &str, profile: &Path, args: &[String], page: &Path) -> std::process::Output {
    Command::new(bin)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(page)
        .output()
        .expect("chromium runs")
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[test]
fn the_html_report_draws_its_charts_in_a_headless_browser() {
    let Some(bin) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let r = report::from_file(&report_common::bad_canary(dir.path())).unwrap();
    let page = dir.path().join("report.html");
    let html = report::render(&r, Format::Html).unwrap();
    assert!(!html.contains("<script"), "no script in the page");
    assert!(
        !html.contains(" src=") && !html.contains(" href="),
        "nothing loaded from elsewhere"
    );
    assert!(html.contains("Content-Security-Policy\" content=\"default-src 'none'"));
    // Series are lines: the colour classes set `fill` for the dots, so the paths' `fill:none`
    // must be the more specific rule, or every line is drawn as a filled area.
    assert!(
        html.contains("path.series{fill:none"),
        "series paths unfilled"
    );
    std::fs::write(&page, &html).unwrap();
    let profile = dir.path().join("profile");

    let out = browse(bin, &profile, &["--dump-dom".to_string()], &page);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8(out.stdout).unwrap();
    for id in ["chart-error-ratio", "chart-latency", "chart-share"] {
        assert!(dom.contains(&format!("id=\"{id}\"")), "no {id} in the DOM");
    }
    assert_eq!(count(&dom, "<svg"), 3, "three charts");
    // Error ratio and p95/p99 for both versions, and the share: a path each, with points.
    for series in [
        "error_ratio:blue",
        "error_ratio:green",
        "latency_p95:green",
        "latency_p99:blue",
        "latency_p99:green",
        "share:candidate",
    ] {
        let at = dom
            .find(&format!("data-series=\"{series}\""))
            .unwrap_or_else(|| panic!("no {series} path in the DOM"));
        let points: usize = dom[at..]
            .split("data-points=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        assert!(points > 0, "{series} has no points");
    }
    assert!(count(&dom, "<path class=\"series") >= 6);
    assert!(count(&dom, "<circle") >= 6, "points drawn");
    // The decision, the shift and the auto-rollback are marked on every chart's time axis.
    for marker in ["decision", "shift", "auto-rollback", "marker"] {
        assert_eq!(
            count(&dom, &format!("data-marker=\"{marker}\"")),
            3,
            "{marker} on each chart"
        );
    }
    assert!(dom.contains("rolled back (automatic)"));

    // A screenshot of the page against one of an empty page at the same size: charts and
    // tables make the image far larger than a blank one.
    let blank = dir.path().join("blank.html");
    std::fs::write(&blank, "<!doctype html><html><body></body></html>").unwrap();
    let size = |name: &str, p: &Path| {
        let png = dir.path().join(name);
        let out = browse(
            bin,
            &profile,
            &[
                format!("--screenshot={}", png.display()),
                "--window-size=1200,2000".to_string(),
            ],
            p,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(&png).expect("a screenshot");
        assert_eq!(&bytes[1..4], b"PNG");
        bytes.len()
    };
    let (ours, empty) = (size("report.png", &page), size("blank.png", &blank));
    assert!(
        ours > empty * 4,
        "the screenshot looks blank: {ours} bytes against {empty} for an empty page"
    );
}
