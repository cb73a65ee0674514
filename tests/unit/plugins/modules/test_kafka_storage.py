# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""kafka_storage end to end against a stand-in kafka-storage.sh."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.zk2kraft.migration.plugins.modules import kafka_storage

CLUSTER_ID = "MkU3OEVBNTcwNTJENDM2Qk"

STORAGE_TOOL = """#!/bin/sh
# Stand-in for kafka-storage.sh format: writes meta.properties v1 into every directory of the config.
echo "$@" >> "$(dirname "$0")/../calls.txt"
[ "$1" = format ] || exit 2
case "$2" in --cluster-id=*) id=${2#--cluster-id=} ;; *) echo "cluster id not given as one word: $2" >&2; exit 2 ;; esac
cfg=$4
node=$(sed -n 's/^node.id=//p' "$cfg")
for dir in $(sed -n 's/^log.dirs=//p; s/^metadata.log.dir=//p' "$cfg" | tr ',' ' '); do
  if [ -f "$dir/meta.properties" ]; then
    case " $* " in *" -g "*) ;; *) echo "Log directory $dir is already formatted." >&2; exit 1 ;; esac
    continue
  fi
  mkdir -p "$dir"
  printf 'version=1\\ncluster.id=%s\\nnode.id=%s\\n' "$id" "$node" > "$dir/meta.properties"
  echo "Formatting metadata directory $dir with metadata.version 3.9-IV0."
done
"""


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Path]:
    home = tmp_path / "kafka"
    (home / "bin").mkdir(parents=True)
    tool = home / "bin" / "kafka-storage.sh"
    tool.write_text(STORAGE_TOOL)
    tool.chmod(0o755)
    config = tmp_path / "controller.properties"
    meta = tmp_path / "meta"
    config.write_text(f"process.roles=controller\nnode.id=3000\nlog.dirs={meta}\n")
    return {"home": home, "config": config, "meta": meta, "tmp": tmp_path}


def run(env: dict[str, Path], capsys: Any, **extra: Any) -> dict[str, Any]:
    args = {"kafka_home": str(env["home"]), "config": str(env["config"]), "cluster_id": CLUSTER_ID}
    args.update(extra)
    with patch_module_args(args), pytest.raises(SystemExit):
        kafka_storage.main()
    return json.loads(capsys.readouterr().out)


def calls(env: dict[str, Path]) -> str:
    path = env["home"] / "calls.txt"
    return path.read_text() if path.exists() else ""


def test_check_mode_then_format_then_idempotent(env: dict[str, Path], capsys: Any) -> None:
    check = run(env, capsys, _ansible_check_mode=True, _ansible_diff=True, release_version="3.9")
    assert check["changed"] and check["unformatted"] == [str(env["meta"])] and calls(env) == ""
    assert check["cmd"][-4:] == ["-c", str(env["config"]), "-r", "3.9"]
    assert check["diff"]["before"] == "{}: not formatted\n".format(env["meta"])
    assert check["diff"]["after"] == "{}: cluster.id={}\n".format(env["meta"], CLUSTER_ID)

    done = run(env, capsys, release_version="3.9")
    assert "failed" not in done and done["changed"] and "Formatting metadata directory" in done["stdout"]
    assert calls(env) == "format --cluster-id={} -c {} -r 3.9\n".format(CLUSTER_ID, env["config"])

    again = run(env, capsys, release_version="3.9")
    assert not again["changed"] and again["cmd"] == []
    assert again["formatted"][str(env["meta"])]["cluster_id"] == CLUSTER_ID
    assert len(calls(env).splitlines()) == 1


def test_partially_formatted_uses_ignore_formatted(env: dict[str, Path], capsys: Any) -> None:
    extra = env["tmp"] / "meta2"
    env["config"].write_text(env["config"].read_text() + f"metadata.log.dir={extra}\n")
    env["meta"].mkdir()
    (env["meta"] / "meta.properties").write_text(f"version=1\ncluster.id={CLUSTER_ID}\nnode.id=3000\n")
    out = run(env, capsys)
    assert "failed" not in out and out["changed"] and out["cmd"][-1] == "-g" and out["unformatted"] == [str(extra)]
    assert (extra / "meta.properties").exists()


def test_other_cluster_id_fails_naming_dir_and_ids(env: dict[str, Path], capsys: Any) -> None:
    env["meta"].mkdir()
    (env["meta"] / "meta.properties").write_text("version=1\ncluster.id=SomeOtherClusterIdxxxx\nnode.id=3000\n")
    out = run(env, capsys)
    assert out["failed"] and str(env["meta"]) in out["msg"]
    assert "SomeOtherClusterIdxxxx" in out["msg"] and CLUSTER_ID in out["msg"] and calls(env) == ""


def test_zookeeper_config_is_refused(env: dict[str, Path], capsys: Any) -> None:
    env["config"].write_text("broker.id=1\nzookeeper.connect=127.0.1.2:2181\nlog.dirs={}\n".format(env["meta"]))
    out = run(env, capsys)
    assert out["failed"] and "ZooKeeper-mode" in out["msg"]


def test_tool_failure_fails_with_its_output(env: dict[str, Path], capsys: Any) -> None:
    (env["home"] / "bin" / "kafka-storage.sh").write_text("#!/bin/sh\necho 'Error: boom' >&2\nexit 1\n")
    out = run(env, capsys)
    assert out["failed"] and "rc 1" in out["msg"] and "Error: boom" in out["msg"]


def test_missing_config_fails(env: dict[str, Path], capsys: Any) -> None:
    env["config"].unlink()
    out = run(env, capsys)
    assert out["failed"] and str(env["config"]) in out["msg"]


def test_format_that_leaves_a_directory_unformatted_fails(env: dict[str, Path], capsys: Any) -> None:
    (env["home"] / "bin" / "kafka-storage.sh").write_text("#!/bin/sh\necho 'Formatting nothing.'\n")
    out = run(env, capsys)
    assert out["failed"] and "left {} unformatted".format(env["meta"]) in out["msg"]
