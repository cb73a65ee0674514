# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The fast paths of the properties codec give exactly what the plain paths give."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import properties
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.properties import (
    Change,
    PropertiesDocument,
)

# Text rich in the characters escaping cares about, plus any character at all.
SPECIALS = list(" =:#!\\\t\n\r\f\x00\x7f\x80é€\U0001F600aZ09._-\"$;<>[]{}~")
TRICKY = st.text(alphabet=st.sampled_from(SPECIALS) | st.characters(), max_size=12)


@given(TRICKY, st.booleans())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_escape_fast_path_matches_the_char_by_char_path(text: str, is_key: bool) -> None:
    assert properties._escape(text, is_key) == properties._escape_slow(text, is_key)


@pytest.mark.parametrize("text,is_key,expected", [
    ("broker.id", True, "broker.id"),
    ("a=b", True, "a\\=b"),
    ("a b", True, "a\\ b"),
    ("#a", True, "\\#a"),
    ("!", True, "\\!"),
    ("a:b", True, "a\\:b"),
    ("INTERNAL://h:9092,EXTERNAL://h:9094", False, "INTERNAL://h:9092,EXTERNAL://h:9094"),
    (" lead", False, "\\ lead"),
    ("mid space=#!:", False, "mid space=#!:"),
    ("back\\slash", False, "back\\\\slash"),
    ("", False, ""),
    ("", True, ""),
    ("é", False, "\\u00E9"),
    ("tab\t", False, "tab\\t"),
    ("~\x7f", False, "~\\u007F"),
])
def test_escape_cases(text: str, is_key: bool, expected: str) -> None:
    assert properties._escape(text, is_key) == expected
    assert properties._escape_slow(text, is_key) == expected


class _Tagged(str):
    """A str subclass, as Ansible hands over inventory values."""


def test_remembered_escapes_are_plain_text_equal_to_the_plain_path() -> None:
    for key, value in (("a b", " v"), ("broker.id", "7"), ("k", "é\\")):
        line = properties._format_line(_Tagged(key), _Tagged(value))
        assert line.__class__ is str  # exactly str, not the subclass
        assert line == f"{properties._escape_slow(key, True)}={properties._escape_slow(value, False)}"
        assert properties.escape_key(_Tagged(key)).__class__ is str
        assert properties._format_line(key, value) == line


def test_apply_skips_a_key_already_set_once_and_still_dedups() -> None:
    document = PropertiesDocument.parse("a=1\nb=2\nb=2\n")
    assert document.apply({"a": "1", "b": "2"}) == [Change("b", "2", "2")]
    assert document.render() == "a=1\nb=2\n"


def _apply_key_by_key(document: PropertiesDocument, desired: dict[str, str | None]) -> list[Change]:
    """What apply is defined as: get, then delete or set, one key after the other."""
    changes: list[Change] = []
    for key, value in desired.items():
        old = document.get(key)
        if value is None:
            if document.delete(key):
                changes.append(Change(key, old, None))
        elif document.set(key, value):
            changes.append(Change(key, old, value))
    return changes


KEYS = st.sampled_from(["a", "b", "c", "d", "e", "a b", "x.y"])
LINE = st.one_of(
    st.builds(lambda k, v, sep: f"{k}{sep}{v}", KEYS, st.sampled_from(["1", "2", "v w", "", "x\\"]),
              st.sampled_from(["=", ":", " ", " = "])),
    st.sampled_from(["# comment", "", "   ", "! bang", "  c=cont\\", "   d"]),
)
DOCUMENT = st.builds(lambda lines, ends, last: "".join(line + end for line, end in zip(lines, ends)) + last,
                     st.lists(LINE, max_size=8),
                     st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=8, max_size=8),
                     st.sampled_from(["", "z=9", "q=\\", "\\"]))
DESIRED = st.dictionaries(KEYS, st.one_of(st.none(), st.sampled_from(["1", "2", "new", " s", "é"])), max_size=6)


