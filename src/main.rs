//! The `warroom` binary: parse the command line, set up diagnostics, dispatch.
#![forbid(unsafe_code)]

use clap::Parser;
use warroom::cli::Cli;
use warroom::commands::printable;
use warroom::config::Dirs;
use warroom::session::redact;

fn main() -> std::process::ExitCode {
    // reqwest and kube share rustls; with ring as the one provider, clients can be built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let _guard = init_diagnostics(&Dirs::from_env());
    // Installed before the terminal is set up: ratatui's hook restores it, then calls this.
    std::panic::set_hook(Box::new(print_panic));
    match warroom::commands::dispatch(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(fatal) => {
            // Messages quote files, URLs and server answers: no secret, no escape sequence.
            eprintln!("warroom: {}", safe(&fatal.message));
            std::process::ExitCode::from(fatal.code as u8)
        }
    }
}

/// Text fit for stderr: secrets redacted, control characters shown escaped.
fn safe(s: &str) -> String {
    printable::escape(&redact::text(s)).into_owned()
}

/// The panic message, redacted and escaped like every other message (the default hook prints
/// it raw); the backtrace when `RUST_BACKTRACE` asks for one.
fn print_panic(info: &std::panic::PanicHookInfo<'_>) {
    let payload = info.payload();
    let message = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    let at = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    eprintln!("warroom panicked{at}: {}", safe(&message));
    let trace = std::backtrace::Backtrace::capture();
    if trace.status() == std::backtrace::BacktraceStatus::Captured {
        eprintln!("{}", safe(&trace.to_string()));
    }
}

/// Diagnostics go to a daily-rolling file in the XDG state dir, never to the screen.
fn init_diagnostics(dirs: &Dirs) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = dirs.state.join("logs");
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::RollingFileAppender::builder()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("warroom")
        .filename_suffix("log")
        // tracing-appender may keep only n-1 files (#3496); 8 keeps a week.
        .max_log_files(8)
        .build(&dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("WARROOM_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
