//! The request a condition is evaluated against (DECISIONS §4): the action, its suboperations
//! and the attributes of the four sources.
//!
//! Attribute names match case-insensitively, as Azure treats them, except dictionary keys (blob
//! index tags, container metadata), which match exactly. A dictionary may be given as an object
//! under its attribute (`…/blobs/tags: {"Project": "Cascade"}`) or flat, one entry per key
//! (`…/blobs/tags:Project<$key_case_sensitive$>: "Cascade"`, `…/blobs/tags&$keys$&: [...]`).

use std::collections::BTreeMap;
use std::hash::BuildHasher;

use serde::de::{DeserializeSeed, Error as _, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use crate::ast::{AttributeName, Source};
use crate::parse::lexeme::interpret_attribute_name;

/// A single attribute value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Scalar {
    /// A string (also how GUIDs and date-times are written).
    String(String),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Bool(bool),
}

/// An attribute's value in a request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Value {
    /// A single value.
    Scalar(Scalar),
    /// A multi-valued attribute.
    List(Vec<Scalar>),
    /// A dictionary attribute (blob index tags, container metadata): key to value.
    Dictionary(BTreeMap<String, Scalar>),
}

/// The most values one attribute of a request may hold: the limit on a set in a condition
/// ([`crate::parse::DEFAULT_MAX_SET_LEN`]), so that a quantified comparison of two lists costs
/// at most that many values on each side.
pub const MAX_VALUES: usize = crate::parse::DEFAULT_MAX_SET_LEN;

/// What the request says about one dictionary attribute.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Dictionary {
    /// Its name as first written.
    written: String,
    /// Whether it was given as an object, which may be given only once.
    object: bool,
    /// Key to value, from an object or from flat `…:<key><$key_case_sensitive$>` entries.
    entries: BTreeMap<String, Scalar>,
    /// The keys of `entries` as values, for `…&$keys$&`.
    entry_keys: Vec<Scalar>,
    /// The keys, when given flat as `…&$keys$&`; they take precedence over `entry_keys`.
    keys: Option<Vec<Scalar>>,
}

impl Dictionary {
    fn insert(&mut self, key: String, value: Scalar, name: &str) -> Result<(), String> {
        if self.entries.contains_key(&key) {
            return Err(format!("attribute `{name}`: key `{key}` given twice"));
        }
        self.entry_keys.push(Scalar::String(key.clone()));
        self.entries.insert(key, value);
        Ok(())
    }
}

/// A plain attribute of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Plain {
    /// Its name as given.
    written: String,
    value: Value,
    /// A single string value read as a date-time (ticks) when the request was built, so that
    /// the conditions it meets do not parse it each time; `None` when it does not read as one.
    ticks: Option<i64>,
}

/// The attributes of one source.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attributes {
    /// Plain attributes by lower-case name.
    plain: NameMap<Plain>,
    /// Dictionary attributes by lower-case name.
    dictionaries: NameMap<Dictionary>,
}

