"""Kubernetes manifests (multi-document YAML) and Helm charts (values.yaml and templates)."""

import random

from preflight.demo.iac_corpus import vocabulary as v


def _k8s_labels(app: str, indent: str) -> str:
    return f"{indent}app.kubernetes.io/name: {app}\n{indent}app.kubernetes.io/part-of: {app.split('-')[0]}\n"


def _env_pair(rng: random.Random, port: int) -> tuple:
    kind = rng.randint(0, 7)
    if kind == 0:
        return "LOG_LEVEL", rng.choice(("info", "debug", "warn"))
    if kind == 1:
        return "PORT", f'"{port}"'
    if kind == 2:
        return "REDIS_URL", f"redis://{v.name(rng)}.{rng.choice(v.ENVS)}.svc.cluster.local:6379/{rng.randint(0, 3)}"
    if kind == 3:
        return "OTEL_EXPORTER_OTLP_ENDPOINT", "http://otel-collector.observability:4317"
    if kind == 4:
        return "WORKERS", f'"{rng.choice((2, 4, 8))}"'
    if kind == 5:
        return "TZ", rng.choice(("UTC", "Europe/Berlin", "America/New_York"))
    if kind == 6:
        return "UPSTREAM_ADDR", f"{v.private_ip(rng)}:{rng.choice((8080, 9000, 50051))}"
    return "ENVIRONMENT", rng.choice(v.ENVS)


