"""Realistic Infrastructure-as-Code documents without secrets, and with planted ones.

Shared by the secret tests (false-positive rate, recall, sanitizer) and
bench/bench_secrets.py. The clean documents are full of what trips naive scanners: private
CIDRs, version strings, OIDs, digests, ARNs, UUIDs, AWS's documented example keys, templated
values (`${var.x}`, `{{ .Values.x }}`, `${{ secrets.X }}`), SOPS-encrypted values, Ansible
vault blobs, certificates, CA bundles, SSH public keys, lockfile hashes and public resolvers.
Planted secrets come from the rules' own sample generators, with their exact byte spans.
"""

import base64
import random
import uuid

from preflight.secrets.rules import builtin_rules
from preflight.secrets.rules.pem import fake_pem

HEX = "0123456789abcdef"
REGIONS = ("us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2")
APPS = ("api", "web", "worker", "billing", "auth", "search", "ingest", "reports", "gateway")
IMAGES = ("nginx", "postgres", "redis", "python", "node", "alpine", "golang", "grafana/grafana")


def _h(rng, n):
    return "".join(rng.choice(HEX) for _ in range(n))


def _name(rng):
    return f"{rng.choice(APPS)}-{rng.choice(('prod', 'staging', 'dev', 'qa'))}"


def _ver(rng, parts=3):
    return ".".join(str(rng.randrange(0, 30)) for _ in range(parts))


def _cidr(rng):
    return rng.choice((f"10.{rng.randrange(256)}.0.0/16", f"172.{rng.randrange(16, 32)}.0.0/20",
                       f"192.168.{rng.randrange(256)}.0/24"))


def _ip(rng):
    return rng.choice((f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                       f"172.{rng.randrange(16, 32)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                       f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"))


def _arn(rng, service="iam", kind="role"):
    return f"arn:aws:{service}::{rng.randrange(10**11, 10**12)}:{kind}/{_name(rng)}"


def _ssh_pub(rng):
    blob = (b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x01\x00"
            + rng.randbytes(256))
    return f"ssh-rsa {base64.b64encode(blob).decode()} {rng.choice(APPS)}@ci"


def _key_pair(rng):
    return (f'resource "aws_key_pair" "deployer" {{\n  key_name   = "deployer-key"\n'
            f'  public_key = "{_ssh_pub(rng)}"\n}}\n')


def _cert_pem(rng):
    return fake_pem(rng, "CERTIFICATE", nbytes=rng.randrange(500, 900))


# ----------------------------------------------------------------------------------------------
# document templates (each returns text)

