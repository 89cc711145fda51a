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

# -----------------------------------------------------------------------------
# the vocabulary files are made of

_SERVICES = (
    "payments", "orders", "billing", "ledger", "catalog", "search", "checkout", "identity", "profile",
    "notify", "media", "reports", "analytics", "inventory", "shipping", "gateway", "frontend", "backend",
    "scheduler", "ingest", "metrics", "audit", "tenant", "pricing", "quotes", "loyalty", "geo", "assets",
    "docs", "support", "recommender", "fraud", "invoices", "webhooks", "feeds", "exports", "mailer",
)
_ROLES = (
    "api", "worker", "svc", "web", "db", "cache", "queue", "cron", "proxy", "sync", "exporter",
    "consumer", "admin", "store", "router", "batch", "stream", "ui",
)
_ENVS = ("dev", "staging", "prod", "qa", "sandbox", "perf", "preview")
_TEAMS = ("platform", "payments", "growth", "data", "sre", "security", "core", "mobile", "infra")
_AWS_REGIONS = ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2",
                "ap-northeast-1", "ca-central-1", "sa-east-1", "eu-north-1")
_GCP_REGIONS = ("us-central1", "us-east4", "europe-west1", "europe-west4", "asia-east1",
                "asia-southeast1", "australia-southeast1", "northamerica-northeast1")
_AZURE_LOCATIONS = ("westeurope", "northeurope", "eastus", "eastus2", "westus3", "uksouth",
                    "southeastasia", "australiaeast", "germanywestcentral")
_EC2_TYPES = ("t3.micro", "t3.small", "t3.medium", "t3.large", "m5.large", "m5.xlarge", "m6i.2xlarge",
              "c6g.xlarge", "r6g.large", "c5.4xlarge", "g5.xlarge", "m7g.medium")
_GCE_TYPES = ("e2-standard-2", "e2-standard-4", "n2-standard-8", "n2d-highmem-4", "c2-standard-16",
              "e2-medium", "t2d-standard-2")
_AZ_SIZES = ("Standard_D2s_v5", "Standard_D4s_v5", "Standard_B2ms", "Standard_E8s_v5",
             "Standard_F4s_v2", "Standard_D8as_v5")
_DB_ENGINES = (("postgres", "15.4"), ("postgres", "16.2"), ("mysql", "8.0.35"), ("mariadb", "10.11.6"),
               ("postgres", "14.10"))
_BASE_IMAGES = (
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
_REGISTRIES = ("ghcr.io/example-org", "registry.example.com/platform", "docker.io/exampleco",
               "{account}.dkr.ecr.{region}.amazonaws.com", "europe-docker.pkg.dev/example-project/apps",
               "exampleacr.azurecr.io")
_APT_PACKAGES = ("curl", "ca-certificates", "git", "jq", "unzip", "gnupg", "tini", "libpq-dev",
                 "build-essential", "openssh-client", "tzdata", "netcat-openbsd", "dnsutils", "vim-tiny",
                 "python3-pip", "locales", "htop", "rsync", "make", "gcc", "libssl-dev", "zlib1g-dev")
_PIP_PACKAGES = ("gunicorn==21.2.0", "uvicorn[standard]==0.27.1", "fastapi==0.110.0", "psycopg2-binary==2.9.9",
                 "boto3==1.34.51", "requests==2.31.0", "pydantic==2.6.3", "celery==5.3.6", "redis==5.0.2",
                 "sqlalchemy==2.0.28", "alembic==1.13.1", "prometheus-client==0.20.0")
_CMDS = ('["./app", "serve"]', '["gunicorn", "-b", "0.0.0.0:8080", "app:create_app()"]', '["node", "dist/server.js"]',
         '["python", "-m", "app"]', '["java", "-jar", "/opt/app/app.jar"]')
_DOMAINS = ("example.com", "example.org", "example.net", "internal.example.com", "corp.example.com")
_COMMENT_NOTES = (
    "managed by terraform, do not edit by hand", "see the runbook in docs/ for rollback steps",
    "TODO: split this into a module once the second region is live", "kept in sync with the helm chart",
    "values below were tuned after the load test in March", "owned by the platform team",
    "FIXME: remove after the migration to the new VPC", "required by the compliance baseline",
    "do not lower this without talking to SRE first", "this mirrors the staging setup",
    "temporary override until the upstream fix lands", "generated defaults, adjust per environment",
)
# a few files in any real repository carry comments in other languages
_UNICODE_NOTES = (
    "Überprüfung der Konfiguration vor dem Rollout", "注意: 本番環境では変更しないでください",
    "配置说明：请勿在生产环境中修改", "Configuración revisada por el equipo de plataforma ✅",
    "Не менять без согласования с SRE", "설정 변경 전 팀에 공지하세요", "déploiement progressif — voir le wiki",
    "🚀 release pipeline", "Δοκιμαστική ρύθμιση για το staging", "⚠️ keep in sync with values-prod.yaml",
)
_ACCOUNT_IDS = ("123456789012", "210987654321", "111122223333", "444455556666", "777788889999")


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_SERVICES)}-{rng.choice(_ROLES)}"


def _ident(rng: random.Random) -> str:
    return f"{rng.choice(_SERVICES)}_{rng.choice(_ROLES)}"


def _hex(rng: random.Random, digits: int) -> str:
    return f"{rng.getrandbits(4 * digits):0{digits}x}"


