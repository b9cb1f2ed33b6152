//! StartInstances, StopInstances, RebootInstances: one operation over 1–100 instances.
//!
//! `AllTogether` (default) applies the operation instance by instance and, at the
//! first refusal, rolls every applied change back (status, stopped mode, stock and
//! quota) and answers that refusal: nothing changes. `SuccessFirst` applies what it
//! can and reports each instance in `InstanceResponses` as an [`Outcome`]: applied, or
//! the refusal (the gateway writes these in wire form, `Code` `"200"` or the refusal's
//! code; see [`crate::gateway::replies`]). `DryRun` answers `DRYRUN.SUCCESS` when an AllTogether run would
//! succeed (it is applied and rolled back, so stock and quota are checked cumulatively);
//! with SuccessFirst it always answers `DRYRUN.SUCCESS`, as documented.

use serde_json::json;

use crate::ecs::model::{Instance, Status};
use crate::ecs::stop::StopOptions;
use crate::ecs::world::World;
use crate::ecs::{reboot, start, stop, Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::{Choice, Params};

/// The operation a batch applies to each instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOp {
    /// StartInstances.
    Start,
    /// StopInstances.
    Stop(StopOptions),
    /// RebootInstances (`ForceReboot`).
    Reboot {
        /// Power off first.
        force: bool,
    },
}

/// `BatchOptimization`: roll everything back at the first refusal, or apply what can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchOptimization {
    /// All or nothing (the default).
    AllTogether,
    /// Apply what can be, report each instance.
    SuccessFirst,
}

impl Choice for BatchOptimization {
    const ALL: &'static [Self] = &[
        BatchOptimization::AllTogether,
        BatchOptimization::SuccessFirst,
    ];

    fn as_str(self) -> &'static str {
        match self {
            BatchOptimization::AllTogether => "AllTogether",
            BatchOptimization::SuccessFirst => "SuccessFirst",
        }
    }
}

/// A parsed batch request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    /// What to do.
    pub op: BatchOp,
    /// Distinct ids in request order.
    pub ids: Vec<String>,
    /// `AllTogether` (true) or `SuccessFirst`.
    pub all_together: bool,
    /// Check only.
    pub dry_run: bool,
}

/// What a batch did to one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// The instance.
    pub instance_id: String,
    /// `Ok` when the operation was applied, or why it was refused.
    pub result: Result<(), ApiError>,
    /// The status before (`None`: not an instance the caller may see).
    pub previous: Option<Status>,
    /// The status after (`None`: not an instance the caller may see).
    pub current: Option<Status>,
}

/// Parse `InstanceId.N` for a batch: 1–100 distinct ids.
pub fn parse_ids(p: &Params) -> ApiResult<Vec<String>> {
    let raw = p.repeat("InstanceId");
    // Counted before de-duplication, so a request of 40 000 ids costs nothing more.
    if raw.len() > 100 {
        return Err(ApiError::new(Code::TooManyInstanceIds));
    }
    let mut seen = std::collections::HashSet::with_capacity(raw.len());
    let ids: Vec<String> = raw
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    if ids.is_empty() {
        return Err(ApiError::no_instance_ids());
    }
    Ok(ids)
}

impl Batch {
    /// Parse the parameters common to the three batch actions.
    pub fn parse(p: &Params, op: BatchOp) -> ApiResult<Self> {
        p.required("RegionId")?;
        let ids = parse_ids(p)?;
        let mode = p.choice("BatchOptimization", || {
            ApiError::invalid_param("BatchOptimization")
        })?;
        Ok(Batch {
            op,
            ids,
            all_together: mode != Some(BatchOptimization::SuccessFirst),
            dry_run: p.flag("DryRun", false)?,
        })
    }

    /// Apply: `InstanceResponses`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        w.check_region(ctx.region)?;
        if self.dry_run && !self.all_together {
            return Err(ApiError::new(Code::DryRunSuccess));
        }
        let mut undo: Vec<Instance> = Vec::new();
        let mut responses = Vec::with_capacity(self.ids.len());
        for id in &self.ids {
            // Only the caller's own instances show a status (no leak across accounts).
            let previous = w
                .owned(ctx.caller, ctx.region, id, ctx.now)
                .ok()
                .map(|i| i.status);
            match self.run_one(w, ctx, id) {
                Ok(before) => {
                    responses.push(Outcome {
                        instance_id: id.clone(),
                        result: Ok(()),
                        previous: Some(before.status),
                        current: w.instance(id).map(|i| i.status),
                    });
                    undo.push(before);
                }
                Err(e) if self.all_together => {
                    rollback(w, undo);
                    return Err(e);
                }
                Err(e) => responses.push(Outcome {
                    instance_id: id.clone(),
                    result: Err(e),
                    previous,
                    current: previous,
                }),
            }
        }
        if self.dry_run {
            rollback(w, undo);
            return Err(ApiError::new(Code::DryRunSuccess));
        }
        let mut reply = Reply::new();
        reply.insert(
            "InstanceResponses".into(),
            json!({ "InstanceResponse": responses }),
        );
        Ok(reply)
    }

    /// Check and apply the operation on one instance; returns its state before.
    fn run_one(&self, w: &mut World, ctx: &Ctx<'_>, id: &str) -> ApiResult<Instance> {
        match self.op {
            BatchOp::Start => start::check(w, ctx, id, false)?,
            BatchOp::Stop(_) => stop::check(w, ctx, id)?,
            BatchOp::Reboot { .. } => reboot::check(w, ctx, id)?,
        }
        let before = w
            .instance(id)
            .cloned()
            .ok_or_else(|| ApiError::new(Code::InvalidInstanceIdNotFound))?;
        match self.op {
            BatchOp::Start => start::apply(w, ctx, id, false),
            BatchOp::Stop(options) => stop::apply(w, ctx, id, options),
            BatchOp::Reboot { force } => reboot::apply(w, ctx, id, force),
        }
        Ok(before)
    }
}

fn rollback(w: &mut World, undo: Vec<Instance>) {
    for before in undo.into_iter().rev() {
        w.restore(before);
    }
}
