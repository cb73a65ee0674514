# Copyright (c) zk2kraft.migration contributors
# Apache License 2.0 (see LICENSE or https://www.apache.org/licenses/LICENSE-2.0)
# SPDX-License-Identifier: Apache-2.0
"""Java ``.properties`` codec that keeps the operator's file intact.

Private to this collection; the API may change without notice.

Parsing follows ``java.util.Properties.load`` of Java 9 and later, which is
what Kafka's ``Utils.loadProps`` calls on every ``server.properties``.

Encoding: Kafka hands the file to ``Properties.load(InputStream)``, which reads
bytes as ISO-8859-1. ``parse_bytes``/``render_bytes`` therefore decode and
encode Latin-1, so every byte survives a round trip and the parsed values are
exactly what Kafka sees. The ``str`` API works on text that was already
decoded. Lines this module writes are pure ASCII: anything outside printable
ASCII is written as a ``\\uXXXX`` escape, which reads back the same under any
encoding.

Differences from Java worth knowing:
- Java 8 treats a comment marker as data when the logical line so far holds
  nothing but a line continuation (``\\`` alone on a line, then ``# x``);
  Java 9+ (and this module) treat it as a comment.
- Unpaired UTF-16 surrogates produced by ``\\uXXXX`` escapes stay as lone
  surrogate code points; paired ones become one code point, as in Java.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import overload

# Java's Properties treats only these three as whitespace.
_WHITESPACE = " \t\f"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_ESCAPE_OUT = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}
_KEY_SPECIALS = frozenset(" =:#!")
# Text _escape leaves unchanged: printable ASCII without a backslash; a key also without
# whitespace, separators or comment markers; a value not starting with a space.
_PLAIN_KEY = re.compile(r"[\x22\x24-\x39\x3b\x3c\x3e-\x5b\x5d-\x7e]*")
_PLAIN_VALUE = re.compile(r"(?:[\x21-\x5b\x5d-\x7e][\x20-\x5b\x5d-\x7e]*)?")

MASK = "********"

# A UTF-8 byte order mark as it arrives: decoded as UTF-8, or as ISO-8859-1 (how Java reads the bytes).
_BOMS = ("\ufeff", "\xef\xbb\xbf")
# Characters no text properties file holds: C0 controls other than the whitespace and line breaks,
# and what a UTF-8 decoder leaves for bytes it could not decode.
_BINARY = re.compile("[\x00-\x08\x0e-\x1f\x7f\ufffd\udc80-\udcff]")


def strip_bom(text: str) -> str:
    """``text`` without a leading UTF-8 byte order mark (Java would make it part of the first key)."""
    for bom in _BOMS:
        if text.startswith(bom):
            return text[len(bom):]
    return text


def binary_reason(text: str) -> str | None:
    """Why ``text`` is not a text properties file (a NUL or other control byte), or None."""
    match = _BINARY.search(text)
    if match is None:
        return None
    return f"binary content (character 0x{ord(match.group()):02x} at offset {match.start()})"


class PropertiesError(ValueError):
    """A document Java would refuse to load (a malformed ``\\uXXXX`` escape) or cannot encode."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(message if line is None else f"line {line}: {message}")


@dataclass(frozen=True)
class Change:
    """One key's edit: ``old`` is None when the key was added, ``new`` is None when it was deleted.

    ``old == new`` means only duplicate occurrences of the key were removed.
    """

    key: str
    old: str | None
    new: str | None


@dataclass
class _Entry:
    """One logical unit of the file: a property with its continuation lines, or lines Java ignores."""

    lines: list[str]  # physical lines, verbatim, each with its own line terminator (the last may lack one)
    key: str | None = None  # None for blank lines and comments
    value: str | None = None
    prefix: str | None = None  # raw text up to the value on the first line, when the value starts there
    dangling: bool = False  # ends with a continuation backslash at end of file