def _uuid(rng: random.Random) -> str:
    h = _hex(rng, 32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def _semver(rng: random.Random) -> str:
    return f"{rng.randint(0, 4)}.{rng.randint(0, 30)}.{rng.randint(0, 15)}"


def _private_ip(rng: random.Random) -> str:
    block = rng.randint(0, 5)
    if block < 3:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if block == 3:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    if block == 4:
        return f"192.168.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    # RFC 5737 documentation ranges
    return f"{rng.choice(('192.0.2', '198.51.100', '203.0.113'))}.{rng.randint(1, 254)}"


def _cidr(rng: random.Random) -> str:
    kind = rng.randint(0, 3)
    if kind == 0:
        return f"10.{rng.randint(0, 255)}.0.0/16"
    if kind == 1:
        return f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.0/24"
    if kind == 2:
        return f"172.{rng.randint(16, 31)}.{rng.randint(0, 15) * 16}.0/20"
    return f"192.168.{rng.randint(0, 255)}.0/24"


def _image(rng: random.Random, name: str = "") -> str:
    registry = rng.choice(_REGISTRIES).format(account=rng.choice(_ACCOUNT_IDS), region=rng.choice(_AWS_REGIONS))
    image = f"{registry}/{name or _name(rng)}"
    if rng.random() < 0.25:
        return f"{image}@sha256:{_hex(rng, 64)}"
    return f"{image}:{rng.choice(('v', ''))}{_semver(rng)}"


def _base_image(rng: random.Random) -> str:
    repo, tags = rng.choice(_BASE_IMAGES)
    if rng.random() < 0.2:
        return f"{repo}:{rng.choice(tags)}@sha256:{_hex(rng, 64)}"
    return f"{repo}:{rng.choice(tags)}"


def _note(rng: random.Random) -> str:
    return rng.choice(_UNICODE_NOTES) if rng.random() < 0.04 else rng.choice(_COMMENT_NOTES)


def _pick(rng: random.Random, items, low: int, high: int) -> list:
    return rng.sample(items, min(len(items), rng.randint(low, high)))


# -----------------------------------------------------------------------------
# Terraform

def _tf_tags(rng: random.Random, service: str, indent: str = "  ") -> str:
    lines = [f'{indent}tags = {{',
             f'{indent}  Name        = "{service}-${{var.environment}}"',
             f'{indent}  Environment = var.environment',
             f'{indent}  Team        = "{rng.choice(_TEAMS)}"']
    if rng.random() < 0.6:
        lines.append(f'{indent}  ManagedBy   = "terraform"')
    if rng.random() < 0.3:
        lines.append(f'{indent}  CostCenter  = "cc-{rng.randint(1000, 9999)}"')
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def _tf_aws_block(rng: random.Random) -> str:
    svc, ident = _name(rng), _ident(rng)
    kind = rng.randint(0, 13)
    if kind == 0:
        return (f'resource "aws_vpc" "{ident}" {{\n  cidr_block           = "{_cidr(rng)}"\n'
                f'  enable_dns_support   = true\n  enable_dns_hostnames = true\n\n{_tf_tags(rng, svc)}\n}}\n')
    if kind == 1:
        n = rng.randint(2, 4)
        return (f'resource "aws_subnet" "{ident}_private" {{\n  count             = {n}\n'
                f'  vpc_id            = aws_vpc.main.id\n'
                f'  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, {rng.choice((4, 6, 8))}, count.index + {rng.randint(0, 8)})\n'
                f'  availability_zone = data.aws_availability_zones.available.names[count.index]\n\n'
                f'  map_public_ip_on_launch = false\n\n{_tf_tags(rng, svc)}\n}}\n')
    if kind == 2:
        rules = []
        for _ in range(rng.randint(1, 5)):
            port = rng.choice((22, 80, 443, 5432, 6379, 8080, 8443, 9090, 3306, 2049, 9200))
            rules.append(f'  ingress {{\n    description = "{rng.choice(("from VPC", "from bastion", "from load balancer", "monitoring"))}"\n'
                         f'    from_port   = {port}\n    to_port     = {port}\n    protocol    = "tcp"\n'
                         f'    cidr_blocks = ["{_cidr(rng)}"]\n  }}\n')
        return (f'resource "aws_security_group" "{ident}" {{\n  name_prefix = "{svc}-"\n'
                f'  description = "Security group for {svc}"\n  vpc_id      = var.vpc_id\n\n' + "\n".join(rules) +
                f'\n  egress {{\n    from_port   = 0\n    to_port     = 0\n    protocol    = "-1"\n'
                f'    cidr_blocks = ["0.0.0.0/0"]\n  }}\n\n  lifecycle {{\n    create_before_destroy = true\n  }}\n}}\n')
    if kind == 3:
        return (f'resource "aws_instance" "{ident}" {{\n  ami                    = data.aws_ami.{rng.choice(("ubuntu", "al2023", "bottlerocket"))}.id\n'
                f'  instance_type          = "{rng.choice(_EC2_TYPES)}"\n  subnet_id              = element(var.private_subnet_ids, {rng.randint(0, 2)})\n'
                f'  vpc_security_group_ids = [aws_security_group.{ident}.id]\n  iam_instance_profile   = aws_iam_instance_profile.{ident}.name\n'
                f'  private_ip             = "{_private_ip(rng)}"\n\n  root_block_device {{\n    volume_size = {rng.choice((20, 30, 50, 100, 200))}\n'
                f'    volume_type = "gp3"\n    encrypted   = true\n  }}\n\n  metadata_options {{\n    http_tokens = "required"\n  }}\n\n'
                f'  user_data = templatefile("${{path.module}}/templates/{svc}.sh.tpl", {{\n    environment = var.environment\n'
                f'    region      = var.region\n  }})\n\n{_tf_tags(rng, svc)}\n}}\n')
    if kind == 4:
        return (f'resource "aws_s3_bucket" "{ident}" {{\n  bucket = "${{var.project}}-{svc}-${{var.environment}}"\n\n{_tf_tags(rng, svc)}\n}}\n\n'
                f'resource "aws_s3_bucket_versioning" "{ident}" {{\n  bucket = aws_s3_bucket.{ident}.id\n'
                f'  versioning_configuration {{\n    status = "Enabled"\n  }}\n}}\n\n'
                f'resource "aws_s3_bucket_server_side_encryption_configuration" "{ident}" {{\n  bucket = aws_s3_bucket.{ident}.id\n\n'
                f'  rule {{\n    apply_server_side_encryption_by_default {{\n      sse_algorithm     = "aws:kms"\n'
                f'      kms_master_key_id = aws_kms_key.{ident}.arn\n    }}\n  }}\n}}\n')
    if kind == 5:
        actions = ", ".join(f'"{a}"' for a in _pick(rng, ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage",
                                                             "sqs:ReceiveMessage", "dynamodb:GetItem", "dynamodb:Query",
                                                             "kms:Decrypt", "logs:PutLogEvents", "ecr:GetAuthorizationToken"), 2, 5))
        return (f'data "aws_iam_policy_document" "{ident}_assume" {{\n  statement {{\n    actions = ["sts:AssumeRole"]\n\n'
                f'    principals {{\n      type        = "Service"\n      identifiers = ["{rng.choice(("ec2", "lambda", "ecs-tasks"))}.amazonaws.com"]\n    }}\n  }}\n}}\n\n'
                f'resource "aws_iam_role" "{ident}" {{\n  name               = "{svc}-${{var.environment}}"\n'
                f'  assume_role_policy = data.aws_iam_policy_document.{ident}_assume.json\n}}\n\n'
                f'resource "aws_iam_role_policy" "{ident}" {{\n  name = "{svc}-access"\n  role = aws_iam_role.{ident}.id\n\n'
                f'  policy = jsonencode({{\n    Version = "2012-10-17"\n    Statement = [\n      {{\n        Effect   = "Allow"\n'
                f'        Action   = [{actions}]\n        Resource = ["arn:aws:s3:::${{var.project}}-{svc}/*", "arn:aws:sqs:{rng.choice(_AWS_REGIONS)}:{rng.choice(_ACCOUNT_IDS)}:{svc}"]\n'
                f'      }}\n    ]\n  }})\n}}\n')
    if kind == 6:
        return (f'resource "aws_lambda_function" "{ident}" {{\n  function_name = "{svc}-${{var.environment}}"\n'
                f'  role          = aws_iam_role.{ident}.arn\n  handler       = "{rng.choice(("app.handler", "main.lambda_handler", "index.handler"))}"\n'
                f'  runtime       = "{rng.choice(("python3.12", "python3.11", "nodejs20.x", "provided.al2023"))}"\n'
                f'  memory_size   = {rng.choice((128, 256, 512, 1024, 2048))}\n  timeout       = {rng.choice((3, 10, 30, 60, 300))}\n'
                f'  filename         = "${{path.module}}/build/{svc}.zip"\n  source_code_hash = filebase64sha256("${{path.module}}/build/{svc}.zip")\n\n'
                f'  environment {{\n    variables = {{\n      LOG_LEVEL  = "{rng.choice(("info", "debug", "warn"))}"\n'
                f'      QUEUE_URL  = aws_sqs_queue.{ident}.url\n      TABLE_NAME = aws_dynamodb_table.{ident}.name\n    }}\n  }}\n\n'
                f'  vpc_config {{\n    subnet_ids         = var.private_subnet_ids\n    security_group_ids = [aws_security_group.{ident}.id]\n  }}\n}}\n')
    if kind == 7:
        engine, version = rng.choice(_DB_ENGINES)
        return (f'resource "aws_db_instance" "{ident}" {{\n  identifier              = "{svc}-${{var.environment}}"\n'
                f'  engine                  = "{engine}"\n  engine_version          = "{version}"\n'
                f'  instance_class          = "db.{rng.choice(("t3.medium", "r6g.large", "m6g.xlarge", "t4g.small"))}"\n'
                f'  allocated_storage       = {rng.choice((20, 50, 100, 500))}\n  max_allocated_storage   = {rng.choice((200, 1000))}\n'
                f'  db_name                 = "{ident}"\n  username                = var.db_username\n'
                f'  password                = var.db_password\n  multi_az                = {rng.choice(("true", "false"))}\n'
                f'  backup_retention_period = {rng.choice((1, 7, 14, 35))}\n  storage_encrypted       = true\n'
                f'  deletion_protection     = var.environment == "prod"\n  db_subnet_group_name    = aws_db_subnet_group.main.name\n'
                f'  vpc_security_group_ids  = [aws_security_group.{ident}.id]\n  skip_final_snapshot     = false\n\n{_tf_tags(rng, svc)}\n}}\n')
    if kind == 8:
        return (f'resource "aws_lb_target_group" "{ident}" {{\n  name        = "{svc[:20]}-tg"\n  port        = {rng.choice((80, 8080, 3000, 8000))}\n'
                f'  protocol    = "HTTP"\n  vpc_id      = var.vpc_id\n  target_type = "ip"\n\n  health_check {{\n'
                f'    path                = "{rng.choice(("/healthz", "/health", "/ready", "/status"))}"\n    interval            = {rng.choice((10, 15, 30))}\n'
                f'    healthy_threshold   = 2\n    unhealthy_threshold = {rng.randint(2, 5)}\n    matcher             = "200-299"\n  }}\n}}\n\n'
                f'resource "aws_lb_listener_rule" "{ident}" {{\n  listener_arn = aws_lb_listener.https.arn\n  priority     = {rng.randint(1, 500)}\n\n'
                f'  action {{\n    type             = "forward"\n    target_group_arn = aws_lb_target_group.{ident}.arn\n  }}\n\n'
                f'  condition {{\n    host_header {{\n      values = ["{svc}.{rng.choice(_DOMAINS)}"]\n    }}\n  }}\n}}\n')
    if kind == 9:
        return (f'resource "aws_route53_record" "{ident}" {{\n  zone_id = data.aws_route53_zone.internal.zone_id\n'
                f'  name    = "{svc}.{rng.choice(_ENVS)}.{rng.choice(_DOMAINS)}"\n  type    = "A"\n  ttl     = {rng.choice((60, 300, 3600))}\n'
                f'  records = ["{_private_ip(rng)}", "{_private_ip(rng)}"]\n}}\n')
    if kind == 10:
        return (f'resource "aws_cloudwatch_metric_alarm" "{ident}_errors" {{\n  alarm_name          = "{svc}-${{var.environment}}-5xx"\n'
                f'  comparison_operator = "GreaterThanThreshold"\n  evaluation_periods  = {rng.randint(1, 5)}\n'
                f'  metric_name         = "HTTPCode_Target_5XX_Count"\n  namespace           = "AWS/ApplicationELB"\n'
                f'  period              = {rng.choice((60, 300))}\n  statistic           = "Sum"\n  threshold           = {rng.randint(5, 100)}\n'
                f'  alarm_description   = "{_note(rng)}"\n  alarm_actions       = [aws_sns_topic.alerts.arn]\n\n'
                f'  dimensions = {{\n    TargetGroup  = aws_lb_target_group.{ident}.arn_suffix\n    LoadBalancer = aws_lb.main.arn_suffix\n  }}\n}}\n')
    if kind == 11:
        return (f'resource "aws_sqs_queue" "{ident}" {{\n  name                       = "{svc}-${{var.environment}}"\n'
                f'  visibility_timeout_seconds = {rng.choice((30, 60, 300, 900))}\n  message_retention_seconds  = {rng.choice((86400, 345600, 1209600))}\n'
                f'  redrive_policy = jsonencode({{\n    deadLetterTargetArn = aws_sqs_queue.{ident}_dlq.arn\n    maxReceiveCount     = {rng.randint(3, 10)}\n  }})\n}}\n\n'
                f'resource "aws_dynamodb_table" "{ident}" {{\n  name         = "{svc}-${{var.environment}}"\n  billing_mode = "PAY_PER_REQUEST"\n'
                f'  hash_key     = "pk"\n  range_key    = "sk"\n\n  attribute {{\n    name = "pk"\n    type = "S"\n  }}\n\n'
                f'  attribute {{\n    name = "sk"\n    type = "S"\n  }}\n\n  point_in_time_recovery {{\n    enabled = true\n  }}\n}}\n')
    if kind == 12:
        return (f'resource "aws_eks_node_group" "{ident}" {{\n  cluster_name    = aws_eks_cluster.main.name\n'
                f'  node_group_name = "{svc}"\n  node_role_arn   = aws_iam_role.nodes.arn\n  subnet_ids      = var.private_subnet_ids\n'
                f'  instance_types  = ["{rng.choice(_EC2_TYPES)}"]\n  capacity_type   = "{rng.choice(("ON_DEMAND", "SPOT"))}"\n\n'
                f'  scaling_config {{\n    desired_size = {rng.randint(1, 6)}\n    min_size     = 1\n    max_size     = {rng.randint(6, 30)}\n  }}\n\n'
                f'  labels = {{\n    workload = "{rng.choice(_ROLES)}"\n  }}\n\n  update_config {{\n    max_unavailable = 1\n  }}\n}}\n')
    return (f'resource "aws_ecr_repository" "{ident}" {{\n  name                 = "{rng.choice(_TEAMS)}/{svc}"\n'
            f'  image_tag_mutability = "IMMUTABLE"\n\n  image_scanning_configuration {{\n    scan_on_push = true\n  }}\n}}\n\n'
            f'resource "aws_kms_key" "{ident}" {{\n  description             = "{svc} encryption key"\n'
            f'  deletion_window_in_days = {rng.choice((7, 14, 30))}\n  enable_key_rotation     = true\n}}\n')


