//! Everything a live session needs, resolved before the terminal is touched: who operates,
//! the config, the runbook, T-0 and the session file. The terminal loop, the headless loop and
//! the supervisor take a `Prepared`; nothing here runs a loop.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::cli::RunArgs;
use crate::config::warroom::{self as warroom_config, T0, WarroomConfig};
use crate::config::{self, Dirs};
use crate::error::Fatal;
use crate::event::{Actor, Envelope, Event};
use crate::session::{SessionLogError, Writer};

/// How many fresh names are tried when a default session file is taken (another war room
/// started the same instant) before giving up.
const NAME_ATTEMPTS: u32 = 16;

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
    /// How heads are signed (`[signing]` or `WARROOM_SIGNER`); `None`: unsigned.
    pub signing: Option<crate::sign::SignSetup>,
    /// `--trust-runbook`: recorded as `RunbookTrusted` after the opening event.
    pub trust_runbook: bool,
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
    let source = if args.role.is_some() {
        "--role"
    } else if env("WARROOM_ROLE").is_some_and(|r| !r.trim().is_empty()) {
        "WARROOM_ROLE"
    } else if cfg.as_ref().and_then(|c| c.role_of(&name)).is_some() {
        "[operators] in warroom.toml"
    } else {
        "the default role"
    };
    known_role(&role, source, cfg.as_ref())?;
    let actor = Actor {
        name,
        role,
        host: config::host_name(),
    };
    let mut ui = if args.headless {
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
            d.parse::<warroom_config::Duration>()
                .map(|d| d.0)
                .map_err(|e| Fatal::input(format!("--duration: {e}")))
        })
        .transpose()?;
    let t0 = match args.t0.as_deref() {
        Some(t) => Some(resolve_t0(t, cfg.as_ref())?),
        None => cfg.as_ref().and_then(WarroomConfig::t0),
    };

    if args.resume {
        let path = args.session.clone().unwrap_or_default();
        let (writer, resumed) = Writer::resume(&path, &actor).map_err(session_error)?;
        if let Some(ui) = &mut ui {
            ui.set_session_file(writer.path());
        }
        // Without a config given now, the session signs as its recorded config says.
        let recorded = resumed.envelopes.iter().find_map(|e| match &e.event {
            Event::SessionStarted { config, .. } => config.as_deref().cloned(),
            _ => None,
        });
        let (signing, warnings) = signing(cfg.as_ref().or(recorded.as_ref()), &actor, env);
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
            warnings,
            ui,
            signing,
            trust_runbook: args.trust_runbook,
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
    let (signing, mut warnings) = signing(cfg.as_ref(), &actor, env);
    if let Some(c) = &cfg
        && !c.operators.is_empty()
        && c.role_of(&actor.name).is_none()
    {
        warnings.push(format!(
            "operator '{}' is not listed in [operators] of warroom.toml; running with role '{}'",
            actor.name, actor.role
        ));
    }
    let writer = match &args.session {
        Some(path) => Writer::create(path, &actor).map_err(session_error)?,
        None => create_default(dirs, &runbook_path, &actor)?,
    };
    if let Some(ui) = &mut ui {
        ui.set_session_file(writer.path());
    }
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
        signing,
        trust_runbook: args.trust_runbook,
    })
}

/// How long the startup check of the signing key may wait for an agent.
const SIGNING_PROBE: Duration = Duration::from_secs(5);

/// Signing for `actor`, and a warning when the key cannot sign now: the session still starts
/// (what is decided must not wait for a key), and every signature that fails is recorded.
fn signing(
    cfg: Option<&WarroomConfig>,
    actor: &Actor,
    env: &dyn Fn(&str) -> Option<String>,
) -> (Option<crate::sign::SignSetup>, Vec<String>) {
    let home = env("HOME").map(PathBuf::from);
    let setup = crate::sign::SignSetup::resolve(
        cfg,
        env(crate::sign::SIGNER_ENV).as_deref(),
        &actor.name,
        home.as_deref(),
    );
    let warning = setup.as_ref().and_then(|s| {
        s.signer(SIGNING_PROBE).err().map(|e| {
            format!(
                "heads cannot be signed: {}; decisions are still recorded, and each signature \
                 that fails is recorded too",
                s.explain(&e)
            )
        })
    });
    (setup, warning.into_iter().collect())
}

/// Refuses a role the config (or, without one, the built-in roles) does not define: a typo
/// would otherwise run the whole release under a role with no permissions.
fn known_role(role: &str, source: &str, cfg: Option<&WarroomConfig>) -> Result<(), Fatal> {
    let defaults;
    let roles = match cfg {
        Some(c) => &c.roles,
        None => {
            defaults = warroom_config::default_roles();
            &defaults
        }
    };
    if roles.contains_key(role) {
        return Ok(());
    }
    let known: Vec<&str> = roles.keys().map(String::as_str).collect();
    let fix = if source == "--role" {
        "pass one of them"
    } else {
        "pass --role with one of them"
    };
    let defined = match cfg {
        Some(_) => "[roles] in warroom.toml defines",
        None => "the built-in roles are (no warroom.toml)",
    };
    Err(Fatal::input(format!(
        "{source}: '{role}' is not a known role; {defined}: {}; {fix}",
        known.join(", ")
    )))
}

