//! `warroom run`: load the runbook, open the session log, then hand over to the live loop
//! (terminal) or the headless loop.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;

use crate::cli::RunArgs;
use crate::config::warroom as warroom_config;
use crate::config::{self, Dirs};
use crate::error::Fatal;
use crate::event::{Actor, Envelope, Event};
use crate::session::{SessionLogError, Writer};

/// Everything the loops need, prepared before the terminal is touched so that every startup
/// error prints plainly.
#[derive(Debug)]
pub struct Prepared {
    /// Who is operating.
    pub actor: Actor,
    /// The session log, locked for this process.
    pub writer: Writer,
    /// Lines already in the file (on `--resume`), to rebuild the state first.
    pub history: Vec<Envelope>,
    /// The first event this run records: `SessionStarted`, or `SessionResumed`.
    pub opening: Event,
    /// `--duration` for headless runs.
    pub duration: Option<Duration>,
    /// `--layout`.
    pub layout: Option<String>,
    /// `--theme`.
    pub theme: Option<String>,
    /// Where the XDG files live.
    pub dirs: Dirs,
    /// Problems in the config that did not stop the session (recorded as warnings).
    pub warnings: Vec<String>,
    /// The screen, loaded (keymap, themes, layouts) before the session file is created so a
    /// bad user file never leaves an empty session behind. `None` for headless runs.
    pub ui: Option<crate::ui::Ui>,
}

/// Runs `warroom run`.
pub fn run(args: RunArgs) -> Result<(), Fatal> {
    let prepared = prepare(&args, &Dirs::from_env(), &|k| std::env::var(k).ok())?;
    if args.headless {
        crate::headless::run(prepared)
    } else {
        crate::app::run(prepared)
    }
}