def _physical_lines(text: str) -> Iterator[tuple[str, str]]:
    """Split into (content, terminator) pairs; Java ends lines at LF, CR and CRLF only."""
    pos = 0
    for match in _LINE_BREAK.finditer(text):
        yield text[pos:match.start()], match.group()
        pos = match.end()
    if pos < len(text):
        yield text[pos:], ""


def _trailing_backslashes(segment: str) -> int:
    return len(segment) - len(segment.rstrip("\\"))


def _unescape(raw: str, line: int, what: str) -> str:
    """Java's loadConvert: ``\\uXXXX``, ``\\t \\n \\r \\f``, and backslash + any other character."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    end = len(raw)
    while i < end:
        char = raw[i]
        i += 1
        if char != "\\":
            out.append(char)
            continue
        # The parser never leaves an unescaped backslash at the end of a key or value.
        char = raw[i]
        i += 1
        if char == "u":
            digits = raw[i:i + 4]
            if len(digits) < 4 or not all(d in _HEX_DIGITS for d in digits):
                raise PropertiesError(f"malformed \\uxxxx escape in {what} {raw!r}", line)
            out.append(chr(int(digits, 16)))
            i += 4
        else:
            out.append(_SIMPLE_ESCAPES.get(char, char))
    result = "".join(out)
    # Java strings are UTF-16: a high and low surrogate written as two escapes are one character.
    return result.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _split_key_value(logical: str) -> tuple[str, str, int]:
    """Java's load0: return raw key, raw value and the offset where the value starts."""
    limit = len(logical)
    key_len = 0
    value_start = limit
    has_separator = False
    preceding_backslash = False
    while key_len < limit:
        char = logical[key_len]
        if char in "=:" and not preceding_backslash:
            value_start = key_len + 1
            has_separator = True
            break
        if char in _WHITESPACE and not preceding_backslash:
            value_start = key_len + 1
            break
        preceding_backslash = char == "\\" and not preceding_backslash
        key_len += 1
    while value_start < limit:
        char = logical[value_start]
        if char not in _WHITESPACE:
            if has_separator or char not in "=:":
                break
            has_separator = True
        value_start += 1
    return logical[:key_len], logical[value_start:], value_start


def _parse_entries(text: str) -> list[_Entry]:
    """Group physical lines into entries the way Java's LineReader forms logical lines."""
    entries: list[_Entry] = []
    lines = list(_physical_lines(text))
    group: list[str] = []
    logical = ""  # the logical line so far, continuation backslashes removed
    first_line = 0  # 1-based number of the group's first physical line, for error messages
    first_indent = 0
    first_segment = ""

    def flush_property(dangling: bool) -> None:
        raw_key, raw_value, value_start = _split_key_value(logical)
        entries.append(_Entry(
            lines=list(group),
            key=_unescape(raw_key, first_line, "key"),
            value=_unescape(raw_value, first_line, "value"),
            # Only when the value begins on the first physical line can masking keep the key as written.
            prefix=group[0][:first_indent + value_start] if value_start <= len(first_segment) else None,
            dangling=dangling,
        ))

    for index, (content, terminator) in enumerate(lines):
        physical = content + terminator
        stripped = content.lstrip(_WHITESPACE)
        if not group:
            first_line = index + 1
        group.append(physical)
        if not stripped:
            if logical:
                # A blank line after a continuation ends the logical line.
                flush_property(dangling=False)
            else:
                entries.append(_Entry(lines=list(group)))
            group, logical = [], ""
            continue
        if not logical and stripped[0] in "#!":
            # Comments never continue; a group of bare continuation lines before it is ignored with it.
            entries.append(_Entry(lines=list(group)))
            group, logical = [], ""
            continue
        segment = stripped
        odd = _trailing_backslashes(segment) % 2 == 1
        if odd:
            segment = segment[:-1]
        if len(group) == 1:
            first_indent = len(content) - len(stripped)
            first_segment = segment
        logical += segment
        at_end = index == len(lines) - 1
        if odd and not at_end:
            continue
        if odd and terminator == "\r\n" and not logical:
            # Java sees the LF after the CR and skips it as part of the continuation before
            # meeting end of file, so an empty logical line yields nothing (after LF or CR it yields key "").
            entries.append(_Entry(lines=list(group)))
        else:
            flush_property(dangling=odd)
        group, logical = [], ""
    if group:
        # A continuation into a last line holding only whitespace.
        if logical:
            flush_property(dangling=False)
        else:
            entries.append(_Entry(lines=list(group)))
    return entries


