#!/usr/bin/env python3
"""Static checks of the Docker setup, where no Docker engine runs.

Reads Dockerfile, docker-compose.yml, odoo.conf, .env.example, docker/*.txt and every
``__manifest__.py`` of a repository and returns what is wrong, one sentence a problem:

- every external dependency a manifest names is installed by the Dockerfile (docker/apt-runtime.txt
  or docker/pip-runtime.txt, and the Dockerfile's runtime stage installs those files);
- every path a service mounts exists, every named volume is declared, the build targets exist;
- odoo.conf's addons_path matches the mounts (and the image's copy of the repository);
- the healthchecks are present (db; odoo on /web/health, in compose and in the image);
- no default master password, and every ``${VARIABLE}`` of the compose file is in .env.example.

Run inside ``make test`` by logistics_suite_e2e's TestDockerCompose (also on tampered copies);
by hand: ``python3 scripts/compose_checks.py [repository]`` (exit status 1 when a check fails).
"""

import ast
import configparser
import glob
import os
import re
import sys

import yaml

# Where the odoo:18.0 image's Odoo package keeps Odoo's own addons.
ODOO_CORE_ADDONS = "/usr/lib/python3/dist-packages/odoo/addons"
# Python import names whose Debian/Ubuntu package is not python3-<name>.
DEBIAN_PACKAGE = {
    "yaml": "python3-yaml",
    "websocket": "python3-websocket",
    "PIL": "python3-pil",
    "dateutil": "python3-dateutil",
    "serial": "python3-serial",
    "usb": "python3-usb",
    "ldap": "python3-ldap",
}


def debian_package(module):
    return DEBIAN_PACKAGE.get(module, "python3-" + module.lower().replace("_", "-"))


def read(repo, name):
    with open(os.path.join(repo, name), encoding="utf-8") as handle:
        return handle.read()


def list_file(repo, name):
    """The entries of one of docker/*.txt, comments and blank lines dropped."""
    entries = []
    for line in read(repo, os.path.join("docker", name)).splitlines():
        entry = line.split("#", 1)[0].strip()
        if entry:
            entries.append(entry)
    return entries


def dockerfile_stages(text):
    """{stage name: [instruction, ...]} with continuation lines joined and comments dropped."""
    stages, current, pending = {}, None, ""
    for line in text.splitlines():
        if not pending and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        instruction = (pending + line).strip()
        pending = ""
        if not instruction:
            continue
        match = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", instruction, re.IGNORECASE)
        if match:
            current = match.group(2) or match.group(1)
            stages[current] = [instruction]
        elif current:
            stages[current].append(instruction)
    return stages


def manifests(repo):
    paths = sorted(glob.glob(os.path.join(repo, "*", "__manifest__.py")))
    paths += sorted(glob.glob(os.path.join(repo, "tests", "*", "__manifest__.py")))
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            yield os.path.relpath(path, repo), ast.literal_eval(handle.read())


def check_dependencies(repo):
    problems = []
    stages = dockerfile_stages(read(repo, "Dockerfile"))
    runtime = stages.get("runtime")
    if not runtime:
        return ["Dockerfile has no stage `runtime` (FROM odoo:18.0 AS runtime)"]
    if not runtime[0].split()[1] == "odoo:18.0":
        problems.append(f"Dockerfile: the runtime stage is not built on odoo:18.0 ({runtime[0]})")
    runs = [instruction for instruction in runtime if instruction.upper().startswith("RUN")]
    copies = " ".join(instruction for instruction in runtime if instruction.upper().startswith("COPY"))
    for name, installer in (("apt-runtime.txt", "apt-get install"), ("pip-runtime.txt", "pip")):
        if f"docker/{name}" not in copies or not any(installer in run and name in run for run in runs):
            problems.append(
                f"Dockerfile: the runtime stage does not install docker/{name} "
                f"(a COPY of it and a RUN with `{installer}` reading it)"
            )
    apt = set(list_file(repo, "apt-runtime.txt"))
    pip = {}
    for requirement in list_file(repo, "pip-runtime.txt"):
        name, _sep, version = requirement.partition("==")
        if not version:
            problems.append(f"docker/pip-runtime.txt: {requirement} is not pinned (name==version)")
        pip[name.strip().lower().replace("_", "-")] = requirement
    for path, manifest in manifests(repo):
        module = os.path.basename(os.path.dirname(path))
        external = manifest.get("external_dependencies", {})
        for dependency in external.get("python", []):
            package = debian_package(dependency)
            if package not in apt and dependency.lower().replace("_", "-") not in pip:
                problems.append(
                    f"{path}: external dependency '{dependency}' is installed by neither "
                    f"docker/apt-runtime.txt (expected {package}) nor docker/pip-runtime.txt, "
                    f"which the Dockerfile installs: {module} would not install in the image"
                )
        for binary in external.get("bin", []):
            if binary not in apt:
                problems.append(f"{path}: external binary '{binary}' is not named in docker/apt-runtime.txt")
    return problems


