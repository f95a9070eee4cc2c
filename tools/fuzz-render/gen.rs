//! The seeded generator of random kustomization trees: a base (sometimes two), overlays
//! up to four levels, components; resources of built-in and custom kinds, cluster and
//! namespaced; every Kustomization field kustomize v5.5.0 reads; and scalar values drawn
//! from the YAML corners kustomize types differently. The same seed always gives the
//! same tree.

use crate::tree::{File, Tree, Y};
use std::collections::BTreeMap;

/// splitmix64: small, fast, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }
    /// True with probability `percent`/100.
    pub fn pct(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
}

/// Scalars written as plain, quoted or tagged text, each valid after `key: `.
const SCALARS: &[&str] = &[
    "0600",
    "0644",
    "0777",
    "010",
    "0o17",
    "0x1F",
    "0xff",
    "0b101",
    "1_000",
    "12_3",
    "1e3",
    "1E-2",
    ".5",
    "-0",
    "+1",
    "1.50",
    "1.0",
    "3.",
    "-.5",
    "007",
    "08",
    "0.1e+2",
    "2001-12-14",
    "2001-12-14T21:59:43.10-05:00",
    "2002-12-14 21:59:43.10",
    "12:30:45",
    "1:20",
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Y",
    "N",
    "True",
    "FALSE",
    "true",
    "false",
    "null",
    "~",
    "Null",
    "NULL",
    "",
    ".inf",
    "-.Inf",
    ".nan",
    "'0600'",
    "\"0600\"",
    "'yes'",
    "\"true\"",
    "'null'",
    "\"\"",
    "''",
    "!!str 0600",
    "!!int \"42\"",
    "!!float 1",
    "!!bool true",
    "!!str yes",
    "plain text",
    "'with: colon'",
    "'single # hash'",
    "\"tab\\there\"",
    "\"line\\nbreak\"",
    "\"trailing space \"",
    "' leading'",
    "\"\\u00e9t\\u00e9\"",
    "été",
    "中文字符",
    "\"emoji 😀\"",
    "naïve café",
    "\"\\x41\\u2028z\"",
    "'it''s'",
    "a#b",
    "a #comment",
    "-x",
    "\"- dash\"",
    "\"*star\"",
    "\"&amp\"",
    "\"!bang\"",
    "\"%percent\"",
    "\"@at\"",
    "\"`tick\"",
    "'{brace}'",
    "'[bracket]'",
    "\"key: value\"",
    "\"? q\"",
    "123456789012345678901",
    "9223372036854775807",
    "-9223372036854775808",
    "18446744073709551616",
    "0.000001",
    "1e400",
    "=",
    "<<",
    "\"<<\"",
    "[]",
    "{}",
    "[a, 1, yes]",
    "{a: 1, b: 0600}",
    "v1.2.3",
    "1.2.3.4",
    "10Mi",
    "100m",
    "0.5Gi",
    "\"\\\\backslash\"",
    "'a\\b'",
    "/path/to/x",
    "http://example.com/a?b=c&d=e",
];

const WORDS: &[&str] = &[
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "omicron", "pi", "rho", "sigma", "tau", "upsilon", "Phi", "chi",
    "psi", "omega", "é", "中", "x", "set", "-e", "echo", "$HOME", "'q'", "\"dq\"",
];

/// A long line of words (folded at 80 columns by kustomize's writer).
fn long_line(rng: &mut Rng) -> String {
    let n = rng.range(8, 30);
    let words: Vec<&str> = (0..n).map(|_| *rng.pick(WORDS)).collect();
    format!("w {}", words.join(" "))
}

/// `text` as a double-quoted YAML scalar.
fn dq(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// A value that reads as a string in a kustomization file (YAML 1.1).
fn kstring(y: Y) -> Y {
    match y {
        Y::S(t) if t.starts_with('"') || t.starts_with('\'') => Y::S(t),
        Y::S(t) => Y::S(format!("'{}'", t.replace('\'', "''"))),
        other => other,
    }
}

fn kvalue(rng: &mut Rng) -> Y {
    kstring(value(rng))
}

fn klabel_value(rng: &mut Rng) -> Y {
    kstring(label_value(rng))
}

/// A block scalar of any style, chomping and indentation indicator.
fn block(rng: &mut Rng) -> Y {
    let style = *rng.pick(&["|", ">"]);
    let chomp = *rng.pick(&["", "", "-", "+"]);
    let explicit = rng.pct(15);
    let n = rng.range(1, 7);
    let mut lines = Vec::new();
    for i in 0..n {
        let l = match rng.below(10) {
            0 | 1 => String::new(),
            2 => format!("  {}", rng.pick(WORDS)),
            3 => format!("    {} {}", rng.pick(WORDS), rng.pick(WORDS)),
            4 => long_line(rng),
            5 => format!("{}:  {}", rng.pick(WORDS), rng.pick(WORDS)),
            6 => format!("# {}", rng.pick(WORDS)),
            _ => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
        };
        // The first line decides the indentation unless an indicator is given.
        if i == 0 && !explicit && (l.is_empty() || l.starts_with(' ')) {
            lines.push(format!("{} first", rng.pick(WORDS)));
        } else {
            lines.push(l);
        }
    }
    if rng.pct(30) {
        lines.push(String::new());
    }
    let header = if explicit {
        if rng.pct(50) {
            format!("{style}2{chomp}")
        } else {
            format!("{style}{chomp}2")
        }
    } else {
        format!("{style}{chomp}")
    };
    Y::Block(header, lines)
}

/// A value for a string-ish field: a corner-case scalar, a long or multi-line string, or
/// a block scalar.
fn value(rng: &mut Rng) -> Y {
    match rng.below(20) {
        0..=10 => Y::s(*rng.pick(SCALARS)),
        11 | 12 => Y::s(dq(&long_line(rng))),
        13 => Y::s(long_line(rng)),
        14 => Y::s(dq(&format!("{}\n{}\n", rng.pick(WORDS), long_line(rng)))),
        15 => Y::s(format!(
            "{}-{}",
            rng.pick(WORDS).trim_matches(['"', '\'']),
            rng.below(100)
        )),
        _ => block(rng),
    }
}

/// A value that must stay a string for Kubernetes to accept it (still any YAML).
fn string_value(rng: &mut Rng) -> Y {
    value(rng)
}

/// A label value: mostly well-formed, sometimes a corner-case scalar.
fn label_value(rng: &mut Rng) -> Y {
    if rng.pct(25) {
        Y::s(*rng.pick(SCALARS))
    } else {
        Y::s(format!(
            "{}{}",
            rng.pick(&["web", "api", "db", "v1", "blue"]),
            rng.below(3)
        ))
    }
}

fn label_key(rng: &mut Rng) -> String {
    rng.pick(&[
        "app",
        "tier",
        "team",
        "app.kubernetes.io/name",
        "env",
        "version",
        "example.com/x",
        "z",
        "a",
    ])
    .to_string()
}

fn small_map(rng: &mut Rng, n: usize, val: fn(&mut Rng) -> Y) -> Y {
    let mut m = Y::Map(Vec::new());
    for _ in 0..n {
        let k = label_key(rng);
        let v = val(rng);
        m.set(&k, v);
    }
    m
}

/// A resource the tree holds, as later fields see it.
#[derive(Clone, Debug)]
pub struct Res {
    pub api_version: String,
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
}

const KINDS: &[(&str, &str, bool)] = &[
    ("apps/v1", "Deployment", true),
    ("apps/v1", "StatefulSet", true),
    ("v1", "Service", true),
    ("v1", "ConfigMap", true),
    ("v1", "Secret", true),
    ("v1", "ServiceAccount", true),
    ("v1", "Namespace", false),
    ("v1", "PersistentVolumeClaim", true),
    ("v1", "Pod", true),
    ("batch/v1", "CronJob", true),
    ("batch/v1", "Job", true),
    ("networking.k8s.io/v1", "Ingress", true),
    ("networking.k8s.io/v1", "NetworkPolicy", true),
    ("rbac.authorization.k8s.io/v1", "Role", true),
    ("rbac.authorization.k8s.io/v1", "RoleBinding", true),
    ("rbac.authorization.k8s.io/v1", "ClusterRole", false),
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", false),
    ("autoscaling/v2", "HorizontalPodAutoscaler", true),
    ("policy/v1", "PodDisruptionBudget", true),
    ("example.com/v1", "Widget", true),
    ("example.com/v1alpha1", "Gadget", false),
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingWebhookConfiguration",
        false,
    ),
    ("v1", "List", true),
];