@functools.lru_cache(maxsize=32)
def _parse_cached(text: str) -> tuple[_Entry, ...]:
    """Entries of ``text``, shared between callers: PropertiesDocument.parse copies them."""
    return tuple(_parse_entries(text))


def _copied(entries: Sequence[_Entry]) -> list[_Entry]:
    return [_Entry(list(e.lines), e.key, e.value, e.prefix, e.dangling) for e in entries]


def _escape(text: str, is_key: bool) -> str:
    if (_PLAIN_KEY if is_key else _PLAIN_VALUE).fullmatch(text):
        # Fast path: nothing to escape (almost every key and value of a broker's file).
        return text
    return _escape_slow(text, is_key)


def _escape_slow(text: str, is_key: bool) -> str:
    out: list[str] = []
    for position, char in enumerate(text):
        code = ord(char)
        if char in _ESCAPE_OUT:
            out.append(_ESCAPE_OUT[char])
        elif is_key and char in _KEY_SPECIALS:
            out.append("\\" + char)
        elif char == " " and position == 0:
            # A leading space of a value would be taken as part of the separator.
            out.append("\\ ")
        elif 0x20 <= code <= 0x7E:
            out.append(char)
        elif code > 0xFFFF:
            # Java escapes are UTF-16 code units.
            code -= 0x10000
            out.append(f"\\u{0xD800 + (code >> 10):04X}\\u{0xDC00 + (code & 0x3FF):04X}")
        else:
            out.append(f"\\u{code:04X}")
    return "".join(out)


# A plan writes the same few dozen keys, and mostly the same values, for every node in every phase:
# escape each once. The results are plain str, whatever str subclass came in.
@functools.lru_cache(maxsize=4096)
def escape_key(key: str) -> str:
    """Escape a key for writing: whitespace, separators, comment markers, backslashes, non-ASCII."""
    return str(_escape(key, is_key=True))


def escape_value(value: str) -> str:
    """Escape a value for writing: a leading space, backslashes, control and non-ASCII characters."""
    return _escape(value, is_key=False)


@functools.lru_cache(maxsize=65536)
def _format_line(key: str, value: str) -> str:
    return f"{escape_key(key)}={escape_value(value)}"