# Many keys the document lacks, as a plan from the inventory appends them one after the other, mixed with
# deletions and rewrites that change which line break the document uses and which entry ends it.
MANY_KEYS = st.sampled_from(["a", "b", "c", "d", "e", "a b", "x.y", "n1", "n2", "n3", "#n", "é", "k\\"])
MANY = st.dictionaries(MANY_KEYS, st.one_of(st.none(), st.sampled_from(["1", "2", "new", " s", "é", "a\\b", "\U0001F600"])),
                       max_size=12)


@given(DOCUMENT, MANY)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_apply_appending_many_keys_matches_key_by_key(text: str, desired: dict[str, str | None]) -> None:
    fast = PropertiesDocument.parse(text)
    slow = PropertiesDocument.parse(text)
    assert fast.apply(desired) == _apply_key_by_key(slow, desired)
    assert fast.render() == slow.render()
    assert fast.masked() == slow.masked()
    assert PropertiesDocument.parse(fast.render()).to_dict() == slow.to_dict()


@given(DOCUMENT, DESIRED)
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_apply_matches_key_by_key(text: str, desired: dict[str, str | None]) -> None:
    fast = PropertiesDocument.parse(text)
    slow = PropertiesDocument.parse(text)
    assert fast.apply(desired) == _apply_key_by_key(slow, desired)
    assert fast.render() == slow.render()
    assert fast.masked() == slow.masked()
    assert fast.to_dict() == slow.to_dict()


def test_apply_with_duplicates_deletes_and_appends() -> None:
    document = PropertiesDocument.parse("a=1\nb=2\na=3\nc=4\n")
    changes = document.apply({"a": "9", "b": None, "d": "5", "c": "4", "e": "6"})
    assert changes == [Change("a", "3", "9"), Change("b", "2", None), Change("d", None, "5"), Change("e", None, "6")]
    assert document.render() == "a=9\nc=4\nd=5\ne=6\n"


def test_parsed_documents_do_not_share_entries() -> None:
    text = "# head\na=1\nb=2\\\n  more\n"
    first = PropertiesDocument.parse(text)
    first.apply({"a": "changed", "b": None, "n": "new"})
    second = PropertiesDocument.parse(text)
    assert second.render() == text
    assert second.to_dict() == {"a": "1", "b": "2more"}
    assert first.render() == "# head\na=changed\nn=new\n"


def _entries(document: PropertiesDocument) -> list[tuple[Any, ...]]:
    return [(e.lines, e.key, e.value, e.prefix, e.dangling) for e in document._entries]


def test_a_copy_shares_no_entry() -> None:
    text = "# head\na=1\nb=2\\\n  more\n"
    original = PropertiesDocument.parse(text)
    copy = original.copy()
    assert _entries(copy) == _entries(original)
    copy.apply({"a": "changed", "b": None, "n": "new"})
    assert original.render() == text and _entries(original) == _entries(PropertiesDocument.parse(text))


# Keys and values of every kind a plan writes: escaping, unicode, separators, comment markers, blanks.
WRITTEN = st.text(alphabet=st.sampled_from(SPECIALS), max_size=6) | TRICKY


@given(st.dictionaries(WRITTEN, st.one_of(st.none(), WRITTEN), max_size=10))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_a_file_written_from_nothing_reads_back_as_the_same_entries(desired: dict[str, str | None]) -> None:
    # The plan merges onto such a document instead of parsing its text again (render_each_onto).
    document = PropertiesDocument([])
    document.apply(desired)
    assert _entries(PropertiesDocument.parse(document.render())) == _entries(document)


def test_an_edited_file_may_read_back_otherwise() -> None:
    # Why render_each_onto takes only parsed or written documents: a deletion can bring a CR and an LF of two
    # entries together, which read back as one CRLF.
    document = PropertiesDocument.parse("# c\rb=1\n\n")
    document.apply({"b": None})
    assert _entries(PropertiesDocument.parse(document.render())) != _entries(document)


@given(st.dictionaries(WRITTEN, WRITTEN, max_size=10))
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_written_is_dumps_parsed_and_apply_from_nothing(props: dict[str, str]) -> None:
    written = PropertiesDocument.written(props)
    applied = PropertiesDocument([])
    applied.apply(props)
    assert _entries(written) == _entries(applied) == _entries(PropertiesDocument.parse(properties.dumps(props)))
    assert written.render() == properties.dumps(props)