/// Reads `--t0`. A time with an offset or zone is an instant; a local time is read in
/// `[deployment] timezone`, and refused when no zone is configured (guessing UTC or the
/// machine's zone moves the release by hours).
pub fn resolve_t0(text: &str, cfg: Option<&WarroomConfig>) -> Result<Timestamp, Fatal> {
    let t0: T0 = text
        .parse()
        .map_err(|e| Fatal::input(format!("--t0: {e}")))?;
    let zone = cfg.and_then(|c| c.deployment.timezone.as_ref());
    match (&t0, zone) {
        (T0::Instant(t), _) => Ok(*t),
        (T0::Local(_), Some(z)) => t0
            .resolve(&z.tz())
            .ok_or_else(|| Fatal::input(format!("--t0: \"{text}\" does not exist in {z}"))),
        (T0::Local(_), None) => Err(Fatal::input(format!(
            "--t0: \"{text}\" has no zone and warroom.toml sets no [deployment] timezone; \
             write it with an offset (2026-11-24T15:00:00Z) or a zone \
             (\"{text} Europe/Berlin\"), or set [deployment] timezone"
        ))),
    }
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

/// Creates a session file under a fresh default name. A name another war room took in the
/// same instant is skipped for the next one; the file is never that war room's to resume.
fn create_default(dirs: &Dirs, runbook: &Path, actor: &Actor) -> Result<Writer, Fatal> {
    let mut last = None;
    for attempt in 0..NAME_ATTEMPTS {
        let path = default_session_path(dirs, runbook, attempt);
        match Writer::create(&path, actor) {
            Ok(w) => return Ok(w),
            Err(e @ (SessionLogError::Exists { .. } | SessionLogError::Locked { .. })) => {
                last = Some(e);
            }
            Err(e) => return Err(session_error(e)),
        }
    }
    let why = last.map_or_else(String::new, |e| format!(" (last: {e})"));
    Err(Fatal::input(format!(
        "cannot choose a new session file in {}: every name tried is taken{why}; \
         pass --session PATH",
        dirs.sessions().display()
    )))
}

/// `<data dir>/sessions/<runbook stem>-<UTC time>-<6 hex>.jsonl`. The suffix comes from the
/// clock's nanoseconds, the process and `attempt`, so two war rooms started in the same
/// second get different files.
pub fn default_session_path(dirs: &Dirs, runbook: &Path, attempt: u32) -> PathBuf {
    let stem = runbook
        .file_stem()
        .map_or_else(|| "session".into(), |s| s.to_string_lossy().into_owned());
    let now = Timestamp::now();
    let mut h = Sha256::new();
    h.update(now.as_nanosecond().to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(attempt.to_le_bytes());
    let suffix = hex::encode(&h.finalize()[..3]);
    let time = now.strftime("%Y%m%dT%H%M%SZ");
    dirs.sessions()
        .join(format!("{stem}-{time}-{suffix}.jsonl"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(text: &str) -> WarroomConfig {
        warroom_config::parse_str(text, crate::runbook::input::Format::Toml, "warroom.toml")
            .expect("config")
    }

    #[test]
    fn a_local_t0_is_read_in_the_configured_zone() {
        let berlin = config("[deployment]\nname = \"app\"\ntimezone = \"Europe/Berlin\"\n");
        let want: Timestamp = "2026-11-24T09:00:00Z".parse().expect("ts");
        assert_eq!(
            resolve_t0("2026-11-24T10:00", Some(&berlin)).expect("local"),
            want
        );
        // An explicit offset or zone wins over the configured zone.
        assert_eq!(
            resolve_t0("2026-11-24T09:00:00Z", Some(&berlin)).expect("instant"),
            want
        );
        assert_eq!(
            resolve_t0("2026-11-24T04:00 America/New_York", Some(&berlin)).expect("zone"),
            want
        );
        assert_eq!(
            resolve_t0("2026-11-24T04:00:00-05:00[America/New_York]", None).expect("bracket"),
            want
        );
    }

    #[test]
    fn a_local_t0_without_any_zone_is_refused() {
        let plain = config("[deployment]\nname = \"app\"\n");
        for cfg in [None, Some(&plain)] {
            let e = resolve_t0("2026-11-24T10:00", cfg).expect_err("no zone");
            assert!(e.message.contains("no zone"), "{}", e.message);
            assert!(e.message.contains("[deployment] timezone"), "{}", e.message);
        }
        assert!(resolve_t0("tomorrow", None).is_err());
        assert!(resolve_t0("2026-11-24T10:00 Mars/Olympus", None).is_err());
    }

    #[test]
    fn unknown_roles_are_refused_with_the_known_ones() {
        let cfg = config("[deployment]\nname = \"app\"\n[roles]\nlead = [\"decide\"]\n");
        assert!(known_role("lead", "--role", Some(&cfg)).is_ok());
        let e = known_role("laed", "--role", Some(&cfg)).expect_err("typo");
        assert!(e.message.contains("'laed'"), "{}", e.message);
        assert!(
            e.message.contains("[roles]") && e.message.contains("lead"),
            "{}",
            e.message
        );
        // Without a config the built-in roles apply.
        assert!(known_role("deployment-lead", "--role", None).is_ok());
        let e = known_role("boss", "WARROOM_ROLE", None).expect_err("unknown");
        assert!(
            e.message.starts_with("WARROOM_ROLE: 'boss'"),
            "{}",
            e.message
        );
        assert!(e.message.contains("observer"), "{}", e.message);
    }

    #[test]
    fn default_names_differ_within_one_second() {
        let dirs = Dirs {
            config: PathBuf::from("/c"),
            data: PathBuf::from("/d"),
            state: PathBuf::from("/s"),
        };
        let rb = Path::new("release.toml");
        let a = default_session_path(&dirs, rb, 0);
        let b = default_session_path(&dirs, rb, 1);
        assert_ne!(a, b);
        let name = a.file_name().and_then(|n| n.to_str()).expect("name");
        assert!(
            name.starts_with("release-") && name.ends_with(".jsonl"),
            "{name}"
        );
    }
}