fn pod_spec(rng: &mut Rng, names: &Names) -> Y {
    let mut containers = Vec::new();
    for i in 0..rng.range(1, 2) {
        let mut c = Y::map(vec![
            ("name", Y::s(format!("c{i}"))),
            (
                "image",
                Y::s(
                    *rng.pick(&[
                        "nginx",
                        "nginx:1.25",
                        "ghcr.io/acme/app:1.0",
                        "registry.example.com:5000/team/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                        "busybox",
                        "example.com/app:v1",
                    ]),
                ),
            ),
        ]);
        if rng.pct(50) {
            c.set(
                "args",
                Y::Seq(vec![Y::s("--config"), Y::s("$(CFG_VALUE)"), value(rng)]),
            );
        }
        if rng.pct(60) {
            let mut env = vec![Y::map(vec![
                ("name", Y::s("A")),
                ("value", string_value(rng)),
            ])];
            if let Some(cm) = names.configmap.as_ref() {
                env.push(Y::map(vec![
                    ("name", Y::s("FROM_CM")),
                    (
                        "valueFrom",
                        Y::map(vec![(
                            "configMapKeyRef",
                            Y::map(vec![("name", Y::s(cm.clone())), ("key", Y::s("k"))]),
                        )]),
                    ),
                ]));
            }
            env.push(Y::map(vec![
                ("name", Y::s("V")),
                ("value", Y::s("$(SVC_NAME)")),
            ]));
            c.set("env", Y::Seq(env));
        }
        if rng.pct(40) {
            c.set(
                "ports",
                Y::Seq(vec![Y::map(vec![
                    (
                        "containerPort",
                        Y::s(*rng.pick(&["8080", "80", "0x50", "8_080"])),
                    ),
                    ("name", Y::s("http")),
                ])]),
            );
        }
        if rng.pct(30) {
            c.set(
                "resources",
                Y::map(vec![(
                    "limits",
                    Y::map(vec![(
                        "cpu",
                        Y::s(*rng.pick(&["100m", "0.5", "1", "1.50"])),
                    )]),
                )]),
            );
        }
        containers.push(c);
    }
    let mut spec = Y::map(vec![("containers", Y::Seq(containers))]);
    let mut volumes = Vec::new();
    if let Some(cm) = names.configmap.as_ref() {
        volumes.push(Y::map(vec![
            ("name", Y::s("cfg")),
            (
                "configMap",
                Y::map(vec![
                    ("name", Y::s(cm.clone())),
                    (
                        "defaultMode",
                        Y::s(*rng.pick(&["0644", "420", "0o644", "0x1A4"])),
                    ),
                ]),
            ),
        ]));
    }
    if let Some(s) = names.secret.as_ref() {
        volumes.push(Y::map(vec![
            ("name", Y::s("sec")),
            ("secret", Y::map(vec![("secretName", Y::s(s.clone()))])),
        ]));
    }
    if !volumes.is_empty() && rng.pct(70) {
        spec.set("volumes", Y::Seq(volumes));
    }
    if let Some(sa) = names.service_account.as_ref() {
        if rng.pct(50) {
            spec.set("serviceAccountName", Y::s(sa.clone()));
        }
    }
    if rng.pct(20) {
        spec.set(
            "tolerations",
            Y::Seq(vec![Y::map(vec![
                ("key", Y::s("k")),
                ("operator", Y::s("Exists")),
            ])]),
        );
    }
    spec
}

/// Names of resources generated so far, for references between them.
#[derive(Default, Clone)]
pub struct Names {
    configmap: Option<String>,
    secret: Option<String>,
    service_account: Option<String>,
    service: Option<String>,
    deployment: Option<String>,
    role: Option<String>,
}

fn metadata(rng: &mut Rng, name: &str, namespace: Option<&str>) -> Y {
    let mut m = Y::map(vec![("name", Y::s(name))]);
    if let Some(ns) = namespace {
        m.set("namespace", Y::s(ns));
    }
    if rng.pct(50) {
        let n = rng.range(1, 3);
        m.set("labels", small_map(rng, n, label_value));
    }
    if rng.pct(50) {
        let n = rng.range(1, 4);
        m.set("annotations", small_map(rng, n, value));
    }
    m
}

