//! Test helpers: a world built from the default fixtures at a fixed time.

use crate::clock::{parse_time, Millis};
use crate::ecs::action::{Action, Request};
use crate::ecs::world::{Caller, World};
use crate::ecs::{Ctx, Reply};
use crate::error::ApiResult;
use crate::params::Params;
use crate::random::Random;
use crate::store::fixtures::default_fixture;
use crate::timing::{Profile, Timing};

/// 2026-06-01T00:00:00Z: after the fixtures' expiry dates.
pub(crate) fn t0() -> Millis {
    parse_time("2026-06-01T00:00:00Z").unwrap()
}

pub(crate) struct Kit {
    pub(crate) world: World,
    pub(crate) now: Millis,
    pub(crate) timing: Timing,
    pub(crate) random: Random,
}

impl Kit {
    pub(crate) fn new() -> Self {
        let timing = Timing::profile(Profile::Fast);
        Kit {
            world: World::from_fixture(default_fixture(), t0(), &timing),
            now: t0(),
            timing,
            random: Random::seeded(1),
        }
    }

    /// Call an action as `account` with `RegionId=cn-hangzhou` unless overridden.
    pub(crate) fn call_as(
        &mut self,
        account: &str,
        action: &str,
        params: &[(&str, &str)],
    ) -> ApiResult<Reply> {
        let mut pairs: Vec<(String, String)> = vec![("RegionId".into(), "cn-hangzhou".into())];
        pairs.extend(params.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let p = Params::from_pairs(pairs);
        self.apply(account, Action::parse(action).expect("known action"), &p)
    }

    /// Parse and apply `action` with exactly these parameters, as `account`: the
    /// gateway's parse → apply steps after authentication.
    pub(crate) fn apply(&mut self, account: &str, action: Action, p: &Params) -> ApiResult<Reply> {
        let caller = Caller {
            account_id: account.to_string(),
            ram_user: None,
        };
        let request = Request::parse(action, p)?;
        let ctx = Ctx {
            caller: &caller,
            region: p.non_empty("RegionId"),
            now: self.now,
            timing: &self.timing,
            random: &self.random,
        };
        request.apply(&mut self.world, &ctx).map(|a| a.into_reply())
    }

    pub(crate) fn call(&mut self, action: &str, params: &[(&str, &str)]) -> ApiResult<Reply> {
        self.call_as("1000000000000001", action, params)
    }

    pub(crate) fn code(&mut self, action: &str, params: &[(&str, &str)]) -> String {
        match self.call(action, params) {
            Ok(_) => "200".into(),
            Err(e) => e.code.into_owned(),
        }
    }

    pub(crate) fn status(&mut self, id: &str) -> &'static str {
        self.world
            .status_of(id, self.now)
            .map_or("gone", |s| s.as_str())
    }

    pub(crate) fn advance(&mut self, ms: Millis) {
        self.now += ms;
    }

    pub(crate) fn stock(&self, zone: &str, itype: &str) -> u64 {
        self.world
            .zone("cn-hangzhou", zone)
            .and_then(|z| z.stock.get(itype).copied())
            .unwrap_or(0)
    }
}
