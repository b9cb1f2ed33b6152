//! `/_mock/accounts`: throwaway accounts, one per test or test worker.
//!
//! ```text
//! POST   /_mock/accounts  {"Balance", "KmsAuthorized", "Quotas", "RamUsers"} (all optional)
//!        → {"AccountId", "AccessKeyId", "AccessKeySecret"[, "RamUsers": [{"UserName",
//!           "AccessKeyId", "AccessKeySecret"}]]}
//! DELETE /_mock/accounts/{AccountId}
//!        → {"AccountId", "DeletedInstances", "DeletedFaults"}
//! ```
//!
//! A new account has a fresh 16-digit id and a fresh root key (`LTAI5t…`, drawn from
//! the seeded stream under `--seed`). Accounts never see each other's instances, so
//! test workers that each use their own account can run in parallel against one
//! server. Deleting an account removes its instances (giving their stock back), its
//! keys, its idempotency tokens and the fault rules that match only its calls; it
//! works on fixture accounts too (a reset brings those back). A reset drops throwaway
//! accounts unless the server runs with `--keep-accounts`, which keeps them — keys,
//! balance, quotas — without their instances.

use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{delete, post};
use axum::Router;
use serde_json::{json, Value};

use super::{bad_request, parse_body, saved};
use crate::ecs::admin::accounts::NewAccount;
use crate::ecs::catalog::Account;
use crate::App;

/// Add the routes.
pub(crate) fn routes(r: Router<App>) -> Router<App> {
    r.route("/_mock/accounts", post(create))
        .route("/_mock/accounts/{account_id}", delete(remove))
}

/// What `POST /_mock/accounts` answers for a new account.
fn created_json(a: &Account) -> Value {
    let root = a.access_keys.first();
    let mut out = json!({
        "AccountId": a.account_id,
        "AccessKeyId": root.map(|k| k.access_key_id.as_str()),
        "AccessKeySecret": root.map(|k| k.access_key_secret.as_str()),
    });
    if !a.ram_users.is_empty() {
        let users: Vec<Value> = a
            .ram_users
            .iter()
            .map(|u| {
                let key = u.access_keys.first();
                json!({
                    "UserName": u.user_name,
                    "AccessKeyId": key.map(|k| k.access_key_id.as_str()),
                    "AccessKeySecret": key.map(|k| k.access_key_secret.as_str()),
                })
            })
            .collect();
        out["RamUsers"] = Value::Array(users);
    }
    out
}

async fn create(State(app): State<App>, body: String) -> Response {
    let spec: NewAccount = match parse_body(&body) {
        Ok(s) => s,
        Err(message) => return bad_request(message),
    };
    let random = app.store.random();
    let (result, ticket) = app.store.change(|w| w.create_account(spec, random));
    match result {
        Ok(account) => saved(ticket, created_json(&account)).await,
        Err(refusal) => bad_request(refusal.0),
    }
}

async fn remove(State(app): State<App>, Path(account_id): Path<String>) -> Response {
    let (result, ticket) = app.store.change(|w| w.delete_account(&account_id));
    match result {
        Ok(instances) => {
            let faults = app.store.faults().remove_for_account(&account_id);
            let answer = json!({
                "AccountId": account_id,
                "DeletedInstances": instances,
                "DeletedFaults": faults,
            });
            saved(ticket, answer).await
        }
        Err(refusal) => bad_request(refusal.0),
    }
}
