//! Fault rules: make matching ECS calls fail, or answer late.
//!
//! A rule matches on action (`*` wildcards allowed), an instance the request names,
//! the caller's account and the `RegionId` parameter; an absent criterion matches
//! everything. The gateway asks [`Faults::check`] after authentication and RAM,
//! before the action is parsed or applied. Rules are looked at in creation order: every
//! matching latency-only rule adds its delay and the scan goes on; the first matching
//! rule with an error stops it and its error (after its own delay, if any) is the
//! answer, so nothing is applied. `Probability` is rolled per matching call (on the
//! seeded fault stream under `--seed`); `Times` counts the calls a rule fired on, after
//! which it stays listed with its `Hits` but no longer matches.
//!
//! The common case — no rule at all — costs one atomic load: [`Faults::check`] reads a
//! count of active rules before taking the lock.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::ecs::catalog::Wildcard;
use crate::gateway::status::WireError;
use crate::params::Params;
use crate::random::{Random, Stream};

/// What a rule matches; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Matcher {
    /// Action name; `*` matches any run of characters.
    pub action: Option<String>,
    /// An instance named by `InstanceId`, `InstanceId.N` or the `InstanceIds` array.
    pub instance_id: Option<String>,
    /// The verified caller's account.
    pub account_id: Option<String>,
    /// The request's `RegionId` parameter.
    pub region_id: Option<String>,
}

/// A rule as the control plane defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// Which calls.
    pub matcher: Matcher,
    /// The error to answer with (`None`: latency only).
    pub error: Option<WireError>,
    /// Delay before answering.
    pub latency_ms: u64,
    /// Fire at most this many times (`None`: until deleted).
    pub times: Option<u64>,
    /// Chance to fire on a matching call, 0–1.
    pub probability: f64,
}

/// A rule with its id and hit count.
#[derive(Debug, Clone, PartialEq)]
pub struct Fault {
    /// `fault-N`.
    pub id: String,
    /// The definition.
    pub rule: Rule,
    /// How many calls it fired on.
    pub hits: u64,
    action: Option<Wildcard>,
}

impl Fault {
    /// Whether it can still fire.
    pub fn is_active(&self) -> bool {
        self.rule.times.is_none_or(|t| self.hits < t)
    }

    fn matches(&self, call: &Call<'_>) -> bool {
        let m = &self.rule.matcher;
        self.action.as_ref().is_none_or(|w| w.matches(call.action))
            && m.account_id.as_deref().is_none_or(|a| a == call.account_id)
            && m.region_id
                .as_deref()
                .is_none_or(|r| call.params.non_empty("RegionId") == Some(r))
            && m.instance_id
                .as_deref()
                .is_none_or(|id| names_instance(call.params, id))
    }
}

/// Whether a request names instance `id`.
fn names_instance(p: &Params, id: &str) -> bool {
    p.get("InstanceId") == Some(id)
        || p.repeat("InstanceId").iter().any(|x| x == id)
        || p.get("InstanceIds")
            .and_then(|v| serde_json::from_str::<Vec<String>>(v).ok())
            .is_some_and(|ids| ids.iter().any(|x| x == id))
}

/// The call a rule is matched against.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    /// The action as sent.
    pub action: &'a str,
    /// The verified caller's account.
    pub account_id: &'a str,
    /// All parameters.
    pub params: &'a Params,
}

/// What the matching rules do to a call.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Effect {
    /// Total delay.
    pub delay_ms: u64,
    /// The answer instead of the real one.
    pub error: Option<WireError>,
}

#[derive(Debug, Default)]
struct Rules {
    list: Vec<Fault>,
    next_id: u64,
}

