"""Passwords given on command lines and in a few line-based config formats.

Shell scripts, CI steps, Dockerfiles and shell history pass passwords as arguments:
`mysql -pSECRET`, `sshpass -p`, `docker login -p`, `mongosh -p`, `sqlcmd -P`, `redis-cli -a`,
`openssl ... -passin pass:SECRET`, `curl -u name:pass` (and `--user`, `--proxy-user`),
`htpasswd -b`, `echo SECRET | docker login --password-stdin`, PowerShell's
`ConvertTo-SecureString 'SECRET' -AsPlainText`, `rabbitmqctl add_user`, `chpasswd`, and the
`.netrc` and redis config lines, and SQL's `CREATE|ALTER USER|ROLE ... PASSWORD '...'` and
`IDENTIFIED BY '...'`. (`--password SECRET`, `-Password 'SECRET'` and
`PGPASSWORD=SECRET` are key/value pairs: the generic rule reads them.) Each form names the
command it belongs to, so `-p 8080:80` and `mkdir -p` never match. Where a user name is
written beside the password (`name:pass`), both parts are reported.
"""

import re

from preflight.secrets.heuristics import char_classes, is_placeholder, shannon_entropy
from preflight.secrets.rule import Rule, spans
from preflight.secrets.rules.assignments import user_part
from preflight.secrets.rules.pairs import DEV_DEFAULTS
from preflight.secrets.samples import Sample, password, pairs, rand, ALNUM

_Q = rb"""(?P<q>\\?["'])?"""
_V = rb"""(?P<s>(?(q)[^"'\n\\]+|[^\s"'|;&)<>\\]+))(?(q)\\?["'])"""
_ARGS = rb"[^\n|;&]*?\s"  # the command's other arguments, on the same command
_SQL_STRING = rb"""(?P<q>\\?["'])(?P<s>[^"'\n\\]+)\\?["']"""

# (literals one of which the line must hold, lower case; the form)
_FORMS = (
    ((b"sshpass",), rb"\bsshpass\s+(?:-[a-oq-zA-Z]\s*\S+\s+)*-p\s*" + _Q + _V),
    ((b"mysql", b"mariadb"), rb"\b(?:mysql|mysqldump|mysqladmin|mysqlsh|mysqlimport|mysqlcheck|"
                            rb"mysqlpump|mariadb|mariadb-dump)\b" + _ARGS + rb"-p" + _Q + _V),
    ((b"login",), rb"\b(?:docker|podman|buildah|nerdctl|skopeo|crane|regctl|cf|az|oc|"
                 rb"helm(?:\s+registry)?)\s+login\b" + _ARGS + rb"(?<=\s)(?:-p|--password)(?:=|\s+)"
                 + _Q + _V),
    ((b"mongo",), rb"\bmongo(?:sh|dump|restore|export|import|stat|top)?\b" + _ARGS + rb"-p\s+" + _Q + _V),
    ((b"sqlcmd", b"bcp", b"osql", b"isql"), rb"\b(?:sqlcmd|bcp|osql|isql)\b" + _ARGS + rb"-P\s*" + _Q + _V),
    ((b"redis-cli",), rb"\bredis-cli\b" + _ARGS + rb"-a\s+" + _Q + _V),
    ((b"pass:",), rb"(?<=\s)-(?:passin|passout|pass|password|passphrase|kpass|srppass)\s+" + _Q
                  + rb"pass:" + _V),
    ((b"htpasswd",), rb"\bhtpasswd\s+-(?=[A-Za-z]*b)(?=[A-Za-z]*n)[A-Za-z]+\s+(?P<user>[^\s\"']+)\s+"
                     + _Q + _V),
    ((b"htpasswd",), rb"\bhtpasswd\s+-(?=[A-Za-z]*b)(?![A-Za-z]*n)[A-Za-z]+\s+\S+\s+"
                     rb"(?P<user>[^\s\"']+)\s+" + _Q + _V),
    ((b"password-stdin",), rb"\b(?:echo|printf)\s+(?:-n\s+|'%s'\s+|\"%s\"\s+)?" + _Q + _V
     + rb"\s*\|\s*(?:sudo\s+)?(?:docker|podman|buildah|nerdctl|helm|oc|skopeo|crane)\b[^\n|;&]*"
       rb"--password-stdin"),
    ((b"convertto-securestring",), rb"(?i:ConvertTo-SecureString)\s+(?:-(?:AsPlainText|Force)\s+)*"
                                   rb"(?:-String\s+)?(?P<q>[\"'])(?P<s>[^\"'\n]+)[\"']"),
    ((b"rabbitmqctl",), rb"\brabbitmqctl\s+(?:add_user|change_password)\s+(?P<user>[^\s\"']+)\s+"
                        + _Q + _V),
    ((b"chpasswd",), rb"\b(?:echo|printf)\s+" + _Q + rb"(?P<user>[A-Za-z_][A-Za-z0-9_.-]*):" + _V
                     + rb"\s*\|\s*(?:sudo\s+)?chpasswd\b"),
    ((b"machine",), rb"\bmachine\s+\S+\s+login\s+(?P<user>\S+)\s+password\s+" + _Q + _V),
    ((b"requirepass", b"masterauth"), rb"(?m)^[ \t]*(?:requirepass|masterauth)[ \t]+" + _Q + _V),
    # SQL: MySQL/MariaDB `IDENTIFIED [WITH plugin] BY`, PostgreSQL `[ENCRYPTED] PASSWORD`; both
    # take a string literal, which tells them from prose ("identified by name")
    ((b"identified",), rb"(?i:\bIDENTIFIED\s+(?:WITH\s+[`'\"]?\w+[`'\"]?\s+)?BY\s+)" + _SQL_STRING),
    ((b"create ", b"alter "), rb"(?i:\b(?:CREATE|ALTER)\s+(?:USER|ROLE)\b[^\n;]*?\bPASSWORD\s+)"
                              + _SQL_STRING),
)
_FORM_RES = tuple((tokens, re.compile(f)) for tokens, f in _FORMS)
_USER_FLAGS = (b"-u", b"--user", b"--proxy-user", b"--basic-auth")
# `name:pass` after a user flag; any command (curl, wget, httpie, ...)
_USER_PASS = re.compile(rb"(?<=\s)(?:-u|--user|--proxy-user|--basic-auth)(?:=|\s*)" + _Q
                        + rb"(?P<user>[^\s:\"'@/$\\]+):(?!//)" + _V)