def volume_mounts(service):
    """[(source, target)] of a service; source None for an anonymous volume."""
    mounts = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            mounts.append((volume.get("source"), volume.get("target")))
        else:
            parts = volume.split(":")
            mounts.append((parts[0], parts[1]) if len(parts) > 1 else (None, parts[0]))
    return mounts


def is_bind(source):
    return bool(source) and source.startswith((".", "/", "~"))


def check_mounts(repo, compose):
    problems = []
    declared = set((compose.get("volumes") or {}).keys())
    stages = dockerfile_stages(read(repo, "Dockerfile"))
    for name, service in compose.get("services", {}).items():
        for source, target in volume_mounts(service):
            if is_bind(source):
                path = os.path.normpath(os.path.join(repo, source))
                if not os.path.exists(path):
                    problems.append(
                        f"docker-compose.yml: service {name} mounts {source} at {target}, which does not exist"
                    )
            elif source and source not in declared:
                problems.append(f"docker-compose.yml: service {name} uses volume {source}, not declared under volumes:")
        build = service.get("build")
        if build:
            context = build if isinstance(build, str) else build.get("context", ".")
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            if not os.path.isfile(os.path.join(repo, context, dockerfile)):
                problems.append(
                    f"docker-compose.yml: service {name} builds {context}/{dockerfile}, which does not exist"
                )
            target = None if isinstance(build, str) else build.get("target")
            if target and target not in stages:
                problems.append(f"docker-compose.yml: service {name} builds stage {target}, which the Dockerfile lacks")
    return problems


def repository_targets(repo, service):
    return [
        target
        for source, target in volume_mounts(service)
        if is_bind(source) and os.path.normpath(os.path.join(repo, source)) == os.path.normpath(repo)
    ]


def check_addons_path(repo, compose):
    problems = []
    conf = configparser.ConfigParser()
    conf.read_string(read(repo, "odoo.conf"))
    addons_path = [
        entry.strip() for entry in conf.get("options", "addons_path", fallback="").split(",") if entry.strip()
    ]
    services = compose.get("services", {})
    odoo = services.get("odoo", {})
    binds = [(source, target) for source, target in volume_mounts(odoo) if is_bind(source)]
    targets = repository_targets(repo, odoo)
    if not targets:
        problems.append("docker-compose.yml: service odoo does not mount the repository (./)")
    for target in targets:
        if target not in addons_path:
            problems.append(
                f"odoo.conf: addons_path {','.join(addons_path)} does not name {target}, "
                "where the odoo service mounts the repository"
            )
    for entry in addons_path:
        if entry == ODOO_CORE_ADDONS:
            continue
        inside = [
            (source, target)
            for source, target in binds
            if entry == target or entry.startswith(target.rstrip("/") + "/")
        ]
        if not inside:
            problems.append(
                f"odoo.conf: addons_path entry {entry} is neither mounted by the odoo service "
                f"({', '.join(target for _source, target in binds)}) nor Odoo's own addons ({ODOO_CORE_ADDONS})"
            )
            continue
        source, target = inside[0]
        local = os.path.join(repo, source, os.path.relpath(entry, target))
        if not os.path.isdir(local):
            problems.append(f"odoo.conf: addons_path entry {entry} is {local} here, which is no directory")
    conf_targets = [target for source, target in binds if os.path.normpath(source) == "odoo.conf"]
    if conf_targets != ["/etc/odoo/odoo.conf"]:
        problems.append(
            "docker-compose.yml: service odoo does not mount ./odoo.conf at /etc/odoo/odoo.conf "
            "(the entrypoint reads it)"
        )
    tests = services.get("tests")
    if tests is not None and repository_targets(repo, tests) != targets:
        problems.append("docker-compose.yml: services tests and odoo mount the repository at different paths")
    runtime = dockerfile_stages(read(repo, "Dockerfile")).get("runtime", [])
    baked = [instruction.split()[-1] for instruction in runtime if re.match(r"COPY\s+\.\s+\S+$", instruction)]
    if not any(target in addons_path for target in baked):
        problems.append(
            f"Dockerfile: the runtime stage copies the repository to {', '.join(baked) or 'nowhere'}, "
            f"not into odoo.conf's addons_path ({','.join(addons_path)})"
        )
    return problems


