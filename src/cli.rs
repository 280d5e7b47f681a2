//! The command line: clap definitions for every subcommand.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A terminal war room for production deployments.
#[derive(Debug, Parser)]
#[command(name = "warroom", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Open the war room for a release: the staged checklist, recorded to a session log.
    Run(RunArgs),
    /// Validate a runbook or a warroom.toml; prints each problem as file:line:col: message.
    Check(CheckArgs),
    /// Turn a Markdown checklist into a runbook (TOML).
    Import(ImportArgs),
    /// Check a session log's hash chain; exit 0 if intact, 1 naming the first bad line.
    Verify(VerifyArgs),
    /// Run the simulator alone: a Kubernetes API subset, /metrics and /health on loopback.
    Sim(SimArgs),
    /// Start the simulator in-process and open the war room against it (nothing to install).
    Demo(DemoArgs),
    /// Approve the decision a running war room waits for, from another terminal of this
    /// machine or (--cluster) through the cluster; exit 0 recorded, 1 refused, 3 no war room
    /// answering.
    Approve(ApproveArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to stdout: `warroom man | man -l -`.
    Man(ManArgs),
    /// The post-mortem report of a session log (md, json or html), or with --metrics DIR the
    /// deployment (DORA) metrics of every session log in a directory.
    Report(ReportArgs),
    /// Replay a session log in the war room's screen, read-only: play, pause, speed, seek,
    /// step back, jump between decisions; exit 1 (headless) if its chain is broken.
    Replay(ReplayArgs),
    /// Follow a session another war room is writing, read-only, as it grows; `-` reads it
    /// from stdin (`ssh host tail -c +1 -f S.jsonl | warroom follow -`).
    Follow(FollowArgs),
}

/// Options shared by `run` (and later `demo`).
#[derive(Debug, Args, Clone, Default)]
pub struct RunArgs {
    /// The war-room config (default ./warroom.toml, else warroom.toml in the XDG config dir).
    #[arg(short = 'c', long = "config", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The runbook: TOML, YAML, or a Markdown checklist (imported on load).
    #[arg(long, value_name = "FILE")]
    pub runbook: Option<PathBuf>,
    /// T-0 of the release: RFC 3339 (2026-11-24T15:00:00Z), a local time with a zone
    /// (2026-11-24T10:00 America/New_York), or a local time read in [deployment] timezone.
    #[arg(long, value_name = "TIME")]
    pub t0: Option<String>,
    /// Who is operating (default WARROOM_OPERATOR, else the login name).
    #[arg(long, value_name = "NAME")]
    pub operator: Option<String>,
    /// The operator's role, one of [roles] (default WARROOM_ROLE, else the config's role for
    /// the operator, else observer).
    #[arg(long, value_name = "ROLE")]
    pub role: Option<String>,
    /// The session log to write (default: a new file in the XDG data dir).
    #[arg(long, value_name = "PATH")]
    pub session: Option<PathBuf>,
    /// Continue the chain of an existing --session file.
    #[arg(long, requires = "session")]
    pub resume: bool,
    /// Run with no terminal: commands on stdin (one per line), events as JSON lines on stdout.
    #[arg(long)]
    pub headless: bool,
    /// With --headless: end the session after this long (e.g. 30s, 5m, 1h30m).
    #[arg(long, value_name = "D", requires = "headless")]
    pub duration: Option<String>,
    /// Layout to open with (a name from layouts/).
    #[arg(long, value_name = "NAME")]
    pub layout: Option<String>,
    /// Theme to open with (a name from themes/).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// Let the runbook's command checks run, each once an operator allowed its exact argv
    /// (T in the checklist, or `trust ITEM` headless). Off by default.
    #[arg(long)]
    pub trust_runbook: bool,
}

/// `warroom check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Runbook (.toml, .yaml, .yml, .md) or config (warroom.toml) files.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// `warroom import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The Markdown checklist.
    #[arg(value_name = "FILE.md")]
    pub file: PathBuf,
    /// Where to write the runbook (default: standard output).
    #[arg(short = 'o', long = "output", value_name = "OUT")]
    pub output: Option<PathBuf>,
}

