//! ModifyInstanceAttribute and DescribeUserData, and the checks of the attribute
//! values RunInstances / CreateInstance share with them (name, description, host name,
//! password, user data).
//!
//! ModifyInstanceAttribute checks, the first failure wins: the values' formats
//! (`InstanceName`, `Description`, `UserData`) → the instance (`InvalidInstanceId.NotFound`)
//! → a `security` lock → `HostName` (format for the instance's OS, not while `Pending` or
//! `Starting`) → `Password` (format, not while `Starting`) → `UserData` only when
//! `Stopped` → `DeletionProtection` only on a pay-as-you-go, non-spot instance.
//!
//! The password is checked and then forgotten: no response, state dump or persisted
//! record ever holds it. User data is kept with the instance as a stored field that
//! only DescribeUserData shows (DescribeInstances never does); an instance without it
//! stores nothing.

use base64::Engine;
use serde_json::{json, Value};

use crate::ecs::lifecycle::{check_security_lock, incorrect_status};
use crate::ecs::model::{ChargeType, Instance, SpotStrategy, Status};
use crate::ecs::shapes::stored_field;
use crate::ecs::stored::Stored;
use crate::ecs::world::World;
use crate::ecs::{Ctx, Reply};
use crate::error::{ApiError, ApiResult, Code};
use crate::params::Params;

/// The largest user data, decoded (32 KB).
pub const MAX_USER_DATA: usize = 32 * 1024;

/// The special characters a password may use.
const PASSWORD_SPECIALS: &str = "()`~!@#$%^&*-_+=|{}[]:;'<>,.?/";

/// `http://` or `https://` at the start (refused in names and descriptions).
fn starts_with_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("http://") || lower.starts_with("https://")
}

/// A resource name (InstanceName, DiskName, SecurityGroupName): 2–128 characters,
/// starting with a letter (any script), not a URL.
pub fn valid_name(name: &str) -> bool {
    (2..=128).contains(&name.chars().count())
        && name.chars().next().is_some_and(char::is_alphabetic)
        && !starts_with_url(name)
}

/// A Description (of an instance, a disk, a security group): 2–256 characters, not a
/// URL.
pub fn valid_description(text: &str) -> bool {
    (2..=256).contains(&text.chars().count()) && !starts_with_url(text)
}

/// HostName. Neither `.` nor `-` first, last or next to another `.` / `-`. Windows:
/// 2–15 letters, digits and hyphens, not digits only. Others: 2–64 characters, segments
/// of letters, digits and hyphens separated by periods.
pub fn valid_host_name(host: &str, windows: bool) -> bool {
    let bytes = host.as_bytes();
    let punct = |b: u8| b == b'.' || b == b'-';
    let shape = bytes.first().is_some_and(|&b| !punct(b))
        && bytes.last().is_some_and(|&b| !punct(b))
        && !bytes.windows(2).any(|w| punct(w[0]) && punct(w[1]));
    if !shape {
        return false;
    }
    if windows {
        (2..=15).contains(&bytes.len())
            && bytes
                .iter()
                .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
            && !bytes.iter().all(u8::is_ascii_digit)
    } else {
        (2..=64).contains(&bytes.len())
            && bytes.iter().all(|&b| b.is_ascii_alphanumeric() || punct(b))
    }
}

/// Password: 8–30 characters from upper-case letters, lower-case letters, digits and
/// `()`~!@#$%^&*-_+=|{}[]:;'<>,.?/`, using at least three of those four classes; on
/// Windows not starting with `/`.
pub fn valid_password(password: &str, windows: bool) -> bool {
    if !(8..=30).contains(&password.len()) || (windows && password.starts_with('/')) {
        return false;
    }
    let mut classes = [false; 4];
    for c in password.chars() {
        let class = match c {
            'A'..='Z' => 0,
            'a'..='z' => 1,
            '0'..='9' => 2,
            c if PASSWORD_SPECIALS.contains(c) => 3,
            _ => return false,
        };
        classes[class] = true;
    }
    classes.iter().filter(|&&c| c).count() >= 3
}

/// `Password`, when sent, checked for the instance's OS and then dropped.
pub fn check_password(p: &Params, windows: bool) -> ApiResult<()> {
    match p.non_empty("Password") {
        Some(pw) if !valid_password(pw, windows) => {
            Err(ApiError::new(Code::InvalidPasswordMalformed))
        }
        _ => Ok(()),
    }
}

