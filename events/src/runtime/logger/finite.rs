//! A serializer wrapper that refuses NaN and infinities.
//!
//! `serde_json` writes a non-finite float as `null`, which would turn a bad
//! number into a silent missing value in the audit trail. Wrapping the
//! serializer sees every float before it is written, in the same pass, and
//! stops the event with the path of the offending field.

use std::cell::{Cell, RefCell};
use std::fmt::Display;

use serde::ser::{
    self, Serialize, SerializeMap, SerializeSeq, SerializeStruct, SerializeStructVariant,
    SerializeTuple, SerializeTupleStruct, SerializeTupleVariant, Serializer,
};

/// Why [`serialize_finite`] stopped.
#[derive(Debug)]
pub(crate) enum Refused<E> {
    /// The first non-finite float, and the path of its field.
    NonFinite { value: f64, path: String },
    /// Any other serialization error.
    Error(E),
}

/// Serializes `value` into `serializer`, refusing non-finite floats.
pub(crate) fn serialize_finite<T, S>(value: &T, serializer: S) -> Result<S::Ok, Refused<S::Error>>
where
    T: Serialize + ?Sized,
    S: Serializer,
{
    let check = Check::default();
    match value.serialize(CheckSer {
        inner: serializer,
        check: &check,
    }) {
        Ok(ok) => Ok(ok),
        Err(error) => match check.found.get() {
            Some(value) => Err(Refused::NonFinite {
                value,
                path: check.path(),
            }),
            None => Err(Refused::Error(error)),
        },
    }
}

/// Checks that `value` holds no non-finite float, without writing anything:
/// the caller-side half of `emit`, so the error comes back from `emit` while
/// the line itself is written by the writer thread.
pub(crate) fn check_finite<T: Serialize + ?Sized>(value: &T) -> Result<(), (f64, String)> {
    match serialize_finite(value, Discard) {
        Ok(()) => Ok(()),
        Err(Refused::NonFinite { value, path }) => Err((value, path)),
        // Discard accepts everything; only a Serialize impl can fail, and the
        // writer reports that when it serializes for real.
        Err(Refused::Error(Discarded)) => Ok(()),
    }
}

#[derive(Default)]
struct Check {
    found: Cell<Option<f64>>,
    /// Innermost segment first, as errors unwind outwards.
    path: RefCell<Vec<Segment>>,
}

enum Segment {
    Field(String),
    Index(usize),
}

impl Check {
    fn non_finite<E: ser::Error>(&self, value: f64) -> E {
        self.found.set(Some(value));
        E::custom(format_args!("non-finite float {value}"))
    }

    /// Records where an error passed through, if it is ours.
    fn note(&self, segment: impl FnOnce() -> Segment) {
        if self.found.get().is_some() {
            self.path.borrow_mut().push(segment());
        }
    }

    fn path(&self) -> String {
        let mut out = String::new();
        for segment in self.path.borrow().iter().rev() {
            match segment {
                Segment::Field(name) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(name);
                }
                Segment::Index(index) => {
                    out.push('[');
                    out.push_str(&index.to_string());
                    out.push(']');
                }
            }
        }
        out
    }
}

/// A map key as text, for the error path only.
fn key_name<K: Serialize + ?Sized>(key: &K) -> Segment {
    let text = serde_json::to_string(key).unwrap_or_else(|_| "?".to_owned());
    // A string key is named as it is, not as escaped JSON (`weird "key"`,
    // not `weird \"key\"`); other keys as JSON writes them.
    let text = serde_json::from_str::<String>(&text).unwrap_or(text);
    Segment::Field(text)
}

struct Checked<'a, T: ?Sized> {
    value: &'a T,
    check: &'a Check,
}

impl<T: Serialize + ?Sized> Serialize for Checked<'_, T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(CheckSer {
            inner: serializer,
            check: self.check,
        })
    }
}

struct CheckSer<'a, S> {
    inner: S,
    check: &'a Check,
}

