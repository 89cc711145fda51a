"""Terraform resource blocks for AWS, GCP and Azure, one randomized block per call."""

import random

from preflight.demo.iac_corpus import vocabulary as v

_AWS_ACTIONS = ("s3:GetObject", "s3:PutObject", "s3:ListBucket", "sqs:SendMessage", "sqs:ReceiveMessage",
                "dynamodb:GetItem", "dynamodb:Query", "kms:Decrypt", "logs:PutLogEvents", "ecr:GetAuthorizationToken")
_GCP_ROLES = ("storage.objectViewer", "pubsub.publisher", "cloudsql.client", "logging.logWriter",
              "secretmanager.secretAccessor")


def tags_block(rng: random.Random, service: str, indent: str = "  ") -> str:
    """The `tags = {...}` map most resources carry."""
    lines = [f'{indent}tags = {{',
             f'{indent}  Name        = "{service}-${{var.environment}}"',
             f'{indent}  Environment = var.environment',
             f'{indent}  Team        = "{rng.choice(v.TEAMS)}"']
    if rng.random() < 0.6:
        lines.append(f'{indent}  ManagedBy   = "terraform"')
    if rng.random() < 0.3:
        lines.append(f'{indent}  CostCenter  = "cc-{rng.randint(1000, 9999)}"')
    lines.append(f"{indent}}}")
    return "\n".join(lines)


