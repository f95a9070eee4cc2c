//! The fault suite (issue #12): through the real binary, an env of 16 objects over every
//! sync phase (a Namespace and a CRD, a ClusterRole, a custom resource, ConfigMaps,
//! Services and Deployments in waves 0 and 1) meets
//!
//! - `sync` SIGKILLed at each phase boundary it logs (`-v`), on a first sync and on an
//!   update that prunes, then re-run;
//! - Git changed between the killed sync and the re-run (the re-run prunes what left
//!   Git, and only that);
//! - the API server SIGKILLed mid-sync (the sync exits 2, bounded) and restarted on the
//!   same data dir and port, and SIGTERMed and restarted under `sync --watch` (the loop
//!   keeps going, heals a drift made after the restart, and stops on SIGTERM);
//! - a TCP proxy between client and server that stalls, resets, or resets after some
//!   bytes, during `sync` and `diff` with `--request-timeout 3` (exit 2 within a bound,
//!   one error line).
//!
//! After each fault the re-run must converge (`sync --prune` exits 0, then `diff` exits
//! 0), two bystanders must be untouched (same resourceVersion: one in the env's namespace
//! and not in Git, one in a namespace the env does not use carrying a copied
//! `applyset.kubernetes.io/part-of` label), and every object Git holds must exist. The
//! scenarios run one after the other in `cluster_faults_suite`, which prints the table
//! (faults injected, runs, converged, objects wrongly deleted) and fails on any miss.
//! API-server faults use a private plane ([`plane`]); the shared one is never stopped.
//! `GITOPS_FAULTS=kill,git,apiserver,watch,proxy` picks scenarios (default: all).
//! Parts: [`env`] (the env, its commands and checks), [`child`] (bounded child
//! processes), [`plane`], [`proxy`], [`table`].

mod child;
mod env;
mod plane;
mod proxy;
mod table;

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::testplane;
use child::{run, signal, Running};
use env::{FaultEnv, Poller};
use proxy::{Mode, Proxy};
use table::{table, Row};

/// Bound of one command that is expected to finish (sync, diff, kubectl).
const RUN_BOUND: Duration = Duration::from_secs(90);
/// Bound of a command run into a fault: it must give up by itself well within this.
const FAULT_BOUND: Duration = Duration::from_secs(45);
/// The phase-boundary lines this many into a sync are the most we look for.
const MAX_BOUNDARIES: usize = 12;

/// The message of a log line, without tracing's timestamp and level.
fn message(line: &str) -> &str {
    ["applying phase ", "writing inventory parent", "pruning"]
        .iter()
        .filter_map(|m| line.find(m))
        .min()
        .map_or(line, |at| &line[at..])
}

/// A log line that marks a sync phase boundary (with `-v`).
fn is_boundary(line: &str) -> bool {
    line.contains("applying phase ")
        || line.contains("writing inventory parent")
        || line.contains("pruning")
}

// ---------------------------------------------------------------------------------------
// Scenarios

