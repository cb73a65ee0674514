"""Live traffic through a sandbox cluster, and the proof that nothing acknowledged was lost.

    .venv/bin/python tests/sandbox/traffic.py start            # topic, then producer + consumer in the background
    .venv/bin/python tests/sandbox/traffic.py stop [--report R]  # drain, check, print (and add to report R)

As Kafka's own migration system test does: an idempotent producer with acks=all writes numbered
messages to a topic with replication factor 3 and min.insync.replicas=2 while the playbooks run; a
consumer reads them. At the end every acknowledged number must have been consumed (0 lost). The
result also counts duplicates and produce errors, and gives the longest gap between two
acknowledged sends during each roll of the run report (phases' first stop .. last healthy).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from lib import STATE_DIR, SandboxError, load_state, pid_alive, read_pid, wait_until  # noqa: E402
from topology import BROKER_INTERNAL_PORT, DEFAULT_NET, build  # noqa: E402

TOPIC = "zk2kraft-traffic"
TRAFFIC_DIR = STATE_DIR / "traffic"
PID_FILE = TRAFFIC_DIR / "pid"
READY_FILE = TRAFFIC_DIR / "ready"
RESULT_FILE = TRAFFIC_DIR / "result.json"
LOG_FILE = TRAFFIC_DIR / "traffic.log"
DRAIN_TIMEOUT = 180.0
# Messages per second. Every acknowledged send is still checked, and a broker's restart (5-15 s) still
# spans a hundred or more sends. Measured on 3.9.2, the six Kafka JVMs used 0.43 of a core at 100/s,
# 0.18 at 20/s and 0.08 with no traffic: two scenario lanes on two cores cannot spare the difference.
DEFAULT_RATE = float(os.environ.get("SANDBOX_TRAFFIC_RATE") or 25.0)


def client_config(topology_name: str, net: str) -> dict[str, Any]:
    topology = build(topology_name, net)
    return {
        "bootstrap.servers": ",".join(f"{b.address}:{BROKER_INTERNAL_PORT}" for b in topology.brokers),
        "security.protocol": "SASL_SSL",
        "sasl.mechanisms": "PLAIN",
        "sasl.username": "admin",
        "sasl.password": "admin-secret",
        "ssl.ca.location": str(STATE_DIR / "pki" / "ca.pem"),
        "ssl.endpoint.identification.algorithm": "https",
    }


# --------------------------------------------------------------------------- the background run


class Run:
    """Producer and consumer threads; the numbers acknowledged, consumed and failed."""

    def __init__(self, config: dict[str, Any], rate: float) -> None:
        self.config = config
        self.interval = 1.0 / rate
        self.stop_producing = threading.Event()
        self.lock = threading.Lock()
        self.acked: dict[int, float] = {}
        self.placed: dict[int, tuple[int, int]] = {}     # number -> (partition, offset) the broker acknowledged
        self.errors: list[str] = []
        self.consumed: set[int] = set()
        self.consumed_total = 0
        self.sent = 0

    def produce(self) -> None:
        from confluent_kafka import Producer

        producer = Producer(dict(self.config, **{
            "enable.idempotence": True, "acks": "all", "linger.ms": 5,
            # Long enough to ride through any single restart of the rolls.
            "message.timeout.ms": 600000, "delivery.timeout.ms": 600000,
        }))

        def delivered(err: Any, msg: Any) -> None:
            number = int(msg.value())
            with self.lock:
                if err is None:
                    self.acked[number] = time.time()
                    self.placed[number] = (msg.partition(), msg.offset())
                else:
                    self.errors.append(f"{number}: {err}")

        next_send = time.monotonic()
        while not self.stop_producing.is_set():
            producer.produce(TOPIC, value=str(self.sent).encode(), callback=delivered)
            self.sent += 1
            producer.poll(0)
            next_send += self.interval
            delay = next_send - time.monotonic()
            if delay > 0:
                self.stop_producing.wait(delay)
        producer.flush(DRAIN_TIMEOUT)

    def consume(self, done: threading.Event) -> None:
        from confluent_kafka import Consumer

        consumer = Consumer(dict(self.config, **{
            "group.id": f"zk2kraft-traffic-{int(time.time())}", "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }))
        consumer.subscribe([TOPIC])
        try:
            while not done.is_set():
                msg = consumer.poll(0.5)
                value = None if msg is None or msg.error() else msg.value()
                if value is None:
                    continue
                with self.lock:
                    self.consumed.add(int(value))
                    self.consumed_total += 1
        finally:
            consumer.close()


def run(topology_name: str, rate: float) -> int:
    TRAFFIC_DIR.mkdir(parents=True, exist_ok=True)
    state = load_state()
    traffic = Run(client_config(topology_name, state.net if state else DEFAULT_NET), rate)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *a: traffic.stop_producing.set())
    started = time.time()
    producer = threading.Thread(target=traffic.produce, daemon=True)
    consumer = threading.Thread(target=traffic.consume, args=(done,), daemon=True)
    producer.start()
    consumer.start()
    # Ready once messages flow end to end.
    while not traffic.stop_producing.is_set():
        with traffic.lock:
            flowing = bool(traffic.acked) and bool(traffic.consumed)
        if flowing:
            READY_FILE.write_text(f"{time.time()}\n")
            break
        traffic.stop_producing.wait(0.2)
    traffic.stop_producing.wait()
    stopped = time.time()
    producer.join(DRAIN_TIMEOUT)
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while time.monotonic() < deadline:
        with traffic.lock:
            if set(traffic.acked) <= traffic.consumed:
                break
        time.sleep(0.2)
    done.set()
    consumer.join(30)
    with traffic.lock:
        missing = set(traffic.acked) - traffic.consumed
    # What the live consumer missed is read again from the start of every partition by a fresh consumer:
    # only what is not in the log any more is lost; the rest is a stalled consumer, told apart.
    recount = reread(traffic.config) if missing else {}
    with traffic.lock:
        lost = sorted(n for n in missing if n not in recount)
        result = {
            "topic": TOPIC, "started": started, "stopped": stopped, "sent": traffic.sent,
            "acknowledged": len(traffic.acked), "consumed": len(traffic.consumed),
            "duplicates": traffic.consumed_total - len(traffic.consumed),
            "produce_errors": len(traffic.errors), "error_samples": traffic.errors[:5],
            "lost": len(lost), "lost_samples": lost[:20],
            "missed_by_live_consumer": len(missing) - len(lost),
            "lost_where": lost_where(lost, traffic.placed, recount),
            "ack_times": sorted(traffic.acked.values()),
        }
    tmp = RESULT_FILE.with_suffix(".tmp")
    tmp.write_text(json.dumps(result) + "\n")
    tmp.replace(RESULT_FILE)
    return 0


def reread(config: dict[str, Any]) -> dict[int, tuple[int, int]]:
    """Every number in the topic now, read by a new consumer from each partition's start to its end."""
    from confluent_kafka import OFFSET_BEGINNING, Consumer, TopicPartition

    consumer = Consumer(dict(config, **{"group.id": f"zk2kraft-recount-{int(time.time())}",
                                        "enable.auto.commit": False}))
    found: dict[int, tuple[int, int]] = {}
    try:
        partitions = consumer.list_topics(TOPIC, timeout=30).topics[TOPIC].partitions
        ends = {p: consumer.get_watermark_offsets(TopicPartition(TOPIC, p), timeout=30)[1] for p in partitions}
        consumer.assign([TopicPartition(TOPIC, p, OFFSET_BEGINNING) for p in partitions])
        reached = {p for p, end in ends.items() if end == 0}
        deadline = time.monotonic() + DRAIN_TIMEOUT
        while len(reached) < len(ends) and time.monotonic() < deadline:
            msg = consumer.poll(0.5)
            value = None if msg is None or msg.error() else msg.value()
            if msg is None or value is None:
                continue
            partition, offset = msg.partition() or 0, msg.offset() or 0
            found[int(value)] = (partition, offset)
            if offset + 1 >= ends[partition]:
                reached.add(partition)
    finally:
        consumer.close()
    return found


