//! Showing a diff: a unified diff per drifted object (optionally colored), a summary
//! table, a JSON document for machines, or the user's own tool through
//! `KUBECTL_EXTERNAL_DIFF` (two directories, as kubectl does). Secrets are masked
//! unless asked otherwise.
//!
//! The external tool's directories live in a fresh, randomly named 0700 directory with
//! 0600 files (they may hold Secret values), which is removed on every way out: the
//! tool's exit, an error, and SIGINT/SIGTERM while the tool runs (we note the signal,
//! let the tool react to it, clean up, then report it; see [`external`]).

use super::mask::mask_secret;
use super::{DiffReport, DriftClass, ObjectDiff};
use serde_json::{json, Value};
use std::fmt::Write as _;
use std::path::Path;

#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
    pub show_secrets: bool,
}

const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const CYAN: &str = "\x1b[36m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Both sides as YAML, secrets masked unless `show_secrets`.
pub fn sides(d: &ObjectDiff, show_secrets: bool) -> (String, String) {
    let mut live = d.live.clone();
    let mut desired = d.desired.clone();
    if d.object.kind == "Secret" && d.object.group.is_empty() && !show_secrets {
        mask_secret(live.as_mut(), desired.as_mut());
    }
    let y = |v: &Option<Value>| v.as_ref().map(crate::yaml::to_yaml).unwrap_or_default();
    (y(&live), y(&desired))
}

/// Appends one line of a unified diff, coloured by its kind (headers bold, hunks cyan,
/// removals red, additions green) when `color`.
pub fn push_diff_line(out: &mut String, line: &str, color: bool) {
    let code = if !color {
        None
    } else if line.starts_with("---") || line.starts_with("+++") {
        Some(BOLD)
    } else if line.starts_with("@@") {
        Some(CYAN)
    } else if line.starts_with('-') {
        Some(RED)
    } else if line.starts_with('+') {
        Some(GREEN)
    } else {
        None
    };
    match code {
        Some(c) => {
            let _ = writeln!(out, "{c}{line}{RESET}");
        }
        None => {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// Unified diffs of every drifted object, then the summary.
pub fn text(report: &DiffReport, style: Style) -> String {
    let mut out = String::new();
    for d in report.objects.iter().filter(|d| d.class.is_drift()) {
        let (live, desired) = sides(d, style.show_secrets);
        let diff = similar::TextDiff::from_lines(&live, &desired);
        let header_a = format!("live/{}", file_name(d));
        let header_b = format!("git/{}", file_name(d));
        let unified = diff
            .unified_diff()
            .context_radius(3)
            .header(&header_a, &header_b)
            .to_string();
        for line in unified.lines() {
            push_diff_line(&mut out, line, style.color);
        }
    }
    out.push_str(&summary(report, style));
    out
}

/// The summary table: counts per class and a line per drifted object.
pub fn summary(report: &DiffReport, style: Style) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}Summary:{} {} to create, {} to update, {} to prune, {} in sync{}",
        if style.color { BOLD } else { "" },
        if style.color { RESET } else { "" },
        report.count(DriftClass::Create),
        report.count(DriftClass::Update),
        report.count(DriftClass::Prune),
        report.count(DriftClass::InSync),
        match report
            .objects
            .iter()
            .filter(|d| !d.foreign.is_empty())
            .count()
        {
            0 => String::new(),
            n => format!(" ({n} with fields added by hand)"),
        },
    );
    for d in report.objects.iter().filter(|d| d.class.is_drift()) {
        let color = match d.class {
            DriftClass::Create => GREEN,
            DriftClass::Prune => RED,
            _ => CYAN,
        };
        let mut fields = if d.changed.is_empty() {
            String::new()
        } else {
            format!("  {}", d.changed.join(" "))
        };
        if let Some(note) = &d.note {
            fields.push_str(&format!("  ({note})"));
        }
        for f in &d.foreign {
            fields.push_str(&format!(
                "\n          added by hand: {} (manager {:?})",
                f.pointer, f.manager
            ));
        }
        if style.color {
            let _ = writeln!(
                out,
                "  {color}{:<7}{RESET} {}{fields}",
                d.class.label(),
                d.object
            );
        } else {
            let _ = writeln!(out, "  {:<7} {}{fields}", d.class.label(), d.object);
        }
    }
    out
}

