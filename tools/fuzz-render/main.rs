//! Differential fuzzer for `kubectl gitops render` (issue #13): random kustomization
//! trees, each built by `kubectl kustomize` (the reference) and by our binary; they
//! agree when stdout is byte-identical or both fail. A disagreement is shrunk (files,
//! documents, map entries, list items and block-scalar lines dropped while it still
//! disagrees the same way) and saved as `target/fuzz/mismatch-<seed>-<n>/`, laid out as
//! a `testdata/render` case, which `--replay DIR` builds again.
//!
//! ```text
//! scripts/fuzz-render --trees 500 --seed 1          # build, then run
//! fuzz-render --trees N --seed S [--jobs J] [--bin PATH] [--out DIR] [--shrink-limit K] [--minutes M]
//! fuzz-render --replay DIR
//! fuzz-render --print N --seed S                    # write tree N to stdout as files
//! fuzz-render --shrink N --seed S                   # shrink tree N and save it
//! fuzz-render --trees 300 --seed 1 --known FILE     # CI: only new mismatches fail
//! ```
//!
//! `--known FILE` lists tree numbers (one a line, `#` comments) that are known to
//! disagree for this seed: open defects, each with a saved replay. They are counted
//! apart and do not fail the run; a listed tree that now agrees is reported so the list
//! can shrink.

mod gen;
mod tree;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tree::{File, Tree, Y};

struct Options {
    trees: usize,
    seed: u64,
    jobs: usize,
    bin: PathBuf,
    out: PathBuf,
    shrink_limit: usize,
    replay: Option<PathBuf>,
    print: Option<usize>,
    shrink: Option<usize>,
    /// Stop taking new trees after this many minutes.
    minutes: Option<u64>,
    quiet: bool,
    /// Print the reference's error for every tree both tools refuse.
    show_failures: bool,
    /// Tree numbers known to disagree.
    known: std::collections::BTreeSet<usize>,
}

fn usage() -> ! {
    eprintln!(
        "usage: fuzz-render --trees N --seed S [--jobs J] [--bin PATH] [--out DIR] [--shrink-limit K] [--minutes M] [--quiet]\n       fuzz-render --replay DIR\n       fuzz-render --print N --seed S"
    );
    std::process::exit(2)
}

fn options() -> Options {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut o = Options {
        trees: 100,
        seed: 1,
        jobs: 2,
        bin: root.join("target/release/kubectl-gitops"),
        out: root.join("target/fuzz"),
        shrink_limit: 10,
        replay: None,
        print: None,
        shrink: None,
        minutes: None,
        quiet: false,
        show_failures: false,
        known: std::collections::BTreeSet::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut val = || args.next().unwrap_or_else(|| usage());
        let num = |s: String| s.parse::<u64>().unwrap_or_else(|_| usage());
        match a.as_str() {
            "--trees" => o.trees = num(val()) as usize,
            "--seed" => o.seed = num(val()),
            "--jobs" => o.jobs = (num(val()) as usize).max(1),
            "--bin" => o.bin = PathBuf::from(val()),
            "--out" => o.out = PathBuf::from(val()),
            "--shrink-limit" => o.shrink_limit = num(val()) as usize,
            "--replay" => o.replay = Some(PathBuf::from(val())),
            "--print" => o.print = Some(num(val()) as usize),
            "--shrink" => o.shrink = Some(num(val()) as usize),
            "--minutes" => o.minutes = Some(num(val())),
            "--quiet" => o.quiet = true,
            "--show-failures" => o.show_failures = true,
            "--known" => {
                let path = val();
                let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    eprintln!("fuzz-render: cannot read {path}: {e}");
                    std::process::exit(2)
                });
                for line in text.lines() {
                    let t = line.split('#').next().unwrap_or("").trim();
                    if !t.is_empty() {
                        o.known.insert(t.parse().unwrap_or_else(|_| usage()));
                    }
                }
            }
            _ => usage(),
        }
    }
    o
}

/// What one tool did with a tree.
#[derive(Clone, Debug, PartialEq)]
struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

/// How the two tools compare on a tree.
#[derive(Clone, Debug, PartialEq)]
enum Verdict {
    Identical,
    BothFail,
    /// (reference succeeded, we succeeded)
    Differ(bool, bool),
}

const TIMEOUT: Duration = Duration::from_secs(60);

