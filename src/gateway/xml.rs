//! The ECS XML format as a serde serializer, so every reply is written straight from its
//! typed (or `serde_json::Value`) form into the output buffer, in the order it
//! serializes its keys.
//!
//! The convention: an object becomes nested elements named by its keys; a list under key
//! `K` becomes repeated `<K>` elements (an empty list writes nothing); a string is escaped
//! text; numbers and booleans are written as JSON writes them (`0.0`, `true`); a missing
//! value is an empty element. So `{"Instances":{"Instance":[a,b]}}` reads
//! `<Instances><Instance>a</Instance><Instance>b</Instance></Instances>`.

use std::fmt::Display;

use quick_xml::escape::escape;
use serde::ser::{self, Impossible, Serialize};

/// Why a value cannot be written as ECS XML (a map key that is not a string).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct XmlError(String);

impl ser::Error for XmlError {
    fn custom<T: Display>(msg: T) -> Self {
        XmlError(msg.to_string())
    }
}

type Result<T> = std::result::Result<T, XmlError>;

/// Write `value` as the document `<root>…</root>` with the XML declaration.
pub fn to_xml<T: Serialize + ?Sized>(root: &str, value: &T) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(1024);
    out.extend_from_slice(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
    value.serialize(Element {
        out: &mut out,
        name: root,
    })?;
    Ok(out)
}

fn open(out: &mut Vec<u8>, name: &str) {
    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

fn close(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(b"</");
    out.extend_from_slice(name.as_bytes());
    out.push(b'>');
}

/// Writes one value as the element `name` (or, for a list, as repeated `name` elements).
struct Element<'a> {
    out: &'a mut Vec<u8>,
    name: &'a str,
}

impl<'a> Element<'a> {
    fn text(self, text: &str) -> Result<()> {
        open(self.out, self.name);
        self.out.extend_from_slice(escape(text).as_bytes());
        close(self.out, self.name);
        Ok(())
    }

    fn number<N: Serialize>(self, n: N) -> Result<()> {
        open(self.out, self.name);
        serde_json::to_writer(&mut *self.out, &n).map_err(|e| XmlError(e.to_string()))?;
        close(self.out, self.name);
        Ok(())
    }
}

/// The children of an open element: map entries or struct fields.
pub struct Children<'a> {
    out: &'a mut Vec<u8>,
    name: &'a str,
    key: String,
}

/// The items of a list under one key.
pub struct Items<'a> {
    out: &'a mut Vec<u8>,
    name: &'a str,
}

macro_rules! numbers {
    ($($f:ident: $t:ty),*) => {$(
        fn $f(self, v: $t) -> Result<()> { self.number(v) }
    )*};
}

impl<'a> ser::Serializer for Element<'a> {
    type Ok = ();
    type Error = XmlError;
    type SerializeSeq = Items<'a>;
    type SerializeTuple = Items<'a>;
    type SerializeTupleStruct = Items<'a>;
    type SerializeTupleVariant = Impossible<(), XmlError>;
    type SerializeMap = Children<'a>;
    type SerializeStruct = Children<'a>;
    type SerializeStructVariant = Impossible<(), XmlError>;

