//! Kustomize-compatible YAML emitter: turns one JSON-shaped value into exactly the text
//! `kubectl kustomize` prints for one resource document. Kustomize round-trips every resource
//! through Go `encoding/json` and then emits it with goyaml.v2 (a libyaml port), so this module
//! reproduces that behaviour: goyaml.v2's "natural" key order, YAML 1.1 implicit-type quoting,
//! libyaml's scalar analysis and style selection (plain, single-quoted, double-quoted, literal),
//! line folding at 80 columns, `? ` complex keys, and the JSON → YAML number round trip.
//! Everything here is written from the documented behaviour and verified against
//! `kubectl kustomize`; it depends only on `serde_json` and std.

use super::parse::is_yaml_style_float;
use serde_json::{Map, Number, Value};
use std::cmp::Ordering;

/// Preferred line width of the emitter (libyaml `best_width`).
const BEST_WIDTH: usize = 80;
/// Indentation step (libyaml `best_indent`).
const BEST_INDENT: isize = 2;
/// Longest scalar (in bytes) that may still be written as a simple `key: value` key.
const MAX_SIMPLE_KEY_LEN: usize = 128;

/// Serializes one document the way kustomize prints a resource: block style, sorted keys,
/// terminated by a newline.
pub fn to_yaml(value: &Value) -> String {
    let mut e = Emitter::new();
    e.node(value, Context::ROOT);
    // Document end: finish the last line.
    e.write_indent();
    e.out
}

/// goyaml.v2's "natural" ordering of mapping keys, used for every mapping level.
///
/// Runes are compared one by one; at the first difference two letters compare by code point,
/// a letter sorts after a non-letter, and otherwise the digit runs starting at that position
/// are compared numerically, then by run length, then by code point. A proper prefix sorts first.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    if a == b {
        return Ordering::Equal;
    }
    let ar: Vec<char> = a.chars().collect();
    let br: Vec<char> = b.chars().collect();
    if natural_less(&ar, &br) {
        Ordering::Less
    } else if natural_less(&br, &ar) {
        Ordering::Greater
    } else {
        // Not distinguishable by the natural order; fall back to bytes for determinism.
        a.cmp(b)
    }
}

/// Sorts mapping entries by [`natural_less`] without assuming it is a total order (it is not:
/// `"1x" < "02" < "10" < "1x"`). Up to 12 entries this is an insertion sort, which is exactly
/// what Go's `sort.Sort` does for such small inputs; larger inputs use a merge sort, which agrees
/// with Go whenever the keys are consistently ordered.
fn sort_keys<V>(entries: &mut Vec<(String, V)>) {
    let keyed: Vec<(Vec<char>, (String, V))> = entries
        .drain(..)
        .map(|e| (e.0.chars().collect(), e))
        .collect();
    let mut keyed = keyed;
    if keyed.len() <= 12 {
        for i in 1..keyed.len() {
            let mut j = i;
            while j > 0 && natural_less(&keyed[j].0, &keyed[j - 1].0) {
                keyed.swap(j, j - 1);
                j -= 1;
            }
        }
    } else {
        keyed = merge_sort(keyed);
    }
    entries.extend(keyed.into_iter().map(|(_, e)| e));
}

fn merge_sort<T>(mut items: Vec<(Vec<char>, T)>) -> Vec<(Vec<char>, T)> {
    if items.len() <= 1 {
        return items;
    }
    let right = items.split_off(items.len() / 2);
    let left = merge_sort(items);
    let right = merge_sort(right);
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    loop {
        let take_right = match (l.peek(), r.peek()) {
            (Some(a), Some(b)) => natural_less(&b.0, &a.0),
            (Some(_), None) => false,
            (None, Some(_)) => true,
            (None, None) => break,
        };
        let next = if take_right { r.next() } else { l.next() };
        if let Some(x) = next {
            out.push(x);
        }
    }
    out
}

/// Go's `unicode.IsLetter`, approximated with std (Rust's `is_alphabetic` also covers letter
/// numbers and some combining marks, which Go does not count as letters).
fn go_is_letter(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphabetic();
    }
    c.is_alphabetic() && !c.is_numeric()
}

/// First code points of the non-ASCII decimal-digit (Unicode category Nd) runs of ten.
const ND_ZEROS: &[u32] = &[
    0x0660, 0x06F0, 0x07C0, 0x0966, 0x09E6, 0x0A66, 0x0AE6, 0x0B66, 0x0BE6, 0x0C66, 0x0CE6, 0x0D66,
    0x0DE6, 0x0E50, 0x0ED0, 0x0F20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x11F50, 0x16A60, 0x16AC0,
    0x16B50, 0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E4F0, 0x1E950,
    0x1FBF0,
];

/// Go's `unicode.IsDigit` (category Nd).
fn go_is_digit(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let u = u32::from(c);
    c.is_numeric() && ND_ZEROS.iter().any(|&z| u >= z && u < z + 10)
}

/// Value of a digit rune as goyaml.v2 accumulates it (`rune - '0'`, even for non-ASCII digits).
fn digit_value(c: char) -> i64 {
    i64::from(u32::from(c)) - i64::from(u32::from('0'))
}

fn natural_less(ar: &[char], br: &[char]) -> bool {
    let n = ar.len().min(br.len());
    for i in 0..n {
        let (ac, bc) = (ar[i], br[i]);
        if ac == bc {
            continue;
        }
        let al = go_is_letter(ac);
        let bl = go_is_letter(bc);
        if al && bl {
            return ac < bc;
        }
        if al || bl {
            return bl;
        }
        // Digits/punctuation: compare the digit runs starting here numerically.
        let mut an: i64 = 0;
        let mut bn: i64 = 0;
        if ac == '0' || bc == '0' {
            // A zero inside a number that already has a non-zero leading digit is significant.
            let mut j = i;
            while j > 0 && go_is_digit(ar[j - 1]) {
                j -= 1;
                if ar[j] != '0' {
                    an = 1;
                    bn = 1;
                    break;
                }
            }
        }
        let mut ai = i;
        while ai < ar.len() && go_is_digit(ar[ai]) {
            an = an.wrapping_mul(10).wrapping_add(digit_value(ar[ai]));
            ai += 1;
        }
        let mut bi = i;
        while bi < br.len() && go_is_digit(br[bi]) {
            bn = bn.wrapping_mul(10).wrapping_add(digit_value(br[bi]));
            bi += 1;
        }
        if an != bn {
            return an < bn;
        }
        if ai != bi {
            return ai < bi;
        }
        return ac < bc;
    }
    ar.len() < br.len()
}

