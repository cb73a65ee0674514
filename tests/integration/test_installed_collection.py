# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The collection as an operator gets it: the built tarball, installed into a path of its own.

Builds the tarball, checks it carries no test infrastructure, installs it with ansible-galaxy into a
temporary collections path, and runs the playbooks by their fully qualified names from a directory of
the operator's, with nothing of this repository on Ansible's paths. Reports must land on the operator's
side, never inside the installed collection.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
TIMEOUT = 180
# Nothing of this kind may ship: tests, the sandbox, dev tooling and configuration.
FORBIDDEN_TOP = {"tests", "molecule", "Makefile", "pytest.ini", "requirements-dev.txt", ".config", ".ci", "build",
                 ".venv", "ansible.cfg", ".ansible-lint", "reports"}
FORBIDDEN_ANYWHERE = re.compile(r"(^|/)(__pycache__|\.pytest_cache|\.hypothesis)(/|$)|\.pyc$|\.tar\.gz$")


def run(command: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str]:
    done = subprocess.run(command, cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=TIMEOUT, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


def operator_env(collections: Path, workdir: Path) -> dict[str, str]:
    """Ansible as an operator runs it: the installed collection only, no repository configuration."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env.update(ANSIBLE_COLLECTIONS_PATH=str(collections), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false",
               ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_HOST_KEY_CHECKING="false",
               ANSIBLE_LOCALHOST_WARNING="false", PWD=str(workdir),
               PATH="{}:{}".format(BIN, os.environ.get("PATH", "")))
    return env


def tree(root: Path) -> dict[str, float]:
    return {str(p.relative_to(root)): p.stat().st_mtime for p in root.rglob("*")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("installed")
    dist, collections, workdir = base / "dist", base / "collections", base / "operator"
    workdir.mkdir()
    env = operator_env(collections, workdir)
    rc, out = run([str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(dist), str(REPO)],
                  REPO, env)
    assert rc == 0, out
    tarball = next(dist.glob("zk2kraft-migration-*.tar.gz"))
    # --force: a copy installed in a default collections path must not make this a no-op.
    rc, out = run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(collections),
                   str(tarball)], workdir, env)
    assert rc == 0, out
    root = collections / "ansible_collections" / "zk2kraft" / "migration"
    assert (root / "MANIFEST.json").exists(), out
    # The operator's copy of the example inventory, at the path the README's commands use.
    shutil.copytree(root / "playbooks" / "examples" / "inventory", workdir / "playbooks" / "examples" / "inventory")
    return {"tarball": tarball, "collections": collections, "root": root, "workdir": workdir}


def test_the_tarball_carries_no_test_infrastructure(installed: dict[str, Path]) -> None:
    with tarfile.open(installed["tarball"]) as archive:
        names = [n.lstrip("./") for n in archive.getnames()]
    top = {n.split("/", 1)[0] for n in names}
    assert sorted(top & FORBIDDEN_TOP) == []
    assert [n for n in names if FORBIDDEN_ANYWHERE.search(n)] == []
    # What it is for is all there.
    for needed in ("MANIFEST.json", "README.md", "meta/runtime.yml", "meta/execution-environment.yml", "bindep.txt",
                   "requirements.txt", "plugins/modules/kafka_properties.py", "roles/brokers/tasks/main.yml",
                   "playbooks/migrate.yml", "playbooks/validate.yml", "playbooks/rollback.yml", "playbooks/verify.yml",
                   "playbooks/examples/inventory/hosts.yml", "docs/install.md", "CHANGELOG.md"):
        assert needed in names, needed
    # A bound that test infrastructure would break (tests/ and molecule/ compress to 264 kB on their own), with
    # room for the collection's own growth (198 kB before the library's thin modules and the roles' arguments,
    # 231 kB with kafka_restart and the roll guard's metrics, 250 kB with the rolls' hand-over).
    assert installed["tarball"].stat().st_size < 300_000


def test_manifest_says_what_it_is_for(installed: dict[str, Path]) -> None:
    manifest = json.loads((installed["root"] / "MANIFEST.json").read_text())["collection_info"]
    assert "ZooKeeper to KRaft" in manifest["description"]
    assert {"kafka", "kraft", "zookeeper", "migration"} <= set(manifest["tags"])
    runtime = yaml.safe_load((installed["root"] / "meta" / "runtime.yml").read_text())
    pinned = next(line for line in (REPO / "requirements.txt").read_text().splitlines()
                  if line.startswith("ansible-core"))
    upper = re.search(r"<\s*([\d.]+)", pinned)
    assert upper is not None
    assert re.search(rf"<\s*{re.escape(upper.group(1))}(\.0)?$", runtime["requires_ansible"])


def test_validate_runs_by_its_fully_qualified_name(installed: dict[str, Path]) -> None:
    before = tree(installed["root"])
    rc, out = run([str(BIN / "ansible-playbook"), "-i", "playbooks/examples/inventory", "zk2kraft.migration.validate"],
                  installed["workdir"], operator_env(installed["collections"], installed["workdir"]))
    assert rc == 0, out
    assert "The cluster can be migrated as described" in out
    assert "failed=0" in out
    assert tree(installed["root"]) == before, "validate wrote into the installed collection"


@pytest.mark.parametrize("name", ["migrate", "rollback", "verify"])
def test_every_playbook_resolves_by_its_fully_qualified_name(installed: dict[str, Path], name: str) -> None:
    rc, out = run([str(BIN / "ansible-playbook"), "-i", "playbooks/examples/inventory", "--syntax-check",
                   f"zk2kraft.migration.{name}"],
                  installed["workdir"], operator_env(installed["collections"], installed["workdir"]))
    assert rc == 0, out


REPORT_PLAY = """\
- name: Write a run report with the collection's report role
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Report
      ansible.builtin.include_role:
        name: zk2kraft.migration.report
"""


@pytest.mark.parametrize("explicit", [False, True], ids=["default", "zk2kraft_report_dir"])
def test_reports_land_on_the_operators_side(installed: dict[str, Path], tmp_path: Path, explicit: bool) -> None:
    # A playbook run by its fully qualified name has its playbook_dir inside the collections path, like
    # zk2kraft.migration.migrate; a throwaway collection beside the installed one puts the report role there.
    collections = tmp_path / "collections"
    shutil.copytree(installed["collections"], collections, symlinks=True)
    probe = collections / "ansible_collections" / "zk2kraft" / "probe"
    (probe / "playbooks").mkdir(parents=True)
    (probe / "playbooks" / "report.yml").write_text(REPORT_PLAY)
    workdir = tmp_path / "run"
    workdir.mkdir()
    before = tree(collections)
    command = [str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", "zk2kraft.probe.report",
               "-e", "ansible_python_interpreter={{ ansible_playbook_python }}"]
    expected = workdir / "reports"
    if explicit:
        expected = tmp_path / "elsewhere" / "reports"
        command += ["-e", f"zk2kraft_report_dir={expected}"]
    rc, out = run(command, workdir, operator_env(collections, workdir))
    assert rc == 0, out
    written = list(expected.glob("migration-*.json"))
    assert len(written) == 1, out
    assert json.loads(written[0].read_text())["phase_order"] == []
    assert tree(collections) == before, "the report was written into the collections path"


def test_no_playbook_or_report_path_points_into_the_collection(installed: dict[str, Path]) -> None:
    """The snapshot and report paths the playbooks use follow zk2kraft_report_dir, not playbook_dir."""
    root = installed["root"]
    texts = {str(p.relative_to(root)): p.read_text() for p in list((root / "playbooks").glob("*.yml"))
             + list((root / "roles" / "report").rglob("*.yml"))}
    assert [name for name, text in texts.items() if re.search(r"playbook_dir.*reports", text)] == []
    migrate = yaml.safe_load(texts["playbooks/migrate.yml"])
    preflight = [t for play in migrate for t in play.get("tasks", [])
                 if t.get("ansible.builtin.include_role", {}).get("name") == "zk2kraft.migration.preflight"]
    assert preflight and all("zk2kraft_report_dir" in t["vars"]["preflight_snapshot_dir"] for t in preflight)
    assert "zk2kraft_report_dir" in texts["playbooks/verify.yml"]
