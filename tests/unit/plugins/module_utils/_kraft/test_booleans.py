# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""The spellings of true and false that check_inputs accepts and the plan reads."""

from __future__ import annotations

from typing import Any

import pytest

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.booleans import FALSE_WORDS, TRUE_WORDS, is_false, is_true


@pytest.mark.parametrize("value", [True, 1, "true", " Yes ", "ON", "1", "y", "T"])
def test_true_spellings(value: Any) -> None:
    assert is_true(value)


@pytest.mark.parametrize("value", [False, 0, None, "", "false", "no", "off", "0", "maybe", "2"])
def test_everything_else_is_false(value: Any) -> None:
    assert not is_true(value)


def test_every_word_is_either_true_or_false() -> None:
    assert not set(TRUE_WORDS) & set(FALSE_WORDS)
    assert all(is_true(word) for word in TRUE_WORDS)
    assert not any(is_true(word) for word in FALSE_WORDS)


@pytest.mark.parametrize("value", [None, False, 0, "false", " No ", "OFF", "0", "n", "F"])
def test_false_spellings_and_unset(value: Any) -> None:
    assert is_false(value)


@pytest.mark.parametrize("value", [True, 1, "true", "maybe", "", "2"])
def test_a_value_that_is_not_validly_false(value: Any) -> None:
    # Neither true nor a false word ("maybe", ""): not false either, so the caller checks it and refuses it.
    assert not is_false(value)
