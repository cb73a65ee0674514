"""meta.properties in Kafka's layout (v0 for ZooKeeper brokers, v1 for KRaft-formatted directories)."""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

import javaproperties

META_FILE = "meta.properties"


def read_meta(log_dir: str | Path) -> dict[str, str] | None:
    path = Path(log_dir) / META_FILE
    try:
        with open(path, encoding="latin-1") as handle:
            return dict(javaproperties.load(handle))
    except FileNotFoundError:
        return None


def write_meta(log_dir: str | Path, values: dict[str, str]) -> None:
    """Write atomically (temp file + rename) like Kafka's PropertiesUtils.writePropertiesFile."""
    directory = Path(log_dir)
    directory.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%a %b %d %H:%M:%S UTC %Y")
    lines = ["#", f"#{stamp}"] + [f"{k}={values[k]}" for k in sorted(values)]
    tmp = directory / (META_FILE + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="latin-1")
    os.replace(tmp, directory / META_FILE)


def meta_summary(values: dict[str, str]) -> str:
    """Kafka's MetaProperties toString used by `kafka-storage.sh info`: {k=v, ...} sorted by key."""
    return "{" + ", ".join(f"{k}={values[k]}" for k in sorted(values)) + "}"