fn resource(
    rng: &mut Rng,
    api: &str,
    kind: &str,
    name: &str,
    ns: Option<&str>,
    names: &Names,
) -> Y {
    let mut r = Y::map(vec![
        ("apiVersion", Y::s(api)),
        ("kind", Y::s(kind)),
        ("metadata", metadata(rng, name, ns)),
    ]);
    let selector = || Y::map(vec![("matchLabels", Y::map(vec![("app", Y::s("web"))]))]);
    match kind {
        "Deployment" | "StatefulSet" => {
            let mut spec = Y::map(vec![
                ("replicas", Y::s(*rng.pick(&["1", "3", "0x2", "010"]))),
                ("selector", selector()),
                (
                    "template",
                    Y::map(vec![
                        (
                            "metadata",
                            Y::map(vec![("labels", Y::map(vec![("app", Y::s("web"))]))]),
                        ),
                        ("spec", pod_spec(rng, names)),
                    ]),
                ),
            ]);
            if kind == "StatefulSet" {
                if let Some(s) = names.service.as_ref() {
                    spec.set("serviceName", Y::s(s.clone()));
                }
            }
            r.set("spec", spec);
        }
        "Pod" => r.set("spec", pod_spec(rng, names)),
        "Job" => r.set(
            "spec",
            Y::map(vec![(
                "template",
                Y::map(vec![("spec", pod_spec(rng, names))]),
            )]),
        ),
        "CronJob" => r.set(
            "spec",
            Y::map(vec![
                ("schedule", Y::s("\"*/5 * * * *\"")),
                (
                    "jobTemplate",
                    Y::map(vec![(
                        "spec",
                        Y::map(vec![(
                            "template",
                            Y::map(vec![("spec", pod_spec(rng, names))]),
                        )]),
                    )]),
                ),
            ]),
        ),
        "Service" => r.set(
            "spec",
            Y::map(vec![
                ("selector", Y::map(vec![("app", Y::s("web"))])),
                (
                    "ports",
                    Y::Seq(vec![Y::map(vec![
                        ("port", Y::s(*rng.pick(&["80", "0x50", "443"]))),
                        ("targetPort", Y::s(*rng.pick(&["8080", "http", "\"8080\""]))),
                    ])]),
                ),
            ]),
        ),
        "ConfigMap" => {
            let mut data = Y::Map(Vec::new());
            data.set("k", string_value(rng));
            for i in 0..rng.range(0, 3) {
                data.set(&format!("d{i}"), value(rng));
            }
            r.set("data", data);
        }
        "Secret" => {
            r.set("type", Y::s("Opaque"));
            r.set(
                "data",
                Y::map(vec![(
                    "password",
                    Y::s(*rng.pick(&["cGFzcw==", "YWRtaW4=", "\"\""])),
                )]),
            );
            if rng.pct(40) {
                r.set("stringData", Y::map(vec![("token", value(rng))]));
            }
        }
        "PersistentVolumeClaim" => r.set(
            "spec",
            Y::map(vec![
                ("accessModes", Y::strs(&["ReadWriteOnce"])),
                (
                    "resources",
                    Y::map(vec![(
                        "requests",
                        Y::map(vec![("storage", Y::s(*rng.pick(&["1Gi", "0.5Gi", "1e3"])))]),
                    )]),
                ),
            ]),
        ),
        "Ingress" => {
            let svc = names.service.clone().unwrap_or_else(|| "web".into());
            r.set(
                "spec",
                Y::map(vec![(
                    "rules",
                    Y::Seq(vec![Y::map(vec![
                        (
                            "host",
                            Y::s(*rng.pick(&["example.com", "\"*.example.com\""])),
                        ),
                        (
                            "http",
                            Y::map(vec![(
                                "paths",
                                Y::Seq(vec![Y::map(vec![
                                    ("path", Y::s("/")),
                                    ("pathType", Y::s("Prefix")),
                                    (
                                        "backend",
                                        Y::map(vec![(
                                            "service",
                                            Y::map(vec![
                                                ("name", Y::s(svc)),
                                                ("port", Y::map(vec![("number", Y::s("80"))])),
                                            ]),
                                        )]),
                                    ),
                                ])]),
                            )]),
                        ),
                    ])]),
                )]),
            );
        }
        "NetworkPolicy" => r.set(
            "spec",
            Y::map(vec![
                ("podSelector", selector()),
                ("policyTypes", Y::strs(&["Ingress"])),
            ]),
        ),
        "Role" | "ClusterRole" => r.set(
            "rules",
            Y::Seq(vec![Y::map(vec![
                ("apiGroups", Y::strs(&["\"\""])),
                ("resources", Y::strs(&["configmaps"])),
                ("verbs", Y::s("[get, list]")),
                (
                    "resourceNames",
                    Y::Seq(vec![Y::s(
                        names.configmap.clone().unwrap_or_else(|| "x".into()),
                    )]),
                ),
            ])]),
        ),
        "RoleBinding" | "ClusterRoleBinding" => {
            let role_kind = if kind == "RoleBinding" && rng.pct(60) {
                "Role"
            } else {
                "ClusterRole"
            };
            r.set(
                "roleRef",
                Y::map(vec![
                    ("apiGroup", Y::s("rbac.authorization.k8s.io")),
                    ("kind", Y::s(role_kind)),
                    (
                        "name",
                        Y::s(names.role.clone().unwrap_or_else(|| "reader".into())),
                    ),
                ]),
            );
            let mut subject = Y::map(vec![
                ("kind", Y::s("ServiceAccount")),
                (
                    "name",
                    Y::s(
                        names
                            .service_account
                            .clone()
                            .unwrap_or_else(|| "default".into()),
                    ),
                ),
            ]);
            if rng.pct(60) {
                subject.set("namespace", Y::s(*rng.pick(&["default", "team-a"])));
            }
            r.set("subjects", Y::Seq(vec![subject]));
        }
        "HorizontalPodAutoscaler" => r.set(
            "spec",
            Y::map(vec![
                (
                    "scaleTargetRef",
                    Y::map(vec![
                        ("apiVersion", Y::s("apps/v1")),
                        ("kind", Y::s("Deployment")),
                        (
                            "name",
                            Y::s(names.deployment.clone().unwrap_or_else(|| "web".into())),
                        ),
                    ]),
                ),
                ("minReplicas", Y::s("1")),
                ("maxReplicas", Y::s(*rng.pick(&["3", "0x10"]))),
            ]),
        ),
        "PodDisruptionBudget" => r.set(
            "spec",
            Y::map(vec![
                ("minAvailable", Y::s(*rng.pick(&["1", "50%", "\"1\""]))),
                ("selector", selector()),
            ]),
        ),
        "ValidatingWebhookConfiguration" => r.set(
            "webhooks",
            Y::Seq(vec![Y::map(vec![
                ("name", Y::s("v.example.com")),
                (
                    "clientConfig",
                    Y::map(vec![(
                        "service",
                        Y::map(vec![
                            (
                                "name",
                                Y::s(names.service.clone().unwrap_or_else(|| "web".into())),
                            ),
                            ("namespace", Y::s("default")),
                        ]),
                    )]),
                ),
                ("sideEffects", Y::s("None")),
                ("admissionReviewVersions", Y::strs(&["v1"])),
            ])]),
        ),
        "Widget" | "Gadget" => {
            let mut spec = Y::Map(Vec::new());
            for i in 0..rng.range(1, 4) {
                spec.set(&format!("f{i}"), value(rng));
            }
            if rng.pct(40) {
                spec.set(
                    "items",
                    Y::Seq(vec![
                        Y::map(vec![("name", Y::s("a")), ("v", value(rng))]),
                        Y::map(vec![("name", Y::s("b")), ("v", value(rng))]),
                    ]),
                );
            }
            if rng.pct(30) {
                spec.set(
                    "configMapRef",
                    Y::s(names.configmap.clone().unwrap_or_else(|| "cfg".into())),
                );
            }
            if rng.pct(15) {
                spec.set("anchored", Y::s("&shared 0600"));
                spec.set("aliased", Y::s("*shared"));
            }
            r.set("spec", spec);
        }
        _ => {}
    }
    r
}

/// What the generator knows about one kustomization directory it made.
struct Level {
    dir: String,
    resources: Vec<Res>,
}

pub struct Gen {
    rng: Rng,
    files: BTreeMap<String, File>,
    counter: usize,
    /// A base made a ConfigMap / Secret generator named `generated`.
    generated: (bool, bool),
}

