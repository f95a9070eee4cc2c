//! The generated-name hash suffix: SHA-256 over Go `encoding/json` of
//! `{data, kind, name: ""}` (ConfigMap, plus `binaryData`) or
//! `{data, kind, name: "", stringData, type}` (Secret), first ten hex digits with
//! `0→g 1→h 3→k a→m e→t`. The name never contributes.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The suffix for a ConfigMap or Secret as it stands at the end of the build.
pub fn suffix(obj: &Value) -> String {
    let kind = obj.get("kind").and_then(Value::as_str).unwrap_or("");
    let mut m = Map::new();
    m.insert("kind".into(), Value::String(kind.to_string()));
    m.insert("name".into(), Value::String(String::new()));
    m.insert(
        "data".into(),
        obj.get("data")
            .cloned()
            .unwrap_or(Value::String(String::new())),
    );
    if kind == "Secret" {
        m.insert(
            "type".into(),
            obj.get("type")
                .cloned()
                .unwrap_or(Value::String(String::new())),
        );
        if let Some(sd) = obj.get("stringData") {
            m.insert("stringData".into(), sd.clone());
        }
    } else if let Some(bd) = obj.get("binaryData") {
        m.insert("binaryData".into(), bd.clone());
    }
    let mut json = String::new();
    go_json(&Value::Object(m), &mut json);
    encode(&Sha256::digest(json.as_bytes()))
}

fn encode(digest: &[u8]) -> String {
    digest
        .iter()
        .flat_map(|b| [b >> 4, b & 0xf])
        .take(10)
        .map(|n| match n {
            0 => 'g',
            1 => 'h',
            3 => 'k',
            0xa => 'm',
            0xe => 't',
            n => char::from_digit(n as u32, 16).unwrap_or('x'),
        })
        .collect()
}

/// Go `encoding/json` Marshal of a generic value: keys sorted bytewise, no spaces, HTML
/// characters escaped.
pub fn go_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => go_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_json(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                go_string(k, out);
                out.push(':');
                go_json(&map[k], out);
            }
            out.push('}');
        }
    }
}

fn go_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn known_suffixes() {
        assert_eq!(
            suffix(&json!({"kind": "ConfigMap", "metadata": {"name": "x"}, "data": {"a": "b"}})),
            "4h2mbtbbt6"
        );
        assert_eq!(
            suffix(&json!({"kind": "Secret", "type": "Opaque", "data": {"a": "Yg=="}})),
            "k695gkmbtk"
        );
    }

    #[test]
    fn empty_configmap() {
        assert_eq!(suffix(&json!({"kind": "ConfigMap"})), "6ct58987ht");
    }
}
