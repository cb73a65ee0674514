# Copyright (c) zk2kraft.migration contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Tests for the Java .properties codec.

Ground truth comes from three places: hand-written cases, the ``javaproperties``
package, and, when a JDK is installed, ``java.util.Properties`` itself.
"""

from __future__ import annotations

import difflib
import random
import re
import shutil
import struct
import subprocess
from pathlib import Path

import javaproperties
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import (
    MASK,
    Change,
    PropertiesDocument,
    PropertiesError,
    dumps,
    escape_key,
    escape_value,
    is_secret_key,
    loads,
    mask,
)

# ---------------------------------------------------------------------------
# Syntax table: every form Properties.load accepts, with the expected result.
# The JVM test below checks these expectations against java.util.Properties.
# ---------------------------------------------------------------------------
SYNTAX_CASES: list[tuple[str, str, dict[str, str]]] = [
    ("empty document", "", {}),
    ("equals", "a=b\n", {"a": "b"}),
    ("colon", "a:b\n", {"a": "b"}),
    ("space separator", "a b\n", {"a": "b"}),
    ("tab separator", "a\tb\n", {"a": "b"}),
    ("form feed separator", "a\fb\n", {"a": "b"}),
    ("whitespace around equals", "  a  =  b\n", {"a": "b"}),
    ("whitespace then colon", "a \t: b\n", {"a": "b"}),
    ("trailing whitespace kept in value", "a=b  \n", {"a": "b  "}),
    ("second separator belongs to value", "a==b\n", {"a": "=b"}),
    ("whitespace then two separators", "a :=b\n", {"a": "=b"}),
    ("colon in value", "listeners=PLAINTEXT://:9092\n", {"listeners": "PLAINTEXT://:9092"}),
    ("key without value", "a\n", {"a": ""}),
    ("key with separator and no value", "a=\n", {"a": ""}),
    ("key with trailing whitespace only", "a   \n", {"a": ""}),
    ("empty key", "=b\n", {"": "b"}),
    ("hash comment", "# a=b\nc=d\n", {"c": "d"}),
    ("bang comment", "! a=b\nc=d\n", {"c": "d"}),
    ("indented comment", "   \t# a=b\n", {}),
    ("hash inside a value", "a=b#c\n", {"a": "b#c"}),
    ("comment does not continue", "# a\\\nb=c\n", {"b": "c"}),
    ("blank lines", "\n\n  \t\f\na=b\n\n", {"a": "b"}),
    ("continuation", "a=b\\\n  c\n", {"a": "bc"}),
    ("continuation keeps inner spaces", "a=b \\\n\t c\n", {"a": "b c"}),
    ("continuation across several lines", "a=1,\\\n 2,\\\n 3\n", {"a": "1,2,3"}),
    ("continuation inside the key", "ke\\\n  y=v\n", {"key": "v"}),
    ("continuation with CRLF", "a=b\\\r\n c\r\nd=e\r\n", {"a": "bc", "d": "e"}),
    ("continuation with CR", "a=b\\\r c\rd=e\r", {"a": "bc", "d": "e"}),
    ("continuation into a blank line ends it", "a=b\\\n\nc=d\n", {"a": "b", "c": "d"}),
    ("continuation into whitespace ends it", "a=b\\\n   \nc=d\n", {"a": "b", "c": "d"}),
    ("continuation line may start with a hash", "a=b\\\n  #c\n", {"a": "b#c"}),
    ("bare continuation before a comment", "\\\n# c\na=b\n", {"a": "b"}),
    ("even backslashes do not continue", "a=b\\\\\nc=d\n", {"a": "b\\", "c": "d"}),
    ("odd backslashes continue", "a=b\\\\\\\nc\n", {"a": "b\\c"}),
    ("trailing backslash at end of file", "a=b\\", {"a": "b"}),
    ("trailing backslash and newline at end of file", "a=b\\\n", {"a": "b"}),
    ("lone backslash at end of file", "\\", {"": ""}),
    ("lone backslash, newline, end of file", "a=b\n\\\n", {"a": "b", "": ""}),
    ("lone backslash then blank line", "\\\n\n", {}),
    ("lone backslash, CRLF, end of file", "a=b\r\n\\\r\n", {"a": "b"}),
    ("trailing backslash, CRLF, end of file", "a=b\\\r\n", {"a": "b"}),
    ("no final newline", "a=b", {"a": "b"}),
    ("CRLF line ends", "a=b\r\nc=d\r\n", {"a": "b", "c": "d"}),
    ("CR line ends", "a=b\rc=d\r", {"a": "b", "c": "d"}),
    ("mixed line ends", "a=b\nc=d\r\ne=f\rg=h", {"a": "b", "c": "d", "e": "f", "g": "h"}),
    ("escaped separators in key", "a\\=b\\:c=d\n", {"a=b:c": "d"}),
    ("escaped space in key", "a\\ b c\n", {"a b": "c"}),
    ("escaped comment markers in key", "\\#a=b\n\\!c=d\n", {"#a": "b", "!c": "d"}),
    ("escaped leading space in value", "a=\\  b\n", {"a": "  b"}),
    ("control escapes", "a=\\t\\n\\r\\f\n", {"a": "\t\n\r\f"}),
    ("unicode escapes", "a=\\u00e9\\u20AC\n", {"a": "\u00e9\u20ac"}),
    ("surrogate pair escape", "a=\\uD83D\\uDE00\n", {"a": "\U0001F600"}),
    ("lone surrogate escape", "a=\\uD83D\n", {"a": "\ud83d"}),
    ("other escapes drop the backslash", "a=\\x\\y\\\"\\b\n", {"a": "xy\"b"}),
    ("escaped backslash", "path=C:\\\\kafka\n", {"path": "C:\\kafka"}),
    ("duplicate keys: last wins", "a=1\nb=2\na=3\n", {"a": "3", "b": "2"}),
    ("vertical tab is not whitespace", "a\x0bb=c\n", {"a\x0bb": "c"}),
    ("latin-1 text", "caf\u00e9=cr\u00e8me\n", {"caf\u00e9": "cr\u00e8me"}),
]


@pytest.mark.parametrize("text, expected", [(t, e) for dummy_name, t, e in SYNTAX_CASES], ids=[c[0] for c in SYNTAX_CASES])
def test_syntax_table(text: str, expected: dict[str, str]) -> None:
    document = PropertiesDocument.parse(text)
    assert document.to_dict() == expected
    assert loads(text) == expected
    assert document.render() == text


# javaproperties follows Java 8 where a logical line holds only a line continuation;
# java.util.Properties of Java 9+ (what Kafka 3.x runs on) is checked by the JVM test.
JAVAPROPERTIES_DIVERGES = {
    "bare continuation before a comment",
    "lone backslash at end of file",
    "lone backslash, newline, end of file",
}


@pytest.mark.parametrize(
    "text", [t for n, t, dummy_expected in SYNTAX_CASES if n not in JAVAPROPERTIES_DIVERGES],
    ids=[case[0] for case in SYNTAX_CASES if case[0] not in JAVAPROPERTIES_DIVERGES],
)
def test_syntax_table_matches_javaproperties(text: str) -> None:
    assert loads(text) == javaproperties.loads(text)


@pytest.mark.parametrize("text", ["a=\\u00g1\n", "a=\\u12\n", "\\uZZZZ=b\n", "a=\\u"])
def test_malformed_unicode_escape_is_rejected(text: str) -> None:
    # Java's Properties.load throws IllegalArgumentException here, so Kafka would not start.
    with pytest.raises(PropertiesError, match="line 1: malformed"):
        PropertiesDocument.parse(text)
    with pytest.raises(javaproperties.InvalidUEscapeError):
        javaproperties.loads(text)


def test_error_names_the_line() -> None:
    with pytest.raises(PropertiesError, match="^line 3:"):
        PropertiesDocument.parse("a=b\n# c\nd=\\u12x4\n")


# ---------------------------------------------------------------------------
# Escaping
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("key, escaped", [
    ("plain.key", "plain.key"),
    ("a b", "a\\ b"),
    ("a=b:c", "a\\=b\\:c"),
    ("#a!b", "\\#a\\!b"),
    ("back\\slash", "back\\\\slash"),
    ("tab\tnl\ncr\rff\f", "tab\\tnl\\ncr\\rff\\f"),
    ("caf\u00e9", "caf\\u00E9"),
    ("\x01\x7f", "\\u0001\\u007F"),
    ("\U0001F600", "\\uD83D\\uDE00"),
    ("", ""),
])
def test_escape_key(key: str, escaped: str) -> None:
    assert escape_key(key) == escaped
    assert loads(escaped + "=v") == {key: "v"}


@pytest.mark.parametrize("value, escaped", [
    ("PLAINTEXT://:9092", "PLAINTEXT://:9092"),
    ("a=b#c!d", "a=b#c!d"),
    (" lead", "\\ lead"),
    ("  two", "\\  two"),
    ("in side ", "in side "),
    ("=starts", "=starts"),
    ("back\\", "back\\\\"),
    ("\tx\n", "\\tx\\n"),
    ("\u20ac", "\\u20AC"),
    ("", ""),
])
def test_escape_value(value: str, escaped: str) -> None:
    assert escape_value(value) == escaped
    assert loads("k=" + escaped) == {"k": value}


def test_dumps_keeps_insertion_order() -> None:
    assert dumps({"z": "1", "a": "2", "m m": " 3"}) == "z=1\na=2\nm\\ m=\\ 3\n"


# ---------------------------------------------------------------------------
# Document generators for property-based tests
# ---------------------------------------------------------------------------
# Fragments that exercise every lexical rule when concatenated at random.
FRAGMENTS = [
    "a", "b", "key", "x.y", "9092", " ", "  ", "\t", "\f", "=", ":", "#", "!", "\\", "\\\\",
    "\\ ", "\\=", "\\:", "\\t", "\\n", "\\u0041", "\\u00e9", "\\uD83D\\uDE00", "\n", "\n", "\r\n", "\r",
    "\\\n", "\\\r\n", "\u00e9", "\x0b",
]
WIDE_FRAGMENTS = FRAGMENTS + ["\u20ac", "\U0001F600"]

documents = st.lists(st.sampled_from(WIDE_FRAGMENTS), max_size=40).map("".join)
latin1_documents = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)


def physical_lines(text: str) -> list[str]:
    return re.findall(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", text)


def hits_java8_quirk(text: str) -> bool:
    """A line holding only one continuation backslash: javaproperties follows Java 8 there."""
    return any(re.fullmatch(r"[ \t\f]*\\(?:\r\n|\r|\n)?", line) for line in physical_lines(text))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.filter_too_much, HealthCheck.too_slow])
@given(documents)
def test_render_of_parse_is_identity(text: str) -> None:
    assert PropertiesDocument.parse(text).render() == text


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_parse_matches_javaproperties(text: str) -> None:
    assume(not hits_java8_quirk(text))
    assert loads(text) == javaproperties.loads(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=60))
def test_arbitrary_text_round_trips_or_is_rejected_like_java(text: str) -> None:
    try:
        document = PropertiesDocument.parse(text)
    except PropertiesError:
        with pytest.raises(javaproperties.InvalidUEscapeError):
            javaproperties.loads(text)
        return
    assert document.render() == text
    if not hits_java8_quirk(text):
        assert document.to_dict() == javaproperties.loads(text)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=80))
def test_bytes_round_trip(data: bytes) -> None:
    try:
        document = PropertiesDocument.parse_bytes(data)
    except PropertiesError:
        return
    assert document.render_bytes() == data
    if not hits_java8_quirk(data.decode("latin-1")):
        assert document.to_dict() == javaproperties.loads(data)


def test_render_bytes_rejects_characters_outside_latin1() -> None:
    document = PropertiesDocument.parse("a=\u20ac\n")
    with pytest.raises(PropertiesError, match="ISO-8859-1"):
        document.render_bytes()


def test_parse_bytes_reads_utf8_the_way_kafka_does() -> None:
    # Kafka reads properties as ISO-8859-1, so UTF-8 multi-byte text turns into several characters.
    document = PropertiesDocument.parse_bytes("a=\u00e9\n".encode("utf-8"))
    assert document.get("a") == "\u00c3\u00a9"


keys = st.text(max_size=12)
values = st.text(max_size=20)
dicts = st.dictionaries(keys, values, max_size=8)


@given(dicts)
def test_dumps_loads_round_trip(props: dict[str, str]) -> None:
    text = dumps(props)
    assert loads(text) == props
    assert javaproperties.loads(text) == props
    assert text.isascii()


@given(dicts)
def test_document_built_by_set_round_trips(props: dict[str, str]) -> None:
    document = PropertiesDocument.parse("")
    for key, value in props.items():
        assert document.set(key, value) is True
    assert document.to_dict() == props
    assert loads(document.render()) == props


# ---------------------------------------------------------------------------
# Editing: set, delete, apply
# ---------------------------------------------------------------------------
SERVER_PROPERTIES = """\
# Licensed to the Apache Software Foundation (ASF)
############################# Server Basics #############################

