"""`python -m kafka_emulator <tool> args...` — the bin/ scripts of the emulated distribution."""

from __future__ import annotations

import os
import sys


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: python -m kafka_emulator <kafka-tool.sh> [args...]", file=sys.stderr)
        return 2
    tool = sys.argv[1].removesuffix(".sh")
    args = sys.argv[2:]
    if tool == "kafka-server-start" and args[:1] == ["kafka.Kafka"]:
        args = args[1:]  # `kafka-server-start.sh kafka.Kafka CONFIG`: the main class, as kafka-run-class.sh gets it
    if tool in ("kafka-server-start", "kafka.Kafka"):
        from .server import main as server_main
        code = server_main(args)
        # exit as the JVM does once its shutdown hooks ran: no interpreter clean-up that could wait on a
        # library thread still closing (kazoo joins its workers at exit without a timeout)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    from . import tools
    handlers = {
        "kafka-server-stop": tools.server_stop,
        "kafka-storage": tools.storage,
        "kafka-metadata-quorum": tools.metadata_quorum,
        "kafka-topics": tools.topics,
        "kafka-configs": tools.configs,
        "kafka-acls": tools.acls,
    }
    handler = handlers.get(tool)
    if handler is None:
        print(f"kafka_emulator: unknown tool {sys.argv[1]}", file=sys.stderr)
        return 2
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