fn run(program: &Path, args: &[&str], dir: &Path) -> Run {
    let child = Command::new(program)
        .args(args)
        .arg(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            return Run {
                ok: false,
                stdout: String::new(),
                stderr: format!("cannot run {}: {e}", program.display()),
            }
        }
    };
    let mut out_pipe = child.stdout.take();
    let mut err_pipe = child.stderr.take();
    let out_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = out_pipe.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        if let Some(p) = err_pipe.as_mut() {
            let _ = p.read_to_end(&mut s);
        }
        s
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if start.elapsed() > TIMEOUT => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
            Err(_) => break None,
        }
    };
    let stdout = String::from_utf8_lossy(&out_reader.join().unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&err_reader.join().unwrap_or_default()).into_owned();
    if status.is_none() {
        stderr.push_str("\n(timed out)");
    }
    Run {
        ok: status.is_some_and(|s| s.success()),
        stdout,
        stderr,
    }
}

fn kubectl() -> PathBuf {
    PathBuf::from("kubectl")
}

/// Builds `dir/<target>` with both tools.
fn compare(dir: &Path, target: &str, bin: &Path) -> (Verdict, Run, Run) {
    let build = dir.join(target);
    let reference = run(&kubectl(), &["kustomize"], &build);
    let ours = run(bin, &["render"], &build);
    let verdict = match (reference.ok, ours.ok) {
        (true, true) if reference.stdout == ours.stdout => Verdict::Identical,
        (false, false) => Verdict::BothFail,
        (r, o) => Verdict::Differ(r, o),
    };
    (verdict, reference, ours)
}

/// One way to make a tree smaller.
#[derive(Clone, Debug)]
enum Cut {
    File(String),
    Doc(String, usize),
    Node(String, usize, Vec<usize>),
    Line(String, usize, Vec<usize>, usize),
}

fn cuts(tree: &Tree) -> Vec<Cut> {
    let mut out = Vec::new();
    let target_k = format!("{}/kustomization.yaml", tree.target);
    for (path, file) in &tree.files {
        if *path != target_k {
            out.push(Cut::File(path.clone()));
        }
        if let File::Yaml(docs) = file {
            if docs.len() > 1 {
                for i in 0..docs.len() {
                    out.push(Cut::Doc(path.clone(), i));
                }
            }
            for (i, d) in docs.iter().enumerate() {
                node_cuts(path, i, d, &mut Vec::new(), &mut out);
            }
        }
    }
    // Bigger cuts first: files, documents, then nodes by depth.
    out.sort_by_key(|c| match c {
        Cut::File(_) => 0,
        Cut::Doc(..) => 1,
        Cut::Node(_, _, p) => 2 + p.len(),
        Cut::Line(_, _, p, _) => 3 + p.len(),
    });
    out
}

fn node_cuts(path: &str, doc: usize, y: &Y, at: &mut Vec<usize>, out: &mut Vec<Cut>) {
    match y {
        Y::Map(entries) => {
            for (i, (_, v)) in entries.iter().enumerate() {
                at.push(i);
                out.push(Cut::Node(path.to_string(), doc, at.clone()));
                node_cuts(path, doc, v, at, out);
                at.pop();
            }
        }
        Y::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                at.push(i);
                out.push(Cut::Node(path.to_string(), doc, at.clone()));
                node_cuts(path, doc, v, at, out);
                at.pop();
            }
        }
        Y::Block(_, lines) if lines.len() > 1 => {
            for l in 0..lines.len() {
                out.push(Cut::Line(path.to_string(), doc, at.clone(), l));
            }
        }
        _ => {}
    }
}

fn node_at<'a>(y: &'a mut Y, at: &[usize]) -> Option<&'a mut Y> {
    let Some((first, rest)) = at.split_first() else {
        return Some(y);
    };
    match y {
        Y::Map(entries) => node_at(&mut entries.get_mut(*first)?.1, rest),
        Y::Seq(items) => node_at(items.get_mut(*first)?, rest),
        _ => None,
    }
}

fn apply_cut(tree: &Tree, cut: &Cut) -> Option<Tree> {
    let mut t = tree.clone();
    match cut {
        Cut::File(p) => {
            t.files.remove(p)?;
        }
        Cut::Doc(p, i) => match t.files.get_mut(p)? {
            File::Yaml(docs) if *i < docs.len() => {
                docs.remove(*i);
            }
            _ => return None,
        },
        Cut::Node(p, d, at) => {
            let File::Yaml(docs) = t.files.get_mut(p)? else {
                return None;
            };
            let (last, parent) = at.split_last()?;
            let parent = node_at(docs.get_mut(*d)?, parent)?;
            match parent {
                Y::Map(entries) if *last < entries.len() => {
                    entries.remove(*last);
                }
                Y::Seq(items) if *last < items.len() => {
                    items.remove(*last);
                }
                _ => return None,
            }
        }
        Cut::Line(p, d, at, l) => {
            let File::Yaml(docs) = t.files.get_mut(p)? else {
                return None;
            };
            match node_at(docs.get_mut(*d)?, at)? {
                Y::Block(_, lines) if *l < lines.len() && lines.len() > 1 => {
                    lines.remove(*l);
                }
                _ => return None,
            }
        }
    }
    Some(t)
}

