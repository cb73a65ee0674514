"""No secret leaves the files that must hold it, even at -vvv.

A secure run on the sandbox (SASL_SSL brokers, SSL controllers, secrets in the inventory and in every
server.properties): a live validation, a migration to the migration phase and a rollback, all at ``-vvv``. Every
secret value the sandbox holds (the inventory's passwords, the JAAS passwords and the key and trust store
passwords of the hosts' files) is then looked for in everything the runs produced: their stdout and stderr,
the reports directory, and on the hosts every log, the collection's record beside each config file, the
controllers' service units and any other file the runs left in the config directory. Only
``server.properties`` itself and its backups may hold them, and each backup keeps its file's mode.
Runs on the emulator in a few minutes (longer on a loaded machine).
"""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import yaml
from lib import HOSTS_DIR, SANDBOX_DIR  # noqa: E402  (conftest puts tests/sandbox on sys.path)
from playbook_runs import REPO, REPORTS, run_playbook  # noqa: E402

# The same rule the collection masks by (properties.is_secret_key), kept here so the test stands alone.
SECRET_WORDS = ("password", "secret", "token", "credentials")
JAAS_SECRET = re.compile(r'\b(?:password|user_[\w.-]+)\s*=\s*"([^"]+)"')
# Files the sandbox itself writes with secrets (its own inputs), not outputs of the collection.
SANDBOX_INPUTS = ("sandbox-admin.properties",)
BINARY_SUFFIXES = (".p12", ".jks", ".pid", ".lock")


def _is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(w in lowered for w in SECRET_WORDS) or lowered.endswith((".jaas.config", ".key"))


def _secret_values(data: Any, key: str = "") -> Iterator[str]:
    """Secret values anywhere in a nested structure: values of secret keys, and passwords inside JAAS texts."""
    if isinstance(data, Mapping):
        for k, v in data.items():
            yield from _secret_values(v, str(k))
    elif isinstance(data, list):
        for item in data:
            yield from _secret_values(item, key)
    elif isinstance(data, str):
        found = JAAS_SECRET.findall(data)
        yield from found
        if _is_secret_key(key) and not found and not data.startswith("{"):
            yield data


def _properties(path: Path) -> dict[str, str]:
    """key -> value of a .properties file, continuation lines joined (enough for the sandbox's files)."""
    props: dict[str, str] = {}
    logical = ""
    for line in path.read_text(encoding="latin-1").splitlines():
        stripped = line.strip()
        if not logical and (not stripped or stripped[0] in "#!"):
            continue
        if stripped.endswith("\\"):
            logical += stripped[:-1] + " "
            continue
        logical += stripped
        key, _sep, value = logical.partition("=")
        props[key.strip()] = value.strip()
        logical = ""
    return props


def sandbox_secrets() -> set[str]:
    secrets = set(_secret_values(yaml.safe_load((SANDBOX_DIR / "inventory_vars.yml").read_text())))
    for path in HOSTS_DIR.glob("*/etc-kafka/*.properties"):
        secrets.update(_secret_values(_properties(path)))
    # Short values would match by chance; the sandbox's secrets are all longer.
    return {s for s in secrets if len(s) >= 6}


def _is_backup(path: Path) -> bool:
    return re.fullmatch(r"server\.properties\.\d{8}T\d{6}Z(?:-\d+)?\.bak", path.name) is not None


def outputs_on_hosts() -> Iterator[Path]:
    """Every file on the hosts the runs could have written to, but server.properties and its backups."""
    for host in sorted(HOSTS_DIR.iterdir()):
        for path in sorted(host.rglob("*")):
            if not path.is_file() or path.is_symlink() or path.name.endswith(BINARY_SUFFIXES):
                continue
            relative = path.relative_to(host).parts
            if relative[0] in ("opt-kafka", "zookeeper") or path.name.startswith("ssh_host_"):
                continue  # the Kafka install and ZooKeeper's own data: not written by the collection
            if relative[0] == "etc-kafka" and (path.name == "server.properties" or _is_backup(path)
                                               or path.name in SANDBOX_INPUTS or "ssl" in relative):
                continue
            yield path


def _hits(text: str, secrets: set[str]) -> list[str]:
    return sorted(s[:3] + "..." for s in secrets if s in text)


def test_no_secret_in_any_output_of_a_secure_run(sandbox: Any) -> None:
    secrets = sandbox_secrets()
    assert {"keystore-secret", "truststore-secret", "admin-secret", "controller-secret"} <= secrets, sorted(
        s[:3] for s in secrets)
    before = set(REPORTS.glob("*")) if REPORTS.exists() else set()

    runs = [
        ("validate", run_playbook("validate.yml", "-vvv", "-e", "zk2kraft_validate_live=true")),
        # Controllers provisioned with their secrets and one broker roll, then a rollback (deprovision and
        # one roll back): every task that handles a secret, in a few minutes (dual-write adds only rolls).
        ("migrate", run_playbook("migrate.yml", "-vvv", "-e", "zk2kraft_stop_after=migration")),
        ("rollback", run_playbook("rollback.yml", "-vvv")),
    ]
    for name, run in runs:
        assert run.returncode == 0, f"{name} failed:\n{run.stdout[-6000:]}\n{run.stderr[-3000:]}"

    leaks: list[str] = []
    for name, run in runs:
        for stream, text in (("stdout", run.stdout), ("stderr", run.stderr)):
            found = _hits(text, secrets)
            if found:
                leaks.append(f"{name} {stream}: {found}")
    reports = [p for p in REPORTS.rglob("*") if p.is_file()] if REPORTS.exists() else []
    assert [p for p in reports if p not in before], f"the runs wrote no report in {REPORTS}"
    for path in reports + list(outputs_on_hosts()):
        found = _hits(path.read_text(encoding="latin-1"), secrets)
        if found:
            leaks.append(f"{path.relative_to(REPO)}: {found}")
    assert leaks == [], "secret values outside server.properties and its backups:\n" + "\n".join(leaks)

    # The files that hold them: every backup keeps its file's mode, and none is readable by every user.
    backups = sorted(HOSTS_DIR.glob("*/etc-kafka/server.properties.*.bak"))
    assert backups, "the runs made no backup"
    for backup in backups:
        current = backup.parent / "server.properties"
        mode = stat.S_IMODE(os.stat(backup).st_mode)
        if current.exists():  # a deprovisioned controller's file is gone, its backups stay
            assert mode == stat.S_IMODE(os.stat(current).st_mode), f"{backup} has mode {mode:04o}"
        assert not mode & 0o007, f"{backup} is readable by every user (mode {mode:04o})"
    # The collection's record beside each file is private.
    records = sorted(HOSTS_DIR.glob("*/etc-kafka/.server.properties.zk2kraft"))
    assert records, "kafka_properties left no record of what it wrote"
    for record in records:
        assert stat.S_IMODE(os.stat(record).st_mode) == 0o600, record