def aws_block(rng: random.Random) -> str:
    """One AWS resource (or a small group that belongs together)."""
    svc, ident = v.name(rng), v.ident(rng)
    kind = rng.randint(0, 13)
    if kind == 0:
        return (f'resource "aws_vpc" "{ident}" {{\n  cidr_block           = "{v.cidr(rng)}"\n'
                f'  enable_dns_support   = true\n  enable_dns_hostnames = true\n\n{tags_block(rng, svc)}\n}}\n')
    if kind == 1:
        n = rng.randint(2, 4)
        return (f'resource "aws_subnet" "{ident}_private" {{\n  count             = {n}\n'
                '  vpc_id            = aws_vpc.main.id\n'
                f'  cidr_block        = cidrsubnet(aws_vpc.main.cidr_block, {rng.choice((4, 6, 8))}, count.index + '
                f'{rng.randint(0, 8)})\n'
                '  availability_zone = data.aws_availability_zones.available.names[count.index]\n\n'
                f'  map_public_ip_on_launch = false\n\n{tags_block(rng, svc)}\n}}\n')
    if kind == 2:
        rules = []
        for _ in range(rng.randint(1, 5)):
            port = rng.choice((22, 80, 443, 5432, 6379, 8080, 8443, 9090, 3306, 2049, 9200))
            rules.append(f'  ingress {{\n'
                         '    description = '
                         f'"{rng.choice(("from VPC", "from bastion", "from load balancer", "monitoring"))}"\n'
                         f'    from_port   = {port}\n    to_port     = {port}\n    protocol    = "tcp"\n'
                         f'    cidr_blocks = ["{v.cidr(rng)}"]\n  }}\n')
        return (f'resource "aws_security_group" "{ident}" {{\n  name_prefix = "{svc}-"\n'
                f'  description = "Security group for {svc}"\n  vpc_id      = var.vpc_id\n\n' + "\n".join(rules) +
                f'\n  egress {{\n    from_port   = 0\n    to_port     = 0\n    protocol    = "-1"\n'
                f'    cidr_blocks = ["0.0.0.0/0"]\n  }}\n\n  lifecycle {{\n    create_before_destroy = true\n  }}\n'
                f'}}\n')
    if kind == 3:
        return (f'resource "aws_instance" "{ident}" {{\n'
                f'  ami                    = data.aws_ami.{rng.choice(("ubuntu", "al2023", "bottlerocket"))}.id\n'
                f'  instance_type          = "{rng.choice(v.EC2_TYPES)}"\n'
                f'  subnet_id              = element(var.private_subnet_ids, {rng.randint(0, 2)})\n'
                f'  vpc_security_group_ids = [aws_security_group.{ident}.id]\n'
                f'  iam_instance_profile   = aws_iam_instance_profile.{ident}.name\n'
                f'  private_ip             = "{v.private_ip(rng)}"\n\n  root_block_device {{\n'
                f'    volume_size = {rng.choice((20, 30, 50, 100, 200))}\n'
                f'    volume_type = "gp3"\n    encrypted   = true\n  }}\n\n  metadata_options {{\n'
                f'    http_tokens = "required"\n  }}\n\n'
                f'  user_data = templatefile("${{path.module}}/templates/{svc}.sh.tpl", {{\n'
                '    environment = var.environment\n'
                f'    region      = var.region\n  }})\n\n{tags_block(rng, svc)}\n}}\n')
    if kind == 4:
        return (f'resource "aws_s3_bucket" "{ident}" {{\n  bucket = "${{var.project}}-{svc}-${{var.environment}}"\n\n'
                f'{tags_block(rng, svc)}\n}}\n\n'
                f'resource "aws_s3_bucket_versioning" "{ident}" {{\n  bucket = aws_s3_bucket.{ident}.id\n'
                f'  versioning_configuration {{\n    status = "Enabled"\n  }}\n}}\n\n'
                f'resource "aws_s3_bucket_server_side_encryption_configuration" "{ident}" {{\n'
                f'  bucket = aws_s3_bucket.{ident}.id\n\n'
                f'  rule {{\n    apply_server_side_encryption_by_default {{\n      sse_algorithm     = "aws:kms"\n'
                f'      kms_master_key_id = aws_kms_key.{ident}.arn\n    }}\n  }}\n}}\n')
    if kind == 5:
        actions = ", ".join(f'"{a}"' for a in v.pick(rng, _AWS_ACTIONS, 2, 5))
        return (f'data "aws_iam_policy_document" "{ident}_assume" {{\n  statement {{\n'
                '    actions = ["sts:AssumeRole"]\n\n'
                f'    principals {{\n      type        = "Service"\n'
                f'      identifiers = ["{rng.choice(("ec2", "lambda", "ecs-tasks"))}.amazonaws.com"]\n    }}\n  }}\n'
                f'}}\n\n'
                f'resource "aws_iam_role" "{ident}" {{\n  name               = "{svc}-${{var.environment}}"\n'
                f'  assume_role_policy = data.aws_iam_policy_document.{ident}_assume.json\n}}\n\n'
                f'resource "aws_iam_role_policy" "{ident}" {{\n  name = "{svc}-access"\n'
                f'  role = aws_iam_role.{ident}.id\n\n'
                f'  policy = jsonencode({{\n    Version = "2012-10-17"\n    Statement = [\n      {{\n'
                '        Effect   = "Allow"\n'
                f'        Action   = [{actions}]\n'
                f'        Resource = ["arn:aws:s3:::${{var.project}}-{svc}/*", '
                f'"arn:aws:sqs:{rng.choice(v.AWS_REGIONS)}:{rng.choice(v.ACCOUNT_IDS)}:{svc}"]\n'
                f'      }}\n    ]\n  }})\n}}\n')
    if kind == 6:
        return (f'resource "aws_lambda_function" "{ident}" {{\n  function_name = "{svc}-${{var.environment}}"\n'
                f'  role          = aws_iam_role.{ident}.arn\n'
                f'  handler       = "{rng.choice(("app.handler", "main.lambda_handler", "index.handler"))}"\n'
                f'  runtime       = "{rng.choice(("python3.12", "python3.11", "nodejs20.x", "provided.al2023"))}"\n'
                f'  memory_size   = {rng.choice((128, 256, 512, 1024, 2048))}\n'
                f'  timeout       = {rng.choice((3, 10, 30, 60, 300))}\n'
                f'  filename         = "${{path.module}}/build/{svc}.zip"\n'
                f'  source_code_hash = filebase64sha256("${{path.module}}/build/{svc}.zip")\n\n'
                f'  environment {{\n    variables = {{\n      LOG_LEVEL  = "{rng.choice(("info", "debug", "warn"))}"\n'
                f'      QUEUE_URL  = aws_sqs_queue.{ident}.url\n      TABLE_NAME = aws_dynamodb_table.{ident}.name\n'
                f'    }}\n  }}\n\n'
                f'  vpc_config {{\n    subnet_ids         = var.private_subnet_ids\n'
                f'    security_group_ids = [aws_security_group.{ident}.id]\n  }}\n}}\n')
    if kind == 7:
        engine, version = rng.choice(v.DB_ENGINES)
        return (f'resource "aws_db_instance" "{ident}" {{\n  identifier              = "{svc}-${{var.environment}}"\n'
                f'  engine                  = "{engine}"\n  engine_version          = "{version}"\n'
                '  instance_class          = '
                f'"db.{rng.choice(("t3.medium", "r6g.large", "m6g.xlarge", "t4g.small"))}"\n'
                f'  allocated_storage       = {rng.choice((20, 50, 100, 500))}\n'
                f'  max_allocated_storage   = {rng.choice((200, 1000))}\n'
                f'  db_name                 = "{ident}"\n  username                = var.db_username\n'
                '  password                = var.db_password\n'
                f'  multi_az                = {rng.choice(("true", "false"))}\n'
                f'  backup_retention_period = {rng.choice((1, 7, 14, 35))}\n  storage_encrypted       = true\n'
                '  deletion_protection     = var.environment == "prod"\n'
                '  db_subnet_group_name    = aws_db_subnet_group.main.name\n'
                f'  vpc_security_group_ids  = [aws_security_group.{ident}.id]\n  skip_final_snapshot     = false\n\n'
                f'{tags_block(rng, svc)}\n}}\n')
    if kind == 8:
        return (f'resource "aws_lb_target_group" "{ident}" {{\n  name        = "{svc[:20]}-tg"\n'
                f'  port        = {rng.choice((80, 8080, 3000, 8000))}\n'
                f'  protocol    = "HTTP"\n  vpc_id      = var.vpc_id\n  target_type = "ip"\n\n  health_check {{\n'
                f'    path                = "{rng.choice(("/healthz", "/health", "/ready", "/status"))}"\n'
                f'    interval            = {rng.choice((10, 15, 30))}\n'
                f'    healthy_threshold   = 2\n    unhealthy_threshold = {rng.randint(2, 5)}\n'
                f'    matcher             = "200-299"\n  }}\n}}\n\n'
                f'resource "aws_lb_listener_rule" "{ident}" {{\n  listener_arn = aws_lb_listener.https.arn\n'
                f'  priority     = {rng.randint(1, 500)}\n\n'
                f'  action {{\n    type             = "forward"\n'
                f'    target_group_arn = aws_lb_target_group.{ident}.arn\n  }}\n\n'
                f'  condition {{\n    host_header {{\n      values = ["{svc}.{rng.choice(v.DOMAINS)}"]\n    }}\n  }}\n'
                f'}}\n')
    if kind == 9:
        return (f'resource "aws_route53_record" "{ident}" {{\n  zone_id = data.aws_route53_zone.internal.zone_id\n'
                f'  name    = "{svc}.{rng.choice(v.ENVS)}.{rng.choice(v.DOMAINS)}"\n  type    = "A"\n'
                f'  ttl     = {rng.choice((60, 300, 3600))}\n'
                f'  records = ["{v.private_ip(rng)}", "{v.private_ip(rng)}"]\n}}\n')
    if kind == 10:
        return (f'resource "aws_cloudwatch_metric_alarm" "{ident}_errors" {{\n'
                f'  alarm_name          = "{svc}-${{var.environment}}-5xx"\n'
                f'  comparison_operator = "GreaterThanThreshold"\n  evaluation_periods  = {rng.randint(1, 5)}\n'
                '  metric_name         = "HTTPCode_Target_5XX_Count"\n  namespace           = "AWS/ApplicationELB"\n'
                f'  period              = {rng.choice((60, 300))}\n  statistic           = "Sum"\n'
                f'  threshold           = {rng.randint(5, 100)}\n'
                f'  alarm_description   = "{v.note(rng)}"\n  alarm_actions       = [aws_sns_topic.alerts.arn]\n\n'
                f'  dimensions = {{\n    TargetGroup  = aws_lb_target_group.{ident}.arn_suffix\n'
                f'    LoadBalancer = aws_lb.main.arn_suffix\n  }}\n}}\n')
    if kind == 11:
        return (f'resource "aws_sqs_queue" "{ident}" {{\n  name                       = "{svc}-${{var.environment}}"\n'
                f'  visibility_timeout_seconds = {rng.choice((30, 60, 300, 900))}\n'
                f'  message_retention_seconds  = {rng.choice((86400, 345600, 1209600))}\n'
                f'  redrive_policy = jsonencode({{\n    deadLetterTargetArn = aws_sqs_queue.{ident}_dlq.arn\n'
                f'    maxReceiveCount     = {rng.randint(3, 10)}\n  }})\n}}\n\n'
                f'resource "aws_dynamodb_table" "{ident}" {{\n  name         = "{svc}-${{var.environment}}"\n'
                '  billing_mode = "PAY_PER_REQUEST"\n'
                f'  hash_key     = "pk"\n  range_key    = "sk"\n\n  attribute {{\n    name = "pk"\n    type = "S"\n'
                f'  }}\n\n'
                f'  attribute {{\n    name = "sk"\n    type = "S"\n  }}\n\n  point_in_time_recovery {{\n'
                f'    enabled = true\n  }}\n}}\n')
    if kind == 12:
        return (f'resource "aws_eks_node_group" "{ident}" {{\n  cluster_name    = aws_eks_cluster.main.name\n'
                f'  node_group_name = "{svc}"\n  node_role_arn   = aws_iam_role.nodes.arn\n'
                '  subnet_ids      = var.private_subnet_ids\n'
                f'  instance_types  = ["{rng.choice(v.EC2_TYPES)}"]\n'
                f'  capacity_type   = "{rng.choice(("ON_DEMAND", "SPOT"))}"\n\n'
                f'  scaling_config {{\n    desired_size = {rng.randint(1, 6)}\n    min_size     = 1\n'
                f'    max_size     = {rng.randint(6, 30)}\n  }}\n\n'
                f'  labels = {{\n    workload = "{rng.choice(v.ROLES)}"\n  }}\n\n  update_config {{\n'
                f'    max_unavailable = 1\n  }}\n}}\n')
    return (f'resource "aws_ecr_repository" "{ident}" {{\n  name                 = "{rng.choice(v.TEAMS)}/{svc}"\n'
            f'  image_tag_mutability = "IMMUTABLE"\n\n  image_scanning_configuration {{\n    scan_on_push = true\n'
            f'  }}\n}}\n\n'
            f'resource "aws_kms_key" "{ident}" {{\n  description             = "{svc} encryption key"\n'
            f'  deletion_window_in_days = {rng.choice((7, 14, 30))}\n  enable_key_rotation     = true\n}}\n')