fn rel(from: &str, to: &str) -> String {
    // Both are directories relative to the tree root, without a trailing slash.
    let depth = if from.is_empty() {
        0
    } else {
        from.split('/').count()
    };
    let mut s = "../".repeat(depth);
    s.push_str(to);
    s
}

impl Gen {
    pub fn new(seed: u64) -> Gen {
        Gen {
            rng: Rng::new(seed),
            files: BTreeMap::new(),
            counter: 0,
            generated: (false, false),
        }
    }

    fn fresh(&mut self, stem: &str) -> String {
        self.counter += 1;
        format!("{stem}{}", self.counter)
    }

    fn put(&mut self, path: String, file: File) {
        self.files.insert(path, file);
    }

    /// A whole tree.
    pub fn tree(mut self) -> Tree {
        let mut levels = Vec::new();
        let base = self.base("base");
        levels.push(base);
        let depth = self.rng.range(0, 3);
        let mut second_base = None;
        if self.rng.pct(25) {
            second_base = Some(self.base("base2"));
        }
        let components = if self.rng.pct(30) {
            let n = self.rng.range(1, 2);
            (0..n)
                .map(|i| self.component(&format!("components/c{i}"), &levels[0].resources))
                .collect()
        } else {
            Vec::new()
        };
        for d in 0..depth {
            let dir = format!("overlays/o{d}");
            let prev = levels.last().map(|l| l.dir.clone()).unwrap_or_default();
            let mut parents = vec![prev];
            if d == 0 {
                if let Some(b) = second_base.as_ref() {
                    parents.push(b.dir.clone());
                }
            }
            let mut known: Vec<Res> = levels
                .last()
                .map(|l| l.resources.clone())
                .unwrap_or_default();
            if d == 0 {
                if let Some(b) = second_base.as_ref() {
                    known.extend(b.resources.iter().cloned());
                }
            }
            let comps: Vec<String> = if d + 1 == depth {
                components.clone()
            } else {
                Vec::new()
            };
            let level = self.overlay(&dir, &parents, &comps, known);
            levels.push(level);
        }
        if depth == 0 && !components.is_empty() {
            // Components on the base itself.
            let base_dir = levels[0].dir.clone();
            if let Some(File::Yaml(docs)) = self
                .files
                .get_mut(&format!("{base_dir}/kustomization.yaml"))
            {
                let list = Y::Seq(components.iter().map(|c| Y::s(rel(&base_dir, c))).collect());
                docs[0].set("components", list);
            }
        }
        let target = levels.last().map(|l| l.dir.clone()).unwrap_or_default();
        Tree {
            files: self.files,
            target,
        }
    }

    fn resources_file(
        &mut self,
        dir: &str,
        names: &mut Names,
        out: &mut Vec<Res>,
        namespaced_ns: Option<&str>,
    ) -> String {
        let file = format!("{}.yaml", self.fresh("res"));
        let mut docs = Vec::new();
        let n = self.rng.range(1, 5);
        for _ in 0..n {
            let (api, kind, namespaced) = *self.rng.pick(KINDS);
            let name = match kind {
                "Namespace" => (*self.rng.pick(&["team-a", "team-b", "default"])).to_string(),
                _ => format!("{}-{}", kind.to_lowercase(), self.rng.below(3)),
            };
            if out.iter().any(|r| r.kind == kind && r.name == name) {
                continue;
            }
            let ns = if namespaced && self.rng.pct(25) {
                namespaced_ns.map(str::to_string).or(Some("team-a".into()))
            } else {
                None
            };
            if kind == "List" {
                let (iapi, ikind) = *self.rng.pick(&[
                    ("v1", "ConfigMap"),
                    ("v1", "Service"),
                    ("example.com/v1", "Widget"),
                ]);
                let iname = format!("listed-{}", self.rng.below(3));
                if out.iter().any(|r| r.kind == ikind && r.name == iname) {
                    continue;
                }
                let item = resource(&mut self.rng, iapi, ikind, &iname, None, names);
                docs.push(Y::map(vec![
                    ("apiVersion", Y::s("v1")),
                    ("kind", Y::s("List")),
                    ("items", Y::Seq(vec![item])),
                ]));
                out.push(Res {
                    api_version: iapi.into(),
                    kind: ikind.into(),
                    name: iname,
                    namespace: None,
                });
                continue;
            }
            let doc = resource(&mut self.rng, api, kind, &name, ns.as_deref(), names);
            match kind {
                "ConfigMap" => names.configmap = Some(name.clone()),
                "Secret" => names.secret = Some(name.clone()),
                "ServiceAccount" => names.service_account = Some(name.clone()),
                "Service" => names.service = Some(name.clone()),
                "Deployment" => names.deployment = Some(name.clone()),
                "Role" | "ClusterRole" => names.role = Some(name.clone()),
                _ => {}
            }
            out.push(Res {
                api_version: api.into(),
                kind: kind.into(),
                name,
                namespace: ns,
            });
            docs.push(doc);
        }
        if docs.is_empty() {
            let doc = resource(&mut self.rng, "v1", "ConfigMap", "fallback", None, names);
            out.push(Res {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                name: "fallback".into(),
                namespace: None,
            });
            docs.push(doc);
        }
        self.put(format!("{dir}/{file}"), File::Yaml(docs));
        file
    }

    fn base(&mut self, dir: &str) -> Level {
        let mut names = Names::default();
        let mut res = Vec::new();
        let mut k = Y::Map(Vec::new());
        let mut files = Vec::new();
        for _ in 0..self.rng.range(1, 2) {
            files.push(Y::s(self.resources_file(dir, &mut names, &mut res, None)));
        }
        k.set("resources", Y::Seq(files));
        if self.rng.pct(30) {
            self.crds(dir, &mut k);
        }
        self.fields(dir, &mut k, &res, true);
        self.put(format!("{dir}/kustomization.yaml"), File::Yaml(vec![k]));
        Level {
            dir: dir.to_string(),
            resources: res,
        }
    }

    fn component(&mut self, dir: &str, known: &[Res]) -> String {
        let mut k = Y::map(vec![
            ("apiVersion", Y::s("kustomize.config.k8s.io/v1alpha1")),
            ("kind", Y::s("Component")),
        ]);
        let mut res = known.to_vec();
        if self.rng.pct(50) {
            let mut names = Names::default();
            let f = self.resources_file(dir, &mut names, &mut res, None);
            k.set("resources", Y::Seq(vec![Y::s(f)]));
        }
        self.fields(dir, &mut k, &res, false);
        self.put(format!("{dir}/kustomization.yaml"), File::Yaml(vec![k]));
        dir.to_string()
    }

