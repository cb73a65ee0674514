# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Wall-clock time of the dry run on a large cluster: 1000 and 5000 brokers, 5 controllers.

Run from the repository root:  .venv/bin/python tests/bench/bench_validate.py [--brokers N [N ...]] [--profile]
Prints, for each size, the times of build_plan called directly, of playbooks/validate.yml, of a no-op playbook on
the same inventory (Ansible's own start-up and inventory parsing) and of migrate.yml's first play alone (the
check_inputs play every playbook starts with): min/median/max over --runs runs, with the load average; asserts
nothing. On a shared machine compare medians, and the CPU time beside the wall time.

Figures (issue 12 item 5; 2-core machine shared with other jobs, so CPU seconds are the steadier figure):

- Before (main at 2614d53), this script, 3 runs, machine idle: validate.yml 1000 brokers 2.29/2.43/2.51 s wall
  (2.47 s CPU median), no-op playbook 0.92 s; 5000 brokers 12.00/12.52/12.78 s wall (12.01 s CPU), no-op 3.75 s CPU.
- After (report printed as one text, faster appends in PropertiesDocument.apply), validate.yml timed whole-process
  against main pair by pair, machine lightly loaded: 1000 brokers 1.94 s CPU median against 2.21 s (ratio 0.88),
  wall 1.86/2.31/2.92 s against 2.13/2.35/3.51 s; 5000 brokers 8.52 s CPU median against 10.80 s (ratio 0.79),
  wall 10.9/12.8/17.8 s against 10.8/14.3/36.5 s.
- Then (issue 12 item 5, public ansible-core interfaces only: {{ inventory_hostname }} host variables put together
  without Jinja, each node's file merged as the document it already is, check_config's facts read once),
  this script, --runs 3 --validate-only, alternating with main at 3965ecf. Machine nearly idle (load about 1):
  1000 brokers 1.57 and 1.52 s wall median (1.60 and 1.56 s CPU) against 1.73 and 1.70 s; 5000 brokers 6.11 and
  5.97 s wall (6.25 and 6.10 s CPU) against 8.91 and 8.04 s. Machine heavily shared (load 7 to 12, wall 2 to 4
  times the CPU, so only CPU compared): 1000 brokers 2.08 and 1.93 s CPU median against 2.31 and 2.15 s; 5000
  brokers 6.88 and 6.94 s against 8.59 and 8.86 s.
- Where the 5000-broker run still goes (CPU seconds, machine lightly loaded): Ansible's start-up and inventory
  parsing (about 1.8 s, 0.8 s of it Python's garbage collector), each host's variables assembled by Ansible
  (HostVars.raw_get, about 0.7 s in each of check_inputs and migration_plan, nearly half of it ansible-core's
  fact cleaning of hosts that have no facts), the plan and its report (about 1.0 s), check_inputs' own checks
  (about 0.25 s), the play that reads the files live (skipped, but iterated for 5005 hosts, about 0.3 s) and the
  report printed (about 0.25 s).
- Then (validate.yml's input check in its plan task, on the variables the plan gathers anyway, instead of a first
  play that gathered them too), this script, --runs 3, machine idle (load 0.5): validate.yml 1000 brokers
  1.69/1.71/1.84 s wall (no-op 0.84 s), 5000 brokers 5.60/5.65/6.01 s wall (no-op 2.40 s); before it, the same
  day under a little load, 2.05/2.17/2.18 s and 6.71/6.87/7.14 s.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "build" / "collections"))

import yaml  # noqa: E402

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import build_plan  # noqa: E402

RACKS = ("rack-a", "rack-b", "rack-c")


def controller_ids(brokers: int, controllers: int) -> list[int]:
    """Controller node ids above every broker id (brokers are 1..N): 3000.. up to 2999 brokers."""
    base = max(3000, brokers + 1000)
    return [base + i for i in range(controllers)]


def write_inventory(root: Path, brokers: int, controllers: int) -> Path:
    inventory = root / "inventory"
    (inventory / "group_vars").mkdir(parents=True)
    hosts = {
        "all": {"children": {"kafka_controllers": {"hosts": {
            f"kc{i}.bench.test": {"zk2kraft_node_id": node_id}
            for i, node_id in enumerate(controller_ids(brokers, controllers))}},
            "kafka_brokers": {
                "hosts": {f"kb{i}.bench.test": {"zk2kraft_node_id": i, "zk2kraft_rack": RACKS[i % len(RACKS)]}
                          for i in range(1, brokers + 1)},
                "vars": {"zk2kraft_listeners": "INTERNAL://{{ inventory_hostname }}:9092,"
                                               "EXTERNAL://{{ inventory_hostname }}:9094",
                         "zk2kraft_log_dirs": ["/var/lib/kafka/data"]}}}}
    }
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts, sort_keys=False))
    (inventory / "group_vars" / "all.yml").write_text(yaml.safe_dump(cluster_vars(), sort_keys=False))
    return inventory


