# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The text forms of listeners, protocol maps and voters."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import (
    Listener,
    Voter,
    format_listeners,
    parse_listeners,
    parse_protocol_map,
    parse_voters,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ModelError


@pytest.mark.parametrize("text,expected", [
    pytest.param(None, (), id="none"),
    pytest.param("  ", (), id="blank"),
    pytest.param("PLAINTEXT://kb1:9092", (Listener("PLAINTEXT", "kb1", 9092),), id="one"),
    pytest.param("internal://:9092, SSL://0.0.0.0:9093",
                 (Listener("INTERNAL", "", 9092), Listener("SSL", "0.0.0.0", 9093)), id="wildcards-lowercase"),
    pytest.param("SSL://[::1]:9093", (Listener("SSL", "[::1]", 9093),), id="ipv6"),
])
def test_parse_listeners(text: Any, expected: tuple[Listener, ...]) -> None:
    assert parse_listeners(text) == expected
    if expected:
        assert parse_listeners(format_listeners(expected)) == expected


@pytest.mark.parametrize("text", ["kb1:9092", "PLAINTEXT://kb1", "PLAINTEXT://kb1:port", "PLAINTEXT//kb1:9092",
                                  "PLAINTEXT://kb1:9092,"])
def test_parse_listeners_rejects(text: str) -> None:
    with pytest.raises(ModelError, match="is not a listener"):
        parse_listeners(text)


def test_parse_protocol_map() -> None:
    assert parse_protocol_map("internal:ssl, EXTERNAL:SASL_SSL") == {"INTERNAL": "SSL", "EXTERNAL": "SASL_SSL"}
    assert parse_protocol_map("") == {}
    for bad in ("INTERNAL", "INTERNAL:", ":SSL"):
        with pytest.raises(ModelError, match="is not a NAME:PROTOCOL pair"):
            parse_protocol_map(bad)


def test_parse_voters() -> None:
    assert parse_voters("3000@kc1:9093, 3001@[::1]:9093") == (Voter(3000, "kc1", 9093), Voter(3001, "[::1]", 9093))
    for bad in ("3000@kc1", "kc1:9093", "x@kc1:9093", ""):
        with pytest.raises(ModelError, match="Failed to parse controller.quorum.voters entry"):
            parse_voters(bad)


def test_parsers_remember_texts_but_hand_out_fresh_maps() -> None:
    # Parsed once per text (a plan asks for the same listeners, maps and voters in every phase).
    assert parse_listeners("PLAINTEXT://kb1:9092") is parse_listeners("PLAINTEXT://kb1:9092")
    assert parse_voters("3000@kc1:9093") is parse_voters("3000@kc1:9093")
    # Callers edit the protocol map they get: an edit must not reach the next caller.
    first = parse_protocol_map("INTERNAL:SSL,EXTERNAL:SASL_SSL")
    first.pop("INTERNAL")
    first["CONTROLLER"] = "SSL"
    assert parse_protocol_map("INTERNAL:SSL,EXTERNAL:SASL_SSL") == {"INTERNAL": "SSL", "EXTERNAL": "SASL_SSL"}
    assert list(parse_protocol_map("b:SSL,a:SSL,b:PLAINTEXT")) == ["B", "A"]
    assert parse_protocol_map("b:SSL,a:SSL,b:PLAINTEXT")["B"] == "PLAINTEXT"
    # A refused text is refused on every call, not remembered as good.
    for _dummy in range(2):
        with pytest.raises(ModelError, match="is not a listener"):
            parse_listeners("kb1:9092")
        with pytest.raises(ModelError, match="is not a NAME:PROTOCOL pair"):
            parse_protocol_map("INTERNAL")