class PropertiesDocument:
    """A parsed file that re-renders byte for byte, except for the entries changed through it."""

    def __init__(self, entries: list[_Entry]) -> None:
        self._entries = entries

    @classmethod
    def parse(cls, text: str) -> PropertiesDocument:
        # A plan parses each node's file once per phase: parse the text once, copy the entries.
        return cls(_copied(_parse_cached(text)))

    @classmethod
    def written(cls, props: Mapping[str, str]) -> PropertiesDocument:
        """The document of ``dumps(props)`` without writing and parsing its text (what ``apply`` makes of an
        empty document): a plan builds one for each broker it knows from the inventory only."""
        return cls([_Entry([_format_line(key, value) + "\n"], key, value, escape_key(key) + "=")
                    for key, value in props.items()])

    def copy(self) -> PropertiesDocument:
        """A document of its own with the same entries: what parsing this one's text gives again."""
        return PropertiesDocument(_copied(self._entries))

    @classmethod
    def parse_bytes(cls, data: bytes) -> PropertiesDocument:
        """Parse file content the way Kafka reads it (ISO-8859-1)."""
        return cls.parse(data.decode("latin-1"))

    def render(self) -> str:
        return "".join(line for entry in self._entries for line in entry.lines)

    def render_bytes(self) -> bytes:
        text = self.render()
        try:
            return text.encode("latin-1")
        except UnicodeEncodeError as exc:
            raise PropertiesError(
                f"character {text[exc.start]!r} cannot be stored in an ISO-8859-1 properties file; write it as a \\uXXXX escape"
            ) from exc

    def to_dict(self) -> dict[str, str]:
        result: dict[str, str] = {}
        for key, value in self.items():
            result[key] = value
        return result

    def items(self) -> Iterator[tuple[str, str]]:
        """Every property in file order, duplicates included."""
        for entry in self._entries:
            if entry.key is not None and entry.value is not None:
                yield entry.key, entry.value

    def keys(self) -> list[str]:
        """Distinct keys in order of first appearance."""
        return list(self.to_dict())

    def __contains__(self, key: object) -> bool:
        return any(entry.key == key for entry in self._entries)

    def get(self, key: str, default: str | None = None) -> str | None:
        for entry in reversed(self._entries):
            if entry.key == key:
                return entry.value
        return default

    def _newline(self) -> str:
        # New lines follow the file's own convention.
        for entry in self._entries:
            for line in entry.lines:
                match = _LINE_BREAK.search(line)
                if match:
                    return match.group()
        return "\n"

    def _terminate_last_line(self) -> None:
        """Make sure text appended after the last entry starts on a line of its own."""
        if not self._entries:
            return
        last = self._entries[-1]
        if last.dangling and last.key is not None and last.value is not None:
            # Its trailing backslash would join the appended line: rewrite it without one.
            last.lines = [_format_line(last.key, last.value)]
            last.prefix = escape_key(last.key) + "="
            last.dangling = False
        if not last.lines[-1].endswith(("\n", "\r")):
            last.lines[-1] += self._newline()
        content = last.lines[-1].rstrip("\r\n").lstrip(_WHITESPACE)
        if last.key is None and content[:1] not in ("#", "!") and _trailing_backslashes(content) % 2 == 1:
            # A bare continuation left open at end of file: a blank line closes it.
            last.lines.append(self._newline())

    def set(self, key: str, value: str) -> bool:
        """Give ``key`` this value; return True when the text changed.

        The last occurrence is rewritten in place as one ``key=value`` line and
        earlier duplicates are removed; an absent key is appended at the end.
        """
        return self._set(key, value, [i for i, entry in enumerate(self._entries) if entry.key == key])

    def _set(self, key: str, value: str, positions: list[int]) -> bool:
        """``set`` with the indexes of ``key``'s entries already known (in file order)."""
        if not positions:
            self._terminate_last_line()
            self._entries.append(_Entry(
                lines=[_format_line(key, value) + self._newline()],
                key=key,
                value=value,
                prefix=escape_key(key) + "=",
            ))
            return True
        last = self._entries[positions[-1]]
        changed = len(positions) > 1
        if last.value != value:
            match = _LINE_BREAK.search(last.lines[-1])
            terminator = match.group() if match and match.end() == len(last.lines[-1]) else ""
            last.lines = [_format_line(key, value) + terminator]
            last.value = value
            last.prefix = escape_key(key) + "="
            last.dangling = False
            changed = True
        for index in reversed(positions[:-1]):
            del self._entries[index]
        return changed

    def delete(self, key: str) -> bool:
        """Remove every occurrence of ``key`` with its continuation lines; return True if any existed."""
        kept = [entry for entry in self._entries if entry.key != key]
        removed = len(kept) != len(self._entries)
        self._entries = kept
        return removed

    def apply(self, desired: Mapping[str, str | None],
              layout: Sequence[PropertiesDocument] = ()) -> list[Change]:
        """Bring the document to ``desired`` (None deletes); other keys are left alone.

        A key the document lacks goes where the first of ``layout`` (earlier versions of the file,
        newest first) that holds it had it, beside the same neighbours and comments; else at the end.
        """
        changes: list[Change] = []
        # Restored keys in the order the layout file had them, so each can anchor the next.
        desired = _layout_order(desired, layout)
        # The same steps as get, delete and set key by key, with the entries of each key looked up
        # in an index instead of a scan of the file; the index is rebuilt when entries move.
        index = self._key_index()
        # Most keys of a file planned from the inventory are appended one after the other. The entry this call
        # appended last ends the file properly, so the next append needs no _terminate_last_line; and the file's
        # line break (_newline) stays the same until an entry is removed or rewritten.
        appended: _Entry | None = None
        newline: str | None = None
        for key, value in desired.items():
            positions = index.get(key, [])
            old = self._entries[positions[-1]].value if positions else None
            if value is None:
                if positions:
                    self._entries = [entry for entry in self._entries if entry.key != key]
                    index = self._key_index()
                    changes.append(Change(key, old, None))
                    newline = None
                continue
            if len(positions) == 1 and self._entries[positions[0]].value == value:
                continue  # already so, written once: what _set would find, without the call
            at = None if positions or not layout else self._layout_position(key, layout)
            if at is not None:
                self._insert(at, key, value)
                changes.append(Change(key, None, value))
                index = self._key_index()
                newline = None
                continue
            if not positions:
                # What _set does for an absent key.
                if appended is None or self._entries[-1] is not appended:
                    self._terminate_last_line()
                    newline = None
                if newline is None:
                    newline = self._newline()
                appended = _Entry(lines=[_format_line(key, value) + newline], key=key, value=value,
                                  prefix=escape_key(key) + "=")
                self._entries.append(appended)
                changes.append(Change(key, None, value))
                index[key] = [len(self._entries) - 1]
                continue
            if self._set(key, value, positions):
                changes.append(Change(key, old, value))
                newline = None
            if len(positions) > 1:
                index = self._key_index()
        return changes

    def _insert(self, at: int, key: str, value: str) -> None:
        """A new ``key=value`` entry before entry ``at`` (a line of its own)."""
        if at > 0:
            before = self._entries[at - 1]
            if before.dangling or not before.lines[-1].endswith(("\n", "\r")):
                # Only the end of the file lacks a line end or continues: append instead.
                self._set(key, value, [])
                return
        self._entries.insert(at, _Entry(
            lines=[_format_line(key, value) + self._newline()], key=key, value=value,
            prefix=escape_key(key) + "="))

    def _layout_position(self, key: str, layout: Sequence[PropertiesDocument]) -> int | None:
        """Where ``key`` goes by the first layout document holding it: after the nearest entry before it
        there that this document also has (a key, or a comment line found once in both), else before
        the nearest such entry after it. None: no layout, or no anchor in common."""
        for reference in layout:
            spots = [i for i, entry in enumerate(reference._entries) if entry.key == key]
            if not spots:
                continue
            spot = spots[-1]
            mine = self._anchors()
            theirs = reference._anchors()
            for j in range(spot - 1, -1, -1):
                anchor = _anchor_of(reference._entries[j], theirs)
                if anchor is not None and anchor in mine:
                    at = mine[anchor][-1] + 1
                    # Past the blank and banner lines that followed the anchor there too.
                    for between in reference._entries[j + 1:spot]:
                        if (at < len(self._entries) and self._entries[at].key is None
                                and self._entries[at].lines == between.lines):
                            at += 1
                        else:
                            break
                    return at
            for j in range(spot + 1, len(reference._entries)):
                anchor = _anchor_of(reference._entries[j], theirs)
                if anchor is not None and anchor in mine:
                    return mine[anchor][0]
            return None
        return None

    def _anchors(self) -> dict[tuple[str, str], list[int]]:
        """Entries that can anchor a restored key: keys, and non-blank comment lines."""
        found: dict[tuple[str, str], list[int]] = {}
        for position, entry in enumerate(self._entries):
            if entry.key is not None:
                found.setdefault(("key", entry.key), []).append(position)
            else:
                text = "".join(entry.lines).strip()
                if text[:1] in ("#", "!") and text.strip("#! \t") and "\n" not in text:
                    found.setdefault(("comment", text), []).append(position)
        return found

    def _key_index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = {}
        for position, entry in enumerate(self._entries):
            if entry.key is not None:
                index.setdefault(entry.key, []).append(position)
        return index

    def masked(self) -> str:
        """Render with the values of secret-looking keys replaced by ``********``.

        Each secret entry collapses to one line at its own place, so a diff of
        two masked renderings lines up with a diff of the real files.
        """
        parts: list[str] = []
        for entry in self._entries:
            if entry.key is None or not entry.value or not is_secret_key(entry.key):
                parts.extend(entry.lines)
                continue
            match = _LINE_BREAK.search(entry.lines[-1])
            terminator = match.group() if match and match.end() == len(entry.lines[-1]) else ""
            prefix = entry.prefix if entry.prefix is not None else escape_key(entry.key) + "="
            parts.append(prefix + MASK + terminator)
        return "".join(parts)


