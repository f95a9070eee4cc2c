#!/usr/bin/env python3
"""Agent scale benchmark on the test plane (the flux-benchmark shape): one repository
with N envs of 4 objects each (ConfigMaps), one `kubectl gitops agent` pulling it from
file://. Measures the time until every env is synced, then a no-op cycle of all envs
(triggered with POST /hooks/refresh), and the agent's peak RSS and CPU time.

usage:
  KUBECONFIG=... bench/agent.py --envs 100
  KUBECONFIG=... bench/agent.py --envs 1000 --binary target/release/kubectl-gitops
"""
import argparse
import os
import pathlib
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent


def synced(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return sum(float(m) for m in re.findall(r'^gitops_agent_reconciles_total\{env="[^"]*",result="Synced"\} (\S+)$', text, re.M))


def failed(port):
    text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read().decode()
    return sum(float(m) for m in re.findall(r'^gitops_agent_reconciles_total\{env="[^"]*",result="(?:RenderFailed|ApplyFailed)"\} (\S+)$', text, re.M))


def wait_for(port, target, limit, proc):
    start = time.perf_counter()
    while time.perf_counter() - start < limit:
        if proc.poll() is not None:
            sys.exit("bench: the agent exited")
        if synced(port) >= target:
            return time.perf_counter() - start
        if failed(port) > 0:
            sys.exit("bench: a reconcile failed; see the agent's log")
        time.sleep(0.2)
    sys.exit(f"bench: not converged within {limit}s")


def proc_stats(pid):
    status = pathlib.Path(f"/proc/{pid}/status").read_text()
    hwm = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    fields = pathlib.Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks
    return hwm, cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--envs", type=int, default=100)
    ap.add_argument("--concurrency-envs", type=int, default=8)
    ap.add_argument("--binary", default=str(ROOT / "target/debug/kubectl-gitops"))
    args = ap.parse_args()
    if not os.environ.get("KUBECONFIG"):
        sys.exit("bench: set KUBECONFIG to a running test plane")
    ns = f"bench-agent-{os.getpid()}"
    subprocess.run(["kubectl", "create", "namespace", ns], check=True, capture_output=True)
    tmp = tempfile.TemporaryDirectory()
    repo = pathlib.Path(tmp.name) / "repo"
    for i in range(args.envs):
        env = repo / "envs" / f"e{i:04d}"
        env.mkdir(parents=True)
        names = []
        for j in range(4):
            name = f"e{i:04d}-cm{j}"
            (env / f"{name}.yaml").write_text(
                f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  v: \"{j}\"\n")
            names.append(f"- {name}.yaml\n")
        (env / "kustomization.yaml").write_text(f"namespace: {ns}\nresources:\n" + "".join(names))
    gitops = repo / ".gitops"
    gitops.mkdir()
    (gitops / "envs.yaml").write_text("envs:\n" + "".join(
        f"  e{i:04d}:\n    cluster: bench\n    namespace: {ns}\n" for i in range(args.envs)))
    git = ["git", "-C", str(repo), "-c", "user.name=b", "-c", "user.email=b@example.com"]
    subprocess.run(git + ["init", "-q", "-b", "main"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "bench"], check=True)
    token = pathlib.Path(tmp.name) / "token"
    token.write_text("bench\n")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(pathlib.Path(tmp.name) / "agent.log", "w")
    proc = subprocess.Popen([args.binary, "agent", "--repo", f"file://{repo}", "--branch", "main",
                             "--bound", "--cluster-name", "bench", "--interval", "1h",
                             "--concurrency-envs", str(args.concurrency_envs),
                             "--listen", f"127.0.0.1:{port}", "--refresh-token-file", str(token)],
                            stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(100):
            try:
                synced(port)
                break
            except OSError:
                time.sleep(0.1)
        first = wait_for(port, args.envs, 900, proc)
        _, cpu_first = proc_stats(proc.pid)
        start = time.perf_counter()
        req = urllib.request.Request(f"http://127.0.0.1:{port}/hooks/refresh", method="POST",
                                     headers={"Authorization": "Bearer bench"}, data=b"")
        urllib.request.urlopen(req, timeout=10).read()
        wait_for(port, 2 * args.envs, 900, proc)
        noop = time.perf_counter() - start
        rss, cpu = proc_stats(proc.pid)
        print(f"envs={args.envs} objects={4 * args.envs} concurrency-envs={args.concurrency_envs}")
        print(f"first convergence: {first:.1f}s   no-op cycle: {noop:.1f}s   "
              f"peak RSS: {rss:.0f} MiB   CPU: {cpu_first:.1f}s first, {cpu - cpu_first:.1f}s no-op")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        subprocess.run(["kubectl", "delete", "namespace", ns, "--wait=false"], capture_output=True)


if __name__ == "__main__":
    main()
