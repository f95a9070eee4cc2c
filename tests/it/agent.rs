//! `kubectl gitops agent` on the test plane, through the binary: a `file://` repository
//! made with `git init`, the agent as a child process with a ServiceAccount token bound
//! to namespace-scoped Roles only, and its HTTP listener on a free port. Every wait is
//! bounded.

use crate::testplane;
use crate::util::{kubectl, kubectl_ok};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn kubectl_apply(kc: &Path, yaml: &str) {
    let mut child = Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(kc)
        .args(["apply", "--server-side", "-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kubectl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(yaml.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("kubectl");
    assert!(
        out.status.success(),
        "kubectl apply: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The value `v` of ConfigMap `name` in `ns`, if it exists.
fn cm_value(kc: &Path, ns: &str, name: &str) -> Option<String> {
    let out = kubectl(
        kc,
        &[
            "get",
            "configmap",
            name,
            "-n",
            ns,
            "-o",
            "jsonpath={.data.v}",
        ],
    );
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).to_string())
}

fn wait_until(what: &str, limit: Duration, mut ok: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ok() {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(250));
    }
    panic!("timed out after {limit:?} waiting for {what}");
}

/// One HTTP/1.1 request; (status, body).
fn http(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> (u16, String) {
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
        return (0, String::new());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(10)));
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: agent\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    if s.write_all(req.as_bytes()).is_err() || s.write_all(body).is_err() {
        return (0, String::new());
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}

fn get(port: u16, path: &str) -> (u16, String) {
    http(port, "GET", path, &[], b"")
}

/// The value of the metric line starting with `series` (name and labels), if present.
fn metric(port: u16, series: &str) -> Option<f64> {
    let (_, body) = get(port, "/metrics");
    body.lines()
        .find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A repository, the namespaces it deploys to, and the agent's ServiceAccount
/// kubeconfig.
struct Fixture {
    dir: tempfile::TempDir,
    admin: PathBuf,
    kubeconfig: PathBuf,
    /// Namespaces of env a and env b, and the agent's own (its Lease).
    ns: [String; 3],
}

impl Fixture {
    async fn new() -> Option<Fixture> {
        let admin = testplane::kubeconfig()?;
        let ns = [
            testplane::namespace("agent-a").await,
            testplane::namespace("agent-b").await,
            testplane::namespace("agent-sys").await,
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home");
        std::fs::create_dir_all(dir.path().join("repo")).expect("repo");
        // The agent's least privilege: its objects and events in the env namespaces,
        // its Lease in its own; nothing cluster-wide.
        let mut rbac = format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: agent\n  namespace: {sys}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: agent\n  namespace: {sys}\nrules:\n- apiGroups: [coordination.k8s.io]\n  resources: [leases]\n  verbs: [get, create, update]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: agent\n  namespace: {sys}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: agent}}\nsubjects:\n- {{kind: ServiceAccount, name: agent, namespace: {sys}}}\n",
            sys = ns[2]
        );
        for n in &ns[..2] {
            rbac.push_str(&format!(
                "---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: agent\n  namespace: {n}\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list, watch, create, update, patch, delete]\n- apiGroups: [\"\"]\n  resources: [events]\n  verbs: [create, patch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: agent\n  namespace: {n}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: agent}}\nsubjects:\n- {{kind: ServiceAccount, name: agent, namespace: {sys}}}\n",
                sys = ns[2]
            ));
        }
        kubectl_apply(&admin, &rbac);
        let kubeconfig = dir.path().join("agent.kubeconfig");
        crate::util::service_account_kubeconfig(&admin, "agent", &ns[2], &kubeconfig);
        let fx = Fixture {
            dir,
            admin,
            kubeconfig,
            ns,
        };
        fx.git(&["init", "-q", "-b", "main"]);
        Some(fx)
    }

    fn repo(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    fn git(&self, args: &[&str]) {
        let out = Command::new("git")
            .current_dir(self.repo())
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .env("HOME", self.dir.path().join("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write(&self, rel: &str, body: &str) {
        let path = self.repo().join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, body).expect("write");
    }

    /// env `name` holding ConfigMaps `(name, v)`.
    fn env(&self, name: &str, cms: &[(&str, &str)]) {
        let _ = std::fs::remove_dir_all(self.repo().join("envs").join(name));
        let mut k = String::from("resources:\n");
        for (cm, v) in cms {
            self.write(
                &format!("envs/{name}/{cm}.yaml"),
                &format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {cm}\ndata:\n  v: \"{v}\"\n"),
            );
            k.push_str(&format!("- {cm}.yaml\n"));
        }
        self.write(&format!("envs/{name}/kustomization.yaml"), &k);
    }

    /// Bindings: a and b on cluster c1 (in their namespaces), other on cluster c2
    /// (in a's namespace).
    fn bindings(&self) {
        self.write(
            ".gitops/envs.yaml",
            &format!(
                "envs:\n  a:\n    cluster: c1\n    namespace: {}\n  b:\n    cluster: c1\n    namespace: {}\n  other:\n    cluster: c2\n    namespace: {}\n",
                self.ns[0], self.ns[1], self.ns[0]
            ),
        );
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn secret(&self, name: &str, value: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, value).expect("secret");
        p
    }

    /// Starts the agent with `--interval 1s` unless `args` give one.
    fn agent(&self, args: &[&str]) -> Agent {
        let port = free_port();
        let log = self.dir.path().join(format!("agent-{port}.log"));
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"));
        cmd.arg("agent");
        if !args.contains(&"--repo") {
            cmd.arg("--repo")
                .arg(format!("file://{}", self.repo().display()));
        }
        cmd.args(["--branch", "main", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .arg("--kubeconfig")
            .arg(&self.kubeconfig);
        if !args.contains(&"--interval") {
            cmd.args(["--interval", "1s"]);
        }
        let child = cmd
            .args(args)
            .env("HOME", self.dir.path().join("home"))
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env_remove("KUBECONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log"))
            .spawn()
            .expect("start agent");
        let mut agent = Agent { child, port, log };
        wait_until("the agent's listener", Duration::from_secs(20), || {
            if let Ok(Some(exit)) = agent.child.try_wait() {
                panic!("the agent exited ({exit}): {}", agent.log());
            }
            get(port, "/healthz").0 == 200
        });
        agent
    }

    fn events(&self, ns: &str) -> String {
        kubectl_ok(
            &self.admin,
            &["get", "events", "-n", ns, "-o", "jsonpath={range .items[*]}{.reason} {.involvedObject.name} {.message}{\"\\n\"}{end}"],
        )
    }
}

struct Agent {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Agent {
    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn leader(&self) -> bool {
        metric(self.port, "gitops_agent_leader") == Some(1.0)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sign(secret: &str, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("hmac");
    mac.update(body);
    let sum: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256={sum}")
}

#[tokio::test]
async fn agent_syncs_bound_envs_follows_commits_and_heals_drift() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let (a, b) = (fx.ns[0].clone(), fx.ns[1].clone());
    fx.env("a", &[("one", "1"), ("two", "1")]);
    fx.env("b", &[("one", "1")]);
    fx.env("other", &[("foreign", "1")]);
    fx.bindings();
    fx.commit("first");
    let agent = fx.agent(&["--bound", "--cluster-name", "c1"]);
    // First sync of both envs.
    let first = wait_until("first sync of a and b", Duration::from_secs(30), || {
        cm_value(&fx.admin, &a, "two").as_deref() == Some("1")
            && cm_value(&fx.admin, &b, "one").as_deref() == Some("1")
    });
    eprintln!("first sync of two envs: {first:?}");
    assert_eq!(get(agent.port, "/readyz").0, 200);
    let (code, status) = get(agent.port, "/status");
    assert_eq!(code, 200);
    let status: serde_json::Value = serde_json::from_str(&status).expect("status JSON");
    assert_eq!(status["envs"]["a"]["result"], "Synced", "{status}");
    assert_eq!(status["envs"]["b"]["result"], "Synced", "{status}");
    // The env bound to another cluster is never applied, nor even reported.
    assert!(status["envs"].get("other").is_none(), "{status}");
    assert_eq!(cm_value(&fx.admin, &a, "foreign"), None);
    // A new commit converges within a few intervals; a removed object is pruned.
    fx.env("a", &[("one", "2")]);
    fx.commit("second");
    let converge = wait_until("the new commit", Duration::from_secs(15), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("2")
            && cm_value(&fx.admin, &a, "two").is_none()
    });
    eprintln!("new commit converged in {converge:?}");
    // Drift is healed and counted.
    kubectl_ok(
        &fx.admin,
        &[
            "patch",
            "configmap",
            "one",
            "-n",
            &a,
            "--type",
            "merge",
            "-p",
            r#"{"data":{"v":"hacked"}}"#,
        ],
    );
    let heal = wait_until("the drift healed", Duration::from_secs(15), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("2")
            && metric(agent.port, "gitops_agent_drift_corrected_total{env=\"a\"}")
                .is_some_and(|n| n >= 1.0)
    });
    eprintln!("drift healed in {heal:?}");
    // An object deleted by hand is recreated and counted as drift too.
    kubectl_ok(&fx.admin, &["delete", "configmap", "one", "-n", &a]);
    wait_until(
        "the deleted object recreated",
        Duration::from_secs(15),
        || {
            cm_value(&fx.admin, &a, "one").as_deref() == Some("2")
                && metric(agent.port, "gitops_agent_drift_corrected_total{env=\"a\"}")
                    .is_some_and(|n| n >= 2.0)
        },
    );
    let events = fx.events(&a);
    for reason in [
        "Synced gitops-a",
        "Pruned gitops-a",
        "DriftCorrected gitops-a",
    ] {
        assert!(
            events.contains(reason),
            "event {reason}: {events}\n{}",
            agent.log()
        );
    }
    let annotations = kubectl_ok(
        &fx.admin,
        &[
            "get",
            "configmap",
            "gitops-a",
            "-n",
            &a,
            "-o",
            "jsonpath={.metadata.annotations}",
        ],
    );
    assert!(
        annotations.contains("\"kubectl-gitops.io/last-result\":\"Synced\""),
        "{annotations}"
    );
    assert_eq!(cm_value(&fx.admin, &a, "foreign"), None, "{}", agent.log());
    assert!(
        metric(
            agent.port,
            "gitops_agent_reconciles_total{env=\"b\",result=\"Synced\"}"
        )
        .is_some_and(|n| n >= 2.0),
        "{}",
        get(agent.port, "/metrics").1
    );
    // A broken .gitops/envs.yaml: every env it bound fails to render, reported, and
    // nothing is applied or pruned.
    fx.write(".gitops/envs.yaml", "envs:\n  a: [\n");
    fx.commit("broken bindings");
    wait_until(
        "both envs reported as render failures",
        Duration::from_secs(15),
        || {
            ["a", "b"].iter().all(|e| {
                metric(
                    agent.port,
                    &format!(
                        "gitops_agent_reconciles_total{{env=\"{e}\",result=\"RenderFailed\"}}"
                    ),
                )
                .is_some_and(|n| n >= 1.0)
            })
        },
    );
    assert!(
        fx.events(&b).contains("RenderFailed gitops-b"),
        "{}",
        fx.events(&b)
    );
    assert!(
        fx.events(&b).contains(".gitops/envs.yaml"),
        "{}",
        fx.events(&b)
    );
    assert_eq!(cm_value(&fx.admin, &a, "one").as_deref(), Some("2"));
    assert_eq!(cm_value(&fx.admin, &b, "one").as_deref(), Some("1"));
}

#[tokio::test]
async fn agent_webhook_and_refresh_need_a_valid_signature_or_token() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let a = fx.ns[0].clone();
    fx.env("a", &[("one", "1")]);
    fx.bindings();
    fx.commit("first");
    let secret = fx.secret("webhook", "s3cret\n");
    let token = fx.secret("token", "refresh-token\n");
    let agent = fx.agent(&[
        "--env",
        "a",
        "--cluster-name",
        "c1",
        "--interval",
        "1h",
        "--webhook-secret-file",
        &secret.to_string_lossy(),
        "--refresh-token-file",
        &token.to_string_lossy(),
        "--log-format",
        "json",
    ]);
    wait_until("first sync", Duration::from_secs(30), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("1")
    });
    fx.env("a", &[("one", "2")]);
    fx.commit("second");
    let body = br#"{"ref":"refs/heads/main","after":"x"}"#;
    // Missing and wrong signatures: 401, nothing done.
    let push = [
        ("X-GitHub-Event", "push"),
        ("Content-Type", "application/json"),
    ];
    assert_eq!(
        http(agent.port, "POST", "/hooks/github", &push, body).0,
        401
    );
    let bad = sign("wrong", body);
    let headers = [push[0], push[1], ("X-Hub-Signature-256", bad.as_str())];
    assert_eq!(
        http(agent.port, "POST", "/hooks/github", &headers, body).0,
        401
    );
    let wrong_token = [("Authorization", "Bearer nope")];
    assert_eq!(
        http(agent.port, "POST", "/hooks/refresh", &wrong_token, b"").0,
        401
    );
    // A body over 1 MiB is refused before anything else.
    let huge = vec![b' '; (1 << 20) + 10];
    let big = sign("s3cret", &huge);
    let headers_big = [push[0], push[1], ("X-Hub-Signature-256", big.as_str())];
    assert_eq!(
        http(agent.port, "POST", "/hooks/github", &headers_big, &huge).0,
        413
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        cm_value(&fx.admin, &a, "one").as_deref(),
        Some("1"),
        "{}",
        agent.log()
    );
    // A signed push to the tracked branch converges at once.
    let good = sign("s3cret", body);
    let headers = [push[0], push[1], ("X-Hub-Signature-256", good.as_str())];
    let sent = Instant::now();
    assert_eq!(
        http(agent.port, "POST", "/hooks/github", &headers, body).0,
        202
    );
    wait_until("the webhook's reconcile", Duration::from_secs(10), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("2")
    });
    eprintln!("signed webhook converged in {:?}", sent.elapsed());
    // The refresh hook with the token does the same.
    fx.env("a", &[("one", "3")]);
    fx.commit("third");
    let right = [("Authorization", "Bearer refresh-token")];
    assert_eq!(
        http(agent.port, "POST", "/hooks/refresh", &right, b"").0,
        202
    );
    wait_until("the refresh's reconcile", Duration::from_secs(10), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("3")
    });
    // --log-format json: every line is a JSON object with a time and a message.
    let log = agent.log();
    assert!(log.contains("bad signature"), "{log}");
    for line in log.lines() {
        let v: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        assert!(v["time"].is_string() && v["msg"].is_string(), "{line}");
    }
}

