//! The request journal: what the ECS API received and answered, newest kept.
//!
//! Each answered ECS request adds one [`Entry`] at the end of the gateway handler —
//! one short lock on a bounded queue (`--journal-size`, default 1000, oldest dropped;
//! 0 turns the journal off and costs nothing). Parameters are stored without the
//! signature and without any secret or security token, so the journal can be shown
//! anywhere.
//!
//! The handler hands over a borrowed [`Record`]; the journal copies it into an entry,
//! and once full it refills its oldest entry's buffers instead of dropping that entry
//! and allocating a new one. So recording allocates nothing in the steady state, and
//! the request's own buffers are freed by the thread that allocated them, at the end of
//! the request (not a thousand requests later, by whichever thread drops the entry).

use std::borrow::Cow;
use std::collections::VecDeque;
use std::sync::Mutex;

use crate::clock::Millis;
use crate::params::{Params, Recorded};
use crate::random::RequestId;

/// Parameters never stored (compared without regard to case): the signature, secrets
/// and an instance's login password (RunInstances, ModifyInstanceAttribute).
pub const HIDDEN_PARAMS: [&str; 5] = [
    "Signature",
    "AccessKeySecret",
    "SecurityToken",
    "x-acs-security-token",
    "Password",
];

/// One answered request as the handler knows it, borrowed; [`Journal::record`] copies
/// it into an [`Entry`].
#[derive(Debug)]
pub struct Record<'a> {
    /// When it arrived (emulator clock).
    pub time: Millis,
    /// The request id answered.
    pub request_id: RequestId,
    /// The action as sent.
    pub action: Cow<'static, str>,
    /// The verified caller's account.
    pub account_id: Option<&'a str>,
    /// The access key id sent.
    pub access_key_id: Option<&'a str>,
    /// `1.0` (V1) or `ACS3-HMAC-SHA256` (V3), as sent.
    pub signature_version: Option<Cow<'static, str>>,
    /// All the parameters (the secrets are left out when copied).
    pub params: &'a Params,
    /// HTTP status answered.
    pub http_status: u16,
    /// Error code answered (`None` on success).
    pub code: Option<Cow<'static, str>>,
    /// Time spent answering, microseconds.
    pub duration_us: u64,
}

/// `slot` becomes a copy of `value`, in the string it already holds when there is one.
fn assign_text(slot: &mut Option<String>, value: Option<&str>) {
    match (slot.as_mut(), value) {
        (Some(kept), Some(value)) => {
            kept.clear();
            kept.push_str(value);
        }
        (_, value) => *slot = value.map(str::to_owned),
    }
}

impl Entry {
    /// An entry of `record`, filled into `reused`'s buffers when given.
    fn of(record: Record<'_>, reused: Option<Entry>) -> Entry {
        let Record {
            time,
            request_id,
            action,
            account_id,
            access_key_id,
            signature_version,
            params,
            http_status,
            code,
            duration_us,
        } = record;
        let (mut kept_account, mut kept_key, mut kept_params) = match reused {
            Some(old) => (old.account_id, old.access_key_id, old.params),
            None => (None, None, Recorded::default()),
        };
        assign_text(&mut kept_account, account_id);
        assign_text(&mut kept_key, access_key_id);
        kept_params.assign(params, &HIDDEN_PARAMS);
        Entry {
            time,
            request_id,
            action,
            account_id: kept_account,
            access_key_id: kept_key,
            signature_version,
            params: kept_params,
            http_status,
            code,
            duration_us,
        }
    }
}

/// One answered request.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// When it arrived (emulator clock).
    pub time: Millis,
    /// The request id answered.
    pub request_id: RequestId,
    /// The action as sent (may be unknown or empty; a known one is not copied).
    pub action: Cow<'static, str>,
    /// The verified caller's account (`None` when authentication failed first).
    pub account_id: Option<String>,
    /// The access key id sent.
    pub access_key_id: Option<String>,
    /// `1.0` (V1) or `ACS3-HMAC-SHA256` (V3), as sent (those two are not copied).
    pub signature_version: Option<Cow<'static, str>>,
    /// Parameters in wire order, without secrets.
    pub params: Recorded,
    /// HTTP status answered.
    pub http_status: u16,
    /// Error code answered (`None` on success).
    pub code: Option<Cow<'static, str>>,
    /// Time spent answering, microseconds.
    pub duration_us: u64,
}

/// Which entries to list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Query {
    /// Only this action.
    pub action: Option<String>,
    /// Only this account.
    pub account_id: Option<String>,
    /// Only entries at or after this time.
    pub since: Option<Millis>,
    /// Only the newest N of the matching entries.
    pub limit: Option<usize>,
}