    numbers!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64,
        serialize_f32: f32, serialize_f64: f64, serialize_bool: bool);

    fn serialize_char(self, v: char) -> Result<()> {
        self.text(v.encode_utf8(&mut [0; 4]))
    }
    /// Not human-readable in serde's sense: a stored JSON text
    /// ([`Fragment`](crate::ecs::stored::Fragment)) is handed over as a value, not as
    /// `serde_json`'s raw-text token.
    fn is_human_readable(&self) -> bool {
        false
    }
    fn serialize_str(self, v: &str) -> Result<()> {
        self.text(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<()> {
        self.text(&String::from_utf8_lossy(v))
    }
    fn serialize_none(self) -> Result<()> {
        self.text("")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<()> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<()> {
        self.text("")
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<()> {
        self.text("")
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<()> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<()> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<()> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'a>> {
        Ok(Items {
            out: self.out,
            name: self.name,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Items<'a>> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(XmlError("tuple variants have no XML form".into()))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Children<'a>> {
        open(self.out, self.name);
        Ok(Children {
            out: self.out,
            name: self.name,
            key: String::new(),
        })
    }
    fn serialize_struct(self, _: &'static str, len: usize) -> Result<Children<'a>> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(XmlError("struct variants have no XML form".into()))
    }
}

impl ser::SerializeSeq for Items<'_> {
    type Ok = ();
    type Error = XmlError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        v.serialize(Element {
            out: self.out,
            name: self.name,
        })
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl ser::SerializeTuple for Items<'_> {
    type Ok = ();
    type Error = XmlError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Items<'_> {
    type Ok = ();
    type Error = XmlError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, v)
    }
    fn end(self) -> Result<()> {
        Ok(())
    }
}

impl ser::SerializeMap for Children<'_> {
    type Ok = ();
    type Error = XmlError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = key.serialize(KeyName)?;
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<()> {
        v.serialize(Element {
            out: self.out,
            name: &self.key,
        })
    }
    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        v: &V,
    ) -> Result<()> {
        self.serialize_key(key)?;
        self.serialize_value(v)
    }
    fn end(self) -> Result<()> {
        close(self.out, self.name);
        Ok(())
    }
}

impl ser::SerializeStruct for Children<'_> {
    type Ok = ();
    type Error = XmlError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<()> {
        v.serialize(Element {
            out: self.out,
            name: key,
        })
    }
    fn end(self) -> Result<()> {
        close(self.out, self.name);
        Ok(())
    }
}

/// Scalar kinds that cannot name an element.
macro_rules! reject {
    ($($f:ident: $t:ty),*) => {$(
        fn $f(self, _: $t) -> Result<String> { Err(not_a_name()) }
    )*};
}

/// Map keys must be strings: element names.
struct KeyName;

impl ser::Serializer for KeyName {
    type Ok = String;
    type Error = XmlError;
    type SerializeSeq = Impossible<String, XmlError>;
    type SerializeTuple = Impossible<String, XmlError>;
    type SerializeTupleStruct = Impossible<String, XmlError>;
    type SerializeTupleVariant = Impossible<String, XmlError>;
    type SerializeMap = Impossible<String, XmlError>;
    type SerializeStruct = Impossible<String, XmlError>;
    type SerializeStructVariant = Impossible<String, XmlError>;

    reject!(serialize_bool: bool, serialize_i8: i8, serialize_i16: i16, serialize_i32: i32,
        serialize_i64: i64, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_f32: f32, serialize_f64: f64, serialize_bytes: &[u8]);

    fn serialize_str(self, v: &str) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_char(self, v: char) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_none(self) -> Result<String> {
        Err(not_a_name())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<String> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<String> {
        Err(not_a_name())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String> {
        Err(not_a_name())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, v: &'static str) -> Result<String> {
        Ok(v.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String> {
        Err(not_a_name())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        Err(not_a_name())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        Err(not_a_name())
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(not_a_name())
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(not_a_name())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        Err(not_a_name())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        Err(not_a_name())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(not_a_name())
    }
}

fn not_a_name() -> XmlError {
    XmlError("an XML element name must be a string".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_repeat_their_key_and_scalars_read_as_json() {
        let body = json!({"RequestId": "R", "Instances": {"Instance": [{"InstanceId": "i-1", "Ok": true, "Price": 0.0}, {"InstanceId": "i-<2>"}]}, "Empty": {"Tag": []}, "N": -1});
        let xml = String::from_utf8(to_xml("DescribeInstancesResponse", &body).unwrap()).unwrap();
        assert_eq!(
            xml,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DescribeInstancesResponse><RequestId>R</RequestId><Instances><Instance><InstanceId>i-1</InstanceId><Ok>true</Ok><Price>0.0</Price></Instance><Instance><InstanceId>i-&lt;2&gt;</InstanceId></Instance></Instances><Empty></Empty><N>-1</N></DescribeInstancesResponse>"
        );
    }
}
