//! What a change does to every env: two renders of each env (a base and a head revision,
//! from [`crate::source`]) compared object by object, by group/kind/namespace/name.
//! Objects are added, removed, changed (with a unified diff of the object in kustomize's
//! output form) or unchanged (counted). A ConfigMap or Secret whose generated hash suffix
//! changed (`app-config-7h2k8d9m5c` -> `app-config-9fd3b2tt6g`) is one changed object, not a
//! removal and an addition. Secret values are masked as `diff` masks them. [`present`]
//! prints the result as text, JSON or one Markdown document for a pull-request comment.

pub mod present;

use crate::render;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

/// Which of the two revisions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    Base,
    Head,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Base => "base",
            Side::Head => "head",
        }
    }
}

/// An object's identity across the two renders.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectKey {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
}

impl ObjectKey {
    fn of(obj: &Value) -> ObjectKey {
        let s = |v: Option<&Value>| v.and_then(Value::as_str).unwrap_or("").to_string();
        let api_version = s(obj.get("apiVersion"));
        let group = match api_version.rsplit_once('/') {
            Some((g, _)) => g.to_string(),
            None => String::new(),
        };
        let meta = obj.get("metadata");
        ObjectKey {
            group,
            kind: s(obj.get("kind")),
            namespace: s(meta.and_then(|m| m.get("namespace"))),
            name: s(meta.and_then(|m| m.get("name"))),
        }
    }

    /// `Kind[.group] [namespace/]name`.
    pub fn display(&self) -> String {
        let kind = if self.group.is_empty() {
            self.kind.clone()
        } else {
            format!("{}.{}", self.kind, self.group)
        };
        if self.namespace.is_empty() {
            format!("{kind} {}", self.name)
        } else {
            format!("{kind} {}/{}", self.namespace, self.name)
        }
    }

    fn is_secret(&self) -> bool {
        self.group.is_empty() && self.kind == "Secret"
    }
}

/// One object that differs between base and head.
#[derive(Clone, Debug)]
pub struct ObjectChange {
    pub key: ObjectKey,
    pub kind: ChangeKind,
    /// For a change of a generator's hash suffix: the name at the base.
    pub renamed_from: Option<String>,
    /// The unified diff (base -> head) of the object as YAML, secrets masked unless asked.
    pub diff: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
}

impl ChangeKind {
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Changed => "changed",
        }
    }
}

/// What the change does to one env.
#[derive(Clone, Debug)]
pub struct EnvPreview {
    pub env: String,
    pub outcome: Outcome,
}

#[derive(Clone, Debug)]
pub enum Outcome {
    /// Both sides rendered (an env present on one side only renders as empty on the other).
    Compared {
        /// The env exists only at the head (`Some(Head)`) or only at the base (`Some(Base)`).
        only: Option<Side>,
        changes: Vec<ObjectChange>,
        unchanged: usize,
    },
    /// A side failed to render: its error line.
    Failed { side: Side, error: String },
}

impl EnvPreview {
    /// Whether the env's rendered output changes.
    pub fn changed(&self) -> bool {
        match &self.outcome {
            Outcome::Compared { only, changes, .. } => only.is_some() || !changes.is_empty(),
            Outcome::Failed { .. } => false,
        }
    }

    /// Count of changes of one kind.
    pub fn count(&self, kind: ChangeKind) -> usize {
        match &self.outcome {
            Outcome::Compared { changes, .. } => changes.iter().filter(|c| c.kind == kind).count(),
            Outcome::Failed { .. } => 0,
        }
    }

    pub fn unchanged(&self) -> usize {
        match &self.outcome {
            Outcome::Compared { unchanged, .. } => *unchanged,
            Outcome::Failed { .. } => 0,
        }
    }
}

/// The whole preview: the two revisions' labels and every env, sorted by name.
#[derive(Clone, Debug)]
pub struct Preview {
    pub base: String,
    pub head: String,
    pub envs: Vec<EnvPreview>,
}

impl Preview {
    pub fn failed(&self) -> bool {
        self.envs
            .iter()
            .any(|e| matches!(e.outcome, Outcome::Failed { .. }))
    }

    pub fn changed(&self) -> bool {
        self.envs.iter().any(EnvPreview::changed)
    }
}

/// One side of one env: `None` when the env does not exist in that revision, else its
/// objects or its render's error line.
pub type Rendered = Option<Result<Vec<Value>, String>>;

/// Compares one env's two renders.
pub fn compare_env(env: &str, base: Rendered, head: Rendered, show_secrets: bool) -> EnvPreview {
    let only = match (&base, &head) {
        (None, Some(_)) => Some(Side::Head),
        (Some(_), None) => Some(Side::Base),
        _ => None,
    };
    let base = match base.unwrap_or(Ok(Vec::new())) {
        Ok(v) => v,
        Err(error) => {
            return EnvPreview {
                env: env.to_string(),
                outcome: Outcome::Failed {
                    side: Side::Base,
                    error,
                },
            }
        }
    };
    let head = match head.unwrap_or(Ok(Vec::new())) {
        Ok(v) => v,
        Err(error) => {
            return EnvPreview {
                env: env.to_string(),
                outcome: Outcome::Failed {
                    side: Side::Head,
                    error,
                },
            }
        }
    };
    let (changes, unchanged) = compare(base, head, show_secrets);
    EnvPreview {
        env: env.to_string(),
        outcome: Outcome::Compared {
            only,
            changes,
            unchanged,
        },
    }
}

