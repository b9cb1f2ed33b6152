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

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::ecs::model::{
    opt_time, ChargeType, Disk, EcsTime, Instance, OperationLocks, Phase, SpotStrategy, Status,
    StoppedMode, Tags,
};
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
    /// A value (input that is not JSON text: a `Value`, a buffered document); boxed,
    /// so the common variants, moved for every field of every instance, stay small.
    Value(Box<Value>),
    /// An interned fragment: the value's final text, known from its input text, and
    /// where its key goes (see `Recent::known`).
    Interned(u32, crate::ecs::recent::Place),
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
                Value::deserialize(d).map(|v| FieldValue::Value(Box::new(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FieldValue<'de>, A::Error> {
                // serde_json hands the raw text over as a one-entry map under its token;
                // any other map is a real object.
                let Some(CowStr(first)) = map.next_key::<CowStr<'de>>()? else {
                    return Ok(FieldValue::Value(Box::new(Value::Object(Map::new()))));
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
                Ok(FieldValue::Value(Box::new(Value::Object(object))))
            }
        }
        d.deserialize_newtype_struct(RAW_TOKEN, V)
    }
}

/// `Option<EcsTime>` read as the fixture writes it (`""` or null: none).
pub(crate) struct OptTime(pub(crate) Option<EcsTime>);

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

/// Where one field's value is read from: a deserializer (serde's path, [`De`]), or a
/// checked span of JSON text ([`instance_scan`](crate::ecs::instance_scan)'s).
pub(crate) trait Source<'de> {
    /// The error of reading a value.
    type Error: de::Error;
    /// The value as a typed field reads it.
    fn typed<T: Deserialize<'de>>(self) -> Result<T, Self::Error>;
    /// The value as a stored field.
    fn stored(self) -> Result<FieldValue<'de>, Self::Error>;
    /// The value as a string field (what `typed::<CowStr>` reads).
    fn text(self) -> Result<CowStr<'de>, Self::Error>
    where
        Self: Sized,
    {
        self.typed()
    }
    /// The value as `Tags` (what `typed::<Tags>` reads).
    fn tags(self) -> Result<Tags, Self::Error>
    where
        Self: Sized,
    {
        self.typed()
    }
    /// The value as a `T` read from a string (a unit-variant enum, a `String`): what
    /// `typed::<T>` reads.
    fn word<T: Deserialize<'de>>(self) -> Result<T, Self::Error>
    where
        Self: Sized,
    {
        self.typed()
    }
    /// The value as an optional time (what `typed::<OptTime>` reads).
    fn time(self) -> Result<Option<EcsTime>, Self::Error>
    where
        Self: Sized,
    {
        self.typed::<OptTime>().map(|t| t.0)
    }
    /// The value as `MockDisks` (what `typed::<Vec<Disk>>` reads).
    fn disks(self) -> Result<Vec<Disk>, Self::Error>
    where
        Self: Sized,
    {
        self.typed()
    }
    /// The value as `OperationLocks` (what `typed::<OperationLocks>` reads).
    fn locks(self) -> Result<OperationLocks, Self::Error>
    where
        Self: Sized,
    {
        self.typed()
    }
}

/// A deserializer as a [`Source`].
struct De<D>(D);

impl<'de, D: Deserializer<'de>> Source<'de> for De<D> {
    type Error = D::Error;
    fn typed<T: Deserialize<'de>>(self) -> Result<T, D::Error> {
        T::deserialize(self.0)
    }
    fn stored(self) -> Result<FieldValue<'de>, D::Error> {
        FieldValue::deserialize(self.0)
    }
}