/// What a disagreement looks like, line numbers aside: shrinking keeps to it.
fn signature(reference: &Run, ours: &Run) -> String {
    let d = first_difference(reference, ours);
    let d = match d.split_once(": ") {
        Some((head, rest)) if head.starts_with("line ") => rest.to_string(),
        _ => d,
    };
    if !reference.ok || !ours.ok {
        // Error texts name temporary paths; keep the side that failed only.
        return d.split(':').next().unwrap_or("").to_string();
    }
    d
}

/// Shrinks `tree` while it still disagrees the same way, within a budget of builds.
fn shrink(tree: &Tree, verdict: &Verdict, bin: &Path, scratch: &Path) -> Tree {
    let mut best = tree.clone();
    let wanted = match tree.write(scratch) {
        Ok(()) => {
            let (_, r, o) = compare(scratch, &tree.target, bin);
            signature(&r, &o)
        }
        Err(_) => return best,
    };
    let mut budget = 400usize;
    loop {
        let mut improved = false;
        for cut in cuts(&best) {
            if budget == 0 {
                return best;
            }
            let Some(candidate) = apply_cut(&best, &cut) else {
                continue;
            };
            if candidate.write(scratch).is_err() {
                continue;
            }
            budget -= 1;
            let (v, r, o) = compare(scratch, &candidate.target, bin);
            if v == *verdict && signature(&r, &o) == wanted {
                best = candidate;
                improved = true;
                break;
            }
        }
        if !improved {
            return best;
        }
    }
}

/// The seed of tree `n` of a run seeded `seed`.
fn tree_seed(seed: u64, n: usize) -> u64 {
    let mut r = gen::Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(n as u64));
    r.next_u64()
}

fn save(dir: &Path, tree: &Tree, reference: &Run, ours: &Run, note: &str) -> std::io::Result<()> {
    tree.write(dir)?;
    let meta = dir.join(".fuzz");
    std::fs::create_dir_all(&meta)?;
    std::fs::write(meta.join("reference.out"), &reference.stdout)?;
    std::fs::write(meta.join("reference.err"), &reference.stderr)?;
    std::fs::write(meta.join("ours.out"), &ours.stdout)?;
    std::fs::write(meta.join("ours.err"), &ours.stderr)?;
    std::fs::write(meta.join("README"), note)?;
    Ok(())
}

/// The first line where two outputs differ, for reports.
fn first_difference(reference: &Run, ours: &Run) -> String {
    if !reference.ok {
        return format!(
            "reference fails, we succeed: {}",
            reference.stderr.lines().last().unwrap_or("").trim()
        );
    }
    if !ours.ok {
        return format!(
            "we fail, reference succeeds: {}",
            ours.stderr.lines().last().unwrap_or("").trim()
        );
    }
    let (e, a): (Vec<&str>, Vec<&str>) = (
        reference.stdout.lines().collect(),
        ours.stdout.lines().collect(),
    );
    for i in 0..e.len().max(a.len()) {
        if e.get(i) != a.get(i) {
            return format!(
                "line {}: reference {:?}, ours {:?}",
                i + 1,
                e.get(i).copied().unwrap_or("<end>"),
                a.get(i).copied().unwrap_or("<end>")
            );
        }
    }
    "differs only in the final newline".to_string()
}

fn replay(dir: &Path, bin: &Path) -> i32 {
    let target = std::fs::read_to_string(dir.join("target"))
        .map(|t| t.trim().to_string())
        .unwrap_or_else(|_| ".".to_string());
    let (verdict, reference, ours) = compare(dir, &target, bin);
    match verdict {
        Verdict::Identical => {
            println!("agree: identical output");
            0
        }
        Verdict::BothFail => {
            println!("agree: both fail");
            0
        }
        Verdict::Differ(..) => {
            println!("MISMATCH: {}", first_difference(&reference, &ours));
            1
        }
    }
}