def gcp_block(rng: random.Random) -> str:
    """One GCP resource (or a small group that belongs together)."""
    svc, ident = v.name(rng), v.ident(rng)
    kind = rng.randint(0, 7)
    if kind == 0:
        return (f'resource "google_compute_network" "{ident}" {{\n  name                    = "{svc}-vpc"\n'
                f'  auto_create_subnetworks = false\n  routing_mode            = "REGIONAL"\n}}\n\n'
                f'resource "google_compute_subnetwork" "{ident}" {{\n'
                f'  name          = "{svc}-{rng.choice(v.GCP_REGIONS)}"\n'
                f'  ip_cidr_range = "{v.cidr(rng)}"\n  region        = var.region\n'
                f'  network       = google_compute_network.{ident}.id\n\n'
                f'  secondary_ip_range {{\n    range_name    = "pods"\n    ip_cidr_range = "{v.cidr(rng)}"\n  }}\n\n'
                f'  private_ip_google_access = true\n}}\n')
    if kind == 1:
        return (f'resource "google_container_cluster" "{ident}" {{\n  name     = "{svc}-${{var.environment}}"\n'
                '  location = var.region\n\n'
                '  remove_default_node_pool = true\n  initial_node_count       = 1\n'
                '  networking_mode          = "VPC_NATIVE"\n'
                f'  min_master_version       = "1.{rng.randint(27, 30)}"\n\n  private_cluster_config {{\n'
                '    enable_private_nodes    = true\n'
                '    enable_private_endpoint = false\n'
                f'    master_ipv4_cidr_block  = "172.{rng.randint(16, 31)}.0.{rng.choice((0, 16, 32))}/28"\n  }}\n\n'
                f'  workload_identity_config {{\n    workload_pool = "${{var.project_id}}.svc.id.goog"\n  }}\n}}\n\n'
                f'resource "google_container_node_pool" "{ident}" {{\n  name       = "{rng.choice(v.ROLES)}-pool"\n'
                f'  cluster    = google_container_cluster.{ident}.id\n  node_count = {rng.randint(1, 5)}\n\n'
                f'  autoscaling {{\n'
                f'    min_node_count = 1\n    max_node_count = {rng.randint(5, 20)}\n  }}\n\n  node_config {{\n'
                f'    machine_type = "{rng.choice(v.GCE_TYPES)}"\n    disk_size_gb = {rng.choice((50, 100, 200))}\n'
                f'    oauth_scopes = ["https://www.googleapis.com/auth/cloud-platform"]\n    labels = {{\n'
                f'      team = "{rng.choice(v.TEAMS)}"\n    }}\n  }}\n}}\n')
    if kind == 2:
        return (f'resource "google_storage_bucket" "{ident}" {{\n  name          = "${{var.project_id}}-{svc}"\n'
                f'  location      = "{rng.choice(("EU", "US", "ASIA"))}"\n'
                f'  storage_class = "{rng.choice(("STANDARD", "NEARLINE"))}"\n'
                f'  force_destroy = false\n\n  uniform_bucket_level_access = true\n\n  versioning {{\n'
                f'    enabled = true\n  }}\n\n'
                f'  lifecycle_rule {{\n    condition {{\n      age = {rng.choice((30, 90, 365))}\n    }}\n'
                f'    action {{\n      type = "Delete"\n    }}\n  }}\n}}\n')
    if kind == 3:
        return (f'resource "google_service_account" "{ident}" {{\n  account_id   = "{svc[:28]}"\n'
                f'  display_name = "{svc} workload"\n}}\n\nresource "google_project_iam_member" "{ident}" {{\n'
                '  project = var.project_id\n'
                f'  role    = "roles/{rng.choice(_GCP_ROLES)}"\n'
                f'  member  = "serviceAccount:${{google_service_account.{ident}.email}}"\n}}\n')
    if kind == 4:
        ports = ", ".join(f'"{p}"' for p in v.pick(rng, ("22", "80", "443", "8080", "5432", "9090"), 1, 3))
        return (f'resource "google_compute_firewall" "{ident}" {{\n  name    = "allow-{svc}"\n'
                '  network = google_compute_network.main.name\n\n'
                f'  allow {{\n    protocol = "tcp"\n    ports    = [{ports}]\n  }}\n\n'
                f'  source_ranges = ["{v.cidr(rng)}", "10.128.0.0/9"]\n  target_tags   = ["{svc}"]\n}}\n')
    if kind == 5:
        version = rng.choice(("POSTGRES_15", "POSTGRES_16", "MYSQL_8_0"))
        return (f'resource "google_sql_database_instance" "{ident}" {{\n'
                f'  name             = "{svc}-${{var.environment}}"\n'
                f'  database_version = "{version}"\n  region           = var.region\n\n  settings {{\n'
                f'    tier              = "db-custom-{rng.choice((2, 4, 8))}-{rng.choice((7680, 15360, 30720))}"\n'
                f'    availability_type = "{rng.choice(("REGIONAL", "ZONAL"))}"\n\n    ip_configuration {{\n'
                f'      ipv4_enabled    = false\n      private_network = google_compute_network.main.id\n    }}\n\n'
                f'    backup_configuration {{\n      enabled    = true\n      start_time = "0{rng.randint(1, 5)}:00"\n'
                f'    }}\n  }}\n\n'
                f'  deletion_protection = true\n}}\n')
    if kind == 6:
        return (f'resource "google_pubsub_topic" "{ident}" {{\n  name = "{svc}-events"\n\n'
                f'  message_retention_duration = "{rng.choice((86400, 604800))}s"\n}}\n\n'
                f'resource "google_pubsub_subscription" "{ident}" {{\n  name  = "{svc}-sub"\n'
                f'  topic = google_pubsub_topic.{ident}.id\n\n'
                f'  ack_deadline_seconds = {rng.choice((10, 30, 60, 600))}\n\n  retry_policy {{\n'
                f'    minimum_backoff = "10s"\n  }}\n}}\n')
    return (f'resource "google_cloud_run_v2_service" "{ident}" {{\n  name     = "{svc}"\n  location = var.region\n\n'
            f'  template {{\n    service_account = google_service_account.{ident}.email\n\n    containers {{\n'
            f'      image = "{v.image(rng, svc)}"\n\n      resources {{\n        limits = {{\n'
            f'          cpu    = "{rng.choice((1, 2, 4))}"\n'
            f'          memory = "{rng.choice(("512Mi", "1Gi", "2Gi"))}"\n        }}\n      }}\n\n      env {{\n'
            '        name  = "ENVIRONMENT"\n'
            f'        value = var.environment\n      }}\n    }}\n\n    scaling {{\n'
            f'      max_instance_count = {rng.randint(2, 50)}\n    }}\n  }}\n}}\n')


