//! Printing a [`Preview`]: a summary table then per-env details (text, optionally
//! colored), a JSON document, or one Markdown document for a pull-request comment (a
//! summary table, then one collapsible section per env, kept under [`MARKDOWN_LIMIT`]
//! characters by truncating the largest diffs with a note). Everything taken from the
//! repository (names, error lines, diff lines) is escaped for the format it lands in.

use super::{ChangeKind, EnvPreview, ObjectChange, Outcome, Preview, Side};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The largest Markdown document [`markdown`] writes (GitHub refuses comments over 65,536).
pub const MARKDOWN_LIMIT: usize = 60_000;

/// The first line of every Markdown document: a CI job finds its earlier comment by it
/// and updates it instead of adding another.
pub const MARKDOWN_MARKER: &str = "<!-- kubectl-gitops-preview -->";

fn state(e: &EnvPreview) -> &'static str {
    match &e.outcome {
        Outcome::Failed { .. } => "failed",
        Outcome::Compared {
            only: Some(Side::Head),
            ..
        } => "added",
        Outcome::Compared {
            only: Some(Side::Base),
            ..
        } => "removed",
        _ if e.changed() => "changed",
        _ => "unchanged",
    }
}

fn change_line(c: &ObjectChange) -> String {
    let mark = match c.kind {
        ChangeKind::Added => '+',
        ChangeKind::Removed => '-',
        ChangeKind::Changed => '~',
    };
    match &c.renamed_from {
        Some(old) => format!(
            "{mark} {} (renamed from {old}: hash suffix)",
            c.key.display()
        ),
        None => format!("{mark} {} ({})", c.key.display(), c.kind.name()),
    }
}

/// Control characters from the repository never reach the terminal raw.
fn printable(s: &str) -> String {
    crate::cli::one_line(s)
}

/// The summary table, then every changed or failing env's details.
pub fn text(p: &Preview, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "base {}  ->  head {}", p.base, p.head);
    let width = p
        .envs
        .iter()
        .map(|e| printable(&e.env).chars().count())
        .max()
        .unwrap_or(3)
        .max(3);
    let _ = writeln!(
        out,
        "{:<width$}  {:>5}  {:>7}  {:>7}  {:>9}  STATE",
        "ENV", "ADDED", "REMOVED", "CHANGED", "UNCHANGED"
    );
    for e in &p.envs {
        let name = printable(&e.env);
        match &e.outcome {
            Outcome::Failed { side, .. } => {
                let _ = writeln!(
                    out,
                    "{name:<width$}  {:>5}  {:>7}  {:>7}  {:>9}  failed ({} does not render)",
                    "-",
                    "-",
                    "-",
                    "-",
                    side.name()
                );
            }
            Outcome::Compared { .. } => {
                let _ = writeln!(
                    out,
                    "{name:<width$}  {:>5}  {:>7}  {:>7}  {:>9}  {}",
                    e.count(ChangeKind::Added),
                    e.count(ChangeKind::Removed),
                    e.count(ChangeKind::Changed),
                    e.unchanged(),
                    state(e)
                );
            }
        }
    }
    for e in &p.envs {
        match &e.outcome {
            Outcome::Failed { side, error } => {
                let _ = writeln!(
                    out,
                    "\n=== env {}: {} ({}) does not render\n{}",
                    printable(&e.env),
                    side.name(),
                    if *side == Side::Base {
                        &p.base
                    } else {
                        &p.head
                    },
                    printable(error)
                );
            }
            Outcome::Compared { changes, .. } if e.changed() => {
                let _ = writeln!(out, "\n=== env {}: {}", printable(&e.env), state(e));
                for c in changes {
                    let _ = writeln!(out, "{}", printable(&change_line(c)));
                }
                for c in changes {
                    for line in c.diff.lines() {
                        crate::diff::present::push_diff_line(&mut out, &printable(line), color);
                    }
                }
            }
            Outcome::Compared { .. } => {}
        }
    }
    out
}

/// The names of the envs whose rendered output changes, one per line.
pub fn changed_only(p: &Preview) -> String {
    let mut out = String::new();
    for e in p.envs.iter().filter(|e| e.changed()) {
        let _ = writeln!(out, "{}", printable(&e.env));
    }
    out
}