#[tokio::test]
async fn agent_render_failure_reports_and_never_prunes() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let a = fx.ns[0].clone();
    fx.env("a", &[("one", "1"), ("two", "1")]);
    fx.env("other", &[("foreign", "1")]);
    fx.bindings();
    fx.commit("first");
    // `other` is named, but bound to cluster c2: refused, never applied.
    // b holds a Secret, which the agent's Roles do not allow: refused before any write.
    fx.env("b", &[("one", "1")]);
    fx.write(
        "envs/b/secret.yaml",
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: token\nstringData:\n  t: x\n",
    );
    fx.write(
        "envs/b/kustomization.yaml",
        "resources:\n- one.yaml\n- secret.yaml\n",
    );
    fx.commit("b");
    let agent = fx.agent(&[
        "--env",
        "a",
        "--env",
        "other",
        "--env",
        "b",
        "--cluster-name",
        "c1",
    ]);
    wait_until("first sync", Duration::from_secs(30), || {
        cm_value(&fx.admin, &a, "two").as_deref() == Some("1")
    });
    let (_, status) = get(agent.port, "/status");
    let status: serde_json::Value = serde_json::from_str(&status).expect("JSON");
    assert_eq!(status["envs"]["other"]["result"], "Refused", "{status}");
    assert!(
        status["envs"]["other"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cluster 'c2'")),
        "{status}"
    );
    assert_eq!(cm_value(&fx.admin, &a, "foreign"), None);
    assert!(
        !kubectl_ok(&fx.admin, &["get", "configmap", "-n", &a, "-o", "name"])
            .contains("gitops-other")
    );
    fx.write(
        "envs/a/kustomization.yaml",
        "resources:\n- one.yaml\n- missing.yaml\n",
    );
    fx.commit("broken");
    wait_until("the render failure metric", Duration::from_secs(15), || {
        metric(
            agent.port,
            "gitops_agent_reconciles_total{env=\"a\",result=\"RenderFailed\"}",
        )
        .is_some_and(|n| n >= 1.0)
    });
    // Several more cycles: still nothing pruned.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(
        cm_value(&fx.admin, &a, "two").as_deref(),
        Some("1"),
        "{}",
        agent.log()
    );
    assert_eq!(cm_value(&fx.admin, &a, "one").as_deref(), Some("1"));
    let events = fx.events(&a);
    assert!(events.contains("RenderFailed gitops-a"), "{events}");
    assert!(events.contains("missing.yaml"), "{events}");
    let result = kubectl_ok(
        &fx.admin,
        &[
            "get",
            "configmap",
            "gitops-a",
            "-n",
            &a,
            "-o",
            "jsonpath={.metadata.annotations.kubectl-gitops\\.io/last-result}",
        ],
    );
    assert_eq!(result, "RenderFailed");
    let (_, status) = get(agent.port, "/status");
    assert!(status.contains("RenderFailed"), "{status}");
    // The private checkout's path is not in the message.
    assert!(!status.contains("kubectl-gitops-agent-"), "{status}");
    // The env the agent may not write: ApplyFailed (event and metric), nothing written.
    let b = fx.ns[1].clone();
    assert!(
        metric(
            agent.port,
            "gitops_agent_reconciles_total{env=\"b\",result=\"ApplyFailed\"}"
        )
        .is_some_and(|n| n >= 1.0),
        "{}",
        get(agent.port, "/metrics").1
    );
    let events_b = fx.events(&b);
    assert!(events_b.contains("ApplyFailed gitops-b"), "{events_b}");
    assert!(events_b.contains("Secret/token"), "{events_b}");
    assert_eq!(cm_value(&fx.admin, &b, "one"), None);
    // The repository unreachable: fetch errors counted, drift still healed from the
    // last good checkout (env a is broken there now, so restore it first).
    fx.env("a", &[("one", "1"), ("two", "1")]);
    fx.commit("fixed");
    wait_until("the fix applied", Duration::from_secs(15), || {
        get(agent.port, "/status")
            .1
            .contains("\"lastAppliedRevision\"")
            && metric(
                agent.port,
                "gitops_agent_reconciles_total{env=\"a\",result=\"Synced\"}",
            )
            .is_some_and(|n| n >= 2.0)
    });
    std::fs::rename(fx.repo(), fx.dir.path().join("moved")).expect("move the repository");
    kubectl_ok(
        &fx.admin,
        &[
            "patch",
            "configmap",
            "two",
            "-n",
            &a,
            "--type",
            "merge",
            "-p",
            r#"{"data":{"v":"hacked"}}"#,
        ],
    );
    wait_until(
        "drift healed while the fetch fails",
        Duration::from_secs(15),
        || {
            cm_value(&fx.admin, &a, "two").as_deref() == Some("1")
                && metric(agent.port, "gitops_agent_fetch_errors_total").is_some_and(|n| n >= 1.0)
        },
    );
    assert_eq!(get(agent.port, "/readyz").0, 200);
}

