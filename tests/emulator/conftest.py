"""Fixtures: one real ZooKeeper per session (each test gets its own chroot), emulator nodes per test."""

from __future__ import annotations

import itertools
import shutil
import uuid
from pathlib import Path
from typing import Iterator

import pytest

from harness import Node, ZooKeeper

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