def lost_where(lost: list[int], placed: dict[int, tuple[int, int]], recount: dict[int, tuple[int, int]]) -> dict[str, Any]:
    """Per partition: how many were lost and the offsets they had been acknowledged at, against what is there now."""
    where: dict[str, Any] = {}
    for number in lost:
        partition, offset = placed.get(number, (-1, -1))
        entry = where.setdefault(str(partition), {"lost": 0, "first_offset": offset, "last_offset": offset})
        entry["lost"] += 1
        entry["first_offset"] = min(entry["first_offset"], offset)
        entry["last_offset"] = max(entry["last_offset"], offset)
    for name, entry in where.items():
        offsets = [o for p, o in recount.values() if str(p) == name]
        entry["log_end_now"] = max(offsets) + 1 if offsets else 0
    return where


# --------------------------------------------------------------------------- start / stop


def create_topic() -> None:
    import sandbox  # the seed tools run on a broker with the sandbox's admin client settings

    state = load_state()
    if state is None:
        raise SandboxError("the sandbox is down")
    broker = build(state.topology, state.net).brokers[0]
    sandbox.kafka_tool(broker, "kafka-topics.sh", [
        "--create", "--if-not-exists", "--topic", TOPIC, "--partitions", "3", "--replication-factor", "3",
        "--config", "min.insync.replicas=2"])


