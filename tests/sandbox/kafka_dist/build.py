"""Build a Kafka home shaped like the Apache release archive from the jars on Maven Central.

    python tests/sandbox/kafka_dist/build.py --version 3.9.2      # prints the archive's path

Maven resolves the jars from ``pom.xml`` (this directory); the home gets ``libs/``, our own thin
``bin/`` scripts (each runs the main class the release's script of the same name runs) and
``config/log4j.properties`` with Kafka's default logger routing. The result is packed as
``kafka_2.13-<version>.tgz`` in the cache directory, next to the Jolokia JVM agent jar, and
reused without the network once there.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCALA = "2.13"
DEFAULT_VERSION = "3.9.2"
# The newest patch release of each supported line that the registry serves.
VERSIONS = ("3.9.2", "3.8.1", "3.7.2")
JOLOKIA_VERSION = "2.1.1"

# Tool scripts: script -> main classes to try, newest location first (classes moved between
# releases, e.g. the console consumer went from kafka.tools to org.apache.kafka.tools.consumer).
TOOLS: dict[str, tuple[str, ...]] = {
    "kafka-storage.sh": ("kafka.tools.StorageTool",),
    "kafka-metadata-quorum.sh": ("org.apache.kafka.tools.MetadataQuorumCommand",),
    "kafka-topics.sh": ("org.apache.kafka.tools.TopicCommand", "kafka.admin.TopicCommand"),
    "kafka-configs.sh": ("kafka.admin.ConfigCommand",),
    "kafka-acls.sh": ("kafka.admin.AclCommand",),
    "kafka-features.sh": ("org.apache.kafka.tools.FeatureCommand",),
    "kafka-console-producer.sh": ("kafka.tools.ConsoleProducer",),
    "kafka-console-consumer.sh": ("org.apache.kafka.tools.consumer.ConsoleConsumer", "kafka.tools.ConsoleConsumer"),
    "kafka-verifiable-producer.sh": ("org.apache.kafka.tools.VerifiableProducer",),
    "kafka-verifiable-consumer.sh": ("org.apache.kafka.tools.VerifiableConsumer",),
    "kafka-broker-api-versions.sh": ("kafka.admin.BrokerApiVersionsCommand",),
}
# The release's console and verifiable clients run with a 512 MB heap by default.
CLIENT_HEAP = ("kafka-console-producer.sh", "kafka-console-consumer.sh",
               "kafka-verifiable-producer.sh", "kafka-verifiable-consumer.sh")


class BuildError(Exception):
    pass


def cache_dir() -> Path:
    base = os.environ.get("ZK2KRAFT_KAFKA_CACHE")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zk2kraft" / "kafka"


def archive_path(version: str) -> Path:
    return cache_dir() / f"kafka_{SCALA}-{version}.tgz"


def jolokia_path() -> Path:
    return cache_dir() / f"jolokia-agent-jvm-{JOLOKIA_VERSION}-javaagent.jar"


def mvn(args: list[str], work: Path) -> None:
    argv = ["mvn", "-B", "-q", "-f", str(HERE / "pom.xml"), *args]
    try:
        result = subprocess.run(argv, cwd=work, capture_output=True, text=True, check=False)
    except FileNotFoundError as exc:
        raise BuildError("Maven (mvn) is not installed; run 'make setup'") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-15:])
        raise BuildError(f"maven failed ({result.returncode}): {' '.join(argv)}\n{tail}")


def classes_in(libs: Path) -> set[str]:
    found: set[str] = set()
    for jar in libs.glob("*.jar"):
        with zipfile.ZipFile(jar) as archive:
            for name in archive.namelist():
                if name.endswith(".class") and "$" not in name:
                    found.add(name[: -len(".class")].replace("/", "."))
    return found


def tool_script(main_class: str, heap: str | None) -> str:
    lines = ["#!/bin/sh", f"# Runs {main_class}, as the release's script of the same name does."]
    if heap:
        lines.append(f'export KAFKA_HEAP_OPTS=${{KAFKA_HEAP_OPTS:-"{heap}"}}')
    lines.append(f'exec "$(dirname "$0")/kafka-run-class.sh" {main_class} "$@"')
    return "\n".join(lines) + "\n"


def lay_out(home: Path, libs: Path, version: str) -> None:
    shutil.copytree(libs, home / "libs")
    (home / "bin").mkdir()
    for script in sorted((HERE / "bin").glob("*.sh")):
        shutil.copy2(script, home / "bin" / script.name)
    available = classes_in(home / "libs")
    for tool, candidates in TOOLS.items():
        main_class = next((c for c in candidates if c in available), None)
        if main_class is None:
            raise BuildError(f"Kafka {version}: none of {', '.join(candidates)} is in the jars, for {tool}")
        target = home / "bin" / tool
        target.write_text(tool_script(main_class, "-Xmx512M" if tool in CLIENT_HEAP else None))
        target.chmod(0o755)
    shutil.copytree(HERE / "config", home / "config")
    (home / "logs").mkdir()
    (home / "VERSION").write_text(version + "\n")


def build(version: str) -> Path:
    target = archive_path(version)
    if target.is_file() and jolokia_path().is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="kafka-dist-") as tmp:
        work = Path(tmp)
        libs = work / "libs"
        mvn([f"-Dkafka.version={version}", "dependency:copy-dependencies", "-DincludeScope=runtime",
             "-DexcludeGroupIds=org.jolokia", f"-DoutputDirectory={libs}"], work)
        mvn([f"-Dkafka.version={version}", "dependency:copy",
             f"-Dartifact=org.jolokia:jolokia-agent-jvm:{JOLOKIA_VERSION}:jar:javaagent",
             f"-DoutputDirectory={work}"], work)
        if not (libs / f"kafka_{SCALA}-{version}.jar").is_file():
            raise BuildError(f"maven did not bring kafka_{SCALA}-{version}.jar")
        name = f"kafka_{SCALA}-{version}"
        home = work / name
        home.mkdir()
        lay_out(home, libs, version)
        partial = target.with_suffix(".tgz.part")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(home, arcname=name)
        partial.replace(target)
        shutil.copyfile(work / f"jolokia-agent-jvm-{JOLOKIA_VERSION}-javaagent.jar", jolokia_path())
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", default=DEFAULT_VERSION, help=f"Kafka release (tested: {', '.join(VERSIONS)})")
    parser.add_argument("--jolokia", action="store_true", help="print the Jolokia agent jar's path instead")
    args = parser.parse_args(argv)
    try:
        path = build(args.version)
    except BuildError as exc:
        print(f"kafka-dist: {exc}", file=sys.stderr)
        return 1
    print(jolokia_path() if args.jolokia else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
