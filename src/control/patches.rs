//! `PATCH /_mock/instances|accounts|zones/{Id}`: put one entity in any situation, in
//! fixture field names.
//!
//! ```text
//! PATCH /_mock/instances/{InstanceId}  {"Status": "Stopped", "OperationLocks": {"LockReason":
//!       [{"LockReason": "security"}]}, "ExpiredTime": "2026-01-01T00:00Z", "MockStuck": true,
//!       "HostName": "web-1", …}                       → the instance as /_mock/state shows it
//! PATCH /_mock/accounts/{AccountId}    {"Balance": 0, "KmsAuthorized": false, "Quotas": […],
//!       "AccessKeys": [{"AccessKeyId": "…", "Status": "Inactive"}]}   → the account
//! PATCH /_mock/zones/{ZoneId}          {"Stock": {"ecs.g7.large": 0}, "SpotPrices":
//!       {"ecs.g7.large": 0.5}, "Closed": ["ecs.g7.large"]}  → the zone
//! PATCH /_mock/images/{ImageId}        {"Status": "UnAvailable", "Description": "…"}
//!                                                      → the image
//! PATCH /_mock/disks/{DiskId}          {"Status": "Error", "ExpiredTime": "2026-01-01T00:00Z",
//!       "Size": 80, …}                                 → the disk as /_mock/state shows it
//! ```
//!
//! A disk patch works on attached disks (an instance's `MockDisks`, what StartInstance
//! checks) and standalone ones alike; the disk's id and type cannot change.
//!
//! An instance patch is merged into the instance's fixture object — any field a
//! fixture may hold, the stored DescribeInstances fields included; `null` removes a
//! stored field — and read back with the fixture rules, so a bad value is refused
//! with its field. A patched `Status` takes effect at once and cancels the transition
//! in progress (a transitional status then ends after its usual duration, unless
//! `MockStuck`). Stock and quota follow an instance that starts or stops holding them.
//! Zone maps are merged per instance type (`null` removes the type); `Quotas` replaces
//! the account's list; `Closed` replaces the zone's list of retiring types. An image
//! patch is merged into the image's fixture object like an instance patch (`null` puts
//! a field back to its default); an implicit image becomes a stored one.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::patch;
use axum::Router;
use serde_json::{Map, Value};

use super::{bad_request, parse_body, saved};
use crate::ecs::admin::patches::{AccountPatch, ZonePatch};
use crate::ecs::admin::Refusal;
use crate::App;

/// Add the routes.
pub(crate) fn routes(r: Router<App>) -> Router<App> {
    r.route("/_mock/instances/{instance_id}", patch(patch_instance))
        .route("/_mock/accounts/{account_id}", patch(patch_account))
        .route("/_mock/zones/{zone_id}", patch(patch_zone))
        .route("/_mock/images/{image_id}", patch(patch_image))
        .route("/_mock/disks/{disk_id}", patch(patch_disk))
}

/// Answer with `value` (serialised) once saved, or the refusal.
async fn answer<T: serde::Serialize>(
    result: Result<T, Refusal>,
    ticket: Option<crate::store::persist::Ticket>,
) -> Response {
    match result {
        Ok(value) => saved(ticket, serde_json::to_value(value).unwrap_or(Value::Null)).await,
        Err(refusal) => bad_request(refusal.0),
    }
}

async fn patch_instance(
    State(app): State<App>,
    Path(instance_id): Path<String>,
    body: String,
) -> Response {
    let patch: Map<String, Value> = match parse_body(&body) {
        Ok(p) => p,
        Err(message) => return bad_request(message),
    };
    let (now, timing) = (app.store.now(), *app.store.timing());
    let (result, ticket) = app
        .store
        .change(|w| w.patch_instance(&instance_id, &patch, now, &timing));
    answer(result, ticket).await
}

async fn patch_disk(State(app): State<App>, Path(disk_id): Path<String>, body: String) -> Response {
    let patch: Map<String, Value> = match parse_body(&body) {
        Ok(p) => p,
        Err(message) => return bad_request(message),
    };
    let (result, ticket) = app.store.change(|w| w.patch_disk(&disk_id, &patch));
    answer(result, ticket).await
}

async fn patch_account(
    State(app): State<App>,
    Path(account_id): Path<String>,
    body: String,
) -> Response {
    let patch: AccountPatch = match parse_body(&body) {
        Ok(p) => p,
        Err(message) => return bad_request(message),
    };
    let (result, ticket) = app.store.change(|w| w.patch_account(&account_id, patch));
    answer(result, ticket).await
}

async fn patch_zone(State(app): State<App>, Path(zone_id): Path<String>, body: String) -> Response {
    let patch: ZonePatch = match parse_body(&body) {
        Ok(p) => p,
        Err(message) => return bad_request(message),
    };
    let (result, ticket) = app.store.change(|w| w.patch_zone(&zone_id, patch));
    answer(result, ticket).await
}

async fn patch_image(
    State(app): State<App>,
    Path(image_id): Path<String>,
    body: String,
) -> Response {
    let patch: Map<String, Value> = match parse_body(&body) {
        Ok(p) => p,
        Err(message) => return bad_request(message),
    };
    let (result, ticket) = app.store.change(|w| w.patch_image(&image_id, &patch));
    answer(result, ticket).await
}