/// An attribute a request supplies, as it names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Supplied<'r> {
    /// A plain attribute.
    Plain(&'r str),
    /// One key of a dictionary (blob index tags, container metadata).
    Key {
        /// The dictionary's name.
        dictionary: &'r str,
        /// The key.
        key: &'r str,
    },
    /// A dictionary's list of keys, given flat (`…&$keys$&`).
    Keys {
        /// The dictionary's name.
        dictionary: &'r str,
    },
    /// A dictionary given as an empty object.
    Dictionary(&'r str),
}

/// A looked-up attribute value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Found<'r> {
    /// One value.
    One(&'r Scalar),
    /// One string value that reads as a date-time: the string and its ticks.
    DateTime(&'r str, i64),
    /// Several values (possibly none).
    Many(&'r [Scalar]),
    /// A whole dictionary, which no operator compares.
    Dictionary,
}

/// Dictionary attributes that take an object (DECISIONS §4).
const DICTIONARY_SUFFIXES: &[&str] = &["/blobs/tags", "/containers/metadata"];

fn is_dictionary_name(lower: &str) -> bool {
    DICTIONARY_SUFFIXES.iter().any(|s| lower.ends_with(s))
}

/// A lower-cased attribute name with its hash, computed once: a condition's names when it is
/// prepared, a request's when it is built, so that a lookup neither hashes nor allocates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Name {
    hash: u64,
    lower: String,
}

impl Name {
    pub(crate) fn new(name: &str) -> Name {
        Name::lowered(name.to_ascii_lowercase())
    }

    /// The name `lower`, already lower-case.
    fn lowered(lower: String) -> Name {
        // Seeded once per process: a request cannot be built to collide.
        static STATE: std::sync::OnceLock<std::collections::hash_map::RandomState> =
            std::sync::OnceLock::new();
        let hash = STATE
            .get_or_init(std::collections::hash_map::RandomState::new)
            .hash_one(&lower);
        Name { hash, lower }
    }
}

/// A map from [`Name`]s.
#[derive(Clone, Debug)]
struct NameMap<V> {
    table: hashbrown::HashTable<(Name, V)>,
}

impl<V> Default for NameMap<V> {
    fn default() -> Self {
        NameMap {
            table: hashbrown::HashTable::new(),
        }
    }
}

impl<V> NameMap<V> {
    fn get(&self, name: &Name) -> Option<&V> {
        self.table
            .find(name.hash, |(n, _)| n.lower == name.lower)
            .map(|(_, v)| v)
    }

    fn contains(&self, name: &Name) -> bool {
        self.get(name).is_some()
    }

    fn get_or_default(&mut self, name: Name) -> &mut V
    where
        V: Default,
    {
        let entry = self
            .table
            .entry(name.hash, |(n, _)| n.lower == name.lower, |(n, _)| n.hash);
        &mut entry.or_insert_with(|| (name, V::default())).into_mut().1
    }

    /// Adds an entry the map does not have (callers check first).
    fn insert(&mut self, name: Name, value: V) {
        self.table
            .insert_unique(name.hash, (name, value), |(n, _)| n.hash);
    }

    fn is_empty(&self) -> bool {
        self.table.is_empty()
    }
}

impl<V: PartialEq> PartialEq for NameMap<V> {
    fn eq(&self, other: &Self) -> bool {
        self.table.len() == other.table.len()
            && self
                .table
                .iter()
                .all(|(n, v)| other.get(n).is_some_and(|w| w == v))
    }
}

impl<V: Eq> Eq for NameMap<V> {}

/// An attribute name as a condition writes it, prepared for [`Attributes::lookup`]: the parts
/// that match ignoring case lowered once.
#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // named after the AttributeName variants they prepare
pub(crate) enum Key {
    /// A plain name, lowered; and, when it reads `<dictionary>:<key>` without a marker, each
    /// such reading as (dictionary lowered, key as written).
    Plain {
        name: Name,
        unmarked: Vec<(Name, String)>,
    },
    /// `<dictionary>:<key><$key_case_sensitive$>`: the dictionary lowered, the key exact.
    KeyValue { attribute: Name, key: String },
    /// `<dictionary>&$keys$&`, the dictionary lowered.
    Keys { attribute: Name },
}

impl Key {
    /// Whether `name` prepares to this key: the same name but for the case of the parts
    /// matched ignoring it. Allocates nothing.
    pub(crate) fn is(&self, name: &AttributeName) -> bool {
        match (self, name) {
            (Key::Plain { name: n, .. }, AttributeName::Plain(p)) => {
                n.lower.eq_ignore_ascii_case(p)
            }
            (
                Key::KeyValue { attribute, key },
                AttributeName::KeyValue {
                    attribute: a,
                    key: k,
                },
            ) => attribute.lower.eq_ignore_ascii_case(a) && key == k,
            (Key::Keys { attribute }, AttributeName::Keys { attribute: a }) => {
                attribute.lower.eq_ignore_ascii_case(a)
            }
            _ => false,
        }
    }

    pub(crate) fn new(name: &AttributeName) -> Key {
        match name {
            AttributeName::Plain(plain) => {
                let lower = plain.to_ascii_lowercase();
                // Each reading as `<dictionary>:<key>`: the first `:` right after a
                // dictionary's suffix.
                let mut unmarked = Vec::new();
                for suffix in DICTIONARY_SUFFIXES {
                    let reading = memchr::memchr_iter(b':', lower.as_bytes()).find_map(|at| {
                        let dictionary = lower.get(..at)?;
                        dictionary.ends_with(suffix).then(|| {
                            Some((Name::new(dictionary), plain.get(at + 1..)?.to_string()))
                        })?
                    });
                    unmarked.extend(reading);
                }
                Key::Plain {
                    name: Name::lowered(lower),
                    unmarked,
                }
            }
            AttributeName::KeyValue { attribute, key } => Key::KeyValue {
                attribute: Name::new(attribute),
                key: key.to_string(),
            },
            AttributeName::Keys { attribute } => Key::Keys {
                attribute: Name::new(attribute),
            },
        }
    }
}

impl Attributes {
    /// Adds an attribute, by its name as written in a condition. Fails on a name given twice
    /// (in any case), an object under a name that is not a dictionary, or a malformed key marker.
    pub fn insert(&mut self, name: &str, value: Value) -> Result<(), String> {
        let parsed = interpret_attribute_name(name)
            .map_err(|e| format!("attribute `{name}`: {}", e.0.message))?;
        let count = match &value {
            Value::Scalar(_) => 1,
            Value::List(items) => items.len(),
            Value::Dictionary(entries) => entries.len(),
        };
        if count > MAX_VALUES {
            return Err(format!(
                "attribute `{name}` has {count} values; a request may give at most {MAX_VALUES} (the limit on a set in a condition), so that every comparison stays cheap"
            ));
        }
        match parsed {
            AttributeName::Plain(plain) => {
                let lower = Name::new(plain);
                if let Value::Dictionary(entries) = value {
                    if !is_dictionary_name(&lower.lower) {
                        return Err(format!(
                            "attribute `{name}` has an object value; only `…/blobs/tags` and `…/containers/metadata` take one"
                        ));
                    }
                    if self.plain.contains(&lower) {
                        return Err(format!(
                            "attribute `{name}` is given twice (names ignore case)"
                        ));
                    }
                    let dict = self.dictionaries.get_or_default(lower);
                    if dict.object {
                        return Err(format!(
                            "attribute `{name}` is given twice (names ignore case)"
                        ));
                    }
                    dict.object = true;
                    if dict.written.is_empty() {
                        dict.written = plain.to_string();
                    }
                    if dict.entries.len() + entries.len() > MAX_VALUES {
                        return Err(format!(
                            "attribute `{name}` has more than {MAX_VALUES} keys"
                        ));
                    }
                    for (key, v) in entries {
                        dict.insert(key, v, name)?;
                    }
                    return Ok(());
                }
                if self.plain.contains(&lower) || self.dictionaries.contains(&lower) {
                    return Err(format!(
                        "attribute `{name}` is given twice (names ignore case)"
                    ));
                }
                let ticks = match &value {
                    Value::Scalar(Scalar::String(s)) => crate::eval::value::datetime_ticks(s).ok(),
                    _ => None,
                };
                self.plain.insert(
                    lower,
                    Plain {
                        written: plain.to_string(),
                        value,
                        ticks,
                    },
                );
            }
            AttributeName::KeyValue { attribute, key } => {
                let Value::Scalar(v) = value else {
                    return Err(format!("attribute `{name}` must have a single value"));
                };
                let dict = self.dictionaries.get_or_default(Name::new(attribute));
                if dict.written.is_empty() {
                    dict.written = attribute.to_string();
                }
                dict.insert(key.to_string(), v, name)?;
            }
            AttributeName::Keys { attribute } => {
                let keys = match value {
                    Value::List(keys) => keys,
                    Value::Scalar(one) => vec![one],
                    Value::Dictionary(_) => {
                        return Err(format!("attribute `{name}` must be a list of keys"))
                    }
                };
                let dict = self.dictionaries.get_or_default(Name::new(attribute));
                if dict.written.is_empty() {
                    dict.written = attribute.to_string();
                }
                if dict.keys.replace(keys).is_some() {
                    return Err(format!("attribute `{name}` is given twice"));
                }
            }
        }
        Ok(())
    }

    /// The value the condition's attribute `key` refers to, `None` when the request does not
    /// supply it. Allocates nothing: the key's case-insensitive parts are lowered already.
    #[inline(always)]
    pub(crate) fn lookup(&self, key: &Key) -> Option<Found<'_>> {
        match key {
            Key::Plain { name, unmarked } => {
                if let Some(Plain { value, ticks, .. }) = self.plain.get(name) {
                    return Some(match (value, ticks) {
                        (Value::Scalar(Scalar::String(s)), Some(t)) => Found::DateTime(s, *t),
                        (Value::Scalar(s), _) => Found::One(s),
                        (Value::List(items), _) => Found::Many(items),
                        (Value::Dictionary(_), _) => Found::Dictionary,
                    });
                }
                if self.dictionaries.contains(name) {
                    return Some(Found::Dictionary);
                }
                // `<dictionary>:<key>` written without `<$key_case_sensitive$>`, as container
                // metadata is: the key matches ignoring case (Azure Storage metadata names are
                // case-insensitive).
                unmarked.iter().find_map(|(dictionary, key)| {
                    self.dictionaries
                        .get(dictionary)?
                        .entries
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key))
                        .map(|(_, v)| Found::One(v))
                })
            }
            Key::KeyValue { attribute, key } => self
                .dictionaries
                .get(attribute)
                .and_then(|d| d.entries.get(key.as_str()))
                .map(Found::One),
            Key::Keys { attribute } => self.dictionaries.get(attribute).map(|d| match &d.keys {
                Some(keys) => Found::Many(keys),
                None => Found::Many(&d.entry_keys),
            }),
        }
    }

    /// The attributes this source supplies, as the request names them (dictionary keys one by
    /// one), in no particular order.
    pub fn supplied(&self) -> Vec<Supplied<'_>> {
        let mut out: Vec<Supplied<'_>> = self
            .plain
            .table
            .iter()
            .map(|(_, p)| Supplied::Plain(&p.written))
            .collect();
        for (_, d) in self.dictionaries.table.iter() {
            let dictionary = d.written.as_str();
            if d.keys.is_some() {
                out.push(Supplied::Keys { dictionary });
            }
            for key in d.entries.keys() {
                out.push(Supplied::Key { dictionary, key });
            }
            if d.keys.is_none() && d.entries.is_empty() {
                out.push(Supplied::Dictionary(dictionary));
            }
        }
        out
    }

    /// Whether the source supplies nothing.
    pub fn is_empty(&self) -> bool {
        self.plain.is_empty() && self.dictionaries.is_empty()
    }
}