# The id of the broker.
broker.id=1

listeners = PLAINTEXT://broker1:9092
num.network.threads:3
log.dirs /var/lib/kafka/data
zookeeper.connect=zk1:2181,\\
    zk2:2181,\\
    zk3:2181
! trailing comment
"""


def test_untouched_document_renders_identically() -> None:
    assert PropertiesDocument.parse(SERVER_PROPERTIES).render() == SERVER_PROPERTIES


def test_set_changes_one_line_in_place() -> None:
    document = PropertiesDocument.parse(SERVER_PROPERTIES)
    assert document.set("num.network.threads", "8") is True
    before = SERVER_PROPERTIES.splitlines()
    after = document.render().splitlines()
    assert len(before) == len(after)
    changed = [(old, new) for old, new in zip(before, after) if old != new]
    assert changed == [("num.network.threads:3", "num.network.threads=8")]


def test_set_same_value_is_no_change() -> None:
    document = PropertiesDocument.parse(SERVER_PROPERTIES)
    assert document.set("listeners", "PLAINTEXT://broker1:9092") is False
    assert document.render() == SERVER_PROPERTIES


def test_set_multi_line_entry_becomes_one_line() -> None:
    document = PropertiesDocument.parse(SERVER_PROPERTIES)
    assert document.set("zookeeper.connect", "zk9:2181") is True
    rendered = document.render()
    assert "zookeeper.connect=zk9:2181\n! trailing comment\n" in rendered
    assert "zk2:2181" not in rendered


def test_set_appends_absent_key_at_end() -> None:
    document = PropertiesDocument.parse(SERVER_PROPERTIES)
    assert document.set("process.roles", "broker") is True
    assert document.render() == SERVER_PROPERTIES + "process.roles=broker\n"


@pytest.mark.parametrize("text, expected", [
    ("a=1", "a=1\nb=2\n"),
    ("a=1\r\n", "a=1\r\nb=2\r\n"),
    ("# only a comment", "# only a comment\nb=2\n"),
    ("a=1\\", "a=1\nb=2\n"),  # the dangling backslash would swallow the new line
    ("\\", "=\nb=2\n"),
    ("\\\r\n", "\\\r\n\r\nb=2\r\n"),
    ("#c\\", "#c\\\nb=2\n"),
    ("a=1\\\n   ", "a=1\\\n   \nb=2\n"),
    ("", "b=2\n"),
])
def test_append_keeps_existing_entries_intact(text: str, expected: str) -> None:
    document = PropertiesDocument.parse(text)
    old = document.to_dict()
    document.set("b", "2")
    assert document.render() == expected
    assert loads(expected) == dict(old, b="2")


def test_set_with_duplicates_rewrites_last_and_removes_others() -> None:
    document = PropertiesDocument.parse("a=1\n# keep\nb=2\na=3\nc=4\n")
    assert document.set("a", "5") is True
    assert document.render() == "# keep\nb=2\na=5\nc=4\n"


def test_set_with_duplicates_and_same_value_still_deduplicates() -> None:
    document = PropertiesDocument.parse("a=1\na=3\n")
    assert document.set("a", "3") is True
    assert document.render() == "a=3\n"
    assert document.set("a", "3") is False


def test_set_keeps_missing_final_newline() -> None:
    document = PropertiesDocument.parse("a=1\nb=2")
    document.set("b", "3")
    assert document.render() == "a=1\nb=3"


def test_delete_removes_every_occurrence_and_continuations() -> None:
    document = PropertiesDocument.parse(SERVER_PROPERTIES + "zookeeper.connect=again\n")
    assert document.delete("zookeeper.connect") is True
    assert document.render() == SERVER_PROPERTIES.replace("zookeeper.connect=zk1:2181,\\\n    zk2:2181,\\\n    zk3:2181\n", "")
    assert document.get("zookeeper.connect") is None
    assert document.delete("zookeeper.connect") is False


def test_get_default() -> None:
    document = PropertiesDocument.parse("a=1\n")
    assert document.get("a") == "1"
    assert document.get("b") is None
    assert document.get("b", "x") == "x"


def test_apply_reports_changes_and_is_idempotent() -> None:
    document = PropertiesDocument.parse(SERVER_PROPERTIES)
    desired: dict[str, str | None] = {
        "broker.id": "1",
        "listeners": "PLAINTEXT://broker1:9092,CONTROLLER://broker1:9093",
        "zookeeper.connect": None,
        "absent.key": None,
        "controller.quorum.voters": "3000@c1:9093",
    }
    changes = document.apply(desired)
    assert changes == [
        Change("listeners", "PLAINTEXT://broker1:9092", "PLAINTEXT://broker1:9092,CONTROLLER://broker1:9093"),
        Change("zookeeper.connect", "zk1:2181,zk2:2181,zk3:2181", None),
        Change("controller.quorum.voters", None, "3000@c1:9093"),
    ]
    rendered = document.render()
    assert loads(rendered) == {
        "broker.id": "1",
        "listeners": "PLAINTEXT://broker1:9092,CONTROLLER://broker1:9093",
        "num.network.threads": "3",
        "log.dirs": "/var/lib/kafka/data",
        "controller.quorum.voters": "3000@c1:9093",
    }
    assert document.apply(desired) == []
    assert document.render() == rendered


# Documents whose entries are each one physical line with a distinct key.
simple_keys = st.text(alphabet="abcdef.", min_size=1, max_size=6)
simple_values = st.text(alphabet="xyz:/= ", max_size=8).filter(lambda v: v == v.strip())
separators = st.sampled_from(["=", ":", " ", " = ", "\t:\t"])
comment_lines = st.sampled_from(["# c\n", "!c\n", "\n", "   \n", "  # indented\n"])


@st.composite
def simple_documents(draw: st.DrawFn) -> tuple[str, list[str]]:
    names = draw(st.lists(simple_keys, min_size=1, max_size=8, unique=True))
    lines: list[str] = []
    for name in names:
        lines.extend(draw(st.lists(comment_lines, max_size=2)))
        lines.append(name + draw(separators) + draw(simple_values) + "\n")
    return "".join(lines), names


@given(simple_documents(), st.data())
def test_set_existing_key_changes_exactly_one_line(doc: tuple[str, list[str]], data: st.DataObject) -> None:
    text, names = doc
    key = data.draw(st.sampled_from(names))
    value = data.draw(st.text(max_size=10))
    document = PropertiesDocument.parse(text)
    old_value = document.get(key)
    changed = document.set(key, value)
    assert changed is (old_value != value)
    before = physical_lines(text)
    after = physical_lines(document.render())
    assert len(before) == len(after)
    differing = [i for i, (old, new) in enumerate(zip(before, after)) if old != new]
    assert len(differing) == (1 if changed else 0)
    assert document.to_dict() == dict(loads(text), **{key: value})
    assert loads(document.render()) == document.to_dict()


@settings(max_examples=300)
@given(documents, keys, values)
def test_set_on_arbitrary_document(text: str, key: str, value: str) -> None:
    document = PropertiesDocument.parse(text)
    expected = dict(document.to_dict(), **{key: value})
    document.set(key, value)
    assert document.to_dict() == expected
    # What is written must read back the same: no continuation may leak into the edited line.
    assert loads(document.render()) == expected


@settings(max_examples=300)
@given(documents, st.data())
def test_delete_on_arbitrary_document(text: str, data: st.DataObject) -> None:
    document = PropertiesDocument.parse(text)
    present = list(document.to_dict())
    key = data.draw(st.sampled_from(present)) if present else data.draw(keys)
    expected = {k: v for k, v in document.to_dict().items() if k != key}
    assert document.delete(key) is (key in present)
    assert document.to_dict() == expected
    assert loads(document.render()) == expected
    # Deleting only takes whole lines out: the output is the concatenation of some of the input's
    # lines, in order. (Compared as text: a bare CR line followed by an LF line reads back as one
    # CRLF break once the line between them is gone, yet no byte of the kept lines changed.)
    rendered = document.render()
    ends = {0}
    for line in physical_lines(text):
        ends |= {end + len(line) for end in ends if rendered.startswith(line, end)}
    assert len(rendered) in ends


@given(documents, st.dictionaries(keys, st.one_of(st.none(), values), max_size=5))
def test_apply_on_arbitrary_document(text: str, desired: dict[str, str | None]) -> None:
    document = PropertiesDocument.parse(text)
    before = document.to_dict()
    changes = document.apply(desired)
    expected = {k: v for k, v in before.items() if desired.get(k, v) is not None}
    expected.update({k: v for k, v in desired.items() if v is not None})
    assert document.to_dict() == expected
    assert loads(document.render()) == expected
    for change in changes:
        assert change.old == before.get(change.key)
        assert change.new == desired[change.key]
    rendered = document.render()
    assert document.apply(desired) == []
    assert document.render() == rendered


# ---------------------------------------------------------------------------
# Secrets
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("key, secret", [
    ("ssl.keystore.password", True),
    ("ssl.key.password", True),
    ("zookeeper.ssl.truststore.password", True),
    ("sasl.jaas.config", True),
    ("listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config", True),
    ("password.encoder.secret", True),
    ("ssl.keystore.key", True),
    ("delegation.token.secret.key", True),
    ("sasl.oauthbearer.client.credentials.client.secret", True),
    ("SSL.KEYSTORE.PASSWORD", True),
    ("listeners", False),
    ("ssl.keystore.location", False),
    ("ssl.keystore.type", False),
    ("zookeeper.connect", False),
    ("sasl.enabled.mechanisms", False),
    ("broker.id", False),
])
def test_is_secret_key(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


MASK_SOURCE = """\
# security
ssl.keystore.location=/etc/kafka/ks.jks
ssl.keystore.password = s3cret
ssl.key.password:k3y
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
    username="admin" \\
    password="admin-secret";