def _tf_gcp_block(rng: random.Random) -> str:
    svc, ident = _name(rng), _ident(rng)
    kind = rng.randint(0, 7)
    if kind == 0:
        return (f'resource "google_compute_network" "{ident}" {{\n  name                    = "{svc}-vpc"\n'
                f'  auto_create_subnetworks = false\n  routing_mode            = "REGIONAL"\n}}\n\n'
                f'resource "google_compute_subnetwork" "{ident}" {{\n  name          = "{svc}-{rng.choice(_GCP_REGIONS)}"\n'
                f'  ip_cidr_range = "{_cidr(rng)}"\n  region        = var.region\n  network       = google_compute_network.{ident}.id\n\n'
                f'  secondary_ip_range {{\n    range_name    = "pods"\n    ip_cidr_range = "{_cidr(rng)}"\n  }}\n\n'
                f'  private_ip_google_access = true\n}}\n')
    if kind == 1:
        return (f'resource "google_container_cluster" "{ident}" {{\n  name     = "{svc}-${{var.environment}}"\n  location = var.region\n\n'
                f'  remove_default_node_pool = true\n  initial_node_count       = 1\n  networking_mode          = "VPC_NATIVE"\n'
                f'  min_master_version       = "1.{rng.randint(27, 30)}"\n\n  private_cluster_config {{\n    enable_private_nodes    = true\n'
                f'    enable_private_endpoint = false\n    master_ipv4_cidr_block  = "172.{rng.randint(16, 31)}.0.{rng.choice((0, 16, 32))}/28"\n  }}\n\n'
                f'  workload_identity_config {{\n    workload_pool = "${{var.project_id}}.svc.id.goog"\n  }}\n}}\n\n'
                f'resource "google_container_node_pool" "{ident}" {{\n  name       = "{rng.choice(_ROLES)}-pool"\n'
                f'  cluster    = google_container_cluster.{ident}.id\n  node_count = {rng.randint(1, 5)}\n\n  autoscaling {{\n'
                f'    min_node_count = 1\n    max_node_count = {rng.randint(5, 20)}\n  }}\n\n  node_config {{\n'
                f'    machine_type = "{rng.choice(_GCE_TYPES)}"\n    disk_size_gb = {rng.choice((50, 100, 200))}\n'
                f'    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]\n    labels = {{\n      team = "{rng.choice(_TEAMS)}"\n    }}\n  }}\n}}\n')
    if kind == 2:
        return (f'resource "google_storage_bucket" "{ident}" {{\n  name          = "${{var.project_id}}-{svc}"\n'
                f'  location      = "{rng.choice(("EU", "US", "ASIA"))}"\n  storage_class = "{rng.choice(("STANDARD", "NEARLINE"))}"\n'
                f'  force_destroy = false\n\n  uniform_bucket_level_access = true\n\n  versioning {{\n    enabled = true\n  }}\n\n'
                f'  lifecycle_rule {{\n    condition {{\n      age = {rng.choice((30, 90, 365))}\n    }}\n'
                f'    action {{\n      type = "Delete"\n    }}\n  }}\n}}\n')
    if kind == 3:
        return (f'resource "google_service_account" "{ident}" {{\n  account_id   = "{svc[:28]}"\n'
                f'  display_name = "{svc} workload"\n}}\n\nresource "google_project_iam_member" "{ident}" {{\n'
                f'  project = var.project_id\n  role    = "roles/{rng.choice(("storage.objectViewer", "pubsub.publisher", "cloudsql.client", "logging.logWriter", "secretmanager.secretAccessor"))}"\n'
                f'  member  = "serviceAccount:${{google_service_account.{ident}.email}}"\n}}\n')
    if kind == 4:
        ports = ", ".join(f'"{p}"' for p in _pick(rng, ("22", "80", "443", "8080", "5432", "9090"), 1, 3))
        return (f'resource "google_compute_firewall" "{ident}" {{\n  name    = "allow-{svc}"\n  network = google_compute_network.main.name\n\n'
                f'  allow {{\n    protocol = "tcp"\n    ports    = [{ports}]\n  }}\n\n'
                f'  source_ranges = ["{_cidr(rng)}", "10.128.0.0/9"]\n  target_tags   = ["{svc}"]\n}}\n')
    if kind == 5:
        version = rng.choice(("POSTGRES_15", "POSTGRES_16", "MYSQL_8_0"))
        return (f'resource "google_sql_database_instance" "{ident}" {{\n  name             = "{svc}-${{var.environment}}"\n'
                f'  database_version = "{version}"\n  region           = var.region\n\n  settings {{\n'
                f'    tier              = "db-custom-{rng.choice((2, 4, 8))}-{rng.choice((7680, 15360, 30720))}"\n'
                f'    availability_type = "{rng.choice(("REGIONAL", "ZONAL"))}"\n\n    ip_configuration {{\n'
                f'      ipv4_enabled    = false\n      private_network = google_compute_network.main.id\n    }}\n\n'
                f'    backup_configuration {{\n      enabled    = true\n      start_time = "0{rng.randint(1, 5)}:00"\n    }}\n  }}\n\n'
                f'  deletion_protection = true\n}}\n')
    if kind == 6:
        return (f'resource "google_pubsub_topic" "{ident}" {{\n  name = "{svc}-events"\n\n  message_retention_duration = "{rng.choice((86400, 604800))}s"\n}}\n\n'
                f'resource "google_pubsub_subscription" "{ident}" {{\n  name  = "{svc}-sub"\n  topic = google_pubsub_topic.{ident}.id\n\n'
                f'  ack_deadline_seconds = {rng.choice((10, 30, 60, 600))}\n\n  retry_policy {{\n    minimum_backoff = "10s"\n  }}\n}}\n')
    return (f'resource "google_cloud_run_v2_service" "{ident}" {{\n  name     = "{svc}"\n  location = var.region\n\n'
            f'  template {{\n    service_account = google_service_account.{ident}.email\n\n    containers {{\n'
            f'      image = "{_image(rng, svc)}"\n\n      resources {{\n        limits = {{\n          cpu    = "{rng.choice((1, 2, 4))}"\n'
            f'          memory = "{rng.choice(("512Mi", "1Gi", "2Gi"))}"\n        }}\n      }}\n\n      env {{\n        name  = "ENVIRONMENT"\n'
            f'        value = var.environment\n      }}\n    }}\n\n    scaling {{\n      max_instance_count = {rng.randint(2, 50)}\n    }}\n  }}\n}}\n')


