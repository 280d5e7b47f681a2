//! The built-in templates: the four communication templates of the release runbook's appendix,
//! in its wording, with the bracketed blanks (`[TIME UTC]`, `50%`, `0.3%`, `285ms`) turned into
//! the values the war room knows. What it cannot know (the features shipped, the post-mortem
//! date) is left out; a template in `[comms.templates]` can add it as text.

use super::CommsKind;
use super::template::Template;
use crate::config::warroom::WarroomConfig;

/// "Deployment Start".
pub const START: &str = "\
Subject: {Environment} Deployment Started - {service} {version}

Team,

{Environment} deployment has started at {time}.

Status: {candidate} deployed, starting traffic shift
Next Update: {next_update}

Dashboard: {dashboard}
War Room: {channel}

{operator}, {role}
";

/// "Deployment Progress".
pub const PROGRESS: &str = "\
Subject: Deployment Progress Update - {weight}% traffic shifted

Team,

Deployment Status Update - {time}

Current Status: {weight}% traffic on new version ({step})
Metrics: {metrics}
- Error rate: {error_rate}
- Latency p95: {p95}
- {alerts}

Next Step: {next_step}
Next Update: {next_update}

{operator}, {role}
";

/// "Deployment Complete".
pub const COMPLETE: &str = "\
Subject: {Environment} Deployment Complete - {service} {version}

Team,

{Environment} deployment completed successfully at {time}.

Final Status:
- {weight}% traffic on {version}
- Metrics: {metrics}
- {alerts}
- Deployment duration: {duration}

Validation Period: Next 24 hours
War Room: Closed, monitoring continues

Thank you for your support!

{operator}, {role}
";

/// "Deployment Rollback".
pub const ROLLBACK: &str = "\
Subject: URGENT - {Environment} Deployment Rolled Back

Team,

The {environment} deployment has been rolled back at {time}.

Reason: {reason}
Current Status: {rollback_status}
Service Status: {service_status}

Incident Ticket: {ticket}

The issue will be investigated and fixed before retry.

{operator}, {role}
";

/// The built-in template text of a kind.
pub fn text(kind: CommsKind) -> &'static str {
    match kind {
        CommsKind::Start => START,
        CommsKind::Progress => PROGRESS,
        CommsKind::Complete => COMPLETE,
        CommsKind::Rollback => ROLLBACK,
    }
}

/// The template in force for `kind`: `[comms.templates]`, else the built-in one. A configured
/// template was checked when the config was read; should it not parse (a config recorded by
/// an older version), the built-in one is used.
pub fn template(cfg: &WarroomConfig, kind: CommsKind) -> Template {
    cfg.comms
        .templates
        .get(kind)
        .and_then(|t| Template::parse(t).ok())
        .unwrap_or_else(|| builtin(kind))
}

fn builtin(kind: CommsKind) -> Template {
    // The built-in templates are checked by a test; an empty template is the safe fallback.
    Template::parse(text(kind)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_builtin_templates_parse_and_carry_the_seed_fields() {
        for k in CommsKind::ALL {
            let t = Template::parse(text(k)).expect("built-in template parses");
            assert!(t.names().contains(&"time"), "{k:?}");
            assert!(t.names().contains(&"operator"), "{k:?}");
        }
        let p = Template::parse(PROGRESS).expect("progress").names();
        for name in [
            "weight",
            "step",
            "error_rate",
            "p95",
            "next_step",
            "next_update",
        ] {
            assert!(p.contains(&name), "progress lacks {name}");
        }
    }
}