struct Compound<'a, C> {
    inner: C,
    check: &'a Check,
    /// The place of the next element of a sequence or tuple.
    index: usize,
    /// The key of a map's value to come, when the map's `Serialize` writes
    /// keys and values by separate calls (`serialize_key`, then
    /// `serialize_value`): the value's path names it.
    key: Option<Segment>,
    /// The variant of an enum's tuple or struct variant, named in the path
    /// as a newtype variant's is (`shapes[0].Tuple[1]`).
    variant: Option<&'static str>,
}

impl<'a, C> Compound<'a, C> {
    fn new(inner: C, check: &'a Check) -> Self {
        Compound {
            inner,
            check,
            index: 0,
            key: None,
            variant: None,
        }
    }

    fn of_variant(inner: C, check: &'a Check, variant: &'static str) -> Self {
        Compound {
            variant: Some(variant),
            ..Compound::new(inner, check)
        }
    }

    /// Records where an error passed through: `segment`, then the variant.
    fn note(&self, segment: impl FnOnce() -> Segment) {
        self.check.note(segment);
        if let Some(variant) = self.variant {
            self.check.note(|| Segment::Field(variant.to_owned()));
        }
    }
}

macro_rules! forward {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {
        $(
            fn $method(self, $($arg: $ty),*) -> Result<S::Ok, S::Error> {
                self.inner.$method($($arg),*)
            }
        )*
    };
}

impl<'a, S: Serializer> Serializer for CheckSer<'a, S> {
    type Ok = S::Ok;
    type Error = S::Error;
    type SerializeSeq = Compound<'a, S::SerializeSeq>;
    type SerializeTuple = Compound<'a, S::SerializeTuple>;
    type SerializeTupleStruct = Compound<'a, S::SerializeTupleStruct>;
    type SerializeTupleVariant = Compound<'a, S::SerializeTupleVariant>;
    type SerializeMap = Compound<'a, S::SerializeMap>;
    type SerializeStruct = Compound<'a, S::SerializeStruct>;
    type SerializeStructVariant = Compound<'a, S::SerializeStructVariant>;