def terraform(rng):
    app, region = _name(rng), rng.choice(REGIONS)
    return f'''terraform {{
  required_version = ">= 1.{rng.randrange(3, 9)}.0"
  required_providers {{
    aws = {{
      source  = "hashicorp/aws"
      version = "~> {_ver(rng, 2)}"
    }}
  }}
  backend "s3" {{
    bucket         = "tfstate-{app}"
    key            = "{app}/terraform.tfstate"
    region         = "{region}"
    dynamodb_table = "tf-locks"
    encrypt        = true
  }}
}}

provider "aws" {{
  region = var.region
}}

variable "db_password" {{
  description = "Master password for the database"
  type        = string
  sensitive   = true
}}

resource "aws_vpc" "main" {{
  cidr_block           = "{_cidr(rng)}"
  enable_dns_hostnames = true
  tags = {{ Name = "{app}", Environment = var.environment }}
}}

resource "aws_security_group" "web" {{
  name   = "{app}-web"
  vpc_id = aws_vpc.main.id
  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["{_cidr(rng)}"]
  }}
}}

resource "random_password" "db" {{
  length           = {rng.choice((16, 24, 32))}
  special          = true
  override_special = "!#$%&*()-_=+[]{{}}<>:?"
}}

resource "aws_db_instance" "main" {{
  identifier             = "{app}-db"
  engine                 = "postgres"
  engine_version         = "{rng.randrange(12, 17)}.{rng.randrange(1, 9)}"
  instance_class         = "db.t3.medium"
  username               = "app_admin"
  password               = random_password.db.result
  kms_key_id             = "{_arn(rng, 'kms', 'key')}"
  vpc_security_group_ids = [aws_security_group.web.id]
  skip_final_snapshot    = true
}}

resource "aws_secretsmanager_secret_version" "db" {{
  secret_id     = aws_secretsmanager_secret.db.id
  secret_string = jsonencode({{ username = "app_admin", password = random_password.db.result }})
}}

resource "aws_instance" "bastion" {{
  ami                    = "ami-{_h(rng, 17)}"
  instance_type          = "t3.micro"
  key_name               = "deployer-key"
  iam_instance_profile   = "{_arn(rng)}"
  user_data              = <<-EOF
    #!/bin/bash
    yum install -y amazon-ssm-agent-{_ver(rng, 4)}
    echo "nameserver 8.8.8.8" >> /etc/resolv.conf
  EOF
}}

{_key_pair(rng) if rng.random() < 0.3 else ""}
resource "aws_lambda_function" "fn" {{
  function_name    = "{app}-fn"
  filename         = "lambda.zip"
  source_code_hash = filebase64sha256("lambda.zip")
  environment {{
    variables = {{
      DB_PASSWORD_PARAM = "/{app}/db/password"
      API_TOKEN         = var.api_token
      TOKEN_TTL         = "3600"
    }}
  }}
}}

output "db_endpoint" {{
  value = aws_db_instance.main.address
}}
'''


def lockfile(rng):
    providers = []
    for name in rng.sample(("aws", "random", "tls", "kubernetes", "helm", "null"), 3):
        hashes = [f'    "h1:{base64.b64encode(rng.randbytes(32)).decode()}",']
        hashes += [f'    "zh:{_h(rng, 64)}",' for _ in range(rng.randrange(3, 8))]
        providers.append(f'provider "registry.terraform.io/hashicorp/{name}" {{\n'
                         f'  version     = "{_ver(rng)}"\n  constraints = "~> {_ver(rng, 2)}"\n'
                         f'  hashes = [\n' + "\n".join(hashes) + "\n  ]\n}\n")
    return "# This file is maintained automatically by \"terraform init\".\n\n" + "\n".join(providers)


def k8s_deployment(rng):
    app = _name(rng)
    return f'''apiVersion: apps/v1
kind: Deployment
metadata:
  name: {app}
  labels:
    app.kubernetes.io/name: {app}
    app.kubernetes.io/version: "{_ver(rng)}"
  annotations:
    checksum/config: {_h(rng, 64)}
spec:
  replicas: {rng.randrange(1, 6)}
  selector:
    matchLabels:
      app: {app}
  template:
    spec:
      serviceAccountName: {app}
      containers:
        - name: {app}
          image: "{rng.choice(IMAGES)}:{_ver(rng)}@sha256:{_h(rng, 64)}"
          ports:
            - containerPort: 8080
          env:
            - name: DB_HOST
              value: "{_ip(rng)}"
            - name: DB_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {app}-db
                  key: password
            - name: API_TOKEN
              valueFrom:
                secretKeyRef: {{name: {app}-api, key: token}}
            - name: REQUEST_ID
              value: "{uuid.UUID(int=rng.getrandbits(128))}"
          resources:
            limits: {{cpu: 500m, memory: 512Mi}}
          volumeMounts:
            - name: tls
              mountPath: /etc/tls
              readOnly: true
      volumes:
        - name: tls
          secret:
            secretName: {app}-tls
      dnsConfig:
        nameservers: ["1.1.1.1", "8.8.4.4"]
---
apiVersion: v1
kind: Service
metadata:
  name: {app}
spec:
  type: ClusterIP
  clusterIP: 10.96.{rng.randrange(256)}.{rng.randrange(1, 255)}
  ports:
    - port: 80
      targetPort: 8080
'''