def start(rate: float, timeout: float) -> None:
    state = load_state()
    if state is None:
        raise SandboxError("the sandbox is down")
    pid = read_pid(PID_FILE)
    if pid is not None and pid_alive(pid):
        print(f"traffic: already running (pid {pid})")
        return
    TRAFFIC_DIR.mkdir(parents=True, exist_ok=True)
    for stale in (READY_FILE, RESULT_FILE):
        stale.unlink(missing_ok=True)
    create_topic()
    with open(LOG_FILE, "ab") as log:
        process = subprocess.Popen([sys.executable, __file__, "run", "--topology", state.topology, "--rate", str(rate)],
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True)
    PID_FILE.write_text(f"{process.pid}\n")

    def ready() -> bool:
        if process.poll() is not None:
            raise SandboxError(f"the traffic process exited ({process.returncode}); see {LOG_FILE}")
        return READY_FILE.is_file()

    began = time.monotonic()
    wait_until(ready, timeout, "traffic flowing (first message acknowledged and consumed)", 0.2)
    print(f"traffic: {rate:g} msg/s to {TOPIC} (pid {process.pid}), flowing after {time.monotonic() - began:.1f}s")


def longest_gap(ack_times: list[float], start: float, end: float) -> tuple[float, float] | None:
    """Longest time between two acknowledged sends within [start, end] (edges included), and when it began."""
    if end <= start:
        return None
    inside = [t for t in ack_times if start <= t <= end]
    points = [start] + inside + [end]
    seconds, began = max((b - a, a) for a, b in zip(points, points[1:]))
    return round(seconds, 3), began


def restarting_at(report: dict[str, Any], phase: str, began: float, ended: float) -> list[str]:
    """The hosts of ``phase`` that were down or not yet healthy at some point of [began, ended]."""
    hosts = []
    for host, info in sorted(((report or {}).get("hosts") or {}).items()):
        for step in info.get("timeline") or []:
            stopped, healthy = step.get("stopped_at"), step.get("healthy_at")
            if step.get("phase") == phase and stopped is not None and healthy is not None \
                    and stopped <= ended and healthy >= began:
                hosts.append(host)
                break
    return hosts


def summarize(result: dict[str, Any], report: dict[str, Any] | None) -> dict[str, Any]:
    section = {k: v for k, v in result.items() if k != "ack_times"}
    section["seconds"] = round(result["stopped"] - result["started"], 1)
    section["gaps_during_rolls"] = {}
    # Where each longest gap fell: which host's restart it overlapped, to tell a slow failover from the rest.
    section["gap_context"] = {}
    for phase, info in ((report or {}).get("phases") or {}).items():
        first, last = info.get("first_stop"), info.get("last_healthy")
        if first and last:
            gap = longest_gap(result["ack_times"], float(first), float(last))
            section["gaps_during_rolls"][phase] = gap[0] if gap else None
            if gap:
                section["gap_context"][phase] = {
                    "began": round(gap[1], 3), "seconds_into_roll": round(gap[1] - float(first), 3),
                    "restarting": restarting_at(report or {}, phase, gap[1], gap[1] + gap[0])}
    return section


def gap_where(context: dict[str, Any] | None) -> str:
    if not context:
        return ""
    hosts = ", ".join(context["restarting"]) or "no host"
    return f" ({context['seconds_into_roll']:.1f}s into the roll, during {hosts})"


