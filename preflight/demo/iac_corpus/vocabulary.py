"""The words and values IaC files are made of, and small generators of names, addresses and versions.

Everything here is safe to publish: example account ids, private or documentation address ranges,
example domains, and codenames that never spell a word a secret scanner keys on.
"""

import random
import re

SERVICES = (
    "payments", "orders", "billing", "ledger", "catalog", "search", "checkout", "identity", "profile",
    "notify", "media", "reports", "analytics", "inventory", "shipping", "gateway", "frontend", "backend",
    "scheduler", "ingest", "metrics", "audit", "tenant", "pricing", "quotes", "loyalty", "geo", "assets",
    "docs", "support", "recommender", "fraud", "invoices", "webhooks", "feeds", "exports", "mailer",
)
ROLES = (
    "api", "worker", "svc", "web", "db", "cache", "queue", "cron", "proxy", "sync", "exporter",
    "consumer", "admin", "store", "router", "batch", "stream", "ui",
)
ENVS = ("dev", "staging", "prod", "qa", "sandbox", "perf", "preview")
TEAMS = ("platform", "payments", "growth", "data", "sre", "security", "core", "mobile", "infra")
AWS_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2",
               "ap-northeast-1", "ca-central-1", "sa-east-1", "eu-north-1")
GCP_REGIONS = ("us-central1", "us-east4", "europe-west1", "europe-west4", "asia-east1",
               "asia-southeast1", "australia-southeast1", "northamerica-northeast1")
AZURE_LOCATIONS = ("westeurope", "northeurope", "eastus", "eastus2", "westus3", "uksouth",
                   "southeastasia", "australiaeast", "germanywestcentral")
EC2_TYPES = ("t3.micro", "t3.small", "t3.medium", "t3.large", "m5.large", "m5.xlarge", "m6i.2xlarge",
             "c6g.xlarge", "r6g.large", "c5.4xlarge", "g5.xlarge", "m7g.medium")
GCE_TYPES = ("e2-standard-2", "e2-standard-4", "n2-standard-8", "n2d-highmem-4", "c2-standard-16",
             "e2-medium", "t2d-standard-2")
AZ_SIZES = ("Standard_D2s_v5", "Standard_D4s_v5", "Standard_B2ms", "Standard_E8s_v5",
            "Standard_F4s_v2", "Standard_D8as_v5")
DB_ENGINES = (("postgres", "15.4"), ("postgres", "16.2"), ("mysql", "8.0.35"), ("mariadb", "10.11.6"),
              ("postgres", "14.10"))
BASE_IMAGES = (
    ("python", ("3.11-slim", "3.12-slim-bookworm", "3.10-alpine", "3.11.7-bookworm")),
    ("node", ("20-bookworm-slim", "18-alpine", "20.11.1-alpine3.19", "22-slim")),
    ("golang", ("1.22-alpine", "1.21.6-bookworm", "1.22.1")),
    ("ubuntu", ("22.04", "24.04", "jammy-20240227")),
    ("debian", ("bookworm-slim", "12.5-slim", "bullseye-20240211")),
    ("alpine", ("3.19", "3.18.6", "3.20")),
    ("eclipse-temurin", ("21-jre", "17-jdk-jammy", "17.0.10_7-jre-alpine")),
    ("nginx", ("1.25.3-alpine", "1.24-bookworm", "stable-alpine")),
    ("redis", ("7.2-alpine", "7.0.15", "6.2-bookworm")),
    ("postgres", ("16.2", "15-alpine", "14.11-bookworm")),
)
REGISTRIES = ("ghcr.io/example-org", "registry.example.com/platform", "docker.io/exampleco",
              "{account}.dkr.ecr.{region}.amazonaws.com", "europe-docker.pkg.dev/example-project/apps",
              "exampleacr.azurecr.io")
APT_PACKAGES = ("curl", "ca-certificates", "git", "jq", "unzip", "gnupg", "tini", "libpq-dev",
                "build-essential", "openssh-client", "tzdata", "netcat-openbsd", "dnsutils", "vim-tiny",
                "python3-pip", "locales", "htop", "rsync", "make", "gcc", "libssl-dev", "zlib1g-dev")
PIP_PACKAGES = ("gunicorn==21.2.0", "uvicorn[standard]==0.27.1", "fastapi==0.110.0", "psycopg2-binary==2.9.9",
                "boto3==1.34.51", "requests==2.31.0", "pydantic==2.6.3", "celery==5.3.6", "redis==5.0.2",
                "sqlalchemy==2.0.28", "alembic==1.13.1", "prometheus-client==0.20.0")
CMDS = ('["./app", "serve"]', '["gunicorn", "-b", "0.0.0.0:8080", "app:create_app()"]', '["node", "dist/server.js"]',
        '["python", "-m", "app"]', '["java", "-jar", "/opt/app/app.jar"]')