/// `sync` SIGKILLed at the n-th boundary of a first sync (fresh env each time), then of
/// an update that changes, adds and prunes (one env, toggled), for every n a sync has.
fn sigkill_at_each_boundary(kubeconfig: &Path, rows: &mut Vec<Row>) {
    let mut first = Row::new("sync SIGKILL at each boundary: first sync");
    let started = Instant::now();
    for n in 1..=MAX_BOUNDARIES {
        let mut env = FaultEnv::new(kubeconfig, "faults-kill");
        env.create_bystanders();
        let hit = env.kill_sync_at(n, &mut first);
        if let Some(line) = &hit {
            env.recover(&mut first, &format!("killed at boundary {n} '{line}'"));
        }
        env.cleanup();
        if hit.is_none() {
            break;
        }
    }
    first.elapsed = started.elapsed();
    rows.push(first);

    let mut mid = Row::new("sync SIGKILL inside each group: first sync");
    let started = Instant::now();
    let poller = Poller::new(kubeconfig);
    let steps: BTreeSet<(u8, i64)> = FaultEnv::new(kubeconfig, "faults-steps")
        .git
        .iter()
        .map(|o| o.step)
        .collect();
    for step in steps {
        let mut env = FaultEnv::new(kubeconfig, "faults-mid");
        env.create_bystanders();
        if let Some(line) = env.kill_sync_mid_step(step, &poller, &mut mid) {
            env.recover(&mut mid, &format!("killed in '{line}'"));
        }
        env.cleanup();
    }
    mid.elapsed = started.elapsed();
    rows.push(mid);

    let mut update = Row::new("sync SIGKILL at each boundary: update with prune");
    let started = Instant::now();
    let mut env = FaultEnv::new(kubeconfig, "faults-upd");
    env.create_bystanders();
    if let Err(e) = env.converge(&mut update, "first sync") {
        update.fail(format!("first sync: {e}"));
    }
    for n in 1..=MAX_BOUNDARIES {
        env.toggle();
        let hit = env.kill_sync_at(n, &mut update);
        if let Some(line) = &hit {
            env.recover(&mut update, &format!("killed at boundary {n} '{line}'"));
        }
        if hit.is_none() {
            break;
        }
    }
    env.cleanup();
    update.elapsed = started.elapsed();
    rows.push(update);
}

/// Git changes between a killed sync and its re-run: the re-run prunes what left Git,
/// and only that.
fn git_changed_before_rerun(kubeconfig: &Path, rows: &mut Vec<Row>) {
    let mut row = Row::new("sync SIGKILL, Git changed before the re-run");
    let started = Instant::now();
    let wave1 = |l: &str| l.contains("applying phase 2 wave 1");

    // A first sync killed once wave 0 is applied; early-3 then leaves Git.
    let mut env = FaultEnv::new(kubeconfig, "faults-git");
    env.create_bystanders();
    row.runs += 1;
    let mut sync = Running::spawn(env.gitops("sync", &["--prune", "--no-wait", "-v"]));
    match sync.wait_for_line(wave1, 1, RUN_BOUND) {
        Some(_) => {
            sync.kill();
            row.injected += 1;
            env.remove("ConfigMap", "early-3");
            env.recover(&mut row, "first sync killed before wave 1, early-3 removed");
        }
        None => row.fail(format!(
            "first sync never reached wave 1: {}",
            sync.finish(RUN_BOUND).text()
        )),
    }

    // An update (adds `extra`, drops early-4) killed before wave 1; then late-0 and the
    // Service front leave Git as well.
    env.toggle();
    row.runs += 1;
    let mut sync = Running::spawn(env.gitops("sync", &["--prune", "--no-wait", "-v"]));
    match sync.wait_for_line(wave1, 1, RUN_BOUND) {
        Some(_) => {
            sync.kill();
            row.injected += 1;
            env.remove("ConfigMap", "late-0");
            env.remove("Service", "front");
            env.recover(
                &mut row,
                "update killed before wave 1, late-0 and Service front removed",
            );
        }
        None => row.fail(format!(
            "update never reached wave 1: {}",
            sync.finish(RUN_BOUND).text()
        )),
    }
    env.cleanup();
    row.elapsed = started.elapsed();
    rows.push(row);
}