empty.password=
ssl.truststore.password\\
  =hidden
listeners=SASL_SSL://b1:9093
"""

MASK_EXPECTED = """\
# security
ssl.keystore.location=/etc/kafka/ks.jks
ssl.keystore.password = ********
ssl.key.password:********
sasl.jaas.config=********
empty.password=
ssl.truststore.password=********
listeners=SASL_SSL://b1:9093
"""


def test_mask_text_keeps_structure_and_hides_values() -> None:
    masked = mask(MASK_SOURCE)
    assert masked == MASK_EXPECTED
    for secret in ("s3cret", "k3y", "admin-secret", "hidden"):
        assert secret not in masked


def test_mask_document_and_mapping() -> None:
    document = PropertiesDocument.parse(MASK_SOURCE)
    assert mask(document) == MASK_EXPECTED
    assert document.render() == MASK_SOURCE  # masking must not edit the document
    assert mask({"ssl.key.password": "k", "broker.id": "1", "x.password": ""}) == {
        "ssl.key.password": MASK, "broker.id": "1", "x.password": "",
    }


def test_masked_diff_shows_changed_secret_line_only_by_position() -> None:
    before = PropertiesDocument.parse(MASK_SOURCE)
    after = PropertiesDocument.parse(MASK_SOURCE)
    after.set("ssl.key.password", "new")
    after.set("listeners", "SASL_SSL://b1:9094")
    diff = list(difflib.unified_diff(mask(before).splitlines(), mask(after).splitlines(), lineterm="", n=0))
    assert "-listeners=SASL_SSL://b1:9093" in diff
    assert "+listeners=SASL_SSL://b1:9094" in diff
    assert not any("new" in line or "k3y" in line for line in diff)


# ---------------------------------------------------------------------------
# java.util.Properties itself, when a JDK is installed
# ---------------------------------------------------------------------------
ORACLE_SOURCE = r"""
import java.io.*;
import java.util.*;