/// `warroom verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The session log.
    #[arg(value_name = "SESSION.jsonl")]
    pub file: PathBuf,
    /// A head hash recorded elsewhere; a file that does not reach it was cut off.
    #[arg(long, value_name = "HASH")]
    pub head: Option<String>,
    /// git's allowed_signers file: check every signed head against it, name the signer of
    /// each decision, and fail unless every decision and the close are signed.
    #[arg(long, value_name = "FILE")]
    pub allowed_signers: Option<PathBuf>,
}

/// `warroom sim`.
#[derive(Debug, Args, Clone)]
pub struct SimArgs {
    /// Loopback address to serve on (port 0 picks a free port; the real one is printed).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// healthy, bad-canary, slow-canary, crashloop or no-traffic.
    #[arg(long, value_name = "NAME", default_value = "healthy")]
    pub scenario: String,
    /// Write kubeconfig, warroom.toml and prometheus.yml for this simulator into DIR.
    #[arg(long, value_name = "DIR")]
    pub write_config: Option<PathBuf>,
    /// Seed for the synthetic traffic (same seed, same request counts).
    #[arg(long, value_name = "N", default_value_t = 1)]
    pub seed: u64,
    /// Requests per second.
    #[arg(long, value_name = "N", default_value_t = 200.0)]
    pub rps: f64,
    /// Replicas of each Deployment.
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub replicas: u32,
    /// How traffic is routed: service-selector, httproute-weights or replica-ratio.
    #[arg(long, value_name = "MODE", default_value = "service-selector")]
    pub routing: String,
    /// One pod lifecycle step in ms (scheduling, start, readiness, termination).
    #[arg(long, value_name = "MS", default_value_t = 300)]
    pub pod_step_ms: u64,
    /// The simulated clock's step in ms.
    #[arg(long, value_name = "MS", default_value_t = 50)]
    pub tick_ms: u64,
    /// Move the clock only through POST /sim/advance (reproducible runs).
    #[arg(long)]
    pub manual_clock: bool,
    /// A user who may only read (get, list, watch); every write is refused with RBAC's 403.
    /// The users `approver` (may write) and `viewer` (read-only) always exist; the written
    /// kubeconfig has a context `warroom-sim-NAME` for each.
    #[arg(long = "read-only-user", value_name = "NAME")]
    pub read_only_users: Vec<String>,
}

/// `warroom demo`: the same flags as `run`, plus the scenario.
#[derive(Debug, Args, Clone)]
pub struct DemoArgs {
    /// Options shared with `run` (the config and runbook default to the generated ones).
    #[command(flatten)]
    pub run: RunArgs,
    /// healthy, bad-canary, slow-canary, crashloop or no-traffic.
    #[arg(long, value_name = "NAME", default_value = "healthy")]
    pub scenario: String,
}

/// `warroom approve`.
#[derive(Debug, Args, Clone)]
pub struct ApproveArgs {
    /// The live session's log; the war room serves `SESSION.jsonl.sock` beside it.
    #[arg(value_name = "SESSION.jsonl", required_unless_present = "cluster")]
    pub session: Option<PathBuf>,
    /// Deliver the approval through the cluster instead, signed with your SSH key, from any
    /// machine that can reach it (the war room must run with [signing] allowed_signers).
    #[arg(long, conflicts_with_all = ["session", "as_name"])]
    pub cluster: bool,
    /// With --cluster: the war room's config (its [kubernetes] and [signing] tables).
    #[arg(
        short = 'c',
        long = "config",
        value_name = "FILE",
        requires = "cluster"
    )]
    pub config: Option<PathBuf>,
    /// With --cluster: your signing key, as `[signing] key` is written (default
    /// WARROOM_SIGNER, else the first Ed25519 key of your ssh-agent).
    #[arg(long, value_name = "FILE", requires = "cluster")]
    pub key: Option<String>,
    /// With --cluster: the allowed_signers principal you sign as (default: your operator
    /// name's entry in [signing.principals], else the name itself).
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub principal: Option<String>,
    /// With --cluster: the kubeconfig to use instead of the config's.
    #[arg(long, value_name = "FILE", requires = "cluster")]
    pub kubeconfig: Option<PathBuf>,
    /// With --cluster: the kubeconfig context to use instead of the config's.
    #[arg(long, value_name = "NAME", requires = "cluster")]
    pub context: Option<String>,
    /// With --cluster: how long to wait for the war room's answer, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30, requires = "cluster")]
    pub wait: u64,
    /// Why you approve (recorded with the approval).
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,
    /// Approve under a declared name (outside production, where `[gates.approvals]
    /// allow_declared` is on); recorded together with your OS user.
    #[arg(long = "as", value_name = "NAME")]
    pub as_name: Option<String>,
    /// The decision you approve (default: the one the war room says is pending).
    #[arg(long = "for", value_enum, value_name = "DECISION")]
    pub for_decision: Option<ForDecision>,
    /// With `--for step`: which step, counting from 1 (default: the next one).
    #[arg(long, value_name = "N", requires = "for_decision",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub step: Option<u32>,
    /// The go/no-go round you mean (default: the one the war room reports now).
    #[arg(long, value_name = "N", requires = "for_decision")]
    pub round: Option<u32>,
}