def reports_since_start(directory: Path | None) -> list[Path]:
    """The migration/rollback reports in ``directory`` written while the traffic ran, oldest first."""
    if directory is None or not directory.is_dir():
        return []
    since = READY_FILE.stat().st_mtime if READY_FILE.is_file() else 0.0
    reports = [p for p in directory.glob("*.json") if not p.name.startswith("metadata-")
               and p.stat().st_mtime >= since]
    return sorted(reports, key=lambda p: p.stat().st_mtime)


def stop(report_paths: list[Path], timeout: float) -> int:
    pid = read_pid(PID_FILE)
    if pid is None or not pid_alive(pid):
        if not RESULT_FILE.is_file():
            raise SandboxError("no traffic is running and no result is left")
    else:
        os.kill(pid, signal.SIGTERM)
    wait_until(RESULT_FILE.is_file, timeout, "the traffic to drain and report", 0.2)
    result = json.loads(RESULT_FILE.read_text())
    PID_FILE.unlink(missing_ok=True)
    reports = [(path, json.loads(path.read_text())) for path in report_paths]
    # Every run made during the traffic (a migration, then its idempotence run, ...) gets the section;
    # the gaps are those of all their rolls.
    merged: dict[str, Any] = {"phases": {}, "hosts": {}}
    for _dummy, report in reports:
        merged["phases"].update({k: v for k, v in (report.get("phases") or {}).items()
                                 if v.get("first_stop") and v.get("last_healthy")})
        for host, info in (report.get("hosts") or {}).items():
            merged["hosts"].setdefault(host, {"timeline": []})["timeline"] += info.get("timeline") or []
    section = summarize(result, merged)
    for path, report in reports:
        report["traffic"] = section
        path.write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
        print(f"traffic: figures added to {path}")
        # The HTML page beside the report shows them too.
        rendered = subprocess.run([sys.executable, str(Path(__file__).resolve().parents[1] / "render_report.py"),
                                   str(path)], capture_output=True, text=True, check=False)
        if rendered.returncode != 0:
            print(f"traffic: could not redraw the HTML report: {rendered.stderr.strip()}", file=sys.stderr)
    gaps = ", ".join(f"{p} {g:.2f}s{gap_where(section['gap_context'].get(p))}"
                     for p, g in section["gaps_during_rolls"].items() if g is not None) or "no rolls"
    print(f"traffic: {section['acknowledged']} acknowledged, {section['consumed']} consumed, "
          f"{section['lost']} lost, {section['duplicates']} duplicates, {section['produce_errors']} produce errors "
          f"in {section['seconds']}s; longest gap between acknowledged sends during a roll: {gaps}")
    if section.get("missed_by_live_consumer"):
        print(f"traffic: the live consumer missed {section['missed_by_live_consumer']} acknowledged messages that a "
              "fresh consumer found in the topic afterwards", file=sys.stderr)
    if section["lost"]:
        print(f"traffic: LOST acknowledged messages, e.g. {section['lost_samples']}; where: {section.get('lost_where')}",
              file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    start_parser = sub.add_parser("start")
    start_parser.add_argument("--rate", type=float, default=DEFAULT_RATE,
                              help="messages per second (SANDBOX_TRAFFIC_RATE, else %(default)g)")
    start_parser.add_argument("--timeout", type=float, default=120.0)
    stop_parser = sub.add_parser("stop")
    stop_parser.add_argument("--report", type=Path, help="add the figures to this run report (JSON)")
    stop_parser.add_argument("--report-dir", type=Path,
                             help="add the figures to every run report (JSON) written here since the traffic started")
    stop_parser.add_argument("--timeout", type=float, default=DRAIN_TIMEOUT + 60)
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--topology", default="default")
    run_parser.add_argument("--rate", type=float, default=DEFAULT_RATE)
    args = parser.parse_args(argv)
    try:
        if args.command == "start":
            start(args.rate, args.timeout)
            return 0
        if args.command == "stop":
            return stop([args.report] if args.report else reports_since_start(args.report_dir), args.timeout)
        return run(args.topology, args.rate)
    except SandboxError as exc:
        print(f"traffic {args.command} failed: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
