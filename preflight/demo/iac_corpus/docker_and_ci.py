"""Dockerfiles, docker-compose files, bash deploy scripts and GitHub Actions workflows."""

import random

from preflight.demo.iac_corpus import vocabulary as v

_BUILD_STEPS = ("make build", "go build -o /out/app ./cmd/server", "npm ci && npm run build",
                "pip wheel --wheel-dir /wheels -r requirements.txt")
_VERBS = ("deploy", "rollback", "check", "sync", "backup", "rotate", "drain", "warm")


def dockerfile(rng: random.Random, size: int) -> str:
    """A Dockerfile, sometimes multi-stage, with up to 12 build steps."""
    app = v.name(rng)
    out = [f"# syntax=docker/dockerfile:1.{rng.randint(4, 7)}", f"# {v.note(rng)}"]
    multi = rng.random() < 0.5
    if multi:
        out += [f"FROM {v.base_image(rng)} AS build", "WORKDIR /src", "COPY . .",
                f"RUN {rng.choice(_BUILD_STEPS)}", ""]
    out += [f"FROM {v.base_image(rng)}", "", f"ARG APP_VERSION={v.semver(rng)}",
            f"ENV APP_HOME=/opt/{app} \\\n    PYTHONUNBUFFERED=1 \\\n    PORT={rng.choice((8080, 8000, 3000))}", ""]
    for _ in range(min(size, 12)):
        kind = rng.randint(0, 4)
        if kind <= 1:
            pkgs = " \\\n        ".join(v.pick(rng, v.APT_PACKAGES, 2, 8))
            out.append("RUN apt-get update \\\n    && apt-get install -y --no-install-recommends \\\n"
                       f"        {pkgs} \\\n"
                       "    && rm -rf /var/lib/apt/lists/*")
        elif kind == 2:
            out.append("RUN pip install --no-cache-dir " + " ".join(v.pick(rng, v.PIP_PACKAGES, 1, 5)))
        elif kind == 3:
            source = rng.choice(("/out/app", "dist/", "requirements.txt", "config/"))
            out.append(f"COPY {'--from=build ' if multi else ''}{source} ${{APP_HOME}}/")
        else:
            out.append(f"RUN useradd --system --uid {rng.choice((1000, 10001))} --home ${{APP_HOME}} "
                       f"{app.split('-')[0]} \\\n"
                       f"    && mkdir -p /var/log/{app} \\\n    && chown -R {app.split('-')[0]} /var/log/{app}")
    out += ["", f"WORKDIR ${{APP_HOME}}", f"EXPOSE {rng.choice((8080, 8000, 3000, 9090))}",
            f"USER {rng.choice(('nobody', '10001', app.split('-')[0]))}",
            f"HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:${{PORT}}/healthz || exit 1",
            f'ENTRYPOINT ["{rng.choice(("/usr/bin/tini", "/sbin/tini"))}", "--"]',
            "CMD " + rng.choice(v.CMDS)]
    return "\n".join(out) + "\n"