/// One JSON document: summary and objects with their class and changed fields.
pub fn json(report: &DiffReport, show_secrets: bool) -> String {
    let objects: Vec<Value> = report
        .objects
        .iter()
        .map(|d| {
            let mut o = json!({
                "class": d.class,
                "group": d.object.group,
                "version": d.object.version,
                "kind": d.object.kind,
                "namespace": d.object.namespace,
                "name": d.object.name,
                "changed": d.changed,
            });
            if let Some(note) = &d.note {
                o["note"] = Value::String(note.clone());
            }
            if !d.foreign.is_empty() {
                o["foreign"] = serde_json::to_value(&d.foreign).unwrap_or(Value::Null);
            }
            if d.class.is_drift() {
                let (live, desired) = sides(d, show_secrets);
                o["diff"] = Value::String(
                    similar::TextDiff::from_lines(&live, &desired)
                        .unified_diff()
                        .context_radius(3)
                        .header("live", "git")
                        .to_string(),
                );
            }
            o
        })
        .collect();
    let doc = json!({
        "drift": report.has_drift(),
        "summary": {
            "create": report.count(DriftClass::Create),
            "update": report.count(DriftClass::Update),
            "prune": report.count(DriftClass::Prune),
            "inSync": report.count(DriftClass::InSync),
            "withForeignFields": report.objects.iter().filter(|d| !d.foreign.is_empty()).count(),
        },
        "objects": objects,
    });
    let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
    s.push('\n');
    s
}

/// kubectl's file naming for external diff tools: `group.version.Kind.namespace.name`
/// (a `/`, which no valid name holds, is written `%2F` so the name stays one file).
pub fn file_name(d: &ObjectDiff) -> String {
    let o = &d.object;
    let gv = if o.group.is_empty() {
        o.version.clone()
    } else {
        format!("{}.{}", o.group, o.version)
    };
    format!("{gv}.{}.{}.{}", o.kind, o.namespace, o.name).replace('/', "%2F")
}

/// How the external diff program ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExternalOutcome {
    /// It exited with this code (2 when killed by a signal).
    Exited(i32),
    /// We were sent SIGINT (2) or SIGTERM (15) while it ran; the files are gone.
    Interrupted(i32),
}

/// Writes LIVE and MERGED directories for the drifted objects into a fresh private
/// temporary directory and runs `program LIVE MERGED` (split on whitespace, like
/// kubectl). The directory is removed before this returns, however it returns.
pub fn external(
    report: &DiffReport,
    program: &str,
    show_secrets: bool,
) -> std::io::Result<ExternalOutcome> {
    use std::io::Write as _;
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    // Removed when dropped, on every return path below.
    let tmp = tempfile::Builder::new()
        .prefix("kubectl-gitops-diff-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()?;
    let live_dir = tmp.path().join("LIVE");
    let merged_dir = tmp.path().join("MERGED");
    for dir in [&live_dir, &merged_dir] {
        std::fs::DirBuilder::new().mode(0o700).create(dir)?;
    }
    let write = |path: &Path, text: &str| -> std::io::Result<()> {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)?
            .write_all(text.as_bytes())
    };
    for d in report.objects.iter().filter(|d| d.class.is_drift()) {
        let (live, desired) = sides(d, show_secrets);
        write(&live_dir.join(file_name(d)), &live)?;
        write(&merged_dir.join(file_name(d)), &desired)?;
    }
    let mut words = program.split_whitespace();
    let cmd = words.next().unwrap_or("diff");
    let guard = signals::Deferred::install();
    let status = std::process::Command::new(cmd)
        .args(words)
        .arg(&live_dir)
        .arg(&merged_dir)
        .status();
    let received = guard.received();
    drop(guard);
    drop(tmp);
    if let Some(signal) = received {
        return Ok(ExternalOutcome::Interrupted(signal));
    }
    Ok(ExternalOutcome::Exited(status?.code().unwrap_or(2)))
}

/// SIGINT and SIGTERM noted instead of ending the process, for as long as a
/// [`signals::Deferred`] lives. The child inherits the default dispositions (handlers are
/// reset by exec), so Ctrl-C still stops the diff tool; we clean up and then report it.
mod signals {
    use std::sync::atomic::{AtomicI32, Ordering};

    static RECEIVED: AtomicI32 = AtomicI32::new(0);

    extern "C" fn note(signal: libc::c_int) {
        RECEIVED.store(signal, Ordering::SeqCst);
    }

    pub struct Deferred {
        previous: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl Deferred {
        pub fn install() -> Deferred {
            RECEIVED.store(0, Ordering::SeqCst);
            let mut previous = Vec::new();
            for signal in [libc::SIGINT, libc::SIGTERM] {
                // SAFETY: a zeroed sigaction is valid; the handler only stores to an
                // atomic, which is async-signal-safe; `old` receives the previous action.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = note as extern "C" fn(libc::c_int) as usize;
                    action.sa_flags = libc::SA_RESTART;
                    libc::sigemptyset(&mut action.sa_mask);
                    let mut old: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(signal, &action, &mut old) == 0 {
                        previous.push((signal, old));
                    }
                }
            }
            Deferred { previous }
        }

        /// The signal received since [`Deferred::install`], if any.
        pub fn received(&self) -> Option<i32> {
            match RECEIVED.load(Ordering::SeqCst) {
                0 => None,
                s => Some(s),
            }
        }
    }

    impl Drop for Deferred {
        fn drop(&mut self) {
            for (signal, old) in &self.previous {
                // SAFETY: restores the action saved by `install`.
                unsafe {
                    libc::sigaction(*signal, old, std::ptr::null_mut());
                }
            }
        }
    }
}