public class PropsOracle {
    public static void main(String[] args) throws IOException {
        DataInputStream in = new DataInputStream(new BufferedInputStream(System.in));
        PrintStream out = new PrintStream(new BufferedOutputStream(System.out), false, "US-ASCII");
        while (true) {
            int len;
            try { len = in.readInt(); } catch (EOFException e) { break; }
            byte[] doc = new byte[len];
            in.readFully(doc);
            Properties props = new Properties();
            try {
                props.load(new ByteArrayInputStream(doc));
            } catch (IllegalArgumentException e) {
                out.println("ERR");
                continue;
            }
            StringBuilder line = new StringBuilder("OK");
            for (String name : props.stringPropertyNames()) {
                line.append(' ').append(hex(name)).append(' ').append(hex(props.getProperty(name)));
            }
            out.println(line);
        }
        out.flush();
    }

    // UTF-16 code units in hex, so lone surrogates survive; the x keeps empty strings visible.
    static String hex(String s) {
        StringBuilder b = new StringBuilder("x");
        for (char c : s.toCharArray()) b.append(String.format("%04x", (int) c));
        return b.toString();
    }
}
"""


def _decode_utf16_hex(token: str) -> str:
    return bytes.fromhex(token[1:]).decode("utf-16-be", "surrogatepass")


def java_load_all(documents: list[bytes], workdir: Path) -> list[dict[str, str] | None]:
    """Load every document with java.util.Properties in one JVM; None where Java throws."""
    source = workdir / "PropsOracle.java"
    source.write_text(ORACLE_SOURCE)
    payload = b"".join(struct.pack(">i", len(doc)) + doc for doc in documents)
    java = shutil.which("java")
    assert java is not None
    completed = subprocess.run([java, str(source)], input=payload, capture_output=True, check=True, timeout=120)
    results: list[dict[str, str] | None] = []
    for line in completed.stdout.decode("ascii").splitlines():
        if line == "ERR":
            results.append(None)
            continue
        tokens = line.split(" ")[1:]
        results.append({_decode_utf16_hex(k): _decode_utf16_hex(v) for k, v in zip(tokens[::2], tokens[1::2])})
    assert len(results) == len(documents)
    return results


def random_documents(count: int, seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [
        "".join(rng.choice(FRAGMENTS) for dummy_i in range(rng.randint(0, 40))).encode("latin-1")
        for dummy_doc in range(count)
    ] + [bytes(rng.randrange(256) for dummy_i in range(rng.randint(0, 60))) for dummy_doc in range(count // 4)]


def our_load(document: bytes) -> dict[str, str] | None:
    try:
        return PropertiesDocument.parse_bytes(document).to_dict()
    except PropertiesError:
        return None


@pytest.mark.skipif(shutil.which("java") is None, reason="needs a JDK for java.util.Properties")
def test_parse_matches_java_util_properties(tmp_path: Path) -> None:
    table = [text.encode("latin-1") for dummy_name, text, dummy_expected in SYNTAX_CASES]
    edited = []
    for text in random_documents(200, seed=11):
        # Edited documents must still mean what the model says they mean.
        document = PropertiesDocument.parse_bytes(text) if our_load(text) is not None else None
        if document is not None:
            document.set("k e=y", " v\\al\n")
            document.delete("a")
            edited.append(document.render_bytes())
    fuzz = random_documents(2000, seed=7)
    corpus = table + edited + fuzz + [dumps({"\U0001F600 k": "\ud83d lone", "": "", " ": "#!"}).encode("latin-1")]
    java_results = java_load_all(corpus, tmp_path)
    mismatches = [
        (doc, ours, theirs)
        for doc, ours, theirs in zip(corpus, map(our_load, corpus), java_results)
        if ours != theirs
    ]
    assert mismatches == []
    # The table's expectations are Java's own answers.
    assert java_results[:len(table)] == [case[2] for case in SYNTAX_CASES]


def test_apply_places_a_missing_key_where_the_layout_had_it() -> None:
    layout = PropertiesDocument.parse("#\n# ids\n#\nbroker.id=1\nb=2\n#\nc=3\n")
    doc = PropertiesDocument.parse("#\n# ids\n#\nb=2\n#\nc=3\n")
    # "#" is found twice in each file and anchors nothing; "# ids" is unique.
    assert doc.apply({"broker.id": "1"}, [layout]) == [Change("broker.id", None, "1")]
    assert doc.render() == "#\n# ids\n#\nbroker.id=1\nb=2\n#\nc=3\n"


def test_apply_anchors_on_the_next_entry_when_nothing_before_matches() -> None:
    layout = PropertiesDocument.parse("a=1\nb=2\n")
    doc = PropertiesDocument.parse("# header\nb=2\n")
    doc.apply({"a": "1"}, [layout])
    assert doc.render() == "# header\na=1\nb=2\n"


def test_apply_restores_several_keys_in_the_layout_order() -> None:
    layout = PropertiesDocument.parse("x=0\n# zk\nzookeeper.connect=zk:2181\nzookeeper.session.timeout.ms=18000\ny=1\n")
    doc = PropertiesDocument.parse("x=0\n# zk\ny=1\n")
    # Asked for in another order: each restored key still anchors the next.
    doc.apply({"zookeeper.session.timeout.ms": "18000", "zookeeper.connect": "zk:2181"}, [layout])
    assert doc.render() == layout.render()


def test_apply_uses_the_first_layout_that_holds_the_key_and_appends_without_one() -> None:
    newer = PropertiesDocument.parse("a=1\n")
    older = PropertiesDocument.parse("a=1\nk=old\nb=2\n")
    doc = PropertiesDocument.parse("a=1\nb=2")
    doc.apply({"k": "v", "new": "1"}, [newer, older])
    # k goes after a (as in the older file); "new" is in no layout: appended, the last line terminated.
    assert doc.render() == "a=1\nk=v\nb=2\nnew=1\n"


def test_apply_without_layout_appends() -> None:
    doc = PropertiesDocument.parse("# zk\nb=2\n")
    doc.apply({"zookeeper.connect": "zk"})
    assert doc.render() == "# zk\nb=2\nzookeeper.connect=zk\n"