/// A JSON document: the revisions, then per env its state, counts and changes.
pub fn json(p: &Preview) -> String {
    let envs: Vec<Value> = p
        .envs
        .iter()
        .map(|e| {
            let mut v = json!({"env": e.env, "state": state(e)});
            match &e.outcome {
                Outcome::Failed { side, error } => {
                    v["side"] = json!(side.name());
                    v["error"] = json!(error);
                }
                Outcome::Compared { changes, .. } => {
                    v["added"] = json!(e.count(ChangeKind::Added));
                    v["removed"] = json!(e.count(ChangeKind::Removed));
                    v["changed"] = json!(e.count(ChangeKind::Changed));
                    v["unchanged"] = json!(e.unchanged());
                    v["objects"] = changes
                        .iter()
                        .map(|c| {
                            let mut o = json!({
                                "change": c.kind.name(),
                                "group": c.key.group,
                                "kind": c.key.kind,
                                "namespace": c.key.namespace,
                                "name": c.key.name,
                                "diff": c.diff,
                            });
                            if let Some(old) = &c.renamed_from {
                                o["renamedFrom"] = json!(old);
                            }
                            o
                        })
                        .collect();
                }
            }
            v
        })
        .collect();
    let doc = json!({
        "base": p.base,
        "head": p.head,
        "changed": p.changed(),
        "failed": p.failed(),
        "envs": envs,
    });
    let mut out = serde_json::to_string_pretty(&doc).unwrap_or_else(|_| "{}".to_string());
    out.push('\n');
    out
}

