#!/usr/bin/env python3
"""Cluster benchmark on the test plane: `kubectl gitops sync` / `diff` vs
`kubectl apply --server-side` / `kubectl diff --server-side`, side by side in one run.

Generates a repo with bench/gen_repo.py (two envs of identical shape:
env00 for kubectl, env01 for us), then measures:
  1. first sync of every object   (kubectl apply --server-side -k envs/env00 vs
                                    kubectl gitops sync env01 --no-wait)
  2. no-op re-sync                  (the same commands again)
  3. diff after mutating 10 objects (kubectl diff --server-side -f <our objects> vs
                                    kubectl gitops diff env01), checking that both
                                    report the same drifted objects.

usage:
  bench/cluster.py                # 1000 apps (3000 objects); starts a test plane
  bench/cluster.py --apps 50      # quick
  KUBECONFIG=... bench/cluster.py # use a running test plane
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def sh(cmd, env, check=True, capture=True, stdin=None):
    start = time.perf_counter()
    p = subprocess.run(cmd, env=env, input=stdin, stdout=subprocess.PIPE if capture else None,
                       stderr=subprocess.PIPE if capture else None, text=True)
    elapsed = time.perf_counter() - start
    if check and p.returncode not in (0, 1):
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed ({p.returncode}):\n{p.stderr[-3000:]}")
    return elapsed, p


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=1000)
    # Default: our default flags (what users run). Give --concurrency/--qps to measure tuned.
    ap.add_argument("--concurrency", type=int, default=None)
    ap.add_argument("--qps", type=float, default=None)
    ap.add_argument("--binary", default=str(ROOT / "target/release/kubectl-gitops"))
    ap.add_argument("--gen", default=str(ROOT / "bench/gen_repo.py"))
    a = ap.parse_args()
    if not pathlib.Path(a.binary).exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)

    env = dict(os.environ)
    started = False
    if not env.get("KUBECONFIG") or not env.get("GITOPS_TESTPLANE_RESTRICTED_KUBECONFIG"):
        out = subprocess.run([str(ROOT / "testplane/start")], check=True, stdout=subprocess.PIPE, text=True).stdout
        for m in re.finditer(r"export (\w+)=(\S+)", out):
            env[m.group(1)] = m.group(2)
        started = True
    try:
        run(a, env)
    finally:
        if started:
            subprocess.run([str(ROOT / "testplane/stop")], env=env)


def run(a, env):
    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gitops-cluster-bench-"))
    repo = tmp / "repo"
    subprocess.run([sys.executable, a.gen, str(repo), "--apps", str(a.apps), "--envs", "2"],
                   check=True, stdout=subprocess.DEVNULL)
    for ns in ("env00", "env01"):
        sh(["kubectl", "create", "namespace", ns], env)
    ours = [a.binary, "--root", str(repo)]
    flags = ["-n", "env01"]
    if a.concurrency is not None:
        flags += ["--concurrency", str(a.concurrency)]
    if a.qps is not None:
        flags += ["--qps", str(a.qps), "--burst", str(int(a.qps))]
    kubectl_apply = ["kubectl", "apply", "--server-side", "--field-manager", "kubectl-bench",
                     "-k", str(repo / "envs/env00")]
    rows = []

    t_k1, _ = sh(kubectl_apply, env)
    # -vv logs every API request (one line each): the count per object is reported.
    t_o1, p = sh(ours + ["-vv", "sync", "env01", "--no-wait"] + flags, env)
    if p.returncode != 0:
        sys.exit(f"bench: first sync failed:\n{p.stderr[-3000:]}")
    requests = len(re.findall(r"\b(GET|APPLY|LIST|DELETE|CAN-I|DISCOVER)\b", p.stderr))
    rows.append(("first sync", t_k1, t_o1))
    t_k2, _ = sh(kubectl_apply, env)
    t_o2, p = sh(ours + ["sync", "env01", "--no-wait"] + flags, env)
    if "already in sync" not in p.stdout:
        sys.exit(f"bench: the re-sync was not a no-op:\n{p.stdout[-2000:]}")
    rows.append(("no-op re-sync", t_k2, t_o2))

    # Mutate 10 objects behind Git's back.
    mutated = set()
    for i in range(0, a.apps, max(1, a.apps // 10))[:10]:
        name = f"env01-app{i:04d}"
        sh(["kubectl", "-n", "env01", "scale", "deployment", name, "--replicas", "7"], env)
        mutated.add(("Deployment", name))
    # kubectl diff needs the objects exactly as we apply them (with the inventory label).
    _, p = sh(ours + ["render", "env01", "-o", "json"], env)
    objects = json.loads(p.stdout)
    _, p = sh(ours + ["diff", "env01", "-o", "json"] + flags, env)
    label = None
    for o in objects:
        o["metadata"]["namespace"] = o["metadata"].get("namespace", "env01")
    # the label value is the ApplySet id of env01's parent
    _, parent = sh(["kubectl", "-n", "env01", "get", "configmap", "gitops-env01", "-o", "json"], env)
    label = json.loads(parent.stdout)["metadata"]["labels"]["applyset.kubernetes.io/id"]
    for o in objects:
        o["metadata"].setdefault("labels", {})["applyset.kubernetes.io/part-of"] = label
    desired = tmp / "desired.json"
    desired.write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objects}))

    t_kd, pk = sh(["kubectl", "diff", "--server-side", "--field-manager", "kubectl-gitops",
                   "--force-conflicts", "-f", str(desired)], env)
    t_od, po = sh(ours + ["diff", "env01", "-o", "json"] + flags, env)
    rows.append(("diff (10 drifted)", t_kd, t_od))
    kubectl_drift = set()
    for m in re.finditer(r"^diff -u -N \S+/([^/\s]+)\s", pk.stdout, re.M):
        parts = m.group(1).split(".")  # group.version.Kind.namespace.name
        kubectl_drift.add((parts[-3], parts[-1]))
    our_drift = {(o["kind"], o["name"]) for o in json.loads(po.stdout)["objects"] if o["class"] != "in-sync"}
    same = kubectl_drift == our_drift == mutated

    tuning = "default flags" if a.concurrency is None and a.qps is None else \
        f"concurrency {a.concurrency}, qps {a.qps}"
    print(f"objects: {len(objects)} ({a.apps} apps), {tuning}")
    print(f"first sync: {requests} API requests, {requests / len(objects):.2f} per object")
    print(f"{'operation':<20} {'kubectl s':>10} {'ours s':>8} {'speedup':>8}")
    for name, k, o in rows:
        print(f"{name:<20} {k:10.2f} {o:8.2f} {k / o:7.1f}x")
    print(f"drifted objects: kubectl {len(kubectl_drift)}, ours {len(our_drift)}, "
          f"mutated {len(mutated)}, identical sets: {same}")
    if not same:
        sys.exit("bench: the drifted sets differ")


if __name__ == "__main__":
    main()