/// Resolves identity, runbook, T-0 and the session file.
pub fn prepare(
    args: &RunArgs,
    dirs: &Dirs,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Prepared, Fatal> {
    let cwd = std::env::current_dir().unwrap_or_default();
    let cfg = match warroom_config::find(args.config.as_deref(), &cwd, &dirs.config) {
        Some(path) => Some(warroom_config::load(&path).map_err(problems)?),
        None => None,
    };
    let name = config::operator(args.operator.as_deref(), env);
    let role = config::role(
        args.role.as_deref(),
        env,
        cfg.as_ref().and_then(|c| c.role_of(&name)),
    );
    let actor = Actor {
        name,
        role,
        host: config::host_name(),
    };
    let ui = if args.headless {
        None
    } else {
        let mut ui = crate::ui::Ui::load(dirs, args.layout.as_deref(), args.theme.as_deref())?;
        ui.set_operator(&actor);
        Some(ui)
    };
    let duration = args
        .duration
        .as_deref()
        .map(|d| {
            parse_duration(d).ok_or_else(|| {
                Fatal::input(format!(
                    "--duration: '{d}' is not a duration; write e.g. 30s, 5m, 2h"
                ))
            })
        })
        .transpose()?;
    let t0 = match args.t0.as_deref() {
        Some(t) => Some(parse_t0(t)?),
        None => cfg.as_ref().and_then(|c| c.t0()),
    };

    if args.resume {
        let path = args.session.clone().unwrap_or_default();
        let (writer, resumed) = Writer::resume(&path, &actor).map_err(session_error)?;
        let opening = Event::SessionResumed {
            app_version: env!("CARGO_PKG_VERSION").to_string(),
            previous_clean_close: resumed.report.clean_close,
            torn_bytes: resumed.torn_bytes,
        };
        return Ok(Prepared {
            actor,
            writer,
            history: resumed.envelopes,
            opening,
            duration,
            layout: args.layout.clone(),
            theme: args.theme.clone(),
            dirs: dirs.clone(),
            warnings: Vec::new(),
            ui,
        });
    }

    let runbook_path = args
        .runbook
        .clone()
        .or_else(|| cfg.as_ref().and_then(|c| c.runbook.path.clone()))
        .ok_or_else(|| {
            Fatal::input(
                "no runbook: pass --runbook FILE (a .toml runbook or a Markdown checklist), \
                 or set [runbook] path in warroom.toml",
            )
        })?;
    let loaded = crate::runbook::load(&runbook_path).map_err(problems)?;
    let mut warnings = Vec::new();
    if let Some(c) = &cfg
        && !c.operators.is_empty()
        && c.role_of(&actor.name).is_none()
    {
        warnings.push(format!(
            "operator '{}' is not listed in [operators] of warroom.toml; running with role '{}'",
            actor.name, actor.role
        ));
    }
    let session_path = args
        .session
        .clone()
        .unwrap_or_else(|| default_session_path(dirs, &runbook_path));
    let writer = Writer::create(&session_path, &actor).map_err(session_error)?;
    let opening = Event::SessionStarted {
        app_version: env!("CARGO_PKG_VERSION").to_string(),
        runbook_path: runbook_path.display().to_string(),
        runbook_sha256: loaded.sha256,
        runbook: loaded.runbook,
        t0,
        deployment: cfg
            .as_ref()
            .map(|c| c.deployment.name.clone())
            .filter(|n| !n.is_empty()),
        config: cfg.map(Box::new),
    };
    Ok(Prepared {
        actor,
        writer,
        history: Vec::new(),
        opening,
        duration,
        layout: args.layout.clone(),
        theme: args.theme.clone(),
        dirs: dirs.clone(),
        warnings,
        ui,
    })
}

fn problems(list: Vec<crate::runbook::Problem>) -> Fatal {
    let lines: Vec<String> = list.iter().map(ToString::to_string).collect();
    Fatal::input(lines.join("\n"))
}

fn session_error(e: SessionLogError) -> Fatal {
    match e {
        SessionLogError::Damaged { .. } => Fatal::failed(e.to_string()),
        _ => Fatal::input(e.to_string()),
    }
}

/// `<data dir>/sessions/<runbook stem>-<UTC time>.jsonl`.
pub fn default_session_path(dirs: &Dirs, runbook: &Path) -> PathBuf {
    let stem = runbook
        .file_stem()
        .map_or_else(|| "session".into(), |s| s.to_string_lossy().into_owned());
    let now = Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
    dirs.sessions().join(format!("{stem}-{now}.jsonl"))
}

/// Parses `--t0`: RFC 3339 with an offset (`2026-11-24T15:00:00Z`), a zoned time with an IANA
/// zone (`2026-11-24T10:00 America/New_York` or `…[America/New_York]`), or a civil time read in
/// the system's zone.
pub fn parse_t0(s: &str) -> Result<Timestamp, Fatal> {
    let s = s.trim();
    if let Ok(t) = s.parse::<Timestamp>() {
        return Ok(t);
    }
    if let Ok(z) = s.parse::<jiff::Zoned>() {
        return Ok(z.timestamp());
    }
    let bad = |why: String| {
        Fatal::input(format!(
            "--t0: '{s}' {why}; write RFC 3339 (2026-11-24T15:00:00Z) or a local time with a \
             zone (2026-11-24T10:00 America/New_York)"
        ))
    };
    let (civil, zone) = match s.rsplit_once(' ') {
        Some((c, z)) if z.contains('/') || z == "UTC" => (c, Some(z)),
        _ => (s, None),
    };
    let dt: jiff::civil::DateTime = civil
        .parse()
        .map_err(|e| bad(format!("is not a time ({e})")))?;
    let tz = match zone {
        Some(z) => {
            jiff::tz::TimeZone::get(z).map_err(|e| bad(format!("names an unknown zone ({e})")))?
        }
        None => jiff::tz::TimeZone::system(),
    };
    dt.to_zoned(tz)
        .map(|z| z.timestamp())
        .map_err(|e| bad(e.to_string()))
}

/// Parses `30s`, `5m`, `2h`, `1d`, or a bare number of seconds.
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (num, unit) = s.split_at(
        s.find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(s.len()),
    );
    let n: f64 = num.parse().ok()?;
    let mult = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return None,
    };
    let secs = n * mult;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t0_forms() {
        let want: Timestamp = "2026-11-24T15:00:00Z".parse().expect("ts");
        assert_eq!(parse_t0("2026-11-24T15:00:00Z").expect("rfc3339"), want);
        assert_eq!(parse_t0("2026-11-24T10:00:00-05:00").expect("offset"), want);
        assert_eq!(
            parse_t0("2026-11-24T10:00 America/New_York").expect("zone"),
            want
        );
        assert_eq!(
            parse_t0("2026-11-24T10:00:00-05:00[America/New_York]").expect("bracket"),
            want
        );
        assert!(parse_t0("tomorrow").is_err());
        assert!(parse_t0("2026-11-24T10:00 Mars/Olympus").is_err());
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_duration("5m"), Some(Duration::from_secs(300)));
        assert_eq!(parse_duration("2"), Some(Duration::from_secs(2)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration(""), None);
    }
}
