//! The `warroom` binary: parse the command line, set up diagnostics, dispatch.
#![forbid(unsafe_code)]

use clap::Parser;
use warroom::cli::Cli;
use warroom::config::Dirs;

fn main() -> std::process::ExitCode {
    // reqwest and kube share rustls; with ring as the one provider, clients can be built.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let cli = Cli::parse();
    let _guard = init_diagnostics(&Dirs::from_env());
    match warroom::commands::dispatch(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(fatal) => {
            eprintln!("warroom: {}", fatal.message);
            std::process::ExitCode::from(fatal.code as u8)
        }
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