    fn overlay(
        &mut self,
        dir: &str,
        parents: &[String],
        components: &[String],
        known: Vec<Res>,
    ) -> Level {
        let mut k = Y::Map(Vec::new());
        if self.rng.pct(30) {
            k.set("apiVersion", Y::s("kustomize.config.k8s.io/v1beta1"));
            k.set("kind", Y::s("Kustomization"));
        }
        let mut list: Vec<Y> = parents.iter().map(|p| Y::s(rel(dir, p))).collect();
        let mut res = known;
        if self.rng.pct(30) {
            let mut names = Names::default();
            list.push(Y::s(self.resources_file(dir, &mut names, &mut res, None)));
        }
        k.set("resources", Y::Seq(list));
        if !components.is_empty() {
            k.set(
                "components",
                Y::Seq(components.iter().map(|c| Y::s(rel(dir, c))).collect()),
            );
        }
        self.fields(dir, &mut k, &res, false);
        self.put(format!("{dir}/kustomization.yaml"), File::Yaml(vec![k]));
        Level {
            dir: dir.to_string(),
            resources: res,
        }
    }

    fn crds(&mut self, dir: &str, k: &mut Y) {
        let crd = Y::map(vec![
            ("apiVersion", Y::s("apiextensions.k8s.io/v1")),
            ("kind", Y::s("CustomResourceDefinition")),
            (
                "metadata",
                Y::map(vec![("name", Y::s("widgets.example.com"))]),
            ),
            (
                "spec",
                Y::map(vec![
                    ("group", Y::s("example.com")),
                    (
                        "names",
                        Y::map(vec![("kind", Y::s("Widget")), ("plural", Y::s("widgets"))]),
                    ),
                    ("scope", Y::s("Namespaced")),
                    (
                        "versions",
                        Y::Seq(vec![Y::map(vec![
                            ("name", Y::s("v1")),
                            ("served", Y::s("true")),
                            ("storage", Y::s("true")),
                        ])]),
                    ),
                ]),
            ),
        ]);
        // kustomize's `crds` reads OpenAPI definitions with x-kubernetes extensions.
        let openapi = Y::map(vec![(
            "definitions",
            Y::map(vec![(
                "com.example.v1.Widget",
                Y::map(vec![
                    (
                        "properties",
                        Y::map(vec![(
                            "spec",
                            Y::map(vec![(
                                "properties",
                                Y::map(vec![(
                                    "configMapRef",
                                    Y::map(vec![
                                        ("type", Y::s("string")),
                                        ("x-kubernetes-object-ref-api-version", Y::s("v1")),
                                        ("x-kubernetes-object-ref-kind", Y::s("ConfigMap")),
                                    ]),
                                )]),
                            )]),
                        )]),
                    ),
                    (
                        "x-kubernetes-group-version-kind",
                        Y::Seq(vec![Y::map(vec![
                            ("group", Y::s("example.com")),
                            ("kind", Y::s("Widget")),
                            ("version", Y::s("v1")),
                        ])]),
                    ),
                ]),
            )]),
        )]);
        if self.rng.pct(50) {
            self.put(format!("{dir}/crd-schema.yaml"), File::Yaml(vec![openapi]));
            k.set("crds", Y::strs(&["crd-schema.yaml"]));
        } else if let Some(Y::Seq(items)) = k.get_mut("resources") {
            self.files
                .insert(format!("{dir}/crd.yaml"), File::Yaml(vec![crd]));
            items.push(Y::s("crd.yaml"));
        }
    }

    /// Random Kustomization fields over the resources `res` this level sees.
    fn fields(&mut self, dir: &str, k: &mut Y, res: &[Res], is_base: bool) {
        let rng = &mut self.rng;
        if rng.pct(25) {
            k.set(
                "namePrefix",
                Y::s(*rng.pick(&["p-", "pre-", "x", "'0600-'", "\"\""])),
            );
        }
        if rng.pct(25) {
            k.set(
                "nameSuffix",
                Y::s(*rng.pick(&["-s", "-v2", "'-01'", "\"\""])),
            );
        }
        if rng.pct(20) {
            k.set(
                "namespace",
                Y::s(*rng.pick(&["team-a", "team-b", "default", "\"010\""])),
            );
        }
        if rng.pct(20) {
            let n = rng.range(1, 2);
            k.set("commonLabels", small_map(rng, n, klabel_value));
        }
        if rng.pct(20) {
            let n = rng.range(1, 2);
            let mut entry = Y::map(vec![("pairs", small_map(rng, n, klabel_value))]);
            if rng.pct(50) {
                entry.set(
                    "includeSelectors",
                    Y::s(*rng.pick(&["true", "false", "yes"])),
                );
            }
            if rng.pct(40) {
                entry.set("includeTemplates", Y::s(*rng.pick(&["true", "false"])));
            }
            if rng.pct(20) {
                entry.set(
                    "fields",
                    Y::Seq(vec![Y::map(vec![
                        ("path", Y::s("spec/extra/labels")),
                        ("kind", Y::s("Widget")),
                        ("create", Y::s("true")),
                    ])]),
                );
            }
            k.set("labels", Y::Seq(vec![entry]));
        }
        if rng.pct(20) {
            let n = rng.range(1, 3);
            k.set("commonAnnotations", small_map(rng, n, kvalue));
        }
        if rng.pct(20) {
            let mut img = Y::map(vec![(
                "name",
                Y::s(*rng.pick(&["nginx", "busybox", "ghcr.io/acme/app", "example.com/app"])),
            )]);
            if rng.pct(50) {
                img.set(
                    "newName",
                    Y::s(*rng.pick(&["my.registry/nginx", "mirror.example.com:5000/x"])),
                );
            }
            if rng.pct(50) {
                img.set(
                    "newTag",
                    Y::s(*rng.pick(&["'1.2'", "\"1.0\"", "\"1.10\"", "latest", "'0600'"])),
                );
            } else if rng.pct(30) {
                img.set(
                    "digest",
                    Y::s("sha256:abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd"),
                );
            }
            k.set("images", Y::Seq(vec![img]));
        }
        let workloads: Vec<&Res> = res
            .iter()
            .filter(|r| r.kind == "Deployment" || r.kind == "StatefulSet")
            .collect();
        if !workloads.is_empty() && rng.pct(20) {
            let w = *rng.pick(&workloads);
            k.set(
                "replicas",
                Y::Seq(vec![Y::map(vec![
                    ("name", Y::s(w.name.clone())),
                    ("count", Y::s(*rng.pick(&["5", "0", "0x3"]))),
                ])]),
            );
        }
        if rng.pct(35) {
            self.patches(dir, k, res);
        }
        if rng_pct(&mut self.rng, 30) {
            self.generators(dir, k, is_base);
        }
        if !res.is_empty() && self.rng.pct(15) {
            self.replacements(dir, k, res);
        }
        if res
            .iter()
            .any(|r| r.kind == "ConfigMap" || r.kind == "Service")
            && self.rng.pct(12)
        {
            self.vars(k, res);
        }
        if self.rng.pct(8) {
            self.configurations(dir, k);
        }
        if self.rng.pct(8) {
            let rng = &mut self.rng;
            let mut so = Y::map(vec![("order", Y::s(*rng.pick(&["legacy", "fifo"])))]);
            if rng.pct(60) {
                so.set("order", Y::s("legacy"));
                let pool = [
                    "Service",
                    "ConfigMap",
                    "Deployment",
                    "Widget",
                    "Namespace",
                    "Secret",
                    "Role",
                ];
                let mut lso = Y::Map(Vec::new());
                if rng.pct(80) {
                    let n = rng.range(0, 3);
                    lso.set(
                        "orderFirst",
                        Y::Seq((0..n).map(|_| Y::s(*rng.pick(&pool))).collect()),
                    );
                }
                if rng.pct(80) {
                    let n = rng.range(0, 3);
                    lso.set(
                        "orderLast",
                        Y::Seq((0..n).map(|_| Y::s(*rng.pick(&pool))).collect()),
                    );
                }
                so.set("legacySortOptions", lso);
            }
            k.set("sortOptions", so);
        }
        if self.rng.pct(6) {
            let rng = &mut self.rng;
            let mut opts = Vec::new();
            for o in [
                "originAnnotations",
                "transformerAnnotations",
                "managedByLabel",
            ] {
                if rng.pct(50) {
                    opts.push(Y::s(o));
                }
            }
            k.set("buildMetadata", Y::Seq(opts));
        }
        if self.rng.pct(10) {
            self.plugin_transformers(dir, k, res);
        }
    }

