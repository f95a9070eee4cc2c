//! Decoding builtin plugin configurations the way kustomize's plugins read theirs
//! (YAML turned into JSON for Go's `encoding/json`): struct field names match
//! case-insensitively (`Path:` is `path`, `NewTag:` is `newTag`), and a number or
//! boolean read into a string field becomes its text (`42` is `"42"`, `true` is
//! `"true"`). [`Lenient`] wraps a `serde_json::Value` as a serde `Deserializer` with
//! those two rules; everything else is the value's own deserializer.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

/// A configuration value decoded with Go's JSON leniency.
pub struct Lenient(pub Value);

/// A number or boolean as Go formats it into a string field.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(crate::yaml::emit::go_json_number(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Object(map) => visitor.visit_map(Entries::new(map)),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match scalar_text(&self.0) {
            Some(text) => visitor.visit_string(text),
            None => self.0.deserialize_str(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Lenient(other)),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(map) => visitor.visit_map(Entries::new(map)),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        match self.0 {
            Value::Object(map) => {
                let renamed: Map<String, Value> = map
                    .into_iter()
                    .map(|(k, v)| {
                        let key = if fields.contains(&k.as_str()) {
                            k
                        } else {
                            fields
                                .iter()
                                .find(|f| f.eq_ignore_ascii_case(&k))
                                .map_or(k, |f| f.to_string())
                        };
                        (key, v)
                    })
                    .collect();
                visitor.visit_map(Entries::new(renamed))
            }
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct enum identifier ignored_any
    }
}

struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        self.0
            .next()
            .map(|v| seed.deserialize(Lenient(v)))
            .transpose()
    }
}

struct Entries {
    iter: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl Entries {
    fn new(map: Map<String, Value>) -> Entries {
        Entries {
            iter: map.into_iter(),
            value: None,
        }
    }
}

impl<'de> MapAccess<'de> for Entries {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Self::Error> {
        match self.iter.next() {
            Some((k, v)) => {
                self.value = Some(v);
                seed.deserialize(k.into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, Self::Error> {
        match self.value.take() {
            Some(v) => seed.deserialize(Lenient(v)),
            None => Err(de::Error::custom("value is missing")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Image {
        name: String,
        new_tag: Option<String>,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    #[serde(rename_all = "camelCase")]
    struct Conf {
        image_tag: Image,
        labels: indexmap::IndexMap<String, String>,
        count: i64,
    }

    #[test]
    fn field_names_fold_case_and_scalars_read_as_text() {
        let c = Conf::deserialize(Lenient(json!({
            "ImageTag": {"NAME": "nginx", "NewTag": 2},
            "labels": {"On": true, "n": 42, "Keep": "x"},
            "count": 3
        })))
        .unwrap();
        assert_eq!(c.image_tag.name, "nginx");
        assert_eq!(c.image_tag.new_tag.as_deref(), Some("2"));
        // map keys are data: their case stays
        assert_eq!(c.labels.get("On").map(String::as_str), Some("true"));
        assert_eq!(c.labels.get("n").map(String::as_str), Some("42"));
        assert_eq!(c.count, 3);
    }

    #[test]
    fn a_number_field_still_refuses_text() {
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Count {
            count: i64,
        }
        assert!(Count::deserialize(Lenient(json!({"count": "three"}))).is_err());
    }
}
