//! Reading an [`Instance`] from its fixture form, fast enough for a million pasted
//! DescribeInstances objects.
//!
//! The derived form would buffer every field of the object before sorting out the ones
//! the model types, then build a `serde_json::Value` tree for each stored field. This
//! reader takes the typed fields as they come and each other field as its JSON text
//! (a [`FieldValue`]), which [`Stored::from_texts`] keeps as it is when the text is
//! already in its final form (a value seen before, or a plain scalar) and prepares
//! otherwise. Field names, defaults and error messages are those of the derived form
//! (`missing field \`ZoneId\``, `duplicate field \`Status\``, type errors).

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ecs::model::{opt_time, EcsTime, Instance, OperationLocks, Tags};
use crate::ecs::stored::Stored;
use crate::ecs::sym::{CowStr, Sym};

/// The token `serde_json` uses to hand over a value's raw text.
const RAW_TOKEN: &str = "$serde_json::private::RawValue";

/// One stored field as read: its JSON text when the input is JSON text (borrowed from
/// the input when it can be), else the value.
#[derive(Debug)]
pub enum FieldValue<'a> {
    /// The raw JSON text (as written in the input, whitespace included).
    Text(Cow<'a, str>),
    /// A value (input that is not JSON text: a `Value`, a buffered document).
    Value(Value),
}

impl<'de> Deserialize<'de> for FieldValue<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = FieldValue<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_newtype_struct<D: Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<FieldValue<'de>, D::Error> {
                Value::deserialize(d).map(FieldValue::Value)
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldValue<'de>, A::Error> {
                // serde_json hands the raw text over as a one-entry map under its token;
                // any other map is a real object.
                let Some(CowStr(first)) = map.next_key::<CowStr<'de>>()? else {
                    return Ok(FieldValue::Value(Value::Object(Map::new())));
                };
                if first == RAW_TOKEN {
                    return map
                        .next_value::<CowStr<'de>>()
                        .map(|t| FieldValue::Text(t.0));
                }
                let mut object = Map::new();
                object.insert(first.into_owned(), map.next_value()?);
                while let Some((k, v)) = map.next_entry::<String, Value>()? {
                    object.insert(k, v);
                }
                Ok(FieldValue::Value(Value::Object(object)))
            }
        }
        d.deserialize_newtype_struct(RAW_TOKEN, V)
    }
}

/// `Option<EcsTime>` read as the fixture writes it (`""` or null: none).
struct OptTime(Option<EcsTime>);

impl<'de> Deserialize<'de> for OptTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        opt_time::deserialize(d).map(OptTime)
    }
}

impl<'de> Deserialize<'de> for Instance {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(InstanceVisitor)
    }
}

struct InstanceVisitor;