DOMAINS = ("example.com", "example.org", "example.net", "internal.example.com", "corp.example.com")
COMMENT_NOTES = (
    "managed by terraform, do not edit by hand", "see the runbook in docs/ for rollback steps",
    "TODO: split this into a module once the second region is live", "kept in sync with the helm chart",
    "values below were tuned after the load test in March", "owned by the platform team",
    "FIXME: remove after the migration to the new VPC", "required by the compliance baseline",
    "do not lower this without talking to SRE first", "this mirrors the staging setup",
    "temporary override until the upstream fix lands", "generated defaults, adjust per environment",
)
# a few files in any real repository carry comments in other languages
UNICODE_NOTES = (
    "Überprüfung der Konfiguration vor dem Rollout", "注意: 本番環境では変更しないでください",
    "配置说明：请勿在生产环境中修改", "Configuración revisada por el equipo de plataforma ✅",
    "Не менять без согласования с SRE", "설정 변경 전 팀에 공지하세요", "déploiement progressif — voir le wiki",
    "🚀 release pipeline", "Δοκιμαστική ρύθμιση για το staging", "⚠️ keep in sync with values-prod.yaml",
)
ACCOUNT_IDS = ("123456789012", "210987654321", "111122223333", "444455556666", "777788889999")


# project codenames are built from syllables: real repositories are full of one-off identifiers, and
# without them a tokenizer trained on the corpus runs out of merges long before 32k tokens
ONSETS = ("b", "br", "c", "ch", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "kl", "l", "m", "n", "p",
          "pr", "qu", "r", "s", "sh", "st", "t", "tr", "v", "w", "z", "")
VOWELS = ("a", "e", "i", "o", "u", "ai", "ea", "io", "ou", "y")
CODAS = ("", "", "n", "r", "s", "x", "l", "m", "nd", "rk", "st", "t")


# words that make secret scanners look twice at an identifier; a clean corpus should not invent them
SCANNER_KEYWORDS = re.compile("token|key|pass|secret|auth|cred|api|pwd")


def codename(rng: random.Random) -> str:
    """A made-up project word of 2-3 syllables (never one a secret scanner keys on)."""
    while True:
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS) for _ in range(rng.randint(2, 3)))
        if not SCANNER_KEYWORDS.search(word):
            return word


def service(rng: random.Random) -> str:
    """A service's base name: mostly from SERVICES, one in four a codename."""
    return codename(rng) if rng.random() < 0.25 else rng.choice(SERVICES)


def name(rng: random.Random) -> str:
    """A kebab-case workload name such as `payments-api`."""
    return f"{service(rng)}-{rng.choice(ROLES)}"


def ident(rng: random.Random) -> str:
    """A snake_case identifier such as `payments_api`."""
    return f"{service(rng)}_{rng.choice(ROLES)}"


def hex_digits(rng: random.Random, digits: int) -> str:
    """`digits` random lowercase hex digits (digests, commit ids)."""
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def uuid_like(rng: random.Random) -> str:
    """A random version-4-shaped UUID."""
    h = hex_digits(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def semver(rng: random.Random) -> str:
    """A three-part version number."""
    return f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 15)}"


def private_ip(rng: random.Random) -> str:
    """An address in RFC 1918 private space or an RFC 5737 documentation range."""
    block = rng.randint(0, 5)
    if block < 3:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if block == 3:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if block == 4:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    # RFC 5737 documentation ranges
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"


def cidr(rng: random.Random) -> str:
    """A private network block (/16, /20 or /24)."""
    kind = rng.randint(0, 3)
    if kind == 0:
        return f"10.{rng.randint(0, 255)}.0.0/16"
    if kind == 1:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"
    if kind == 2:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 15) * 16}.0/20"
    return f"192.168.{rng.randint(0, 255)}.0/24"


def image(rng: random.Random, repo: str = "") -> str:
    """A container image reference, pinned by tag or (one in four) by sha256 digest."""
    registry = rng.choice(REGISTRIES).format(account=rng.choice(ACCOUNT_IDS), region=rng.choice(AWS_REGIONS))
    ref = f"{registry}/{repo or name(rng)}"
    if rng.random() < 0.25:
        return f"{ref}@sha256:{hex_digits(rng, 64)}"
    return f"{ref}:{rng.choice(('v', ''))}{semver(rng)}"


def base_image(rng: random.Random) -> str:
    """A public base image with a tag, sometimes also pinned by digest."""
    repo, tags = rng.choice(BASE_IMAGES)
    if rng.random() < 0.2:
        return f"{repo}:{rng.choice(tags)}@sha256:{hex_digits(rng, 64)}"
    return f"{repo}:{rng.choice(tags)}"


def note(rng: random.Random) -> str:
    """A one-line comment; one in 25 is in another language or has emoji."""
    return rng.choice(UNICODE_NOTES) if rng.random() < 0.04 else rng.choice(COMMENT_NOTES)


def pick(rng: random.Random, items, low: int, high: int) -> list:
    """Between low and high distinct items, in random order."""
    return rng.sample(items, min(len(items), rng.randint(low, high)))