/// The API server SIGKILLed mid-sync (the sync is paused at the boundary line while the
/// server dies, so the fault always lands mid-sync) and restarted on the same dir and
/// port: the interrupted sync exits 2, the re-run converges.
fn apiserver_killed_mid_sync(rows: &mut Vec<Row>) {
    let mut row = Row::new("API server SIGKILL mid-sync, restart");
    let started = Instant::now();
    let plane = match plane::get() {
        Ok(p) => p,
        Err(e) => {
            row.fail(format!("private plane: {e}"));
            rows.push(row);
            return;
        }
    };
    let mut env = FaultEnv::new(&plane.kubeconfig, "faults-api");
    env.create_bystanders();
    for (n, update) in [(1, false), (3, true)] {
        if update {
            env.toggle();
        }
        row.runs += 1;
        let mut sync = Running::spawn(env.gitops("sync", &["--prune", "--no-wait", "-v"]));
        let Some(line) = sync
            .wait_for_line(is_boundary, n, RUN_BOUND)
            .map(|l| message(&l).to_string())
        else {
            row.fail(format!(
                "sync ended before boundary {n}: {}",
                sync.finish(RUN_BOUND).text()
            ));
            continue;
        };
        signal(sync.pid(), "STOP");
        plane.kill();
        signal(sync.pid(), "CONT");
        row.injected += 1;
        let out = sync.finish(FAULT_BOUND);
        if out.code != Some(2) {
            row.fail(format!(
                "sync interrupted at '{line}' by the server's death must exit 2: {}",
                out.text()
            ));
        }
        let took = plane.restart();
        row_note(&format!(
            "interrupted sync exited {:?} after {:.1}s; plane restarted in {:.1}s",
            out.code,
            out.elapsed.as_secs_f64(),
            took.as_secs_f64()
        ));
        env.recover(&mut row, &format!("server killed at boundary {n} '{line}'"));
    }
    env.cleanup();
    row.elapsed = started.elapsed();
    rows.push(row);
}