/// The bounded journal.
#[derive(Debug)]
pub struct Journal {
    capacity: usize,
    entries: Mutex<VecDeque<Entry>>,
}

impl Journal {
    /// A journal keeping the newest `capacity` entries (0: off).
    pub fn new(capacity: usize) -> Self {
        Journal {
            capacity,
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
        }
    }

    /// Whether requests are recorded.
    pub fn is_enabled(&self) -> bool {
        self.capacity > 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Record a request, in place of the oldest entry when full (whose buffers the
    /// new entry reuses).
    pub fn record(&self, record: Record<'_>) {
        if !self.is_enabled() {
            return;
        }
        let mut entries = self.lock();
        let oldest = if entries.len() >= self.capacity {
            entries.pop_front()
        } else {
            None
        };
        entries.push_back(Entry::of(record, oldest));
    }

    /// The matching entries, oldest first.
    pub fn query(&self, q: &Query) -> Vec<Entry> {
        let entries = self.lock();
        let matching = entries.iter().filter(|e| {
            q.action.as_ref().is_none_or(|a| *a == e.action)
                && q.account_id
                    .as_ref()
                    .is_none_or(|a| e.account_id.as_ref() == Some(a))
                && q.since.is_none_or(|t| e.time >= t)
        });
        let mut newest: Vec<Entry> = match q.limit {
            Some(n) => matching.rev().take(n).cloned().collect(),
            None => return matching.cloned().collect(),
        };
        newest.reverse();
        newest
    }

    /// Forget every entry; returns how many there were.
    pub fn clear(&self) -> usize {
        let mut entries = self.lock();
        let n = entries.len();
        entries.clear();
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(n: i64, action: &str, params: &'a Params) -> Record<'a> {
        Record {
            time: n,
            request_id: crate::random::Random::seeded(n as u64).request_id(),
            action: action.to_string().into(),
            account_id: Some("1"),
            access_key_id: None,
            signature_version: None,
            params,
            http_status: 200,
            code: None,
            duration_us: 1,
        }
    }

    #[test]
    fn bounded_filtered_oldest_first() {
        let j = Journal::new(3);
        let none = Params::default();
        for n in 0..5 {
            j.record(entry(n, if n % 2 == 0 { "A" } else { "B" }, &none));
        }
        // Entry n arrived at time n.
        let ids = |q: &Query| -> Vec<String> {
            j.query(q)
                .into_iter()
                .map(|e| format!("R{}", e.time))
                .collect()
        };
        assert_eq!(ids(&Query::default()), ["R2", "R3", "R4"]);
        let only_a = Query {
            action: Some("A".into()),
            ..Query::default()
        };
        assert_eq!(ids(&only_a), ["R2", "R4"]);
        let last = Query {
            limit: Some(2),
            ..Query::default()
        };
        assert_eq!(ids(&last), ["R3", "R4"]);
        let since = Query {
            since: Some(3),
            ..Query::default()
        };
        assert_eq!(ids(&since), ["R3", "R4"]);
        assert_eq!(j.clear(), 3);
        let off = Journal::new(0);
        off.record(entry(1, "A", &none));
        assert!(off.query(&Query::default()).is_empty());
    }

    #[test]
    fn secrets_are_left_out() {
        let pairs: Vec<(String, String)> = [
            ("Action", "X"),
            ("Signature", "s"),
            ("accesskeysecret", "k"),
            ("SecurityToken", "t"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let kept = Params::from_pairs(pairs).record(&HIDDEN_PARAMS);
        assert_eq!(kept.pairs().collect::<Vec<_>>(), [("Action", "X")]);
    }

    #[test]
    fn a_reused_entry_keeps_nothing_of_the_one_before() {
        // Two entries: the third and fourth requests refill the first two's buffers.
        let j = Journal::new(2);
        let long = Params::from_query(b"Action=A&Signature=s&InstanceId=i-long-long-long&Z=1");
        let short = Params::from_query(b"Action=B&password=p");
        let mut first = entry(0, "A", &long);
        first.access_key_id = Some("key-with-a-long-name");
        j.record(first);
        j.record(entry(1, "A", &long));
        let mut third = entry(2, "B", &short);
        third.account_id = None;
        j.record(third);
        let fourth = entry(3, "B", &short);
        j.record(fourth);
        let entries = j.query(&Query::default());
        assert_eq!(entries.len(), 2);
        for e in &entries {
            assert_eq!(e.params.pairs().collect::<Vec<_>>(), [("Action", "B")]);
            assert_eq!(e.access_key_id, None);
            assert!(!format!("{e:?}").contains("long"), "{e:?}");
        }
        assert_eq!(entries[0].account_id, None);
        assert_eq!(entries[1].account_id.as_deref(), Some("1"));
        assert_eq!(entries[1].time, 3);
    }
}
