//! `[auto_rollback] sequential` and `alpha`: off and 0.01 by default, read when given, and an
//! alpha that cannot be a false-alarm level refused with the line and the fix.

use warroom::config::warroom::parse_str;
use warroom::runbook::Format;

const BASE: &str = "[deployment]\nname = \"app\"\n";

#[test]
fn defaults_are_off_at_one_percent() {
    let c = parse_str(BASE, Format::Toml, "warroom.toml").expect("valid");
    assert!(!c.auto_rollback.sequential);
    assert_eq!(c.auto_rollback.alpha, 0.01);
    let on = format!("{BASE}[auto_rollback]\nsequential = true\nalpha = 0.001\n");
    let c = parse_str(&on, Format::Toml, "warroom.toml").expect("valid");
    assert!(c.auto_rollback.sequential);
    assert_eq!(c.auto_rollback.alpha, 0.001);
}

#[test]
fn an_alpha_outside_zero_and_one_is_refused_where_it_is_written() {
    for bad in ["0", "1", "1.5", "-0.01"] {
        let text = format!("{BASE}[auto_rollback]\nsequential = true\nalpha = {bad}\n");
        let problems = parse_str(&text, Format::Toml, "warroom.toml").expect_err("refused");
        let all: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            all.iter().any(|p| p.starts_with("warroom.toml:5:")
                && p.contains("`alpha` is the sequential test's false-alarm level")
                && p.contains("0.01 = 1 %")),
            "{bad}: {all:?}"
        );
    }
}