#[tokio::test]
async fn agent_leader_election_fails_over_and_sigterm_releases_the_lease() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let (a, sys) = (fx.ns[0].clone(), fx.ns[2].clone());
    fx.env("a", &[("one", "1")]);
    fx.bindings();
    fx.commit("first");
    let args = |id: &'static str| {
        [
            "--env",
            "a",
            "--cluster-name",
            "c1",
            "--leader-elect",
            "--lease-namespace",
            sys.as_str(),
            "--identity",
            id,
        ]
        .map(str::to_string)
    };
    let one_args = args("one");
    let mut one = fx.agent(&one_args.iter().map(String::as_str).collect::<Vec<_>>());
    wait_until("agent one leads", Duration::from_secs(20), || one.leader());
    let two_args = args("two");
    let mut two = fx.agent(&two_args.iter().map(String::as_str).collect::<Vec<_>>());
    wait_until("first sync", Duration::from_secs(30), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("1")
    });
    // Only one leads; the standby reconciles nothing.
    std::thread::sleep(Duration::from_secs(6));
    assert!(one.leader());
    assert!(!two.leader());
    let (_, status) = get(two.port, "/status");
    let status: serde_json::Value = serde_json::from_str(&status).expect("JSON");
    assert_eq!(status["envs"], serde_json::json!({}), "{status}");
    // The standby fetches, so it is ready (a rollout of two replicas can finish).
    assert_eq!(get(two.port, "/readyz").0, 200);
    // The leader dies without a word: the standby takes over after the Lease expires.
    one.child.kill().expect("SIGKILL");
    let _ = one.child.wait();
    let killed = Instant::now();
    fx.env("a", &[("one", "2")]);
    fx.commit("second");
    wait_until("the standby takes over", Duration::from_secs(30), || {
        two.leader() && cm_value(&fx.admin, &a, "one").as_deref() == Some("2")
    });
    let takeover = killed.elapsed();
    eprintln!("standby took over and converged {takeover:?} after SIGKILL");
    assert!(
        takeover < Duration::from_secs(25),
        "{takeover:?}\n{}",
        two.log()
    );
    // SIGTERM: exit 0 and the Lease released, so a standby takes over at once.
    let three_args = args("three");
    let three = fx.agent(&three_args.iter().map(String::as_str).collect::<Vec<_>>());
    std::thread::sleep(Duration::from_secs(2));
    assert!(!three.leader());
    let pid = two.child.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill")
        .success());
    let start = Instant::now();
    let code = loop {
        if let Some(s) = two.child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(code.code(), Some(0), "{}", two.log());
    let holder = kubectl_ok(
        &fx.admin,
        &[
            "get",
            "lease",
            "kubectl-gitops-agent",
            "-n",
            &sys,
            "-o",
            "jsonpath={.spec.holderIdentity}",
        ],
    );
    assert_eq!(holder, "", "{}", two.log());
    assert!(two.log().contains("released the lease"), "{}", two.log());
    let released = Instant::now();
    wait_until(
        "the standby takes the released lease",
        Duration::from_secs(10),
        || three.leader(),
    );
    eprintln!(
        "standby took the released lease in {:?}",
        released.elapsed()
    );
}

