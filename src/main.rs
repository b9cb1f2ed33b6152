//! The `ecs-mock` binary: parse options; then either `healthcheck` (no runtime, no
//! logging) or set up logging, load fixtures (or the data dir) and serve.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use ecs_mock::clock::Clock;
use ecs_mock::config::{Command, Config, LogFormat};
use ecs_mock::store::{fixtures, Store};
use ecs_mock::{run, App};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;

/// mimalloc: responses are built from many small allocations (JSON maps), which the
/// system allocator serves markedly slower under concurrency.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Parse the options; `healthcheck` needs no async runtime, serving builds one.
fn main() -> ExitCode {
    let config = Config::parse();
    match config.command {
        Some(Command::Healthcheck) => ecs_mock::healthcheck::run(config.listen),
        None => serve(config),
    }
}

/// Log, load the fixtures, bind and serve until SIGTERM / SIGINT.
#[tokio::main]
async fn serve(config: Config) -> ExitCode {
    let filter = EnvFilter::try_new(&config.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match config.log_format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }

    let fixture = match &config.fixtures {
        Some(path) => fixtures::load_path(path),
        None => Ok(fixtures::default_fixture()),
    };
    let fixture = match fixture {
        Ok(f) => f,
        Err(e) => {
            eprintln!("ecs-mock: bad fixtures: {e}");
            return ExitCode::from(2);
        }
    };
    let started = std::time::Instant::now();
    let store = match Store::open(
        fixture,
        Clock::real(),
        config.timing(),
        config.store_options(),
    ) {
        Ok(store) => store,
        Err(e) => {
            eprintln!("ecs-mock: cannot open the data dir: {e}");
            return ExitCode::from(2);
        }
    };
    tracing::debug!(
        elapsed_ms = started.elapsed().as_millis() as u64,
        "state built"
    );
    let app = App {
        store,
        auth: config.auth,
        max_body: config.max_body,
        server: config.server(),
        admin_token: config.admin_token.clone(),
    };
    let listener = match TcpListener::bind(config.listen).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!("ecs-mock: cannot listen on {}: {e}", config.listen);
            return ExitCode::from(1);
        }
    };
    let shutdown = shutdown_signal();
    let addr = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();
    tracing::info!(
        auth = ?config.auth,
        timing = ?config.timing,
        idle_timeout = %humantime::format_duration(config.idle_timeout),
        shutdown_timeout = %humantime::format_duration(config.shutdown_timeout),
        max_connections = config.max_connections,
        seed = ?config.seed,
        data_dir = ?config.data_dir,
        "ecs-mock listening on {addr}"
    );
    if let Err(e) = run(listener, app, shutdown).await {
        eprintln!("ecs-mock: server error: {e}");
        return ExitCode::from(1);
    }
    tracing::info!("ecs-mock stopped");
    ExitCode::SUCCESS
}

/// Ctrl-C or SIGTERM. The handlers are installed when this is called (before the
/// listening line is logged), so a signal sent right after startup is never lost to the
/// default action.
fn shutdown_signal() -> impl std::future::Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).ok();
        let mut int = signal(SignalKind::interrupt()).ok();
        async move {
            let wait = |s: Option<tokio::signal::unix::Signal>| async move {
                match s {
                    Some(mut s) => {
                        s.recv().await;
                    }
                    None => std::future::pending::<()>().await,
                }
            };
            tokio::select! {
                _ = wait(term.take()) => {},
                _ = wait(int.take()) => {},
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}