/// Text for a Markdown table cell or heading: HTML and Markdown punctuation escaped,
/// one line.
fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in printable(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("&#124;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// A fenced code block that no line of `body` can close.
fn fenced(lang: &str, body: &str) -> String {
    let longest = body
        .lines()
        .map(|l| l.trim_start().chars().take_while(|c| *c == '`').count())
        .max()
        .unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let mut out = format!("{fence}{lang}\n{body}");
    if !body.ends_with('\n') {
        out.push('\n');
    }
    out.push_str(&fence);
    out.push('\n');
    out
}

/// `body` cut to at most `budget` bytes at a line end, with how many lines were dropped.
fn cut(body: &str, budget: usize) -> (String, usize) {
    if body.len() <= budget {
        return (body.to_string(), 0);
    }
    let mut end = 0;
    for (i, _) in body.match_indices('\n') {
        if i + 1 > budget {
            break;
        }
        end = i + 1;
    }
    let kept = &body[..end];
    let dropped = body[end..].lines().count();
    (kept.to_string(), dropped)
}

/// One Markdown document: the summary table, then a collapsible section per env that
/// changes or fails. Under [`MARKDOWN_LIMIT`] characters: the largest diffs are cut
/// first, each with a note.
pub fn markdown(p: &Preview) -> String {
    markdown_within(p, MARKDOWN_LIMIT)
}

fn markdown_within(p: &Preview, limit: usize) -> String {
    let mut head = String::new();
    let changed = p.envs.iter().filter(|e| e.changed()).count();
    let failed = p
        .envs
        .iter()
        .filter(|e| matches!(e.outcome, Outcome::Failed { .. }))
        .count();
    let _ = writeln!(head, "{MARKDOWN_MARKER}\n### kubectl gitops preview\n");
    let _ = write!(
        head,
        "Base `{}` → head `{}`: {changed} of {} envs change",
        md(&p.base),
        md(&p.head),
        p.envs.len()
    );
    if failed > 0 {
        let _ = write!(head, ", **{failed} failed to render**");
    }
    head.push_str(".\n\n");
    head.push_str("| env | state | added | removed | changed | unchanged |\n");
    head.push_str("|---|---|---:|---:|---:|---:|\n");
    for e in &p.envs {
        match &e.outcome {
            Outcome::Failed { side, .. } => {
                let _ = writeln!(
                    head,
                    "| {} | :x: {} does not render | | | | |",
                    md(&e.env),
                    side.name()
                );
            }
            Outcome::Compared { .. } => {
                let _ = writeln!(
                    head,
                    "| {} | {} | {} | {} | {} | {} |",
                    md(&e.env),
                    state(e),
                    e.count(ChangeKind::Added),
                    e.count(ChangeKind::Removed),
                    e.count(ChangeKind::Changed),
                    e.unchanged()
                );
            }
        }
    }
    // Each env's section: fixed text around its diffs, and the diffs themselves.
    struct Section {
        open: String,
        diffs: Vec<String>,
    }
    let mut sections: Vec<Section> = Vec::new();
    for e in &p.envs {
        match &e.outcome {
            Outcome::Failed { side, error } => {
                let rev = if *side == Side::Base {
                    &p.base
                } else {
                    &p.head
                };
                let open = format!(
                    "\n<details open><summary><b>{}</b>: :x: {} (<code>{}</code>) does not render</summary>\n\n{}\n</details>\n",
                    md(&e.env),
                    side.name(),
                    md(rev),
                    fenced("", &printable(error))
                );
                sections.push(Section {
                    open,
                    diffs: Vec::new(),
                });
            }
            Outcome::Compared { changes, .. } if e.changed() => {
                let mut open = format!(
                    "\n<details><summary><b>{}</b>: {} ({} added, {} removed, {} changed)</summary>\n\n",
                    md(&e.env),
                    state(e),
                    e.count(ChangeKind::Added),
                    e.count(ChangeKind::Removed),
                    e.count(ChangeKind::Changed)
                );
                for c in changes {
                    let _ = write!(open, "- **{}** {}", c.kind.name(), md(&c.key.display()));
                    if let Some(old) = &c.renamed_from {
                        let _ = write!(open, " (renamed from {}: hash suffix)", md(old));
                    }
                    open.push('\n');
                }
                open.push('\n');
                sections.push(Section {
                    open,
                    diffs: changes.iter().map(|c| c.diff.clone()).collect(),
                });
            }
            Outcome::Compared { .. } => {}
        }
    }
    const CLOSE: &str = "\n</details>\n";
    const NOTE_ROOM: usize = 200;
    let fixed: usize = head.len()
        + sections
            .iter()
            .map(|s| s.open.len() + CLOSE.len() + s.diffs.len() * (NOTE_ROOM + 16))
            .sum::<usize>()
        + NOTE_ROOM;
    let total_diffs: usize = sections
        .iter()
        .flat_map(|s| s.diffs.iter())
        .map(String::len)
        .sum();
    // Water-filling: the smallest diffs are kept whole, the largest share what is left.
    let mut budgets: Vec<Vec<usize>> = sections
        .iter()
        .map(|s| s.diffs.iter().map(String::len).collect())
        .collect();
    let mut truncated = false;
    if fixed + total_diffs > limit {
        let mut room = limit.saturating_sub(fixed);
        let mut order: Vec<(usize, usize, usize)> = sections
            .iter()
            .enumerate()
            .flat_map(|(i, s)| {
                s.diffs
                    .iter()
                    .enumerate()
                    .map(move |(j, d)| (d.len(), i, j))
            })
            .collect();
        order.sort();
        let mut left = order.len();
        for (len, i, j) in order {
            let share = room / left.max(1);
            let give = len.min(share);
            budgets[i][j] = give;
            room -= give;
            left -= 1;
        }
        truncated = true;
    }
    let mut out = head;
    let mut omitted = 0;
    for (i, s) in sections.iter().enumerate() {
        let mut body = s.open.clone();
        for (j, d) in s.diffs.iter().enumerate() {
            let (kept, dropped) = cut(d, budgets[i][j]);
            if !kept.is_empty() {
                body.push_str(&fenced("diff", &kept));
            }
            if dropped > 0 {
                let _ = writeln!(
                    body,
                    "\n_Diff truncated: {dropped} more lines not shown; run `kubectl gitops preview` locally for all of it._\n"
                );
            }
        }
        body.push_str(CLOSE);
        if out.len() + body.len() + NOTE_ROOM > limit {
            omitted += 1;
            continue;
        }
        out.push_str(&body);
    }
    if omitted > 0 {
        let _ = writeln!(
            out,
            "\n_{omitted} env sections omitted to stay under {limit} characters; run `kubectl gitops preview` locally for all of them._"
        );
    } else if truncated {
        let _ = writeln!(
            out,
            "\n_The largest diffs were truncated to stay under {limit} characters._"
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::{compare_env, Preview};
    use super::*;
    use serde_json::json;

    fn big(n: usize, v: &str) -> Value {
        let data: serde_json::Map<String, Value> = (0..n)
            .map(|i| (format!("key{i:05}"), json!(format!("{v}-{i}"))))
            .collect();
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "big"}, "data": data})
    }

    #[test]
    fn markdown_stays_under_the_limit() {
        let envs = (0..5)
            .map(|i| {
                compare_env(
                    &format!("env{i}"),
                    Some(Ok(vec![big(3000, "a")])),
                    Some(Ok(vec![big(3000, "b")])),
                    false,
                )
            })
            .collect();
        let p = Preview {
            base: "b".into(),
            head: "h".into(),
            envs,
        };
        let doc = markdown(&p);
        assert!(doc.len() < MARKDOWN_LIMIT, "{}", doc.len());
        assert!(doc.contains("Diff truncated"), "{doc}");
        assert_eq!(doc.matches("<details>").count(), 5);
        assert_eq!(doc.matches("</details>").count(), 5);
    }

    #[test]
    fn fences_outlast_backticks_in_the_body() {
        let f = fenced("diff", " ````\n");
        assert!(f.starts_with("`````diff\n"), "{f}");
        assert!(md("a|b<c>").contains("&#124;"));
    }
}
