#!/usr/bin/env python3
"""Render benchmark: `kubectl gitops render` vs `kubectl kustomize`, side by side.

Builds synthetic repos with bench/gen_repo.py (or the generator given with --gen),
renders envs/env00 with both tools, checks the outputs are
byte-identical, and prints wall time, peak RSS and ratios.

usage:
  bench/render.py                 # 300, 1000, 3000 apps (reference up to 1000)
  bench/render.py --smoke         # seconds: 10 and 30 apps, one run each
  bench/render.py --apps 300 1000 --ref-max 1000 --runs 3
"""
import argparse
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def run(cmd, out_path):
    """Runs cmd with stdout to out_path; returns (seconds, peak RSS in MiB)."""
    with open(out_path, "wb") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"bench: {' '.join(map(str, cmd))} failed")
    return elapsed, usage.ru_maxrss / 1024


def measure(cmd, out_path, runs):
    results = [run(cmd, out_path) for _ in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, nargs="*", default=[300, 1000, 3000])
    ap.add_argument("--ref-max", type=int, default=1000,
                    help="largest app count the reference is run on (it is super-linear)")
    ap.add_argument("--runs", type=int, default=3, help="runs of our binary per size (median)")
    ap.add_argument("--smoke", action="store_true", help="tiny sizes, one run: checks the script works")
    ap.add_argument("--binary", default=str(ROOT / "target/release/kubectl-gitops"))
    ap.add_argument("--gen", default=str(ROOT / "bench/gen_repo.py"))
    a = ap.parse_args()
    if a.smoke:
        a.apps, a.runs = [10, 30], 1
    if not pathlib.Path(a.binary).exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not shutil.which("kubectl"):
        sys.exit("bench: kubectl (the reference) is not on PATH")

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gitops-bench-"))
    rows = []
    try:
        for n in a.apps:
            repo = tmp / f"apps{n}"
            subprocess.run([sys.executable, a.gen, str(repo), "--apps", str(n), "--envs", "1"],
                           check=True, stdout=subprocess.DEVNULL)
            env = repo / "envs" / "env00"
            ours_out, ref_out = tmp / f"ours{n}.yaml", tmp / f"ref{n}.yaml"
            ours_t, ours_rss = measure([a.binary, "render", str(env)], ours_out, a.runs)
            ref_t = ref_rss = None
            if n <= a.ref_max:
                ref_t, ref_rss = run(["kubectl", "kustomize", str(env)], ref_out)
                if ours_out.read_bytes() != ref_out.read_bytes():
                    sys.exit(f"bench: outputs differ for {n} apps ({ours_out} vs {ref_out})")
            docs = ours_out.read_bytes().count(b"\n---\n") + 1
            rows.append((n, docs, ours_t, ours_rss, ref_t, ref_rss))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"{'apps':>6} {'objects':>8} {'ours s':>8} {'kustomize s':>12} {'speedup':>8} "
          f"{'ours MiB':>9} {'kustomize MiB':>14} {'RSS ratio':>9}")
    for n, docs, ot, orss, rt, rrss in rows:
        speed = f"{rt / ot:7.1f}x" if rt else "      -"
        rss_ratio = f"{orss / rrss:8.2f}" if rrss else "       -"
        rt_s = f"{rt:12.2f}" if rt else f"{'-':>12}"
        rrss_s = f"{rrss:14.1f}" if rrss else f"{'-':>14}"
        print(f"{n:>6} {docs:>8} {ot:8.3f} {rt_s} {speed:>8} {orss:9.1f} {rrss_s} {rss_ratio:>9}")
    if len(rows) >= 2:
        first, last = rows[0], rows[-1]
        print(f"growth: {last[0] / first[0]:.0f}x apps -> {last[2] / first[2]:.1f}x our time")
    print("outputs identical to kubectl kustomize wherever the reference ran")


if __name__ == "__main__":
    main()
