//! A serde `Deserializer` over the position-aware tree, so typed structs (with
//! `deny_unknown_fields`) can be read from TOML and YAML alike and every error knows its key
//! path and position.

use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess, Visitor};

use super::tree::{Entry, Node, Pos, Seg, Value};

/// What went wrong while reading a typed value from the tree.
#[derive(Debug, Clone, PartialEq)]
pub enum DeErrorKind {
    /// A key the schema does not know; `allowed` lists the keys it does.
    UnknownKey {
        /// The key as written.
        key: String,
        /// The keys the table accepts.
        allowed: &'static [&'static str],
    },
    /// A value of the wrong type.
    Type {
        /// What the schema wanted, e.g. "a string".
        expected: String,
        /// What the file had, e.g. `integer 5`.
        found: String,
    },
    /// A string that is not one of a fixed set of words.
    Variant {
        /// The word as written.
        value: String,
        /// The accepted words.
        allowed: &'static [&'static str],
    },
    /// A required key is missing.
    Missing(&'static str),
    /// Any other message (from a custom `Deserialize`, e.g. a bad offset or duration).
    Message(String),
}

/// A deserialization error with the path to the offending key and its position.
#[derive(Debug, Clone, PartialEq)]
pub struct DeError {
    /// What went wrong.
    pub kind: DeErrorKind,
    /// Keys and indices from the root to the offending value (or key).
    pub path: Vec<Seg>,
    /// Where it is; filled in by the innermost node that saw the error.
    pub at: Option<Pos>,
}

impl DeError {
    fn new(kind: DeErrorKind) -> Self {
        Self {
            kind,
            path: Vec::new(),
            at: None,
        }
    }

    fn or_at(mut self, at: Pos) -> Self {
        self.at.get_or_insert(at);
        self
    }

    fn under(mut self, seg: Seg) -> Self {
        self.path.insert(0, seg);
        self
    }
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            DeErrorKind::UnknownKey { key, allowed } => {
                write!(f, "unknown key `{key}`; allowed: {}", allowed.join(", "))
            }
            DeErrorKind::Type { expected, found } => {
                write!(f, "expected {expected}, found {found}")
            }
            DeErrorKind::Variant { value, allowed } => {
                write!(f, "`{value}` is not one of: {}", allowed.join(", "))
            }
            DeErrorKind::Missing(k) => write!(f, "missing key `{k}`"),
            DeErrorKind::Message(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(DeErrorKind::Message(msg.to_string()))
    }

    fn invalid_type(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::new(DeErrorKind::Type {
            expected: describe_expected(&exp.to_string()),
            found: describe_unexpected(&unexp),
        })
    }

    fn invalid_value(unexp: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        Self::new(DeErrorKind::Type {
            expected: describe_expected(&exp.to_string()),
            found: describe_unexpected(&unexp),
        })
    }

    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        Self::new(DeErrorKind::Variant {
            value: variant.to_string(),
            allowed: expected,
        })
    }

    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        Self::new(DeErrorKind::UnknownKey {
            key: field.to_string(),
            allowed: expected,
        })
    }

    fn missing_field(field: &'static str) -> Self {
        Self::new(DeErrorKind::Missing(field))
    }
}

/// serde's wording is Rust-flavoured ("struct Stage", "a sequence"); say it in file terms.
fn describe_expected(exp: &str) -> String {
    if exp.starts_with("struct ") || exp == "a map" {
        return "a table".to_string();
    }
    match exp {
        "a sequence" => "an array".to_string(),
        "a boolean" => "a boolean (true or false)".to_string(),
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number ≥ 0".to_string(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".to_string(),
        "f32" | "f64" => "a number".to_string(),
        other => other.to_string(),
    }
}

fn describe_unexpected(u: &de::Unexpected<'_>) -> String {
    match u {
        de::Unexpected::Map => "a table".to_string(),
        de::Unexpected::Seq => "an array".to_string(),
        de::Unexpected::Unit => "null".to_string(),
        de::Unexpected::Str(s) => format!("string \"{s}\""),
        de::Unexpected::Signed(i) => format!("integer {i}"),
        de::Unexpected::Unsigned(i) => format!("integer {i}"),
        de::Unexpected::Float(x) => format!("number {x}"),
        de::Unexpected::Bool(b) => format!("boolean {b}"),
        other => other.to_string(),
    }
}

