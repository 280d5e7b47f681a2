//! Tests that need an outside tool (Prometheus, openssl, kubectl): without it they say
//! `SKIPPED` and pass on a developer's machine, but under CI (the `CI` variable set) a missing
//! tool fails the test, so CI can never pass by skipping.

/// Whether this run is CI's: `CI` set, whatever its value (no value turns the rule off).
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some()
}

/// Reports a missing tool: a failure under CI, else a `SKIPPED` line.
pub fn missing(test: &str, why: &str) {
    assert!(
        !in_ci(),
        "{test}: {why}; CI must provide it (.ci/run installs the tools the tests use)"
    );
    eprintln!("SKIPPED {test}: {why}");
}