    fn patches(&mut self, dir: &str, k: &mut Y, res: &[Res]) {
        if res.is_empty() {
            return;
        }
        let mut patches = Vec::new();
        for _ in 0..self.rng.range(1, 3) {
            let r = self.rng.pick(res).clone();
            let form = self.rng.below(6);
            let mut entry = Y::Map(Vec::new());
            match form {
                0 | 1 => {
                    // Strategic merge, inline.
                    let body = self.smp_body(&r);
                    entry.set(
                        "patch",
                        Y::Block(
                            "|".into(),
                            crate::tree::document(&body)
                                .lines()
                                .map(str::to_string)
                                .collect(),
                        ),
                    );
                }
                2 => {
                    let body = self.smp_body(&r);
                    let f = format!("{}.yaml", self.fresh("patch"));
                    self.put(format!("{dir}/{f}"), File::Yaml(vec![body]));
                    entry.set("path", Y::s(f));
                }
                _ => {
                    let ops = self.json_ops(&r);
                    if self.rng.pct(30) {
                        let f = format!("{}.yaml", self.fresh("json"));
                        self.put(format!("{dir}/{f}"), File::Yaml(vec![ops]));
                        entry.set("path", Y::s(f));
                    } else {
                        entry.set(
                            "patch",
                            Y::Block(
                                "|-".into(),
                                crate::tree::document(&ops)
                                    .lines()
                                    .map(str::to_string)
                                    .collect(),
                            ),
                        );
                    }
                    entry.set("target", self.target_for(&r, true));
                }
            }
            if form <= 2 && self.rng.pct(25) {
                entry.set("target", self.target_for(&r, false));
            }
            if self.rng.pct(10) {
                entry.set("options", Y::map(vec![("allowNameChange", Y::s("true"))]));
            }
            patches.push(entry);
        }
        if self.rng.pct(15) {
            // The deprecated field, inline.
            let r = self.rng.pick(res).clone();
            let body = self.smp_body(&r);
            k.set(
                "patchesStrategicMerge",
                Y::Seq(vec![Y::Block(
                    "|".into(),
                    crate::tree::document(&body)
                        .lines()
                        .map(str::to_string)
                        .collect(),
                )]),
            );
        } else {
            k.set("patches", Y::Seq(patches));
        }
    }

    fn target_for(&mut self, r: &Res, always_kind: bool) -> Y {
        let rng = &mut self.rng;
        let mut t = Y::Map(Vec::new());
        if always_kind || rng.pct(70) {
            t.set("kind", Y::s(r.kind.clone()));
        }
        match rng.below(5) {
            0 => t.set(
                "name",
                Y::s(format!("{}.*", &r.name[..r.name.len().min(3)])),
            ),
            1 => {}
            2 => t.set(
                "labelSelector",
                Y::s(*rng.pick(&["app=web", "app", "tier in (web0, web1)", "\"!z\""])),
            ),
            3 => t.set("annotationSelector", Y::s("a")),
            _ => t.set("name", Y::s(r.name.clone())),
        }
        if rng.pct(20) {
            let (group, version) = match r.api_version.split_once('/') {
                Some((g, v)) => (g.to_string(), v.to_string()),
                None => (String::new(), r.api_version.clone()),
            };
            if rng.pct(50) {
                t.set(
                    "group",
                    Y::s(if group.is_empty() {
                        "\"\"".to_string()
                    } else {
                        group
                    }),
                );
            } else {
                t.set("version", Y::s(version));
            }
        }
        if let Some(Y::Map(e)) = Some(&t) {
            if e.is_empty() {
                t.set("kind", Y::s(r.kind.clone()));
            }
        }
        t
    }

    fn smp_body(&mut self, r: &Res) -> Y {
        let rng = &mut self.rng;
        let mut meta = Y::map(vec![("name", Y::s(r.name.clone()))]);
        if let Some(ns) = &r.namespace {
            meta.set("namespace", Y::s(ns.clone()));
        }
        if rng.pct(50) {
            let n = rng.range(1, 3);
            meta.set("annotations", small_map(rng, n, value));
        }
        if rng.pct(30) {
            let n = rng.range(1, 2);
            meta.set("labels", small_map(rng, n, label_value));
        }
        let mut body = Y::map(vec![
            ("apiVersion", Y::s(r.api_version.clone())),
            ("kind", Y::s(r.kind.clone())),
            ("metadata", meta),
        ]);
        match r.kind.as_str() {
            "Deployment" | "StatefulSet" => {
                let mut c = Y::map(vec![("name", Y::s(*rng.pick(&["c0", "c1", "sidecar"])))]);
                if rng.pct(60) {
                    c.set("image", Y::s(*rng.pick(&["nginx:2", "redis"])));
                }
                if rng.pct(50) {
                    c.set(
                        "env",
                        Y::Seq(vec![Y::map(vec![
                            ("name", Y::s("A")),
                            ("value", value(rng)),
                        ])]),
                    );
                }
                let mut spec = Y::map(vec![(
                    "template",
                    Y::map(vec![(
                        "spec",
                        Y::map(vec![("containers", Y::Seq(vec![c]))]),
                    )]),
                )]);
                if rng.pct(40) {
                    spec.set("replicas", Y::s(*rng.pick(&["2", "0o7", "null"])));
                }
                if rng.pct(10) {
                    spec.set("$patch", Y::s("replace"));
                }
                body.set("spec", spec);
            }
            "ConfigMap" => {
                let mut data = Y::map(vec![("k", value(rng))]);
                if rng.pct(30) {
                    data.set("d0", Y::s("null"));
                }
                body.set("data", data);
            }
            "Service" => body.set(
                "spec",
                Y::map(vec![(
                    "ports",
                    Y::Seq(vec![Y::map(vec![
                        ("port", Y::s("8443")),
                        ("name", Y::s("https")),
                    ])]),
                )]),
            ),
            "Widget" | "Gadget" => body.set(
                "spec",
                Y::map(vec![("f0", value(rng)), ("added", value(rng))]),
            ),
            _ => {}
        }
        if rng.pct(5) {
            body.set("$patch", Y::s("delete"));
        }
        body
    }