def helm_values(rng):
    app = _name(rng)
    return f'''# Default values for {app}.
image:
  repository: ghcr.io/acme/{app}
  tag: "{_ver(rng)}"
  pullPolicy: IfNotPresent
imagePullSecrets:
  - name: regcred
serviceAccount:
  create: true
  annotations:
    eks.amazonaws.com/role-arn: {_arn(rng)}
auth:
  username: app
  password: ""
  existingSecret: {app}-auth
  existingSecretPasswordKey: password
ingress:
  enabled: true
  hosts:
    - host: {app}.example.com
  tls:
    - secretName: {app}-tls
      hosts: [{app}.example.com]
secret:
  stringData:
    password: {{{{ .Values.auth.password | quote }}}}
    token: {{{{ required "token is required" .Values.token }}}}
  data:
    api-key: {{{{ .Values.apiKey | b64enc }}}}
podAnnotations:
  prometheus.io/scrape: "true"
resources:
  requests: {{cpu: 100m, memory: 128Mi}}
'''


def kubeconfig(rng):
    ca = base64.b64encode((_cert_pem(rng) + "\n").encode()).decode()
    cluster = f"{_h(rng, 32).upper()}.gr7.{rng.choice(REGIONS)}.eks.amazonaws.com"
    return f'''apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: {ca}
    server: https://{cluster}
  name: {_name(rng)}
contexts:
- context: {{cluster: {_name(rng)}, user: eks-admin}}
  name: prod
current-context: prod
users:
- name: eks-admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: ["eks", "get-token", "--cluster-name", "{_name(rng)}"]
'''


def ansible(rng):
    vault = "\n".join("          " + _h(rng, 80) for _ in range(rng.randrange(3, 8)))
    return f'''- hosts: webservers
  become: yes
  vars:
    http_port: 80
    db_password: "{{{{ vault_db_password }}}}"
    api_token: "{{{{ lookup('env', 'API_TOKEN') }}}}"
    smtp_password: !vault |
          $ANSIBLE_VAULT;1.1;AES256
{vault}
  tasks:
    - name: install packages
      apt:
        name: ["nginx={_ver(rng)}-1ubuntu1", "python3-psycopg2"]
        state: present
    - name: write config
      template:
        src: app.conf.j2
        dest: /etc/app/app.conf
        mode: "0600"
      no_log: true
    - name: allow internal network
      ufw: {{rule: allow, src: "{_cidr(rng)}"}}
'''


def dockerfile(rng):
    img = rng.choice(IMAGES)
    return f'''# syntax=docker/dockerfile:1.{rng.randrange(4, 8)}
FROM {img}:{_ver(rng)}@sha256:{_h(rng, 64)} AS build
ARG VERSION={_ver(rng)}
ARG PIP_INDEX_URL
ENV PYTHONUNBUFFERED=1 \\
    PATH=/opt/venv/bin:$PATH \\
    APP_VERSION=$VERSION
WORKDIR /src
COPY requirements.txt .
RUN --mount=type=secret,id=npmrc,target=/root/.npmrc \\
    pip install --no-cache-dir requests=={_ver(rng)} boto3=={_ver(rng)} && \\
    apt-get install -y curl={_ver(rng)}-1ubuntu2.{rng.randrange(20)}
COPY . .
RUN make build VERSION=$VERSION
FROM gcr.io/distroless/python3-debian12
COPY --from=build /src/dist /app
EXPOSE 8080
HEALTHCHECK CMD ["/app/healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
USER 65532:65532
ENTRYPOINT ["/app/server"]
'''


