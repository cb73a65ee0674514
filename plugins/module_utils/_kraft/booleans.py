# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""How run options and inventory values spell true and false (stdlib only).

check_inputs accepts exactly these words, and the plan reads them the same way, so a value the
validation let through cannot mean something else later.
"""

from __future__ import annotations

from typing import Any

TRUE_WORDS = ("true", "yes", "on", "1", "y", "t")
FALSE_WORDS = ("false", "no", "off", "0", "n", "f")


def is_true(value: Any) -> bool:
    """A YAML boolean, or from -e a string: true only for one of TRUE_WORDS."""
    return value is True or str(value).strip().lower() in TRUE_WORDS


def is_false(value: Any) -> bool:
    """Unset, a YAML false, or one of FALSE_WORDS: a value that is validly false."""
    return value is None or value is False or str(value).strip().lower() in FALSE_WORDS