def check_healthchecks(repo, compose):
    problems = []
    services = compose.get("services", {})
    for name, needle in (("db", "pg_isready"), ("odoo", "/web/health")):
        check = (services.get(name) or {}).get("healthcheck") or {}
        test = check.get("test")
        test = " ".join(test) if isinstance(test, list) else str(test or "")
        if check.get("disable") or needle not in test:
            problems.append(f"docker-compose.yml: service {name} has no healthcheck on {needle}")
    for name in ("odoo", "tests"):
        service = services.get(name)
        if service is None:
            problems.append(f"docker-compose.yml: no service {name}")
            continue
        condition = ((service.get("depends_on") or {}).get("db") or {}).get("condition")
        if condition != "service_healthy":
            problems.append(f"docker-compose.yml: service {name} does not wait for db to be healthy")
    runtime = dockerfile_stages(read(repo, "Dockerfile")).get("runtime", [])
    if not any(instruction.startswith("HEALTHCHECK") and "/web/health" in instruction for instruction in runtime):
        problems.append("Dockerfile: the runtime stage has no HEALTHCHECK on /web/health")
    return problems


def check_settings(repo, compose):
    problems = []
    environment = (compose.get("services", {}).get("odoo") or {}).get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.partition("=")[::2] for item in environment)
    passwd = str(environment.get("ODOO_ADMIN_PASSWD", ""))
    if not re.fullmatch(r"\$\{ODOO_ADMIN_PASSWD(:?-)?\}", passwd):
        problems.append(
            f"docker-compose.yml: ODOO_ADMIN_PASSWD of service odoo is {passwd!r}, "
            "not ${ODOO_ADMIN_PASSWD:-} (no default master password)"
        )
    if not re.fullmatch(r"\$\{ODOO_LIST_DB:-False\}", str(environment.get("ODOO_LIST_DB", ""))):
        problems.append("docker-compose.yml: ODOO_LIST_DB of service odoo is not ${ODOO_LIST_DB:-False}")
    conf = configparser.ConfigParser()
    conf.read_string(read(repo, "odoo.conf"))
    if conf.has_option("options", "admin_passwd"):
        problems.append("odoo.conf: sets admin_passwd (the entrypoint sets it from ODOO_ADMIN_PASSWD)")
    if conf.get("options", "list_db", fallback="True") != "False":
        problems.append("odoo.conf: list_db is not False")
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]*)=", read(repo, ".env.example"), re.MULTILINE))
    for variable in sorted(set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", read(repo, "docker-compose.yml")))):
        if variable not in documented:
            problems.append(f"docker-compose.yml: ${{{variable}}} is not documented in .env.example")
    return problems


def check_all(repo):
    with open(os.path.join(repo, "docker-compose.yml"), encoding="utf-8") as handle:
        compose = yaml.safe_load(handle)
    return (
        check_dependencies(repo)
        + check_mounts(repo, compose)
        + check_addons_path(repo, compose)
        + check_healthchecks(repo, compose)
        + check_settings(repo, compose)
    )


if __name__ == "__main__":
    root = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = check_all(root)
    for problem in found:
        print("PROBLEM:", problem)
    print(f"compose checks: {len(found)} problem(s)")
    sys.exit(1 if found else 0)
