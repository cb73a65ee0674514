# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""playbooks/validate.yml on the example inventory and on broken copies of it (tests/integration/variants)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "playbooks" / "examples" / "inventory"
VARIANTS_DIR = Path(__file__).resolve().parent / "variants"
VARIANTS: list[dict[str, Any]] = yaml.safe_load((VARIANTS_DIR / "variants.yml").read_text())
PLAYBOOK_BIN = REPO / ".venv" / "bin" / "ansible-playbook"
TIMEOUT = 120


def run_validate(inventory: Path, extra_vars: dict[str, str]) -> tuple[int, str]:
    """Run the dry run like an operator would; return the exit status and everything printed."""
    command = [str(PLAYBOOK_BIN), "-i", str(inventory), "playbooks/validate.yml"]
    for key, value in extra_vars.items():
        command += ["-e", f"{key}={value}"]
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    done = subprocess.run(command, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=TIMEOUT, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


def flat(output: str) -> str:
    """The output with YAML line folding and quote doubling undone, so phrases match whole."""
    return " ".join(output.split()).replace("''", "'")


def _host_entry(hosts_doc: dict[str, Any], host: str) -> dict[str, Any]:
    groups = hosts_doc["all"]["children"]["kafka"]["children"]
    for group in groups.values():
        if host in group["hosts"]:
            if group["hosts"][host] is None:
                group["hosts"][host] = {}
            entry: dict[str, Any] = group["hosts"][host]
            return entry
    raise KeyError(host)


def build_variant(variant: dict[str, Any], root: Path) -> tuple[Path, dict[str, str]]:
    """Copy the example inventory and apply the variant's single change."""
    inventory = root / "inventory"
    shutil.copytree(str(EXAMPLE), str(inventory))
    hosts_path = inventory / "hosts.yml"
    vars_path = inventory / "group_vars" / "all.yml"
    hosts_doc = yaml.safe_load(hosts_path.read_text())
    vars_doc = yaml.safe_load(vars_path.read_text())
    for host, values in (variant.get("host_vars") or {}).items():
        entry = _host_entry(hosts_doc, host)
        for key, value in values.items():
            if value is None:
                entry.pop(key, None)
            else:
                entry[key] = value
    for group, hosts in (variant.get("add_hosts") or {}).items():
        hosts_doc["all"]["children"]["kafka"]["children"][group]["hosts"].update(hosts)
    for key, value in (variant.get("group_vars") or {}).items():
        if value is None:
            vars_doc.pop(key, None)
        else:
            vars_doc[key] = value
    hosts_path.write_text(yaml.safe_dump(hosts_doc, sort_keys=False))
    vars_path.write_text(yaml.safe_dump(vars_doc, sort_keys=False))
    extra: dict[str, str] = {}
    if variant.get("config_dir"):
        extra["zk2kraft_validate_config_dir"] = str(VARIANTS_DIR / variant["config_dir"])
    extra.update({k: str(v).replace("ROOT", str(root)) for k, v in (variant.get("extra_vars") or {}).items()})
    for name, content in (variant.get("local_files") or {}).items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if content == "DIR":
            target.mkdir(exist_ok=True)
        elif str(content).startswith("LINK:"):
            os.symlink(str(root / str(content)[5:]), str(target))
        else:
            target.write_bytes(str(content).encode("latin-1"))
    return inventory, extra


@pytest.fixture(scope="module", name="variant_runs")
def _variant_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[int, str]]:
    """Run every variant once, a few at a time: each run is a whole ansible-playbook start."""

    def one(variant: dict[str, Any]) -> tuple[str, tuple[int, str]]:
        inventory, extra = build_variant(variant, tmp_path_factory.mktemp(variant["id"]))
        return variant["id"], run_validate(inventory, extra)

    with ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 2) * 2)) as pool:
        return dict(pool.map(one, VARIANTS))


def test_example_inventory_is_valid() -> None:
    status, output = run_validate(EXAMPLE, {})
    assert status == 0, output
    for host in [f"kc{i}.example.com" for i in (1, 2, 3)] + [f"kb{i}.example.com" for i in range(1, 7)]:
        assert f"== {host} (" in output, host
    for phase in ("zookeeper", "controllers", "migration", "dual_write", "kraft"):
        assert f"[{phase}]" in output, phase
    assert "No violations: the cluster can be migrated as described." in output
    # Secrets from group_vars never reach the output.
    assert "changeit" not in output
    assert "listener.name.controller.plain.sasl.jaas.config=********" in output


@pytest.mark.parametrize("variant", VARIANTS, ids=[v["id"] for v in VARIANTS])
def test_variant(variant: dict[str, Any], variant_runs: dict[str, tuple[int, str]]) -> None:
    status, raw = variant_runs[variant["id"]]
    output = flat(raw)
    expect = variant["expect"]
    if expect["ok"]:
        assert status == 0, raw
        assert "WARNING {}: {}".format(expect["key"], expect["text"]) in output, output
    else:
        assert status != 0, raw
        # The failure message lists "host | key | message" for every error.
        line = "{} | {} | ".format(expect["host"], expect["key"])
        assert line in output, raw
        assert expect["text"] in output, raw
    upfront = "no host was contacted" in output
    if expect.get("before_any_host"):
        assert upfront, raw
    if upfront:
        # Refused on the Ansible controller by the input check (the plan task's own, since this dry run reads no
        # host): no host was contacted, no plan was built.
        assert "Look at the file" not in output and "Cluster: Kafka" not in output, raw
    else:
        # The report (printed as one block of text) groups the violation under its host.
        assert re.search(r"^ +{}:$".format(re.escape(expect["host"])), raw, re.MULTILINE), raw
    assert "changeit" not in output
    for raw_text in ("Traceback", "Errno", "KeyError", "exception occurred"):
        assert raw_text not in output, raw