/// The request a condition is evaluated against.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    /// The action being authorised, e.g.
    /// `Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read`.
    pub action: String,
    /// The suboperations the request carries (usually none or one, e.g. `Blob.List`).
    #[serde(default, rename = "subOperation", deserialize_with = "one_or_many")]
    pub sub_operations: Vec<String>,
    /// `@Resource` attributes.
    #[serde(default)]
    pub resource: Attributes,
    /// `@Request` attributes.
    #[serde(default)]
    pub request: Attributes,
    /// `@Principal` attributes (custom security attributes).
    #[serde(default)]
    pub principal: Attributes,
    /// `@Environment` attributes.
    #[serde(default)]
    pub environment: Attributes,
}

impl Request {
    /// A request for `action` with no suboperation and no attributes.
    pub fn new(action: impl Into<String>) -> Request {
        Request {
            action: action.into(),
            ..Request::default()
        }
    }

    /// The attributes of one source.
    pub fn attributes(&self, source: Source) -> &Attributes {
        match source {
            Source::Resource => &self.resource,
            Source::Request => &self.request,
            Source::Principal => &self.principal,
            Source::Environment => &self.environment,
        }
    }

    /// The attributes of one source, to add to.
    pub fn attributes_mut(&mut self, source: Source) -> &mut Attributes {
        match source {
            Source::Resource => &mut self.resource,
            Source::Request => &mut self.request,
            Source::Principal => &mut self.principal,
            Source::Environment => &mut self.environment,
        }
    }
}

