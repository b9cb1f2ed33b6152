//! The emulator's clock: real time with an offset, or frozen until a test advances it.
//!
//! Every status transition, expiry check and signature timestamp window reads the time
//! from here, never from the system directly, so a test can freeze the clock and step
//! an instance from `Starting` to `Running` without sleeping. Times are milliseconds
//! since the Unix epoch (`i64`); [`format_ecs`] and [`parse_time`] convert to and from
//! the `2017-12-10T04:04Z` form ECS uses on the wire.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// Milliseconds since the Unix epoch.
pub type Millis = i64;

/// A controllable clock, shared by the whole emulator.
///
/// Its whole state is one word, so that reading it (twice per request, from every
/// worker) takes no lock: the time it is frozen at, or its offset from real time, shifted
/// left by one, with the low bit set when frozen. Changes (rare: tests and the control
/// plane) take a lock so that two of them do not interleave.
#[derive(Debug, Default)]
pub struct Clock {
    state: AtomicI64,
    changing: Mutex<()>,
}

/// The clock's state, unpacked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Frozen at this time.
    Frozen(Millis),
    /// Real time plus this offset.
    Running(Millis),
}

/// The largest time or offset the clock holds, about 73 million years either way (one
/// bit of the word is the frozen flag); an `advance` past it stops there.
const LIMIT: Millis = 1 << 61;

impl State {
    fn pack(self) -> i64 {
        match self {
            State::Frozen(at) => at.clamp(-LIMIT, LIMIT) << 1 | 1,
            State::Running(offset) => offset.clamp(-LIMIT, LIMIT) << 1,
        }
    }

    fn unpack(word: i64) -> Self {
        match word & 1 {
            1 => State::Frozen(word >> 1),
            _ => State::Running(word >> 1),
        }
    }

    fn now(self) -> Millis {
        self.at(system_now())
    }

    /// The reading when the system clock reads `system`.
    fn at(self, system: Millis) -> Millis {
        match self {
            State::Frozen(at) => at,
            State::Running(offset) => system + offset,
        }
    }
}

impl Clock {
    /// A clock that follows real time.
    pub fn real() -> Self {
        Clock::default()
    }

    /// A clock frozen at `at`, which moves only through [`Clock::advance`].
    pub fn frozen(at: Millis) -> Self {
        Clock {
            state: AtomicI64::new(State::Frozen(at).pack()),
            changing: Mutex::new(()),
        }
    }

    fn state(&self) -> State {
        State::unpack(self.state.load(Ordering::Acquire))
    }

    /// Change the state by `f`, one change at a time.
    fn change(&self, f: impl FnOnce(State) -> State) {
        let _one_at_a_time = self.changing.lock().unwrap_or_else(|e| e.into_inner());
        let next = f(self.state());
        self.state.store(next.pack(), Ordering::Release);
    }

    /// The current time.
    pub fn now(&self) -> Millis {
        self.state().now()
    }

    /// The time when the system clock reads `system` (a reading the caller has already
    /// taken, so one request reads the system clock once for several uses).
    pub fn at(&self, system: Millis) -> Millis {
        self.state().at(system)
    }

    /// Whether the clock is frozen.
    pub fn is_frozen(&self) -> bool {
        matches!(self.state(), State::Frozen(_))
    }

    /// Freeze the clock at its current reading (or at `at` when given).
    pub fn freeze(&self, at: Option<Millis>) {
        self.change(|s| State::Frozen(at.unwrap_or_else(|| s.now())));
    }

    /// Let the clock run again from its current reading.
    pub fn unfreeze(&self) {
        self.change(|s| match s {
            State::Frozen(at) => State::Running(at - system_now()),
            running => running,
        });
    }

    /// Move the clock forward (or backward, with a negative value) by `ms`.
    pub fn advance(&self, ms: Millis) {
        self.change(|s| match s {
            State::Frozen(at) => State::Frozen(at.saturating_add(ms)),
            State::Running(offset) => State::Running(offset.saturating_add(ms)),
        });
    }
}

