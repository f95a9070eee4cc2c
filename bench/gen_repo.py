#!/usr/bin/env python3
"""A synthetic GitOps repository for the benchmarks: `base/` plus `envs/envNN/` overlays.

    bench/gen_repo.py OUT_DIR [--apps N] [--envs M]

Deterministic (same arguments, same bytes). Per app the base holds a Deployment (two
containers, env, envFrom, a volume), a Service and a configMapGenerator entry, so one
env renders 3 objects per app. Every env overlay sets a name prefix, its namespace, a
label with selectors, an image tag override, and one strategic-merge patch per app
(replicas, an env var, a memory limit): the transformers real overlays use most.
"""
import argparse
import pathlib


def app_name(i):
    return f"app{i:04d}"


def base_resources(name):
    deployment = "\n".join([
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {name}",
        "  labels:",
        f"    app: {name}",
        "spec:",
        "  replicas: 1",
        "  selector:",
        "    matchLabels:",
        f"      app: {name}",
        "  template:",
        "    metadata:",
        "      labels:",
        f"        app: {name}",
        "    spec:",
        "      containers:",
        "      - name: main",
        f"        image: registry.example.com/team/{name}:v1",
        "        ports:",
        "        - containerPort: 8080",
        "        env:",
        "        - name: APP_NAME",
        f"          value: {name}",
        "        - name: FEATURE",
        '          value: "on"',
        "        envFrom:",
        "        - configMapRef:",
        f"            name: {name}-config",
        "        volumeMounts:",
        "        - name: data",
        "          mountPath: /data",
        "      - name: sidecar",
        "        image: registry.example.com/infra/proxy:1.0",
        "      volumes:",
        "      - name: data",
        "        emptyDir: {}",
    ])
    service = "\n".join([
        "apiVersion: v1",
        "kind: Service",
        "metadata:",
        f"  name: {name}",
        "spec:",
        "  selector:",
        f"    app: {name}",
        "  ports:",
        "  - name: http",
        "    port: 80",
        "    targetPort: 8080",
    ])
    return f"{deployment}\n---\n{service}\n"


def env_patch(name, env, replicas):
    return "\n".join([
        "apiVersion: apps/v1",
        "kind: Deployment",
        "metadata:",
        f"  name: {name}",
        "spec:",
        f"  replicas: {replicas}",
        "  template:",
        "    spec:",
        "      containers:",
        "      - name: main",
        "        env:",
        "        - name: ENV",
        f"          value: {env}",
        "        resources:",
        "          limits:",
        "            memory: 256Mi",
    ]) + "\n"


def write_base(root, apps):
    base = root / "base"
    base.mkdir(parents=True, exist_ok=True)
    names = [app_name(i) for i in range(apps)]
    for n in names:
        (base / f"{n}.yaml").write_text(base_resources(n))
    lines = ["apiVersion: kustomize.config.k8s.io/v1beta1", "kind: Kustomization", "resources:"]
    lines += [f"- {n}.yaml" for n in names]
    lines.append("configMapGenerator:")
    for n in names:
        lines += [f"- name: {n}-config", "  literals:", "  - LOG_LEVEL=info", f"  - APP={n}"]
    (base / "kustomization.yaml").write_text("\n".join(lines) + "\n")


def write_env(root, index, apps):
    env = f"env{index:02d}"
    d = root / "envs" / env
    d.mkdir(parents=True, exist_ok=True)
    names = [app_name(i) for i in range(apps)]
    for n in names:
        (d / f"{n}-patch.yaml").write_text(env_patch(n, env, index + 2))
    lines = [
        "apiVersion: kustomize.config.k8s.io/v1beta1",
        "kind: Kustomization",
        "resources:",
        "- ../../base",
        f"namePrefix: {env}-",
        f"namespace: {env}",
        "labels:",
        "- pairs:",
        f"    env: {env}",
        "  includeSelectors: true",
        "images:",
        "- name: registry.example.com/infra/proxy",
        '  newTag: "2.0"',
        "patches:",
    ]
    lines += [f"- path: {n}-patch.yaml" for n in names]
    (d / "kustomization.yaml").write_text("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--apps", type=int, default=100)
    ap.add_argument("--envs", type=int, default=3)
    a = ap.parse_args()
    root = pathlib.Path(a.out)
    write_base(root, a.apps)
    for e in range(a.envs):
        write_env(root, e, a.apps)


if __name__ == "__main__":
    main()
