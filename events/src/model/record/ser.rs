//! Writes an [`EventRecord`] as one flat object: envelope keys, then payload keys.

use serde::ser::{Impossible, Serialize, SerializeStruct, Serializer};

use super::EventRecord;

impl<E: Serialize> Serialize for EventRecord<E> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let envelope = &self.envelope;
        // The length is a hint; JSON ignores it beyond "not empty".
        let mut record = serializer.serialize_struct("EventRecord", 5)?;
        record.serialize_field("timestamp", &envelope.timestamp)?;
        record.serialize_field("real_utc_time", &envelope.real_utc_time)?;
        record.serialize_field("correlation_id", &envelope.correlation_id)?;
        record.serialize_field("pid", &envelope.pid)?;
        if let Some(seq) = envelope.seq {
            record.serialize_field("seq", &seq)?;
        }
        self.event.serialize(PayloadFields {
            record: &mut record,
        })?;
        record.end()
    }
}

/// A serializer that accepts only a struct and writes its fields into the
/// enclosing record, so the payload's own derived `Serialize` (with all of the
/// author's serde attributes) decides what its fields look like.
struct PayloadFields<'a, R> {
    record: &'a mut R,
}

fn not_a_struct<Err: serde::ser::Error>() -> Err {
    Err::custom("a domain event payload must serialize as a struct with named fields")
}

macro_rules! refuse {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<$ret, Self::Error> {
                Err(not_a_struct())
            }
        )*
    };
}

impl<'a, R: SerializeStruct> Serializer for PayloadFields<'a, R> {
    type Ok = ();
    type Error = R::Error;
    type SerializeSeq = Impossible<(), R::Error>;
    type SerializeTuple = Impossible<(), R::Error>;
    type SerializeTupleStruct = Impossible<(), R::Error>;
    type SerializeTupleVariant = Impossible<(), R::Error>;
    type SerializeMap = Impossible<(), R::Error>;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), R::Error>;

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Self::Error> {
        Ok(self)
    }

    refuse! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_some<T: ?Sized + Serialize>(self, _: &T) -> Result<(), Self::Error> {
        Err(not_a_struct())
    }

    fn serialize_newtype_struct<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        // A transparent wrapper around a struct is still that struct.
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: ?Sized + Serialize>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Self::Error> {
        Err(not_a_struct())
    }
}

impl<'a, R: SerializeStruct> SerializeStruct for PayloadFields<'a, R> {
    type Ok = ();
    type Error = R::Error;

    fn serialize_field<T: ?Sized + Serialize>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Self::Error> {
        self.record.serialize_field(key, value)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), Self::Error> {
        self.record.skip_field(key)
    }

    fn end(self) -> Result<(), Self::Error> {
        Ok(())
    }
}