/// Deserializes from one node of the tree.
pub struct NodeDe<'a>(pub &'a Node);

impl NodeDe<'_> {
    fn wrong_type(&self, exp: &dyn de::Expected) -> DeError {
        let unexp = match &self.0.value {
            Value::Table(_) => de::Unexpected::Map,
            Value::Array(_) => de::Unexpected::Seq,
            Value::Str(s) | Value::Datetime(s) => de::Unexpected::Str(s),
            Value::Int(i) => de::Unexpected::Signed(*i),
            Value::Float(x) => de::Unexpected::Float(*x),
            Value::Bool(b) => de::Unexpected::Bool(*b),
            Value::Null => de::Unexpected::Unit,
        };
        <DeError as de::Error>::invalid_type(unexp, exp).or_at(self.0.at)
    }
}

impl<'de> de::Deserializer<'de> for NodeDe<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        let at = self.0.at;
        let r = match &self.0.value {
            Value::Table(entries) => v.visit_map(Entries::new(entries)),
            Value::Array(items) => v.visit_seq(Items { items, next: 0 }),
            Value::Str(s) | Value::Datetime(s) => v.visit_str(s),
            Value::Int(i) => v.visit_i64(*i),
            Value::Float(x) => v.visit_f64(*x),
            Value::Bool(b) => v.visit_bool(*b),
            Value::Null => v.visit_unit(),
        };
        r.map_err(|e| e.or_at(at))
    }

    fn deserialize_option<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match self.0.value {
            Value::Null => v.visit_none(),
            _ => v.visit_some(self),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        v: V,
    ) -> Result<V::Value, DeError> {
        v.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str(s) => {
                let de: StrDeserializer<'_, DeError> = s.as_str().into_deserializer();
                v.visit_enum(de).map_err(|e| e.or_at(self.0.at))
            }
            _ => Err(self.wrong_type(&"a string")),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Table(_) => self.deserialize_any(v),
            _ => Err(self.wrong_type(&"a table")),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Table(_) => self.deserialize_any(v),
            _ => Err(self.wrong_type(&"a table")),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Array(_) => self.deserialize_any(v),
            _ => Err(self.wrong_type(&"an array")),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        match &self.0.value {
            Value::Str(_) | Value::Datetime(_) => self.deserialize_any(v),
            _ => Err(self.wrong_type(&"a string")),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, DeError> {
        self.deserialize_string(v)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char
        bytes byte_buf unit unit_struct tuple tuple_struct identifier ignored_any
    }
}

/// Table entries, one key and value at a time.
struct Entries<'a> {
    entries: &'a [Entry],
    next: usize,
}

impl<'a> Entries<'a> {
    fn new(entries: &'a [Entry]) -> Self {
        Self { entries, next: 0 }
    }
}

impl<'de> MapAccess<'de> for Entries<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        let Some(e) = self.entries.get(self.next) else {
            return Ok(None);
        };
        let key: StrDeserializer<'_, DeError> = e.key.as_str().into_deserializer();
        seed.deserialize(key)
            .map(Some)
            .map_err(|err| err.or_at(e.key_at).under(Seg::Key(e.key.clone())))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some(e) = self.entries.get(self.next) else {
            return Err(<DeError as de::Error>::custom("value without a key"));
        };
        self.next += 1;
        seed.deserialize(NodeDe(&e.node))
            .map_err(|err| err.or_at(e.node.at).under(Seg::Key(e.key.clone())))
    }
}

/// Array items, one at a time.
struct Items<'a> {
    items: &'a [Node],
    next: usize,
}

impl<'de> SeqAccess<'de> for Items<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        let i = self.next;
        let Some(n) = self.items.get(i) else {
            return Ok(None);
        };
        self.next += 1;
        seed.deserialize(NodeDe(n))
            .map(Some)
            .map_err(|err| err.or_at(n.at).under(Seg::Index(i)))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len() - self.next)
    }
}