    forward! {
        serialize_bool(v: bool);
        serialize_i8(v: i8);
        serialize_i16(v: i16);
        serialize_i32(v: i32);
        serialize_i64(v: i64);
        serialize_i128(v: i128);
        serialize_u8(v: u8);
        serialize_u16(v: u16);
        serialize_u32(v: u32);
        serialize_u64(v: u64);
        serialize_u128(v: u128);
        serialize_char(v: char);
        serialize_str(v: &str);
        serialize_bytes(v: &[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(name: &'static str);
        serialize_unit_variant(name: &'static str, index: u32, variant: &'static str);
    }

    fn serialize_f32(self, v: f32) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(self.check.non_finite(f64::from(v)));
        }
        self.inner.serialize_f32(v)
    }

    fn serialize_f64(self, v: f64) -> Result<S::Ok, S::Error> {
        if !v.is_finite() {
            return Err(self.check.non_finite(v));
        }
        self.inner.serialize_f64(v)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.serialize_some(&Checked {
            value,
            check: self.check,
        })
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        self.inner.serialize_newtype_struct(
            name,
            &Checked {
                value,
                check: self.check,
            },
        )
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<S::Ok, S::Error> {
        let check = self.check;
        let result =
            self.inner
                .serialize_newtype_variant(name, index, variant, &Checked { value, check });
        if result.is_err() {
            check.note(|| Segment::Field(variant.to_owned()));
        }
        result
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<Self::SerializeSeq, S::Error> {
        Ok(Compound::new(self.inner.serialize_seq(len)?, self.check))
    }

    fn serialize_tuple(self, len: usize) -> Result<Self::SerializeTuple, S::Error> {
        Ok(Compound::new(self.inner.serialize_tuple(len)?, self.check))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleStruct, S::Error> {
        Ok(Compound::new(
            self.inner.serialize_tuple_struct(name, len)?,
            self.check,
        ))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, S::Error> {
        Ok(Compound::of_variant(
            self.inner
                .serialize_tuple_variant(name, index, variant, len)?,
            self.check,
            variant,
        ))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<Self::SerializeMap, S::Error> {
        Ok(Compound::new(self.inner.serialize_map(len)?, self.check))
    }

    fn serialize_struct(
        self,
        name: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStruct, S::Error> {
        Ok(Compound::new(
            self.inner.serialize_struct(name, len)?,
            self.check,
        ))
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, S::Error> {
        Ok(Compound::of_variant(
            self.inner
                .serialize_struct_variant(name, index, variant, len)?,
            self.check,
            variant,
        ))
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<S::Ok, S::Error> {
        self.inner.collect_str(value)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

macro_rules! indexed_compound {
    ($trait:ident, $method:ident) => {
        impl<C: $trait> $trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
                let check = self.check;
                let result = self.inner.$method(&Checked { value, check });
                if result.is_err() {
                    let index = self.index;
                    self.note(|| Segment::Index(index));
                }
                self.index += 1;
                result
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    };
}

indexed_compound!(SerializeSeq, serialize_element);
indexed_compound!(SerializeTuple, serialize_element);
indexed_compound!(SerializeTupleStruct, serialize_field);
indexed_compound!(SerializeTupleVariant, serialize_field);

macro_rules! named_compound {
    ($trait:ident) => {
        impl<C: $trait> $trait for Compound<'_, C> {
            type Ok = C::Ok;
            type Error = C::Error;

            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), C::Error> {
                let check = self.check;
                let result = self.inner.serialize_field(key, &Checked { value, check });
                if result.is_err() {
                    self.note(|| Segment::Field(key.to_owned()));
                }
                result
            }

            fn skip_field(&mut self, key: &'static str) -> Result<(), C::Error> {
                self.inner.skip_field(key)
            }

            fn end(self) -> Result<C::Ok, C::Error> {
                self.inner.end()
            }
        }
    };
}

named_compound!(SerializeStruct);
named_compound!(SerializeStructVariant);

impl<C: SerializeMap> SerializeMap for Compound<'_, C> {
    type Ok = C::Ok;
    type Error = C::Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), C::Error> {
        let check = self.check;
        let result = self.inner.serialize_key(&Checked { value: key, check });
        if result.is_err() {
            check.note(|| key_name(key));
        } else {
            // Named now, while the key is at hand; maps that take this path
            // (custom `Serialize` impls) are rare, `serialize_entry` is not.
            self.key = Some(key_name(key));
        }
        result
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), C::Error> {
        let check = self.check;
        let result = self.inner.serialize_value(&Checked { value, check });
        let key = self.key.take();
        if result.is_err() {
            check.note(|| key.unwrap_or_else(|| Segment::Field("?".to_owned())));
        }
        result
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), C::Error> {
        let check = self.check;
        let result = self
            .inner
            .serialize_entry(&Checked { value: key, check }, &Checked { value, check });
        if result.is_err() {
            check.note(|| key_name(key));
        }
        result
    }

    fn end(self) -> Result<C::Ok, C::Error> {
        self.inner.end()
    }
}

// === Discard: a serializer that writes nothing ===

#[derive(Debug)]
struct Discarded;

impl Display for Discarded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("serialization failed")
    }
}

impl std::error::Error for Discarded {}

impl ser::Error for Discarded {
    fn custom<T: Display>(_: T) -> Self {
        Discarded
    }
}

struct Discard;

macro_rules! discard {
    ($($method:ident($($ty:ty),*);)*) => {
        $(
            fn $method(self, $(_: $ty),*) -> Result<(), Discarded> {
                Ok(())
            }
        )*
    };
}

impl Serializer for Discard {
    type Ok = ();
    type Error = Discarded;
    type SerializeSeq = Discard;
    type SerializeTuple = Discard;
    type SerializeTupleStruct = Discard;
    type SerializeTupleVariant = Discard;
    type SerializeMap = Discard;
    type SerializeStruct = Discard;
    type SerializeStructVariant = Discard;

    discard! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_none();
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Discarded> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Discarded> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        value: &T,
    ) -> Result<(), Discarded> {
        value.serialize(self)
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<Discard, Discarded> {
        Ok(Discard)
    }

    fn serialize_tuple(self, _: usize) -> Result<Discard, Discarded> {
        Ok(Discard)
    }

    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Discard, Discarded> {
        Ok(Discard)
    }

    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Discard, Discarded> {
        Ok(Discard)
    }

    fn serialize_map(self, _: Option<usize>) -> Result<Discard, Discarded> {
        Ok(Discard)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Discard, Discarded> {
        Ok(Discard)
    }

    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Discard, Discarded> {
        Ok(Discard)
    }

    fn collect_str<T: Display + ?Sized>(self, _: &T) -> Result<(), Discarded> {
        Ok(())
    }
}

macro_rules! discard_compound {
    ($($trait:ident { $($method:ident),* })*) => {
        $(
            impl $trait for Discard {
                type Ok = ();
                type Error = Discarded;

                $(
                    fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Discarded> {
                        value.serialize(Discard)
                    }
                )*

                fn end(self) -> Result<(), Discarded> {
                    Ok(())
                }
            }
        )*
    };
}

discard_compound! {
    SerializeSeq { serialize_element }
    SerializeTuple { serialize_element }
    SerializeTupleStruct { serialize_field }
    SerializeTupleVariant { serialize_field }
    SerializeMap { serialize_key, serialize_value }
}

impl SerializeStruct for Discard {
    type Ok = ();
    type Error = Discarded;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Discarded> {
        value.serialize(Discard)
    }

    fn end(self) -> Result<(), Discarded> {
        Ok(())
    }
}

impl SerializeStructVariant for Discard {
    type Ok = ();
    type Error = Discarded;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Discarded> {
        value.serialize(Discard)
    }

    fn end(self) -> Result<(), Discarded> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use indexmap::IndexMap;
    use serde::Serialize;

    use super::*;

    #[derive(Serialize)]
    struct Inner {
        values: Vec<f64>,
    }

    #[derive(Serialize)]
    struct Outer {
        name: String,
        positions: IndexMap<String, f64>,
        inner: Option<Inner>,
    }

    fn run<T: Serialize>(value: &T) -> Result<String, (f64, String)> {
        let mut out = Vec::new();
        match serialize_finite(value, &mut serde_json::Serializer::new(&mut out)) {
            Ok(()) => Ok(String::from_utf8(out).unwrap()),
            Err(Refused::NonFinite { value, path }) => Err((value, path)),
            Err(Refused::Error(error)) => panic!("unexpected error {error}"),
        }
    }

    /// A map whose `Serialize` writes each key and value by separate calls,
    /// as custom impls may (serde's own maps call `serialize_entry`).
    struct SplitMap(Vec<(&'static str, f64)>);

    impl Serialize for SplitMap {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(self.0.len()))?;
            for (key, value) in &self.0 {
                map.serialize_key(key)?;
                map.serialize_value(value)?;
            }
            map.end()
        }
    }

    #[derive(Serialize)]
    struct Price(f64);

    #[derive(Serialize)]
    struct Pair(f64, f64);

    #[derive(Serialize)]
    enum Shape {
        Unit,
        Newtype(f64),
        Tuple(f64, f64),
        Struct { x: f64 },
    }

    /// Every shape serde gives a value: newtype, tuple struct, tuple, every
    /// kind of enum variant, a map written key then value, and a type that
    /// serializes otherwise when the format is not human-readable.
    #[derive(Serialize)]
    struct Every {
        price: Price,
        pair: Pair,
        tuple: (f64, f64),
        shapes: Vec<Shape>,
        split: SplitMap,
        addr: std::net::Ipv4Addr,
    }

    fn every() -> Every {
        Every {
            price: Price(1.5),
            pair: Pair(1.0, 2.0),
            tuple: (3.0, 4.0),
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(5.0),
                Shape::Tuple(6.0, 7.0),
                Shape::Struct { x: 8.0 },
            ],
            split: SplitMap(vec![("a", 9.0), ("b", 10.0)]),
            addr: std::net::Ipv4Addr::LOCALHOST,
        }
    }

    /// Mutants seen to fail: the wrapper's `is_human_readable` as `false`,
    /// its map's `serialize_key` or `serialize_value` as `Ok(())`.
    #[test]
    fn every_shape_of_value_serializes_as_serde_json_does() {
        let value = every();
        assert_eq!(run(&value).unwrap(), serde_json::to_string(&value).unwrap());
        assert_eq!(check_finite(&value), Ok(()));
    }

    /// Puts a non-finite float somewhere in an [`Every`].
    type Plant = fn(&mut Every);

    /// A NaN in each shape is found, with its path, by the writing check and
    /// by the caller-side one alike. Mutants seen to fail: `Discard`'s
    /// `serialize_newtype_struct`, `serialize_newtype_variant` and struct
    /// variant `serialize_field` as `Ok(())` (the caller-side check then
    /// looks past the NaN).
    #[test]
    fn a_non_finite_float_in_every_shape_is_found_with_its_path() {
        let cases: [(Plant, &str); 7] = [
            (|e| e.price = Price(f64::NAN), "price"),
            (|e| e.pair = Pair(1.0, f64::NAN), "pair[1]"),
            (|e| e.tuple = (f64::NAN, 1.0), "tuple[0]"),
            (
                |e| e.shapes[1] = Shape::Newtype(f64::NAN),
                "shapes[1].Newtype",
            ),
            (
                |e| e.shapes[2] = Shape::Tuple(1.0, f64::NAN),
                "shapes[2].Tuple[1]",
            ),
            (
                |e| e.shapes[3] = Shape::Struct { x: f64::NAN },
                "shapes[3].Struct.x",
            ),
            (|e| e.split.0[1].1 = f64::NAN, "split.b"),
        ];
        for (plant, path) in cases {
            let mut value = every();
            plant(&mut value);
            let (found, at) = run(&value).unwrap_err();
            assert!(found.is_nan(), "{path}: {found}");
            assert_eq!(at, path);
            let (found, at) = check_finite(&value).unwrap_err();
            assert!(found.is_nan(), "{path}: {found}");
            assert_eq!(at, path, "caller-side check");
        }
    }

    #[test]
    fn finite_values_serialize_as_serde_json_does() {
        let value = Outer {
            name: "a\"b".to_owned(),
            positions: IndexMap::from([("x".to_owned(), 1.5)]),
            inner: Some(Inner {
                values: vec![0.1, -2.0],
            }),
        };
        assert_eq!(run(&value).unwrap(), serde_json::to_string(&value).unwrap());
    }

    #[test]
    fn non_finite_floats_are_found_with_their_path() {
        let value = Outer {
            name: String::new(),
            positions: IndexMap::from([("aave:aToken:aUSDT".to_owned(), f64::NAN)]),
            inner: None,
        };
        let (found, path) = run(&value).unwrap_err();
        assert!(found.is_nan());
        assert_eq!(path, "positions.aave:aToken:aUSDT");

        let value = Outer {
            name: String::new(),
            positions: IndexMap::new(),
            inner: Some(Inner {
                values: vec![1.0, f64::NEG_INFINITY],
            }),
        };
        assert_eq!(
            run(&value).unwrap_err(),
            (f64::NEG_INFINITY, "inner.values[1]".to_owned())
        );
        assert_eq!(run(&f32::INFINITY).unwrap_err().0, f64::INFINITY);
        assert_eq!(
            check_finite(&value),
            Err((f64::NEG_INFINITY, "inner.values[1]".to_owned()))
        );
        assert_eq!(check_finite(&vec![1.0, 2.0]), Ok(()));
    }
}
