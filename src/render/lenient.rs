//! Decoding configuration the way kustomize's Go code reads it (YAML turned into JSON
//! for `encoding/json`): `null` leaves a field at its zero value (`""`, `false`, `0`,
//! empty list or map) rather than failing; for builtin plugin configurations also
//! struct field names match case-insensitively (`Path:` is `path`, `NewTag:` is
//! `newTag`) and a number or boolean read into a string field becomes its text (`42`
//! is `"42"`, `true` is `"true"`). [`Lenient`] wraps a `serde_json::Value` as a serde
//! `Deserializer` with those rules; everything else is the value's own deserializer.

use serde::de::{
    self, DeserializeSeed, Deserializer, IntoDeserializer, MapAccess, SeqAccess, Visitor,
};
use serde_json::{Map, Value};

/// A configuration value decoded with Go's JSON leniency.
pub struct Lenient {
    value: Value,
    /// Plugin configurations: field names fold case, scalars read into strings.
    plugin: bool,
}

impl Lenient {
    /// A builtin plugin configuration: every rule above.
    pub fn plugin(value: Value) -> Lenient {
        Lenient {
            value,
            plugin: true,
        }
    }

    /// A kustomization (whose keys are matched elsewhere): `null` is the zero value.
    pub fn nulls_as_zero(value: Value) -> Lenient {
        Lenient {
            value,
            plugin: false,
        }
    }
}

/// A number or boolean as Go formats it into a string field.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => Some(crate::yaml::emit::go_json_number(n)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

macro_rules! zero_for_null {
    ($($method:ident => $visit:ident($zero:expr)),* $(,)?) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
                match self.value {
                    Value::Null => visitor.$visit($zero),
                    other => other.$method(visitor),
                }
            }
        )*
    };
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        let plugin = self.plugin;
        match self.value {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter(), plugin)),
            Value::Object(map) => visitor.visit_map(Entries::new(map, plugin)),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        if self.value.is_null() {
            return visitor.visit_string(String::new());
        }
        match scalar_text(&self.value).filter(|_| self.plugin) {
            Some(text) => visitor.visit_string(text),
            None => self.value.deserialize_str(visitor),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.deserialize_str(visitor)
    }

    zero_for_null! {
        deserialize_bool => visit_bool(false),
        deserialize_i8 => visit_i64(0),
        deserialize_i16 => visit_i64(0),
        deserialize_i32 => visit_i64(0),
        deserialize_i64 => visit_i64(0),
        deserialize_u8 => visit_u64(0),
        deserialize_u16 => visit_u64(0),
        deserialize_u32 => visit_u64(0),
        deserialize_u64 => visit_u64(0),
        deserialize_f32 => visit_f64(0.0),
        deserialize_f64 => visit_f64(0.0),
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Null => visitor.visit_none(),
            value => visitor.visit_some(Lenient {
                value,
                plugin: self.plugin,
            }),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter(), self.plugin)),
            Value::Null => visitor.visit_seq(Items(Vec::new().into_iter(), self.plugin)),
            other => other.deserialize_seq(visitor),
        }
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        match self.value {
            Value::Object(map) => visitor.visit_map(Entries::new(map, self.plugin)),
            Value::Null => visitor.visit_map(Entries::new(Map::new(), self.plugin)),
            other => other.deserialize_map(visitor),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Self::Error> {
        let plugin = self.plugin;
        match self.value {
            Value::Null => visitor.visit_map(Entries::new(Map::new(), plugin)),
            Value::Object(map) if plugin => {
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
                visitor.visit_map(Entries::new(renamed, plugin))
            }
            Value::Object(map) => visitor.visit_map(Entries::new(map, plugin)),
            other => other.deserialize_struct(name, fields, visitor),
        }
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit
        unit_struct newtype_struct tuple tuple_struct enum identifier ignored_any
    }
}

struct Items(std::vec::IntoIter<Value>, bool);

impl<'de> SeqAccess<'de> for Items {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Self::Error> {
        let plugin = self.1;
        self.0
            .next()
            .map(|value| seed.deserialize(Lenient { value, plugin }))
            .transpose()
    }
}

struct Entries {
    iter: serde_json::map::IntoIter,
    value: Option<Value>,
    plugin: bool,
}

impl Entries {
    fn new(map: Map<String, Value>, plugin: bool) -> Entries {
        Entries {
            iter: map.into_iter(),
            value: None,
            plugin,
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
            Some(value) => seed.deserialize(Lenient {
                value,
                plugin: self.plugin,
            }),
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
        let c = Conf::deserialize(Lenient::plugin(json!({
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
        assert!(Count::deserialize(Lenient::plugin(json!({"count": "three"}))).is_err());
    }

    #[test]
    fn null_is_the_zero_value() {
        #[derive(Deserialize, Debug, PartialEq, Default)]
        #[serde(default)]
        struct K {
            name: String,
            on: bool,
            n: i64,
            list: Vec<String>,
            map: indexmap::IndexMap<String, String>,
            opt: Option<String>,
        }
        let k = K::deserialize(Lenient::nulls_as_zero(json!({
            "name": null, "on": null, "n": null, "list": null, "map": {"a": null}, "opt": null
        })))
        .unwrap();
        assert_eq!(k.map.get("a").map(String::as_str), Some(""));
        assert_eq!(
            (k.name.as_str(), k.on, k.n, k.list.len(), k.opt),
            ("", false, 0, 0, None)
        );
        // outside plugin configurations a number is not a string
        assert!(K::deserialize(Lenient::nulls_as_zero(json!({"name": 5}))).is_err());
    }
}