#[test]
fn agent_refuses_option_like_sources_with_one_line() {
    for args in [
        [
            "--repo=--upload-pack=touch /tmp/pwned",
            "--branch",
            "main",
            "--env",
            "a",
        ],
        ["--repo", "file:///nonexistent", "--branch=-b", "--env", "a"],
        [
            "--repo",
            "file:///nonexistent",
            "--env",
            "../x",
            "--branch=main",
        ],
        ["--repo", "file:///nonexistent", "--path=-x", "--env", "a"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
            .arg("agent")
            .args(args)
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
    }
}

/// A smart-HTTP Git server for one test: `git http-backend` behind HTTP basic auth,
/// answering on a free port until the test ends. Counts the requests it refused and
/// the ones it served.
struct GitHttp {
    port: u16,
    refused: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    served: std::sync::Arc<std::sync::atomic::AtomicUsize>,
}

impl GitHttp {
    fn start(project_root: PathBuf, user: &str, password: &str) -> GitHttp {
        use base64::Engine;
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        );
        let refused = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let (r, s) = (refused.clone(), served.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (root, expected, r, s) =
                    (project_root.clone(), expected.clone(), r.clone(), s.clone());
                std::thread::spawn(move || {
                    let _ = serve_cgi(stream, &root, &expected, &r, &s);
                });
            }
        });
        let _ = Ordering::SeqCst;
        GitHttp {
            port,
            refused,
            served,
        }
    }
}