/// Objects of two renders compared: the changes (sorted by key) and the unchanged count.
pub fn compare(
    base: Vec<Value>,
    head: Vec<Value>,
    show_secrets: bool,
) -> (Vec<ObjectChange>, usize) {
    let mut before: BTreeMap<ObjectKey, Value> = BTreeMap::new();
    for obj in base {
        before.insert(ObjectKey::of(&obj), obj);
    }
    let mut after: BTreeMap<ObjectKey, Value> = BTreeMap::new();
    for obj in head {
        after.insert(ObjectKey::of(&obj), obj);
    }
    // (key, base object, head object, name at the base when renamed)
    type Pair = (ObjectKey, Option<Value>, Option<Value>, Option<String>);
    let mut pairs: Vec<Pair> = Vec::new();
    let mut unchanged = 0;
    let mut removed: Vec<(ObjectKey, Value)> = Vec::new();
    for (key, b) in before {
        match after.remove(&key) {
            Some(a) if a == b => unchanged += 1,
            Some(a) => pairs.push((key, Some(b), Some(a), None)),
            None => removed.push((key, b)),
        }
    }
    let mut added: Vec<(ObjectKey, Value)> = after.into_iter().collect();
    // Hash-suffix renames: exactly one candidate on each side of the same kind,
    // namespace and base name.
    let group_of = |k: &ObjectKey| {
        let generated = k.group.is_empty() && (k.kind == "ConfigMap" || k.kind == "Secret");
        generated
            .then(|| hash_base(&k.name))
            .flatten()
            .map(|base| (k.kind.clone(), k.namespace.clone(), base.to_string()))
    };
    let mut count: HashMap<(String, String, String), (usize, usize)> = HashMap::new();
    for (k, _) in &removed {
        if let Some(g) = group_of(k) {
            count.entry(g).or_default().0 += 1;
        }
    }
    for (k, _) in &added {
        if let Some(g) = group_of(k) {
            count.entry(g).or_default().1 += 1;
        }
    }
    let mut renamed: HashMap<(String, String, String), (ObjectKey, Value)> = HashMap::new();
    removed.retain(|(k, v)| match group_of(k) {
        Some(g) if count.get(&g) == Some(&(1, 1)) => {
            renamed.insert(g, (k.clone(), v.clone()));
            false
        }
        _ => true,
    });
    added.retain(
        |(k, v)| match group_of(k).and_then(|g| renamed.remove(&g)) {
            Some((old, b)) => {
                pairs.push((k.clone(), Some(b), Some(v.clone()), Some(old.name)));
                false
            }
            None => true,
        },
    );
    for (k, v) in removed {
        pairs.push((k, Some(v), None, None));
    }
    for (k, v) in added {
        pairs.push((k, None, Some(v), None));
    }
    pairs.sort_by(|x, y| x.0.cmp(&y.0));
    let changes = pairs
        .into_iter()
        .map(|(key, mut b, mut a, renamed_from)| {
            let kind = match (&b, &a) {
                (None, _) => ChangeKind::Added,
                (_, None) => ChangeKind::Removed,
                _ => ChangeKind::Changed,
            };
            if key.is_secret() && !show_secrets {
                crate::diff::mask::mask_secret(b.as_mut(), a.as_mut());
            }
            let y = |v: &Option<Value>| v.as_ref().map(crate::yaml::to_yaml).unwrap_or_default();
            let name_b = renamed_from.as_deref().unwrap_or(&key.name);
            let diff = similar::TextDiff::from_lines(&y(&b), &y(&a))
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("base/{}", file_name(&key, name_b)),
                    &format!("head/{}", file_name(&key, &key.name)),
                )
                .to_string();
            ObjectChange {
                key,
                kind,
                renamed_from,
                diff,
            }
        })
        .collect();
    (changes, unchanged)
}

fn file_name(key: &ObjectKey, name: &str) -> String {
    let kind = if key.group.is_empty() {
        key.kind.clone()
    } else {
        format!("{}.{}", key.kind, key.group)
    };
    if key.namespace.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{}/{name}", key.namespace)
    }
}

/// The name without a generator's hash suffix (`<base>-<10 characters>`), if it has one.
fn hash_base(name: &str) -> Option<&str> {
    let (base, suffix) = name.rsplit_once('-')?;
    (!base.is_empty()
        && suffix.len() == 10
        && suffix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()))
    .then_some(base)
}

/// One finished build: the objects or the error line, and kustomize's warnings.
pub type Built = (Result<Vec<Value>, String>, Vec<String>);

