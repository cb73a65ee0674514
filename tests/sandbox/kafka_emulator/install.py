"""Install the emulator as "a Kafka distribution": install.py DEST --python PYEXE [--kafka-version V].

Creates DEST/bin/<kafka tools>.sh wrappers that run `PYEXE -m kafka_emulator <tool>` with PYTHONPATH set to
this package's parent, DEST/EMULATOR.md, and DEST/libs/kafka-emulator-version.txt. Idempotent.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

TOOLS = ["kafka-server-start.sh", "kafka-server-stop.sh", "kafka-storage.sh", "kafka-metadata-quorum.sh",
         "kafka-topics.sh", "kafka-configs.sh", "kafka-acls.sh"]

README = """# Kafka node emulator (NOT Apache Kafka)

This directory holds the zk2kraft sandbox's Kafka node emulator, installed where a Kafka
distribution would be. It is test infrastructure: it imitates what automation can observe of an
Apache Kafka {version} node during a ZooKeeper to KRaft migration (configuration checks, server.log
lines, ZooKeeper znodes, KRaft quorum, tool output, Jolokia-style metrics). It is not Kafka and
stores no real data.

Source: {source}
Every log line it writes (server.log, controller.log, ...) carries the `[KafkaEmulator]` marker
between the level and Kafka's message. The node's process runs as `... -m kafka_emulator kafka.Kafka CONFIG`.
"""


def _write_if_changed(path: Path, text: str, mode: int | None = None) -> bool:
    try:
        if path.read_text(encoding="utf-8") == text:
            if mode is not None and (path.stat().st_mode & 0o777) != mode:
                path.chmod(mode)
            return False
    except OSError:
        pass
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    if mode is not None:
        tmp.chmod(mode)
    os.replace(tmp, path)
    return True


def install(dest: Path, python: str, version: str) -> bool:
    package_root = Path(__file__).resolve().parent.parent
    changed = False
    for sub in ("bin", "libs", "config", "logs"):
        (dest / sub).mkdir(parents=True, exist_ok=True)
    for tool in TOOLS:
        # the server runs as `PYEXE -m kafka_emulator kafka.Kafka CONFIG`, like `java ... kafka.Kafka CONFIG`
        target = "kafka.Kafka" if tool == "kafka-server-start.sh" else tool
        script = (
            "#!/bin/sh\n"
            "# Kafka node emulator wrapper (test infrastructure, not Apache Kafka).\n"
            f"KAFKA_EMULATOR_HOME=\"$(cd \"$(dirname \"$0\")/..\" && pwd)\"\n"
            "export KAFKA_EMULATOR_HOME\n"
            f"PYTHONPATH='{package_root}'\n"
            "export PYTHONPATH\n"
            f"exec '{python}' -m kafka_emulator {target} \"$@\"\n"
        )
        changed |= _write_if_changed(dest / "bin" / tool, script, 0o755)
    changed |= _write_if_changed(dest / "EMULATOR.md", README.format(version=version, source=package_root / "kafka_emulator"))
    changed |= _write_if_changed(dest / "libs" / "kafka-emulator-version.txt", version + "\n")
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Install the Kafka node emulator into a directory.")
    parser.add_argument("dest")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--kafka-version", default="3.9.0")
    args = parser.parse_args(argv)
    changed = install(Path(args.dest), os.path.abspath(args.python), args.kafka_version)
    print("changed" if changed else "unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