fn one_or_many<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    match OneOrMany::deserialize(d) {
        Ok(OneOrMany::One(s)) => Ok(vec![s]),
        Ok(OneOrMany::Many(v)) if v.len() > MAX_VALUES => Err(D::Error::custom(format!(
            "`subOperation` has {} values; at most {MAX_VALUES} are allowed",
            v.len()
        ))),
        Ok(OneOrMany::Many(v)) => Ok(v),
        Err(_) => Err(D::Error::custom(
            "`subOperation` must be a string or a list of strings",
        )),
    }
}

impl<'de> Deserialize<'de> for Attributes {
    /// Reads one source's attributes entry by entry, so that a name given twice (in any case)
    /// is an error rather than the last one winning.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> Visitor<'de> for Visit {
            type Value = Attributes;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of attribute names and values")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Attributes, A::Error> {
                let mut attributes = Attributes::default();
                while let Some(name) = map.next_key::<String>()? {
                    let value = map.next_value_seed(ValueSeed { name: &name })?;
                    attributes.insert(&name, value).map_err(A::Error::custom)?;
                }
                Ok(attributes)
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Reads one attribute's value: a scalar, a list of scalars, or (for dictionaries) an object of
/// scalars, whose keys may not repeat. `name` is the attribute's, for messages.
struct ValueSeed<'n> {
    name: &'n str,
}