/// An instance's fields as they are read, before it is built ([`Fields::finish`]).
#[derive(Default)]
pub(crate) struct Fields<'de> {
    id: Option<Sym>,
    account: Option<Sym>,
    region: Option<Sym>,
    zone: Option<Sym>,
    itype: Option<Sym>,
    status: Option<Status>,
    charge: Option<ChargeType>,
    stopped: Option<StoppedMode>,
    name: Option<String>,
    created: Option<Option<EcsTime>>,
    started: Option<Option<EcsTime>>,
    expires: Option<Option<EcsTime>>,
    spot: Option<SpotStrategy>,
    price: Option<f64>,
    protection: Option<bool>,
    locks: Option<OperationLocks>,
    tags: Option<Tags>,
    disks: Option<Vec<Disk>>,
    stuck: Option<bool>,
    transitions: Option<Vec<Phase>>,
    stored: crate::ecs::stored::FieldList<'de>,
}

/// Set a field once; `Err(name)` on a second occurrence (the derived form's `duplicate
/// field` error, which the caller raises where the derived form does).
fn once<T>(slot: &mut Option<T>, name: &'static str, value: T) -> Result<(), &'static str> {
    if slot.is_some() {
        return Err(name);
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Fields<'de> {
    /// No field yet, with room for the stored ones of a pasted DescribeInstances object.
    pub(crate) fn new() -> Self {
        Fields {
            stored: crate::ecs::stored::field_list(),
            ..Fields::default()
        }
    }

    /// The stored fields read so far.
    pub(crate) fn stored_len(&self) -> usize {
        self.stored.len()
    }

    /// Add a stored field (`key` is not one [`is_typed`]).
    pub(crate) fn push_stored(&mut self, key: Cow<'de, str>, value: FieldValue<'de>) {
        debug_assert!(!is_typed(&key));
        self.stored.push((key, value));
    }

    /// Read the value of `key` from `src`; `Ok(Err(name))` when the field was read
    /// before.
    pub(crate) fn read<S: Source<'de>>(
        &mut self,
        key: Cow<'de, str>,
        src: S,
    ) -> Result<Result<(), &'static str>, S::Error> {
        Ok(match key.as_ref() {
            "InstanceId" => {
                let text = src.text()?.0;
                once(&mut self.id, "InstanceId", Sym::unshared(&text))
            }
            // A `Sym` reads a string as `CowStr` and interns it.
            "AccountId" => once(&mut self.account, "AccountId", Sym::new(&src.text()?.0)),
            "RegionId" => once(&mut self.region, "RegionId", Sym::new(&src.text()?.0)),
            "ZoneId" => once(&mut self.zone, "ZoneId", Sym::new(&src.text()?.0)),
            "InstanceType" => once(&mut self.itype, "InstanceType", Sym::new(&src.text()?.0)),
            "Status" => once(&mut self.status, "Status", src.word()?),
            "InstanceChargeType" => once(&mut self.charge, "InstanceChargeType", src.word()?),
            "StoppedMode" => once(&mut self.stopped, "StoppedMode", src.word()?),
            "InstanceName" => once(&mut self.name, "InstanceName", src.word()?),
            "CreationTime" => once(&mut self.created, "CreationTime", src.time()?),
            "StartTime" => once(&mut self.started, "StartTime", src.time()?),
            "ExpiredTime" => once(&mut self.expires, "ExpiredTime", src.time()?),
            "SpotStrategy" => once(&mut self.spot, "SpotStrategy", src.word()?),
            "SpotPriceLimit" => once(&mut self.price, "SpotPriceLimit", src.typed()?),
            "DeletionProtection" => once(&mut self.protection, "DeletionProtection", src.typed()?),
            "OperationLocks" => once(&mut self.locks, "OperationLocks", src.locks()?),
            "Tags" => self.read_tags(src.tags()?),
            "MockDisks" => once(&mut self.disks, "MockDisks", src.disks()?),
            "MockStuck" => once(&mut self.stuck, "MockStuck", src.typed()?),
            "MockTransitions" => once(&mut self.transitions, "MockTransitions", src.typed()?),
            _ => {
                let value = src.stored()?;
                self.stored.push((key, value));
                Ok(())
            }
        })
    }

    /// Set `Tags`, read already; `Err(name)` when they were read before.
    pub(crate) fn read_tags(&mut self, tags: Tags) -> Result<(), &'static str> {
        once(&mut self.tags, "Tags", tags)
    }

    /// The instance, or the derived form's `missing field` error.
    pub(crate) fn finish<E: de::Error>(self) -> Result<Instance, E> {
        Ok(Instance {
            instance_id: self.id.ok_or_else(|| E::missing_field("InstanceId"))?,
            account_id: self.account.unwrap_or_default(),
            region_id: self.region.ok_or_else(|| E::missing_field("RegionId"))?,
            zone_id: self.zone.ok_or_else(|| E::missing_field("ZoneId"))?,
            instance_type: self.itype.ok_or_else(|| E::missing_field("InstanceType"))?,
            status: self.status.ok_or_else(|| E::missing_field("Status"))?,
            instance_charge_type: self.charge.unwrap_or_default(),
            stopped_mode: self.stopped.unwrap_or_default(),
            instance_name: self.name.unwrap_or_default(),
            creation_time: self.created.flatten(),
            start_time: self.started.flatten(),
            expired_time: self.expires.flatten(),
            spot_strategy: self.spot.unwrap_or_default(),
            spot_price_limit: self.price.unwrap_or_default(),
            deletion_protection: self.protection.unwrap_or_default(),
            operation_locks: OperationLocks {
                lock_reason: tight(self.locks.unwrap_or_default().lock_reason),
            },
            tags: Tags {
                tag: tight(self.tags.unwrap_or_default().tag),
            },
            mock_disks: tight(self.disks.unwrap_or_default()),
            mock_stuck: self.stuck.unwrap_or_default(),
            mock_transitions: tight(self.transitions.unwrap_or_default()),
            extra: Stored::from_texts(self.stored),
            seq: 0,
        })
    }
}