fn serve_cgi(
    mut stream: std::net::TcpStream,
    root: &Path,
    expected_auth: &str,
    refused: &std::sync::atomic::AtomicUsize,
    served: &std::sync::atomic::AtomicUsize,
) -> std::io::Result<()> {
    use std::sync::atomic::Ordering;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte)? == 0 {
            return Ok(());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let mut lines = head.split("\r\n");
    let request = lines.next().unwrap_or("").to_string();
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or("GET").to_string();
    let target = parts.next().unwrap_or("/").to_string();
    let mut headers = std::collections::HashMap::new();
    for l in lines {
        if let Some((k, v)) = l.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    if headers.get("authorization").map(String::as_str) != Some(expected_auth) {
        refused.fetch_add(1, Ordering::SeqCst);
        stream.write_all(b"HTTP/1.0 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"git\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")?;
        return Ok(());
    }
    served.fetch_add(1, Ordering::SeqCst);
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("REQUEST_METHOD", &method)
        .env("PATH_INFO", path)
        .env("QUERY_STRING", query)
        .env("REMOTE_USER", "test")
        .env("REMOTE_ADDR", "127.0.0.1")
        .env("CONTENT_LENGTH", length.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (header, var) in [
        ("content-type", "CONTENT_TYPE"),
        ("content-encoding", "HTTP_CONTENT_ENCODING"),
        ("git-protocol", "GIT_PROTOCOL"),
    ] {
        if let Some(v) = headers.get(header) {
            cgi.env(var, v);
        }
    }
    let mut child = cgi.spawn()?;
    child.stdin.take().expect("stdin").write_all(&body)?;
    let out = child.wait_with_output()?;
    let text = out.stdout;
    let split = text
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| (i, 4))
        .or_else(|| text.windows(2).position(|w| w == b"\n\n").map(|i| (i, 2)));
    let Some((at, sep)) = split else {
        stream.write_all(b"HTTP/1.0 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(());
    };
    let cgi_head = String::from_utf8_lossy(&text[..at]).to_string();
    let mut status = "200 OK".to_string();
    let mut response = String::new();
    for l in cgi_head.lines() {
        match l.split_once(':') {
            Some((k, v)) if k.eq_ignore_ascii_case("status") => status = v.trim().to_string(),
            _ => response.push_str(&format!("{}\r\n", l.trim_end())),
        }
    }
    let body = &text[at + sep..];
    stream.write_all(
        format!(
            "HTTP/1.0 {status}\r\n{response}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )?;
    stream.write_all(body)?;
    Ok(())
}

#[tokio::test]
async fn agent_fetches_over_smart_http_with_basic_auth_read_from_files() {
    use std::sync::atomic::Ordering;
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let a = fx.ns[0].clone();
    fx.env("a", &[("one", "http")]);
    fx.bindings();
    fx.commit("first");
    let server = GitHttp::start(fx.dir.path().to_path_buf(), "deploy", "pa55-w0rd");
    let url = format!("http://127.0.0.1:{}/repo", server.port);
    let user = fx.secret("git-user", "deploy\n");
    let wrong = fx.secret("git-wrong", "guess\n");
    // A wrong password: fetch errors counted, not ready, nothing applied.
    let refused = fx.agent(&[
        "--repo",
        &url,
        "--env",
        "a",
        "--cluster-name",
        "c1",
        "--git-username-file",
        &user.to_string_lossy(),
        "--git-password-file",
        &wrong.to_string_lossy(),
    ]);
    wait_until("a fetch error", Duration::from_secs(20), || {
        metric(refused.port, "gitops_agent_fetch_errors_total").is_some_and(|n| n >= 1.0)
    });
    assert_eq!(get(refused.port, "/readyz").0, 503);
    assert!(server.refused.load(Ordering::SeqCst) >= 1);
    assert_eq!(cm_value(&fx.admin, &a, "one"), None);
    drop(refused);
    // The right password: synced; the secret is in no log line.
    let password = fx.secret("git-password", "pa55-w0rd\n");
    let agent = fx.agent(&[
        "--repo",
        &url,
        "--env",
        "a",
        "--cluster-name",
        "c1",
        "--git-username-file",
        &user.to_string_lossy(),
        "--git-password-file",
        &password.to_string_lossy(),
    ]);
    wait_until("a sync over smart HTTP", Duration::from_secs(30), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("http")
    });
    assert!(server.served.load(Ordering::SeqCst) >= 1);
    assert_eq!(get(agent.port, "/readyz").0, 200);
    assert!(!agent.log().contains("pa55-w0rd"), "{}", agent.log());
    let (_, status) = get(agent.port, "/status");
    assert!(!status.contains("pa55-w0rd"));
}

#[test]
fn agent_deploy_kustomization_renders_and_its_arguments_parse() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy/agent");
    let ours = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .arg("render")
        .arg(&dir)
        .output()
        .expect("render");
    assert!(
        ours.status.success(),
        "{}",
        String::from_utf8_lossy(&ours.stderr)
    );
    if let Ok(reference) = Command::new("kubectl").arg("kustomize").arg(&dir).output() {
        if reference.status.success() {
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&reference.stdout)
            );
        }
    }
    let text = String::from_utf8_lossy(&ours.stdout).to_string();
    for kind in [
        "kind: Namespace",
        "kind: ServiceAccount",
        "kind: Deployment",
        "kind: Service",
        "kind: PodDisruptionBudget",
        "kind: Role",
        "replicas: 2",
        "- --leader-elect",
        "path: /readyz",
        "path: /healthz",
    ] {
        assert!(text.contains(kind), "{kind} missing:\n{text}");
    }
    // The container's arguments, with the downward-API variables filled in, are
    // accepted: the agent gets as far as reading the (missing) kubeconfig.
    let args: Vec<String> = text
        .lines()
        .skip_while(|l| !l.trim_end().ends_with("args:"))
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .replace("$(POD_NAMESPACE)", "gitops-agent")
                .replace("$(POD_NAME)", "gitops-agent-0")
        })
        .collect();
    assert_eq!(args.first().map(String::as_str), Some("agent"), "{args:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-gitops"))
        .args(&args)
        .arg("--kubeconfig=/nonexistent/kubeconfig")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("/nonexistent/kubeconfig"), "{err}");
}