/// Reads one scalar of attribute `name`: a string, a 64-bit integer or a boolean.
struct ScalarSeed<'n> {
    name: &'n str,
    /// Inside a list or an object, where nothing but a scalar may stand.
    inner: bool,
}

fn not_integer<E: serde::de::Error>(name: &str, shown: &str) -> E {
    E::custom(format!(
        "attribute `{name}`: `{shown}` is not a 64-bit integer (conditions compare integers only)"
    ))
}

impl<'de> DeserializeSeed<'de> for ScalarSeed<'_> {
    type Value = Scalar;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Scalar, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ScalarSeed<'_> {
    type Value = Scalar;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, an integer or a boolean")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Scalar, E> {
        Ok(Scalar::String(v.to_string()))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Scalar, E> {
        Ok(Scalar::String(v))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Scalar, E> {
        Ok(Scalar::Bool(v))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Scalar, E> {
        Ok(Scalar::Integer(v))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Scalar, E> {
        i64::try_from(v)
            .map(Scalar::Integer)
            .map_err(|_| not_integer(self.name, &v.to_string()))
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Scalar, E> {
        // JSON's `-0` is an integer as written, though readers hand it over as a float.
        if v == 0.0 {
            return Ok(Scalar::Integer(0));
        }
        Err(not_integer(self.name, &v.to_string()))
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Scalar, E> {
        Err(E::custom(format!(
            "attribute `{}` is null; leave it out to make it missing",
            self.name
        )))
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Scalar, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Err(self.nested())
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Scalar, A::Error> {
        Err(self.nested())
    }
}

impl ScalarSeed<'_> {
    fn nested<E: serde::de::Error>(&self) -> E {
        let name = self.name;
        if self.inner {
            E::custom(format!(
                "attribute `{name}`: values inside a list or object must be strings, integers or booleans"
            ))
        } else {
            E::custom(format!("attribute `{name}` must be a single value"))
        }
    }
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Value;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Value;
    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a string, an integer, a boolean, a list of them, or an object of them")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::String(v.to_string())))
    }
    fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::String(v)))
    }
    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Bool(v)))
    }
    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Scalar(Scalar::Integer(v)))
    }
    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Value, E> {
        self.scalar().visit_u64(v).map(Value::Scalar)
    }
    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Value, E> {
        self.scalar().visit_f64(v).map(Value::Scalar)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        self.scalar().visit_unit().map(Value::Scalar)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        self.visit_unit()
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ScalarSeed {
            name: self.name,
            inner: true,
        })? {
            if items.len() == MAX_VALUES {
                return Err(A::Error::custom(format!(
                    "attribute `{}` has more than {MAX_VALUES} values; a request may give at most {MAX_VALUES} (the limit on a set in a condition), so that every comparison stays cheap",
                    self.name
                )));
            }
            items.push(item);
        }
        Ok(Value::List(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = BTreeMap::new();
        while let Some(key) = map.next_key::<String>()? {
            let name = format!("{}:{key}", self.name);
            let value = map.next_value_seed(ScalarSeed {
                name: &name,
                inner: true,
            })?;
            if entries.len() == MAX_VALUES {
                return Err(A::Error::custom(format!(
                    "attribute `{}` has more than {MAX_VALUES} keys",
                    self.name
                )));
            }
            if entries.insert(key.clone(), value).is_some() {
                return Err(A::Error::custom(format!(
                    "attribute `{}`: key `{key}` given twice",
                    self.name
                )));
            }
        }
        Ok(Value::Dictionary(entries))
    }
}

impl ValueSeed<'_> {
    fn scalar(&self) -> ScalarSeed<'_> {
        ScalarSeed {
            name: self.name,
            inner: false,
        }
    }
}