def _k8s_container(rng: random.Random, app: str, indent: str) -> str:
    port = rng.choice((8080, 8000, 3000, 9000, 5000, 80))
    out = [f"{indent}- name: {app}", f"{indent}  image: {v.image(rng, app)}",
           f"{indent}  imagePullPolicy: {rng.choice(('IfNotPresent', 'Always'))}",
           f"{indent}  ports:", f"{indent}    - name: http", f"{indent}      containerPort: {port}",
           f"{indent}  env:"]
    for _ in range(rng.randint(1, 6)):
        kind = rng.randint(0, 4)
        if kind == 0:
            out += [f"{indent}    - name: DATABASE_PASSWORD", f"{indent}      valueFrom:",
                    f"{indent}        secretKeyRef:",
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
    out += [f"{indent}  resources:", f"{indent}    requests:", f"{indent}      cpu: {cpu}",
            f"{indent}      memory: {mem}",
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
        out += [f"{indent}  securityContext:", f"{indent}    runAsNonRoot: true",
                f"{indent}    runAsUser: {rng.choice((1000, 10001, 65532))}",
                f"{indent}    readOnlyRootFilesystem: true", f"{indent}    allowPrivilegeEscalation: false"]
    return "\n".join(out) + "\n"


def _k8s_manifest(rng: random.Random) -> str:
    app, ns = v.name(rng), f"{rng.choice(v.TEAMS)}-{rng.choice(v.ENVS)}"
    meta = f"metadata:\n  name: {app}\n  namespace: {ns}\n  labels:\n{_k8s_labels(app, '    ')}"
    kind = rng.randint(0, 10)
    if kind <= 2:
        return (f"apiVersion: apps/v1\nkind: Deployment\n{meta}spec:\n  replicas: {rng.randint(1, 12)}\n"
                f"  revisionHistoryLimit: {rng.choice((3, 5, 10))}\n  selector:\n    matchLabels:\n"
                f"      app.kubernetes.io/name: {app}\n"
                f"  strategy:\n    type: RollingUpdate\n    rollingUpdate:\n      maxSurge: {rng.choice(('25%', 1))}\n"
                "      maxUnavailable: 0\n"
                f"  template:\n    metadata:\n      labels:\n{_k8s_labels(app, '        ')}"
                "      annotations:\n        prometheus.io/scrape: \"true\"\n"
                f"        prometheus.io/port: \"{rng.choice((9090, 8080, 9102))}\"\n"
                f"    spec:\n      serviceAccountName: {app}\n      containers:\n{_k8s_container(rng, app, '        ')}"
                f"      volumes:\n        - name: config\n          configMap:\n            name: {app}-config\n")
    if kind == 3:
        svc_type = rng.choice(("ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"))
        extra = ""
        if svc_type == "LoadBalancer":
            extra = (f"  loadBalancerSourceRanges:\n    - {v.cidr(rng)}\n"
                     f"  loadBalancerIP: {v.private_ip(rng)}\n")
        return (f"apiVersion: v1\nkind: Service\n{meta}spec:\n  type: {svc_type}\n  selector:\n"
                f"    app.kubernetes.io/name: {app}\n"
                f"  ports:\n    - name: http\n      port: {rng.choice((80, 8080, 443))}\n      targetPort: http\n"
                f"      protocol: TCP\n{extra}")
    if kind == 4:
        host = f"{app}.{rng.choice(v.ENVS)}.{rng.choice(v.DOMAINS)}"
        return (f"apiVersion: networking.k8s.io/v1\nkind: Ingress\n{meta}  annotations:\n"
                f"    cert-manager.io/cluster-issuer: letsencrypt-{rng.choice(('prod', 'staging'))}\n"
                f"    nginx.ingress.kubernetes.io/proxy-body-size: {rng.choice(('8m', '16m', '50m'))}\n"
                f"spec:\n  ingressClassName: {rng.choice(('nginx', 'alb', 'traefik'))}\n  tls:\n    - hosts:\n"
                f"        - {host}\n"
                f"      secretName: {app}-tls\n  rules:\n    - host: {host}\n      http:\n        paths:\n"
                "          - path: /\n"
                "            pathType: Prefix\n            backend:\n              service:\n"
                f"                name: {app}\n"
                "                port:\n                  name: http\n")
    if kind == 5:
        lines = [f"  {k}: {v}" for k, v in (("log.level", rng.choice(("info", "debug", "warn"))),
                                            ("http.port", f'"{rng.choice((8080, 8000))}"'),
                                            ("db.host", f"{v.name(rng)}.{rng.choice(v.ENVS)}.svc.cluster.local"),
                                            ("db.pool.size", f'"{rng.randint(5, 50)}"'),
                                            ("cache.ttl", f'"{rng.choice((60, 300, 3600))}s"'),
                                            ("upstream.url", f"http://{v.private_ip(rng)}:{rng.choice((8080, 9000))}"))
                 if rng.random() < 0.8]
        conf = (f"  application.yaml: |\n    server:\n      port: {rng.choice((8080, 8000))}\n"
                "      shutdown: graceful\n"
                f"    feature-flags:\n      new-checkout: {rng.choice(('true', 'false'))}\n"
                f"      batch-size: {rng.randint(10, 1000)}\n")
        return f"apiVersion: v1\nkind: ConfigMap\n{meta}data:\n" + "\n".join(lines) + "\n" + conf
    if kind == 6:
        return (f"apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n{meta}spec:\n  scaleTargetRef:\n"
                f"    apiVersion: apps/v1\n    kind: Deployment\n    name: {app}\n  minReplicas: {rng.randint(1, 3)}\n"
                f"  maxReplicas: {rng.randint(4, 40)}\n  metrics:\n    - type: Resource\n      resource:\n"
                "        name: cpu\n"
                "        target:\n          type: Utilization\n"
                f"          averageUtilization: {rng.choice((60, 70, 75, 80))}\n")
    if kind == 7:
        verbs = ", ".join(v.pick(rng, ("get", "list", "watch", "create", "update", "patch", "delete"), 2, 5))
        identity = ("eks.amazonaws.com/role-arn: "
                    f"arn:aws:iam::{rng.choice(v.ACCOUNT_IDS)}:role/{app}" if rng.random() < 0.6
                    else f"azure.workload.identity/client-id: {v.uuid_like(rng)}")
        return (f"apiVersion: v1\nkind: ServiceAccount\n{meta}"
                f"  annotations:\n    {identity}\n---\n"
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\n{meta}rules:\n  - apiGroups: [\"\"]\n"
                f"    resources: [\"configmaps\", \"pods\"]\n    verbs: [{verbs}]\n---\n"
                f"apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\n{meta}roleRef:\n"
                "  apiGroup: rbac.authorization.k8s.io\n"
                f"  kind: Role\n  name: {app}\nsubjects:\n  - kind: ServiceAccount\n    name: {app}\n"
                f"    namespace: {ns}\n")
    if kind == 8:
        return (f"apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n{meta}spec:\n  podSelector:\n"
                "    matchLabels:\n"
                f"      app.kubernetes.io/name: {app}\n  policyTypes:\n    - Ingress\n    - Egress\n  ingress:\n"
                "    - from:\n"
                "        - namespaceSelector:\n            matchLabels:\n"
                f"              kubernetes.io/metadata.name: {rng.choice(('ingress-nginx', 'monitoring', ns))}\n"
                f"        - ipBlock:\n            cidr: {v.cidr(rng)}\n      ports:\n        - protocol: TCP\n"
                f"          port: {rng.choice((8080, 443, 9090))}\n"
                "  egress:\n    - to:\n        - ipBlock:\n            cidr: 10.0.0.0/8\n")
    if kind == 9:
        return (f"apiVersion: batch/v1\nkind: CronJob\n{meta}spec:\n"
                f"  schedule: \"{rng.randint(0, 59)} {rng.randint(0, 23)} * * {rng.choice(('*', '1-5', '0'))}\"\n"
                f"  concurrencyPolicy: Forbid\n  successfulJobsHistoryLimit: {rng.randint(1, 5)}\n  jobTemplate:\n"
                "    spec:\n"
                f"      backoffLimit: {rng.randint(0, 6)}\n      template:\n        spec:\n"
                "          restartPolicy: OnFailure\n"
                f"          containers:\n{_k8s_container(rng, app, '            ')}")
    return (f"apiVersion: apps/v1\nkind: StatefulSet\n{meta}spec:\n  serviceName: {app}\n"
            f"  replicas: {rng.choice((1, 3, 5))}\n"
            f"  selector:\n    matchLabels:\n      app.kubernetes.io/name: {app}\n  template:\n    metadata:\n"
            "      labels:\n"
            f"{_k8s_labels(app, '        ')}    spec:\n      containers:\n{_k8s_container(rng, app, '        ')}"
            "  volumeClaimTemplates:\n    - metadata:\n        name: data\n      spec:\n"
            "        accessModes: [\"ReadWriteOnce\"]\n"
            f"        storageClassName: {rng.choice(('gp3', 'standard-rwo', 'managed-premium'))}\n        resources:\n"
            f"          requests:\n            storage: {rng.choice((10, 20, 50, 100, 500))}Gi\n")


def manifests(rng: random.Random, size: int) -> str:
    """About size/2 Kubernetes manifests in one multi-document YAML file."""
    head = f"# {v.note(rng)}\n" if rng.random() < 0.3 else ""
    return head + "---\n".join(_k8s_manifest(rng) for _ in range(max(1, size // 2 + rng.randint(0, 1))))


def helm_values(rng: random.Random, size: int) -> str:
    """A Helm chart's values.yaml with `size` extra dependency sections."""
    app = v.name(rng)
    ref = v.image(rng, app)
    if "@" in ref:
        repo, digest = ref.split("@")
        pin = f'  digest: "{digest}"'
    else:
        repo, tag = ref.rsplit(":", 1)
        pin = f'  tag: "{tag}"'
    out = [f"# Default values for {app}.", "# This is a YAML-formatted file.", "",
           f"replicaCount: {rng.randint(1, 6)}", "", "image:", f"  repository: {repo}", pin,
           "  pullPolicy: IfNotPresent", "", "imagePullSecrets: []",
           'nameOverride: ""', "", "serviceAccount:", "  create: true", "  annotations: {}", "",
           "service:", f"  type: {rng.choice(('ClusterIP', 'NodePort'))}", f"  port: {rng.choice((80, 8080))}", "",
           "ingress:", f"  enabled: {rng.choice(('true', 'false'))}", "  className: nginx", "  hosts:",
           f"    - host: {app}.{rng.choice(v.DOMAINS)}", "      paths:", "        - path: /",
           "          pathType: ImplementationSpecific", "",
           "resources:", "  limits:", f"    memory: {rng.choice(('256Mi', '512Mi', '1Gi'))}", "  requests:",
           f"    cpu: {rng.choice(('100m', '250m'))}", f"    memory: {rng.choice(('128Mi', '256Mi'))}", "",
           "autoscaling:", f"  enabled: {rng.choice(('true', 'false'))}", "  minReplicas: 1",
           f"  maxReplicas: {rng.randint(3, 20)}", f"  targetCPUUtilizationPercentage: {rng.choice((70, 80))}", ""]
    for _ in range(size):
        section = rng.choice(v.SERVICES)
        out += [f"{section}:", f"  enabled: {rng.choice(('true', 'false'))}",
                f"  host: {v.name(rng)}.{rng.choice(v.ENVS)}.svc.cluster.local",
                f"  port: {rng.choice((5432, 6379, 9092, 8080))}",
                f"  existingSecret: {section}-credentials", f"  timeoutSeconds: {rng.choice((5, 10, 30))}",
                "  extraEnv:", f"    - name: {section.upper()}_MODE",
                f"      value: {rng.choice(('active', 'passive', 'readonly'))}", ""]
    out += ["nodeSelector: {}", "", "tolerations: []", "", "affinity: {}"]
    return "\n".join(out) + "\n"


def helm_template(rng: random.Random, size: int) -> str:
    """A Helm Deployment template full of `{{ .Values.* }}` and `include` calls."""
    chart = rng.choice(v.SERVICES)
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
        section = rng.choice(v.SERVICES)
        out += [f"            - name: {section.upper()}_HOST",
                f"              value: {{{{ .Values.{section}.host | quote }}}}",
                f"            - name: {section.upper()}_PASSWORD", "              valueFrom:",
                "                secretKeyRef:",
                f"                  name: {{{{ .Values.{section}.existingSecret }}}}",
                "                  key: password"]
    out += ["          resources:", "            {{- toYaml .Values.resources | nindent 12 }}",
            "      {{- with .Values.nodeSelector }}", "      nodeSelector:", "        {{- toYaml . | nindent 8 }}",
            "      {{- end }}"]
    return "\n".join(out) + "\n"