def compose(rng):
    return f'''version: "3.9"
services:
  db:
    image: postgres:{rng.randrange(12, 17)}
    environment:
      POSTGRES_USER: app
      POSTGRES_PASSWORD: ${{POSTGRES_PASSWORD:?set it in .env}}
      POSTGRES_DB: app
    ports: ["5432:5432"]
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U app"]
  app:
    image: ghcr.io/acme/{_name(rng)}:{_ver(rng)}
    environment:
      DATABASE_URL: postgres://app:${{POSTGRES_PASSWORD}}@db:5432/app
      SECRET_KEY_FILE: /run/secrets/secret_key
    secrets: [secret_key]
    depends_on: [db]
secrets:
  secret_key:
    file: ./secret_key.txt
networks:
  default:
    ipam:
      config:
        - subnet: {_cidr(rng)}
'''


def workflow(rng):
    return f'''name: deploy
on:
  push:
    branches: [main]
jobs:
  deploy:
    runs-on: ubuntu-22.04
    permissions:
      id-token: write
    steps:
      - uses: actions/checkout@{_h(rng, 40)} # v4.1.1
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          aws-access-key-id: ${{{{ secrets.AWS_ACCESS_KEY_ID }}}}
          aws-secret-access-key: ${{{{ secrets.AWS_SECRET_ACCESS_KEY }}}}
          role-to-assume: {_arn(rng)}
          aws-region: {rng.choice(REGIONS)}
      - run: terraform init && terraform apply -auto-approve
        env:
          TF_VAR_db_password: ${{{{ secrets.DB_PASSWORD }}}}
          GITHUB_TOKEN: ${{{{ secrets.GITHUB_TOKEN }}}}
      - run: |
          curl -sf -H "Authorization: Bearer $DEPLOY_TOKEN" https://deploy.internal/api/v1/release
'''


def shell(rng):
    return f'''#!/usr/bin/env bash
set -euo pipefail
export AWS_REGION={rng.choice(REGIONS)}
export VAULT_ADDR=https://vault.internal:8200
VAULT_TOKEN="$(vault login -token-only -method=aws role={_name(rng)})"
export VAULT_TOKEN
DB_PASSWORD=$(aws ssm get-parameter --name /{_name(rng)}/db/password --with-decryption \\
  --query Parameter.Value --output text)
kubectl -n {_name(rng)} create secret generic db --from-literal=password="$DB_PASSWORD" \\
  --dry-run=client -o yaml | kubectl apply -f -
helm upgrade --install app ./chart --set image.tag="${{GIT_SHA:0:7}}" --version {_ver(rng)}
ssh -o StrictHostKeyChecking=no ec2-user@{_ip(rng)} "sudo systemctl restart app"
echo "deployed {_ver(rng)} to {_cidr(rng)}"
'''


def cloudformation(rng):
    return f'''AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  DBPassword:
    Type: String
    NoEcho: true
    MinLength: 12
Resources:
  Database:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      EngineVersion: "8.0.{rng.randrange(20, 40)}"
      MasterUsername: admin
      MasterUserPassword: !Ref DBPassword
  AppSecret:
    Type: AWS::SecretsManager::Secret
    Properties:
      GenerateSecretString:
        SecretStringTemplate: '{{"username": "app"}}'
        GenerateStringKey: password
        PasswordLength: 32
  Replica:
    Type: AWS::RDS::DBInstance
    Properties:
      MasterUserPassword: '{{{{resolve:secretsmanager:{_name(rng)}:SecretString:password}}}}'
  Ingress:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      CidrIp: 0.0.0.0/0
      FromPort: 443
      GroupId: sg-{_h(rng, 17)}
'''