def _tf_azure_block(rng: random.Random) -> str:
    svc, ident = _name(rng), _ident(rng)
    kind = rng.randint(0, 6)
    if kind == 0:
        return (f'resource "azurerm_resource_group" "{ident}" {{\n  name     = "rg-{svc}-${{var.environment}}"\n'
                f'  location = "{rng.choice(_AZURE_LOCATIONS)}"\n}}\n\nresource "azurerm_virtual_network" "{ident}" {{\n'
                f'  name                = "vnet-{svc}"\n  address_space       = ["{_cidr(rng)}"]\n'
                f'  location            = azurerm_resource_group.{ident}.location\n  resource_group_name = azurerm_resource_group.{ident}.name\n}}\n\n'
                f'resource "azurerm_subnet" "{ident}" {{\n  name                 = "snet-{rng.choice(_ROLES)}"\n'
                f'  resource_group_name  = azurerm_resource_group.{ident}.name\n  virtual_network_name = azurerm_virtual_network.{ident}.name\n'
                f'  address_prefixes     = ["{_cidr(rng)}"]\n}}\n')
    if kind == 1:
        return (f'resource "azurerm_kubernetes_cluster" "{ident}" {{\n  name                = "aks-{svc}-${{var.environment}}"\n'
                f'  location            = var.location\n  resource_group_name = var.resource_group_name\n  dns_prefix          = "{svc}"\n'
                f'  kubernetes_version  = "1.{rng.randint(27, 30)}.{rng.randint(0, 9)}"\n\n  default_node_pool {{\n    name       = "system"\n'
                f'    node_count = {rng.randint(1, 5)}\n    vm_size    = "{rng.choice(_AZ_SIZES)}"\n    vnet_subnet_id = azurerm_subnet.aks.id\n  }}\n\n'
                f'  identity {{\n    type = "SystemAssigned"\n  }}\n\n  network_profile {{\n    network_plugin = "azure"\n'
                f'    service_cidr   = "10.{rng.randint(100, 250)}.0.0/16"\n    dns_service_ip = "10.{rng.randint(100, 250)}.0.10"\n  }}\n}}\n')
    if kind == 2:
        return (f'resource "azurerm_storage_account" "{ident}" {{\n  name                     = "st{ident.replace("_", "")[:14]}${{var.environment}}"\n'
                f'  resource_group_name      = var.resource_group_name\n  location                 = var.location\n'
                f'  account_tier             = "Standard"\n  account_replication_type = "{rng.choice(("LRS", "GRS", "ZRS"))}"\n'
                f'  min_tls_version          = "TLS1_2"\n\n  blob_properties {{\n    versioning_enabled = true\n  }}\n}}\n')
    if kind == 3:
        return (f'data "azurerm_client_config" "current" {{}}\n\nresource "azurerm_key_vault" "{ident}" {{\n'
                f'  name                       = "kv-{svc[:16]}"\n  location                   = var.location\n'
                f'  resource_group_name        = var.resource_group_name\n  tenant_id                  = data.azurerm_client_config.current.tenant_id\n'
                f'  sku_name                   = "standard"\n  soft_delete_retention_days = {rng.choice((7, 30, 90))}\n  purge_protection_enabled   = true\n}}\n')
    if kind == 4:
        rules = []
        for i in range(rng.randint(1, 4)):
            rules.append(f'  security_rule {{\n    name                       = "allow-{rng.choice(("https", "ssh", "postgres", "http-alt"))}-{i}"\n'
                         f'    priority                   = {100 + 10 * i}\n    direction                  = "Inbound"\n    access                     = "Allow"\n'
                         f'    protocol                   = "Tcp"\n    source_port_range          = "*"\n'
                         f'    destination_port_range     = "{rng.choice((22, 443, 5432, 8443))}"\n'
                         f'    source_address_prefix      = "{_cidr(rng)}"\n    destination_address_prefix = "VirtualNetwork"\n  }}\n')
        return (f'resource "azurerm_network_security_group" "{ident}" {{\n  name                = "nsg-{svc}"\n'
                f'  location            = var.location\n  resource_group_name = var.resource_group_name\n\n' + "\n".join(rules) + "}\n")
    if kind == 5:
        return (f'resource "azurerm_linux_virtual_machine" "{ident}" {{\n  name                = "vm-{svc}"\n'
                f'  resource_group_name = var.resource_group_name\n  location            = var.location\n'
                f'  size                = "{rng.choice(_AZ_SIZES)}"\n  admin_username      = "azureuser"\n'
                f'  network_interface_ids = [azurerm_network_interface.{ident}.id]\n\n  admin_ssh_key {{\n    username   = "azureuser"\n'
                f'    public_key = file("~/.ssh/id_ed25519.pub")\n  }}\n\n  os_disk {{\n    caching              = "ReadWrite"\n'
                f'    storage_account_type = "Premium_LRS"\n  }}\n\n  source_image_reference {{\n    publisher = "Canonical"\n'
                f'    offer     = "0001-com-ubuntu-server-jammy"\n    sku       = "22_04-lts-gen2"\n    version   = "latest"\n  }}\n}}\n')
    return (f'resource "azurerm_postgresql_flexible_server" "{ident}" {{\n  name                   = "psql-{svc}"\n'
            f'  resource_group_name    = var.resource_group_name\n  location               = var.location\n'
            f'  version                = "{rng.choice((14, 15, 16))}"\n  administrator_login    = var.db_admin_login\n'
            f'  administrator_password = var.db_admin_password\n  storage_mb             = {rng.choice((32768, 65536, 131072))}\n'
            f'  sku_name               = "GP_Standard_D{rng.choice((2, 4, 8))}s_v3"\n  delegated_subnet_id    = azurerm_subnet.db.id\n}}\n')


_TF_VARIABLES = (
    ("environment", "string", "Deployment environment (dev, staging, prod)", None),
    ("region", "string", "Cloud region to deploy into", '"{region}"'),
    ("project", "string", "Short project name used as a prefix", '"{service}"'),
    ("vpc_cidr", "string", "CIDR block of the VPC", '"{cidr}"'),
    ("instance_type", "string", "Instance type of the worker nodes", '"{ec2}"'),
    ("desired_capacity", "number", "Number of nodes to run", "{small}"),
    ("enable_monitoring", "bool", "Whether to create dashboards and alarms", "true"),
    ("private_subnet_ids", "list(string)", "Subnets for the workloads", "[]"),
    ("db_username", "string", "Master user name of the database", '"{ident}"'),
    ("db_password", "string", "Master password of the database, read from the secrets manager", None),
    ("tags", "map(string)", "Extra tags added to every resource", "{{}}"),
    ("retention_days", "number", "How long to keep logs", "{retention}"),
    ("allowed_cidrs", "list(string)", "Networks allowed to reach the load balancer", '["{cidr}"]'),
    ("image_tag", "string", "Container image tag to deploy", '"{semver}"'),
    ("node_count", "number", "Initial node count", "{small}"),
    ("domain_name", "string", "DNS zone for the service records", '"{domain}"'),
)


def _tf_variable(rng: random.Random) -> str:
    name, typ, desc, default = rng.choice(_TF_VARIABLES)
    lines = [f'variable "{name}" {{', f'  description = "{desc}"', f"  type        = {typ}"]
    if default is not None:
        lines.append("  default     = " + default.format(
            region=rng.choice(_AWS_REGIONS), service=_name(rng), cidr=_cidr(rng), ec2=rng.choice(_EC2_TYPES),
            small=rng.randint(1, 9), ident=_ident(rng), retention=rng.choice((7, 14, 30, 90, 365)),
            semver=_semver(rng), domain=rng.choice(_DOMAINS)))
    if name == "db_password":
        lines.append("  sensitive   = true")
    if name == "environment" and rng.random() < 0.7:
        lines += ["", "  validation {",
                  '    condition     = contains(["dev", "staging", "prod"], var.environment)',
                  '    error_message = "environment must be dev, staging or prod."', "  }"]
    return "\n".join(lines) + "\n}\n"


def _tf_output(rng: random.Random) -> str:
    ident = _ident(rng)
    attr = rng.choice(("id", "arn", "name", "endpoint", "dns_name", "private_ip", "url", "self_link"))
    kind = rng.choice(("aws_instance", "aws_lb", "aws_db_instance", "google_container_cluster",
                       "azurerm_kubernetes_cluster", "aws_s3_bucket", "module"))
    ref = f"module.{ident}.{attr}" if kind == "module" else f"{kind}.{ident}.{attr}"
    sensitive = "\n  sensitive   = true" if attr == "endpoint" and rng.random() < 0.5 else ""
    return f'output "{ident}_{attr}" {{\n  description = "The {attr.replace("_", " ")} of {ident}"\n  value       = {ref}{sensitive}\n}}\n'


def _tf_module(rng: random.Random) -> str:
    svc = _name(rng)
    source = rng.choice((f'"./modules/{rng.choice(_ROLES)}"', '"terraform-aws-modules/vpc/aws"',
                         '"terraform-aws-modules/eks/aws"', f'"git::https://git.example.com/{rng.choice(_TEAMS)}/terraform-modules.git//{rng.choice(_ROLES)}?ref=v{_semver(rng)}"'))
    lines = [f'module "{svc.replace("-", "_")}" {{', f"  source  = {source}"]
    if "terraform-aws-modules" in source:
        lines.append(f'  version = "~> {rng.randint(3, 20)}.{rng.randint(0, 9)}"')
    lines += ["", f'  name        = "{svc}-${{var.environment}}"', "  environment = var.environment"]
    for _ in range(rng.randint(1, 5)):
        key, value = rng.choice((("vpc_id", "module.network.vpc_id"), ("subnet_ids", "module.network.private_subnets"),
                                 ("cidr", f'"{_cidr(rng)}"'), ("instance_type", f'"{rng.choice(_EC2_TYPES)}"'),
                                 ("min_size", str(rng.randint(1, 3))), ("max_size", str(rng.randint(4, 20))),
                                 ("enable_nat_gateway", "true"), ("single_nat_gateway", rng.choice(("true", "false"))),
                                 ("image", f'"{_image(rng)}"'), ("db_password", "var.db_password"),
                                 ("azs", 'slice(data.aws_availability_zones.available.names, 0, 3)')))
        lines.append(f"  {key} = {value}")
    lines.append("")
    lines.append(_tf_tags(rng, svc))
    return "\n".join(lines) + "\n}\n"


