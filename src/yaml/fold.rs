//! What a folded block scalar (`>`) of a resource reads as once kustomize is done with it.
//!
//! kyaml keeps a node's style, and kustomize turns a resource into JSON by encoding its
//! nodes with yaml.v3 and decoding the text again. yaml.v3's folded-scalar emitter
//! decides whether a line break needs a blank line after it (so that the reader keeps
//! it rather than folding it into a space) by looking at the start of the whole value
//! instead of at the next line: when the value starts with a non-blank character, every
//! line break that ends a non-empty line not starting with a blank gets one, including
//! the breaks before more-indented lines, which the reader keeps anyway. Read back, each
//! such break becomes two (`a` then `  b` reads `"a\n\n  b\n"`), and so does a line
//! break before trailing empty lines kept by `>+`. [`refold`] computes that round trip:
//! the emitter's text, read back by the block-scalar rules of the YAML reader.

/// The value a folded scalar read as `value` has after yaml.v3 wrote it as a folded
/// scalar and read it back; `None` when that is `value` itself (including where yaml.v3
/// writes it double-quoted instead: empty, a space before a line break or at the end,
/// or characters it does not print as they are).
pub fn refold(value: &str) -> Option<String> {
    if !value.contains('\n') || !block_allowed(value) {
        return None;
    }
    // Whether the emitter adds a blank line after a text line: decided once, by the
    // first character after any leading line breaks.
    let separates = value
        .trim_start_matches('\n')
        .chars()
        .next()
        .is_some_and(|c| c != ' ' && c != '\t');
    // The lines the emitter writes, without their indentation.
    let pieces: Vec<&str> = value.split('\n').collect();
    let mut lines: Vec<&str> = Vec::with_capacity(pieces.len() * 2);
    let last = pieces.len() - 1;
    for (i, piece) in pieces.iter().enumerate() {
        lines.push(piece);
        if i < last && separates && !piece.is_empty() && !piece.starts_with([' ', '\t']) {
            lines.push("");
        }
    }
    let keep_trailing = value.ends_with("\n\n") || value == "\n";
    if value.ends_with('\n') {
        // The text after the final line break is not a line.
        lines.pop();
    }
    let out = read_folded(&lines, value.ends_with('\n'), keep_trailing);
    (out != value).then_some(out)
}

/// Whether yaml.v3 writes `value`, a block scalar, in a form its own reader refuses: a
/// first line starting with a tab gets no indentation indicator, and the reader then
/// takes the tab for indentation.
pub fn starts_with_tab(value: &str) -> bool {
    value.starts_with('\t') && block_allowed(value)
}

/// Reads the content lines of a folded block scalar (indentation removed, every one
/// ended by a line break) as yaml.v3's scanner does, with clip or keep chomping when
/// `ends_with_break` (strip otherwise).
fn read_folded(lines: &[&str], ends_with_break: bool, keep_trailing: bool) -> String {
    let mut out = String::new();
    let mut started = false;
    let mut leading_blank = false;
    let mut empty_lines = 0usize;
    for line in lines {
        if line.is_empty() {
            empty_lines += 1;
            continue;
        }
        let trailing_blank = line.starts_with([' ', '\t']);
        if started {
            if !leading_blank && !trailing_blank {
                if empty_lines == 0 {
                    out.push(' ');
                }
            } else {
                out.push('\n');
            }
        }
        out.extend(std::iter::repeat_n('\n', empty_lines));
        empty_lines = 0;
        leading_blank = trailing_blank;
        out.push_str(line);
        started = true;
    }
    if ends_with_break {
        if started {
            out.push('\n');
        }
        if keep_trailing {
            out.extend(std::iter::repeat_n('\n', empty_lines));
        }
    }
    out
}

/// Whether yaml.v3 may write `value` as a block scalar: not where a space ends a line
/// or the value, nor with characters it escapes (controls other than tab and line feed,
/// C1 controls, byte-order marks, non-characters, anything past the Basic Multilingual
/// Plane), nor with line or paragraph separators (which it reads as line breaks).
fn block_allowed(value: &str) -> bool {
    !value.ends_with(' ')
        && !value.contains(" \n")
        && value.chars().all(|c| {
            matches!(c, '\n' | '\t' | ' '..='~' | '\u{a0}'..='\u{2027}' | '\u{202a}'..='\u{d7ff}')
                || (('\u{e000}'..='\u{fffd}').contains(&c) && c != '\u{feff}')
        })
}

#[cfg(test)]
mod tests {
    use super::refold;

    #[test]
    fn more_indented_line_after_text_gets_a_blank_line() {
        assert_eq!(refold("a\n  b\n").as_deref(), Some("a\n\n  b\n"));
        assert_eq!(refold("a\n\n  b\n").as_deref(), Some("a\n\n\n  b\n"));
        assert_eq!(refold("a\n  b\nc\n").as_deref(), Some("a\n\n  b\nc\n"));
        assert_eq!(refold("a\n\tb\nc\n").as_deref(), Some("a\n\n\tb\nc\n"));
    }

    #[test]
    fn plain_folding_survives() {
        assert_eq!(refold("a b\nc\n"), None);
        assert_eq!(refold("a b\n"), None);
        assert_eq!(refold("  a\n  b\n"), None);
    }

    #[test]
    fn kept_trailing_lines_gain_one() {
        assert_eq!(refold("a\n\n").as_deref(), Some("a\n\n\n"));
    }

    #[test]
    fn leading_blank_value_loses_its_separations() {
        // The emitter looks at the first character only: here it adds no blank lines,
        // so the reader folds the two text lines into one.
        assert_eq!(refold(" x\ny\nz\n").as_deref(), Some(" x\ny z\n"));
    }

    #[test]
    fn double_quoted_values_are_unchanged() {
        assert_eq!(refold("a \n  b\n"), None);
        assert_eq!(refold("a\n  b\u{1F600}\n"), None);
    }
}