_HTTP_CLIENT = re.compile(rb"\b(?:curl|wget|http|https|xh|httpie|Invoke-WebRequest|Invoke-RestMethod)\b")


def _password_ok(secret, strict):
    text = secret.decode("utf-8", "replace")
    if len(text) < 4 or text.lower() in DEV_DEFAULTS or text.startswith(("-", "$", "%")):
        return False
    if is_placeholder(text):
        return False
    if strict:  # an arbitrary command's `-u a:b` is often user:group (`-u app:app`, `-u 1000:docker`)
        return char_classes(text) >= 2 and shannon_entropy(text) >= 2.5 and not text.isdigit()
    return shannon_entropy(text) >= 1.5


def find_command_passwords(row, ctx=None, windows=None):
    """Yield the password (and user name) of each command-line form in the module doc."""
    for pos, endpos in spans(row, windows):
        low = row[pos:endpos].lower()
        for tokens, regex in _FORM_RES:
            if not any(t in low for t in tokens):
                continue
            for m in regex.finditer(row, pos, endpos):
                if _password_ok(m.group("s"), strict=False):
                    yield m.start("s"), m.end("s"), "cli-password"
                    if "user" in regex.groupindex and m.group("user"):
                        user = user_part(row, *m.span("user"))
                        if user:
                            yield user
        if not any(f in low for f in _USER_FLAGS):
            continue
        for m in _USER_PASS.finditer(row, pos, endpos):
            line = row[row.rfind(b"\n", 0, m.start()) + 1:m.start()]
            strict = _HTTP_CLIENT.search(line) is None
            if m.group("s") != m.group("user") and _password_ok(m.group("s"), strict):
                yield m.start("s"), m.end("s"), "cli-password"
                user = user_part(row, *m.span("user"))
                if user:
                    yield user