/// `UserData`, when sent: Base64 (`InvalidUserData.Base64FormatInvalid`) of at most
/// 32 KB (`InvalidUserData.SizeExceeded`). The encoded text is what is kept.
pub fn user_data(p: &Params) -> ApiResult<Option<String>> {
    let Some(text) = p.non_empty("UserData") else {
        return Ok(None);
    };
    // Four encoded characters per three bytes: anything longer cannot fit.
    if text.len() > MAX_USER_DATA.div_ceil(3) * 4 + 4 {
        return Err(ApiError::new(Code::InvalidUserDataSizeExceeded));
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| ApiError::new(Code::InvalidUserDataBase64))?;
    if decoded.len() > MAX_USER_DATA {
        return Err(ApiError::new(Code::InvalidUserDataSizeExceeded));
    }
    Ok(Some(text.to_string()))
}

/// Whether the instance runs Windows (its stored `OSType`).
pub fn is_windows(inst: &Instance) -> bool {
    stored_field(inst, "OSType").is_some_and(|v| v == "windows")
}

/// `fields` with each of `changes` set, rewritten once.
pub fn with_fields(fields: &Stored, changes: Vec<(&str, Value)>) -> Stored {
    if changes.is_empty() {
        return fields.clone();
    }
    let mut map = fields.to_map();
    for (k, v) in changes {
        map.insert(k.to_string(), v);
    }
    Stored::from_fields(map)
}

/// A parsed ModifyInstanceAttribute request.
#[derive(Debug, Clone, PartialEq)]
pub struct ModifyInstanceAttribute {
    /// The instance.
    pub instance_id: String,
    /// New name.
    pub name: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New host name (checked against the instance's OS when applied).
    pub host_name: Option<String>,
    /// A sent password's validity for (Linux, Windows): the password itself is never
    /// kept, not even in the parsed request.
    pub password: Option<(bool, bool)>,
    /// New user data (Base64).
    pub user_data: Option<String>,
    /// Release protection on or off.
    pub deletion_protection: Option<bool>,
    /// `Recyclable`.
    pub recyclable: Option<bool>,
}

impl ModifyInstanceAttribute {
    /// Parse the parameters (no RegionId: the instance is found by id).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        let instance_id = p.required("InstanceId")?.to_string();
        let name = p.non_empty("InstanceName").map(str::to_string);
        if name.as_deref().is_some_and(|n| !valid_name(n)) {
            return Err(ApiError::new(Code::InvalidInstanceNameMalformed));
        }
        let description = p.non_empty("Description").map(str::to_string);
        if description
            .as_deref()
            .is_some_and(|d| !valid_description(d))
        {
            return Err(ApiError::new(Code::InvalidDescriptionMalformed));
        }
        let password = p.non_empty("Password");
        Ok(ModifyInstanceAttribute {
            instance_id,
            name,
            description,
            host_name: p.non_empty("HostName").map(str::to_string),
            password: password.map(|pw| (valid_password(pw, false), valid_password(pw, true))),
            user_data: user_data(p)?,
            deletion_protection: p.bool("DeletionProtection")?,
            recyclable: p.bool("Recyclable")?,
        })
    }