def _tf_header(rng: random.Random, cloud: str) -> str:
    provider, source, version = {"aws": ("aws", "hashicorp/aws", f"~> {rng.randint(4, 5)}.{rng.randint(0, 60)}"),
                                 "gcp": ("google", "hashicorp/google", f"~> {rng.randint(4, 5)}.{rng.randint(0, 30)}"),
                                 "azure": ("azurerm", "hashicorp/azurerm", f"~> {rng.randint(3, 4)}.{rng.randint(0, 110)}")}[cloud]
    text = (f'terraform {{\n  required_version = ">= 1.{rng.randint(3, 8)}.0"\n\n  required_providers {{\n'
            f'    {provider} = {{\n      source  = "{source}"\n      version = "{version}"\n    }}\n  }}\n')
    if cloud == "aws" and rng.random() < 0.6:
        text += (f'\n  backend "s3" {{\n    bucket         = "{rng.choice(_TEAMS)}-terraform-state"\n'
                 f'    key            = "{_name(rng)}/terraform.tfstate"\n    region         = "{rng.choice(_AWS_REGIONS)}"\n'
                 f'    dynamodb_table = "terraform-locks"\n    encrypt        = true\n  }}\n')
    elif cloud == "gcp" and rng.random() < 0.6:
        text += f'\n  backend "gcs" {{\n    bucket = "{rng.choice(_TEAMS)}-tf-state"\n    prefix = "{_name(rng)}"\n  }}\n'
    text += "}\n\n"
    if cloud == "aws":
        text += (f'provider "aws" {{\n  region = var.region\n\n  assume_role {{\n'
                 f'    role_arn = "arn:aws:iam::{rng.choice(_ACCOUNT_IDS)}:role/terraform-{rng.choice(_ENVS)}"\n  }}\n\n'
                 f'  default_tags {{\n    tags = {{\n      Project = var.project\n    }}\n  }}\n}}\n')
    elif cloud == "gcp":
        text += 'provider "google" {\n  project = var.project_id\n  region  = var.region\n}\n'
    else:
        text += 'provider "azurerm" {\n  features {}\n  subscription_id = var.subscription_id\n}\n'
    return text


def _terraform(rng: random.Random, size: int) -> str:
    role = rng.random()
    if role < 0.15:
        return f"# {_note(rng)}\n\n" + "\n".join(_tf_variable(rng) for _ in range(2 * size + 1))
    if role < 0.25:
        return "\n".join(_tf_output(rng) for _ in range(2 * size + 1))
    cloud = rng.choice(("aws", "aws", "aws", "gcp", "azure"))
    block = {"aws": _tf_aws_block, "gcp": _tf_gcp_block, "azure": _tf_azure_block}[cloud]
    parts = [_tf_header(rng, cloud)] if rng.random() < 0.5 else []
    if rng.random() < 0.4:
        env = rng.choice(_ENVS)
        parts.append(f'locals {{\n  name_prefix = "${{var.project}}-{env}"\n  common_tags = merge(var.tags, {{\n'
                     f'    Environment = "{env}"\n  }})\n  azs = slice(data.aws_availability_zones.available.names, 0, {rng.randint(2, 3)})\n}}\n')
    for _ in range(size):
        r = rng.random()
        if r < 0.1:
            parts.append(_tf_module(rng))
        elif r < 0.18:
            parts.append(f"# {_note(rng)}\n" + block(rng))
        else:
            parts.append(block(rng))
    return "\n".join(parts)


# -----------------------------------------------------------------------------
# Kubernetes manifests and Helm

def _k8s_labels(app: str, indent: str) -> str:
    return f"{indent}app.kubernetes.io/name: {app}\n{indent}app.kubernetes.io/part-of: {app.split('-')[0]}\n"


def _env_pair(rng: random.Random, port: int) -> tuple:
    kind = rng.randint(0, 7)
    if kind == 0:
        return "LOG_LEVEL", rng.choice(("info", "debug", "warn"))
    if kind == 1:
        return "PORT", f'"{port}"'
    if kind == 2:
        return "REDIS_URL", f"redis://{_name(rng)}.{rng.choice(_ENVS)}.svc.cluster.local:6379/{rng.randint(0, 3)}"
    if kind == 3:
        return "OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4317"
    if kind == 4:
        return "WORKERS", f'"{rng.choice((2, 4, 8))}"'
    if kind == 5:
        return "TZ", rng.choice(("UTC", "Europe/Berlin", "America/New_York"))
    if kind == 6:
        return "UPSTREAM_ADDR", f"{_private_ip(rng)}:{rng.choice((8080, 9000, 50051))}"
    return "ENVIRONMENT", rng.choice(_ENVS)


def _k8s_container(rng: random.Random, app: str, indent: str) -> str:
    port = rng.choice((8080, 8000, 3000, 9000, 5000, 80))
    out = [f"{indent}- name: {app}", f"{indent}  image: {_image(rng, app)}",
           f"{indent}  imagePullPolicy: {rng.choice(('IfNotPresent', 'Always'))}",
           f"{indent}  ports:", f"{indent}    - name: http", f"{indent}      containerPort: {port}",
           f"{indent}  env:"]
    for _ in range(rng.randint(1, 6)):
        kind = rng.randint(0, 4)
        if kind == 0:
            out += [f"{indent}    - name: DATABASE_PASSWORD", f"{indent}      valueFrom:", f"{indent}        secretKeyRef:",
                    f"{indent}          name: {app}-db", f"{indent}          key: password"]
        elif kind == 1:
            var = rng.choice(("FEATURE_FLAGS", "QUEUE_NAME", "DATABASE_HOST", "CACHE_TTL"))
            out += [f"{indent}    - name: {var}", f"{indent}      valueFrom:", f"{indent}        configMapKeyRef:",
                    f"{indent}          name: {app}-config", f"{indent}          key: {var.lower().replace('_', '.')}"]
        elif kind == 2:
            out += [f"{indent}    - name: POD_IP", f"{indent}      valueFrom:", f"{indent}        fieldRef:",
                    f"{indent}          fieldPath: status.podIP"]
        else:
            var, value = _env_pair(rng, port)
            out += [f"{indent}    - name: {var}", f"{indent}      value: {value}"]
    cpu, mem = rng.choice((("100m", "128Mi"), ("250m", "256Mi"), ("500m", "512Mi"), ("1", "1Gi"), ("2", "4Gi")))
    out += [f"{indent}  resources:", f"{indent}    requests:", f"{indent}      cpu: {cpu}", f"{indent}      memory: {mem}",
            f"{indent}    limits:", f"{indent}      memory: {mem}"]
    if rng.random() < 0.7:
        path = rng.choice(("/healthz", "/health", "/ready", "/livez"))
        out += [f"{indent}  readinessProbe:", f"{indent}    httpGet:", f"{indent}      path: {path}",
                f"{indent}      port: http", f"{indent}    initialDelaySeconds: {rng.choice((3, 5, 10))}",
                f"{indent}    periodSeconds: {rng.choice((5, 10, 15))}"]
    if rng.random() < 0.5:
        out += [f"{indent}  volumeMounts:", f"{indent}    - name: config", f"{indent}      mountPath: /etc/{app}",
                f"{indent}      readOnly: true"]
    if rng.random() < 0.5:
        out += [f"{indent}  securityContext:", f"{indent}    runAsNonRoot: true", f"{indent}    runAsUser: {rng.choice((1000, 10001, 65532))}",
                f"{indent}    readOnlyRootFilesystem: true", f"{indent}    allowPrivilegeEscalation: false"]
    return "\n".join(out) + "\n"