def azure_block(rng: random.Random) -> str:
    """One Azure resource (or a small group that belongs together)."""
    svc, ident = v.name(rng), v.ident(rng)
    kind = rng.randint(0, 6)
    if kind == 0:
        return (f'resource "azurerm_resource_group" "{ident}" {{\n  name     = "rg-{svc}-${{var.environment}}"\n'
                f'  location = "{rng.choice(v.AZURE_LOCATIONS)}"\n}}\n\n'
                f'resource "azurerm_virtual_network" "{ident}" {{\n'
                f'  name                = "vnet-{svc}"\n  address_space       = ["{v.cidr(rng)}"]\n'
                f'  location            = azurerm_resource_group.{ident}.location\n'
                f'  resource_group_name = azurerm_resource_group.{ident}.name\n}}\n\n'
                f'resource "azurerm_subnet" "{ident}" {{\n  name                 = "snet-{rng.choice(v.ROLES)}"\n'
                f'  resource_group_name  = azurerm_resource_group.{ident}.name\n'
                f'  virtual_network_name = azurerm_virtual_network.{ident}.name\n'
                f'  address_prefixes     = ["{v.cidr(rng)}"]\n}}\n')
    if kind == 1:
        return (f'resource "azurerm_kubernetes_cluster" "{ident}" {{\n'
                f'  name                = "aks-{svc}-${{var.environment}}"\n'
                '  location            = var.location\n  resource_group_name = var.resource_group_name\n'
                f'  dns_prefix          = "{svc}"\n'
                f'  kubernetes_version  = "1.{rng.randint(27, 30)}.{rng.randint(0, 9)}"\n\n  default_node_pool {{\n'
                '    name       = "system"\n'
                f'    node_count = {rng.randint(1, 5)}\n    vm_size    = "{rng.choice(v.AZ_SIZES)}"\n'
                f'    vnet_subnet_id = azurerm_subnet.aks.id\n  }}\n\n'
                f'  identity {{\n    type = "SystemAssigned"\n  }}\n\n  network_profile {{\n'
                '    network_plugin = "azure"\n'
                f'    service_cidr   = "10.{rng.randint(100, 250)}.0.0/16"\n'
                f'    dns_service_ip = "10.{rng.randint(100, 250)}.0.10"\n  }}\n}}\n')
    if kind == 2:
        return (f'resource "azurerm_storage_account" "{ident}" {{\n'
                f'  name                     = "st{ident.replace("_", "")[:14]}${{var.environment}}"\n'
                '  resource_group_name      = var.resource_group_name\n  location                 = var.location\n'
                '  account_tier             = "Standard"\n'
                f'  account_replication_type = "{rng.choice(("LRS", "GRS", "ZRS"))}"\n'
                f'  min_tls_version          = "TLS1_2"\n\n  blob_properties {{\n    versioning_enabled = true\n  }}\n'
                f'}}\n')
    if kind == 3:
        return (f'data "azurerm_client_config" "current" {{}}\n\nresource "azurerm_key_vault" "{ident}" {{\n'
                f'  name                       = "kv-{svc[:16]}"\n  location                   = var.location\n'
                '  resource_group_name        = var.resource_group_name\n'
                '  tenant_id                  = data.azurerm_client_config.current.tenant_id\n'
                f'  sku_name                   = "standard"\n  soft_delete_retention_days = {rng.choice((7, 30, 90))}\n'
                f'  purge_protection_enabled   = true\n}}\n')
    if kind == 4:
        rules = []
        for i in range(rng.randint(1, 4)):
            rules.append(f'  security_rule {{\n'
                         '    name                       = '
                         f'"allow-{rng.choice(("https", "ssh", "postgres", "http-alt"))}-{i}"\n'
                         f'    priority                   = {100 + 10 * i}\n'
                         '    direction                  = "Inbound"\n    access                     = "Allow"\n'
                         '    protocol                   = "Tcp"\n    source_port_range          = "*"\n'
                         f'    destination_port_range     = "{rng.choice((22, 443, 5432, 8443))}"\n'
                         f'    source_address_prefix      = "{v.cidr(rng)}"\n'
                         f'    destination_address_prefix = "VirtualNetwork"\n  }}\n')
        return (f'resource "azurerm_network_security_group" "{ident}" {{\n  name                = "nsg-{svc}"\n'
                '  location            = var.location\n  resource_group_name = var.resource_group_name\n'
                '\n' + "\n".join(rules) + "}\n")
    if kind == 5:
        return (f'resource "azurerm_linux_virtual_machine" "{ident}" {{\n  name                = "vm-{svc}"\n'
                '  resource_group_name = var.resource_group_name\n  location            = var.location\n'
                f'  size                = "{rng.choice(v.AZ_SIZES)}"\n  admin_username      = "azureuser"\n'
                f'  network_interface_ids = [azurerm_network_interface.{ident}.id]\n\n  admin_ssh_key {{\n'
                '    username   = "azureuser"\n'
                f'    public_key = file("~/.ssh/id_ed25519.pub")\n  }}\n\n  os_disk {{\n'
                '    caching              = "ReadWrite"\n'
                f'    storage_account_type = "Premium_LRS"\n  }}\n\n  source_image_reference {{\n'
                '    publisher = "Canonical"\n'
                '    offer     = "0001-com-ubuntu-server-jammy"\n    sku       = "22_04-lts-gen2"\n'
                f'    version   = "latest"\n  }}\n}}\n')
    return (f'resource "azurerm_postgresql_flexible_server" "{ident}" {{\n  name                   = "psql-{svc}"\n'
            '  resource_group_name    = var.resource_group_name\n  location               = var.location\n'
            f'  version                = "{rng.choice((14, 15, 16))}"\n  administrator_login    = var.db_admin_login\n'
            '  administrator_password = var.db_admin_password\n'
            f'  storage_mb             = {rng.choice((32768, 65536, 131072))}\n'
            f'  sku_name               = "GP_Standard_D{rng.choice((2, 4, 8))}s_v3"\n'
            f'  delegated_subnet_id    = azurerm_subnet.db.id\n}}\n')