/// The fault rules (see the module docs).
#[derive(Debug, Default)]
pub struct Faults {
    rules: Mutex<Rules>,
    /// Rules that can still fire; 0 lets [`Faults::check`] return at once.
    active: AtomicUsize,
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, Rules> {
        self.rules.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn recount(&self, rules: &Rules) {
        let n = rules.list.iter().filter(|f| f.is_active()).count();
        self.active.store(n, Ordering::Release);
    }

    /// Add a rule; returns its id.
    pub fn add(&self, rule: Rule) -> String {
        let mut rules = self.lock();
        rules.next_id += 1;
        let id = format!("fault-{}", rules.next_id);
        let action = rule.matcher.action.as_deref().map(Wildcard::new);
        rules.list.push(Fault {
            id: id.clone(),
            rule,
            hits: 0,
            action,
        });
        self.recount(&rules);
        id
    }

    /// Every rule, in creation order.
    pub fn list(&self) -> Vec<Fault> {
        self.lock().list.clone()
    }

    /// Remove one rule; `false` if there is none with this id.
    pub fn remove(&self, id: &str) -> bool {
        let mut rules = self.lock();
        let before = rules.list.len();
        rules.list.retain(|f| f.id != id);
        self.recount(&rules);
        rules.list.len() != before
    }

    /// Remove every rule that matches only calls of `account_id`; returns how many.
    pub fn remove_for_account(&self, account_id: &str) -> usize {
        let mut rules = self.lock();
        let before = rules.list.len();
        rules
            .list
            .retain(|f| f.rule.matcher.account_id.as_deref() != Some(account_id));
        self.recount(&rules);
        before - rules.list.len()
    }

    /// Remove every rule; returns how many there were.
    pub fn clear(&self) -> usize {
        let mut rules = self.lock();
        let n = rules.list.len();
        rules.list.clear();
        self.recount(&rules);
        n
    }

    /// What the rules do to `call`, or `None` when none fires.
    pub fn check(&self, call: &Call<'_>, random: &Random) -> Option<Effect> {
        if self.active.load(Ordering::Acquire) == 0 {
            return None;
        }
        let mut rules = self.lock();
        let mut effect = Effect::default();
        let mut fired = false;
        for f in rules.list.iter_mut() {
            if !f.is_active() || !f.matches(call) {
                continue;
            }
            if !random.chance(Stream::Faults, f.rule.probability) {
                continue;
            }
            f.hits += 1;
            fired = true;
            effect.delay_ms = effect.delay_ms.saturating_add(f.rule.latency_ms);
            if let Some(e) = &f.rule.error {
                effect.error = Some(e.clone());
                break;
            }
        }
        if fired {
            self.recount(&rules);
        }
        fired.then_some(effect)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Code;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params::from_pairs(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    fn rule(matcher: Matcher, error: Option<Code>, latency_ms: u64) -> Rule {
        Rule {
            matcher,
            error: error.map(WireError::from),
            latency_ms,
            times: None,
            probability: 1.0,
        }
    }

    #[test]
    fn latency_rules_add_up_until_the_first_error() {
        let faults = Faults::default();
        let random = Random::real();
        let p = params(&[("InstanceIds", r#"["i-1","i-2"]"#)]);
        let call = Call {
            action: "DescribeInstances",
            account_id: "1",
            params: &p,
        };
        assert_eq!(faults.check(&call, &random), None);
        faults.add(rule(Matcher::default(), None, 10));
        let by_instance = Matcher {
            action: Some("Describe*".into()),
            instance_id: Some("i-2".into()),
            ..Matcher::default()
        };
        faults.add(rule(by_instance, Some(Code::Throttling), 5));
        faults.add(rule(Matcher::default(), None, 1000));
        let effect = faults.check(&call, &random).expect("fires");
        assert_eq!(effect.delay_ms, 15);
        assert_eq!(effect.error.expect("an error").error.code, "Throttling");
        let hits: Vec<u64> = faults.list().iter().map(|f| f.hits).collect();
        assert_eq!(hits, [1, 1, 0], "the scan stops at the first error");
    }

    #[test]
    fn times_and_criteria() {
        let faults = Faults::default();
        let random = Random::real();
        let p = params(&[("InstanceId.1", "i-9"), ("RegionId", "cn-hangzhou")]);
        let call = Call {
            action: "StartInstances",
            account_id: "1",
            params: &p,
        };
        let other_account = Matcher {
            account_id: Some("2".into()),
            ..Matcher::default()
        };
        faults.add(rule(other_account, Some(Code::InternalError), 0));
        assert_eq!(faults.check(&call, &random), None);
        let mut once = rule(
            Matcher {
                instance_id: Some("i-9".into()),
                region_id: Some("cn-hangzhou".into()),
                ..Matcher::default()
            },
            Some(Code::InternalError),
            0,
        );
        once.times = Some(1);
        let id = faults.add(once);
        assert!(faults.check(&call, &random).is_some());
        assert_eq!(faults.check(&call, &random), None, "Times exhausted");
        assert!(!faults.list()[1].is_active());
        assert_eq!(faults.remove_for_account("2"), 1);
        assert!(faults.remove(&id));
        assert!(!faults.remove(&id));
    }
}
