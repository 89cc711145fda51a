"""Terraform files: main.tf with providers and resources, variables.tf, outputs.tf, module calls."""

import random

from preflight.demo.iac_corpus import terraform_resources as resources
from preflight.demo.iac_corpus import vocabulary as v


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
            region=rng.choice(v.AWS_REGIONS), service=v.name(rng), cidr=v.cidr(rng), ec2=rng.choice(v.EC2_TYPES),
            small=rng.randint(1, 9), ident=v.ident(rng), retention=rng.choice((7, 14, 30, 90, 365)),
            semver=v.semver(rng), domain=rng.choice(v.DOMAINS)))
    if name == "db_password":
        lines.append("  sensitive   = true")
    if name == "environment" and rng.random() < 0.7:
        lines += ["", "  validation {",
                  '    condition     = contains(["dev", "staging", "prod"], var.environment)',
                  '    error_message = "environment must be dev, staging or prod."', "  }"]
    return "\n".join(lines) + "\n}\n"


def _tf_output(rng: random.Random) -> str:
    ident = v.ident(rng)
    attr = rng.choice(("id", "arn", "name", "endpoint", "dns_name", "private_ip", "url", "self_link"))
    kind = rng.choice(("aws_instance", "aws_lb", "aws_db_instance", "google_container_cluster",
                       "azurerm_kubernetes_cluster", "aws_s3_bucket", "module"))
    ref = f"module.{ident}.{attr}" if kind == "module" else f"{kind}.{ident}.{attr}"
    sensitive = "\n  sensitive   = true" if attr == "endpoint" and rng.random() < 0.5 else ""
    return (f'output "{ident}_{attr}" {{\n  description = "The {attr.replace("_", " ")} of {ident}"\n'
            f'  value       = {ref}{sensitive}\n}}\n')


def _tf_module(rng: random.Random) -> str:
    svc = v.name(rng)
    source = rng.choice((f'"./modules/{rng.choice(v.ROLES)}"', '"terraform-aws-modules/vpc/aws"',
                         '"terraform-aws-modules/eks/aws"',
                         f'"git::https://git.example.com/{rng.choice(v.TEAMS)}/terraform-modules.git'
                         f'//{rng.choice(v.ROLES)}?ref=v{v.semver(rng)}"'))
    lines = [f'module "{svc.replace("-", "_")}" {{', f"  source  = {source}"]
    if "terraform-aws-modules" in source:
        lines.append(f'  version = "~> {rng.randint(3, 20)}.{rng.randint(0, 9)}"')
    lines += ["", f'  name        = "{svc}-${{var.environment}}"', "  environment = var.environment"]
    for _ in range(rng.randint(1, 5)):
        key, value = rng.choice((("vpc_id", "module.network.vpc_id"), ("subnet_ids", "module.network.private_subnets"),
                                 ("cidr", f'"{v.cidr(rng)}"'), ("instance_type", f'"{rng.choice(v.EC2_TYPES)}"'),
                                 ("min_size", str(rng.randint(1, 3))), ("max_size", str(rng.randint(4, 20))),
                                 ("enable_nat_gateway", "true"), ("single_nat_gateway", rng.choice(("true", "false"))),
                                 ("image", f'"{v.image(rng)}"'), ("db_password", "var.db_password"),
                                 ("azs", 'slice(data.aws_availability_zones.available.names, 0, 3)')))
        lines.append(f"  {key} = {value}")
    lines.append("")
    lines.append(resources.tags_block(rng, svc))
    return "\n".join(lines) + "\n}\n"


def _tf_header(rng: random.Random, cloud: str) -> str:
    provider, source, version = {"aws": ("aws", "hashicorp/aws", f"~> {rng.randint(4, 5)}.{rng.randint(0, 60)}"),
                                 "gcp": ("google", "hashicorp/google", f"~> {rng.randint(4, 5)}.{rng.randint(0, 30)}"),
                                 "azure": ("azurerm", "hashicorp/azurerm",
                                           f"~> {rng.randint(3, 4)}.{rng.randint(0, 110)}")}[cloud]
    text = (f'terraform {{\n  required_version = ">= 1.{rng.randint(3, 8)}.0"\n\n  required_providers {{\n'
            f'    {provider} = {{\n      source  = "{source}"\n      version = "{version}"\n    }}\n  }}\n')
    if cloud == "aws" and rng.random() < 0.6:
        text += (f'\n  backend "s3" {{\n    bucket         = "{rng.choice(v.TEAMS)}-terraform-state"\n'
                 f'    key            = "{v.name(rng)}/terraform.tfstate"\n'
                 f'    region         = "{rng.choice(v.AWS_REGIONS)}"\n'
                 f'    dynamodb_table = "terraform-locks"\n    encrypt        = true\n  }}\n')
    elif cloud == "gcp" and rng.random() < 0.6:
        text += (f'\n  backend "gcs" {{\n    bucket = "{rng.choice(v.TEAMS)}-tf-state"\n'
                 f'    prefix = "{v.name(rng)}"\n  }}\n')
    text += "}\n\n"
    if cloud == "aws":
        text += (f'provider "aws" {{\n  region = var.region\n\n  assume_role {{\n'
                 f'    role_arn = "arn:aws:iam::{rng.choice(v.ACCOUNT_IDS)}:role/terraform-{rng.choice(v.ENVS)}"\n'
                 f'  }}\n\n'
                 f'  default_tags {{\n    tags = {{\n      Project = var.project\n    }}\n  }}\n}}\n')
    elif cloud == "gcp":
        text += 'provider "google" {\n  project = var.project_id\n  region  = var.region\n}\n'
    else:
        text += 'provider "azurerm" {\n  features {}\n  subscription_id = var.subscription_id\n}\n'
    return text


def document(rng: random.Random, size: int) -> str:
    """A Terraform file: variables.tf, outputs.tf, or main.tf with provider and `size` blocks."""
    role = rng.random()
    if role < 0.15:
        return f"# {v.note(rng)}\n\n" + "\n".join(_tf_variable(rng) for _ in range(2 * size + 1))
    if role < 0.25:
        return "\n".join(_tf_output(rng) for _ in range(2 * size + 1))
    cloud = rng.choice(("aws", "aws", "aws", "gcp", "azure"))
    block = {"aws": resources.aws_block, "gcp": resources.gcp_block, "azure": resources.azure_block}[cloud]
    parts = [_tf_header(rng, cloud)] if rng.random() < 0.5 else []
    if rng.random() < 0.4:
        env = rng.choice(v.ENVS)
        parts.append(f'locals {{\n  name_prefix = "${{var.project}}-{env}"\n  common_tags = merge(var.tags, {{\n'
                     f'    Environment = "{env}"\n  }})\n'
                     f'  azs = slice(data.aws_availability_zones.available.names, 0, {rng.randint(2, 3)})\n}}\n')
    for _ in range(size):
        r = rng.random()
        if r < 0.1:
            parts.append(_tf_module(rng))
        elif r < 0.18:
            parts.append(f"# {v.note(rng)}\n" + block(rng))
        else:
            parts.append(block(rng))
    return "\n".join(parts)