#[tokio::test]
async fn agent_that_loses_its_lease_stops_applying_until_it_wins_it_back() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let (a, sys) = (fx.ns[0].clone(), fx.ns[2].clone());
    fx.env("a", &[("one", "1")]);
    fx.bindings();
    fx.commit("first");
    let agent = fx.agent(&[
        "--env",
        "a",
        "--cluster-name",
        "c1",
        "--leader-elect",
        "--lease-namespace",
        &sys,
        "--identity",
        "one",
    ]);
    wait_until("first sync", Duration::from_secs(30), || {
        cm_value(&fx.admin, &a, "one").as_deref() == Some("1")
    });
    // Another holder takes the Lease and keeps renewing it.
    let mut n = 0;
    let mut intrude = || {
        n += 1;
        let patch = format!(r#"{{"spec":{{"holderIdentity":"intruder-{n}"}}}}"#);
        kubectl_ok(
            &fx.admin,
            &[
                "patch",
                "lease",
                "kubectl-gitops-agent",
                "-n",
                &sys,
                "--type",
                "merge",
                "-p",
                &patch,
            ],
        );
    };
    intrude();
    wait_until("the agent steps down", Duration::from_secs(15), || {
        intrude();
        !agent.leader()
    });
    kubectl_ok(
        &fx.admin,
        &[
            "patch",
            "configmap",
            "one",
            "-n",
            &a,
            "--type",
            "merge",
            "-p",
            r#"{"data":{"v":"hacked"}}"#,
        ],
    );
    for _ in 0..8 {
        intrude();
        std::thread::sleep(Duration::from_millis(500));
    }
    assert_eq!(
        cm_value(&fx.admin, &a, "one").as_deref(),
        Some("hacked"),
        "a standby applied: {}",
        std::fs::read_to_string(&agent.log).unwrap_or_default()
    );
    // The intruder stops renewing: the agent takes the Lease back and heals.
    wait_until(
        "the Lease won back and the drift healed",
        Duration::from_secs(30),
        || agent.leader() && cm_value(&fx.admin, &a, "one").as_deref() == Some("1"),
    );
}

