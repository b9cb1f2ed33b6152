//! How long each transitional status lasts: the timing profiles and per-transition overrides.
//!
//! `fast` (default) keeps every transitional status visible for about a second — long
//! enough for a poller to see `Starting`, short enough for a test suite. `instant`
//! makes the next read show the final status. `realistic` uses durations in the range
//! the real service shows (tens of seconds; no official numbers exist, see spec §3.4).

use std::fmt;
use std::str::FromStr;

use crate::clock::Millis;

/// A named set of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Profile {
    /// About a second per transitional status.
    #[default]
    Fast,
    /// Zero: the next read already shows the final status.
    Instant,
    /// Seconds to tens of seconds, as the real service.
    Realistic,
}

/// One transition whose duration can be overridden (`--duration starting=500`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// `Pending` after RunInstances / CreateInstance.
    Pending,
    /// `Starting` → `Running`.
    Starting,
    /// `Stopping` → `Stopped` for a normal stop.
    Stopping,
    /// `Stopping` → `Stopped` with `ForceStop=true`.
    ForceStopping,
    /// From a delete request until the instance disappears.
    Releasing,
    /// A disk `Creating` (CreateDisk) or `Attaching` (AttachDisk) before it settles.
    Attaching,
    /// A disk `Detaching` (DetachDisk) before it is `Available`.
    Detaching,
}

/// Durations of every transitional status, in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Pending → Starting (RunInstances) or Pending → Stopped (CreateInstance).
    pub pending: Millis,
    /// Starting → Running.
    pub starting: Millis,
    /// Stopping → Stopped.
    pub stopping: Millis,
    /// Stopping → Stopped when forced.
    pub force_stopping: Millis,
    /// Stopping (forced release of a running instance) → gone.
    pub releasing: Millis,
    /// Disk Creating → Available and Attaching → In_use.
    pub attaching: Millis,
    /// Disk Detaching → Available.
    pub detaching: Millis,
}

impl Timing {
    /// The durations of a profile.
    pub fn profile(p: Profile) -> Self {
        match p {
            Profile::Fast => Timing {
                pending: 1_000,
                starting: 1_000,
                stopping: 1_000,
                force_stopping: 1_000,
                releasing: 1_000,
                attaching: 1_000,
                detaching: 1_000,
            },
            Profile::Instant => Timing {
                pending: 0,
                starting: 0,
                stopping: 0,
                force_stopping: 0,
                releasing: 0,
                attaching: 0,
                detaching: 0,
            },
            Profile::Realistic => Timing {
                pending: 4_000,
                starting: 20_000,
                stopping: 20_000,
                force_stopping: 4_000,
                releasing: 8_000,
                attaching: 5_000,
                detaching: 30_000,
            },
        }
    }

    /// Replace the duration of one transition.
    pub fn set(&mut self, t: Transition, ms: Millis) {
        let slot = match t {
            Transition::Pending => &mut self.pending,
            Transition::Starting => &mut self.starting,
            Transition::Stopping => &mut self.stopping,
            Transition::ForceStopping => &mut self.force_stopping,
            Transition::Releasing => &mut self.releasing,
            Transition::Attaching => &mut self.attaching,
            Transition::Detaching => &mut self.detaching,
        };
        *slot = ms;
    }

    /// The stop duration for a normal or forced stop.
    pub fn stop(&self, force: bool) -> Millis {
        if force {
            self.force_stopping
        } else {
            self.stopping
        }
    }
}

impl Default for Timing {
    fn default() -> Self {
        Timing::profile(Profile::Fast)
    }
}

/// A `name=milliseconds` override as given on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationOverride {
    /// Which transition.
    pub transition: Transition,
    /// Its new duration.
    pub ms: Millis,
}

impl FromStr for DurationOverride {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, ms) = s
            .split_once('=')
            .ok_or_else(|| format!("expected NAME=MILLISECONDS, got {s:?}"))?;
        let transition = match name.trim().to_ascii_lowercase().as_str() {
            "pending" => Transition::Pending,
            "starting" => Transition::Starting,
            "stopping" => Transition::Stopping,
            "force-stopping" | "forcestopping" | "force_stopping" => Transition::ForceStopping,
            "releasing" | "deleting" => Transition::Releasing,
            "attaching" => Transition::Attaching,
            "detaching" => Transition::Detaching,
            other => {
                return Err(format!(
                "unknown transition {other:?} (pending, starting, stopping, force-stopping, releasing, attaching, detaching)"
            ))
            }
        };
        let ms = ms
            .trim()
            .parse::<u32>()
            .map_err(|_| format!("{ms:?} is not a number of milliseconds"))?;
        Ok(DurationOverride {
            transition,
            ms: Millis::from(ms),
        })
    }
}

impl fmt::Display for DurationOverride {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}={}", self.transition, self.ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_and_apply() {
        let o: DurationOverride = "Starting=250".parse().unwrap();
        let mut t = Timing::profile(Profile::Realistic);
        t.set(o.transition, o.ms);
        assert_eq!(t.starting, 250);
        assert!("warp=1".parse::<DurationOverride>().is_err());
        assert!("starting=soon".parse::<DurationOverride>().is_err());
    }
}