def cluster_vars() -> dict[str, Any]:
    return {
        "zk2kraft_kafka_version": "3.9.0",
        "zk2kraft_metadata_version": "3.9",
        "zk2kraft_zookeeper_connect": "zk1.bench.test:2181,zk2.bench.test:2181,zk3.bench.test:2181/kafka",
        "zk2kraft_inter_broker_listener_name": "INTERNAL",
        "zk2kraft_listener_security_protocol_map": "INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL",
        "zk2kraft_controller_security_protocol": "SASL_SSL",
        "zk2kraft_authorizer": "acl",
        # Controllers must enable the mechanisms of the SASL inter-broker listener (GSSAPI, Kafka's default) and of
        # their own SASL listener (PLAIN): the plan refuses the cluster otherwise.
        "zk2kraft_controller_properties": {"sasl.enabled.mechanisms": "GSSAPI,PLAIN"},
        "zk2kraft_broker_controller_properties": {
            "listener.name.controller.plain.sasl.jaas.config": "org.apache.kafka.common.security.plain.PlainLoginModule required;"},
    }


def direct_spec(brokers: int, controllers: int) -> dict[str, Any]:
    spec = {key[len("zk2kraft_"):]: value for key, value in cluster_vars().items()}
    spec["controllers"] = [{"name": f"kc{i}.bench.test", "node_id": node_id}
                           for i, node_id in enumerate(controller_ids(brokers, controllers))]
    spec["brokers"] = [
        {"name": f"kb{i}.bench.test", "node_id": i, "rack": RACKS[i % len(RACKS)], "log_dirs": ["/var/lib/kafka/data"],
         "listeners": f"INTERNAL://kb{i}.bench.test:9092,EXTERNAL://kb{i}.bench.test:9094"}
        for i in range(1, brokers + 1)
    ]
    return spec


def time_build_plan(brokers: int, controllers: int, profile: bool) -> tuple[float, int]:
    spec = direct_spec(brokers, controllers)
    profiler = cProfile.Profile() if profile else None
    start = time.perf_counter()
    if profiler:
        profiler.enable()
    plan = build_plan(spec)
    lines: list[str] = plan.report_lines()
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - start
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    assert not plan.errors, [str(v) for v in plan.errors[:5]]
    return elapsed, len(lines)


NOOP_PLAY = [{"name": "Nothing", "hosts": "localhost", "gather_facts": False,
              "tasks": [{"name": "Nothing", "ansible.builtin.meta": "noop"}]}]


def first_play(playbook: str, root: Path) -> Path:
    """A playbook holding only the first play of ``playbook`` (the check_inputs play)."""
    plays = yaml.safe_load((REPO / playbook).read_text())
    path = root / (f"first-play-of-{Path(playbook).name}")
    path.write_text(yaml.safe_dump(plays[:1], sort_keys=False))
    return path


def loadavg() -> str:
    try:
        return "load {}".format(" ".join(Path("/proc/loadavg").read_text().split()[:3]))
    except OSError:
        return "load unknown"


def time_playbook(inventory: Path, playbook: str = "playbooks/validate.yml") -> tuple[float, float, int]:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    command = [str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", str(inventory), str(playbook)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    # CPU time of ansible-playbook and its workers: steadier than wall time on a shared machine.
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        sys.stdout.write(done.stdout.decode("utf-8", "replace")[-3000:])
    return elapsed, cpu, done.returncode


def spread(values: list[float]) -> str:
    """min/median/max of ``values``, in seconds."""
    return f"{min(values):.2f}/{statistics.median(values):.2f}/{max(values):.2f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--brokers", type=int, nargs="+", default=[1000, 5000])
    parser.add_argument("--controllers", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="print the top of a cProfile of build_plan")
    parser.add_argument("--validate-only", action="store_true",
                        help="time only validate.yml (not the no-op playbook and migrate.yml's first play)")
    parser.add_argument("--runs", type=int, default=3, help="runs of each measure (min/median/max are printed)")
    args = parser.parse_args()
    runs_each = max(1, args.runs)

    failed = 0
    for brokers in args.brokers:
        plan_times = []
        for run in range(runs_each):
            elapsed, lines = time_build_plan(brokers, args.controllers, args.profile and run == 0)
            plan_times.append(elapsed)
        print(f"build_plan + report: {brokers} brokers, {args.controllers} controllers, 5 phases: {spread(plan_times)} s "
              f"min/median/max of {runs_each} ({lines} report lines)")
        with tempfile.TemporaryDirectory(prefix="zk2kraft-bench-") as tmp:
            inventory = write_inventory(Path(tmp), brokers, args.controllers)
            noop = Path(tmp) / "noop.yml"
            noop.write_text(yaml.safe_dump(NOOP_PLAY, sort_keys=False))
            runs = [("validate.yml", "playbooks/validate.yml", True)]
            if not args.validate_only:
                runs += [("a no-op playbook", str(noop), False),
                         ("migrate.yml's first play", str(first_play("playbooks/migrate.yml", Path(tmp))), False)]
            for label, playbook, counts in runs:
                before = loadavg()
                walls, cpus, statuses = [], [], set()
                for _dummy in range(runs_each):
                    elapsed, cpu, status = time_playbook(inventory, playbook)
                    walls.append(elapsed)
                    cpus.append(cpu)
                    statuses.add(status)
                print(f"ansible-playbook {label}, {brokers} brokers: {spread(walls)} s wall, {spread(cpus)} s CPU, "
                      f"min/median/max of {runs_each} (exit {','.join(map(str, sorted(statuses)))}; "
                      f"{before} before, {loadavg()} after)")
                sys.stdout.flush()
                if counts:
                    failed = failed or max(statuses)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
