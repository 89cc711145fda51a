"""Ansible playbooks (plays of tasks and handlers) and INI inventories."""

import random

from preflight.demo.iac_corpus import vocabulary as v


def _ansible_task(rng: random.Random) -> str:
    svc = v.name(rng)
    kind = rng.randint(0, 11)
    if kind == 0:
        pkgs = "\n".join(f"      - {p}" for p in v.pick(rng, v.APT_PACKAGES, 2, 7))
        return (f"    - name: Install base packages\n      ansible.builtin.apt:\n        name:\n{pkgs}\n"
                "        state: present\n        update_cache: true\n        cache_valid_time: 3600\n")
    if kind == 1:
        return (f"    - name: Render {svc} configuration\n      ansible.builtin.template:\n        src: {svc}.conf.j2\n"
                f"        dest: /etc/{svc}/{svc}.conf\n        owner: root\n"
                f"        group: \"{{{{ {svc.replace('-', '_')}_group }}}}\"\n"
                f"        mode: \"0640\"\n      notify: Restart {svc}\n")
    if kind == 2:
        return (f"    - name: Ensure {svc} is running\n      ansible.builtin.systemd:\n        name: {svc}\n"
                "        state: started\n        enabled: true\n        daemon_reload: true\n")
    if kind == 3:
        return (f"    - name: Create service user\n      ansible.builtin.user:\n        name: {svc.split('-')[0]}\n"
                f"        system: true\n        shell: /usr/sbin/nologin\n        home: /var/lib/{svc}\n")
    if kind == 4:
        version = v.semver(rng)
        return (f"    - name: Download {svc} release\n      ansible.builtin.get_url:\n"
                f"        url: https://releases.{rng.choice(v.DOMAINS)}/{svc}/v{version}/{svc}-linux-amd64.tar.gz\n"
                f"        dest: /tmp/{svc}-{version}.tar.gz\n        checksum: \"sha256:{v.hex_digits(rng, 64)}\"\n"
                "        mode: \"0644\"\n")
    if kind == 5:
        return ("    - name: Allow traffic from the private network\n      community.general.ufw:\n"
                "        rule: allow\n"
                f"        port: \"{rng.choice((22, 443, 5432, 9100, 8080))}\"\n        proto: tcp\n"
                f"        from_ip: {v.cidr(rng)}\n")
    if kind == 6:
        return (f"    - name: Set {svc} database password\n      ansible.builtin.lineinfile:\n"
                f"        path: /etc/{svc}/env\n"
                "        regexp: '^DB_PASSWORD='\n"
                f"        line: \"DB_PASSWORD={{{{ vault_{svc.replace('-', '_')}_db_password }}}}\"\n"
                "        mode: \"0600\"\n      no_log: true\n")
    if kind == 7:
        return (f"    - name: Check {svc} health\n      ansible.builtin.uri:\n"
                f"        url: http://{{{{ ansible_host }}}}:{rng.choice((8080, 9000, 3000))}/healthz\n"
                f"        status_code: 200\n      register: health\n      retries: {rng.randint(3, 10)}\n"
                f"      delay: {rng.choice((2, 5, 10))}\n"
                "      until: health.status == 200\n")
    if kind == 8:
        return (f"    - name: Run {svc} container\n      community.docker.docker_container:\n        name: {svc}\n"
                f"        image: \"{v.image(rng, svc)}\"\n        restart_policy: unless-stopped\n"
                "        published_ports:\n"
                f"          - \"127.0.0.1:{rng.randint(8000, 9000)}:8080\"\n        env:\n"
                f"          ENVIRONMENT: \"{{{{ env_name }}}}\"\n"
                f"          API_TOKEN: \"{{{{ vault_{svc.replace('-', '_')}_api_token }}}}\"\n")
    if kind == 9:
        return (f"    - name: Check out {svc}\n      ansible.builtin.git:\n"
                f"        repo: https://git.{rng.choice(v.DOMAINS)}/{rng.choice(v.TEAMS)}/{svc}.git\n"
                f"        dest: /opt/{svc}\n"
                f"        version: \"{rng.choice(('main', 'v' + v.semver(rng), v.hex_digits(rng, 40)))}\"\n")
    if kind == 10:
        return (f"    - name: Migrate {svc} schema\n"
                f"      ansible.builtin.command: /opt/{svc}/bin/migrate --env {{{{ env_name }}}}\n"
                "      register: migrate\n      changed_when: \"'applied' in migrate.stdout\"\n"
                f"      when: inventory_hostname == groups['{svc.split('-')[0]}'][0]\n")
    return ("    - name: Tune kernel parameters\n      ansible.posix.sysctl:\n"
            "        name: "
            f"{rng.choice(('net.core.somaxconn', 'vm.max_map_count', 'fs.file-max', 'net.ipv4.ip_local_port_range'))}\n"
            f"        value: \"{rng.choice((65535, 262144, 2097152, 1024))}\"\n        state: present\n"
            "        reload: true\n")


def document(rng: random.Random, size: int) -> str:
    """A playbook (one play: vars, 2*size+1 tasks, a handler) or, one time in seven, an INI inventory."""
    if rng.random() < 0.15:
        out = []
        for _ in range(max(1, size // 2)):
            group = rng.choice(v.SERVICES)
            out.append(f"[{group}]")
            for i in range(rng.randint(1, 6)):
                out.append(f"{group}-{i + 1:02d}.{rng.choice(v.ENVS)}.{rng.choice(v.DOMAINS)} "
                           f"ansible_host={v.private_ip(rng)}")
            out.append("")
        out += ["[all:vars]", "ansible_user=deploy", "ansible_python_interpreter=/usr/bin/python3"]
        return "\n".join(out) + "\n"
    svc = v.name(rng)
    head = (f"---\n# {v.note(rng)}\n- name: Configure {svc}\n  hosts: {svc.split('-')[0]}\n  become: true\n"
            f"  vars:\n    {svc.replace('-', '_')}_version: \"{v.semver(rng)}\"\n    env_name: {rng.choice(v.ENVS)}\n"
            f"    listen_address: \"{v.private_ip(rng)}\"\n  tasks:\n")
    tasks = "\n".join(_ansible_task(rng) for _ in range(size * 2 + 1))
    handlers = (f"\n  handlers:\n    - name: Restart {svc}\n      ansible.builtin.service:\n"
                f"        name: {svc}\n        state: restarted\n")
    return head + tasks + handlers