/// Whether [`Fields::read`] reads `key` as a typed field (any other is stored).
pub(crate) fn is_typed(key: &str) -> bool {
    matches!(
        key,
        "InstanceId"
            | "AccountId"
            | "RegionId"
            | "ZoneId"
            | "InstanceType"
            | "Status"
            | "InstanceChargeType"
            | "StoppedMode"
            | "InstanceName"
            | "CreationTime"
            | "StartTime"
            | "ExpiredTime"
            | "SpotStrategy"
            | "SpotPriceLimit"
            | "DeletionProtection"
            | "OperationLocks"
            | "Tags"
            | "MockDisks"
            | "MockStuck"
            | "MockTransitions"
    )
}

/// One field's value, read into [`Fields`] by serde.
struct FieldSeed<'a, 'de>(&'a mut Fields<'de>, Cow<'de, str>);

impl<'de> DeserializeSeed<'de> for FieldSeed<'_, 'de> {
    type Value = Result<(), &'static str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        self.0.read(self.1, De(d))
    }
}

impl<'de> Visitor<'de> for InstanceVisitor {
    type Value = Instance;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("struct Instance")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Instance, A::Error> {
        let mut fields = Fields::new();
        while let Some(CowStr(key)) = map.next_key::<CowStr<'de>>()? {
            if let Err(name) = map.next_value_seed(FieldSeed(&mut fields, key))? {
                return Err(de::Error::duplicate_field(name));
            }
        }
        fields.finish()
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
    fn typed_keys_are_the_ones_read_as_typed() {
        let keys = [
            "InstanceId",
            "AccountId",
            "RegionId",
            "ZoneId",
            "InstanceType",
            "Status",
            "InstanceChargeType",
            "StoppedMode",
            "InstanceName",
            "CreationTime",
            "StartTime",
            "ExpiredTime",
            "SpotStrategy",
            "SpotPriceLimit",
            "DeletionProtection",
            "OperationLocks",
            "Tags",
            "MockDisks",
            "MockStuck",
            "MockTransitions",
            "HostName",
            "VpcAttributes",
            "Odd",
            "instanceId",
            "",
        ];
        for key in keys {
            // Whatever a typed field makes of the value, only a stored one keeps it.
            let mut fields = Fields::new();
            let _ = fields.read(Cow::Borrowed(key), De(json!("x")));
            assert_eq!(fields.stored_len() == 1, !is_typed(key), "{key}");
        }
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