/// What `warroom approve --for` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ForDecision {
    /// The go of this release.
    Go,
    /// One traffic step.
    Step,
    /// A manual production rollback (when policy asks for a second person).
    Rollback,
}

/// `warroom completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// `warroom man`.
#[derive(Debug, Args, Clone)]
pub struct ManArgs {
    /// A subcommand's page (e.g. run) instead of the main one.
    #[arg(value_name = "SUBCOMMAND")]
    pub subcommand: Option<String>,
}

/// `warroom report`.
#[derive(Debug, Args, Clone)]
pub struct ReportArgs {
    /// The session log.
    #[arg(
        value_name = "SESSION.jsonl",
        required_unless_present = "metrics",
        conflicts_with = "metrics"
    )]
    pub file: Option<PathBuf>,
    /// Summarise every session log (*.jsonl) in DIR into deployment metrics instead.
    #[arg(long, value_name = "DIR")]
    pub metrics: Option<PathBuf>,
    /// md (default), json (docs/report.schema.json) or html (one self-contained page).
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "md")]
    pub format: ReportFormat,
    /// Write to FILE instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What `warroom report --format` can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReportFormat {
    /// Markdown.
    Md,
    /// JSON.
    Json,
    /// One self-contained HTML page with charts.
    Html,
}

/// `warroom replay`.
#[derive(Debug, Args, Clone)]
pub struct ReplayArgs {
    /// The session log.
    #[arg(value_name = "SESSION.jsonl")]
    pub file: PathBuf,
    /// How fast to play: 1 to 1000 times real time, or skip-idle (from one human or
    /// production event to the next).
    #[arg(long, value_name = "N", default_value = "1")]
    pub speed: String,
    /// Where to open: a time of day (14:05) or a date and time (2026-11-24 14:05) in the
    /// local zone, RFC 3339 (2026-11-24T14:05:00Z), or +D from the start (+1h30m).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Open paused.
    #[arg(long)]
    pub paused: bool,
    /// Layout to open with (a name from layouts/).
    #[arg(long, value_name = "NAME")]
    pub layout: Option<String>,
    /// Theme to open with (a name from themes/).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// No terminal: play to the end as fast as the file reads and print a summary of the
    /// final state and the chain; exit 1 if the chain is broken.
    #[arg(long)]
    pub headless: bool,
}

/// `warroom follow`.
#[derive(Debug, Args, Clone)]
pub struct FollowArgs {
    /// The session log another war room writes, or `-` for stdin.
    #[arg(value_name = "SESSION.jsonl|-")]
    pub file: PathBuf,
    /// Layout to open with (a name from layouts/).
    #[arg(long, value_name = "NAME")]
    pub layout: Option<String>,
    /// Theme to open with (a name from themes/).
    #[arg(long, value_name = "NAME")]
    pub theme: Option<String>,
    /// No terminal: print each line as it verifies (stdout), and damage, resumes and the
    /// writer's state (stderr); with `-`, exit at the end of stdin (1 if the chain broke).
    #[arg(long)]
    pub headless: bool,
}