def _anchor_of(entry: _Entry, anchors: Mapping[tuple[str, str], list[int]]) -> tuple[str, str] | None:
    """The anchor ``entry`` offers: its key, or its comment when the comment is found only once
    (a repeated ``#`` line or banner says nothing about where a key belongs)."""
    if entry.key is not None:
        return ("key", entry.key)
    anchor = ("comment", "".join(entry.lines).strip())
    return anchor if len(anchors.get(anchor, ())) == 1 else None


def _layout_order(desired: Mapping[str, str | None],
                  layout: Sequence[PropertiesDocument]) -> Mapping[str, str | None]:
    """``desired`` with the keys found in the layout documents first, in the order the first of them has
    them: a restored key then finds the restored key before it as its neighbour."""
    if not layout:
        return desired
    rank: dict[str, tuple[int, int]] = {}
    for number, reference in enumerate(layout):
        for position, entry in enumerate(reference._entries):
            if entry.key is not None and entry.key in desired and entry.key not in rank:
                rank[entry.key] = (number, position)
    ordered = sorted(desired, key=lambda k: rank.get(k, (len(layout), 0)))
    return {key: desired[key] for key in ordered}


def loads(text: str) -> dict[str, str]:
    """Parse text into a dict with Java semantics (the last duplicate wins)."""
    return PropertiesDocument.parse(text).to_dict()


