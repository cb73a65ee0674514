# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""meta.properties and the storage format plan."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import storage as st
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ProbeError

CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk"


# ------------------------------------------------------------------ properties / meta.properties


META_V0 = f"#\n#Tue Jan 02 03:04:05 UTC 2026\nbroker.id=1\nversion=0\ncluster.id={CLUSTER_ID}\n"
META_V1 = f"#\n#Tue Jan 02 03:04:05 UTC 2026\nnode.id=3000\ndirectory.id=J8aAPcfLQt2bqs1JT_rMgQ\nversion=1\ncluster.id={CLUSTER_ID}\n"


@pytest.mark.parametrize("text,expected", [
    (META_V0, {"version": 0, "cluster_id": CLUSTER_ID, "node_id": 1, "directory_id": None}),
    (META_V0 + "directory.id=pqR6AY0fQ9Ke2oKlpXw3dA\n",
     {"version": 0, "cluster_id": CLUSTER_ID, "node_id": 1, "directory_id": "pqR6AY0fQ9Ke2oKlpXw3dA"}),
    (META_V1, {"version": 1, "cluster_id": CLUSTER_ID, "node_id": 3000, "directory_id": "J8aAPcfLQt2bqs1JT_rMgQ"}),
])
def test_parse_meta_properties(text: str, expected: dict[str, Any]) -> None:
    assert st.parse_meta_properties(text).as_dict() == expected


@pytest.mark.parametrize("text", ["cluster.id=x\n", "version=2\n", "version=1\ncluster.id=x\n", "version=0\nbroker.id=x\n"])
def test_parse_meta_properties_errors(text: str) -> None:
    with pytest.raises(ProbeError):
        st.parse_meta_properties(text)


def test_read_meta_properties(tmp_path: Any) -> None:
    assert st.read_meta_properties(str(tmp_path)) is None
    (tmp_path / "meta.properties").write_text(META_V1)
    meta = st.read_meta_properties(str(tmp_path))
    assert meta is not None and meta.node_id == 3000


# ------------------------------------------------------------------ storage plan

CONTROLLER_CONFIG = {"process.roles": "controller", "node.id": "3000", "log.dirs": "/var/lib/kafka/meta"}
META_3000 = st.MetaProperties(1, CLUSTER_ID, 3000, None)


@pytest.mark.parametrize("config,dirs", [
    ({"log.dirs": "/a, /b", "metadata.log.dir": "/m"}, ["/a", "/b", "/m"]),
    ({"log.dirs": "/a,/b"}, ["/a", "/b"]),
    ({"log.dir": "/a", "metadata.log.dir": "/a"}, ["/a"]),
])
def test_storage_directories(config: dict[str, str], dirs: list[str]) -> None:
    assert st.storage_directories(config) == dirs


def test_storage_directories_need_a_dir() -> None:
    with pytest.raises(st.StorageError):
        st.storage_directories({})


@pytest.mark.parametrize("found,needs,ignore", [
    ({}, True, False),
    ({"/var/lib/kafka/meta": META_3000}, False, False),
])
def test_plan_storage(found: dict[str, st.MetaProperties], needs: bool, ignore: bool) -> None:
    plan = st.plan_storage(CONTROLLER_CONFIG, CLUSTER_ID, read=found.get)
    assert (plan.needs_format, plan.ignore_formatted) == (needs, ignore)


def test_plan_storage_partially_formatted_uses_ignore_formatted() -> None:
    config = dict(CONTROLLER_CONFIG, **{"metadata.log.dir": "/m"})
    plan = st.plan_storage(config, CLUSTER_ID, read={"/m": META_3000}.get)
    assert plan.unformatted == ("/var/lib/kafka/meta",) and plan.ignore_formatted


@pytest.mark.parametrize("config,meta,message", [
    (CONTROLLER_CONFIG, st.MetaProperties(1, "OtherClusterIdxxxxxxxx", 3000, None),
     "/var/lib/kafka/meta is formatted for cluster id OtherClusterIdxxxxxxxx, expected " + CLUSTER_ID),
    (CONTROLLER_CONFIG, st.MetaProperties(1, CLUSTER_ID, 3001, None), "node id 3001"),
    ({"broker.id": "1", "log.dirs": "/x"}, None, "ZooKeeper-mode"),
])
def test_plan_storage_refuses(config: dict[str, str], meta: st.MetaProperties | None, message: str) -> None:
    with pytest.raises(st.StorageError, match=message):
        st.plan_storage(config, CLUSTER_ID, read=lambda d: meta)


def test_storage_format_argv() -> None:
    assert st.storage_format_argv("/opt/kafka", "/etc/kafka/c.properties", CLUSTER_ID, "3.9", True) == [
        "/opt/kafka/bin/kafka-storage.sh", "format", f"--cluster-id={CLUSTER_ID}", "-c", "/etc/kafka/c.properties",
        "-r", "3.9", "-g"]
    assert st.storage_format_argv("/k", "/c", "id", None, False) == [
        "/k/bin/kafka-storage.sh", "format", "--cluster-id=id", "-c", "/c"]


def test_storage_format_argv_keeps_an_id_that_starts_with_a_dash_one_word() -> None:
    # ZooKeeper-mode Kafka draws its cluster id from any UUID, so 1 in 64 starts with "-"; as a separate word
    # after -t, kafka-storage.sh's parser takes it for an option and refuses the format (seen on real 3.9.2).
    argv = st.storage_format_argv("/k", "/c", "-xUBNq5gTdGUH8sM1iea3g", None, False)
    assert "--cluster-id=-xUBNq5gTdGUH8sM1iea3g" in argv and "-xUBNq5gTdGUH8sM1iea3g" not in argv


def test_read_meta_keys_keeps_every_key(tmp_path: Any) -> None:
    assert st.read_meta_keys(str(tmp_path)) is None
    (tmp_path / "meta.properties").write_text(META_V1 + "extra=1\n")
    keys = st.read_meta_keys(str(tmp_path))
    assert keys is not None and keys["extra"] == "1" and keys["node.id"] == "3000"
