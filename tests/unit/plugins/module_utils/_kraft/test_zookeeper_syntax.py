# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ZooKeeperError
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.zookeeper_syntax import client_jaas, jaas_sections, parse_connect_string

# ------------------------------------------------------------------ connect string


@pytest.mark.parametrize("text,hosts,chroot", [
    ("127.0.1.2:2181", (("127.0.1.2", 2181),), None),
    ("127.0.1.2", (("127.0.1.2", 2181),), None),
    ("zk1:2181,zk2:2182,zk3/kafka", (("zk1", 2181), ("zk2", 2182), ("zk3", 2181)), "/kafka"),
    (" zk1:2181/kafka/prod ", (("zk1", 2181),), "/kafka/prod"),
    ("zk1:2181/", (("zk1", 2181),), None),
    ("[::1]:2181,[fe80::1]", (("::1", 2181), ("fe80::1", 2181)), None),
])
def test_parse_connect_string(text: str, hosts: Any, chroot: str | None) -> None:
    parsed = parse_connect_string(text)
    assert parsed.hosts == hosts and parsed.chroot == chroot


def test_kazoo_hosts_round_trip() -> None:
    assert parse_connect_string("a:1,[::1]:2/c").kazoo_hosts == "a:1,[::1]:2/c"


@pytest.mark.parametrize("text", ["", "zk1:abc", "zk1:2181/kafka/", "zk1:2181//x", "zk1:0", "zk1:2181,,zk2", "a:1:2"])
def test_parse_connect_string_rejects(text: str) -> None:
    with pytest.raises(ZooKeeperError):
        parse_connect_string(text)


# ------------------------------------------------------------------ JAAS


def test_client_jaas_is_a_digest_login_in_the_client_section() -> None:
    text = client_jaas("kafka", 'pa"ss\\word')
    assert jaas_sections(text) == ["Client"]
    assert "org.apache.zookeeper.server.auth.DigestLoginModule required" in text
    # Quotes and backslashes escaped the way Java's JAAS parser (StreamTokenizer) reads them back.
    assert 'password="pa\\"ss\\\\word";' in text
    assert 'username="kafka"' in text


@pytest.mark.parametrize("username,password", [("kafka", "a\nb"), ("", "x"), ("kafka", None)])
def test_client_jaas_refuses_what_it_cannot_write(username: str, password: str | None) -> None:
    with pytest.raises(ZooKeeperError):
        client_jaas(username, password)  # type: ignore[arg-type]


def test_jaas_sections_ignore_comments() -> None:
    text = "/* Client {\n}; */\nKafkaServer {\n  m required;\n};\n// Client {\n"
    assert jaas_sections(text) == ["KafkaServer"]