def shell_script(rng: random.Random, size: int) -> str:
    """A bash deploy helper: settings, logging helpers, `size` functions and a dispatcher."""
    app = v.name(rng)
    out = ["#!/usr/bin/env bash", f"# Deploy helper for {app}. {v.note(rng)}", "set -euo pipefail", "",
           f'ENVIRONMENT="${{ENVIRONMENT:-{rng.choice(v.ENVS)}}}"',
           f'REGION="${{AWS_REGION:-{rng.choice(v.AWS_REGIONS)}}}"',
           f'CLUSTER="${{CLUSTER:-{rng.choice(v.TEAMS)}-${{ENVIRONMENT}}}}"',
           f'IMAGE_TAG="${{IMAGE_TAG:-$(git rev-parse --short HEAD)}}"',
           f'BASTION_HOST="{v.private_ip(rng)}"', "",
           "log() { printf '%s [%s] %s\\n' \"$(date -u +%FT%TZ)\" \"$1\" \"$2\" >&2; }",
           "die() { log ERROR \"$*\"; exit 1; }", ""]
    for _ in range(size):
        kind = rng.randint(0, 6)
        fn = f"{rng.choice(_VERBS)}_{rng.choice(v.SERVICES)}"
        if kind == 0:
            body = (f'  log INFO "rolling out {app}:${{IMAGE_TAG}} to ${{CLUSTER}}"\n'
                    f'  kubectl --context "${{CLUSTER}}" -n "{rng.choice(v.TEAMS)}-${{ENVIRONMENT}}" set image '
                    f'deployment/{app} {app}="{v.image(rng, app).split(":")[0].split("@")[0]}:${{IMAGE_TAG}}"\n'
                    f'  kubectl --context "${{CLUSTER}}" -n "{rng.choice(v.TEAMS)}-${{ENVIRONMENT}}" rollout status '
                    f'deployment/{app} --timeout={rng.choice((120, 300, 600))}s')
        elif kind == 1:
            body = ('  local attempt=0\n'
                    f'  until curl -fsS "http://${{BASTION_HOST}}:{rng.choice((8080, 9000))}/healthz" >/dev/null; do\n'
                    '    attempt=$((attempt + 1))\n'
                    f'    [[ $attempt -ge {rng.randint(3, 20)} ]] && die "{app} did not become healthy"\n'
                    f'    sleep {rng.choice((1, 2, 5))}\n  done')
        elif kind == 2:
            body = (f'  terraform -chdir="infra/${{ENVIRONMENT}}" init -input=false\n'
                    f'  terraform -chdir="infra/${{ENVIRONMENT}}" plan -input=false -out=tfplan -var '
                    f'"image_tag=${{IMAGE_TAG}}"\n'
                    f'  terraform -chdir="infra/${{ENVIRONMENT}}" apply -input=false tfplan')
        elif kind == 3:
            body = (f'  local snapshot="{app}-$(date +%Y%m%d%H%M)"\n'
                    f'  aws rds create-db-snapshot --region "${{REGION}}" --db-instance-identifier '
                    f'"{app}-${{ENVIRONMENT}}" --db-snapshot-identifier "${{snapshot}}"\n'
                    f'  aws rds wait db-snapshot-available --region "${{REGION}}" --db-snapshot-identifier '
                    f'"${{snapshot}}"')
        elif kind == 4:
            body = (f'  case "${{ENVIRONMENT}}" in\n    prod) replicas={rng.randint(3, 12)} ;;\n'
                    f'    staging) replicas={rng.randint(1, 3)} ;;\n'
                    f'    *) replicas=1 ;;\n  esac\n  helm upgrade --install {app} charts/{app.split("-")[0]} \\\n'
                    f'    --namespace "{rng.choice(v.TEAMS)}-${{ENVIRONMENT}}" \\\n'
                    f'    --set image.tag="${{IMAGE_TAG}}" \\\n    --set replicaCount="${{replicas}}" \\\n'
                    f'    -f "values/${{ENVIRONMENT}}.yaml" --wait')
        elif kind == 5:
            body = (f'  for node in $(kubectl get nodes -l workload={rng.choice(v.ROLES)} -o name); do\n'
                    f'    kubectl drain "${{node}}" --ignore-daemonsets --delete-emptydir-data '
                    f'--timeout={rng.choice((60, 300))}s\n'
                    '  done')
        else:
            body = (f'  gcloud container clusters get-credentials "${{CLUSTER}}" --region {rng.choice(v.GCP_REGIONS)} '
                    f'--project "example-${{ENVIRONMENT}}"\n'
                    f'  DB_PASSWORD="$(gcloud secrets versions access latest --secret={app}-db-password)"\n'
                    '  export DB_PASSWORD')
        out.append(f"{fn}() {{\n{body}\n}}\n")
    out += ['main() {', '  [[ $# -ge 1 ]] || die "usage: $0 <command>"', '  local cmd="$1"; shift', '  "$cmd" "$@"',
            "}", "", 'main "$@"']
    return "\n".join(out) + "\n"


