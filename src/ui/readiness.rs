//! The rollback-readiness indicator, always in the header: whether the stable workload could
//! take all traffic back now (its ready replicas against desired, from the Deployments' watch)
//! and when that was last seen. Red when it could not; warn while partly ready or when the
//! watch is stale or down, because then nobody knows.

use ratatui::text::Span;

use super::freshness::{self, Feed};
use super::widgets::span;
use super::{Ctx, sanitize, timefmt};
use crate::config::theme::Role;
use crate::release::plan::Sides;
use crate::state::live::Freshness;

/// The indicator: its role, a full text and a short one for a narrow header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Readiness {
    /// Ok when the stable workload is fully ready, Crit when it cannot take traffic.
    pub role: Role,
    /// `rollback → app-blue 6/6 ready · live`.
    pub full: String,
    /// `rb 6/6 ✓`.
    pub short: String,
}

/// The indicator, when the session watches a stable workload (`[kubernetes] stable`).
pub fn of(ctx: &Ctx<'_>) -> Option<Readiness> {
    ctx.config.kubernetes.as_ref()?;
    let name = Sides::of(ctx.config).stable_workload?;
    let name = sanitize::line(&name).into_owned();
    let fresh = freshness::of(&ctx.state.live, Feed::Workloads, ctx.now);
    let seen = match &fresh {
        Freshness::Fresh(_) => Some("live".to_string()),
        Freshness::Stale(a) => Some(format!("seen {} ago", timefmt::span(a.as_secs().max(0)))),
        Freshness::Down { age, .. } => Some(match age {
            Some(a) => format!("watch down, seen {} ago", timefmt::span(a.as_secs().max(0))),
            None => "watch down".to_string(),
        }),
        Freshness::Absent | Freshness::Waiting => None,
    };
    let current = matches!(fresh, Freshness::Fresh(_));
    let Some(w) = ctx.state.live.workloads.get(&name) else {
        let (role, what) = match &seen {
            Some(_) if current => (Role::Crit, format!("rollback ✗ {name} not found")),
            _ => (Role::Warn, format!("rollback ? {name} not seen yet")),
        };
        return Some(Readiness {
            role,
            short: if role == Role::Crit {
                "rb ✗".to_string()
            } else {
                "rb ?".to_string()
            },
            full: what,
        });
    };
    let ok = w.desired > 0 && w.ready >= w.desired;
    let (sym, role) = if w.ready == 0 {
        ("✗", Role::Crit)
    } else if !ok || !current {
        ("!", Role::Warn)
    } else {
        ("✓", Role::Ok)
    };
    let mut full = format!("rollback {sym} {name} {}/{} ready", w.ready, w.desired);
    if let Some(s) = seen {
        full.push_str(&format!(" · {s}"));
    }
    Some(Readiness {
        role,
        full,
        short: format!("rb {}/{} {sym}", w.ready, w.desired),
    })
}

impl Readiness {
    /// The indicator as a span, full or short.
    pub fn span<'a>(&self, ctx: &Ctx<'_>, short: bool) -> Span<'a> {
        span(
            ctx.theme,
            self.role,
            if short {
                self.short.clone()
            } else {
                self.full.clone()
            },
        )
    }
}