#[tokio::test]
async fn agent_hostile_sources_run_nothing_and_stay_inside_the_checkout() {
    let Some(fx) = Fixture::new().await else {
        return;
    };
    let a = fx.ns[0].clone();
    fx.env("a", &[("one", "1")]);
    fx.bindings();
    std::os::unix::fs::symlink("/etc", fx.repo().join("outside")).expect("symlink");
    fx.commit("first");
    // git's ext:: transport would run a command: refused, nothing runs.
    let marker = fx.dir.path().join("pwned");
    let ext = format!("ext::sh -c touch% {}", marker.display());
    let agent = fx.agent(&["--repo", &ext, "--env", "a", "--cluster-name", "c1"]);
    wait_until("the fetch refused", Duration::from_secs(15), || {
        metric(agent.port, "gitops_agent_fetch_errors_total").is_some_and(|n| n >= 1.0)
    });
    assert!(!marker.exists(), "ext:: ran a command");
    assert_eq!(get(agent.port, "/readyz").0, 503);
    drop(agent);
    // --path through a symlink out of the checkout: refused, nothing applied.
    let agent = fx.agent(&["--path", "outside", "--env", "a", "--cluster-name", "c1"]);
    wait_until("the path refused", Duration::from_secs(15), || {
        agent
            .log()
            .contains("not a directory inside the repository")
    });
    assert_eq!(cm_value(&fx.admin, &a, "one"), None);
}