def _k8s_manifest(rng: random.Random) -> str:
    app, ns = _name(rng), f"{rng.choice(_TEAMS)}-{rng.choice(_ENVS)}"
    meta = f"metadata:\n  name: {app}\n  namespace: {ns}\n  labels:\n{_k8s_labels(app, '    ')}"
    kind = rng.randint(0, 10)
    if kind <= 2:
        return (f"apiVersion: apps/v1\nkind: Deployment\n{meta}spec:\n  replicas: {rng.randint(1, 12)}\n"
                f"  revisionHistoryLimit: {rng.choice((3, 5, 10))}\n  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n"
                f"  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: {rng.choice(('25%', 1))}\n      maxUnavailable: 0\n"
                f"  template:\n    metadata:\n      labels:\n{_k8s_labels(app, '        ')}"
                f"      annotations:\n        prometheus.io/scrape: \"true\"\n        prometheus.io/port: \"{rng.choice((9090, 8080, 9102))}\"\n"
                f"    spec:\n      serviceAccountName: {app}\n      containers:\n{_k8s_container(rng, app, '        ')}"
                f"      volumes:\n        - name: config\n          configMap:\n            name: {app}-config\n")
    if kind == 3:
        svc_type = rng.choice(("ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"))
        extra = ""
        if svc_type == "LoadBalancer":
            extra = (f"  loadBalancerSourceRanges:\n    - {_cidr(rng)}\n"
                     f"  loadBalancerIP: {_private_ip(rng)}\n")
        return (f"apiVersion: v1\nkind: Service\n{meta}spec:\n  type: {svc_type}\n  selector:\n    app.kubernetes.io/name: {app}\n"
                f"  ports:\n    - name: http\n      port: {rng.choice((80, 8080, 443))}\n      targetPort: http\n      protocol: TCP\n{extra}")
    if kind == 4:
        host = f"{app}.{rng.choice(_ENVS)}.{rng.choice(_DOMAINS)}"
        return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\n{meta}  annotations:\n"
                f"    cert-manager.io/cluster-issuer: letsencrypt-{rng.choice(('prod', 'staging'))}\n"
                f"    nginx.ingress.kubernetes.io/proxy-body-size: {rng.choice(('8m', '16m', '50m'))}\n"
                f"spec:\n  ingressClassName: {rng.choice(('nginx', 'alb', 'traefik'))}\n  tls:\n    - hosts:\n        - {host}\n"
                f"      secretName: {app}-tls\n  rules:\n    - host: {host}\n      http:\n        paths:\n          - path: /\n"
                f"            pathType: Prefix\n            backend:\n              service:\n                name: {app}\n"
                f"                port:\n                  name: http\n")
    if kind == 5:
        lines = [f"  {k}: {v}" for k, v in (("log.level", rng.choice(("info", "debug", "warn"))),
                                            ("http.port", f'"{rng.choice((8080, 8000))}"'),
                                            ("db.host", f"{_name(rng)}.{rng.choice(_ENVS)}.svc.cluster.local"),
                                            ("db.pool.size", f'"{rng.randint(5, 50)}"'),
                                            ("cache.ttl", f'"{rng.choice((60, 300, 3600))}s"'),
                                            ("upstream.url", f"http://{_private_ip(rng)}:{rng.choice((8080, 9000))}"))
                 if rng.random() < 0.8]
        conf = (f"  application.yaml: |\n    server:\n      port: {rng.choice((8080, 8000))}\n      shutdown: graceful\n"
                f"    feature-flags:\n      new-checkout: {rng.choice(('true', 'false'))}\n      batch-size: {rng.randint(10, 1000)}\n")
        return f"apiVersion: v1\nkind: ConfigMap\n{meta}data:\n" + "\n".join(lines) + "\n" + conf
    if kind == 6:
        return (f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n{meta}spec:\n  scaleTargetRef:\n"
                f"    apiVersion: apps/v1\n    kind: Deployment\n    name: {app}\n  minReplicas: {rng.randint(1, 3)}\n"
                f"  maxReplicas: {rng.randint(4, 40)}\n  metrics:\n    - type: Resource\n      resource:\n        name: cpu\n"
                f"        target:\n          type: Utilization\n          averageUtilization: {rng.choice((60, 70, 75, 80))}\n")
    if kind == 7:
        verbs = ", ".join(_pick(rng, ("get", "list", "watch", "create", "update", "patch", "delete"), 2, 5))
        identity = (f"eks.amazonaws.com/role-arn: arn:aws:iam::{rng.choice(_ACCOUNT_IDS)}:role/{app}" if rng.random() < 0.6
                    else f"azure.workload.identity/client-id: {_uuid(rng)}")
        return (f"apiVersion: v1\nkind: ServiceAccount\n{meta}"
                f"  annotations:\n    {identity}\n---\n"
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n{meta}rules:\n  - apiGroups: [\"\"]\n"
                f"    resources: [\"configmaps\", \"pods\"]\n    verbs: [{verbs}]\n---\n"
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n{meta}roleRef:\n  apiGroup: rbac.authorization.k8s.io\n"
                f"  kind: Role\n  name: {app}\nsubjects:\n  - kind: ServiceAccount\n    name: {app}\n    namespace: {ns}\n")
    if kind == 8:
        return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n{meta}spec:\n  podSelector:\n    matchLabels:\n"
                f"      app.kubernetes.io/name: {app}\n  policyTypes:\n    - Ingress\n    - Egress\n  ingress:\n    - from:\n"
                f"        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: {rng.choice(('ingress-nginx', 'monitoring', ns))}\n"
                f"        - ipBlock:\n            cidr: {_cidr(rng)}\n      ports:\n        - protocol: TCP\n          port: {rng.choice((8080, 443, 9090))}\n"
                f"  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/8\n")
    if kind == 9:
        return (f"apiVersion: batch/v1\nkind: CronJob\n{meta}spec:\n  schedule: \"{rng.randint(0, 59)} {rng.randint(0, 23)} * * {rng.choice(('*', '1-5', '0'))}\"\n"
                f"  concurrencyPolicy: Forbid\n  successfulJobsHistoryLimit: {rng.randint(1, 5)}\n  jobTemplate:\n    spec:\n"
                f"      backoffLimit: {rng.randint(0, 6)}\n      template:\n        spec:\n          restartPolicy: OnFailure\n"
                f"          containers:\n{_k8s_container(rng, app, '            ')}")
    return (f"apiVersion: apps/v1\nkind: StatefulSet\n{meta}spec:\n  serviceName: {app}\n  replicas: {rng.choice((1, 3, 5))}\n"
            f"  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n  template:\n    metadata:\n      labels:\n"
            f"{_k8s_labels(app, '        ')}    spec:\n      containers:\n{_k8s_container(rng, app, '        ')}"
            f"  volumeClaimTemplates:\n    - metadata:\n        name: data\n      spec:\n        accessModes: [\"ReadWriteOnce\"]\n"
            f"        storageClassName: {rng.choice(('gp3', 'standard-rwo', 'managed-premium'))}\n        resources:\n"
            f"          requests:\n            storage: {rng.choice((10, 20, 50, 100, 500))}Gi\n")


