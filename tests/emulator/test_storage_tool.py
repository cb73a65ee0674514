"""kafka-storage.sh: format / info / random-uuid messages and refusals (facts §4)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from harness import controller_props, is_real, zk_broker_props


def _controller(offline: Any, name: str = "ctrl", **extra: Any) -> Any:
    node = offline.node(name, jolokia=False)
    props = controller_props(node, 3000, f"3000@{node.ip}:9093", "127.0.1.199:2181/x")
    props.update(extra)
    node.write_config(props)
    return node


def test_random_uuid(offline: Any) -> None:
    node = offline.node("tool", jolokia=False)
    result = node.tool("kafka-storage.sh", "random-uuid")
    assert result.returncode == 0
    assert re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_-]{21}\n", result.stdout)


def test_format_defaults_to_ibp_and_writes_meta_v1(offline: Any) -> None:
    node = _controller(offline, **{"inter.broker.protocol.version": "3.7"})
    result = node.tool("kafka-storage.sh", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c", str(node.config))
    assert result.returncode == 0, result.stderr
    metadata_dir = node.dir / "metadata"
    assert result.stdout == f"Formatting metadata directory {metadata_dir} with metadata.version 3.7-IV4.\n"
    meta = (metadata_dir / "meta.properties").read_text()
    assert "version=1" in meta and "node.id=3000" in meta and "cluster.id=MkU3OEVBNTcwNTJENDM2Qg" in meta
    assert re.search(r"^directory\.id=\S{22}$", meta, re.M)
    checkpoint = metadata_dir / "bootstrap.checkpoint"
    if is_real():  # a binary record file (a snapshot holding the FeatureLevelRecord)
        assert checkpoint.stat().st_size > 0
    else:  # the emulator keeps it as JSON (README: differences from real Kafka)
        assert json.loads(checkpoint.read_text())["metadata.version"] == "3.7-IV4"


def test_a_cluster_id_that_starts_with_a_dash_needs_the_one_word_form(offline: Any) -> None:
    # ZooKeeper mode draws its cluster id from any UUID (CoreUtils.generateUuidAsBase64): 1 in 64 starts with "-".
    dash_id = "-xUBNq5gTdGUH8sM1iea3g"
    node = _controller(offline)
    refused = node.tool("kafka-storage.sh", "format", "-t", dash_id, "-c", str(node.config))
    assert refused.returncode != 0
    assert "argument --cluster-id/-t: expected one argument" in refused.stderr
    assert not (node.dir / "metadata" / "meta.properties").exists()
    formatted = node.tool("kafka-storage.sh", "format", f"--cluster-id={dash_id}", "-c", str(node.config))
    assert formatted.returncode == 0, formatted.stderr
    assert f"cluster.id={dash_id}" in (node.dir / "metadata" / "meta.properties").read_text()


def test_format_release_version_and_default(offline: Any) -> None:
    node = _controller(offline)
    result = node.tool("kafka-storage.sh", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c", str(node.config),
                       "-r", "3.8")
    assert "with metadata.version 3.8-IV0." in result.stdout
    node2 = _controller(offline, "ctrl2")
    (node2.dir / "metadata").mkdir(parents=True, exist_ok=True)
    assert "3.9-IV0" in node2.tool("kafka-storage.sh", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c",
                                   str(node2.config), "--ignore-formatted").stdout


def test_format_refuses_already_formatted_unless_ignored(offline: Any) -> None:
    node = _controller(offline)
    args = ["format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c", str(node.config)]
    assert node.tool("kafka-storage.sh", *args).returncode == 0
    again = node.tool("kafka-storage.sh", *args)
    assert again.returncode == 1
    assert (f"Log directory {node.dir / 'metadata'} is already formatted. Use --ignore-formatted to ignore this "
            "directory and format the others.") in again.stderr
    ignored = node.tool("kafka-storage.sh", *args, "-g")
    assert ignored.returncode == 0
    assert ignored.stdout == "All of the log directories are already formatted.\n"


def test_format_refuses_legacy_config(offline: Any) -> None:
    node = offline.node("zkbroker", jolokia=False)
    node.write_config(zk_broker_props(node, 1, "127.0.1.199:2181/x"))
    result = node.tool("kafka-storage.sh", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c", str(node.config))
    assert result.returncode == 1
    assert ("The kafka configuration file appears to be for a legacy cluster. Formatting is only supported for "
            "clusters in KRaft mode.") in result.stderr
    assert not (node.dir / "data" / "meta.properties").exists()


def test_format_takes_any_cluster_id_on_39(offline: Any) -> None:
    """3.9's Formatter stores whatever -t says (3.8 and older parse it as a UUID, below)."""
    node = _controller(offline)
    result = node.tool("kafka-storage.sh", "format", "-t", "not-a-uuid", "-c", str(node.config))
    assert result.returncode == 0, result.stderr
    assert "cluster.id=not-a-uuid" in (node.dir / "metadata" / "meta.properties").read_text()


@pytest.mark.emulator_only("the real backend runs one Kafka version (3.9); this is the emulator's 3.8 form")
def test_format_rejects_bad_cluster_id_before_39(offline: Any) -> None:
    node = _controller(offline)
    node.kafka_version = "3.8.1"
    result = node.tool("kafka-storage.sh", "format", "-t", "not-a-uuid", "-c", str(node.config))
    assert result.returncode == 1
    assert "Cluster ID string not-a-uuid does not appear to be a valid UUID" in result.stderr


def test_info_formatted_and_unformatted(offline: Any) -> None:
    node = _controller(offline)
    result = node.tool("kafka-storage.sh", "info", "-c", str(node.config))
    assert result.returncode == 1
    metadata_dir = node.dir / "metadata"
    assert result.stdout == f"Found problem:\n  {metadata_dir} does not exist\n\n"
    metadata_dir.mkdir(parents=True)
    result = node.tool("kafka-storage.sh", "info", "-c", str(node.config))
    assert result.stdout == (f"Found log directory:\n  {metadata_dir}\n\n"
                             f"Found problem:\n  {metadata_dir} is not formatted.\n\n")
    node.tool("kafka-storage.sh", "format", "-t", "MkU3OEVBNTcwNTJENDM2Qg", "-c", str(node.config), "-g")
    result = node.tool("kafka-storage.sh", "info", "-c", str(node.config))
    assert result.returncode == 0
    assert result.stdout.startswith(f"Found log directory:\n  {metadata_dir}\n\nFound metadata: {{cluster.id="
                                    "MkU3OEVBNTcwNTJENDM2Qg, directory.id=")
    assert result.stdout.endswith(", node.id=3000, version=1}\n\n")


def test_info_reports_legacy_meta_under_kraft_config(offline: Any) -> None:
    node = _controller(offline)
    metadata_dir = node.dir / "metadata"
    metadata_dir.mkdir(parents=True)
    (metadata_dir / "meta.properties").write_text("version=0\nbroker.id=3000\ncluster.id=MkU3OEVBNTcwNTJENDM2Qg\n")
    result = node.tool("kafka-storage.sh", "info", "-c", str(node.config))
    assert result.returncode == 1
    assert "Found metadata: {broker.id=3000, cluster.id=MkU3OEVBNTcwNTJENDM2Qg, version=0}" in result.stdout
    assert ("The kafka configuration file appears to be for a cluster in KRaft mode, but the directories are "
            "formatted for legacy mode.") in result.stdout
