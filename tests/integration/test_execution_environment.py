# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""An execution environment for the collection: ansible-builder finds its dependencies and writes a build context.

No container engine is needed: `ansible-builder introspect` reads the installed collection's
meta/execution-environment.yml, and `ansible-builder create` only writes the context.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / ".venv" / "bin"
TIMEOUT = 180


def run(command: list[str], cwd: Path) -> tuple[int, str]:
    env: dict[str, str] = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["PATH"] = "{}:{}".format(BIN, env.get("PATH", ""))
    done = subprocess.run(command, cwd=str(cwd), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=TIMEOUT, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


@pytest.fixture(scope="module")
def tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dist = tmp_path_factory.mktemp("ee-dist")
    rc, out = run([str(BIN / "ansible-galaxy"), "collection", "build", "--force", "--output-path", str(dist), str(REPO)],
                  REPO)
    assert rc == 0, out
    return next(dist.glob("zk2kraft-migration-*.tar.gz"))


def test_introspection_finds_the_python_and_system_dependencies(tarball: Path, tmp_path: Path) -> None:
    collections = tmp_path / "collections"
    # --force: a copy installed in a default collections path must not make this a no-op.
    rc, out = run([str(BIN / "ansible-galaxy"), "collection", "install", "--force", "-p", str(collections),
                   str(tarball)], tmp_path)
    assert rc == 0, out
    assert (collections / "ansible_collections" / "zk2kraft" / "migration" / "MANIFEST.json").exists(), out
    pip, bindep = tmp_path / "pip.txt", tmp_path / "bindep.txt"
    rc, out = run([str(BIN / "ansible-builder"), "introspect", "--write-pip", str(pip), "--write-bindep", str(bindep),
                   str(collections)], tmp_path)
    assert rc == 0, out
    python = [line.split()[0].lower() for line in pip.read_text().splitlines() if line.strip()]
    assert any(p.startswith("kazoo") for p in python) and any(p.startswith("pure-sasl") for p in python), python
    # ansible-core comes with the EE; ansible-builder must not install a second one from the collection's list.
    assert not any(p.startswith("ansible-core") for p in python), python
    assert "openssh-client" in bindep.read_text()


def test_create_writes_a_build_context(tarball: Path, tmp_path: Path) -> None:
    ee = tmp_path / "ee"
    shutil.copytree(REPO / "ee", ee, ignore=shutil.ignore_patterns("dist", "context"))
    (ee / "dist").mkdir()
    shutil.copy(tarball, ee / "dist")
    rc, out = run([str(BIN / "ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context"], ee)
    assert rc == 0, out
    context = ee / "context"
    containerfile = next(p for p in (context / "Containerfile", context / "Dockerfile") if p.exists())
    text = containerfile.read_text()
    assert "ansible-galaxy collection install" in text and "introspect" in text
    assert (context / "_build" / "collections" / tarball.name).exists()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert [c["name"] for c in requirements["collections"]] == [f"/build/collections/{tarball.name}"]


def test_the_ee_requirements_name_the_version_in_galaxy_yml() -> None:
    version = yaml.safe_load((REPO / "galaxy.yml").read_text())["version"]
    requirements = yaml.safe_load((REPO / "ee" / "requirements.yml").read_text())
    assert [c["name"] for c in requirements["collections"]] == [
        f"/build/collections/zk2kraft-migration-{version}.tar.gz"]