def dumps(props: Mapping[str, str]) -> str:
    """Write one escaped ``key=value`` line per entry, in the mapping's order."""
    return "".join(_format_line(key, value) + "\n" for key, value in props.items())


_SECRET_WORDS = ("password", "secret", "token", "credentials")
_SECRET_SUFFIXES = (".jaas.config", ".key")


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """True for keys whose values must never appear in logs, results or diffs."""
    lowered = key.lower()
    return (
        any(word in lowered for word in _SECRET_WORDS)
        or lowered.endswith(_SECRET_SUFFIXES)
        or lowered == "sasl.jaas.config"
    )


def masked_value(key: str, value: str | None) -> str | None:
    """A value as results and diffs may show it: a secret key's masked, even when empty; None stays None."""
    if value is None:
        return None
    return MASK if is_secret_key(key) else value


@overload
def mask(props: str) -> str:
    ...


@overload
def mask(props: PropertiesDocument) -> str:
    ...


@overload
def mask(props: Mapping[str, str]) -> dict[str, str]:
    ...


def mask(props: str | PropertiesDocument | Mapping[str, str]) -> str | dict[str, str]:
    """Hide secret values: text and documents come back as masked text, mappings as a masked dict.

    Empty values stay visible: that a password is unset is useful and reveals nothing.
    """
    if isinstance(props, str):
        return PropertiesDocument.parse(props).masked()
    if isinstance(props, PropertiesDocument):
        return props.masked()
    return {key: MASK if value and is_secret_key(key) else value for key, value in props.items()}
