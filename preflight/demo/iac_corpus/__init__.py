"""Synthetic Infrastructure-as-Code documents: the text of the demo workspace and of every test shard.

Each document is one plausible file from an ops repository: Terraform for AWS, GCP or Azure
(resources, variables, outputs, module calls), Kubernetes manifests, Helm values and templates,
Ansible playbooks and inventories, Dockerfiles, shell scripts, docker-compose files and GitHub
Actions workflows. Files are assembled from many small randomized parts, so no two are alike, and
their lengths spread from a few hundred bytes to tens of kilobytes the way real files do.

The corpus is clean by construction. It holds no credentials and no public IP addresses; it is full
of what a secret scanner must NOT fire on: private and documentation address ranges, example CIDRs,
versions, sha256 digests, UUIDs, ARNs with example account ids, and templated values such as
`${var.db_password}`, `{{ .Values.image.tag }}`, `{{ vault_api_token }}` and `${{ secrets.X }}`.

The same seed always gives the same documents, and a longer run starts with a shorter one's
documents (`generate_documents(5, s)[:3] == generate_documents(3, s)`).
"""

import math
import random
from itertools import islice
from typing import Callable, Iterator

from preflight.demo.iac_corpus import ansible, docker_and_ci, kubernetes, terraform

# (generator, weight): roughly the share of file types in an ops monorepo
_KINDS: tuple = (
    (terraform.document, 30), (kubernetes.manifests, 18), (kubernetes.helm_values, 4),
    (kubernetes.helm_template, 4), (ansible.document, 12), (docker_and_ci.dockerfile, 8),
    (docker_and_ci.shell_script, 10), (docker_and_ci.compose, 6), (docker_and_ci.github_actions, 8),
)
_GENERATORS: tuple = tuple(g for g, _ in _KINDS)
_CUM_WEIGHTS: tuple = tuple(sum(w for _, w in _KINDS[:i + 1]) for i in range(len(_KINDS)))
_MAX_SIZE = 120  # blocks: caps a document near 100 kB


def _size(rng: random.Random) -> int:
    # log-normal block count: median ~4, a long tail of large files
    return max(1, min(_MAX_SIZE, int(math.exp(rng.gauss(1.5, 1.0)))))


def iter_documents(seed: int = 0) -> Iterator[str]:
    """An endless, deterministic stream of IaC documents for this seed."""
    rng = random.Random(seed)
    choose: Callable = rng.choices
    while True:
        generator = choose(_GENERATORS, cum_weights=_CUM_WEIGHTS)[0]
        yield generator(rng, _size(rng))


def generate_documents(n: int, seed: int = 0) -> list:
    """The first n documents of iter_documents(seed)."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    return list(islice(iter_documents(seed), n))
