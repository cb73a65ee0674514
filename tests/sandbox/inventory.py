#!/bin/sh
# Ansible inventory script for the sandbox.
#
# Prints the inventory that ``sandbox.py up`` generated, or an empty inventory while
# the sandbox is down, so tools that read their inventory before ``up`` runs (molecule's
# create step) still start. Stdlib only: Ansible may run it with any Python 3.
#
# Started through /bin/sh because a `python3` shebang is not one the collection's sanity
# checks accept for test files, and `python` is missing on stock Debian: the next line is
# the shell command that re-runs this file with python3, and a no-op string to Python.
"exec" "python3" "$0" "$@"

import json
import os
import sys
from pathlib import Path
from typing import Any

GENERATED = Path(os.environ.get("SANDBOX_STATE_DIR") or Path(__file__).resolve().parent / ".state") / "inventory.json"
EMPTY: dict[str, Any] = {"_meta": {"hostvars": {}}}


def main(argv: list[str]) -> int:
    inventory: dict[str, Any] = json.loads(GENERATED.read_text()) if GENERATED.is_file() else EMPTY
    if "--host" in argv:
        # _meta is always present, so Ansible never asks per host; answer correctly anyway.
        name = argv[argv.index("--host") + 1]
        print(json.dumps(inventory.get("_meta", {}).get("hostvars", {}).get(name, {})))
        return 0
    print(json.dumps(inventory))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
