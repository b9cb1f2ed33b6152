//! Command-line options; each also reads an `ECS_MOCK_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::BoolishValueParser;
use clap::Parser;

use crate::gateway::auth::AuthMode;
use crate::store::{Options, DEFAULT_JOURNAL_SIZE};
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
    /// (pending, starting, stopping, force-stopping, releasing, attaching, detaching;
    /// milliseconds).
    #[arg(long = "duration", env = "ECS_MOCK_DURATIONS", value_delimiter = ',')]
    pub durations: Vec<DurationOverride>,

    /// Largest accepted request body in bytes.
    #[arg(long, env = "ECS_MOCK_MAX_BODY", default_value_t = crate::DEFAULT_MAX_BODY)]
    pub max_body: usize,

    /// Close a connection whose client sends nothing for this long while the server waits
    /// for it: for a request, the rest of a head (answered 408 first) or body bytes. Not
    /// counted while a request is being handled. E.g. `30s`, `500ms`, `2m`.
    #[arg(long, env = "ECS_MOCK_IDLE_TIMEOUT", value_parser = parse_duration, default_value = "30s")]
    pub idle_timeout: Duration,

    /// After SIGTERM / SIGINT, wait at most this long for open connections to finish
    /// their requests, then drop them and exit 0.
    #[arg(long, env = "ECS_MOCK_SHUTDOWN_TIMEOUT", value_parser = parse_duration, default_value = "10s")]
    pub shutdown_timeout: Duration,

    /// Most connections served at once; one more is answered 503 `ServiceUnavailable`
    /// and closed.
    #[arg(long, env = "ECS_MOCK_MAX_CONNECTIONS", default_value_t = crate::server::DEFAULT_MAX_CONNECTIONS, value_parser = parse_max_connections)]
    pub max_connections: usize,

    /// Log filter (tracing EnvFilter syntax), e.g. `info`, `ecs_mock=debug`.
    #[arg(long, env = "ECS_MOCK_LOG", default_value = "info")]
    pub log: String,

    /// Log format.
    #[arg(long, env = "ECS_MOCK_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Requests kept by the journal (`GET /_mock/requests`), oldest dropped; 0 turns it off.
    #[arg(long, env = "ECS_MOCK_JOURNAL_SIZE", default_value_t = DEFAULT_JOURNAL_SIZE)]
    pub journal_size: usize,

    /// Keep throwaway accounts (`POST /_mock/accounts`) across `POST /_mock/reset`
    /// (their keys and settings; their instances go).
    #[arg(long, env = "ECS_MOCK_KEEP_ACCOUNTS", value_parser = BoolishValueParser::new())]
    pub keep_accounts: bool,

    /// Seed every generated id, address, serial number, request id, account key and
    /// fault probability, so a run repeats exactly; `POST /_mock/reset` restarts it.
    #[arg(long, env = "ECS_MOCK_SEED")]
    pub seed: Option<u64>,

    /// Keep the state in this folder: it survives a restart and a `kill -9`; a change
    /// is on disk before it is acknowledged.
    #[arg(long, env = "ECS_MOCK_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Require `Authorization: Bearer <token>` on every `/_mock/` route but health.
    #[arg(long, env = "ECS_MOCK_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,
}

/// A humantime duration (`30s`, `1m 30s`, `250ms`) that is not zero.
fn parse_duration(s: &str) -> Result<Duration, String> {
    match humantime::parse_duration(s) {
        Ok(d) if d.is_zero() => Err("must be longer than 0".into()),
        Ok(d) => Ok(d),
        Err(e) => Err(format!("{e} (write e.g. 30s, 500ms, 2m)")),
    }
}

/// A connection cap of at least 1.
fn parse_max_connections(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

impl Config {
    /// The connection limits.
    pub fn server(&self) -> crate::server::Settings {
        crate::server::Settings {
            idle_timeout: self.idle_timeout,
            shutdown_timeout: self.shutdown_timeout,
            max_connections: self.max_connections,
        }
    }

    /// The store options.
    pub fn store_options(&self) -> Options {
        Options {
            seed: self.seed,
            journal_size: self.journal_size,
            keep_accounts: self.keep_accounts,
            data_dir: self.data_dir.clone(),
        }
    }

    /// The timing profile with overrides applied.
    pub fn timing(&self) -> Timing {
        let mut t = Timing::profile(self.timing);
        for o in &self.durations {
            t.set(o.transition, o.ms);
        }
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_plane_options_reach_the_store() {
        let c = Config::try_parse_from([
            "ecs-mock",
            "--seed",
            "5",
            "--journal-size",
            "0",
            "--keep-accounts",
            "--data-dir",
            "/tmp/x",
            "--admin-token",
            "t0k",
        ])
        .expect("valid options");
        assert_eq!(
            c.store_options(),
            Options {
                seed: Some(5),
                journal_size: 0,
                keep_accounts: true,
                data_dir: Some(PathBuf::from("/tmp/x")),
            }
        );
        assert_eq!(c.admin_token.as_deref(), Some("t0k"));
        let defaults = Config::try_parse_from(["ecs-mock"]).expect("defaults");
        assert_eq!(defaults.store_options().journal_size, DEFAULT_JOURNAL_SIZE);
        assert!(Config::try_parse_from(["ecs-mock", "--seed", "x"]).is_err());
    }
}
