//! Command-line options; each also reads an `ECS_MOCK_*` environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

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

/// ecs-mock: a local emulator of the Alibaba Cloud ECS OpenAPI (2014-05-26).
#[derive(Debug, Clone, Parser)]
#[command(version, about)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:0` picks a free port; it is logged).
    #[arg(long, env = "ECS_MOCK_LISTEN", default_value = "127.0.0.1:8080")]
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

impl Config {
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
