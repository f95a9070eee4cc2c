//! Durations written as Go writes them (`time.ParseDuration`): what kubectl's flags and
//! kustomize's remote-URL `timeout` take. One parser for the whole crate: the command
//! line's duration flags and render's remote bases use it alike.

/// Go's `time.ParseDuration`, in seconds (sign allowed; `0` alone is zero).
pub fn parse_go_seconds(s: &str) -> Option<f64> {
    let (sign, mut rest) = match s.as_bytes().first() {
        Some(b'-') => (-1.0, &s[1..]),
        Some(b'+') => (1.0, &s[1..]),
        _ => (1.0, s),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let number = &rest[..num_len];
        if number.is_empty() || number == "." {
            return None;
        }
        let value: f64 = number.parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() || *c == '.')
            .map_or(rest.len(), |(i, _)| i);
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "µs" | "μs" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    Some(sign * total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_grammar() {
        assert_eq!(parse_go_seconds("1h30m"), Some(5400.0));
        assert_eq!(parse_go_seconds("1.5s"), Some(1.5));
        assert_eq!(parse_go_seconds("-2m"), Some(-120.0));
        assert_eq!(parse_go_seconds("0"), Some(0.0));
        assert_eq!(parse_go_seconds("300ms"), Some(0.3));
        assert_eq!(parse_go_seconds("5"), None);
        assert_eq!(parse_go_seconds("1d"), None);
        assert_eq!(parse_go_seconds(""), None);
    }
}