def _samples(rng):
    p = password(rng)
    u = rng.choice(("deploy", "ci", "backup", "svc")) + rand(rng, ALNUM, 3)
    alone = [
        f"sshpass -p '{p}' ssh -o StrictHostKeyChecking=no ops@bastion uptime\n",
        f"RUN sshpass -p{p} scp build.tgz deploy@web:/srv\n",
        f"mysql -h db -u root -p{p} app < dump.sql\n",
        f'mysqldump --single-transaction -uroot -p"{p}" app > app.sql\n',
        f"docker login -u ci -p {p} registry.example.org\n",
        f"podman login registry.example.org --username ci --password={p}\n",
        f"az login --service-principal -u http://ci -p '{p}' --tenant contoso\n",
        f"mongosh --host db -u admin -p '{p}' --authenticationDatabase admin\n",
        f"sqlcmd -S db.internal -U sa -P '{p}' -Q 'SELECT 1'\n",
        f"redis-cli -h cache -a {p} ping\n",
        f"openssl pkcs12 -export -in c.crt -inkey c.key -out c.p12 -passout pass:{p}\n",
        f"openssl rsa -in key.pem -passin 'pass:{p}' -out plain.pem\n",
        f"echo '{p}' | docker login -u ci --password-stdin ghcr.io\n",
        f'$pw = ConvertTo-SecureString "{p}" -AsPlainText -Force\n',
        f"$cred = ConvertTo-SecureString -String '{p}' -AsPlainText -Force\n",
        f"requirepass {p}\nmaxmemory 2gb\n",
        f'{{"commands": ["mysql -uapp -p{p} -e \\"select 1\\""]}}\n',
        f"- name: dump\n  shell: mysqldump -u backup -p{p} --all-databases > /backup/all.sql\n",
        f"CREATE USER app WITH ENCRYPTED PASSWORD '{p}' CREATEDB;\n",
        f"    ALTER USER 'root'@'localhost' IDENTIFIED WITH mysql_native_password BY '{p}';\n",
        f"      create role grafana login password '{p}';\n",
        f"RUN echo \"CREATE USER 'app'@'%' IDENTIFIED BY '{p}';\" > /initdb.d/u.sql\n",
    ]
    with_user = [
        f"curl -sf -u {u}:{p} https://nexus.internal/service/rest\n",
        f'RUN curl --user "{u}:{p}" -O https://repo.internal/pkg.tgz\n',
        f"wget --user={u}:{p} https://repo.internal/x.tgz\n",
        f"http -a x --proxy-user {u}:{p} GET https://api.internal/\n",
        f"htpasswd -bc /etc/nginx/.htpasswd {u} '{p}'\n",
        f"htpasswd -nbB {u} {p} > users\n",
        f"rabbitmqctl add_user {u} '{p}'\n",
        f'echo "{u}:{p}" | chpasswd\n',
        f"machine ftp.example.org login {u} password {p}\n",
        f"$ deploy-tool -u {u}:{p} --target prod\n",
    ]
    return pairs(alone, p) + [Sample(d, ((p, None), (u, "credential-username"))) for d in with_user]


CLI_PASSWORD = Rule(
    id="cli-password", description="password given on a command line (or .netrc, redis.conf, SQL)",
    # each form's command and flag on one line, so only those lines are read
    prefilter=r"sshpass|(?:mysql|mariadb)[^\n|;&]*\s-p[^\s]|login[^\n]*\s(?:-p|--password)|"
              r"mongo[^\n|;&]*\s-p\s|(?:sqlcmd|bcp|osql|isql)[^\n|;&]*\s-P|redis-cli[^\n|;&]*\s-a\s|"
              r"\s-(?:passin|passout|pass|password|passphrase|kpass|srppass)\s+[\"']?pass:|htpasswd|"
              r"password-stdin|convertto-securestring|rabbitmqctl|chpasswd|machine[^\n]*password|"
              r"requirepass|masterauth|identified\s+(?:with\s+\S+\s+)?by\s|"
              r"(?:create|alter)\s+(?:user|role)\b[^\n;]*?password\s|"
              r"\s(?:-u|--user|--proxy-user|--basic-auth)(?:=|\s*)[\"']?[^\s:\"'@/$]+:[^\s\"'@$/]",
    caseless=True, locate=True, placeholder="REDACTED_PASSWORD", finder=find_command_passwords,
    priority=42, samples=_samples,
    near_misses=("docker run -p 8080:80 -u 1000:1000 nginx\nmkdir -p /srv/app\n",
                 "docker exec -u www-data:www-data app php artisan\nssh -p 2222 host\n",
                 'mysql -u root -p"$MYSQL_ROOT_PASSWORD" app\nmysql -uroot -proot\n',
                 "sshpass -p password ssh host\nsshpass -p \"${SSH_PASS}\" ssh host\n",
                 "docker login -u ci -p $CI_REGISTRY_PASSWORD $CI_REGISTRY\n",
                 "echo $TOKEN | docker login -u ci --password-stdin\n",
                 "openssl rsa -passin env:KEY_PASS -in k.pem\nopenssl x509 -passin file:pw.txt\n",
                 "curl -u admin:admin http://localhost\ncurl -u \"$USER:$PASS\" https://x\n",
                 "redis-cli -a <password> ping\nrequirepass foobared\n",
                 "htpasswd -b .htpasswd admin changeme\n",
                 "tar -czf - . | ssh -u backup:backup host\nchown -u nobody:nogroup file\n",
                 "CREATE USER app WITH PASSWORD :'app_password';\nALTER ROLE app PASSWORD NULL;\n",
                 "ALTER USER app IDENTIFIED BY '${DB_PASSWORD}';\n"
                 "CREATE USER x IDENTIFIED BY 'changeme';\n"))

COMMAND_RULES = (CLI_PASSWORD,)
