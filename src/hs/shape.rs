//! Whether a body is a webhook at all, read without building it: enough to
//! answer the sender. The verdict and the reasons are those of
//! [`super::parse_body`] and the envelope checks (but see [`KindOf`]), at a
//! fraction of the cost: nothing is allocated but one small entry per
//! envelope.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::envelope::BodyError;
use super::finding::Finding;

/// How many events a webhook body holds, or why it is not one: error
/// findings with pointers into the body, in the order the full parse gives.
pub fn check(bytes: &[u8]) -> Result<usize, Vec<Finding>> {
    let body = |error: BodyError| Err(vec![Finding::error("", error.to_string())]);
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            return body(BodyError::NotUtf8 {
                valid_up_to: e.valid_up_to(),
            });
        }
    };
    if text.trim().is_empty() {
        return body(BodyError::Empty);
    }
    let parsed = if text.trim_start().starts_with('[') {
        serde_json::from_str::<Vec<Element>>(text)
    } else {
        serde_json::from_str::<Element>(text).map(|element| vec![element])
    };
    let elements = match parsed {
        Err(e) => return body(BodyError::Json(e.to_string())),
        Ok(elements) if elements.is_empty() => return body(BodyError::NoEvents),
        Ok(elements) => match elements.as_slice() {
            [Element::Other(kind)] if !text.trim_start().starts_with('[') => {
                return body(BodyError::NotEnvelope(kind.name()));
            }
            _ => elements,
        },
    };
    let single = elements.len() == 1 && bytes.trim_ascii_start().first() == Some(&b'{');
    let mut problems = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        let prefix = if single {
            String::new()
        } else {
            format!("/{i}")
        };
        match element {
            Element::Envelope(envelope) => envelope.problems(&prefix, &mut problems),
            Element::Other(kind) => problems.push(Finding::error(
                &prefix,
                format!("element {i} is {}, not an envelope object", kind.name()),
            )),
        }
    }
    if problems.is_empty() {
        Ok(elements.len())
    } else {
        Err(problems)
    }
}

/// A JSON value's kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl Kind {
    /// As in [`super::envelope::json_kind`].
    fn name(self) -> &'static str {
        match self {
            Kind::Null => "null",
            Kind::Bool => "a boolean",
            Kind::Number => "a number",
            Kind::String => "a string",
            Kind::Array => "an array",
            Kind::Object => "an object",
        }
    }
}

/// The three fields an envelope needs, by kind (the last one wins when a
/// key repeats, as when the body is parsed whole).
#[derive(Debug, Default)]
struct Envelope {
    event: Option<Kind>,
    entity: Option<Kind>,
    data: Option<Kind>,
}

impl Envelope {
    /// The errors [`super::envelope`] gives this envelope, in its order.
    fn problems(&self, prefix: &str, out: &mut Vec<Finding>) {
        for (key, kind) in [("event", self.event), ("type", self.entity)] {
            match kind {
                Some(Kind::String) => {}
                Some(other) => out.push(Finding::error(
                    format!("{prefix}/{key}"),
                    format!("\"{key}\" is {}, not a string", other.name()),
                )),
                None => out.push(Finding::error(
                    prefix,
                    format!("the envelope has no \"{key}\""),
                )),
            }
        }
        match self.data {
            Some(Kind::Object) => {}
            Some(other) => out.push(Finding::error(
                format!("{prefix}/data"),
                format!("\"data\" is {}, not an object", other.name()),
            )),
            None => out.push(Finding::error(prefix, "the envelope has no \"data\"")),
        }
    }
}

enum Element {
    Envelope(Envelope),
    Other(Kind),
}

/// The scalar `visit_*` methods of a visitor, each giving `$wrap(kind)`.
macro_rules! scalars_as {
    ($wrap:expr) => {
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok($wrap(Kind::Null))
        }

        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok($wrap(Kind::Bool))
        }

        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok($wrap(Kind::Number))
        }

        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok($wrap(Kind::Number))
        }

        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok($wrap(Kind::Number))
        }

        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok($wrap(Kind::String))
        }
    };
}

/// Reads any value, keeping only its kind. A scalar is read as the full
/// parse reads it; what an array or object holds is only checked to be
/// JSON, without reading numbers or unescaping strings. So a value the full
/// parse cannot hold (a number past `f64`, a lone surrogate escape) deep in
/// `data` passes here: the sender gets 200 and the row shows the problem,
/// as for any other problem in the data.
struct KindOf(Kind);

impl<'de> Deserialize<'de> for KindOf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(KindVisitor).map(KindOf)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    scalars_as!(std::convert::identity);

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Kind::Array)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Kind::Object)
    }
}

/// An object key, told apart only where an envelope cares.
enum KeyOf {
    Event,
    Type,
    Data,
    Other,
}

impl<'de> Deserialize<'de> for KeyOf {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyOf;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }

            fn visit_str<E: de::Error>(self, key: &str) -> Result<KeyOf, E> {
                Ok(match key {
                    "event" => KeyOf::Event,
                    "type" => KeyOf::Type,
                    "data" => KeyOf::Data,
                    _ => KeyOf::Other,
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

fn read_envelope<'de, A: MapAccess<'de>>(mut map: A) -> Result<Envelope, A::Error> {
    let mut envelope = Envelope::default();
    while let Some(key) = map.next_key::<KeyOf>()? {
        let KindOf(kind) = map.next_value()?;
        match key {
            KeyOf::Event => envelope.event = Some(kind),
            KeyOf::Type => envelope.entity = Some(kind),
            KeyOf::Data => envelope.data = Some(kind),
            KeyOf::Other => {}
        }
    }
    Ok(envelope)
}

impl<'de> Deserialize<'de> for Element {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ElementVisitor;
        impl<'de> Visitor<'de> for ElementVisitor {
            type Value = Element;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an envelope")
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Element, A::Error> {
                read_envelope(map).map(Element::Envelope)
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Element, A::Error> {
                KindVisitor.visit_seq(seq).map(Element::Other)
            }

            scalars_as!(Element::Other);
        }
        deserializer.deserialize_any(ElementVisitor)
    }
}