def nginx(rng):
    upstreams = "\n".join(f"    server {_ip(rng)}:{rng.choice((8080, 9000))} max_fails=3;"
                          for _ in range(rng.randrange(2, 5)))
    return f'''upstream backend {{
{upstreams}
}}
server {{
    listen 443 ssl http2;
    server_name {_name(rng)}.example.com;
    resolver 8.8.8.8 1.1.1.1 valid=300s;
    ssl_certificate     /etc/nginx/tls/tls.crt;
    ssl_certificate_key /etc/nginx/tls/tls.key;
    set_real_ip_from {_cidr(rng)};
    allow 203.0.113.0/24;
    deny all;
    location / {{ proxy_pass http://backend; }}
}}
'''


def env_example(rng):
    return f'''# Copy to .env and fill in.
APP_ENV=development
DATABASE_URL=postgres://user:password@localhost:5432/app
REDIS_URL=redis://localhost:6379/0
API_KEY=your-api-key-here
SECRET_KEY=changeme
JWT_SECRET=<generate with openssl rand -hex 32>
AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE
AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
SMTP_PASSWORD=
SENTRY_DSN=
LOG_LEVEL=info
PORT={rng.choice((3000, 8000, 8080))}
'''


def sops(rng):
    def enc():
        return (f"ENC[AES256_GCM,data:{base64.b64encode(rng.randbytes(rng.randrange(8, 24))).decode()},"
                f"iv:{base64.b64encode(rng.randbytes(32)).decode()},"
                f"tag:{base64.b64encode(rng.randbytes(16)).decode()},type:str]")
    age_body = "\n".join(base64.b64encode(rng.randbytes(48)).decode() for _ in range(4))
    return f'''database:
    password: {enc()}
    user: {enc()}
api_token: {enc()}
sops:
    age:
        - recipient: age1{"".join(rng.choice("qpzry9x8gf2tvdw0s3jn54khce6mua7l") for _ in range(58))}
          enc: |
            -----BEGIN AGE ENCRYPTED FILE-----
            {age_body.replace(chr(10), chr(10) + "            ")}
            -----END AGE ENCRYPTED FILE-----
    lastmodified: "2025-0{rng.randrange(1, 10)}-1{rng.randrange(10)}T10:00:00Z"
    mac: {enc()}
    version: 3.{rng.randrange(7, 10)}.1
'''


def certificates(rng):
    cert = _cert_pem(rng).replace("\n", "\n    ")
    pub = fake_pem(rng, "PUBLIC KEY", nbytes=294).replace("\n", "\n    ")
    return f'''apiVersion: v1
kind: ConfigMap
metadata:
  name: ca-bundle
data:
  ca.crt: |
    {cert}
  signing.pub: |
    {pub}
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
webhooks:
  - name: policy.example.com
    clientConfig:
      caBundle: {base64.b64encode((_cert_pem(rng) + chr(10)).encode()).decode()}
'''


def versions(rng):
    return f'''# Build matrix
windows_build: 10.0.{rng.randrange(14000, 22631)}.{rng.randrange(1, 3000)}
java_version: 1.8.0.{rng.randrange(100, 400)}
chart_version: "{_ver(rng, 4)}"
snmp_oid: 1.3.6.1.4.1.{rng.randrange(1, 50000)}.{rng.randrange(1, 20)}.1.3.1
requirements:
  - urllib3=={_ver(rng)}
  - protobuf>={_ver(rng, 4)}
firmware: v{_ver(rng, 4)}
release-{_ver(rng, 4)}
timestamp: 2024-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}T12:{rng.randrange(60):02d}:00Z
integrity: sha512-{base64.b64encode(rng.randbytes(64)).decode()}
etag: "{_h(rng, 32)}"
commit: {_h(rng, 40)}
'''