fn main() {
    let o = options();
    if !o.bin.exists() {
        eprintln!(
            "fuzz-render: {} does not exist (build it first)",
            o.bin.display()
        );
        std::process::exit(2);
    }
    if let Some(dir) = o.replay.as_ref() {
        std::process::exit(replay(dir, &o.bin));
    }
    if let Some(n) = o.print {
        let t = gen::tree(tree_seed(o.seed, n));
        println!("# target: {}", t.target);
        for (p, f) in &t.files {
            println!("# ==> {p}\n{}", f.text());
        }
        return;
    }
    if let Some(n) = o.shrink {
        let scratch = std::env::temp_dir().join(format!("fuzz-render-{}", std::process::id()));
        let tree = gen::tree(tree_seed(o.seed, n));
        let dir = scratch.join("tree");
        let written = tree.write(&dir);
        let (verdict, ..) = compare(&dir, &tree.target, &o.bin);
        if written.is_err() || !matches!(verdict, Verdict::Differ(..)) {
            println!("tree {n}: the tools agree ({verdict:?})");
            std::process::exit(0);
        }
        let small = shrink(&tree, &verdict, &o.bin, &scratch.join("shrink"));
        let _ = small.write(&dir);
        let (_, reference, ours) = compare(&dir, &small.target, &o.bin);
        let save_dir = o.out.join(format!("mismatch-{}-{n}", o.seed));
        let diff = first_difference(&reference, &ours);
        let note = format!("fuzz-render --seed {}, tree {n} (shrunk)\n{diff}\n", o.seed);
        let _ = save(&save_dir, &small, &reference, &ours, &note);
        let _ = std::fs::remove_dir_all(&scratch);
        println!("tree {n}: {diff}\n  saved: {}", save_dir.display());
        std::process::exit(1);
    }
    let started = Instant::now();
    let next = Arc::new(AtomicUsize::new(0));
    let identical = Arc::new(AtomicUsize::new(0));
    let both_fail = Arc::new(AtomicUsize::new(0));
    let shrunk = Arc::new(AtomicUsize::new(0));
    let known = Arc::new(o.known.clone());
    let known_seen: Arc<Mutex<Vec<usize>>> = Arc::new(Mutex::new(Vec::new()));
    let mismatches: Arc<Mutex<Vec<(usize, String, PathBuf)>>> = Arc::new(Mutex::new(Vec::new()));
    let done = Arc::new(AtomicUsize::new(0));
    let deadline = o.minutes.map(|m| started + Duration::from_secs(m * 60));
    let scratch_root = std::env::temp_dir().join(format!("fuzz-render-{}", std::process::id()));
    let mut workers = Vec::new();
    for w in 0..o.jobs {
        let done = done.clone();
        let (next, identical, both_fail, shrunk, mismatches, known, known_seen) = (
            next.clone(),
            identical.clone(),
            both_fail.clone(),
            shrunk.clone(),
            mismatches.clone(),
            known.clone(),
            known_seen.clone(),
        );
        let (bin, out, seed, trees, shrink_limit, quiet, show_failures) = (
            o.bin.clone(),
            o.out.clone(),
            o.seed,
            o.trees,
            o.shrink_limit,
            o.quiet,
            o.show_failures,
        );
        let scratch = scratch_root.join(format!("w{w}"));
        workers.push(std::thread::spawn(move || loop {
            if deadline.is_some_and(|d| Instant::now() > d) {
                break;
            }
            let n = next.fetch_add(1, Ordering::SeqCst);
            if n >= trees {
                break;
            }
            let tree = gen::tree(tree_seed(seed, n));
            let dir = scratch.join("tree");
            if let Err(e) = tree.write(&dir) {
                eprintln!("fuzz-render: cannot write {}: {e}", dir.display());
                std::process::exit(2);
            }
            let (verdict, reference, ours) = compare(&dir, &tree.target, &bin);
            match verdict {
                Verdict::Identical => {
                    identical.fetch_add(1, Ordering::SeqCst);
                }
                Verdict::BothFail => {
                    both_fail.fetch_add(1, Ordering::SeqCst);
                    if show_failures {
                        eprintln!("both fail, tree {n}: {}", reference.stderr.trim());
                    }
                }
                Verdict::Differ(..) if known.contains(&n) => {
                    if let Ok(mut k) = known_seen.lock() {
                        k.push(n);
                    }
                }
                Verdict::Differ(..) => {
                    let do_shrink = shrunk.fetch_add(1, Ordering::SeqCst) < shrink_limit;
                    let (small, reference, ours) = if do_shrink {
                        let small = shrink(&tree, &verdict, &bin, &scratch.join("shrink"));
                        let _ = small.write(&dir);
                        let (_, r, us) = compare(&dir, &small.target, &bin);
                        (small, r, us)
                    } else {
                        (tree.clone(), reference, ours)
                    };
                    let diff = first_difference(&reference, &ours);
                    let save_dir = out.join(format!("mismatch-{seed}-{n}"));
                    let note = format!(
                        "fuzz-render --seed {seed}, tree {n}{}\n{diff}\nreplay: scripts/fuzz-render --replay {}\n",
                        if do_shrink { " (shrunk)" } else { "" },
                        save_dir.display()
                    );
                    if let Err(e) = save(&save_dir, &small, &reference, &ours, &note) {
                        eprintln!("fuzz-render: cannot save {}: {e}", save_dir.display());
                    }
                    if !quiet {
                        eprintln!("MISMATCH tree {n}: {diff}\n  saved: {}", save_dir.display());
                    }
                    if let Ok(mut m) = mismatches.lock() {
                        m.push((n, diff, save_dir));
                    }
                }
            }
            let finished = done.fetch_add(1, Ordering::SeqCst) + 1;
            if !quiet && finished.is_multiple_of(500) {
                eprintln!(
                    "fuzz-render: {finished} trees, identical {}, both-fail {}, {:.0}s",
                    identical.load(Ordering::SeqCst),
                    both_fail.load(Ordering::SeqCst),
                    started.elapsed().as_secs_f64()
                );
            }
        }));
    }
    for w in workers {
        let _ = w.join();
    }
    let _ = std::fs::remove_dir_all(&scratch_root);
    let m = mismatches.lock().map(|m| m.clone()).unwrap_or_default();
    let (i, b) = (
        identical.load(Ordering::SeqCst),
        both_fail.load(Ordering::SeqCst),
    );
    println!(
        "fuzz-render: seed {}, trees {}, identical {i}, both-fail {b}, mismatches {} ({:.0}s)",
        o.seed,
        done.load(Ordering::SeqCst),
        m.len(),
        started.elapsed().as_secs_f64()
    );
    for (n, diff, dir) in &m {
        println!("  tree {n}: {diff}\n    {}", dir.display());
    }
    if !o.known.is_empty() {
        let seen = known_seen.lock().map(|k| k.clone()).unwrap_or_default();
        let fixed: Vec<String> = o
            .known
            .iter()
            .filter(|n| **n < o.trees && !seen.contains(n))
            .map(|n| n.to_string())
            .collect();
        println!(
            "fuzz-render: {} known mismatches still open{}",
            seen.len(),
            if fixed.is_empty() {
                String::new()
            } else {
                format!(
                    "; known trees that now agree (drop them from the list): {}",
                    fixed.join(" ")
                )
            }
        );
    }
    std::process::exit(if m.is_empty() { 0 } else { 1 });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &Tree) -> Vec<(String, String)> {
        t.files.iter().map(|(p, f)| (p.clone(), f.text())).collect()
    }

    #[test]
    fn same_seed_same_tree() {
        for n in 0..20 {
            let a = gen::tree(tree_seed(7, n));
            let b = gen::tree(tree_seed(7, n));
            assert_eq!(texts(&a), texts(&b));
            assert_eq!(a.target, b.target);
        }
        assert_ne!(
            texts(&gen::tree(tree_seed(7, 0))),
            texts(&gen::tree(tree_seed(8, 0)))
        );
    }

    #[test]
    fn every_tree_has_its_kustomization_and_yaml_that_reads() {
        for n in 0..50 {
            let t = gen::tree(tree_seed(1, n));
            assert!(t
                .files
                .contains_key(&format!("{}/kustomization.yaml", t.target)));
            for (path, file) in &t.files {
                if let File::Yaml(_) = file {
                    let text = file.text();
                    let read = if path.ends_with("kustomization.yaml") {
                        kubectl_gitops::yaml::parse::parse_stream(
                            &text,
                            kubectl_gitops::yaml::Dialect::Yaml11,
                        )
                        .map(|_| ())
                    } else {
                        kubectl_gitops::yaml::parse::parse_resources(&text).map(|_| ())
                    };
                    assert!(read.is_ok(), "tree {n} {path}: {read:?}\n{text}");
                }
            }
        }
    }

    #[test]
    fn cuts_shrink_and_keep_the_target() {
        let t = gen::tree(tree_seed(3, 4));
        let target_k = format!("{}/kustomization.yaml", t.target);
        for cut in cuts(&t).into_iter().take(200) {
            if let Some(smaller) = apply_cut(&t, &cut) {
                assert!(smaller.files.contains_key(&target_k));
                assert_ne!(texts(&smaller), texts(&t), "{cut:?} changed nothing");
            }
        }
    }
}