def compose(rng: random.Random, size: int) -> str:
    """A docker-compose file with `size` services on one private network."""
    out = [f"# {v.note(rng)}", "services:"]
    names = []
    for _ in range(max(1, size)):
        app = v.name(rng)
        names.append(app)
        out += [f"  {app}:", f"    image: {v.image(rng, app) if rng.random() < 0.6 else v.base_image(rng)}",
                "    restart: unless-stopped", "    environment:",
                f"      ENVIRONMENT: {rng.choice(v.ENVS)}",
                f"      DATABASE_URL: postgres://{app.split('-')[0]}@db:5432/{app.split('-')[0]}",
                f"      DATABASE_PASSWORD: ${{DATABASE_PASSWORD:?set it in .env}}", "    ports:",
                f"      - \"127.0.0.1:{rng.randint(3000, 9999)}:{rng.choice((8080, 3000, 5432, 6379))}\""]
        if len(names) > 1 and rng.random() < 0.6:
            out += ["    depends_on:", f"      - {names[rng.randrange(len(names) - 1)]}"]
        if rng.random() < 0.5:
            out += ["    healthcheck:",
                    f"      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost:{rng.choice((8080, 3000))}/health\"]",
                    f"      interval: {rng.choice((10, 30))}s", "      retries: 3"]
        out += ["    networks:", "      - backend", ""]
    out += ["networks:", "  backend:", "    ipam:", "      config:", f"        - subnet: {v.cidr(rng)}"]
    return "\n".join(out) + "\n"


def github_actions(rng: random.Random, size: int) -> str:
    """A GitHub Actions workflow with about size/2 jobs; credentials come from `secrets.*`."""
    app = v.name(rng)
    out = [f"name: {rng.choice(('CI', 'Deploy', 'Terraform', 'Release', 'Build and push'))} {app}", "", "on:",
           "  push:",
           "    branches: [main]", "  pull_request:", "    paths:", f"      - \"services/{app}/**\"", "",
           "permissions:", "  contents: read", "  id-token: write", "", "env:",
           f"  AWS_REGION: {rng.choice(v.AWS_REGIONS)}", f"  IMAGE: {v.image(rng, app).split(':')[0].split('@')[0]}",
           "", "jobs:"]
    for j in range(max(1, size // 2)):
        job = rng.choice(("test", "lint", "build", "plan", "deploy", "scan", "integration"))
        out += [f"  {job}-{j}:", f"    runs-on: {rng.choice(('ubuntu-latest', 'ubuntu-22.04', 'self-hosted'))}",
                f"    timeout-minutes: {rng.choice((10, 20, 30, 60))}", "    steps:",
                f"      - uses: actions/checkout@{rng.choice(('v4', v.hex_digits(rng, 40)))}"]
        for kind in sorted(rng.sample(range(5), rng.randint(1, 5))):
            if kind == 0:
                out += ["      - uses: actions/setup-python@v5", "        with:",
                        f"          python-version: \"{rng.choice(('3.10', '3.11', '3.12'))}\""]
            elif kind == 1:
                out += ["      - name: Run tests", "        run: |", "          pip install -r requirements.txt",
                        f"          pytest -q --maxfail={rng.randint(1, 5)} tests/"]
            elif kind == 2:
                out += ["      - uses: aws-actions/configure-aws-credentials@v4", "        with:",
                        f"          role-to-assume: arn:aws:iam::{rng.choice(v.ACCOUNT_IDS)}:role/github-{app}",
                        "          aws-region: ${{ env.AWS_REGION }}"]
            elif kind == 3:
                out += ["      - name: Terraform plan", f"        working-directory: infra/{rng.choice(v.ENVS)}",
                        "        env:", "          TF_VAR_db_password: ${{ secrets.DB_PASSWORD }}",
                        "        run: terraform init -input=false && terraform plan -input=false -no-color"]
            else:
                out += ["      - name: Build and push", "        env:",
                        "          REGISTRY_TOKEN: ${{ secrets.REGISTRY_TOKEN }}",
                        "        run: |",
                        '          echo "$REGISTRY_TOKEN" | docker login ghcr.io -u "${{ github.actor }}" '
                        '--password-stdin',
                        "          docker build -t \"$IMAGE:${{ github.sha }}\" .",
                        "          docker push \"$IMAGE:${{ github.sha }}\""]
        out.append("")
    return "\n".join(out)