def readme(rng):
    words = ("the module creates a VPC with public and private subnets across availability "
             "zones and outputs their ids for use in other stacks").split()
    para = " ".join(rng.choice(words) for _ in range(rng.randrange(40, 120)))
    return f'''# terraform-aws-{_name(rng)}

{para.capitalize()}.

## Usage

```hcl
module "vpc" {{
  source  = "terraform-aws-modules/vpc/aws"
  version = "{_ver(rng)}"
  cidr    = "{_cidr(rng)}"
  azs     = ["{rng.choice(REGIONS)}a", "{rng.choice(REGIONS)}b"]
}}
```

| Name | Description | Type | Default |
|------|-------------|------|---------|
| db_password | Password for the master DB user | `string` | n/a |
| api_token | Token used to call the API | `string` | `""` |

Example host: 198.51.100.{rng.randrange(1, 255)}. Metadata: 169.254.169.254.
'''


def prometheus(rng):
    targets = ", ".join(f'"{_ip(rng)}:9100"' for _ in range(rng.randrange(2, 6)))
    return f'''global:
  scrape_interval: 15s
scrape_configs:
  - job_name: node
    static_configs:
      - targets: [{targets}]
  - job_name: kubernetes-apiservers
    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    tls_config:
      ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    basic_auth:
      username: prometheus
      password_file: /etc/prometheus/password
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["{_ip(rng)}:9093"]
'''


def gitlab_ci(rng):
    return f'''variables:
  DOCKER_DRIVER: overlay2
  TF_VERSION: "{_ver(rng)}"
build:
  image: docker:{_ver(rng)}
  services: ["docker:{_ver(rng)}-dind"]
  script:
    - docker login -u "$CI_REGISTRY_USER" -p "$CI_REGISTRY_PASSWORD" $CI_REGISTRY
    - docker build -t $CI_REGISTRY_IMAGE:$CI_COMMIT_SHORT_SHA .
    - vault kv get -field=password secret/{_name(rng)}/db > /tmp/db_password
  only: [main]
'''


# Common file kinds weigh 3, rarer ones (lockfiles, kubeconfigs, SOPS, bundles) 1.
TEMPLATES = ((terraform, 3), (k8s_deployment, 3), (helm_values, 3), (ansible, 3), (dockerfile, 3),
             (compose, 3), (workflow, 3), (shell, 3), (cloudformation, 2), (nginx, 2),
             (readme, 3), (prometheus, 2), (gitlab_ci, 2), (lockfile, 1), (kubeconfig, 1),
             (env_example, 1), (sops, 1), (certificates, 1), (versions, 1))
_KINDS = [t for t, _ in TEMPLATES]
_WEIGHTS = [w for _, w in TEMPLATES]


def clean_documents(n, seed=0):
    """`n` IaC documents (1 to 3 files each) that hold no secret."""
    rng = random.Random(seed)
    return ["\n".join(t(rng) for t in rng.choices(_KINDS, _WEIGHTS, k=rng.randrange(1, 4)))
            for _ in range(n)]


def plant(docs, rng, rate=1 / 15, rules=None):
    """Insert one rule sample into a `rate` of `docs` (in place), at a line boundary.

    Returns (document index, expected rule id, start byte, end byte) for each secret part
    (a sample may hold several: a key id and its secret, a user name and its password).
    """
    rules = [r for r in (rules or builtin_rules()) if r.samples is not None]
    truth = []
    for i, doc in enumerate(docs):
        if rng.random() >= rate:
            continue
        rule = rng.choice(rules)
        sample = rng.choice(rule.samples(rng))
        snippet = sample.doc if sample.doc.endswith("\n") else sample.doc + "\n"
        lines = doc.split("\n")
        cut = rng.randrange(len(lines) + 1)
        head = "\n".join(lines[:cut]) + ("\n" if cut else "")
        docs[i] = head + snippet + "\n".join(lines[cut:])
        offset = len(head.encode())
        truth += [(i, rid, offset + start, offset + end) for start, end, rid in sample.spans(rule.id)]
    return truth


def planted_documents(n, seed=0, rate=1 / 15):
    """(documents, truth): clean documents, a `rate` of them with one rule sample inserted;
    truth as returned by plant()."""
    docs = clean_documents(n, seed)
    return docs, plant(docs, random.Random(seed), rate)
