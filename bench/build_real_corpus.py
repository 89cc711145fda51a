#!/usr/bin/env python3
"""Build a corpus of real public Infrastructure-as-Code text from local git mirrors.

This is how the benchmark corpus of bench/bench_real_secrets.py was made: fetch the 50
PINNED_SOURCES repositories (Terraform modules, Helm charts, Kubernetes manifests, Ansible
roles, Compose files, CloudFormation, CI workflows) as bare mirrors, then run

    python bench/build_real_corpus.py --mirror-root MIRRORS --out DIR

and pass DIR/unique.parquet to the benchmark (`--corpus`). The data is never committed.

Input: bare git directories laid out as <mirror_root>/<owner>+<name>/repo (the layout the
`fetch` tool produces). Only the HEAD tree of each mirror is read (`git ls-tree` and
`git cat-file --batch`); no work tree is needed and nothing is written to the mirrors.

Output (under --out):
  unique.parquet   one row per unique document (dedupe key: git blob id, i.e. exact content),
                   columns text, repo, path, commit, blob, kind, n_bytes
  SOURCES.md       repo, commit, file count, MB per source
  shards/          nanochat-layout shards shard_00000.parquet ... : one string column `text`,
                   zstd level 3, row groups of 1024 docs, no dictionary, no statistics.
                   Documents are the unique documents replicated in deterministic shuffled epochs
                   until at least --target-mb of UTF-8 text. A shard is cut once it holds
                   >= --shard-mb of text AND a multiple of 1024 docs; the remainder becomes the
                   final shard, which is the validation split by nanochat's convention (last file).
  build_manifest.json  counts, sizes, parameters (kept outside shards/ so the shard dir holds
                   parquet files only)

This file is our own code; it contains no code from the mirrored repositories.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import posixpath
import random
import re
import subprocess
import threading
import sys
import time
from collections import Counter, defaultdict

import pyarrow as pa
import pyarrow.parquet as pq

MIRROR_ROOT = "/work/.mirror"
# Mirrors that exist on this machine for other purposes and are not IaC sources.
EXCLUDE_MIRRORS = {"karpathy+nanochat", "holynakamoto+nanochat"}
# The sources of the published corpus, pinned to the HEAD commit each snapshot had when it was built.
# Only these are read by default (so mirrors fetched later by other work do not change the corpus);
# --all-mirrors reads every mirror instead. A different HEAD is reported and still used.
PINNED_SOURCES = {
    "Azure/terraform-azurerm-aks": "e29456edaa389ae47a3862963bb5a3b65f7126a5",
    "Azure/terraform-azurerm-caf-enterprise-scale": "1e3d84acdfa524f4d945efa57e07062519822d18",
    "GoogleCloudPlatform/cloud-foundation-fabric": "11c1d248826f06cbec3fff54fc7094da405a5322",
    "GoogleCloudPlatform/kubernetes-engine-samples": "2b5036514162a489145c5e5570bc320efbcb37bf",
    "GoogleCloudPlatform/microservices-demo": "34ffea9175946982c3088ed84994fe6019ad6e92",
    "actions/runner-images": "749514466b4f51b7dc8d9f1cda62257dcf13d183",
    "actions/starter-workflows": "1035244887e26fbbd4f1017d919fb5995cc521c4",
    "ansible/ansible-examples": "b50586543c6c4be907fdc88f9f78a2b35d2a895f",
    "argoproj/argocd-example-apps": "0d521c6e049889134f3122eb32d7ed342f43ca0d",
    "aws-ia/terraform-aws-eks-blueprints": "98d0eb4069e787210848eeefcb2b9ba8e52706e7",
    "aws-samples/ecs-refarch-cloudformation": "a257e226b33bd9d2a721e5afd9d7e8b66dbacfdc",
    "aws-samples/serverless-patterns": "fb7b5d06c27d8abb1bd35e52ab7523acf4baab7b",
    "awslabs/aws-cloudformation-templates": "3ac5e031cc2340dee710f769bacdd78c1f39f187",
    "bitnami/charts": "5165628ae06697f8f68a670bef7739d93c4b7f44",
    "cloudposse/terraform-aws-components": "a10df84fcd6e3456938f2b95c6283118f0607e5d",
    "debops/debops": "65b66ff984814b7565b2605874a81aed713955d2",
    "dev-sec/ansible-collection-hardening": "c3822fca2d101ab93a40a614d9618f69fbbb52e9",
    "docker-library/official-images": "37079fb336f572a88700cf32e5e1f6be54a04e8f",
    "docker-library/postgres": "6edb0a8c4def40c371514b34aef9037ec82d9110",
    "docker/awesome-compose": "18f59bdb09ecf520dd5758fbf90dec314baec545",
    "dockersamples/example-voting-app": "63e9150ca17af4ed05880d4245e486481f73fcb4",
    "elastic/helm-charts": "2fd64d0af65f14df7aa01da591919460dabac4b3",
    "fluxcd/flux2-kustomize-helm-example": "4f1a5b1051b469108d1bdf0ebec6c814427e3834",
    "geerlingguy/ansible-for-devops": "86e1bf80098239cd995d54217585e8d61117d2e7",
    "geerlingguy/ansible-role-docker": "68d6a6da5f489cc9717873487b43aa6a8965d89b",
    "geerlingguy/ansible-role-mysql": "8a84b1dd1502eb3645f90d17a8b6037c241e182c",
    "grafana/helm-charts": "7a0ab968961a165318ab95ff678908c3b9bc3240",
    "gruntwork-io/terragrunt-infrastructure-live-example": "d106b47ad1e22cae3a841cd495eae48e9bbe3a03",
    "hashicorp/terraform-provider-azurerm": "69697b7fe6a923fc89e88f386bc95c3ed1ee2ec6",
    "hashicorp/terraform-provider-kubernetes": "3a33fb6cc6055853584af1731b1369164c35ffc7",
    "helm/examples": "4888ba8fb8180dd0c36d1e84c1fcafc6efd81532",
    "jenkinsci/helm-charts": "22055414e808938d0fc0585c4920d57661acce90",
    "jessfraz/dockerfiles": "8ff991327fd1c68369c2fb576215d0eabffca0e1",
    "kubernetes-sigs/kubespray": "46dbdd3994b32640bcd806b0097f50e8fdf1d514",
    "kubernetes-sigs/kustomize": "12f9e6391464b3ad9dd3fe8182049dc1b1772990",
    "kubernetes/examples": "279e8e4fe314f6cb7bc55fa3fbc21bbeaa48c0ea",
    "onedr0p/home-ops": "d9078e4dd52174ad68a4408ca3398f731b2f889e",
    "open-telemetry/opentelemetry-helm-charts": "dd5665c06f376c00a5e2147aa84b70c3d105ecfb",
    "prometheus-community/helm-charts": "cf408a290aec489277a94450bb3511432477a53a",
    "prometheus-operator/kube-prometheus": "4d719f1dea8853540b3823ab1fbe6be74a9953b3",
    "pulumi/examples": "40c09b266d44e9975e15289c42cc0c2ad8d14995",
    "terraform-aws-modules/terraform-aws-eks": "bef29c4d9523523e57fe898643fde2895106b339",
    "terraform-aws-modules/terraform-aws-iam": "981121bcd17618b8ed032223c0d9e647b9277ef9",
    "terraform-aws-modules/terraform-aws-lambda": "23d00f7daef40091e87ed2f9dc5d8532e9d2cc22",
    "terraform-aws-modules/terraform-aws-rds": "fa183b6b36204913fac1219d09b4979c1e60443a",
    "terraform-aws-modules/terraform-aws-security-group": "3cf4e1a48a4649179e8ea27308daf0b551cb0bfa",
    "terraform-aws-modules/terraform-aws-vpc": "82d1929e669efef4e2ad00611b8a68e7a56e049c",
    "terraform-google-modules/terraform-example-foundation": "ed07500ef63b215b28db98cdfa308353e550abca",
    "terraform-google-modules/terraform-google-kubernetes-engine": "bb176b213d8c55f6c3034cb39828dfe1631d7647",
    "terraform-google-modules/terraform-google-network": "3012d98fcb709d5ba456e0d93f42ab61028f7655",
}

MAX_BYTES = 1_000_000  # skip files larger than 1 MB
MIN_CHARS = 16          # skip near-empty files

# ---------------------------------------------------------------------------------------------
# Path classification
# ---------------------------------------------------------------------------------------------
SKIP_DIR_PARTS = {
    ".git", "node_modules", "vendor", "third_party", "third-party", "bower_components",
    "__pycache__", ".terraform", "dist", "site-packages", ".venv", "venv",
}
LOCK_FILES = {
    "package-lock.json", "yarn.lock", "pnpm-lock.yaml", "poetry.lock", "pipfile.lock",
    "go.sum", "cargo.lock", "composer.lock", "gemfile.lock", ".terraform.lock.hcl",
    "chart.lock", "requirements.lock", "npm-shrinkwrap.json", "packages.lock.json",
    "flake.lock", "mix.lock", "pubspec.lock", "podfile.lock", "bun.lockb", "uv.lock",
}
# extension -> kind; always taken
EXT_KIND = {
    ".tf": "terraform", ".tfvars": "terraform", ".hcl": "hcl", ".tftpl": "terraform",
    ".tftest.hcl": "terraform", ".nomad": "hcl", ".pkr.hcl": "hcl", ".bicep": "bicep",
    ".yaml": "yaml", ".yml": "yaml", ".tpl": "template", ".gotmpl": "template",
    ".j2": "jinja", ".jinja": "jinja", ".jinja2": "jinja",
    ".sh": "shell", ".bash": "shell", ".zsh": "shell", ".ps1": "powershell",
    ".ini": "config", ".cfg": "config", ".conf": "config", ".cnf": "config",
    ".properties": "config", ".toml": "config", ".env": "env",
    ".jsonnet": "jsonnet", ".libsonnet": "jsonnet", ".cue": "cue",
    ".mk": "make", ".dockerfile": "dockerfile", ".containerfile": "dockerfile",
    ".service": "systemd", ".timer": "systemd", ".repo": "config",
}
# exact (lower-cased) basenames; always taken
NAME_KIND = {
    "dockerfile": "dockerfile", "containerfile": "dockerfile", "makefile": "make",
    "gnumakefile": "make", "vagrantfile": "vagrant", "jenkinsfile": "ci",
    ".env": "env", ".dockerignore": "config", ".helmignore": "config", "procfile": "config",
    "inventory": "ansible", "hosts": "ansible", "ansible.cfg": "config",
    "brewfile": "config", "justfile": "make", "tiltfile": "config",
}
NAME_PREFIX_KIND = (
    ("dockerfile", "dockerfile"), ("containerfile", "dockerfile"), (".env.", "env"),
    ("jenkinsfile", "ci"), ("makefile", "make"),
)
# JSON is taken only from IaC-looking places
JSON_PATH_TOKENS = re.compile(
    r"(cloudformation|cfn|template|arm|azuredeploy|bicep|policy|policies|iam|terraform|"
    r"k8s|kube|kubernetes|manifest|deploy|helm|chart|dashboard|infra|aws|azure|gcp|google|"
    r"\.devcontainer|ecs|task-?def|packer|ansible|pulumi|compose|docker|examples?|samples?|"
    r"quickstart|stack|config|settings|parameters)",
    re.I,
)
JSON_SKIP_NAMES = {"package.json", "tsconfig.json", "jsconfig.json", "composer.json",
                   ".eslintrc.json", "renovate.json", ".prettierrc.json", "tslint.json"}
PULUMI_PROGRAMS = {"__main__.py", "index.ts", "index.js", "main.go", "program.cs",
                   "program.fs", "main.py", "pulumi.yaml"}


def classify(path: str, pulumi_dirs: set[str]) -> str | None:
    """Return a document kind for an IaC-like path, or None to skip it."""
    parts = path.split("/")
    if any(p in SKIP_DIR_PARTS for p in parts[:-1]):
        return None
    name = parts[-1]
    low = name.lower()
    if low in LOCK_FILES or low.endswith(".lock") or low.endswith(".min.js"):
        return None
    if low in NAME_KIND:
        return NAME_KIND[low]
    for prefix, kind in NAME_PREFIX_KIND:
        if low.startswith(prefix):
            return kind
    for ext in (".tftest.hcl", ".pkr.hcl"):
        if low.endswith(ext):
            return EXT_KIND[ext]
    ext = posixpath.splitext(low)[1]
    if low.endswith(".env") or low.endswith(".envrc"):
        return "env"
    if ext in EXT_KIND:
        return EXT_KIND[ext]
    if ext in (".json", ".template") and low not in JSON_SKIP_NAMES:
        if low.endswith(".template") or JSON_PATH_TOKENS.search(path):
            return "json" if ext == ".json" else "cfn-template"
        return None
    d = posixpath.dirname(path)
    if d in pulumi_dirs and low in PULUMI_PROGRAMS:
        return "pulumi"
    return None


# ---------------------------------------------------------------------------------------------
# Git access
# ---------------------------------------------------------------------------------------------
def git(gitdir: str, *args: str) -> bytes:
    return subprocess.run(["git", "-C", gitdir, *args], check=True, capture_output=True).stdout


def list_tree(gitdir: str):
    """Yield (mode, blob_id, size, path) for every blob in HEAD (-z keeps odd paths intact)."""
    out = git(gitdir, "ls-tree", "-r", "-l", "-z", "HEAD")
    for rec in out.split(b"\0"):
        if not rec:
            continue
        meta, _, path = rec.partition(b"\t")
        mode, typ, oid, size = meta.split()
        if typ != b"blob" or mode in (b"120000", b"160000"):
            continue  # symlinks and submodules
        if not size.isdigit():
            continue  # blob absent from the snapshot (the snapshot drops files >= 4 MiB)
        try:
            p = path.decode("utf-8")
        except UnicodeDecodeError:
            continue
        yield mode.decode(), oid.decode(), int(size), p


def read_blobs(gitdir: str, oids: list[str]):
    """Yield (oid, bytes) using one `git cat-file --batch` process."""
    if not oids:
        return
    proc = subprocess.Popen(["git", "-C", gitdir, "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    # feed all requests from a thread-free approach: write in chunks, read responses in order

    def feed():
        for o in oids:
            proc.stdin.write(o.encode() + b"\n")
        proc.stdin.close()

    t = threading.Thread(target=feed, daemon=True)
    t.start()
    out = proc.stdout
    for o in oids:
        header = out.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            continue
        n = int(header[2])
        data = out.read(n)
        out.read(1)  # trailing LF
        yield o, data
    t.join()
    proc.wait()


DIST_INFO = re.compile(r"^(.*?/)?[^/]+\.(dist-info|egg-info)/")


def vendored_roots(paths) -> tuple[str, ...]:
    """Directories holding installed Python packages (they contain *.dist-info / *.egg-info).

    Lambda layers and `dependencies/python` folders committed with boto3/botocore etc. are
    vendored libraries, not IaC; everything under such a directory is skipped."""
    roots = set()
    for p in paths:
        m = DIST_INFO.match(p)
        if m:
            if m.group(1):  # never treat the whole repository as vendored
                roots.add(m.group(1))
    return tuple(sorted(roots))


def looks_binary(data: bytes) -> bool:
    return b"\0" in data[:8192]


# ---------------------------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------------------------
def collect(mirror_root: str, include: list[str] | None, pinned: dict[str, str] | None):
    docs = []            # dicts: text, repo, path, commit, blob, kind, n_bytes
    seen: set[str] = set()
    sources = []
    names = sorted(os.listdir(mirror_root))
    for name in names:
        if name in EXCLUDE_MIRRORS or (include and name not in include):
            continue
        repo = name.replace("+", "/", 1)
        if pinned is not None and repo not in pinned:
            continue
        gitdir = os.path.join(mirror_root, name, "repo")
        if not os.path.isdir(gitdir):
            continue
        try:
            commit = git(gitdir, "rev-parse", "HEAD").decode().strip()
            if pinned is not None and pinned[repo] != commit:
                print(f"WARNING {repo}: HEAD {commit} != pinned {pinned[repo]}", file=sys.stderr)
            entries = list(list_tree(gitdir))
        except subprocess.CalledProcessError as e:
            print(f"skip {repo}: {e}", file=sys.stderr)
            continue
        pulumi_dirs = {posixpath.dirname(p) for _, _, _, p in entries
                       if posixpath.basename(p).lower() == "pulumi.yaml"}
        vendored = vendored_roots(p for _, _, _, p in entries)
        wanted = []
        for mode, oid, size, path in entries:
            if size > MAX_BYTES or size < MIN_CHARS:
                continue
            if vendored and any(path.startswith(v) for v in vendored):
                continue
            kind = classify(path, pulumi_dirs)
            if kind:
                wanted.append((oid, path, kind))
        by_oid = defaultdict(list)
        for oid, path, kind in wanted:
            by_oid[oid].append((path, kind))
        stats = Counter()
        for oid, data in read_blobs(gitdir, list(by_oid)):
            if oid in seen:
                stats["dup"] += 1
                continue
            if looks_binary(data):
                stats["binary"] += 1
                continue
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                stats["not_utf8"] += 1
                continue
            if not text.strip():
                continue
            seen.add(oid)
            path, kind = by_oid[oid][0]  # first path holding this content
            docs.append(dict(text=text, repo=repo, path=path, commit=commit, blob=oid,
                             kind=kind, n_bytes=len(data),
                             is_crd="kind: CustomResourceDefinition" in text))
            stats["docs"] += 1
            stats["bytes"] += len(data)
            stats["kind:" + kind] += 1
        sources.append(dict(repo=repo, commit=commit, tree_files=len(entries),
                            docs=stats["docs"], bytes=stats["bytes"], dup=stats["dup"],
                            binary=stats["binary"], not_utf8=stats["not_utf8"],
                            kinds={k[5:]: v for k, v in stats.items() if k.startswith("kind:")}))
        print(f"{repo:70s} {stats['docs']:6d} docs {stats['bytes']/1e6:8.2f} MB", flush=True)
    return docs, sources


def write_unique(docs, out_dir):
    cols = ["text", "repo", "path", "commit", "blob", "kind", "n_bytes", "is_crd"]
    table = pa.table({c: [d[c] for d in docs] for c in cols},
                     schema=pa.schema([("text", pa.large_string()), ("repo", pa.string()),
                                       ("path", pa.string()), ("commit", pa.string()),
                                       ("blob", pa.string()), ("kind", pa.string()),
                                       ("n_bytes", pa.int64()), ("is_crd", pa.bool_())]))
    pq.write_table(table, os.path.join(out_dir, "unique.parquet"), compression="zstd",
                   compression_level=3, row_group_size=4096)


def write_sources(sources, docs, out_dir):
    total_docs = sum(s["docs"] for s in sources)
    total_mb = sum(s["bytes"] for s in sources) / 1e6
    kinds = Counter(d["kind"] for d in docs)
    kind_bytes = Counter()
    for d in docs:
        kind_bytes[d["kind"]] += d["n_bytes"]
    lines = [
        "# Sources of the real IaC corpus",
        "",
        "Each source is the HEAD commit of a public GitHub repository snapshot (read from a local",
        "git mirror). Only IaC-like files are taken (see `build_real_corpus.py`); files are",
        "deduplicated by exact content across all sources (first source in alphabetical order wins).",
        "",
        f"Total: **{total_docs} unique documents, {total_mb:.2f} MB** (UTF-8 bytes) from "
        f"{len(sources)} repositories.",
        "",
        "| repo | commit | files in tree | docs taken | MB | dup skipped |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for s in sorted(sources, key=lambda s: -s["bytes"]):
        lines.append(f"| https://github.com/{s['repo']} | `{s['commit']}` | {s['tree_files']} | "
                     f"{s['docs']} | {s['bytes']/1e6:.2f} | {s['dup']} |")
    lines += ["", "## By document kind", "", "| kind | docs | MB |", "|---|---:|---:|"]
    for k, n in kinds.most_common():
        lines.append(f"| {k} | {n} | {kind_bytes[k]/1e6:.2f} |")
    with open(os.path.join(out_dir, "SOURCES.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def write_shards(texts, out_dir, target_bytes, shard_bytes, seed, row_group=1024):
    """Replicate `texts` in shuffled epochs; cut shards like nanochat's repackager."""
    shard_dir = os.path.join(out_dir, "shards")
    os.makedirs(shard_dir, exist_ok=True)
    for f in os.listdir(shard_dir):
        if f.endswith(".parquet"):
            os.remove(os.path.join(shard_dir, f))
    sizes = [len(t.encode("utf-8")) for t in texts]
    rng = random.Random(seed)
    shards_meta = []
    buf, buf_bytes, total, epoch = [], 0, 0, 0

    def flush():
        nonlocal buf, buf_bytes
        idx = len(shards_meta)
        path = os.path.join(shard_dir, f"shard_{idx:05d}.parquet")
        t0 = time.time()
        pq.write_table(pa.Table.from_pydict({"text": buf}), path, row_group_size=row_group,
                       use_dictionary=False, compression="zstd", compression_level=3,
                       write_statistics=False)
        shards_meta.append(dict(file=os.path.basename(path), docs=len(buf), text_bytes=buf_bytes,
                                file_bytes=os.path.getsize(path),
                                row_groups=pq.ParquetFile(path).num_row_groups,
                                write_s=round(time.time() - t0, 2)))
        print(f"  wrote {shards_meta[-1]}", flush=True)
        buf, buf_bytes = [], 0

    done = False
    while not done:
        order = list(range(len(texts)))
        rng.shuffle(order)
        for i in order:
            buf.append(texts[i])
            buf_bytes += sizes[i]
            total += sizes[i]
            if buf_bytes >= shard_bytes and len(buf) % row_group == 0:
                flush()
            if total >= target_bytes:
                done = True
                break
        epoch += 1
    if buf:
        flush()  # final (possibly smaller) shard = validation split
    return shards_meta, total, epoch


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--mirror-root", default=MIRROR_ROOT)
    ap.add_argument("--out", required=True, help="folder for unique.parquet, SOURCES.md, shards/")
    ap.add_argument("--include", nargs="*", help="mirror dir names (owner+name) to use; default all")
    ap.add_argument("--target-mb", type=float, default=420.0, help="min total text in shards (1e6 B)")
    ap.add_argument("--shard-mb", type=float, default=95.0, help="text per shard before a cut (1e6 B)")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--all-mirrors", action="store_true",
                    help="read every mirror under --mirror-root, not just PINNED_SOURCES")
    ap.add_argument("--no-shards", action="store_true")
    ap.add_argument("--drop-crds", action="store_true",
                    help="leave Kubernetes CustomResourceDefinition documents out of the shards "
                         "(they stay in unique.parquet, flagged by is_crd)")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    t0 = time.time()
    docs, sources = collect(args.mirror_root, args.include,
                            None if args.all_mirrors else PINNED_SOURCES)
    if not args.all_mirrors:
        missing = sorted(set(PINNED_SOURCES) - {s["repo"] for s in sources})
        if missing:
            print(f"WARNING: {len(missing)} pinned sources not found: {missing}", file=sys.stderr)
    # deterministic document order: by repo, then path
    docs.sort(key=lambda d: (d["repo"], d["path"]))
    t1 = time.time()
    write_unique(docs, args.out)
    write_sources(sources, docs, args.out)
    uniq_bytes = sum(d["n_bytes"] for d in docs)
    print(f"unique: {len(docs)} docs, {uniq_bytes/1e6:.2f} MB, collect {t1-t0:.1f}s", flush=True)
    manifest = dict(unique_docs=len(docs), unique_bytes=uniq_bytes,
                    unique_chars=sum(len(d["text"]) for d in docs),
                    unique_sha256=hashlib.sha256(
                        "".join(d["blob"] for d in docs).encode()).hexdigest(),
                    sources=sources, params=vars(args))
    if not args.no_shards:
        shard_docs = [d["text"] for d in docs if not (args.drop_crds and d["is_crd"])]
        shards, total, epochs = write_shards(shard_docs, args.out,
                                             int(args.target_mb * 1e6), int(args.shard_mb * 1e6),
                                             args.seed)
        manifest.update(shards=shards, shard_text_bytes=total, epochs=epochs,
                        val_shard=shards[-1]["file"])
    manifest["build_s"] = round(time.time() - t0, 1)
    with open(os.path.join(args.out, "build_manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"done in {manifest['build_s']}s")


if __name__ == "__main__":
    main()