    /// Apply: `{}`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        let inst = w.owned(ctx.caller, ctx.region, &self.instance_id, ctx.now)?;
        check_security_lock(inst)?;
        let windows = is_windows(inst);
        if let Some(host) = &self.host_name {
            if !valid_host_name(host, windows) {
                return Err(ApiError::new(Code::InvalidHostNameMalformed));
            }
            if matches!(inst.status, Status::Pending | Status::Starting) {
                return Err(incorrect_status(
                    inst.status,
                    &[Status::Running, Status::Stopped],
                ));
            }
        }
        if let Some((linux_ok, windows_ok)) = self.password {
            let ok = if windows { windows_ok } else { linux_ok };
            if !ok {
                return Err(ApiError::new(Code::InvalidPasswordMalformed));
            }
            if inst.status == Status::Starting {
                return Err(incorrect_status(
                    inst.status,
                    &[Status::Running, Status::Stopped],
                ));
            }
        }
        if self.user_data.is_some() && inst.status != Status::Stopped {
            return Err(ApiError::new(Code::InvalidStatusStoppedRequired));
        }
        if self.deletion_protection == Some(true)
            && (inst.instance_charge_type != ChargeType::PostPaid
                || inst.spot_strategy != SpotStrategy::NoSpot)
        {
            return Err(ApiError::new(Code::InvalidChargeTypeValueNotSupported));
        }
        let mut changes: Vec<(&str, Value)> = Vec::new();
        if let Some(d) = self.description {
            changes.push(("Description", json!(d)));
        }
        if let Some(h) = self.host_name {
            changes.push(("HostName", json!(h)));
        }
        if let Some(u) = self.user_data {
            changes.push(("UserData", json!(u)));
        }
        if let Some(r) = self.recyclable {
            changes.push(("Recyclable", json!(r)));
        }
        let nothing =
            changes.is_empty() && self.name.is_none() && self.deletion_protection.is_none();
        if nothing {
            return Ok(Reply::new());
        }
        if let Some(inst) = w.instance_mut(&self.instance_id) {
            if let Some(n) = self.name {
                inst.instance_name = n;
            }
            if let Some(d) = self.deletion_protection {
                inst.deletion_protection = d;
            }
            inst.extra = with_fields(&inst.extra, changes);
        }
        Ok(Reply::new())
    }
}

/// A parsed DescribeUserData request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DescribeUserData {
    /// The instance.
    pub instance_id: String,
}

impl DescribeUserData {
    /// Parse the parameters (`RegionId` is required).
    pub fn parse(p: &Params) -> ApiResult<Self> {
        p.required("RegionId")?;
        Ok(DescribeUserData {
            instance_id: p.required("InstanceId")?.to_string(),
        })
    }

    /// Apply: `UserData` (`""` when none), `InstanceId`, `RegionId`.
    pub fn apply(self, w: &mut World, ctx: &Ctx<'_>) -> ApiResult<Reply> {
        w.check_region(ctx.region)?;
        let inst = w.owned(ctx.caller, ctx.region, &self.instance_id, ctx.now)?;
        let data = match inst.extra.get("UserData") {
            Some(Value::String(s)) => s,
            _ => String::new(),
        };
        let mut reply = Reply::new();
        // UserData and InstanceId share a bucket: this is the order they are written in.
        reply.insert("UserData".into(), json!(data));
        reply.insert("InstanceId".into(), json!(inst.instance_id.as_str()));
        reply.insert("RegionId".into(), json!(inst.region_id.as_str()));
        Ok(reply)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_descriptions() {
        assert!(valid_name("web-01"));
        assert!(valid_name("中文名字"));
        assert!(!valid_name("w"));
        assert!(!valid_name("1web"));
        assert!(!valid_name("http://x"));
        assert!(!valid_name(&"a".repeat(129)));
        assert!(valid_description("ok"));
        assert!(!valid_description("x"));
        assert!(!valid_description("https://example.com"));
        assert!(!valid_description(&"a".repeat(257)));
    }

    #[test]
    fn host_names() {
        assert!(valid_host_name("web-1.prod", false));
        assert!(!valid_host_name("web-1.prod", true));
        assert!(valid_host_name("web-1", true));
        assert!(!valid_host_name("12345", true));
        assert!(!valid_host_name("-web", false));
        assert!(!valid_host_name("web.", false));
        assert!(!valid_host_name("we..b", false));
        assert!(!valid_host_name("we.-b", false));
        assert!(!valid_host_name("we_b", false));
        assert!(!valid_host_name("w", false));
        assert!(!valid_host_name(&"a".repeat(65), false));
        assert!(!valid_host_name(&"a".repeat(16), true));
    }

    #[test]
    fn passwords() {
        assert!(valid_password("Abcdef12", false));
        assert!(valid_password("abcdef1!", false));
        assert!(!valid_password("abcdefgh1", false), "two classes");
        assert!(!valid_password("Abc12!", false), "too short");
        assert!(!valid_password(&format!("Ab1{}", "x".repeat(28)), false));
        assert!(!valid_password("Abcdef12 ", false), "a space");
        assert!(valid_password("/Abcdef12", false));
        assert!(!valid_password("/Abcdef12", true));
    }
}