/// The API server stopped (SIGTERM) and restarted under `sync --watch --interval 1s`:
/// the loop logs the error and keeps going, heals a drift made after the restart, and
/// stops promptly on SIGTERM with exit 0.
fn apiserver_restarted_mid_watch(rows: &mut Vec<Row>) {
    let mut row = Row::new("API server SIGTERM + restart under sync --watch");
    let started = Instant::now();
    let plane = match plane::get() {
        Ok(p) => p,
        Err(e) => {
            row.fail(format!("private plane: {e}"));
            rows.push(row);
            return;
        }
    };
    let mut env = FaultEnv::new(&plane.kubeconfig, "faults-watch");
    env.create_bystanders();
    row.runs += 1;
    let mut watch = Running::spawn(env.gitops("sync", &["--prune", "--watch", "--interval", "1s"]));
    let in_sync = |row: &mut Row, bound: Duration| {
        let deadline = Instant::now() + bound;
        loop {
            row.runs += 1;
            if run(env.gitops("diff", &[]), RUN_BOUND).code == Some(0) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    };
    if !in_sync(&mut row, Duration::from_secs(60)) {
        row.fail("the watch did not converge before the fault".into());
    }

    let stopped_in = plane.terminate();
    row.injected += 1;
    let error = watch.wait_for_line(|l| l.contains("error"), 1, Duration::from_secs(60));
    let restarted_in = plane.restart();
    row_note(&format!(
        "plane stopped in {:.1}s, restarted in {:.1}s; watch logged: {error:?}",
        stopped_in.as_secs_f64(),
        restarted_in.as_secs_f64()
    ));
    if error.is_none() {
        row.fail("the watch ended instead of logging the error".into());
    }

    // A drift made after the restart is healed by the watch (bounded: its backoff).
    let drift = env.kubectl(&[
        "patch",
        "configmap",
        "early-1",
        "-n",
        &env.ns,
        "--type",
        "merge",
        "-p",
        r#"{"data":{"value":"drifted"}}"#,
    ]);
    assert_eq!(drift.code, Some(0), "{}", drift.text());
    let drifted_at = Instant::now();
    let deadline = drifted_at + Duration::from_secs(90);
    let healed = loop {
        let out = env.kubectl(&[
            "get",
            "configmap",
            "early-1",
            "-n",
            &env.ns,
            "-o",
            "jsonpath={.data.value}",
        ]);
        if out.stdout.trim() == "a" {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        std::thread::sleep(Duration::from_millis(500));
    };
    let heal_took = drifted_at.elapsed();
    if healed {
        row.converged += 1;
    } else {
        row.fail("a drift made after the restart was not healed within 90s".into());
    }
    if !in_sync(&mut row, Duration::from_secs(10)) {
        row.fail("diff after the heal is not 0".into());
    }

    let asked = Instant::now();
    signal(watch.pid(), "TERM");
    // The bound runs from the start of the child; give SIGTERM 10 s from now.
    let out = watch.finish(started.elapsed() + Duration::from_secs(10));
    let stop = asked.elapsed();
    row_note(&format!(
        "watch: a drift made after the restart healed in {:.1}s; SIGTERM: exit {:?} in {:.2}s",
        heal_took.as_secs_f64(),
        out.code,
        stop.as_secs_f64()
    ));
    if out.code != Some(0) || stop > Duration::from_secs(10) {
        row.fail(format!(
            "SIGTERM must stop the watch promptly with exit 0 (took {stop:?}): {}",
            out.text()
        ));
    }
    let (deleted, misses) = env.check();
    row.wrongly_deleted += deleted;
    for m in misses {
        row.fail(format!("after the watch: {m}"));
    }
    env.cleanup();
    row.elapsed = started.elapsed();
    rows.push(row);
}

/// The `server:` address (127.0.0.1:port) of a test-plane kubeconfig.
fn server_of(kubeconfig: &Path) -> (String, std::net::SocketAddr) {
    let text = std::fs::read_to_string(kubeconfig).expect("read kubeconfig");
    let url = text
        .lines()
        .find_map(|l| l.trim().strip_prefix("server: "))
        .expect("server in kubeconfig")
        .trim()
        .to_string();
    let addr = url
        .strip_prefix("https://")
        .and_then(|a| a.parse().ok())
        .unwrap_or_else(|| panic!("server {url} is not https://IP:port"));
    (url, addr)
}

/// The proxy between client and server: stalls, resets, resets after 16 KiB per
/// connection, during `sync` (from its first boundary on: the sync is paused while the
/// mode changes, so open connections are hit too) and `diff` (from the start), with
/// `--request-timeout 3`.
fn proxy_faults(kubeconfig: &Path, rows: &mut Vec<Row>) {
    let (url, upstream) = server_of(kubeconfig);
    let proxy = Proxy::start(upstream);
    let mut env = FaultEnv::new(kubeconfig, "faults-proxy");
    let proxied = env.root.with_extension("kubeconfig");
    let text = std::fs::read_to_string(kubeconfig).expect("read kubeconfig");
    std::fs::write(
        &proxied,
        text.replace(&url, &format!("https://{}", proxy.addr)),
    )
    .expect("write kubeconfig");
    env.gitops_kubeconfig = proxied;
    env.create_bystanders();
    let mut setup = Row::new("proxy pass-through (set-up)");
    let through = env.converge(&mut setup, "first sync through the proxy");
    let (bytes, connections) = (proxy.bytes(), proxy.accepted());
    row_note(&format!(
        "proxy: a first sync and a diff took {connections} connection(s), {bytes} bytes"
    ));
    let usable = through.is_ok();
    if let Err(e) = through {
        setup.fail(format!("through the proxy: {e}"));
    }
    if !setup.failures.is_empty() {
        rows.push(setup);
    }
    if !usable {
        return;
    }

    let cases = [
        ("proxy stall during sync", Mode::Stall, true),
        ("proxy stall during diff", Mode::Stall, false),
        ("proxy reset during sync", Mode::Reset, true),
        ("proxy reset during diff", Mode::Reset, false),
        (
            "proxy reset after 16 KiB per connection, sync",
            Mode::ResetAfter(16384),
            true,
        ),
        (
            "proxy reset after 16 KiB per connection, diff",
            Mode::ResetAfter(16384),
            false,
        ),
    ];
    for (name, mode, during_sync) in cases {
        let mut row = Row::new(name);
        let started = Instant::now();
        row.runs += 1;
        let out = if during_sync {
            env.toggle();
            let mut sync = Running::spawn(env.gitops(
                "sync",
                &["--prune", "--no-wait", "-v", "--request-timeout", "3"],
            ));
            if sync.wait_for_line(is_boundary, 1, RUN_BOUND).is_some() {
                signal(sync.pid(), "STOP");
                proxy.set_mode(mode);
                signal(sync.pid(), "CONT");
            }
            sync.finish(FAULT_BOUND)
        } else {
            proxy.set_mode(mode);
            run(env.gitops("diff", &["--request-timeout", "3"]), FAULT_BOUND)
        };
        row.injected += 1;
        proxy.set_mode(Mode::Pass);
        row_note(&format!(
            "{name}: exit {:?} after {:.1}s: {:?}",
            out.code,
            out.elapsed.as_secs_f64(),
            out.error_lines()
        ));
        if out.code != Some(2) {
            row.fail(format!("{name}: must exit 2: {}", out.text()));
        }
        if out.error_lines().len() != 1 {
            row.fail(format!("{name}: must print one error line: {}", out.text()));
        }
        if !during_sync && out.stderr.lines().filter(|l| !l.trim().is_empty()).count() != 1 {
            row.fail(format!(
                "{name}: stderr must be that one line: {}",
                out.text()
            ));
        }
        env.recover(&mut row, name);
        row.elapsed = started.elapsed();
        rows.push(row);
    }
    env.cleanup();
    drop(proxy);
}

#[test]
fn cluster_faults_suite() {
    let Some(kubeconfig) = testplane::kubeconfig() else {
        return;
    };
    let only = std::env::var("GITOPS_FAULTS").unwrap_or_default();
    let wanted = |name: &str| only.is_empty() || only.split(',').any(|w| w.trim() == name);
    let started = Instant::now();
    let mut rows = Vec::new();
    type Scenario<'a> = (&'a str, Box<dyn Fn(&mut Vec<Row>) + 'a>);
    let scenarios: Vec<Scenario> = vec![
        (
            "kill",
            Box::new(|r| sigkill_at_each_boundary(&kubeconfig, r)),
        ),
        (
            "git",
            Box::new(|r| git_changed_before_rerun(&kubeconfig, r)),
        ),
        ("apiserver", Box::new(apiserver_killed_mid_sync)),
        ("watch", Box::new(apiserver_restarted_mid_watch)),
        ("proxy", Box::new(|r| proxy_faults(&kubeconfig, r))),
    ];
    for (name, scenario) in &scenarios {
        if !wanted(name) {
            continue;
        }
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut own = Vec::new();
            scenario(&mut own);
            own
        }));
        match result {
            Ok(own) => rows.extend(own),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                let mut row = Row::new(&format!("{name} (aborted)"));
                row.fail(format!("panicked: {msg}"));
                rows.push(row);
            }
        }
    }
    let summary = table(&rows);
    let failures: Vec<String> = rows
        .iter()
        .flat_map(|r| r.failures.iter().map(move |f| format!("[{}] {f}", r.fault)))
        .collect();
    // The real stderr, so the table shows without --nocapture too.
    let _ = writeln!(
        std::io::stderr().lock(),
        "\nfault suite ({:.0}s):\n{summary}",
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} fault check(s) failed:\n{}\n\n{summary}",
        failures.len(),
        failures.join("\n\n")
    );
    let wrongly_deleted: u32 = rows.iter().map(|r| r.wrongly_deleted).sum();
    assert_eq!(wrongly_deleted, 0, "{summary}");
}

/// A progress note on the real stderr (shown without --nocapture).
fn row_note(msg: &str) {
    let _ = writeln!(std::io::stderr().lock(), "faults: {msg}");
}