/// Text of a JSON number after kustomize's round trip: Go `encoding/json` output, re-read by
/// goyaml.v2 (integral text → int/uint, anything else → float64) and printed again (ints in
/// decimal, floats with `strconv.FormatFloat(f, 'g', -1, 64)`).
pub fn go_json_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    let f = n.as_f64().unwrap_or(0.0);
    if !f.is_finite() {
        return if f.is_nan() {
            ".nan".to_string()
        } else if f > 0.0 {
            ".inf".to_string()
        } else {
            "-.inf".to_string()
        };
    }
    // encoding/json prints integral values below 1e21 without exponent; goyaml.v2 then reads
    // that text as an int if it fits in int64/uint64.
    if f.fract() == 0.0 && f.abs() < 1e21 {
        let text = format!("{f}");
        if let Ok(i) = text.parse::<i64>() {
            return i.to_string();
        }
        if let Ok(u) = text.parse::<u64>() {
            return u.to_string();
        }
    }
    go_format_g(f)
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 64)` for finite `f`.
pub fn go_format_g(f: f64) -> String {
    // Rust's `{:e}` gives the shortest round-trip digits, e.g. "-1.2345e8".
    let sci = format!("{:e}", f);
    let (mantissa, exp) = match sci.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (sci.as_str(), 0),
    };
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let nd = digits.len() as i32;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if !(-4..6).contains(&exp) {
        out.push_str(&digits[..1]);
        if nd > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exp < 0 { '-' } else { '+' });
        let e = exp.unsigned_abs();
        if e < 10 {
            out.push('0');
        }
        out.push_str(&e.to_string());
    } else {
        let dp = exp + 1; // position of the decimal point relative to the digits
        if dp <= 0 {
            out.push_str("0.");
            for _ in 0..(-dp) {
                out.push('0');
            }
            out.push_str(&digits);
        } else if dp >= nd {
            out.push_str(&digits);
            for _ in 0..(dp - nd) {
                out.push('0');
            }
        } else {
            let (int_part, frac) = digits.split_at(dp as usize);
            out.push_str(int_part);
            out.push('.');
            out.push_str(frac);
        }
    }
    out
}

/// Go's `encoding/json` leaves U+0085 (NEL) unescaped, and goyaml.v2 then reads the JSON string
/// as a YAML double-quoted scalar, where NEL is a line break that gets folded: a single break
/// becomes a space, each further consecutive break a `\n`, and spaces around breaks vanish.
fn fold_nel(s: &str) -> std::borrow::Cow<'_, str> {
    const NEL: char = '\u{85}';
    if !s.contains(NEL) {
        return std::borrow::Cow::Borrowed(s);
    }
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] != ' ' && chars[i] != NEL {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        let mut spaces = 0usize;
        let mut leading_break = false;
        let mut trailing_breaks = 0usize;
        while i < chars.len() && (chars[i] == ' ' || chars[i] == NEL) {
            if chars[i] == ' ' {
                if !leading_break {
                    spaces += 1;
                }
            } else if !leading_break {
                spaces = 0;
                leading_break = true;
            } else {
                trailing_breaks += 1;
            }
            i += 1;
        }
        if !leading_break {
            out.extend(std::iter::repeat_n(' ', spaces));
        } else if trailing_breaks == 0 {
            out.push(' ');
        } else {
            out.extend(std::iter::repeat_n('\n', trailing_breaks));
        }
    }
    std::borrow::Cow::Owned(out)
}

// ---------------------------------------------------------------------------------------------
// YAML 1.1 implicit resolution (what a plain scalar would be read back as by goyaml.v2).
// ---------------------------------------------------------------------------------------------

/// True when `s`, written plain, would be read back by goyaml.v2 as something other than a
/// string (bool, null, int, float, timestamp, merge key) or looks like a YAML 1.1 base-60
/// number. Such strings are double-quoted.
fn needs_double_quotes(s: &str) -> bool {
    resolves_to_non_string(s) || is_base60_float(s)
}

fn resolves_to_non_string(s: &str) -> bool {
    const KEYWORDS: &[&str] = &[
        "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "n", "N", "no",
        "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "", "~", "null", "Null",
        "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf",
        "-.Inf", "-.INF", "<<",
    ];
    let first = match s.as_bytes().first() {
        None => return true, // empty string is null
        Some(b) => *b,
    };
    let hint = match first {
        b'+' | b'-' | b'0'..=b'9' => 'D',
        b'y' | b'Y' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'o' | b'O' | b'~' => 'M',
        b'.' => '.',
        _ => return false,
    };
    if KEYWORDS.contains(&s) {
        return true;
    }
    match hint {
        '.' => go_parse_float_ok(s),
        'D' => {
            if is_go_timestamp(s) {
                return true;
            }
            let plain: String = s.chars().filter(|&c| c != '_').collect();
            if go_parse_int_base0(&plain) {
                return true;
            }
            if is_yaml_style_float(&plain) && go_parse_float_ok(&plain) {
                return true;
            }
            if let Some(rest) = plain.strip_prefix("0b") {
                return go_parse_int_radix(rest, 2, true);
            }
            if let Some(rest) = plain.strip_prefix("-0b") {
                return go_parse_int_radix(&format!("-{rest}"), 2, true);
            }
            false
        }
        _ => false,
    }
}

/// Digits of `s` in `radix` (no sign, no underscores), at least one, value fits in u64.
fn parse_unsigned_digits(s: &str, radix: u32) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut n: u64 = 0;
    for c in s.chars() {
        let d = c.to_digit(36)?;
        if d >= radix {
            return None;
        }
        n = n.checked_mul(u64::from(radix))?.checked_add(u64::from(d))?;
    }
    Some(n)
}

/// Go `strconv.ParseInt(s, radix, 64)` (or ParseUint when `signed` is false) succeeds.
fn go_parse_int_radix(s: &str, radix: u32, signed: bool) -> bool {
    let (neg, body) = if signed {
        match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        }
    } else {
        (false, s)
    };
    match parse_unsigned_digits(body, radix) {
        None => false,
        Some(v) if signed => {
            if neg {
                v <= 1u64 << 63
            } else {
                v < 1u64 << 63
            }
        }
        Some(_) => true,
    }
}

/// Go `strconv.ParseInt(s, 0, 64)` or `ParseUint(s, 0, 64)` succeeds (underscores removed).
fn go_parse_int_base0(s: &str) -> bool {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let value = base0_unsigned(body);
    match value {
        None => false,
        Some(v) => {
            if neg {
                v <= 1u64 << 63
            } else {
                // ParseUint accepts the full u64 range when there is no sign.
                v < 1u64 << 63 || !s.starts_with('+')
            }
        }
    }
}

/// Unsigned part of Go's base-0 integer syntax: 0x/0o/0b prefixes and leading-zero octal.
fn base0_unsigned(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let b = s.as_bytes();
    if b[0] == b'0' {
        if s.len() >= 3 {
            match b[1].to_ascii_lowercase() {
                b'b' => return parse_unsigned_digits(&s[2..], 2),
                b'o' => return parse_unsigned_digits(&s[2..], 8),
                b'x' => return parse_unsigned_digits(&s[2..], 16),
                _ => {}
            }
        }
        if s.len() == 1 {
            return Some(0);
        }
        return parse_unsigned_digits(&s[1..], 8);
    }
    parse_unsigned_digits(s, 10)
}

/// Go `strconv.ParseFloat(s, 64)` succeeds, for the decimal (non-hex, non-inf/nan) syntax that
/// can reach it here: digits with Go-style `_` separators, optional fraction and exponent; fails
/// on overflow to infinity.
fn go_parse_float_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    let mut saw_digits = false;
    let mut saw_dot = false;
    while i < b.len() {
        match b[i] {
            b'_' => {}
            b'.' if !saw_dot => saw_dot = true,
            b'0'..=b'9' => saw_digits = true,
            _ => break,
        }
        i += 1;
    }
    if !saw_digits {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if i >= b.len() || !b[i].is_ascii_digit() {
            return false;
        }
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    if i != b.len() {
        return false;
    }
    if s.contains('_') && !go_underscore_ok(s) {
        return false;
    }
    let cleaned: String = s.chars().filter(|&c| c != '_').collect();
    match cleaned.parse::<f64>() {
        Ok(v) => v.is_finite(),
        Err(_) => false,
    }
}

/// Go's rule for `_` in number literals: only between digits.
fn go_underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
        i += 1;
    }
    // saw: '^' start, '0' digit, '_' underscore, '!' other
    let mut saw = b'^';
    while i < b.len() {
        let c = b[i];
        if c.is_ascii_digit() {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else {
            if saw == b'_' {
                return false;
            }
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// `^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$`
fn is_base60_float(s: &str) -> bool {
    let b = s.as_bytes();
    match b.first() {
        Some(c) if *c == b'+' || *c == b'-' || c.is_ascii_digit() => {}
        _ => return false,
    }
    if !s.contains(':') {
        return false;
    }
    let mut i = 0;
    if b[i] == b'+' || b[i] == b'-' {
        i += 1;
    }
    if i >= b.len() || !b[i].is_ascii_digit() {
        return false;
    }
    i += 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
        i += 1;
    }
    let mut groups = 0;
    while i < b.len() && b[i] == b':' {
        i += 1;
        // [0-5]?[0-9]
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() && i - start < 2 {
            i += 1;
        }
        match i - start {
            1 => {}
            2 if b[start] <= b'5' => {}
            2 => {
                // Backtrack: only one digit matched as [0-9]; the second must start something else.
                i = start + 1;
            }
            _ => return false,
        }
        groups += 1;
    }
    if groups == 0 {
        return false;
    }
    if i < b.len() && b[i] == b'.' {
        i += 1;
        while i < b.len() && (b[i].is_ascii_digit() || b[i] == b'_') {
            i += 1;
        }
    }
    i == b.len()
}

// --- timestamps (Go time.Parse with goyaml.v2's layouts) --------------------------------------

/// Reads 1 or 2 digits (Go `getnum` with fixed=false).
fn getnum(b: &[u8], i: &mut usize) -> Option<u32> {
    let d0 = *b.get(*i).filter(|c| c.is_ascii_digit())?;
    *i += 1;
    let mut v = u32::from(d0 - b'0');
    if let Some(d1) = b.get(*i).filter(|c| c.is_ascii_digit()) {
        v = v * 10 + u32::from(d1 - b'0');
        *i += 1;
    }
    Some(v)
}

fn days_in_month(month: u32, year: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ => {
            let leap =
                year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
            if leap {
                29
            } else {
                28
            }
        }
    }
}

/// goyaml.v2 `parseTimestamp`: `YYYY-M-D`, `YYYY-M-D[Tt]h:m:s[.frac](Z|±hh:mm)`,
/// `YYYY-M-D<spaces>h:m:s[.frac]`.
fn is_go_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let ndig = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if ndig != 4 || b.len() == 4 || b[4] != b'-' {
        return false;
    }
    let year: u32 = s[..4].parse().unwrap_or(0);
    let mut i = 5;
    let month = match getnum(b, &mut i) {
        Some(m) if (1..=12).contains(&m) => m,
        _ => return false,
    };
    if b.get(i) != Some(&b'-') {
        return false;
    }
    i += 1;
    let day = match getnum(b, &mut i) {
        Some(d) => d,
        None => return false,
    };
    if day < 1 || day > days_in_month(month, year) {
        return false;
    }
    if i == b.len() {
        return true; // date only
    }
    let date_end = i;
    // Layouts with a 'T'/'t' separator require a zone; the space layout forbids one.
    let sep = b[date_end];
    if sep == b'T' || sep == b't' {
        let mut j = date_end + 1;
        if !parse_clock(b, &mut j) {
            return false;
        }
        parse_zone(b, j)
    } else if sep == b' ' {
        let mut j = date_end;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if !parse_clock(b, &mut j) {
            return false;
        }
        j == b.len()
    } else {
        false
    }
}

/// `15:4:5.999999999`: hour, minute, second (1-2 digits each), optional fraction.
fn parse_clock(b: &[u8], i: &mut usize) -> bool {
    match getnum(b, i) {
        Some(h) if h < 24 => {}
        _ => return false,
    }
    if b.get(*i) != Some(&b':') {
        return false;
    }
    *i += 1;
    match getnum(b, i) {
        Some(m) if m < 60 => {}
        _ => return false,
    }
    if b.get(*i) != Some(&b':') {
        return false;
    }
    *i += 1;
    match getnum(b, i) {
        Some(s) if s < 60 => {}
        _ => return false,
    }
    if matches!(b.get(*i), Some(b'.') | Some(b','))
        && b.get(*i + 1).is_some_and(|c| c.is_ascii_digit())
    {
        *i += 1;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
    }
    true
}

/// `Z07:00`: `Z` or `±hh:mm` ending the string.
fn parse_zone(b: &[u8], i: usize) -> bool {
    let rest = &b[i.min(b.len())..];
    if rest.first() == Some(&b'Z') {
        return rest.len() == 1;
    }
    if rest.len() != 6 || rest[3] != b':' || !(rest[0] == b'+' || rest[0] == b'-') {
        return false;
    }
    let two = |x: &[u8]| -> Option<u32> {
        if x[0].is_ascii_digit() && x[1].is_ascii_digit() {
            Some(u32::from(x[0] - b'0') * 10 + u32::from(x[1] - b'0'))
        } else {
            None
        }
    };
    matches!((two(&rest[1..3]), two(&rest[4..6])), (Some(h), Some(m)) if h <= 24 && m <= 60)
}

// ---------------------------------------------------------------------------------------------
// Scalar analysis (libyaml's rules for which styles can represent a string).
// ---------------------------------------------------------------------------------------------

fn is_printable(c: char) -> bool {
    let u = u32::from(c);
    u == 0x0A
        || (0x20..=0x7E).contains(&u)
        || (0xA0..=0xD7FF).contains(&u)
        || ((0xE000..=0xFFFD).contains(&u) && u != 0xFEFF)
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

fn is_blankz(c: char) -> bool {
    is_blank(c) || is_break(c) || c == '\0'
}

#[derive(Debug, Clone, Copy)]
struct Analysis {
    multiline: bool,
    plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(s: &str) -> Analysis {
    if s.is_empty() {
        return Analysis {
            multiline: false,
            plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = s.starts_with("---") || s.starts_with("...");
    let mut line_breaks = false;
    let mut special = false;
    let mut leading_space = false;
    let mut leading_break = false;
    let mut trailing_space = false;
    let mut trailing_break = false;
    let mut break_space = false;
    let mut space_break = false;
    let mut preceded_by_ws = true;
    let mut prev_space = false;
    let mut prev_break = false;

    let chars: Vec<char> = s.chars().collect();
    let last = chars.len() - 1;
    for (i, &c) in chars.iter().enumerate() {
        let followed_by_ws = chars.get(i + 1).is_none_or(|&n| is_blank(n));
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_ws => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_ws => block_indicators = true,
                '#' if preceded_by_ws => block_indicators = true,
                _ => {}
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if i == 0 {
                leading_space = true;
            }
            if i == last {
                trailing_space = true;
            }
            if prev_break {
                break_space = true;
            }
            prev_space = true;
            prev_break = false;
        } else if is_break(c) {
            line_breaks = true;
            if i == 0 {
                leading_break = true;
            }
            if i == last {
                trailing_break = true;
            }
            if prev_space {
                space_break = true;
            }
            prev_space = false;
            prev_break = true;
        } else {
            prev_space = false;
            prev_break = false;
        }
        preceded_by_ws = is_blankz(c);
    }

    let mut a = Analysis {
        multiline: line_breaks,
        plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        a.plain_allowed = false;
    }
    if trailing_space {
        a.block_allowed = false;
    }
    if break_space {
        a.plain_allowed = false;
        a.single_quoted_allowed = false;
    }
    if space_break || special {
        a.plain_allowed = false;
        a.single_quoted_allowed = false;
        a.block_allowed = false;
    }
    if line_breaks || block_indicators {
        a.plain_allowed = false;
    }
    a
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// Where a node sits (libyaml's context flags).
#[derive(Debug, Clone, Copy)]
struct Context {
    mapping: bool,
    simple_key: bool,
}

impl Context {
    const ROOT: Context = Context {
        mapping: false,
        simple_key: false,
    };
    const SEQUENCE_ITEM: Context = Context {
        mapping: false,
        simple_key: false,
    };
    const MAPPING_VALUE: Context = Context {
        mapping: true,
        simple_key: false,
    };
    const SIMPLE_KEY: Context = Context {
        mapping: true,
        simple_key: true,
    };
}

// ---------------------------------------------------------------------------------------------
// The emitter proper.
// ---------------------------------------------------------------------------------------------

struct Emitter {
    out: String,
    /// Current column, counted in characters.
    column: usize,
    /// Current block indentation; -1 before the root node.
    indent: isize,
    indents: Vec<isize>,
    /// The last character written was whitespace (or nothing was written on this line).
    whitespace: bool,
    /// Only indentation (and indicators such as `- `) has been written on this line.
    indention: bool,
}

impl Emitter {
    fn new() -> Self {
        Emitter {
            out: String::new(),
            column: 0,
            indent: -1,
            indents: Vec::new(),
            whitespace: true,
            indention: true,
        }
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
    }

    /// Copies a line-break character from the value (LS/PS are written raw).
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
        }
    }

    fn increase_indent(&mut self, flow: bool, indentless: bool) {
        self.indents.push(self.indent);
        if self.indent < 0 {
            self.indent = if flow { BEST_INDENT } else { 0 };
        } else if !indentless {
            self.indent += BEST_INDENT;
        }
    }

    fn pop_indent(&mut self) {
        self.indent = self.indents.pop().unwrap_or(-1);
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    fn write_indicator(&mut self, ind: &str, need_ws: bool, is_ws: bool, is_indention: bool) {
        if need_ws && !self.whitespace {
            self.put(' ');
        }
        for c in ind.chars() {
            self.put(c);
        }
        self.whitespace = is_ws;
        self.indention = self.indention && is_indention;
    }

    fn node(&mut self, value: &Value, ctx: Context) {
        match value {
            Value::Null => self.scalar("null", Style::Plain, ctx),
            Value::Bool(b) => self.scalar(if *b { "true" } else { "false" }, Style::Plain, ctx),
            Value::Number(n) => self.scalar(&go_json_number(n), Style::Plain, ctx),
            Value::String(raw) => self.string(&fold_nel(raw), ctx),
            Value::Array(items) => self.sequence(items, ctx),
            Value::Object(map) => self.mapping(map),
        }
    }

    /// A string scalar: literal when multi-line, double-quoted when it would not read back as a
    /// string, plain otherwise (the analysis may still demote plain to quoted styles).
    fn string(&mut self, s: &str, ctx: Context) {
        let style = if s.contains('\n') {
            Style::Literal
        } else if needs_double_quotes(s) {
            Style::Double
        } else {
            Style::Plain
        };
        self.scalar(s, style, ctx);
    }

    fn empty_flow(&mut self, open: &str, close: &str) {
        self.write_indicator(open, true, true, false);
        self.write_indicator(close, false, false, false);
    }

    fn sequence(&mut self, items: &[Value], ctx: Context) {
        if items.is_empty() {
            self.empty_flow("[", "]");
            return;
        }
        let indentless = ctx.mapping && !self.indention;
        self.increase_indent(false, indentless);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::SEQUENCE_ITEM);
        }
        self.pop_indent();
    }

    fn mapping(&mut self, map: &Map<String, Value>) {
        if map.is_empty() {
            self.empty_flow("{", "}");
            return;
        }
        let mut entries: Vec<(String, &Value)> = map
            .iter()
            .map(|(k, v)| (fold_nel(k).into_owned(), v))
            .collect();
        sort_keys(&mut entries);
        self.increase_indent(false, false);
        for (key, value) in entries {
            self.write_indent();
            let simple = !analyze(&key).multiline && key.len() <= MAX_SIMPLE_KEY_LEN;
            if simple {
                self.string(&key, Context::SIMPLE_KEY);
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.string(&key, Context::MAPPING_VALUE);
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context::MAPPING_VALUE);
        }
        self.pop_indent();
    }

    fn scalar(&mut self, text: &str, requested: Style, ctx: Context) {
        let a = analyze(text);
        let mut style = requested;
        if ctx.simple_key && a.multiline {
            style = Style::Double;
        }
        if style == Style::Plain && (!a.plain_allowed || (text.is_empty() && ctx.simple_key)) {
            style = Style::Single;
        }
        if style == Style::Single && !a.single_quoted_allowed {
            style = Style::Double;
        }
        if style == Style::Literal && (!a.block_allowed || ctx.simple_key) {
            style = Style::Double;
        }
        self.increase_indent(true, false);
        let allow_breaks = !ctx.simple_key;
        match style {
            Style::Plain => self.write_plain(text, allow_breaks),
            Style::Single => self.write_single(text, allow_breaks),
            Style::Double => self.write_double(text, allow_breaks),
            Style::Literal => self.write_literal(text),
        }
        self.pop_indent();
    }

    fn write_plain(&mut self, text: &str, allow_breaks: bool) {
        if !self.whitespace {
            self.put(' ');
        }
        let chars: Vec<char> = text.chars().collect();
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks && !spaces && self.column > BEST_WIDTH && !next_is_space {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.whitespace = false;
        self.indention = false;
    }

    fn write_single(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("'", true, false, false);
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        let mut breaks = false;
        for (i, &c) in chars.iter().enumerate() {
            if c == ' ' {
                let next_is_space = chars.get(i + 1) == Some(&' ');
                if allow_breaks
                    && !spaces
                    && self.column > BEST_WIDTH
                    && i > 0
                    && i < last
                    && !next_is_space
                {
                    self.write_indent();
                } else {
                    self.put(c);
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if c == '\'' {
                    self.put('\'');
                }
                self.put(c);
                self.indention = false;
                spaces = false;
                breaks = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double(&mut self, text: &str, allow_breaks: bool) {
        self.write_indicator("\"", true, false, false);
        // libyaml quirk: when the value starts with a BOM, every character is escaped.
        let starts_with_bom = text.starts_with('\u{FEFF}');
        let chars: Vec<char> = text.chars().collect();
        let last = chars.len().saturating_sub(1);
        let mut spaces = false;
        for (i, &c) in chars.iter().enumerate() {
            if !is_printable(c) || starts_with_bom || is_break(c) || c == '"' || c == '\\' {
                self.put('\\');
                match c {
                    '\0' => self.put('0'),
                    '\u{07}' => self.put('a'),
                    '\u{08}' => self.put('b'),
                    '\t' => self.put('t'),
                    '\n' => self.put('n'),
                    '\u{0B}' => self.put('v'),
                    '\u{0C}' => self.put('f'),
                    '\r' => self.put('r'),
                    '\u{1B}' => self.put('e'),
                    '"' => self.put('"'),
                    '\\' => self.put('\\'),
                    '\u{85}' => self.put('N'),
                    '\u{A0}' => self.put('_'),
                    '\u{2028}' => self.put('L'),
                    '\u{2029}' => self.put('P'),
                    _ => {
                        let u = u32::from(c);
                        let (letter, width) = if u <= 0xFF {
                            ('x', 2)
                        } else if u <= 0xFFFF {
                            ('u', 4)
                        } else {
                            ('U', 8)
                        };
                        self.put(letter);
                        for k in (0..width).rev() {
                            let d = (u >> (4 * k)) & 0xF;
                            let ch = char::from_digit(d, 16)
                                .map(|x| x.to_ascii_uppercase())
                                .unwrap_or('0');
                            self.put(ch);
                        }
                    }
                }
                spaces = false;
            } else if c == ' ' {
                if allow_breaks && !spaces && self.column > BEST_WIDTH && i > 0 && i < last {
                    self.write_indent();
                    if chars.get(i + 1) == Some(&' ') {
                        self.put('\\');
                    }
                } else {
                    self.put(c);
                }
                spaces = true;
            } else {
                self.put(c);
                spaces = false;
            }
        }
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_literal(&mut self, text: &str) {
        self.write_indicator("|", true, false, false);
        // Block scalar hints: indentation indicator, then chomping indicator.
        let mut chars = text.chars();
        if let Some(first) = chars.clone().next() {
            if first == ' ' || is_break(first) {
                let hint = char::from_digit(BEST_INDENT as u32, 10).unwrap_or('2');
                self.write_indicator(&hint.to_string(), false, false, false);
            }
        }
        let last = chars.next_back();
        let before_last = chars.next_back();
        let chomp = match (last, before_last) {
            (None, _) => Some("-"),
            (Some(l), _) if !is_break(l) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(p)) if is_break(p) => Some("+"),
            _ => None,
        };
        if let Some(ch) = chomp {
            self.write_indicator(ch, false, false, false);
        }
        self.put_break();
        self.indention = true;
        self.whitespace = true;
        let mut breaks = true;
        for c in text.chars() {
            if is_break(c) {
                self.write_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn num(text: &str) -> String {
        let v: Value = serde_json::from_str(text).expect("number literal");
        match v {
            Value::Number(n) => go_json_number(&n),
            _ => panic!("not a number: {text}"),
        }
    }

    #[test]
    fn basic_document_shape() {
        // Verified with kubectl v1.32.4.
        let v = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "x"},
            "data": {"a": "x", "y": "yes"}, "l": [1, [2, 3], {"b": 1, "a": 2}], "e": {}, "f": [],
            "n": null, "t": true});
        assert_eq!(
            to_yaml(&v),
            "apiVersion: v1\ndata:\n  a: x\n  \"y\": \"yes\"\ne: {}\nf: []\nkind: ConfigMap\nl:\n- 1\n- - 2\n  - 3\n- a: 2\n  b: 1\nmetadata:\n  name: x\n\"n\": null\nt: true\n"
        );
        assert_eq!(to_yaml(&json!({})), "{}\n");
    }

    #[test]
    fn natural_order() {
        // Verified with kubectl: _u < "1" < A < a-b < ab < item9 < item10 < z.
        let keys = ["_u", "1", "A", "a-b", "ab", "item9", "item10", "z"];
        for w in keys.windows(2) {
            assert_eq!(
                natural_cmp(w[0], w[1]),
                Ordering::Less,
                "{} < {}",
                w[0],
                w[1]
            );
            assert_eq!(natural_cmp(w[1], w[0]), Ordering::Greater);
        }
        let mut m = Map::new();
        for k in ["type", "spec", "metadata", "kind", "data", "apiVersion"] {
            m.insert(k.to_string(), json!(1));
        }
        assert_eq!(
            to_yaml(&Value::Object(m)),
            "apiVersion: 1\ndata: 1\nkind: 1\nmetadata: 1\nspec: 1\ntype: 1\n"
        );
    }

    #[test]
    fn numbers_match_kubectl() {
        // (JSON/YAML input literal, kubectl output), verified with kubectl v1.32.4.
        let cases = [
            ("0", "0"),
            ("-0", "0"),
            ("1.0", "1"),
            ("-1.0", "-1"),
            ("1.5", "1.5"),
            ("0.1", "0.1"),
            ("1e3", "1000"),
            ("1e-3", "0.001"),
            ("1e-4", "0.0001"),
            ("1e-5", "1e-05"),
            ("1e-7", "1e-07"),
            ("1.5e-7", "1.5e-07"),
            ("123456.5", "123456.5"),
            ("1234567.5", "1.2345675e+06"),
            ("123456789.5", "1.234567895e+08"),
            ("1000000.0", "1000000"),
            ("1e15", "1000000000000000"),
            ("1e20", "1e+20"),
            ("1e21", "1e+21"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("5e-324", "5e-324"),
            ("9223372036854775807", "9223372036854775807"),
            ("9223372036854775808", "9223372036854775808"),
            ("18446744073709551615", "18446744073709551615"),
            ("18446744073709551616", "1.8446744073709552e+19"),
            ("-9223372036854775809", "-9.223372036854776e+18"),
            ("1.5e15", "1500000000000000"),
            ("3.141592653589793", "3.141592653589793"),
            ("2.5e+10", "25000000000"),
            ("0.30000000000000004", "0.30000000000000004"),
            ("1e100", "1e+100"),
            ("123e-20", "1.23e-18"),
            ("-0.0", "0"),
            ("99999.99", "99999.99"),
            ("999999.9", "999999.9"),
            ("1.25e6", "1250000"),
            ("-1e-10", "-1e-10"),
            ("12.5e-1", "1.25"),
            ("0.0000015", "1.5e-06"),
        ];
        for (input, want) in cases {
            assert_eq!(num(input), want, "number {input}");
        }
    }

    #[test]
    fn string_values_match_kubectl() {
        for (input, want) in VALUE_CASES {
            let v = json!({"spec": {"v": input}});
            assert_eq!(to_yaml(&v), *want, "value {input:?}");
        }
    }

    #[test]
    fn string_keys_match_kubectl() {
        for (input, want) in KEY_CASES {
            let mut inner = Map::new();
            inner.insert(input.to_string(), json!(input));
            let mut k = Map::new();
            k.insert(input.to_string(), json!(1));
            k.insert(format!("z{input}"), Value::Object(inner));
            let v = json!({"spec": {"k": Value::Object(k)}});
            assert_eq!(to_yaml(&v), *want, "key {input:?}");
        }
    }

    #[test]
    fn documents_match_kubectl() {
        for (input, want) in DOC_CASES {
            let v: Value = serde_json::from_str(input).expect("test JSON");
            assert_eq!(to_yaml(&v), *want, "document {input}");
        }
    }

    #[test]
    fn nel_is_folded_like_the_json_round_trip() {
        assert_eq!(fold_nel("x\u{85}y"), "x y");
        assert_eq!(fold_nel("a \u{85}\u{85} b"), "a\nb");
        assert_eq!(fold_nel("\u{85}"), " ");
    }

    #[test]
    fn yaml11_resolution() {
        for s in [
            "0x1F",
            "017",
            "1_0",
            "1:20",
            "2001-1-1",
            "2001-12-14T00:00:00Z",
            ".5",
            "1e3",
            "0b-101",
        ] {
            assert!(needs_double_quotes(s), "{s}");
        }
        for s in [
            "<<",
            "08x",
            "1e400",
            "2001-02-30",
            "2001-12-14T21:59:43",
            "tRUE",
            "1:60",
        ] {
            assert!(!needs_double_quotes(s), "{s}");
        }
    }

    /// (input string, kubectl output for `{"spec": {"v": input}}`), verified with kubectl v1.32.4.
    const VALUE_CASES: &[(&str, &str)] = &[
        ("y", "spec:\n  v: \"y\"\n"),
        ("Y", "spec:\n  v: \"Y\"\n"),
        ("yes", "spec:\n  v: \"yes\"\n"),
        ("Yes", "spec:\n  v: \"Yes\"\n"),
        ("YES", "spec:\n  v: \"YES\"\n"),
        ("n", "spec:\n  v: \"n\"\n"),
        ("N", "spec:\n  v: \"N\"\n"),
        ("no", "spec:\n  v: \"no\"\n"),
        ("No", "spec:\n  v: \"No\"\n"),
        ("NO", "spec:\n  v: \"NO\"\n"),
        ("true", "spec:\n  v: \"true\"\n"),
        ("True", "spec:\n  v: \"True\"\n"),
        ("TRUE", "spec:\n  v: \"TRUE\"\n"),
        ("false", "spec:\n  v: \"false\"\n"),
        ("False", "spec:\n  v: \"False\"\n"),
        ("FALSE", "spec:\n  v: \"FALSE\"\n"),
        ("on", "spec:\n  v: \"on\"\n"),
        ("On", "spec:\n  v: \"On\"\n"),
        ("ON", "spec:\n  v: \"ON\"\n"),
        ("off", "spec:\n  v: \"off\"\n"),
        ("Off", "spec:\n  v: \"Off\"\n"),
        ("OFF", "spec:\n  v: \"OFF\"\n"),
        ("~", "spec:\n  v: \"~\"\n"),
        ("null", "spec:\n  v: \"null\"\n"),
        ("Null", "spec:\n  v: \"Null\"\n"),
        ("NULL", "spec:\n  v: \"NULL\"\n"),
        ("", "spec:\n  v: \"\"\n"),
        ("<", "spec:\n  v: <\n"),
        ("<<<", "spec:\n  v: <<<\n"),
        ("=", "spec:\n  v: =\n"),
        ("tRUE", "spec:\n  v: tRUE\n"),
        ("yES", "spec:\n  v: yES\n"),
        ("oN", "spec:\n  v: oN\n"),
        ("nULL", "spec:\n  v: nULL\n"),
        ("NuLL", "spec:\n  v: NuLL\n"),
        ("nil", "spec:\n  v: nil\n"),
        ("None", "spec:\n  v: None\n"),
        ("none", "spec:\n  v: none\n"),
        ("yeS", "spec:\n  v: yeS\n"),
        ("Off ", "spec:\n  v: 'Off '\n"),
        ("true1", "spec:\n  v: true1\n"),
        ("null0", "spec:\n  v: null0\n"),
        (".nan", "spec:\n  v: \".nan\"\n"),
        (".NaN", "spec:\n  v: \".NaN\"\n"),
        (".NAN", "spec:\n  v: \".NAN\"\n"),
        (".inf", "spec:\n  v: \".inf\"\n"),
        (".Inf", "spec:\n  v: \".Inf\"\n"),
        (".INF", "spec:\n  v: \".INF\"\n"),
        ("+.inf", "spec:\n  v: \"+.inf\"\n"),
        ("-.inf", "spec:\n  v: \"-.inf\"\n"),
        ("-.Inf", "spec:\n  v: \"-.Inf\"\n"),
        ("+.INF", "spec:\n  v: \"+.INF\"\n"),
        (".nAn", "spec:\n  v: .nAn\n"),
        ("nan", "spec:\n  v: nan\n"),
        ("NaN", "spec:\n  v: NaN\n"),
        ("inf", "spec:\n  v: inf\n"),
        ("Inf", "spec:\n  v: Inf\n"),
        ("-inf", "spec:\n  v: -inf\n"),
        ("infinity", "spec:\n  v: infinity\n"),
        ("+Infinity", "spec:\n  v: +Infinity\n"),
        (".infx", "spec:\n  v: .infx\n"),
        ("0", "spec:\n  v: \"0\"\n"),
        ("-0", "spec:\n  v: \"-0\"\n"),
        ("+0", "spec:\n  v: \"+0\"\n"),
        ("00", "spec:\n  v: \"00\"\n"),
        ("01", "spec:\n  v: \"01\"\n"),
        ("08", "spec:\n  v: \"08\"\n"),
        ("09", "spec:\n  v: \"09\"\n"),
        ("010", "spec:\n  v: \"010\"\n"),
        ("017", "spec:\n  v: \"017\"\n"),
        ("0x", "spec:\n  v: 0x\n"),
        ("0x1F", "spec:\n  v: \"0x1F\"\n"),
        ("0X1f", "spec:\n  v: \"0X1f\"\n"),
        ("0xg", "spec:\n  v: 0xg\n"),
        ("0o17", "spec:\n  v: \"0o17\"\n"),
        ("0O17", "spec:\n  v: \"0O17\"\n"),
        ("0o8", "spec:\n  v: 0o8\n"),
        ("0b101", "spec:\n  v: \"0b101\"\n"),
        ("0B11", "spec:\n  v: \"0B11\"\n"),
        ("0b2", "spec:\n  v: 0b2\n"),
        ("0b", "spec:\n  v: 0b\n"),
        ("0b-101", "spec:\n  v: \"0b-101\"\n"),
        ("0b+1", "spec:\n  v: \"0b+1\"\n"),
        ("-0b101", "spec:\n  v: \"-0b101\"\n"),
        ("-0b-1", "spec:\n  v: -0b-1\n"),
        ("1_000", "spec:\n  v: \"1_000\"\n"),
        ("1__0", "spec:\n  v: \"1__0\"\n"),
        ("_1", "spec:\n  v: _1\n"),
        ("1_", "spec:\n  v: \"1_\"\n"),
        ("+1", "spec:\n  v: \"+1\"\n"),
        ("-1", "spec:\n  v: \"-1\"\n"),
        ("+-1", "spec:\n  v: +-1\n"),
        ("42", "spec:\n  v: \"42\"\n"),
        ("4.2", "spec:\n  v: \"4.2\"\n"),
        ("1.", "spec:\n  v: \"1.\"\n"),
        ("0.", "spec:\n  v: \"0.\"\n"),
        (".5", "spec:\n  v: \".5\"\n"),
        ("+.5", "spec:\n  v: \"+.5\"\n"),
        ("-.5", "spec:\n  v: \"-.5\"\n"),
        (".", "spec:\n  v: .\n"),
        ("..", "spec:\n  v: ..\n"),
        ("...", "spec:\n  v: '...'\n"),
        ("1e3", "spec:\n  v: \"1e3\"\n"),
        ("1E3", "spec:\n  v: \"1E3\"\n"),
        ("1e+3", "spec:\n  v: \"1e+3\"\n"),
        ("1e-3", "spec:\n  v: \"1e-3\"\n"),
        ("1e", "spec:\n  v: 1e\n"),
        ("e1", "spec:\n  v: e1\n"),
        ("1.5e3", "spec:\n  v: \"1.5e3\"\n"),
        (".5e3", "spec:\n  v: \".5e3\"\n"),
        (".5_0", "spec:\n  v: \".5_0\"\n"),
        ("._5", "spec:\n  v: ._5\n"),
        (".5e1_0", "spec:\n  v: \".5e1_0\"\n"),
        ("1_0.5", "spec:\n  v: \"1_0.5\"\n"),
        ("1.5_", "spec:\n  v: \"1.5_\"\n"),
        ("1e400", "spec:\n  v: 1e400\n"),
        ("-1e400", "spec:\n  v: -1e400\n"),
        ("1e-400", "spec:\n  v: \"1e-400\"\n"),
        (".5e400", "spec:\n  v: .5e400\n"),
        ("9223372036854775807", "spec:\n  v: \"9223372036854775807\"\n"),
        ("9223372036854775808", "spec:\n  v: \"9223372036854775808\"\n"),
        ("-9223372036854775808", "spec:\n  v: \"-9223372036854775808\"\n"),
        ("-9223372036854775809", "spec:\n  v: \"-9223372036854775809\"\n"),
        ("18446744073709551615", "spec:\n  v: \"18446744073709551615\"\n"),
        ("18446744073709551616", "spec:\n  v: \"18446744073709551616\"\n"),
        ("+9223372036854775808", "spec:\n  v: \"+9223372036854775808\"\n"),
        ("0x7FFFFFFFFFFFFFFF", "spec:\n  v: \"0x7FFFFFFFFFFFFFFF\"\n"),
        ("0xFFFFFFFFFFFFFFFF", "spec:\n  v: \"0xFFFFFFFFFFFFFFFF\"\n"),
        ("0x10000000000000000", "spec:\n  v: 0x10000000000000000\n"),
        ("1.2.3", "spec:\n  v: 1.2.3\n"),
        ("1-2", "spec:\n  v: 1-2\n"),
        ("1+2", "spec:\n  v: 1+2\n"),
        ("1 2", "spec:\n  v: 1 2\n"),
        ("1,000", "spec:\n  v: 1,000\n"),
        ("1k", "spec:\n  v: 1k\n"),
        ("12Mi", "spec:\n  v: 12Mi\n"),
        ("0.5Gi", "spec:\n  v: 0.5Gi\n"),
        ("100m", "spec:\n  v: 100m\n"),
        ("-", "spec:\n  v: '-'\n"),
        ("+", "spec:\n  v: +\n"),
        ("--1", "spec:\n  v: --1\n"),
        ("++1", "spec:\n  v: ++1\n"),
        ("+ 1", "spec:\n  v: + 1\n"),
        ("0777", "spec:\n  v: \"0777\"\n"),
        ("0_7", "spec:\n  v: \"0_7\"\n"),
        ("1e1.5", "spec:\n  v: 1e1.5\n"),
        ("1.e5", "spec:\n  v: \"1.e5\"\n"),
        ("-.e5", "spec:\n  v: -.e5\n"),
        ("1e+", "spec:\n  v: 1e+\n"),
        ("+.", "spec:\n  v: +.\n"),
        ("-.", "spec:\n  v: -.\n"),
        ("1:", "spec:\n  v: '1:'\n"),
        (":1", "spec:\n  v: :1\n"),
        ("2001-1-1", "spec:\n  v: \"2001-1-1\"\n"),
        ("2001-12-14", "spec:\n  v: \"2001-12-14\"\n"),
        ("2001-12-14T00:00:00Z", "spec:\n  v: \"2001-12-14T00:00:00Z\"\n"),
        ("2001-12-14t21:59:43.10-05:00", "spec:\n  v: \"2001-12-14t21:59:43.10-05:00\"\n"),
        ("2001-12-14 21:59:43.10", "spec:\n  v: \"2001-12-14 21:59:43.10\"\n"),
        ("2001-12-14  21:59:43", "spec:\n  v: \"2001-12-14  21:59:43\"\n"),
        ("2001-12-14T21:59:43", "spec:\n  v: 2001-12-14T21:59:43\n"),
        ("2001-12-14T21:59:43Z ", "spec:\n  v: '2001-12-14T21:59:43Z '\n"),
        ("2001-02-29", "spec:\n  v: 2001-02-29\n"),
        ("2000-02-29", "spec:\n  v: \"2000-02-29\"\n"),
        ("2001-02-30", "spec:\n  v: 2001-02-30\n"),
        ("2001-13-01", "spec:\n  v: 2001-13-01\n"),
        ("2001-00-01", "spec:\n  v: 2001-00-01\n"),
        ("2001-1-0", "spec:\n  v: 2001-1-0\n"),
        ("2001-1-32", "spec:\n  v: 2001-1-32\n"),
        ("2001-04-31", "spec:\n  v: 2001-04-31\n"),
        ("1-1-1", "spec:\n  v: 1-1-1\n"),
        ("20011-1-1", "spec:\n  v: 20011-1-1\n"),
        ("2001-1", "spec:\n  v: 2001-1\n"),
        ("2001-", "spec:\n  v: 2001-\n"),
        ("2001-1-1x", "spec:\n  v: 2001-1-1x\n"),
        ("2001-1-1 ", "spec:\n  v: '2001-1-1 '\n"),
        ("2001-1-1T1:2:3Z", "spec:\n  v: \"2001-1-1T1:2:3Z\"\n"),
        ("2001-1-1T1:2:3+25:00", "spec:\n  v: 2001-1-1T1:2:3+25:00\n"),
        ("2001-1-1T1:2:3+24:00", "spec:\n  v: \"2001-1-1T1:2:3+24:00\"\n"),
        ("2001-1-1T1:2:3+01:61", "spec:\n  v: 2001-1-1T1:2:3+01:61\n"),
        ("2001-1-1T1:2:3+0100", "spec:\n  v: 2001-1-1T1:2:3+0100\n"),
        ("2001-1-1T24:00:00Z", "spec:\n  v: 2001-1-1T24:00:00Z\n"),
        ("2001-1-1T23:60:00Z", "spec:\n  v: 2001-1-1T23:60:00Z\n"),
        ("2001-1-1T23:59:60Z", "spec:\n  v: 2001-1-1T23:59:60Z\n"),
        ("2001-1-1 1:2:3", "spec:\n  v: \"2001-1-1 1:2:3\"\n"),
        ("2001-1-1T1:2:3,5Z", "spec:\n  v: \"2001-1-1T1:2:3,5Z\"\n"),
        ("2001-1-1T1:2:3.Z", "spec:\n  v: 2001-1-1T1:2:3.Z\n"),
        ("2001-1-1T1:2:3.123456789123Z", "spec:\n  v: \"2001-1-1T1:2:3.123456789123Z\"\n"),
        ("2001-1-1T1:2Z", "spec:\n  v: 2001-1-1T1:2Z\n"),
        ("2001-001-1", "spec:\n  v: 2001-001-1\n"),
        ("2001-1-001", "spec:\n  v: 2001-1-001\n"),
        ("2001-1-1 1:2:3Z", "spec:\n  v: 2001-1-1 1:2:3Z\n"),
        ("2001-1-1t1:2:3z", "spec:\n  v: 2001-1-1t1:2:3z\n"),
        ("0000-01-01", "spec:\n  v: \"0000-01-01\"\n"),
        ("2004-2-29", "spec:\n  v: \"2004-2-29\"\n"),
        ("1:20", "spec:\n  v: \"1:20\"\n"),
        ("12:30", "spec:\n  v: \"12:30\"\n"),
        ("1:2:3", "spec:\n  v: \"1:2:3\"\n"),
        ("01:30", "spec:\n  v: \"01:30\"\n"),
        ("1:60", "spec:\n  v: 1:60\n"),
        ("1:59", "spec:\n  v: \"1:59\"\n"),
        ("1:5a", "spec:\n  v: 1:5a\n"),
        ("-1:20", "spec:\n  v: \"-1:20\"\n"),
        ("+1:20", "spec:\n  v: \"+1:20\"\n"),
        ("1_0:20", "spec:\n  v: \"1_0:20\"\n"),
        ("1:20.5", "spec:\n  v: \"1:20.5\"\n"),
        ("1:20.", "spec:\n  v: \"1:20.\"\n"),
        ("1:20:", "spec:\n  v: '1:20:'\n"),
        ("1::20", "spec:\n  v: 1::20\n"),
        ("1:200", "spec:\n  v: 1:200\n"),
        ("1:020", "spec:\n  v: 1:020\n"),
        ("a:1", "spec:\n  v: a:1\n"),
        ("1:2:3:4:5", "spec:\n  v: \"1:2:3:4:5\"\n"),
        ("190:20:30", "spec:\n  v: \"190:20:30\"\n"),
        ("1:20.5_1", "spec:\n  v: \"1:20.5_1\"\n"),
        ("1 :20", "spec:\n  v: 1 :20\n"),
        ("12:3 ", "spec:\n  v: '12:3 '\n"),
        ("1:6", "spec:\n  v: \"1:6\"\n"),
        ("1:66", "spec:\n  v: 1:66\n"),
        ("1:06", "spec:\n  v: \"1:06\"\n"),
        ("!", "spec:\n  v: '!'\n"),
        ("!x", "spec:\n  v: '!x'\n"),
        ("x!", "spec:\n  v: x!\n"),
        ("x!y", "spec:\n  v: x!y\n"),
        ("x !", "spec:\n  v: x !\n"),
        ("! x", "spec:\n  v: '! x'\n"),
        ("x ! y", "spec:\n  v: x ! y\n"),
        ("x! y", "spec:\n  v: x! y\n"),
        ("!!", "spec:\n  v: '!!'\n"),
        ("!\tx", "spec:\n  v: \"!\\tx\"\n"),
        ("x !y", "spec:\n  v: x !y\n"),
        ("!-", "spec:\n  v: '!-'\n"),
        ("\"", "spec:\n  v: '\"'\n"),
        ("\"x", "spec:\n  v: '\"x'\n"),
        ("x\"", "spec:\n  v: x\"\n"),
        ("x\"y", "spec:\n  v: x\"y\n"),
        ("x \"", "spec:\n  v: x \"\n"),
        ("\" x", "spec:\n  v: '\" x'\n"),
        ("x \" y", "spec:\n  v: x \" y\n"),
        ("x\" y", "spec:\n  v: x\" y\n"),
        ("\"\"", "spec:\n  v: '\"\"'\n"),
        ("\"\tx", "spec:\n  v: \"\\\"\\tx\"\n"),
        ("x \"y", "spec:\n  v: x \"y\n"),
        ("\"-", "spec:\n  v: '\"-'\n"),
        ("#", "spec:\n  v: '#'\n"),
        ("#x", "spec:\n  v: '#x'\n"),
        ("x#", "spec:\n  v: x#\n"),
        ("x#y", "spec:\n  v: x#y\n"),
        ("x #", "spec:\n  v: 'x #'\n"),
        ("# x", "spec:\n  v: '# x'\n"),
        ("x # y", "spec:\n  v: 'x # y'\n"),
        ("x# y", "spec:\n  v: x# y\n"),
        ("##", "spec:\n  v: '##'\n"),
        ("#\tx", "spec:\n  v: \"#\\tx\"\n"),
        ("x #y", "spec:\n  v: 'x #y'\n"),
        ("#-", "spec:\n  v: '#-'\n"),
        ("$", "spec:\n  v: $\n"),
        ("$x", "spec:\n  v: $x\n"),
        ("x$", "spec:\n  v: x$\n"),
        ("x$y", "spec:\n  v: x$y\n"),
        ("x $", "spec:\n  v: x $\n"),
        ("$ x", "spec:\n  v: $ x\n"),
        ("x $ y", "spec:\n  v: x $ y\n"),
        ("x$ y", "spec:\n  v: x$ y\n"),
        ("$$", "spec:\n  v: $$\n"),
        ("$\tx", "spec:\n  v: \"$\\tx\"\n"),
        ("x $y", "spec:\n  v: x $y\n"),
        ("$-", "spec:\n  v: $-\n"),
        ("%", "spec:\n  v: '%'\n"),
        ("%x", "spec:\n  v: '%x'\n"),
        ("x%", "spec:\n  v: x%\n"),
        ("x%y", "spec:\n  v: x%y\n"),
        ("x %", "spec:\n  v: x %\n"),
        ("% x", "spec:\n  v: '% x'\n"),
        ("x % y", "spec:\n  v: x % y\n"),
        ("x% y", "spec:\n  v: x% y\n"),
        ("%%", "spec:\n  v: '%%'\n"),
        ("%\tx", "spec:\n  v: \"%\\tx\"\n"),
        ("x %y", "spec:\n  v: x %y\n"),
        ("%-", "spec:\n  v: '%-'\n"),
        ("&", "spec:\n  v: '&'\n"),
        ("&x", "spec:\n  v: '&x'\n"),
        ("x&", "spec:\n  v: x&\n"),
        ("x&y", "spec:\n  v: x&y\n"),
        ("x &", "spec:\n  v: x &\n"),
        ("& x", "spec:\n  v: '& x'\n"),
        ("x & y", "spec:\n  v: x & y\n"),
        ("x& y", "spec:\n  v: x& y\n"),
        ("&&", "spec:\n  v: '&&'\n"),
        ("&\tx", "spec:\n  v: \"&\\tx\"\n"),
        ("x &y", "spec:\n  v: x &y\n"),
        ("&-", "spec:\n  v: '&-'\n"),
        ("'", "spec:\n  v: ''''\n"),
        ("'x", "spec:\n  v: '''x'\n"),
        ("x'", "spec:\n  v: x'\n"),
        ("x'y", "spec:\n  v: x'y\n"),
        ("x '", "spec:\n  v: x '\n"),
        ("' x", "spec:\n  v: ''' x'\n"),
        ("x ' y", "spec:\n  v: x ' y\n"),
        ("x' y", "spec:\n  v: x' y\n"),
        ("''", "spec:\n  v: ''''''\n"),
        ("'\tx", "spec:\n  v: \"'\\tx\"\n"),
        ("x 'y", "spec:\n  v: x 'y\n"),
        ("'-", "spec:\n  v: '''-'\n"),
        ("(", "spec:\n  v: (\n"),
        ("(x", "spec:\n  v: (x\n"),
        ("x(", "spec:\n  v: x(\n"),
        ("x(y", "spec:\n  v: x(y\n"),
        ("x (", "spec:\n  v: x (\n"),
        ("( x", "spec:\n  v: ( x\n"),
        ("x ( y", "spec:\n  v: x ( y\n"),
        ("x( y", "spec:\n  v: x( y\n"),
        ("((", "spec:\n  v: ((\n"),
        ("(\tx", "spec:\n  v: \"(\\tx\"\n"),
        ("x (y", "spec:\n  v: x (y\n"),
        ("(-", "spec:\n  v: (-\n"),
        (")", "spec:\n  v: )\n"),
        (")x", "spec:\n  v: )x\n"),
        ("x)", "spec:\n  v: x)\n"),
        ("x)y", "spec:\n  v: x)y\n"),
        ("x )", "spec:\n  v: x )\n"),
        (") x", "spec:\n  v: ) x\n"),
        ("x ) y", "spec:\n  v: x ) y\n"),
        ("x) y", "spec:\n  v: x) y\n"),
        ("))", "spec:\n  v: ))\n"),
        (")\tx", "spec:\n  v: \")\\tx\"\n"),
        ("x )y", "spec:\n  v: x )y\n"),
        (")-", "spec:\n  v: )-\n"),
        ("*", "spec:\n  v: '*'\n"),
        ("*x", "spec:\n  v: '*x'\n"),
        ("x*", "spec:\n  v: x*\n"),
        ("x*y", "spec:\n  v: x*y\n"),
        ("x *", "spec:\n  v: x *\n"),
        ("* x", "spec:\n  v: '* x'\n"),
        ("x * y", "spec:\n  v: x * y\n"),
        ("x* y", "spec:\n  v: x* y\n"),
        ("**", "spec:\n  v: '**'\n"),
        ("*\tx", "spec:\n  v: \"*\\tx\"\n"),
        ("x *y", "spec:\n  v: x *y\n"),
        ("*-", "spec:\n  v: '*-'\n"),
        ("+x", "spec:\n  v: +x\n"),
        ("x+", "spec:\n  v: x+\n"),
        ("x+y", "spec:\n  v: x+y\n"),
        ("x +", "spec:\n  v: x +\n"),
        ("+ x", "spec:\n  v: + x\n"),
        ("x + y", "spec:\n  v: x + y\n"),
        ("x+ y", "spec:\n  v: x+ y\n"),
        ("++", "spec:\n  v: ++\n"),
        ("+\tx", "spec:\n  v: \"+\\tx\"\n"),
        ("x +y", "spec:\n  v: x +y\n"),
        ("+-", "spec:\n  v: +-\n"),
        (",", "spec:\n  v: ','\n"),
        (",x", "spec:\n  v: ',x'\n"),
        ("x,", "spec:\n  v: x,\n"),
        ("x,y", "spec:\n  v: x,y\n"),
        ("x ,", "spec:\n  v: x ,\n"),
        (", x", "spec:\n  v: ', x'\n"),
        ("x , y", "spec:\n  v: x , y\n"),
        ("x, y", "spec:\n  v: x, y\n"),
        (",,", "spec:\n  v: ',,'\n"),
        (",\tx", "spec:\n  v: \",\\tx\"\n"),
        ("x ,y", "spec:\n  v: x ,y\n"),
        (",-", "spec:\n  v: ',-'\n"),
        ("-x", "spec:\n  v: -x\n"),
        ("x-", "spec:\n  v: x-\n"),
        ("x-y", "spec:\n  v: x-y\n"),
        ("x -", "spec:\n  v: x -\n"),
        ("- x", "spec:\n  v: '- x'\n"),
        ("x - y", "spec:\n  v: x - y\n"),
        ("x- y", "spec:\n  v: x- y\n"),
        ("--", "spec:\n  v: --\n"),
        ("-\tx", "spec:\n  v: \"-\\tx\"\n"),
        ("x -y", "spec:\n  v: x -y\n"),
        (".x", "spec:\n  v: .x\n"),
        ("x.", "spec:\n  v: x.\n"),
        ("x.y", "spec:\n  v: x.y\n"),
        ("x .", "spec:\n  v: x .\n"),
        (". x", "spec:\n  v: . x\n"),
        ("x . y", "spec:\n  v: x . y\n"),
        ("x. y", "spec:\n  v: x. y\n"),
        (".\tx", "spec:\n  v: \".\\tx\"\n"),
        ("x .y", "spec:\n  v: x .y\n"),
        (".-", "spec:\n  v: .-\n"),
        ("/", "spec:\n  v: /\n"),
        ("/x", "spec:\n  v: /x\n"),
        ("x/", "spec:\n  v: x/\n"),
        ("x/y", "spec:\n  v: x/y\n"),
        ("x /", "spec:\n  v: x /\n"),
        ("/ x", "spec:\n  v: / x\n"),
        ("x / y", "spec:\n  v: x / y\n"),
        ("x/ y", "spec:\n  v: x/ y\n"),
        ("//", "spec:\n  v: //\n"),
        ("/\tx", "spec:\n  v: \"/\\tx\"\n"),
        ("x /y", "spec:\n  v: x /y\n"),
        ("/-", "spec:\n  v: /-\n"),
        (":", "spec:\n  v: ':'\n"),
        (":x", "spec:\n  v: :x\n"),
        ("x:", "spec:\n  v: 'x:'\n"),
        ("x:y", "spec:\n  v: x:y\n"),
        ("x :", "spec:\n  v: 'x :'\n"),
        (": x", "spec:\n  v: ': x'\n"),
        ("x : y", "spec:\n  v: 'x : y'\n"),
        ("x: y", "spec:\n  v: 'x: y'\n"),
        ("::", "spec:\n  v: '::'\n"),
        (":\tx", "spec:\n  v: \":\\tx\"\n"),
        ("x :y", "spec:\n  v: x :y\n"),
        (":-", "spec:\n  v: :-\n"),
        (";", "spec:\n  v: ;\n"),
        (";x", "spec:\n  v: ;x\n"),
        ("x;", "spec:\n  v: x;\n"),
        ("x;y", "spec:\n  v: x;y\n"),
        ("x ;", "spec:\n  v: x ;\n"),
        ("; x", "spec:\n  v: ; x\n"),
        ("x ; y", "spec:\n  v: x ; y\n"),
        ("x; y", "spec:\n  v: x; y\n"),
        (";;", "spec:\n  v: ;;\n"),
        (";\tx", "spec:\n  v: \";\\tx\"\n"),
        ("x ;y", "spec:\n  v: x ;y\n"),
        (";-", "spec:\n  v: ;-\n"),
        ("<x", "spec:\n  v: <x\n"),
        ("x<", "spec:\n  v: x<\n"),
        ("x<y", "spec:\n  v: x<y\n"),
        ("x <", "spec:\n  v: x <\n"),
        ("< x", "spec:\n  v: < x\n"),
        ("x < y", "spec:\n  v: x < y\n"),
        ("x< y", "spec:\n  v: x< y\n"),
        ("<\tx", "spec:\n  v: \"<\\tx\"\n"),
        ("x <y", "spec:\n  v: x <y\n"),
        ("<-", "spec:\n  v: <-\n"),
        ("=x", "spec:\n  v: =x\n"),
        ("x=", "spec:\n  v: x=\n"),
        ("x=y", "spec:\n  v: x=y\n"),
        ("x =", "spec:\n  v: x =\n"),
        ("= x", "spec:\n  v: = x\n"),
        ("x = y", "spec:\n  v: x = y\n"),
        ("x= y", "spec:\n  v: x= y\n"),
        ("==", "spec:\n  v: ==\n"),
        ("=\tx", "spec:\n  v: \"=\\tx\"\n"),
        ("x =y", "spec:\n  v: x =y\n"),
        ("=-", "spec:\n  v: =-\n"),
        (">", "spec:\n  v: '>'\n"),
        (">x", "spec:\n  v: '>x'\n"),
        ("x>", "spec:\n  v: x>\n"),
        ("x>y", "spec:\n  v: x>y\n"),
        ("x >", "spec:\n  v: x >\n"),
        ("> x", "spec:\n  v: '> x'\n"),
        ("x > y", "spec:\n  v: x > y\n"),
        ("x> y", "spec:\n  v: x> y\n"),
        (">>", "spec:\n  v: '>>'\n"),
        (">\tx", "spec:\n  v: \">\\tx\"\n"),
        ("x >y", "spec:\n  v: x >y\n"),
        (">-", "spec:\n  v: '>-'\n"),
        ("?", "spec:\n  v: '?'\n"),
        ("?x", "spec:\n  v: ?x\n"),
        ("x?", "spec:\n  v: x?\n"),
        ("x?y", "spec:\n  v: x?y\n"),
        ("x ?", "spec:\n  v: x ?\n"),
        ("? x", "spec:\n  v: '? x'\n"),
        ("x ? y", "spec:\n  v: x ? y\n"),
        ("x? y", "spec:\n  v: x? y\n"),
        ("??", "spec:\n  v: ??\n"),
        ("?\tx", "spec:\n  v: \"?\\tx\"\n"),
        ("x ?y", "spec:\n  v: x ?y\n"),
        ("?-", "spec:\n  v: ?-\n"),
        ("@", "spec:\n  v: '@'\n"),
        ("@x", "spec:\n  v: '@x'\n"),
        ("x@", "spec:\n  v: x@\n"),
        ("x@y", "spec:\n  v: x@y\n"),
        ("x @", "spec:\n  v: x @\n"),
        ("@ x", "spec:\n  v: '@ x'\n"),
        ("x @ y", "spec:\n  v: x @ y\n"),
        ("x@ y", "spec:\n  v: x@ y\n"),
        ("@@", "spec:\n  v: '@@'\n"),
        ("@\tx", "spec:\n  v: \"@\\tx\"\n"),
        ("x @y", "spec:\n  v: x @y\n"),
        ("@-", "spec:\n  v: '@-'\n"),
        ("[", "spec:\n  v: '['\n"),
        ("[x", "spec:\n  v: '[x'\n"),
        ("x[", "spec:\n  v: x[\n"),
        ("x[y", "spec:\n  v: x[y\n"),
        ("x [", "spec:\n  v: x [\n"),
        ("[ x", "spec:\n  v: '[ x'\n"),
        ("x [ y", "spec:\n  v: x [ y\n"),
        ("x[ y", "spec:\n  v: x[ y\n"),
        ("[[", "spec:\n  v: '[['\n"),
        ("[\tx", "spec:\n  v: \"[\\tx\"\n"),
        ("x [y", "spec:\n  v: x [y\n"),
        ("[-", "spec:\n  v: '[-'\n"),
        ("\\", "spec:\n  v: \\\n"),
        ("\\x", "spec:\n  v: \\x\n"),
        ("x\\", "spec:\n  v: x\\\n"),
        ("x\\y", "spec:\n  v: x\\y\n"),
        ("x \\", "spec:\n  v: x \\\n"),
        ("\\ x", "spec:\n  v: \\ x\n"),
        ("x \\ y", "spec:\n  v: x \\ y\n"),
        ("x\\ y", "spec:\n  v: x\\ y\n"),
        ("\\\\", "spec:\n  v: \\\\\n"),
        ("\\\tx", "spec:\n  v: \"\\\\\\tx\"\n"),
        ("x \\y", "spec:\n  v: x \\y\n"),
        ("\\-", "spec:\n  v: \\-\n"),
        ("]", "spec:\n  v: ']'\n"),
        ("]x", "spec:\n  v: ']x'\n"),
        ("x]", "spec:\n  v: x]\n"),
        ("x]y", "spec:\n  v: x]y\n"),
        ("x ]", "spec:\n  v: x ]\n"),
        ("] x", "spec:\n  v: '] x'\n"),
        ("x ] y", "spec:\n  v: x ] y\n"),
        ("x] y", "spec:\n  v: x] y\n"),
        ("]]", "spec:\n  v: ']]'\n"),
        ("]\tx", "spec:\n  v: \"]\\tx\"\n"),
        ("x ]y", "spec:\n  v: x ]y\n"),
        ("]-", "spec:\n  v: ']-'\n"),
        ("^", "spec:\n  v: ^\n"),
        ("^x", "spec:\n  v: ^x\n"),
        ("x^", "spec:\n  v: x^\n"),
        ("x^y", "spec:\n  v: x^y\n"),
        ("x ^", "spec:\n  v: x ^\n"),
        ("^ x", "spec:\n  v: ^ x\n"),
        ("x ^ y", "spec:\n  v: x ^ y\n"),
        ("x^ y", "spec:\n  v: x^ y\n"),
        ("^^", "spec:\n  v: ^^\n"),
        ("^\tx", "spec:\n  v: \"^\\tx\"\n"),
        ("x ^y", "spec:\n  v: x ^y\n"),
        ("^-", "spec:\n  v: ^-\n"),
        ("_", "spec:\n  v: _\n"),
        ("_x", "spec:\n  v: _x\n"),
        ("x_", "spec:\n  v: x_\n"),
        ("x_y", "spec:\n  v: x_y\n"),
        ("x _", "spec:\n  v: x _\n"),
        ("_ x", "spec:\n  v: _ x\n"),
        ("x _ y", "spec:\n  v: x _ y\n"),
        ("x_ y", "spec:\n  v: x_ y\n"),
        ("__", "spec:\n  v: __\n"),
        ("_\tx", "spec:\n  v: \"_\\tx\"\n"),
        ("x _y", "spec:\n  v: x _y\n"),
        ("_-", "spec:\n  v: _-\n"),
        ("`", "spec:\n  v: '`'\n"),
        ("`x", "spec:\n  v: '`x'\n"),
        ("x`", "spec:\n  v: x`\n"),
        ("x`y", "spec:\n  v: x`y\n"),
        ("x `", "spec:\n  v: x `\n"),
        ("` x", "spec:\n  v: '` x'\n"),
        ("x ` y", "spec:\n  v: x ` y\n"),
        ("x` y", "spec:\n  v: x` y\n"),
        ("``", "spec:\n  v: '``'\n"),
        ("`\tx", "spec:\n  v: \"`\\tx\"\n"),
        ("x `y", "spec:\n  v: x `y\n"),
        ("`-", "spec:\n  v: '`-'\n"),
        ("{", "spec:\n  v: '{'\n"),
        ("{x", "spec:\n  v: '{x'\n"),
        ("x{", "spec:\n  v: x{\n"),
        ("x{y", "spec:\n  v: x{y\n"),
        ("x {", "spec:\n  v: x {\n"),
        ("{ x", "spec:\n  v: '{ x'\n"),
        ("x { y", "spec:\n  v: x { y\n"),
        ("x{ y", "spec:\n  v: x{ y\n"),
        ("{{", "spec:\n  v: '{{'\n"),
        ("{\tx", "spec:\n  v: \"{\\tx\"\n"),
        ("x {y", "spec:\n  v: x {y\n"),
        ("{-", "spec:\n  v: '{-'\n"),
        ("|", "spec:\n  v: '|'\n"),
        ("|x", "spec:\n  v: '|x'\n"),
        ("x|", "spec:\n  v: x|\n"),
        ("x|y", "spec:\n  v: x|y\n"),
        ("x |", "spec:\n  v: x |\n"),
        ("| x", "spec:\n  v: '| x'\n"),
        ("x | y", "spec:\n  v: x | y\n"),
        ("x| y", "spec:\n  v: x| y\n"),
        ("||", "spec:\n  v: '||'\n"),
        ("|\tx", "spec:\n  v: \"|\\tx\"\n"),
        ("x |y", "spec:\n  v: x |y\n"),
        ("|-", "spec:\n  v: '|-'\n"),
        ("}", "spec:\n  v: '}'\n"),
        ("}x", "spec:\n  v: '}x'\n"),
        ("x}", "spec:\n  v: x}\n"),
        ("x}y", "spec:\n  v: x}y\n"),
        ("x }", "spec:\n  v: x }\n"),
        ("} x", "spec:\n  v: '} x'\n"),
        ("x } y", "spec:\n  v: x } y\n"),
        ("x} y", "spec:\n  v: x} y\n"),
        ("}}", "spec:\n  v: '}}'\n"),
        ("}\tx", "spec:\n  v: \"}\\tx\"\n"),
        ("x }y", "spec:\n  v: x }y\n"),
        ("}-", "spec:\n  v: '}-'\n"),
        ("~x", "spec:\n  v: ~x\n"),
        ("x~", "spec:\n  v: x~\n"),
        ("x~y", "spec:\n  v: x~y\n"),
        ("x ~", "spec:\n  v: x ~\n"),
        ("~ x", "spec:\n  v: ~ x\n"),
        ("x ~ y", "spec:\n  v: x ~ y\n"),
        ("x~ y", "spec:\n  v: x~ y\n"),
        ("~~", "spec:\n  v: ~~\n"),
        ("~\tx", "spec:\n  v: \"~\\tx\"\n"),
        ("x ~y", "spec:\n  v: x ~y\n"),
        ("~-", "spec:\n  v: ~-\n"),
        ("---", "spec:\n  v: '---'\n"),
        ("---x", "spec:\n  v: '---x'\n"),
        ("--- x", "spec:\n  v: '--- x'\n"),
        ("...x", "spec:\n  v: '...x'\n"),
        ("-- x", "spec:\n  v: -- x\n"),
        ("a:b", "spec:\n  v: a:b\n"),
        ("a,b", "spec:\n  v: a,b\n"),
        ("<a>&</a>", "spec:\n  v: <a>&</a>\n"),
        ("say \"hi\"", "spec:\n  v: say \"hi\"\n"),
        ("it's", "spec:\n  v: it's\n"),
        ("a'b'c", "spec:\n  v: a'b'c\n"),
        ("- ", "spec:\n  v: '- '\n"),
        ("? ", "spec:\n  v: '? '\n"),
        (": ", "spec:\n  v: ': '\n"),
        ("x:\ty", "spec:\n  v: \"x:\\ty\"\n"),
        ("x\t#y", "spec:\n  v: \"x\\t#y\"\n"),
        ("a: b: c", "spec:\n  v: 'a: b: c'\n"),
        ("key: value", "spec:\n  v: 'key: value'\n"),
        ("http://example.com/a?b=c#d", "spec:\n  v: http://example.com/a?b=c#d\n"),
        ("https://x:8080/", "spec:\n  v: https://x:8080/\n"),
        ("a=b,c=d", "spec:\n  v: a=b,c=d\n"),
        ("foo@bar.com", "spec:\n  v: foo@bar.com\n"),
        ("${VAR}", "spec:\n  v: ${VAR}\n"),
        ("$(VAR)", "spec:\n  v: $(VAR)\n"),
        ("{{ .Values }}", "spec:\n  v: '{{ .Values }}'\n"),
        ("[1, 2]", "spec:\n  v: '[1, 2]'\n"),
        ("{a: 1}", "spec:\n  v: '{a: 1}'\n"),
        ("!!str x", "spec:\n  v: '!!str x'\n"),
        ("`x`", "spec:\n  v: '`x`'\n"),
        (" ", "spec:\n  v: ' '\n"),
        ("  ", "spec:\n  v: '  '\n"),
        (" x", "spec:\n  v: ' x'\n"),
        ("x ", "spec:\n  v: 'x '\n"),
        (" x ", "spec:\n  v: ' x '\n"),
        ("x  y", "spec:\n  v: x  y\n"),
        ("x   y", "spec:\n  v: x   y\n"),
        ("\t", "spec:\n  v: \"\\t\"\n"),
        ("\tx", "spec:\n  v: \"\\tx\"\n"),
        ("x\t", "spec:\n  v: \"x\\t\"\n"),
        ("a\tb", "spec:\n  v: \"a\\tb\"\n"),
        ("\u{a0}", "spec:\n  v: \u{a0}\n"),
        ("x\u{a0}", "spec:\n  v: x\u{a0}\n"),
        ("\u{a0}x", "spec:\n  v: \u{a0}x\n"),
        ("\u{3000}x", "spec:\n  v: \u{3000}x\n"),
        ("x\u{3000}", "spec:\n  v: x\u{3000}\n"),
        ("\u{e9}", "spec:\n  v: \u{e9}\n"),
        ("\u{2603}", "spec:\n  v: \u{2603}\n"),
        ("na\u{ef}ve caf\u{e9}", "spec:\n  v: na\u{ef}ve caf\u{e9}\n"),
        ("\u{65e5}\u{672c}\u{8a9e}", "spec:\n  v: \u{65e5}\u{672c}\u{8a9e}\n"),
        ("\u{85}", "spec:\n  v: ' '\n"),
        ("x\u{85}y", "spec:\n  v: x y\n"),
        ("\u{2028}", "spec:\n  v: '\u{2028}'\n"),
        ("x\u{2028}y", "spec:\n  v: 'x\u{2028}    y'\n"),
        ("x\u{2029}y", "spec:\n  v: 'x\u{2029}    y'\n"),
        ("x \u{2028}y", "spec:\n  v: \"x \\Ly\"\n"),
        ("x\u{2028} y", "spec:\n  v: \"x\\L y\"\n"),
        ("\u{2028}x", "spec:\n  v: '\u{2028}    x'\n"),
        ("x\u{2028}", "spec:\n  v: 'x\u{2028}'\n"),
        ("\u{feff}", "spec:\n  v: \"\\uFEFF\"\n"),
        ("\u{feff}x", "spec:\n  v: \"\\uFEFF\\x78\"\n"),
        ("x\u{feff}", "spec:\n  v: \"x\\uFEFF\"\n"),
        ("\u{feff}a b\"c", "spec:\n  v: \"\\uFEFF\\x61\\x20\\x62\\\"\\x63\"\n"),
        ("\u{fffd}", "spec:\n  v: \u{fffd}\n"),
        ("\u{e000}", "spec:\n  v: \u{e000}\n"),
        ("\u{d7ff}", "spec:\n  v: \u{d7ff}\n"),
        ("\u{1f600}", "spec:\n  v: \"\\U0001F600\"\n"),
        ("\u{1f600} x", "spec:\n  v: \"\\U0001F600 x\"\n"),
        ("x\u{1f600}", "spec:\n  v: \"x\\U0001F600\"\n"),
        ("a\u{1}b", "spec:\n  v: \"a\\x01b\"\n"),
        ("\u{0}", "spec:\n  v: \"\\0\"\n"),
        ("a\u{7}b\u{8}c\u{b}d\u{c}e\u{1b}f", "spec:\n  v: \"a\\ab\\bc\\vd\\fe\\ef\"\n"),
        ("\u{ff}", "spec:\n  v: \u{ff}\n"),
        ("\u{100}", "spec:\n  v: \u{100}\n"),
        ("a\u{d}b", "spec:\n  v: \"a\\rb\"\n"),
        ("\u{d}", "spec:\n  v: \"\\r\"\n"),
        ("\u{200b}", "spec:\n  v: \u{200b}\n"),
        ("\u{200d}", "spec:\n  v: \u{200d}\n"),
        ("\u{3a9}\u{2248}\u{e7}\u{221a}", "spec:\n  v: \u{3a9}\u{2248}\u{e7}\u{221a}\n"),
        ("\u{10000}", "spec:\n  v: \"\\U00010000\"\n"),
        ("\u{10ffff}", "spec:\n  v: \"\\U0010FFFF\"\n"),
        ("x\u{1f600}\ty", "spec:\n  v: \"x\\U0001F600\\ty\"\n"),
        ("\n", "spec:\n  v: |2+\n\n"),
        ("\n\n", "spec:\n  v: |2+\n\n\n"),
        ("\n\n\n", "spec:\n  v: |2+\n\n\n\n"),
        ("a\n", "spec:\n  v: |\n    a\n"),
        ("a\n\n", "spec:\n  v: |+\n    a\n\n"),
        ("a\n\n\n", "spec:\n  v: |+\n    a\n\n\n"),
        ("a\nb", "spec:\n  v: |-\n    a\n    b\n"),
        ("a\nb\n", "spec:\n  v: |\n    a\n    b\n"),
        ("a\nb\n\n", "spec:\n  v: |+\n    a\n    b\n\n"),
        ("\na", "spec:\n  v: |2-\n\n    a\n"),
        ("\na\n", "spec:\n  v: |2\n\n    a\n"),
        (" a\nb", "spec:\n  v: |2-\n     a\n    b\n"),
        (" a\nb\n", "spec:\n  v: |2\n     a\n    b\n"),
        ("  a\n b\n", "spec:\n  v: |2\n      a\n     b\n"),
        ("a\n b", "spec:\n  v: |-\n    a\n     b\n"),
        ("a\n\n b", "spec:\n  v: |-\n    a\n\n     b\n"),
        ("a \nb", "spec:\n  v: \"a \\nb\"\n"),
        ("a\n \nb", "spec:\n  v: \"a\\n \\nb\"\n"),
        ("a\nb ", "spec:\n  v: \"a\\nb \"\n"),
        ("a\nb \n", "spec:\n  v: \"a\\nb \\n\"\n"),
        ("a\t\nb", "spec:\n  v: \"a\\t\\nb\"\n"),
        ("a\n\tb", "spec:\n  v: \"a\\n\\tb\"\n"),
        ("\ta\nb", "spec:\n  v: \"\\ta\\nb\"\n"),
        ("a\u{d}\nb", "spec:\n  v: \"a\\r\\nb\"\n"),
        ("a\nb\u{d}", "spec:\n  v: \"a\\nb\\r\"\n"),
        ("line1  \nline2", "spec:\n  v: \"line1  \\nline2\"\n"),
        ("#a\nb", "spec:\n  v: |-\n    #a\n    b\n"),
        ("- a\n- b", "spec:\n  v: |-\n    - a\n    - b\n"),
        ("a: b\nc: d", "spec:\n  v: |-\n    a: b\n    c: d\n"),
        ("'a'\n", "spec:\n  v: |\n    'a'\n"),
        ("\"a\"\nb", "spec:\n  v: |-\n    \"a\"\n    b\n"),
        ("a\n\u{2028}b", "spec:\n  v: |-\n    a\n\u{2028}    b\n"),
        ("a\u{2028}\nb", "spec:\n  v: |-\n    a\u{2028}\n    b\n"),
        ("a\n\u{85}b", "spec:\n  v: |-\n    a\n     b\n"),
        ("a\n\u{1f600}", "spec:\n  v: \"a\\n\\U0001F600\"\n"),
        ("x\nx\nx\nx\nx\n", "spec:\n  v: |\n    x\n    x\n    x\n    x\n    x\n"),
        ("\n a", "spec:\n  v: |2-\n\n     a\n"),
        ("\n\na", "spec:\n  v: |2-\n\n\n    a\n"),
        (" \n", "spec:\n  v: \" \\n\"\n"),
        ("a\n ", "spec:\n  v: \"a\\n \"\n"),
        ("a\n \n", "spec:\n  v: \"a\\n \\n\"\n"),
        ("\u{a0}\na", "spec:\n  v: |-\n    \u{a0}\n    a\n"),
        ("a\n\n\nb\n\n", "spec:\n  v: |+\n    a\n\n\n    b\n\n"),
        ("---\nx", "spec:\n  v: |-\n    ---\n    x\n"),
        ("...\n", "spec:\n  v: |\n    ...\n"),
        ("a\n---\nb", "spec:\n  v: |-\n    a\n    ---\n    b\n"),
        ("a\n...\nb", "spec:\n  v: |-\n    a\n    ...\n    b\n"),
        ("w w w w w w w w w w", "spec:\n  v: w w w w w w w w w w\n"),
        ("w w w w w w w w w w w w w w", "spec:\n  v: w w w w w w w w w w w w w w\n"),
        ("w w w w w w w w w w w w w w w", "spec:\n  v: w w w w w w w w w w w w w w w\n"),
        ("w w w w w w w w w w w w w w w w", "spec:\n  v: w w w w w w w w w w w w w w w w\n"),
        ("w w w w w w w w w w w w w w w w w", "spec:\n  v: w w w w w w w w w w w w w w w w w\n"),
        ("w w w w w w w w w w w w w w w w w w w w w w w w w", "spec:\n  v: w w w w w w w w w w w w w w w w w w w w w w w w w\n"),
        ("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9", "spec:\n  v: w0 w1 w2 w3 w4 w5 w6 w7 w8 w9\n"),
        ("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3", "spec:\n  v: w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3\n"),
        ("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3 w4", "spec:\n  v: w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3 w4\n"),
        ("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3 w4 w5", "spec:\n  v: w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3 w4 w5\n"),
        ("w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3 w4 w5 w6", "spec:\n  v: w0 w1 w2 w3 w4 w5 w6 w7 w8 w9 w0 w1 w2 w3 w4 w5 w6\n"),
        ("w00 w01 w02 w03 w04 w05 w06 w07 w08 w09", "spec:\n  v: w00 w01 w02 w03 w04 w05 w06 w07 w08 w09\n"),
        ("w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13", "spec:\n  v: w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13\n"),
        ("w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13 w14", "spec:\n  v: w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13 w14\n"),
        ("w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13 w14 w15", "spec:\n  v: w00 w01 w02 w03 w04 w05 w06 w07 w08 w09 w10 w11 w12 w13 w14 w15\n"),
        ("w0000 w0001 w0002 w0003 w0004 w0005 w0006 w0007 w0008 w0009", "spec:\n  v: w0000 w0001 w0002 w0003 w0004 w0005 w0006 w0007 w0008 w0009\n"),
        ("w0000 w0001 w0002 w0003 w0004 w0005 w0006 w0007 w0008 w0009 w0010 w0011 w0012 w0013 w0014 w0015 w0016 w0017 w0018 w0019 w0020 w0021 w0022 w0023 w0024 w0025 w0026 w0027 w0028 w0029 w0030 w0031 w0032 w0033 w0034 w0035 w0036 w0037 w0038 w0039", "spec:\n  v: w0000 w0001 w0002 w0003 w0004 w0005 w0006 w0007 w0008 w0009 w0010 w0011 w0012\n    w0013 w0014 w0015 w0016 w0017 w0018 w0019 w0020 w0021 w0022 w0023 w0024 w0025\n    w0026 w0027 w0028 w0029 w0030 w0031 w0032 w0033 w0034 w0035 w0036 w0037 w0038\n    w0039\n"),
        ("w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007 w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014", "spec:\n  v: w00000000 w00000001 w00000002 w00000003 w00000004 w00000005 w00000006 w00000007\n    w00000008 w00000009 w00000010 w00000011 w00000012 w00000013 w00000014\n"),
        ("w00000000000 w00000000001 w00000000002 w00000000003 w00000000004 w00000000005 w00000000006 w00000000007 w00000000008 w00000000009 w00000000010 w00000000011 w00000000012 w00000000013 w00000000014 w00000000015 w00000000016 w00000000017 w00000000018 w00000000019 w00000000020 w00000000021 w00000000022 w00000000023 w00000000024", "spec:\n  v: w00000000000 w00000000001 w00000000002 w00000000003 w00000000004 w00000000005\n    w00000000006 w00000000007 w00000000008 w00000000009 w00000000010 w00000000011\n    w00000000012 w00000000013 w00000000014 w00000000015 w00000000016 w00000000017\n    w00000000018 w00000000019 w00000000020 w00000000021 w00000000022 w00000000023\n    w00000000024\n"),
        ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y", "spec:\n  v: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx y\n"),
        ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "spec:\n  v: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"),
        ("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9} b c d \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}", "spec:\n  v: \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9} b\n    c d \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\n"),
        ("\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9} b c d \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}", "spec:\n  v: \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\n    b c d \u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\n"),
        ("\u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} \u{1f600} x", "spec:\n  v: \"\\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600\n    \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600\n    \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600\n    \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600\n    \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600 \\U0001F600\n    \\U0001F600 x\"\n"),
        ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy z z", "spec:\n  v: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n    z z\n"),
        ("xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy z z", "spec:\n  v: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy\n    z z\n"),
        ("it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's x", "spec:\n  v: it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's\n    it's x\n"),
        ("it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's x", "spec:\n  v: it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's it's\n    it's it's x\n"),
        ("ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab c\nd c\nd c\nd ", "spec:\n  v: \"ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab\n    ab ab ab ab ab ab ab c\\nd c\\nd c\\nd \"\n"),
        (" ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab c ", "spec:\n  v: ' ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab\n    ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab\n    ab ab c '\n"),
        ("a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  b", "spec:\n  v: a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  a  b\n"),
        ("a \u{85} b", "spec:\n  v: a b\n"),
        ("a\u{85}\u{85}b", "spec:\n  v: |-\n    a\n    b\n"),
        ("a\u{85}\u{85}\u{85}b", "spec:\n  v: |-\n    a\n\n    b\n"),
        (" \u{85}", "spec:\n  v: ' '\n"),
        ("\u{85}\u{85}", "spec:\n  v: |2+\n\n"),
        ("a\u{85} \u{85}b", "spec:\n  v: |-\n    a\n    b\n"),
        ("a \u{85}\u{85} b", "spec:\n  v: |-\n    a\n    b\n"),
        ("a\u{85}\nb", "spec:\n  v: \"a \\nb\"\n"),
        ("a\n\u{85}\nb", "spec:\n  v: \"a\\n \\nb\"\n"),
        ("\u{85}a\u{85}", "spec:\n  v: ' a '\n"),
        ("a  \u{85}  b  \u{85}", "spec:\n  v: 'a b '\n"),
    ];
    /// (input string, kubectl output for `{"spec": {"k": {input: 1, "z"+input: {input: input}}}}`).
    const KEY_CASES: &[(&str, &str)] = &[
        ("y", "spec:\n  k:\n    \"y\": 1\n    zy:\n      \"y\": \"y\"\n"),
        ("N", "spec:\n  k:\n    \"N\": 1\n    zN:\n      \"N\": \"N\"\n"),
        ("TRUE", "spec:\n  k:\n    \"TRUE\": 1\n    zTRUE:\n      \"TRUE\": \"TRUE\"\n"),
        ("ON", "spec:\n  k:\n    \"ON\": 1\n    zON:\n      \"ON\": \"ON\"\n"),
        ("Null", "spec:\n  k:\n    \"Null\": 1\n    zNull:\n      \"Null\": \"Null\"\n"),
        ("=", "spec:\n  k:\n    =: 1\n    z=:\n      =: =\n"),
        ("nil", "spec:\n  k:\n    nil: 1\n    znil:\n      nil: nil\n"),
        ("null0", "spec:\n  k:\n    null0: 1\n    znull0:\n      null0: null0\n"),
        (".INF", "spec:\n  k:\n    \".INF\": 1\n    z.INF:\n      \".INF\": \".INF\"\n"),
        ("nan", "spec:\n  k:\n    nan: 1\n    znan:\n      nan: nan\n"),
        ("+Infinity", "spec:\n  k:\n    +Infinity: 1\n    z+Infinity:\n      +Infinity: +Infinity\n"),
        ("01", "spec:\n  k:\n    \"01\": 1\n    z01:\n      \"01\": \"01\"\n"),
        ("0x1F", "spec:\n  k:\n    \"0x1F\": 1\n    z0x1F:\n      \"0x1F\": \"0x1F\"\n"),
        ("0b101", "spec:\n  k:\n    \"0b101\": 1\n    z0b101:\n      \"0b101\": \"0b101\"\n"),
        ("-0b101", "spec:\n  k:\n    \"-0b101\": 1\n    z-0b101:\n      \"-0b101\": \"-0b101\"\n"),
        ("+1", "spec:\n  k:\n    \"+1\": 1\n    z+1:\n      \"+1\": \"+1\"\n"),
        ("0.", "spec:\n  k:\n    \"0.\": 1\n    z0.:\n      \"0.\": \"0.\"\n"),
        ("...", "spec:\n  k:\n    '...': 1\n    z...:\n      '...': '...'\n"),
        ("e1", "spec:\n  k:\n    e1: 1\n    ze1:\n      e1: e1\n"),
        ("1_0.5", "spec:\n  k:\n    \"1_0.5\": 1\n    z1_0.5:\n      \"1_0.5\": \"1_0.5\"\n"),
        ("9223372036854775807", "spec:\n  k:\n    \"9223372036854775807\": 1\n    z9223372036854775807:\n      \"9223372036854775807\": \"9223372036854775807\"\n"),
        ("+9223372036854775808", "spec:\n  k:\n    \"+9223372036854775808\": 1\n    z+9223372036854775808:\n      \"+9223372036854775808\": \"+9223372036854775808\"\n"),
        ("1+2", "spec:\n  k:\n    1+2: 1\n    z1+2:\n      1+2: 1+2\n"),
        ("100m", "spec:\n  k:\n    100m: 1\n    z100m:\n      100m: 100m\n"),
        ("0777", "spec:\n  k:\n    \"0777\": 1\n    z0777:\n      \"0777\": \"0777\"\n"),
        ("+.", "spec:\n  k:\n    +.: 1\n    z+.:\n      +.: +.\n"),
        ("2001-12-14T00:00:00Z", "spec:\n  k:\n    \"2001-12-14T00:00:00Z\": 1\n    z2001-12-14T00:00:00Z:\n      \"2001-12-14T00:00:00Z\": \"2001-12-14T00:00:00Z\"\n"),
        ("2001-02-29", "spec:\n  k:\n    2001-02-29: 1\n    z2001-02-29:\n      2001-02-29: 2001-02-29\n"),
        ("2001-1-32", "spec:\n  k:\n    2001-1-32: 1\n    z2001-1-32:\n      2001-1-32: 2001-1-32\n"),
        ("2001-1-1x", "spec:\n  k:\n    2001-1-1x: 1\n    z2001-1-1x:\n      2001-1-1x: 2001-1-1x\n"),
        ("2001-1-1T1:2:3+0100", "spec:\n  k:\n    2001-1-1T1:2:3+0100: 1\n    z2001-1-1T1:2:3+0100:\n      2001-1-1T1:2:3+0100: 2001-1-1T1:2:3+0100\n"),
        ("2001-1-1T1:2:3.Z", "spec:\n  k:\n    2001-1-1T1:2:3.Z: 1\n    z2001-1-1T1:2:3.Z:\n      2001-1-1T1:2:3.Z: 2001-1-1T1:2:3.Z\n"),
        ("2001-1-1t1:2:3z", "spec:\n  k:\n    2001-1-1t1:2:3z: 1\n    z2001-1-1t1:2:3z:\n      2001-1-1t1:2:3z: 2001-1-1t1:2:3z\n"),
        ("01:30", "spec:\n  k:\n    \"01:30\": 1\n    z01:30:\n      \"01:30\": \"01:30\"\n"),
        ("1_0:20", "spec:\n  k:\n    \"1_0:20\": 1\n    z1_0:20:\n      \"1_0:20\": \"1_0:20\"\n"),
        ("1:020", "spec:\n  k:\n    1:020: 1\n    z1:020:\n      1:020: 1:020\n"),
        ("12:3 ", "spec:\n  k:\n    '12:3 ': 1\n    'z12:3 ':\n      '12:3 ': '12:3 '\n"),
        ("x!", "spec:\n  k:\n    x!: 1\n    zx!:\n      x!: x!\n"),
        ("!!", "spec:\n  k:\n    '!!': 1\n    z!!:\n      '!!': '!!'\n"),
        ("x\"", "spec:\n  k:\n    x\": 1\n    zx\":\n      x\": x\"\n"),
        ("\"\"", "spec:\n  k:\n    '\"\"': 1\n    z\"\":\n      '\"\"': '\"\"'\n"),
        ("x#", "spec:\n  k:\n    x#: 1\n    zx#:\n      x#: x#\n"),
        ("##", "spec:\n  k:\n    '##': 1\n    z##:\n      '##': '##'\n"),
        ("x$", "spec:\n  k:\n    x$: 1\n    zx$:\n      x$: x$\n"),
        ("$$", "spec:\n  k:\n    $$: 1\n    z$$:\n      $$: $$\n"),
        ("x%", "spec:\n  k:\n    x%: 1\n    zx%:\n      x%: x%\n"),
        ("%%", "spec:\n  k:\n    '%%': 1\n    z%%:\n      '%%': '%%'\n"),
        ("x&", "spec:\n  k:\n    x&: 1\n    zx&:\n      x&: x&\n"),
        ("&&", "spec:\n  k:\n    '&&': 1\n    z&&:\n      '&&': '&&'\n"),
        ("x'", "spec:\n  k:\n    x': 1\n    zx':\n      x': x'\n"),
        ("''", "spec:\n  k:\n    '''''': 1\n    z'':\n      '''''': ''''''\n"),
        ("x(", "spec:\n  k:\n    x(: 1\n    zx(:\n      x(: x(\n"),
        ("((", "spec:\n  k:\n    ((: 1\n    z((:\n      ((: ((\n"),
        ("x)", "spec:\n  k:\n    x): 1\n    zx):\n      x): x)\n"),
        ("))", "spec:\n  k:\n    )): 1\n    z)):\n      )): ))\n"),
        ("x*", "spec:\n  k:\n    x*: 1\n    zx*:\n      x*: x*\n"),
        ("**", "spec:\n  k:\n    '**': 1\n    z**:\n      '**': '**'\n"),
        ("x+y", "spec:\n  k:\n    x+y: 1\n    zx+y:\n      x+y: x+y\n"),
        ("+\tx", "spec:\n  k:\n    \"+\\tx\": 1\n    \"z+\\tx\":\n      \"+\\tx\": \"+\\tx\"\n"),
        ("x,y", "spec:\n  k:\n    x,y: 1\n    zx,y:\n      x,y: x,y\n"),
        (",\tx", "spec:\n  k:\n    \",\\tx\": 1\n    \"z,\\tx\":\n      \",\\tx\": \",\\tx\"\n"),
        ("x -", "spec:\n  k:\n    x -: 1\n    zx -:\n      x -: x -\n"),
        ("x -y", "spec:\n  k:\n    x -y: 1\n    zx -y:\n      x -y: x -y\n"),
        ("x . y", "spec:\n  k:\n    x . y: 1\n    zx . y:\n      x . y: x . y\n"),
        ("/x", "spec:\n  k:\n    /x: 1\n    z/x:\n      /x: /x\n"),
        ("x/ y", "spec:\n  k:\n    x/ y: 1\n    zx/ y:\n      x/ y: x/ y\n"),
        (":x", "spec:\n  k:\n    :x: 1\n    z:x:\n      :x: :x\n"),
        ("x: y", "spec:\n  k:\n    'x: y': 1\n    'zx: y':\n      'x: y': 'x: y'\n"),
        (";x", "spec:\n  k:\n    ;x: 1\n    z;x:\n      ;x: ;x\n"),
        ("x; y", "spec:\n  k:\n    x; y: 1\n    zx; y:\n      x; y: x; y\n"),
        ("x<", "spec:\n  k:\n    x<: 1\n    zx<:\n      x<: x<\n"),
        ("<\tx", "spec:\n  k:\n    \"<\\tx\": 1\n    \"z<\\tx\":\n      \"<\\tx\": \"<\\tx\"\n"),
        ("x =", "spec:\n  k:\n    x =: 1\n    zx =:\n      x =: x =\n"),
        ("x =y", "spec:\n  k:\n    x =y: 1\n    zx =y:\n      x =y: x =y\n"),
        ("x >", "spec:\n  k:\n    x >: 1\n    zx >:\n      x >: x >\n"),
        ("x >y", "spec:\n  k:\n    x >y: 1\n    zx >y:\n      x >y: x >y\n"),
        ("x ?", "spec:\n  k:\n    x ?: 1\n    zx ?:\n      x ?: x ?\n"),
        ("x ?y", "spec:\n  k:\n    x ?y: 1\n    zx ?y:\n      x ?y: x ?y\n"),
        ("x @", "spec:\n  k:\n    x @: 1\n    zx @:\n      x @: x @\n"),
        ("x @y", "spec:\n  k:\n    x @y: 1\n    zx @y:\n      x @y: x @y\n"),
        ("x [", "spec:\n  k:\n    x [: 1\n    zx [:\n      x [: x [\n"),
        ("x [y", "spec:\n  k:\n    x [y: 1\n    zx [y:\n      x [y: x [y\n"),
        ("x \\", "spec:\n  k:\n    x \\: 1\n    zx \\:\n      x \\: x \\\n"),
        ("x \\y", "spec:\n  k:\n    x \\y: 1\n    zx \\y:\n      x \\y: x \\y\n"),
        ("x ]", "spec:\n  k:\n    x ]: 1\n    zx ]:\n      x ]: x ]\n"),
        ("x ]y", "spec:\n  k:\n    x ]y: 1\n    zx ]y:\n      x ]y: x ]y\n"),
        ("x ^", "spec:\n  k:\n    x ^: 1\n    zx ^:\n      x ^: x ^\n"),
        ("x ^y", "spec:\n  k:\n    x ^y: 1\n    zx ^y:\n      x ^y: x ^y\n"),
        ("x _", "spec:\n  k:\n    x _: 1\n    zx _:\n      x _: x _\n"),
        ("x _y", "spec:\n  k:\n    x _y: 1\n    zx _y:\n      x _y: x _y\n"),
        ("x `", "spec:\n  k:\n    x `: 1\n    zx `:\n      x `: x `\n"),
        ("x `y", "spec:\n  k:\n    x `y: 1\n    zx `y:\n      x `y: x `y\n"),
        ("x {", "spec:\n  k:\n    x {: 1\n    zx {:\n      x {: x {\n"),
        ("x {y", "spec:\n  k:\n    x {y: 1\n    zx {y:\n      x {y: x {y\n"),
        ("x |", "spec:\n  k:\n    x |: 1\n    zx |:\n      x |: x |\n"),
        ("x |y", "spec:\n  k:\n    x |y: 1\n    zx |y:\n      x |y: x |y\n"),
        ("x }", "spec:\n  k:\n    x }: 1\n    zx }:\n      x }: x }\n"),
        ("x }y", "spec:\n  k:\n    x }y: 1\n    zx }y:\n      x }y: x }y\n"),
        ("~ x", "spec:\n  k:\n    ~ x: 1\n    z~ x:\n      ~ x: ~ x\n"),
        ("~-", "spec:\n  k:\n    ~-: 1\n    z~-:\n      ~-: ~-\n"),
        ("a:b", "spec:\n  k:\n    a:b: 1\n    za:b:\n      a:b: a:b\n"),
        ("- ", "spec:\n  k:\n    '- ': 1\n    'z- ':\n      '- ': '- '\n"),
        ("key: value", "spec:\n  k:\n    'key: value': 1\n    'zkey: value':\n      'key: value': 'key: value'\n"),
        ("$(VAR)", "spec:\n  k:\n    $(VAR): 1\n    z$(VAR):\n      $(VAR): $(VAR)\n"),
        (" ", "spec:\n  k:\n    ' ': 1\n    'z ':\n      ' ': ' '\n"),
        ("x   y", "spec:\n  k:\n    x   y: 1\n    zx   y:\n      x   y: x   y\n"),
        ("x\u{a0}", "spec:\n  k:\n    x\u{a0}: 1\n    zx\u{a0}:\n      x\u{a0}: x\u{a0}\n"),
        ("na\u{ef}ve caf\u{e9}", "spec:\n  k:\n    na\u{ef}ve caf\u{e9}: 1\n    zna\u{ef}ve caf\u{e9}:\n      na\u{ef}ve caf\u{e9}: na\u{ef}ve caf\u{e9}\n"),
        ("x\u{2029}y", "spec:\n  k:\n    ? 'x\u{2029}      y'\n    : 1\n    ? 'zx\u{2029}      y'\n    : ? 'x\u{2029}        y'\n      : 'x\u{2029}        y'\n"),
        ("\u{feff}x", "spec:\n  k:\n    \"\\uFEFF\\x78\": 1\n    \"z\\uFEFFx\":\n      \"\\uFEFF\\x78\": \"\\uFEFF\\x78\"\n"),
        ("\u{1f600}", "spec:\n  k:\n    \"\\U0001F600\": 1\n    \"z\\U0001F600\":\n      \"\\U0001F600\": \"\\U0001F600\"\n"),
        ("\u{ff}", "spec:\n  k:\n    z\u{ff}:\n      \u{ff}: \u{ff}\n    \u{ff}: 1\n"),
        ("\u{3a9}\u{2248}\u{e7}\u{221a}", "spec:\n  k:\n    z\u{3a9}\u{2248}\u{e7}\u{221a}:\n      \u{3a9}\u{2248}\u{e7}\u{221a}: \u{3a9}\u{2248}\u{e7}\u{221a}\n    \u{3a9}\u{2248}\u{e7}\u{221a}: 1\n"),
        ("\n\n\n", "spec:\n  k:\n    ? |2+\n\n\n\n    : 1\n    ? |+\n      z\n\n\n    : ? |2+\n\n\n\n      : |2+\n\n\n\n"),
        ("a\nb\n\n", "spec:\n  k:\n    ? |+\n      a\n      b\n\n    : 1\n    ? |+\n      za\n      b\n\n    : ? |+\n        a\n        b\n\n      : |+\n        a\n        b\n\n"),
        ("a\n b", "spec:\n  k:\n    ? |-\n      a\n       b\n    : 1\n    ? |-\n      za\n       b\n    : ? |-\n        a\n         b\n      : |-\n        a\n         b\n"),
        ("a\t\nb", "spec:\n  k:\n    ? \"a\\t\\nb\"\n    : 1\n    ? \"za\\t\\nb\"\n    : ? \"a\\t\\nb\"\n      : \"a\\t\\nb\"\n"),
        ("#a\nb", "spec:\n  k:\n    ? |-\n      #a\n      b\n    : 1\n    ? |-\n      z#a\n      b\n    : ? |-\n        #a\n        b\n      : |-\n        #a\n        b\n"),
        ("a\u{2028}\nb", "spec:\n  k:\n    ? |-\n      a\u{2028}\n      b\n    : 1\n    ? |-\n      za\u{2028}\n      b\n    : ? |-\n        a\u{2028}\n        b\n      : |-\n        a\u{2028}\n        b\n"),
        (" \n", "spec:\n  k:\n    ? \" \\n\"\n    : 1\n    ? \"z \\n\"\n    : ? \" \\n\"\n      : \" \\n\"\n"),
        ("...\n", "spec:\n  k:\n    ? |\n      ...\n    : 1\n    ? |\n      z...\n    : ? |\n        ...\n      : |\n        ...\n"),
        ("w w w w w w w w w w w w w w w w", "spec:\n  k:\n    w w w w w w w w w w w w w w w w: 1\n    zw w w w w w w w w w w w w w w w:\n      w w w w w w w w w w w w w w w w: w w w w w w w w w w w w w w w w\n"),
    ];
    /// (JSON document, kubectl output), verified with kubectl v1.32.4.
    const DOC_CASES: &[(&str, &str)] = &[
        ("{\"apiVersion\": \"example.com/v1\", \"kind\": \"Thing\", \"metadata\": {\"name\": \"u-key-000\"}, \"spec\": {\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": [1, 2], \"zkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {\"a\": 1}}, \"ykkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"multi\\nline\\n\", \"xkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\", \"wkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": [[\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"]], \"vkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {}}}", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: u-key-000\nspec:\n  kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:\n  - 1\n  - 2\n  vkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: {}\n  wkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:\n  - - kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  xkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: word\n    word word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word end\n  ykkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk: |\n    multi\n    line\n  zkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:\n    kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:\n      a: 1\n"),
        ("{\"apiVersion\": \"example.com/v1\", \"kind\": \"Thing\", \"metadata\": {\"name\": \"u-key-001\"}, \"spec\": {\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": [1, 2], \"zkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {\"a\": 1}}, \"ykkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"multi\\nline\\n\", \"xkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\", \"wkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": [[\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"]], \"vkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {}}}", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: u-key-001\nspec:\n  kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:\n  - 1\n  - 2\n  ? vkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : {}\n  ? wkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : - - kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  ? xkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : word word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word word end\n  ? ykkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : |\n    multi\n    line\n  ? zkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk:\n      a: 1\n"),
        ("{\"apiVersion\": \"example.com/v1\", \"kind\": \"Thing\", \"metadata\": {\"name\": \"u-key-002\"}, \"spec\": {\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": [1, 2], \"zkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {\"a\": 1}}, \"ykkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"multi\\nline\\n\", \"xkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\", \"wkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": [[\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\"]], \"vkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\": {}}}", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: u-key-002\nspec:\n  ? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : - 1\n    - 2\n  ? vkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : {}\n  ? wkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : - - kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  ? xkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : word word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word word end\n  ? ykkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : |\n    multi\n    line\n  ? zkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n  : ? kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk\n    : a: 1\n"),
        ("{\"apiVersion\": \"example.com/v1\", \"kind\": \"Thing\", \"metadata\": {\"name\": \"u-key-005\"}, \"spec\": {\"a\\nb\": [1, 2], \"za\\nb\": {\"a\\nb\": {\"a\": 1}}, \"ya\\nb\": \"multi\\nline\\n\", \"xa\\nb\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\", \"wa\\nb\": [[\"a\\nb\"]], \"va\\nb\": {}}}", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: u-key-005\nspec:\n  ? |-\n    a\n    b\n  : - 1\n    - 2\n  ? |-\n    va\n    b\n  : {}\n  ? |-\n    wa\n    b\n  : - - |-\n        a\n        b\n  ? |-\n    xa\n    b\n  : word word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word word end\n  ? |-\n    ya\n    b\n  : |\n    multi\n    line\n  ? |-\n    za\n    b\n  : ? |-\n      a\n      b\n    : a: 1\n"),
        ("{\"apiVersion\": \"example.com/v1\", \"kind\": \"Thing\", \"metadata\": {\"name\": \"u-key-010\"}, \"spec\": {\"a\u{2028}b\": [1, 2], \"za\u{2028}b\": {\"a\u{2028}b\": {\"a\": 1}}, \"ya\u{2028}b\": \"multi\\nline\\n\", \"xa\u{2028}b\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\", \"wa\u{2028}b\": [[\"a\u{2028}b\"]], \"va\u{2028}b\": {}}}", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: u-key-010\nspec:\n  ? 'a\u{2028}    b'\n  : - 1\n    - 2\n  ? 'va\u{2028}    b'\n  : {}\n  ? 'wa\u{2028}    b'\n  : - - 'a\u{2028}        b'\n  ? 'xa\u{2028}    b'\n  : word word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word word end\n  ? 'ya\u{2028}    b'\n  : |\n    multi\n    line\n  ? 'za\u{2028}    b'\n  : ? 'a\u{2028}      b'\n    : a: 1\n"),
        ("{\"apiVersion\": \"example.com/v1\", \"kind\": \"Thing\", \"metadata\": {\"name\": \"u-struct-1\"}, \"spec\": {\"a\": {}, \"b\": [], \"c\": null, \"d\": [[]], \"e\": [{}], \"f\": [[[1]]], \"g\": [{\"a\": [1, {\"b\": []}]}], \"h\": true, \"i\": false, \"j\": [null], \"k\": [[{\"x\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\"}]], \"m\": [[\"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\", [\"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\"]]], \"n\": {\"o\": {\"p\": {\"q\": {\"r\": [{\"s\": {\"t\": \"word word word word word word word word word word word word word word word word word word word word word word word word word word word word word word end\"}}]}}}}, \"ml\": [[\"a\\nb\", {\"c\": \"d\\n\"}]], \"z\": [{\"a\": {}, \"b\": []}, [{}], [[]]]}}", "apiVersion: example.com/v1\nkind: Thing\nmetadata:\n  name: u-struct-1\nspec:\n  a: {}\n  b: []\n  c: null\n  d:\n  - []\n  e:\n  - {}\n  f:\n  - - - 1\n  g:\n  - a:\n    - 1\n    - b: []\n  h: true\n  i: false\n  j:\n  - null\n  k:\n  - - x: word word word word word word word word word word word word word word word\n        word word word word word word word word word word word word word word word\n        end\n  m:\n  - - word word word word word word word word word word word word word word word word\n      word word word word word word word word word word word word word word end\n    - - word word word word word word word word word word word word word word word\n        word word word word word word word word word word word word word word word\n        end\n  ml:\n  - - |-\n      a\n      b\n    - c: |\n        d\n  \"n\":\n    o:\n      p:\n        q:\n          r:\n          - s:\n              t: word word word word word word word word word word word word word\n                word word word word word word word word word word word word word word\n                word word word end\n  z:\n  - a: {}\n    b: []\n  - - {}\n  - - []\n"),
    ];
}
