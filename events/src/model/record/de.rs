//! Reads an [`EventRecord`] from one flat object, in any key order.
//!
//! The payload's own derived `Deserialize` reads the object through
//! [`PeelEnvelope`], which takes the envelope keys out as they pass and
//! hands every other key on. Nothing is buffered, and the payload's
//! `deny_unknown_fields` still sees every key that is not the envelope's.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::StrDeserializer;
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};

use super::EventRecord;
use crate::Envelope;
use crate::time::{EngineTime, RealUtcTime};

impl<'de, E: Deserialize<'de>> Deserialize<'de> for EventRecord<E> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(RecordVisitor(PhantomData))
    }
}

struct RecordVisitor<E>(PhantomData<E>);

impl<'de, E: Deserialize<'de>> Visitor<'de> for RecordVisitor<E> {
    type Value = EventRecord<E>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event object with timestamp, real_utc_time, correlation_id and pid")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut slots = EnvelopeSlots::default();
        let event = E::deserialize(PeelEnvelope {
            map,
            slots: &mut slots,
        })?;
        let envelope = slots.finish()?;
        Ok(EventRecord { envelope, event })
    }
}

#[derive(Default)]
struct EnvelopeSlots {
    timestamp: Option<EngineTime>,
    real_utc_time: Option<RealUtcTime>,
    correlation_id: Option<String>,
    pid: Option<u32>,
    seq: Option<u64>,
}

impl EnvelopeSlots {
    fn finish<Err: de::Error>(self) -> Result<Envelope, Err> {
        Ok(Envelope {
            timestamp: self
                .timestamp
                .ok_or_else(|| Err::missing_field("timestamp"))?,
            real_utc_time: self
                .real_utc_time
                .ok_or_else(|| Err::missing_field("real_utc_time"))?,
            correlation_id: self
                .correlation_id
                .ok_or_else(|| Err::missing_field("correlation_id"))?,
            pid: self.pid.ok_or_else(|| Err::missing_field("pid"))?,
            seq: self.seq,
        })
    }
}

fn fill<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    slot: &mut Option<T>,
    map: &mut A,
    key: &'static str,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(key));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// The record's map, minus the envelope keys.
struct PeelEnvelope<'s, A> {
    map: A,
    slots: &'s mut EnvelopeSlots,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for PeelEnvelope<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.map.next_key::<Key<'de>>()? else {
                return Ok(None);
            };
            let slots = &mut *self.slots;
            match key.as_str() {
                "timestamp" => fill(&mut slots.timestamp, &mut self.map, "timestamp")?,
                "real_utc_time" => fill(&mut slots.real_utc_time, &mut self.map, "real_utc_time")?,
                "correlation_id" => {
                    fill(&mut slots.correlation_id, &mut self.map, "correlation_id")?
                }
                "pid" => fill(&mut slots.pid, &mut self.map, "pid")?,
                "seq" => fill(&mut slots.seq, &mut self.map, "seq")?,
                other => {
                    return seed
                        .deserialize(StrDeserializer::<A::Error>::new(other))
                        .map(Some);
                }
            }
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> Deserializer<'de> for PeelEnvelope<'_, A> {
    type Error = A::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// A map key, borrowed from the input when the format allows it.
enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }
}

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;

        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Key<'de>, E> {
                Ok(Key::Borrowed(key))
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key.to_owned()))
            }

            fn visit_string<E: de::Error>(self, key: String) -> Result<Key<'de>, E> {
                Ok(Key::Owned(key))
            }
        }

        deserializer.deserialize_identifier(KeyVisitor)
    }
}
