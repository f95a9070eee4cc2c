#!/usr/bin/env python3
"""Preview benchmark: `kubectl gitops preview` vs what a user scripts today, side by side.

Generates a repository with bench/gen_repo.py (or the generator given with
--gen), commits it, changes one base file in a second commit, and measures in one run:

  ours      `kubectl gitops preview --base A -o json` in the work tree at B (base read
            from Git objects, every env rendered on both sides and compared)
  scripted  `git worktree add` of A, `kubectl kustomize` of every env in the worktree
            and in the work tree, then `diff -r` of the two output directories

Both must name the same set of changed envs; prints wall times and the ratio.

usage:
  bench/preview.py                    # 1000 apps x 3 envs (the scripted side takes minutes)
  bench/preview.py --smoke            # 20 apps x 2 envs: checks the script works
  bench/preview.py --apps 300 --envs 3 --runs 5
"""
import argparse
import json
import os
import pathlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def git(repo, *args):
    env = dict(os.environ, GIT_CONFIG_NOSYSTEM="1", HOME=str(repo.parent / "home"))
    out = subprocess.run(["git", "-c", "user.name=bench", "-c", "user.email=bench@example.com",
                          *args], cwd=repo, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip()


def ours(binary, repo, base):
    """One preview run: (seconds, changed envs)."""
    start = time.perf_counter()
    proc = subprocess.run([binary, "preview", "--base", base, "-o", "json"], cwd=repo,
                          capture_output=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        sys.exit(f"bench: preview failed ({proc.returncode}): {proc.stderr.decode()}")
    report = json.loads(proc.stdout)
    changed = {e["env"] for e in report["envs"] if e["state"] != "unchanged"}
    return elapsed, changed


def scripted(repo, base, envs, tmp):
    """The user's script: worktree of the base, kustomize both sides, diff -r."""
    start = time.perf_counter()
    wt = tmp / "base-worktree"
    git(repo, "worktree", "add", "-q", "--detach", str(wt), base)
    out = {"base": tmp / "out-base", "head": tmp / "out-head"}
    for side, tree in (("base", wt), ("head", repo)):
        out[side].mkdir()
        for env in envs:
            with open(out[side] / f"{env}.yaml", "wb") as f:
                subprocess.run(["kubectl", "kustomize", str(tree / "envs" / env)], stdout=f,
                               check=True)
    diff = subprocess.run(["diff", "-rq", str(out["base"]), str(out["head"])],
                          capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if diff.returncode > 1:
        sys.exit(f"bench: diff -r failed: {diff.stderr}")
    changed = {pathlib.Path(line.split()[1]).stem
               for line in diff.stdout.splitlines() if line.startswith("Files ")}
    git(repo, "worktree", "remove", "--force", str(wt))
    return elapsed, changed


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--apps", type=int, default=1000)
    ap.add_argument("--envs", type=int, default=3)
    ap.add_argument("--runs", type=int, default=3, help="runs of our binary (median)")
    ap.add_argument("--smoke", action="store_true", help="tiny repository: checks the script works")
    ap.add_argument("--binary", default=str(ROOT / "target/release/kubectl-gitops"))
    ap.add_argument("--gen", default=str(ROOT / "bench/gen_repo.py"))
    a = ap.parse_args()
    if a.smoke:
        a.apps, a.envs, a.runs = 20, 2, 1
    a.binary = str(pathlib.Path(a.binary).resolve())
    if not pathlib.Path(a.binary).exists():
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    if not shutil.which("kubectl"):
        sys.exit("bench: kubectl (the reference) is not on PATH")

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="gitops-bench-preview-"))
    try:
        repo = tmp / "repo"
        (tmp / "home").mkdir()
        subprocess.run([sys.executable, a.gen, str(repo), "--apps", str(a.apps),
                        "--envs", str(a.envs)], check=True, stdout=subprocess.DEVNULL)
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "base")
        base = git(repo, "rev-parse", "HEAD")
        # One base file changes: an image tag of one app, seen by every env.
        apps = sorted((repo / "base").glob("app*.yaml"))
        changed_file = apps[len(apps) // 2]
        text = changed_file.read_text()
        if ":v1" not in text:
            sys.exit(f"bench: {changed_file} has no ':v1' tag to change")
        changed_file.write_text(text.replace(":v1", ":v2", 1))
        git(repo, "commit", "-q", "-am", "bump one app")
        envs = sorted(p.name for p in (repo / "envs").iterdir() if p.is_dir())
        files = len(git(repo, "ls-files").splitlines())

        runs = [ours(a.binary, repo, base) for _ in range(a.runs)]
        ours_t = statistics.median(r[0] for r in runs)
        ours_changed = runs[0][1]
        ref_t, ref_changed = scripted(repo, base, envs, tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    if ours_changed != ref_changed:
        sys.exit(f"bench: changed envs differ: ours {sorted(ours_changed)}, "
                 f"scripted {sorted(ref_changed)}")
    print(f"repository: {a.apps} apps x {a.envs} envs, {files} files; "
          f"one base file changed ({changed_file.name})")
    print(f"{'':10} {'seconds':>9}  changed envs")
    print(f"{'ours':10} {ours_t:9.3f}  {', '.join(sorted(ours_changed))} "
          f"(median of {a.runs})")
    print(f"{'scripted':10} {ref_t:9.3f}  {', '.join(sorted(ref_changed))}")
    print(f"ratio: {ref_t / ours_t:.0f}x faster, same changed envs")


if __name__ == "__main__":
    main()