def _kubernetes(rng: random.Random, size: int) -> str:
    head = f"# {_note(rng)}\n" if rng.random() < 0.3 else ""
    return head + "---\n".join(_k8s_manifest(rng) for _ in range(max(1, size // 2 + rng.randint(0, 1))))


def _helm_values(rng: random.Random, size: int) -> str:
    app = _name(rng)
    ref = _image(rng, app)
    if "@" in ref:
        repo, digest = ref.split("@")
        pin = f'  digest: "{digest}"'
    else:
        repo, tag = ref.rsplit(":", 1)
        pin = f'  tag: "{tag}"'
    out = [f"# Default values for {app}.", "# This is a YAML-formatted file.", "",
           f"replicaCount: {rng.randint(1, 6)}", "", "image:", f"  repository: {repo}", pin, "  pullPolicy: IfNotPresent", "", "imagePullSecrets: []",
           f'nameOverride: ""', "", "serviceAccount:", "  create: true", "  annotations: {}", "",
           "service:", f"  type: {rng.choice(('ClusterIP', 'NodePort'))}", f"  port: {rng.choice((80, 8080))}", "",
           "ingress:", f"  enabled: {rng.choice(('true', 'false'))}", "  className: nginx", "  hosts:",
           f"    - host: {app}.{rng.choice(_DOMAINS)}", "      paths:", "        - path: /", "          pathType: ImplementationSpecific", "",
           "resources:", "  limits:", f"    memory: {rng.choice(('256Mi', '512Mi', '1Gi'))}", "  requests:",
           f"    cpu: {rng.choice(('100m', '250m'))}", f"    memory: {rng.choice(('128Mi', '256Mi'))}", "",
           "autoscaling:", f"  enabled: {rng.choice(('true', 'false'))}", "  minReplicas: 1",
           f"  maxReplicas: {rng.randint(3, 20)}", f"  targetCPUUtilizationPercentage: {rng.choice((70, 80))}", ""]
    for _ in range(size):
        section = rng.choice(_SERVICES)
        out += [f"{section}:", f"  enabled: {rng.choice(('true', 'false'))}",
                f"  host: {_name(rng)}.{rng.choice(_ENVS)}.svc.cluster.local", f"  port: {rng.choice((5432, 6379, 9092, 8080))}",
                f"  existingSecret: {section}-credentials", f"  timeoutSeconds: {rng.choice((5, 10, 30))}",
                f"  extraEnv:", f"    - name: {section.upper()}_MODE", f"      value: {rng.choice(('active', 'passive', 'readonly'))}", ""]
    out += ["nodeSelector: {}", "", "tolerations: []", "", "affinity: {}"]
    return "\n".join(out) + "\n"


def _helm_template(rng: random.Random, size: int) -> str:
    chart = rng.choice(_SERVICES)
    out = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", f'  name: {{{{ include "{chart}.fullname" . }}}}',
           "  labels:", f'    {{{{- include "{chart}.labels" . | nindent 4 }}}}', "spec:",
           "  {{- if not .Values.autoscaling.enabled }}", "  replicas: {{ .Values.replicaCount }}", "  {{- end }}",
           "  selector:", "    matchLabels:", f'      {{{{- include "{chart}.selectorLabels" . | nindent 6 }}}}',
           "  template:", "    metadata:", "      annotations:",
           '        checksum/config: {{ include (print $.Template.BasePath "/configmap.yaml") . | sha256sum }}',
           "    spec:", "      {{- with .Values.imagePullSecrets }}", "      imagePullSecrets:",
           "        {{- toYaml . | nindent 8 }}", "      {{- end }}", "      containers:",
           "        - name: {{ .Chart.Name }}",
           '          image: "{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
           "          imagePullPolicy: {{ .Values.image.pullPolicy }}", "          env:"]
    for _ in range(size + 1):
        section = rng.choice(_SERVICES)
        out += [f"            - name: {section.upper()}_HOST", f"              value: {{{{ .Values.{section}.host | quote }}}}",
                f"            - name: {section.upper()}_PASSWORD", "              valueFrom:", "                secretKeyRef:",
                f"                  name: {{{{ .Values.{section}.existingSecret }}}}", "                  key: password"]
    out += ["          resources:", "            {{- toYaml .Values.resources | nindent 12 }}",
            "      {{- with .Values.nodeSelector }}", "      nodeSelector:", "        {{- toYaml . | nindent 8 }}", "      {{- end }}"]
    return "\n".join(out) + "\n"


# -----------------------------------------------------------------------------
# Ansible

def _ansible_task(rng: random.Random) -> str:
    svc = _name(rng)
    kind = rng.randint(0, 11)
    if kind == 0:
        pkgs = "\n".join(f"      - {p}" for p in _pick(rng, _APT_PACKAGES, 2, 7))
        return (f"    - name: Install base packages\n      ansible.builtin.apt:\n        name:\n{pkgs}\n"
                f"        state: present\n        update_cache: true\n        cache_valid_time: 3600\n")
    if kind == 1:
        return (f"    - name: Render {svc} configuration\n      ansible.builtin.template:\n        src: {svc}.conf.j2\n"
                f"        dest: /etc/{svc}/{svc}.conf\n        owner: root\n        group: \"{{{{ {svc.replace('-', '_')}_group }}}}\"\n"
                f"        mode: \"0640\"\n      notify: Restart {svc}\n")
    if kind == 2:
        return (f"    - name: Ensure {svc} is running\n      ansible.builtin.systemd:\n        name: {svc}\n"
                f"        state: started\n        enabled: true\n        daemon_reload: true\n")
    if kind == 3:
        return (f"    - name: Create service user\n      ansible.builtin.user:\n        name: {svc.split('-')[0]}\n"
                f"        system: true\n        shell: /usr/sbin/nologin\n        home: /var/lib/{svc}\n")
    if kind == 4:
        version = _semver(rng)
        return (f"    - name: Download {svc} release\n      ansible.builtin.get_url:\n"
                f"        url: https://releases.{rng.choice(_DOMAINS)}/{svc}/v{version}/{svc}-linux-amd64.tar.gz\n"
                f"        dest: /tmp/{svc}-{version}.tar.gz\n        checksum: \"sha256:{_hex(rng, 64)}\"\n        mode: \"0644\"\n")
    if kind == 5:
        return (f"    - name: Allow traffic from the private network\n      community.general.ufw:\n        rule: allow\n"
                f"        port: \"{rng.choice((22, 443, 5432, 9100, 8080))}\"\n        proto: tcp\n        from_ip: {_cidr(rng)}\n")
    if kind == 6:
        return (f"    - name: Set {svc} database password\n      ansible.builtin.lineinfile:\n        path: /etc/{svc}/env\n"
                f"        regexp: '^DB_PASSWORD='\n        line: \"DB_PASSWORD={{{{ vault_{svc.replace('-', '_')}_db_password }}}}\"\n"
                f"        mode: \"0600\"\n      no_log: true\n")
    if kind == 7:
        return (f"    - name: Check {svc} health\n      ansible.builtin.uri:\n        url: http://{{{{ ansible_host }}}}:{rng.choice((8080, 9000, 3000))}/healthz\n"
                f"        status_code: 200\n      register: health\n      retries: {rng.randint(3, 10)}\n      delay: {rng.choice((2, 5, 10))}\n"
                f"      until: health.status == 200\n")
    if kind == 8:
        return (f"    - name: Run {svc} container\n      community.docker.docker_container:\n        name: {svc}\n"
                f"        image: \"{_image(rng, svc)}\"\n        restart_policy: unless-stopped\n        published_ports:\n"
                f"          - \"127.0.0.1:{rng.randint(8000, 9000)}:8080\"\n        env:\n          ENVIRONMENT: \"{{{{ env_name }}}}\"\n"
                f"          API_TOKEN: \"{{{{ vault_{svc.replace('-', '_')}_api_token }}}}\"\n")
    if kind == 9:
        return (f"    - name: Check out {svc}\n      ansible.builtin.git:\n        repo: https://git.{rng.choice(_DOMAINS)}/{rng.choice(_TEAMS)}/{svc}.git\n"
                f"        dest: /opt/{svc}\n        version: \"{rng.choice(('main', 'v' + _semver(rng), _hex(rng, 40)))}\"\n")
    if kind == 10:
        return (f"    - name: Migrate {svc} schema\n      ansible.builtin.command: /opt/{svc}/bin/migrate --env {{{{ env_name }}}}\n"
                f"      register: migrate\n      changed_when: \"'applied' in migrate.stdout\"\n"
                f"      when: inventory_hostname == groups['{svc.split('-')[0]}'][0]\n")
    return (f"    - name: Tune kernel parameters\n      ansible.posix.sysctl:\n        name: {rng.choice(('net.core.somaxconn', 'vm.max_map_count', 'fs.file-max', 'net.ipv4.ip_local_port_range'))}\n"
            f"        value: \"{rng.choice((65535, 262144, 2097152, 1024))}\"\n        state: present\n        reload: true\n")


def _ansible(rng: random.Random, size: int) -> str:
    if rng.random() < 0.15:
        out = []
        for _ in range(max(1, size // 2)):
            group = rng.choice(_SERVICES)
            out.append(f"[{group}]")
            for i in range(rng.randint(1, 6)):
                out.append(f"{group}-{i + 1:02d}.{rng.choice(_ENVS)}.{rng.choice(_DOMAINS)} ansible_host={_private_ip(rng)}")
            out.append("")
        out += ["[all:vars]", "ansible_user=deploy", "ansible_python_interpreter=/usr/bin/python3"]
        return "\n".join(out) + "\n"
    svc = _name(rng)
    head = (f"---\n# {_note(rng)}\n- name: Configure {svc}\n  hosts: {svc.split('-')[0]}\n  become: true\n"
            f"  vars:\n    {svc.replace('-', '_')}_version: \"{_semver(rng)}\"\n    env_name: {rng.choice(_ENVS)}\n"
            f"    listen_address: \"{_private_ip(rng)}\"\n  tasks:\n")
    tasks = "\n".join(_ansible_task(rng) for _ in range(size * 2 + 1))
    handlers = f"\n  handlers:\n    - name: Restart {svc}\n      ansible.builtin.service:\n        name: {svc}\n        state: restarted\n"
    return head + tasks + handlers


# -----------------------------------------------------------------------------
# Dockerfiles, shell scripts, docker-compose, GitHub Actions

def _dockerfile(rng: random.Random, size: int) -> str:
    app = _name(rng)
    out = [f"# syntax=docker/dockerfile:1.{rng.randint(4, 7)}", f"# {_note(rng)}"]
    multi = rng.random() < 0.5
    if multi:
        out += [f"FROM {_base_image(rng)} AS build", "WORKDIR /src", "COPY . .",
                f"RUN {rng.choice(('make build', 'go build -o /out/app ./cmd/server', 'npm ci && npm run build', 'pip wheel --wheel-dir /wheels -r requirements.txt'))}", ""]
    out += [f"FROM {_base_image(rng)}", "", f"ARG APP_VERSION={_semver(rng)}",
            f"ENV APP_HOME=/opt/{app} \\\n    PYTHONUNBUFFERED=1 \\\n    PORT={rng.choice((8080, 8000, 3000))}", ""]
    for _ in range(min(size, 12)):
        kind = rng.randint(0, 4)
        if kind <= 1:
            pkgs = " \\\n        ".join(_pick(rng, _APT_PACKAGES, 2, 8))
            out.append(f"RUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n        {pkgs} \\\n"
                       "    && rm -rf /var/lib/apt/lists/*")
        elif kind == 2:
            out.append("RUN pip install --no-cache-dir " + " ".join(_pick(rng, _PIP_PACKAGES, 1, 5)))
        elif kind == 3:
            out.append(f"COPY {'--from=build ' if multi else ''}{rng.choice(('/out/app', 'dist/', 'requirements.txt', 'config/'))} ${{APP_HOME}}/")
        else:
            out.append(f"RUN useradd --system --uid {rng.choice((1000, 10001))} --home ${{APP_HOME}} {app.split('-')[0]} \\\n"
                       f"    && mkdir -p /var/log/{app} \\\n    && chown -R {app.split('-')[0]} /var/log/{app}")
    out += ["", f"WORKDIR ${{APP_HOME}}", f"EXPOSE {rng.choice((8080, 8000, 3000, 9090))}",
            f"USER {rng.choice(('nobody', '10001', app.split('-')[0]))}",
            f"HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:${{PORT}}/healthz || exit 1",
            f'ENTRYPOINT ["{rng.choice(("/usr/bin/tini", "/sbin/tini"))}", "--"]',
            "CMD " + rng.choice(_CMDS)]
    return "\n".join(out) + "\n"


def _shell(rng: random.Random, size: int) -> str:
    app = _name(rng)
    out = ["#!/usr/bin/env bash", f"# Deploy helper for {app}. {_note(rng)}", "set -euo pipefail", "",
           f'ENVIRONMENT="${{ENVIRONMENT:-{rng.choice(_ENVS)}}}"', f'REGION="${{AWS_REGION:-{rng.choice(_AWS_REGIONS)}}}"',
           f'CLUSTER="${{CLUSTER:-{rng.choice(_TEAMS)}-${{ENVIRONMENT}}}}"', f'IMAGE_TAG="${{IMAGE_TAG:-$(git rev-parse --short HEAD)}}"',
           f'BASTION_HOST="{_private_ip(rng)}"', "",
           "log() { printf '%s [%s] %s\\n' \"$(date -u +%FT%TZ)\" \"$1\" \"$2\" >&2; }",
           "die() { log ERROR \"$*\"; exit 1; }", ""]
    for _ in range(size):
        kind = rng.randint(0, 6)
        fn = f"{rng.choice(('deploy', 'rollback', 'check', 'sync', 'backup', 'rotate', 'drain', 'warm'))}_{rng.choice(_SERVICES)}"
        if kind == 0:
            body = (f'  log INFO "rolling out {app}:${{IMAGE_TAG}} to ${{CLUSTER}}"\n'
                    f'  kubectl --context "${{CLUSTER}}" -n "{rng.choice(_TEAMS)}-${{ENVIRONMENT}}" set image deployment/{app} {app}="{_image(rng, app).split(":")[0].split("@")[0]}:${{IMAGE_TAG}}"\n'
                    f'  kubectl --context "${{CLUSTER}}" -n "{rng.choice(_TEAMS)}-${{ENVIRONMENT}}" rollout status deployment/{app} --timeout={rng.choice((120, 300, 600))}s')
        elif kind == 1:
            body = (f'  local attempt=0\n  until curl -fsS "http://${{BASTION_HOST}}:{rng.choice((8080, 9000))}/healthz" >/dev/null; do\n'
                    f'    attempt=$((attempt + 1))\n    [[ $attempt -ge {rng.randint(3, 20)} ]] && die "{app} did not become healthy"\n'
                    f'    sleep {rng.choice((1, 2, 5))}\n  done')
        elif kind == 2:
            body = (f'  terraform -chdir="infra/${{ENVIRONMENT}}" init -input=false\n'
                    f'  terraform -chdir="infra/${{ENVIRONMENT}}" plan -input=false -out=tfplan -var "image_tag=${{IMAGE_TAG}}"\n'
                    f'  terraform -chdir="infra/${{ENVIRONMENT}}" apply -input=false tfplan')
        elif kind == 3:
            body = (f'  local snapshot="{app}-$(date +%Y%m%d%H%M)"\n'
                    f'  aws rds create-db-snapshot --region "${{REGION}}" --db-instance-identifier "{app}-${{ENVIRONMENT}}" --db-snapshot-identifier "${{snapshot}}"\n'
                    f'  aws rds wait db-snapshot-available --region "${{REGION}}" --db-snapshot-identifier "${{snapshot}}"')
        elif kind == 4:
            body = (f'  case "${{ENVIRONMENT}}" in\n    prod) replicas={rng.randint(3, 12)} ;;\n    staging) replicas={rng.randint(1, 3)} ;;\n'
                    f'    *) replicas=1 ;;\n  esac\n  helm upgrade --install {app} charts/{app.split("-")[0]} \\\n    --namespace "{rng.choice(_TEAMS)}-${{ENVIRONMENT}}" \\\n'
                    f'    --set image.tag="${{IMAGE_TAG}}" \\\n    --set replicaCount="${{replicas}}" \\\n    -f "values/${{ENVIRONMENT}}.yaml" --wait')
        elif kind == 5:
            body = (f'  for node in $(kubectl get nodes -l workload={rng.choice(_ROLES)} -o name); do\n'
                    f'    kubectl drain "${{node}}" --ignore-daemonsets --delete-emptydir-data --timeout={rng.choice((60, 300))}s\n  done')
        else:
            body = (f'  gcloud container clusters get-credentials "${{CLUSTER}}" --region {rng.choice(_GCP_REGIONS)} --project "example-${{ENVIRONMENT}}"\n'
                    f'  DB_PASSWORD="$(gcloud secrets versions access latest --secret={app}-db-password)"\n  export DB_PASSWORD')
        out.append(f"{fn}() {{\n{body}\n}}\n")
    out += ['main() {', '  [[ $# -ge 1 ]] || die "usage: $0 <command>"', '  local cmd="$1"; shift', '  "$cmd" "$@"', "}", "", 'main "$@"']
    return "\n".join(out) + "\n"


def _compose(rng: random.Random, size: int) -> str:
    out = [f"# {_note(rng)}", "services:"]
    names = []
    for _ in range(max(1, size)):
        app = _name(rng)
        names.append(app)
        out += [f"  {app}:", f"    image: {_image(rng, app) if rng.random() < 0.6 else _base_image(rng)}",
                "    restart: unless-stopped", "    environment:",
                f"      ENVIRONMENT: {rng.choice(_ENVS)}", f"      DATABASE_URL: postgres://{app.split('-')[0]}@db:5432/{app.split('-')[0]}",
                f"      DATABASE_PASSWORD: ${{DATABASE_PASSWORD:?set it in .env}}", "    ports:",
                f"      - \"127.0.0.1:{rng.randint(3000, 9999)}:{rng.choice((8080, 3000, 5432, 6379))}\""]
        if len(names) > 1 and rng.random() < 0.6:
            out += ["    depends_on:", f"      - {names[rng.randrange(len(names) - 1)]}"]
        if rng.random() < 0.5:
            out += ["    healthcheck:", f"      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:{rng.choice((8080, 3000))}/health\"]",
                    f"      interval: {rng.choice((10, 30))}s", "      retries: 3"]
        out += ["    networks:", "      - backend", ""]
    out += ["networks:", "  backend:", "    ipam:", "      config:", f"        - subnet: {_cidr(rng)}"]
    return "\n".join(out) + "\n"


def _github_actions(rng: random.Random, size: int) -> str:
    app = _name(rng)
    out = [f"name: {rng.choice(('CI', 'Deploy', 'Terraform', 'Release', 'Build and push'))} {app}", "", "on:", "  push:",
           "    branches: [main]", "  pull_request:", "    paths:", f"      - \"services/{app}/**\"", "",
           "permissions:", "  contents: read", "  id-token: write", "", "env:",
           f"  AWS_REGION: {rng.choice(_AWS_REGIONS)}", f"  IMAGE: {_image(rng, app).split(':')[0].split('@')[0]}", "", "jobs:"]
    for j in range(max(1, size // 2)):
        job = rng.choice(("test", "lint", "build", "plan", "deploy", "scan", "integration"))
        out += [f"  {job}-{j}:", f"    runs-on: {rng.choice(('ubuntu-latest', 'ubuntu-22.04', 'self-hosted'))}",
                f"    timeout-minutes: {rng.choice((10, 20, 30, 60))}", "    steps:",
                f"      - uses: actions/checkout@{rng.choice(('v4', _hex(rng, 40)))}"]
        for kind in sorted(rng.sample(range(5), rng.randint(1, 5))):
            if kind == 0:
                out += ["      - uses: actions/setup-python@v5", "        with:", f"          python-version: \"{rng.choice(('3.10', '3.11', '3.12'))}\""]
            elif kind == 1:
                out += [f"      - name: Run tests", "        run: |", "          pip install -r requirements.txt",
                        f"          pytest -q --maxfail={rng.randint(1, 5)} tests/"]
            elif kind == 2:
                out += ["      - uses: aws-actions/configure-aws-credentials@v4", "        with:",
                        f"          role-to-assume: arn:aws:iam::{rng.choice(_ACCOUNT_IDS)}:role/github-{app}",
                        "          aws-region: ${{ env.AWS_REGION }}"]
            elif kind == 3:
                out += ["      - name: Terraform plan", f"        working-directory: infra/{rng.choice(_ENVS)}",
                        "        env:", "          TF_VAR_db_password: ${{ secrets.DB_PASSWORD }}",
                        "        run: terraform init -input=false && terraform plan -input=false -no-color"]
            else:
                out += ["      - name: Build and push", "        env:", "          REGISTRY_TOKEN: ${{ secrets.REGISTRY_TOKEN }}",
                        "        run: |", '          echo "$REGISTRY_TOKEN" | docker login ghcr.io -u "${{ github.actor }}" --password-stdin',
                        "          docker build -t \"$IMAGE:${{ github.sha }}\" .", "          docker push \"$IMAGE:${{ github.sha }}\""]
        out.append("")
    return "\n".join(out)


# -----------------------------------------------------------------------------
# the document mix

# (generator, weight): roughly the share of file types in an ops monorepo
_KINDS: tuple = (
    (_terraform, 30), (_kubernetes, 18), (_helm_values, 4), (_helm_template, 4), (_ansible, 12),
    (_dockerfile, 8), (_shell, 10), (_compose, 6), (_github_actions, 8),
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
