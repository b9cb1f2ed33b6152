//! Command-line options; each also reads an `ECS_MOCK_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Parser;

use crate::gateway::auth::AuthMode;
use crate::timing::{DurationOverride, Profile, Timing};

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// What to do instead of serving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Subcommand)]
pub enum Command {
    /// Check a running server: `GET /_mock/health`; exit 0 on HTTP 200, else 1.
    ///
    /// It asks the address given by `--listen` / `ECS_MOCK_LISTEN`, on loopback when that
    /// is 0.0.0.0 or ::, and gives up after 2 seconds. The container image's HEALTHCHECK
    /// runs it, so the image needs no shell and no curl.
    Healthcheck,
}

/// ecs-mock: a local emulator of the Alibaba Cloud ECS OpenAPI (2014-05-26).
///
/// Without a subcommand it serves.
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
pub struct Config {
    /// Instead of serving: `healthcheck`.
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on (`127.0.0.1:0` picks a free port; it is logged).
    #[arg(
        long,
        env = "ECS_MOCK_LISTEN",
        default_value = "127.0.0.1:8080",
        global = true
    )]
    pub listen: SocketAddr,

    /// Fixtures: a JSON file, or a folder whose *.json files are merged in name order.
    /// Default: the built-in fixtures/default.json.
    #[arg(long, env = "ECS_MOCK_FIXTURES")]
    pub fixtures: Option<PathBuf>,

    /// `strict`: known keys, valid signatures, ±15 min timestamps, no nonce reuse. `off`: accept anything.
    #[arg(long, env = "ECS_MOCK_AUTH", value_enum, default_value_t = AuthMode::Strict)]
    pub auth: AuthMode,

    /// How long transitional statuses last: fast (~1 s), instant, realistic (tens of seconds).
    #[arg(long, env = "ECS_MOCK_TIMING", value_enum, default_value_t = Profile::Fast)]
    pub timing: Profile,

    /// Override one transition, e.g. `starting=500,stopping=2000`
    /// (pending, starting, stopping, force-stopping, releasing; milliseconds).
    #[arg(long = "duration", env = "ECS_MOCK_DURATIONS", value_delimiter = ',')]
    pub durations: Vec<DurationOverride>,

    /// Largest accepted request body in bytes.
    #[arg(long, env = "ECS_MOCK_MAX_BODY", default_value_t = crate::DEFAULT_MAX_BODY)]
    pub max_body: usize,

    /// Log filter (tracing EnvFilter syntax), e.g. `info`, `ecs_mock=debug`.
    #[arg(long, env = "ECS_MOCK_LOG", default_value = "info")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "ECS_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

impl Config {
    /// The timing profile with overrides applied.
    pub fn timing(&self) -> Timing {
        let mut t = Timing::profile(self.timing);
        for o in &self.durations {
            t.set(o.transition, o.ms);
        }
        t
    }
}
