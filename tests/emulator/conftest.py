"""Fixtures: one real ZooKeeper per session (each test gets its own chroot), Kafka nodes per test.

Backend: `--backend emulator|real` or env CONFORMANCE_BACKEND (default emulator). On the real backend the
Kafka archive is built/reused and extracted once per session, and tests marked `emulator_only(reason)` are
skipped with that reason (deselect them with `-m "not emulator_only"`).
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import harness
import pytest
from harness import Node, ZooKeeper


def pytest_addoption(parser: Any) -> None:
    parser.addoption("--backend", choices=harness.BACKENDS, default=None,
                     help="conformance backend: the Kafka node emulator (default) or real Apache Kafka "
                          "(env CONFORMANCE_BACKEND)")


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "emulator_only(reason): the check cannot run on real Kafka (skipped there)")
    config.addinivalue_line("markers", "not_yet_on_real(reason): could run on real Kafka but has not been made to "
                                       "pass there yet (skipped there unless CONFORMANCE_RUN_UNVERIFIED=1)")
    harness.configure_backend(config.getoption("--backend", default=None))


def pytest_report_header(config: Any) -> str:
    if harness.is_real():
        return f"conformance backend: real Apache Kafka {harness.REAL_KAFKA_VERSION}"
    return "conformance backend: Kafka node emulator"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    if not harness.is_real():
        return
    run_unverified = os.environ.get("CONFORMANCE_RUN_UNVERIFIED") == "1"
    for item in items:
        for name, label in (("emulator_only", "emulator only"), ("not_yet_on_real", "not yet on real Kafka")):
            marker = item.get_closest_marker(name)
            if marker is None or (name == "not_yet_on_real" and run_unverified):
                continue
            reason = marker.args[0] if marker.args else marker.kwargs.get("reason", label)
            item.add_marker(pytest.mark.skip(reason=f"{label}: {reason}"))


@pytest.fixture(scope="session", autouse=True)
def kafka_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Real backend: extract the Kafka archive once; whatever happens, no JVM of ours outlives the session."""
    if harness.is_real():
        if shutil.which("java") is None:
            pytest.skip("the real backend needs java")
        harness.prepare_real_kafka(tmp_path_factory.mktemp("kafka-home"))
    try:
        yield harness.BACKEND
    finally:
        harness.kill_real_processes()


ZK_HOST = "127.0.1.199"
# Node addresses 127.0.1.100-189: away from the sandbox's .10-.42 so both can run at once.
_ADDRESSES = itertools.cycle(range(100, 190))


@pytest.fixture(scope="session")
def zookeeper(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ZooKeeper]:
    if shutil.which("java") is None or not Path("/usr/share/java/zookeeper.jar").exists():
        pytest.skip("the Debian zookeeper package (and java) is required")
    zk = ZooKeeper(tmp_path_factory.mktemp("zookeeper"), ZK_HOST)
    zk.start()
    try:
        yield zk
    finally:
        zk.stop()


class Cluster:
    """Hands out nodes on fresh loopback addresses and guarantees every process is gone afterwards."""

    def __init__(self, root: Path, zk: ZooKeeper | None) -> None:
        self.root = root
        self.zk_server = zk
        self.chroot = f"/t{uuid.uuid4().hex[:8]}"
        self.nodes: list[Node] = []

    @property
    def zk_connect(self) -> str:
        assert self.zk_server is not None
        return f"{self.zk_server.connect}{self.chroot}"

    def node(self, name: str, jolokia: bool = True) -> Node:
        ip = f"127.0.1.{next(_ADDRESSES)}"
        node = Node(self.root, name, ip, 8778 if jolokia else None)
        self.nodes.append(node)
        return node

    def cleanup(self) -> None:
        for node in self.nodes:
            node.kill()


@pytest.fixture
def cluster(tmp_path: Path, zookeeper: ZooKeeper) -> Iterator[Cluster]:
    c = Cluster(tmp_path, zookeeper)
    try:
        yield c
    finally:
        c.cleanup()


@pytest.fixture
def offline(tmp_path: Path) -> Iterator[Cluster]:
    """Nodes for tests that never reach ZooKeeper (configuration refusals, storage tool)."""
    c = Cluster(tmp_path, None)
    try:
        yield c
    finally:
        c.cleanup()


@pytest.fixture
def zk_client(zookeeper: ZooKeeper):  # type: ignore[no-untyped-def]
    client = zookeeper.client()
    try:
        yield client
    finally:
        client.stop()
        client.close()