/// Set a field once; a second occurrence is the derived form's `duplicate field` error.
fn once<T, E: de::Error>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(name));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for InstanceVisitor {
    type Value = Instance;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Instance")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Instance, A::Error> {
        let (mut id, mut account, mut region, mut zone, mut itype, mut status) =
            (None, None, None, None, None, None);
        let (mut charge, mut stopped, mut name, mut created, mut started, mut expires) =
            (None, None, None, None, None, None);
        let (mut spot, mut price, mut protection, mut locks, mut tags) =
            (None, None, None, None, None);
        let (mut disks, mut stuck, mut transitions) = (None, None, None);
        let mut stored: Vec<(Cow<'de, str>, FieldValue<'de>)> = Vec::with_capacity(48);
        while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
            match key.as_ref() {
                "InstanceId" => {
                    let text = map.next_value::<CowStr<'de>>()?.0;
                    once(&mut id, "InstanceId", Sym::unshared(&text))?
                }
                "AccountId" => once(&mut account, "AccountId", map.next_value()?)?,
                "RegionId" => once(&mut region, "RegionId", map.next_value()?)?,
                "ZoneId" => once(&mut zone, "ZoneId", map.next_value()?)?,
                "InstanceType" => once(&mut itype, "InstanceType", map.next_value()?)?,
                "Status" => once(&mut status, "Status", map.next_value()?)?,
                "InstanceChargeType" => once(&mut charge, "InstanceChargeType", map.next_value()?)?,
                "StoppedMode" => once(&mut stopped, "StoppedMode", map.next_value()?)?,
                "InstanceName" => once(&mut name, "InstanceName", map.next_value()?)?,
                "CreationTime" => {
                    once(&mut created, "CreationTime", map.next_value::<OptTime>()?.0)?
                }
                "StartTime" => once(&mut started, "StartTime", map.next_value::<OptTime>()?.0)?,
                "ExpiredTime" => once(&mut expires, "ExpiredTime", map.next_value::<OptTime>()?.0)?,
                "SpotStrategy" => once(&mut spot, "SpotStrategy", map.next_value()?)?,
                "SpotPriceLimit" => once(&mut price, "SpotPriceLimit", map.next_value()?)?,
                "DeletionProtection" => {
                    once(&mut protection, "DeletionProtection", map.next_value()?)?
                }
                "OperationLocks" => once(
                    &mut locks,
                    "OperationLocks",
                    map.next_value::<OperationLocks>()?,
                )?,
                "Tags" => once(&mut tags, "Tags", map.next_value::<Tags>()?)?,
                "MockDisks" => once(&mut disks, "MockDisks", map.next_value()?)?,
                "MockStuck" => once(&mut stuck, "MockStuck", map.next_value()?)?,
                "MockTransitions" => once(&mut transitions, "MockTransitions", map.next_value()?)?,
                _ => {
                    let value = map.next_value::<FieldValue<'de>>()?;
                    stored.push((key, value));
                }
            }
        }
        Ok(Instance {
            instance_id: id.ok_or_else(|| de::Error::missing_field("InstanceId"))?,
            account_id: account.unwrap_or_default(),
            region_id: region.ok_or_else(|| de::Error::missing_field("RegionId"))?,
            zone_id: zone.ok_or_else(|| de::Error::missing_field("ZoneId"))?,
            instance_type: itype.ok_or_else(|| de::Error::missing_field("InstanceType"))?,
            status: status.ok_or_else(|| de::Error::missing_field("Status"))?,
            instance_charge_type: charge.unwrap_or_default(),
            stopped_mode: stopped.unwrap_or_default(),
            instance_name: name.unwrap_or_default(),
            creation_time: created.flatten(),
            start_time: started.flatten(),
            expired_time: expires.flatten(),
            spot_strategy: spot.unwrap_or_default(),
            spot_price_limit: price.unwrap_or_default(),
            deletion_protection: protection.unwrap_or_default(),
            operation_locks: OperationLocks {
                lock_reason: tight(locks.unwrap_or_default().lock_reason),
            },
            tags: Tags {
                tag: tight(tags.unwrap_or_default().tag),
            },
            mock_disks: tight(disks.unwrap_or_default()),
            mock_stuck: stuck.unwrap_or_default(),
            mock_transitions: tight(transitions.unwrap_or_default()),
            extra: Stored::from_texts(stored),
            seq: 0,
        })
    }
}

/// A list without spare capacity: serde grows a list of unknown length to at least four
/// elements, and a million instances each keeping room for three more disks they do
/// not have would hold hundreds of megabytes for nothing.
fn tight<T>(mut list: Vec<T>) -> Vec<T> {
    list.shrink_to_fit();
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc() -> Value {
        json!({
            "InstanceId": "i-1", "RegionId": "cn-hangzhou", "ZoneId": "cn-hangzhou-h",
            "InstanceType": "ecs.g7.large", "Status": "Running",
            "StartTime": "2026-01-01T08:00Z",
            "VpcAttributes": {"VSwitchId": "vsw-1", "VpcId": "vpc-1"},
            "OSName": "Linux \u{4f4d}", "Weird": {"b": [1, {"y": 2, "x": 1}]}
        })
    }

    #[test]
    fn text_and_value_input_read_the_same_instance() {
        let pretty = serde_json::to_string_pretty(&doc()).unwrap();
        let ascii = pretty.replace('\u{4f4d}', "\\u4f4d");
        let from_text: Instance = serde_json::from_str(&ascii).unwrap();
        let from_value: Instance = serde_json::from_value(doc()).unwrap();
        assert_eq!(from_text, from_value);
        assert_eq!(
            from_text.extra.raw("OSName").as_deref(),
            Some("\"Linux \u{4f4d}\"")
        );
        assert_eq!(
            from_text.extra.get("VpcAttributes").unwrap()["VpcId"],
            "vpc-1"
        );
        assert!(from_text.start_time.is_some());
    }

    #[test]
    fn errors_read_like_the_derived_ones() {
        let mut missing = doc();
        missing.as_object_mut().unwrap().remove("ZoneId");
        let e = serde_json::from_value::<Instance>(missing).unwrap_err();
        assert_eq!(e.to_string(), "missing field `ZoneId`");
        let twice = r#"{"InstanceId":"i-1","Status":"Running","Status":"Stopped"}"#;
        let e = serde_json::from_str::<Instance>(twice).unwrap_err();
        assert!(e.to_string().starts_with("duplicate field `Status`"), "{e}");
        let mut bad = doc();
        bad["Status"] = json!("Flying");
        let e = serde_json::from_value::<Instance>(bad).unwrap_err();
        assert!(e.to_string().contains("unknown variant `Flying`"), "{e}");
    }
}