    fn json_ops(&mut self, r: &Res) -> Y {
        let rng = &mut self.rng;
        let mut ops = Vec::new();
        let map_field = if rng.pct(50) { "annotations" } else { "labels" };
        let first_value = if map_field == "labels" {
            label_value(rng)
        } else {
            value(rng)
        };
        ops.push(Y::map(vec![
            ("op", Y::s("add")),
            ("path", Y::s(format!("/metadata/{map_field}"))),
            ("value", Y::map(vec![("x", first_value)])),
        ]));
        for _ in 0..rng.range(0, 2) {
            let op = match rng.below(8) {
                0 => Y::map(vec![
                    ("op", Y::s("add")),
                    ("path", Y::s(format!("/metadata/{map_field}/added"))),
                    ("value", value(rng)),
                ]),
                1 => Y::map(vec![
                    ("op", Y::s("copy")),
                    ("from", Y::s("/metadata/name")),
                    ("path", Y::s(format!("/metadata/{map_field}/copied"))),
                ]),
                2 => Y::map(vec![
                    ("op", Y::s("replace")),
                    ("path", Y::s("/metadata/name")),
                    ("value", Y::s(format!("{}-renamed", r.name))),
                ]),
                3 if r.kind == "Deployment" || r.kind == "StatefulSet" => Y::map(vec![
                    ("op", Y::s("replace")),
                    ("path", Y::s("/spec/replicas")),
                    ("value", Y::s(*rng.pick(&["4", "0x4", "\"4\""]))),
                ]),
                4 if r.kind == "ConfigMap" => Y::map(vec![
                    ("op", Y::s("add")),
                    ("path", Y::s("/data/j")),
                    ("value", value(rng)),
                ]),
                5 => Y::map(vec![
                    ("op", Y::s("remove")),
                    ("path", Y::s(format!("/metadata/{map_field}/x"))),
                ]),
                6 => Y::map(vec![
                    ("op", Y::s("test")),
                    ("path", Y::s("/kind")),
                    ("value", Y::s(r.kind.clone())),
                ]),
                _ => Y::map(vec![
                    ("op", Y::s("add")),
                    ("path", Y::s("/metadata/annotations")),
                    ("value", Y::map(vec![("x", value(rng))])),
                ]),
            };
            ops.push(op);
        }
        Y::Seq(ops)
    }

    fn generators(&mut self, dir: &str, k: &mut Y, is_base: bool) {
        let mut list = Vec::new();
        let mut secrets = Vec::new();
        for _ in 0..self.rng.range(1, 2) {
            let secret = self.rng.pct(30);
            let exists = if secret {
                self.generated.1
            } else {
                self.generated.0
            };
            let name = if self.rng.pct(40) || (exists && self.rng.pct(50)) {
                "generated".to_string()
            } else {
                self.fresh("gen")
            };
            let mut g = Y::map(vec![("name", Y::s(name.clone()))]);
            if name == "generated" {
                if !is_base && exists && self.rng.pct(70) {
                    g.set("behavior", Y::s(*self.rng.pick(&["merge", "replace"])));
                } else if is_base {
                    if secret {
                        self.generated.1 = true;
                    } else {
                        self.generated.0 = true;
                    }
                }
            }
            let rng = &mut self.rng;
            if rng.pct(80) {
                let n = rng.range(1, 3);
                let lits: Vec<Y> = (0..n)
                    .map(|i| {
                        let v = *rng.pick(&[
                            "x",
                            "0600",
                            "yes",
                            "a=b",
                            "",
                            " spaced ",
                            "'quoted'",
                            "\"dq\"",
                            "é",
                            "multi\\nline",
                            "1e3",
                            "null",
                        ]);
                        Y::s(format!("\"k{i}={}\"", v.replace('"', "\\\"")))
                    })
                    .collect();
                g.set("literals", Y::Seq(lits));
            }
            let rng_files = rng.pct(40);
            let rng_envs = rng.pct(30);
            let opts = rng.pct(30);
            if rng_files {
                let f = format!("{}.txt", self.fresh("file"));
                let content = match self.rng.below(4) {
                    0 => "line one\nline two\n".to_string(),
                    1 => "no newline at end".to_string(),
                    2 => format!("{}\n\ttabbed\n  spaced \n", long_line(&mut self.rng)),
                    _ => "été\n中文\n".to_string(),
                };
                self.put(format!("{dir}/{f}"), File::Text(content));
                if self.rng.pct(50) {
                    g.set("files", Y::Seq(vec![Y::s(format!("renamed.txt={f}"))]));
                } else {
                    g.set("files", Y::Seq(vec![Y::s(f)]));
                }
            }
            if rng_envs {
                let f = format!("{}.env", self.fresh("vars"));
                let content = match self.rng.below(3) {
                    0 => "A=1\nB=0600\n# comment\n\nC=x=y\n".to_string(),
                    1 => "EMPTY=\nQUOTED=\"q\"\nSPACED = v \n".to_string(),
                    _ => "U=été\nYES=yes\n".to_string(),
                };
                self.put(format!("{dir}/{f}"), File::Text(content));
                g.set("envs", Y::Seq(vec![Y::s(f)]));
            }
            if opts {
                let rng = &mut self.rng;
                let mut o = Y::Map(Vec::new());
                if rng.pct(50) {
                    o.set("disableNameSuffixHash", Y::s(*rng.pick(&["true", "false"])));
                }
                if rng.pct(40) {
                    o.set("labels", small_map(rng, 1, klabel_value));
                }
                if rng.pct(40) {
                    o.set("annotations", small_map(rng, 1, kvalue));
                }
                if rng.pct(20) {
                    o.set("immutable", Y::s("true"));
                }
                g.set("options", o);
            }
            if secret {
                if self.rng.pct(30) {
                    g.set(
                        "type",
                        Y::s(*self.rng.pick(&["Opaque", "kubernetes.io/tls"])),
                    );
                }
                secrets.push(g);
            } else {
                list.push(g);
            }
        }
        if !list.is_empty() {
            k.set("configMapGenerator", Y::Seq(list));
        }
        if !secrets.is_empty() {
            k.set("secretGenerator", Y::Seq(secrets));
        }
        if self.rng.pct(25) {
            let rng = &mut self.rng;
            let mut o = Y::Map(Vec::new());
            if rng.pct(50) {
                o.set("disableNameSuffixHash", Y::s("true"));
            }
            if rng.pct(50) {
                o.set("labels", small_map(rng, 1, klabel_value));
            }
            k.set("generatorOptions", o);
        }
    }