/// Builds on all cores as jobs arrive, so the head's envs render while the base is still
/// being read from Git. Each job carries a key; [`Renderer::finish`] returns every key
/// with its result (objects, or the error as one line) and kustomize's warnings.
pub struct Renderer<K: Send + 'static> {
    jobs: Option<std::sync::mpsc::Sender<(K, PathBuf, render::Options)>>,
    done: std::sync::mpsc::Receiver<(K, Built)>,
    workers: Vec<std::thread::JoinHandle<()>>,
    submitted: usize,
}

impl<K: Send + 'static> Renderer<K> {
    /// A pool of one worker per core.
    pub fn new() -> Renderer<K> {
        let (jobs, queue) = std::sync::mpsc::channel::<(K, PathBuf, render::Options)>();
        let (results, done) = std::sync::mpsc::channel();
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        let n = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(2);
        let workers = (0..n)
            .map(|_| {
                let queue = queue.clone();
                let results = results.clone();
                std::thread::spawn(move || loop {
                    let job = queue.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok((key, dir, options)) = job else {
                        break;
                    };
                    let built = match render::build(&dir, &options) {
                        Ok(out) => (
                            Ok(out.resources.into_iter().map(|r| r.obj).collect()),
                            out.warnings,
                        ),
                        Err(e) => (Err(e.to_string()), Vec::new()),
                    };
                    if results.send((key, built)).is_err() {
                        break;
                    }
                })
            })
            .collect();
        Renderer {
            jobs: Some(jobs),
            done,
            workers,
            submitted: 0,
        }
    }

    /// Queues the build of the kustomization in `dir`.
    pub fn submit(&mut self, key: K, dir: PathBuf, options: render::Options) {
        if let Some(jobs) = &self.jobs {
            if jobs.send((key, dir, options)).is_ok() {
                self.submitted += 1;
            }
        }
    }

    /// Waits for every queued build.
    pub fn finish(mut self) -> Vec<(K, Built)> {
        self.jobs = None;
        let out: Vec<(K, Built)> = self.done.iter().take(self.submitted).collect();
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
        out
    }
}

impl<K: Send + 'static> Default for Renderer<K> {
    fn default() -> Self {
        Renderer::new()
    }
}

/// Compares every env (name, base side, head side) on all cores, keeping the order.
pub fn compare_all(envs: Vec<(String, Rendered, Rendered)>, show_secrets: bool) -> Vec<EnvPreview> {
    let n = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .min(envs.len().max(1));
    let mut slots: Vec<Option<EnvPreview>> = (0..envs.len()).map(|_| None).collect();
    let queue = std::sync::Mutex::new(envs.into_iter().enumerate());
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|_| {
                scope.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let next = queue.lock().unwrap_or_else(|e| e.into_inner()).next();
                        let Some((i, (env, base, head))) = next else {
                            break;
                        };
                        done.push((i, compare_env(&env, base, head, show_secrets)));
                    }
                    done
                })
            })
            .collect();
        for h in handles {
            if let Ok(done) = h.join() {
                for (i, e) in done {
                    slots[i] = Some(e);
                }
            }
        }
    });
    slots.into_iter().flatten().collect()
}

/// An error message with the given directory prefixes removed.
pub fn clean(message: &str, strip: &[PathBuf]) -> String {
    let mut out = message.to_string();
    for p in strip {
        let mut prefix = p.to_string_lossy().to_string();
        if !prefix.ends_with('/') {
            prefix.push('/');
        }
        out = out.replace(&prefix, "");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn cm(name: &str, v: &str) -> Value {
        json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "a"}, "data": {"k": v}})
    }

    #[test]
    fn hash_suffix_rename_is_one_change() {
        let (changes, unchanged) = compare(
            vec![cm("app-config-7h2k8d9m5c", "1"), cm("same", "x")],
            vec![cm("app-config-9fd3b2tt6g", "2"), cm("same", "x")],
            false,
        );
        assert_eq!(unchanged, 1);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, ChangeKind::Changed);
        assert_eq!(
            changes[0].renamed_from.as_deref(),
            Some("app-config-7h2k8d9m5c")
        );
        assert!(
            changes[0].diff.contains("-  k: \"1\""),
            "{}",
            changes[0].diff
        );
    }

    #[test]
    fn ambiguous_renames_stay_apart() {
        let (changes, _) = compare(
            vec![cm("app-7h2k8d9m5c", "1"), cm("app-8h2k8d9m5c", "1")],
            vec![cm("app-9fd3b2tt6g", "2")],
            false,
        );
        assert_eq!(changes.len(), 3);
        assert!(changes.iter().all(|c| c.renamed_from.is_none()));
    }

    #[test]
    fn hash_base_needs_ten_characters() {
        assert_eq!(hash_base("app-config-7h2k8d9m5c"), Some("app-config"));
        assert_eq!(hash_base("app-config"), None);
        assert_eq!(hash_base("-7h2k8d9m5c"), None);
        assert_eq!(hash_base("app-7H2K8D9M5C"), None);
    }
}