/// The system's wall clock.
pub fn system_now() -> Millis {
    // Straight from the system clock: chrono's `Utc::now()` builds a calendar date first,
    // and this is read on every request.
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(since) => since.as_millis() as Millis,
        // Before 1970 (a broken clock): floor, as `timestamp_millis` does.
        Err(e) => -(e.duration().as_nanos().div_ceil(1_000_000) as Millis),
    }
}

/// Format as ECS does in responses: `2017-12-10T04:04Z` (UTC, minute precision).
pub fn format_ecs(ms: Millis) -> String {
    to_datetime(ms).format("%Y-%m-%dT%H:%MZ").to_string()
}

/// The `2017-12-10T04:04:05Z` form (seconds, no fraction): DescribeInstanceAttribute's
/// `CreationTime`, disk and image times.
pub fn format_ecs_seconds(ms: Millis) -> String {
    to_datetime(ms).format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `2017-12-10T04:04:05Z`, or `2017-12-10T04:04:05.250Z` when there are milliseconds.
pub fn format_precise(ms: Millis) -> String {
    to_datetime(ms).to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// Format with milliseconds (control plane and journal).
pub fn format_millis(ms: Millis) -> String {
    to_datetime(ms).to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn to_datetime(ms: Millis) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// Parse the time forms found in ECS requests, responses and fixtures:
/// `2017-12-10T04:04Z`, `2017-12-10T04:04:05Z` and full RFC 3339, fractional seconds
/// included (the Rust SDK's `Timestamp` carries nanoseconds; they are truncated to
/// milliseconds).
pub fn parse_time(s: &str) -> Option<Millis> {
    let s = s.trim();
    if let Some(ms) = parse_plain(s) {
        return Some(ms);
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Some(dt.timestamp_millis());
    }
    for fmt in ["%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%SZ"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Some(dt.and_utc().timestamp_millis());
        }
    }
    None
}

/// The ECS forms `2017-12-10T04:04Z` (every fixture time) and `2017-12-10T04:04:05Z`
/// (the V1 `Timestamp` the SDKs send) exactly, read without a format string; `None` for
/// anything else (a leap second too), which [`parse_time`] then reads in full.
fn parse_plain(s: &str) -> Option<Millis> {
    let b = s.as_bytes();
    let seconds = match b.len() {
        17 => false,
        20 if b[16] == b':' => true,
        _ => return None,
    };
    if (b[4], b[7], b[10], b[13], b[b.len() - 1]) != (b'-', b'-', b'T', b':', b'Z') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    let second = if seconds { num(17, 19)? } else { 0 };
    let time = chrono::NaiveTime::from_hms_opt(num(11, 13)?, num(14, 16)?, second)?;
    Some(date.and_time(time).and_utc().timestamp_millis())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The first `read` of `cases` are read by the short reader, the rest declined; either
    /// way [`parse_time`] gives what chrono's `slow` reader gives.
    fn short_reader_agrees(cases: &[&str], read: usize, slow: impl Fn(&str) -> Option<Millis>) {
        for (i, &s) in cases.iter().enumerate() {
            match parse_plain(s) {
                Some(fast) => assert_eq!(Some(fast), slow(s), "{s}"),
                None => assert!(i >= read, "{s} is read by the short reader"),
            }
            assert_eq!(parse_time(s), slow(s), "{s}");
        }
    }

    #[test]
    fn the_minutes_form_reads_as_the_format_string_does() {
        let cases = [
            "2017-12-10T04:04Z",
            "2099-12-31T15:59Z",
            "0001-01-01T00:00Z",
            "2024-02-29T23:59Z",
            "2023-02-29T10:00Z",
            "2017-13-10T04:04Z",
            "2017-12-10T24:00Z",
            "2017-12-10T04:60Z",
            "2017-12-1aT04:04Z",
            "+017-12-10T04:04Z",
        ];
        short_reader_agrees(&cases, 4, |s| {
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%MZ")
                .ok()
                .map(|dt| dt.and_utc().timestamp_millis())
        });
    }

    #[test]
    fn the_seconds_form_reads_as_rfc3339_does() {
        let cases = [
            "2026-11-30T15:42:55Z",
            "1970-01-01T00:00:00Z",
            "2024-02-29T23:59:59Z",
            "2016-12-31T23:59:60Z",
            "2026-11-30T15:42:5aZ",
            "2026-11-30T15:42:55z",
            "2026-11-30T15:42-55Z",
            "2023-02-29T10:00:00Z",
        ];
        short_reader_agrees(&cases, 3, |s| {
            DateTime::parse_from_rfc3339(s)
                .ok()
                .map(|dt| dt.timestamp_millis())
        });
    }

    #[test]
    fn the_state_word_round_trips_and_stops_at_its_limit() {
        for state in [
            State::Frozen(0),
            State::Frozen(-1),
            State::Frozen(1_764_500_000_000),
            State::Running(0),
            State::Running(-3_600_000),
            State::Running(LIMIT),
            State::Frozen(-LIMIT),
        ] {
            assert_eq!(State::unpack(state.pack()), state);
        }
        let c = Clock::frozen(1_000);
        c.advance(i64::MAX);
        assert_eq!(c.now(), LIMIT);
        c.advance(-1);
        assert_eq!(c.now(), LIMIT - 1);
    }

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let c = Clock::frozen(1_000);
        assert_eq!(c.now(), 1_000);
        c.advance(500);
        assert_eq!(c.now(), 1_500);
        assert!(c.is_frozen());
    }

    #[test]
    fn running_clock_keeps_offset_across_freeze() {
        let c = Clock::real();
        c.advance(3_600_000);
        let ahead = c.now() - system_now();
        assert!((3_599_000..=3_601_000).contains(&ahead));
        c.freeze(None);
        c.unfreeze();
        let ahead = c.now() - system_now();
        assert!((3_599_000..=3_601_000).contains(&ahead));
    }

    #[test]
    fn a_reading_of_the_system_clock_is_turned_into_emulator_time() {
        let c = Clock::real();
        c.advance(5_000);
        assert_eq!(c.at(1_000_000), 1_005_000);
        c.freeze(Some(42));
        assert_eq!(
            c.at(1_000_000),
            42,
            "a frozen clock ignores the system clock"
        );
    }

    #[test]
    fn system_now_is_chronos_milliseconds() {
        // Read between two chrono readings: never outside them.
        let before = Utc::now().timestamp_millis();
        let now = system_now();
        let after = Utc::now().timestamp_millis();
        assert!(
            (before..=after).contains(&now),
            "{before} <= {now} <= {after}"
        );
    }

    #[test]
    fn time_formats_round_trip() {
        let t = parse_time("2017-12-10T04:04Z").unwrap();
        assert_eq!(format_ecs(t), "2017-12-10T04:04Z");
        assert_eq!(format_precise(t + 5_000), "2017-12-10T04:04:05Z");
        assert_eq!(format_precise(t + 5_250), "2017-12-10T04:04:05.250Z");
        assert_eq!(parse_time(&format_precise(t + 5_250)), Some(t + 5_250));
        assert_eq!(parse_time("2017-12-10T04:04:00Z"), Some(t));
        assert_eq!(parse_time("2017-12-10T04:04:00.000+00:00"), Some(t));
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn fractional_seconds_are_truncated_to_millis() {
        let whole = parse_time("2026-11-30T00:15:20Z").unwrap();
        assert_eq!(
            parse_time("2026-11-30T00:15:20.123456789Z"),
            Some(whole + 123)
        );
        assert_eq!(parse_time("2026-11-30T00:15:20.5Z"), Some(whole + 500));
        assert_eq!(
            parse_time("2026-11-30T00:15:20.999999999Z"),
            Some(whole + 999)
        );
    }
}