    fn replacements(&mut self, dir: &str, k: &mut Y, res: &[Res]) {
        let rng = &mut self.rng;
        let src = rng.pick(res).clone();
        let tgt = rng.pick(res).clone();
        let src_path = match src.kind.as_str() {
            "ConfigMap" => *rng.pick(&["metadata.name", "data.k"]),
            "Deployment" | "StatefulSet" => *rng.pick(&[
                "metadata.name",
                "spec.replicas",
                "spec.template.spec.containers.0.image",
            ]),
            "Widget" | "Gadget" => *rng.pick(&["metadata.name", "spec.f0"]),
            _ => "metadata.name",
        };
        let tgt_path = *rng.pick(&[
            "metadata.annotations.copied",
            "spec.template.metadata.annotations.x",
            "spec.template.spec.containers.[name=c0].image",
            "data.k",
            "spec.f1",
            "metadata.labels.copied",
        ]);
        let mut source = Y::map(vec![
            ("kind", Y::s(src.kind.clone())),
            ("name", Y::s(src.name.clone())),
            ("fieldPath", Y::s(src_path)),
        ]);
        if rng.pct(20) {
            source.set(
                "options",
                Y::map(vec![("delimiter", Y::s("\":\"")), ("index", Y::s("0"))]),
            );
        }
        let mut target = Y::map(vec![
            ("select", Y::map(vec![("kind", Y::s(tgt.kind.clone()))])),
            ("fieldPaths", Y::strs(&[tgt_path])),
        ]);
        if rng.pct(85) {
            let mut o = Y::map(vec![("create", Y::s("true"))]);
            if rng.pct(30) {
                o.set("delimiter", Y::s("\"-\""));
                o.set("index", Y::s(*rng.pick(&["0", "1", "-1"])));
            }
            target.set("options", o);
        }
        if rng.pct(20) {
            target.set(
                "reject",
                Y::Seq(vec![Y::map(vec![("name", Y::s("nothing"))])]),
            );
        }
        let entry = Y::map(vec![("source", source), ("targets", Y::Seq(vec![target]))]);
        if rng.pct(30) {
            let f = format!("{}.yaml", self.fresh("repl"));
            self.put(format!("{dir}/{f}"), File::Yaml(vec![entry]));
            k.set(
                "replacements",
                Y::Seq(vec![Y::map(vec![("path", Y::s(f))])]),
            );
        } else {
            k.set("replacements", Y::Seq(vec![entry]));
        }
    }

    fn vars(&mut self, k: &mut Y, res: &[Res]) {
        let mut vars = Vec::new();
        if let Some(cm) = res.iter().find(|r| r.kind == "ConfigMap") {
            vars.push(Y::map(vec![
                ("name", Y::s("CFG_VALUE")),
                (
                    "objref",
                    Y::map(vec![
                        ("apiVersion", Y::s("v1")),
                        ("kind", Y::s("ConfigMap")),
                        ("name", Y::s(cm.name.clone())),
                    ]),
                ),
                (
                    "fieldref",
                    Y::map(vec![(
                        "fieldpath",
                        Y::s(*self.rng.pick(&["data.k", "metadata.name", "data.d0"])),
                    )]),
                ),
            ]));
        }
        if let Some(svc) = res.iter().find(|r| r.kind == "Service") {
            vars.push(Y::map(vec![
                ("name", Y::s("SVC_NAME")),
                (
                    "objref",
                    Y::map(vec![
                        ("apiVersion", Y::s("v1")),
                        ("kind", Y::s("Service")),
                        ("name", Y::s(svc.name.clone())),
                    ]),
                ),
            ]));
        }
        k.set("vars", Y::Seq(vars));
    }

    fn configurations(&mut self, dir: &str, k: &mut Y) {
        let f = format!("{}.yaml", self.fresh("config"));
        let doc = match self.rng.below(3) {
            0 => Y::map(vec![(
                "nameReference",
                Y::Seq(vec![Y::map(vec![
                    ("kind", Y::s("ConfigMap")),
                    ("version", Y::s("v1")),
                    (
                        "fieldSpecs",
                        Y::Seq(vec![Y::map(vec![
                            ("path", Y::s("spec/configMapRef")),
                            ("kind", Y::s("Widget")),
                        ])]),
                    ),
                ])]),
            )]),
            1 => Y::map(vec![(
                "commonLabels",
                Y::Seq(vec![Y::map(vec![
                    ("path", Y::s("spec/extra/labels")),
                    ("kind", Y::s("Widget")),
                    ("create", Y::s("true")),
                ])]),
            )]),
            _ => Y::map(vec![(
                "images",
                Y::Seq(vec![Y::map(vec![
                    ("path", Y::s("spec/f0")),
                    ("kind", Y::s("Widget")),
                ])]),
            )]),
        };
        self.put(format!("{dir}/{f}"), File::Yaml(vec![doc]));
        k.set("configurations", Y::Seq(vec![Y::s(f)]));
    }

    fn plugin_transformers(&mut self, dir: &str, k: &mut Y, res: &[Res]) {
        let rng = &mut self.rng;
        let doc = match rng.below(4) {
            0 => Y::map(vec![
                ("apiVersion", Y::s("builtin")),
                ("kind", Y::s("PrefixSuffixTransformer")),
                ("metadata", Y::map(vec![("name", Y::s("ps"))])),
                ("prefix", Y::s("plug-")),
                (
                    "fieldSpecs",
                    Y::Seq(vec![Y::map(vec![("path", Y::s("metadata/name"))])]),
                ),
            ]),
            1 => Y::map(vec![
                ("apiVersion", Y::s("builtin")),
                ("kind", Y::s("LabelTransformer")),
                ("metadata", Y::map(vec![("name", Y::s("lt"))])),
                ("labels", small_map(rng, 1, klabel_value)),
                (
                    "fieldSpecs",
                    Y::Seq(vec![Y::map(vec![
                        ("path", Y::s("metadata/labels")),
                        ("create", Y::s("true")),
                    ])]),
                ),
            ]),
            2 => Y::map(vec![
                ("apiVersion", Y::s("builtin")),
                ("kind", Y::s("AnnotationsTransformer")),
                ("metadata", Y::map(vec![("name", Y::s("at"))])),
                ("annotations", small_map(rng, 2, kvalue)),
                (
                    "fieldSpecs",
                    Y::Seq(vec![Y::map(vec![
                        ("path", Y::s("metadata/annotations")),
                        ("create", Y::s("true")),
                    ])]),
                ),
            ]),
            _ => {
                let r = rng.pick(res).clone();
                Y::map(vec![
                    ("apiVersion", Y::s("builtin")),
                    ("kind", Y::s("PatchTransformer")),
                    ("metadata", Y::map(vec![("name", Y::s("pt"))])),
                    ("patch", Y::s(format!("'[{{\"op\": \"add\", \"path\": \"/metadata/annotations/pt\", \"value\": \"{}\"}}]'", rng.pick(&["x", "0600", "yes"])))),
                    ("target", Y::map(vec![("kind", Y::s(r.kind.clone()))])),
                ])
            }
        };
        let f = format!("{}.yaml", self.fresh("plugin"));
        self.put(format!("{dir}/{f}"), File::Yaml(vec![doc]));
        k.set("transformers", Y::Seq(vec![Y::s(f)]));
    }
}

fn rng_pct(rng: &mut Rng, p: u64) -> bool {
    rng.pct(p)
}

/// The tree for `seed`.
pub fn tree(seed: u64) -> Tree {
    Gen::new(seed).tree()
}
