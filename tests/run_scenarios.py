"""Run sandbox scenarios in parallel lanes, each lane with a sandbox of its own.

    python tests/run_scenarios.py [--lanes N] CASE...

A CASE is one of:
    scenario                                        a molecule scenario on the Kafka emulator
    scenario:version[:IBP[:jolokia[:layout]]]       the same on real Apache Kafka (e.g. migrate:3.9.2::off:release;
                                                    jolokia on|off|auth|tls|mtls, layout packaged|release)
    pytest:FILE[:version]                           a sandbox pytest file (real Kafka when a version is given);
                                                    FILE may be node ids (FILE::test[id]), several joined by '+'
each optionally followed by sandbox or fault-suite settings for that case alone: migrate:3.9.2,SANDBOX_ZK_SASL=on,
pytest:tests/faults/test_kill_sweep.py,FAULTS_SWEEP=all,FAULTS_SHARD=1/8

A real migration spends most of its time waiting on Kafka (JVM start, controlled shutdown, registration),
not on the CPU, so lanes run side by side: each has its own net (SANDBOX_NET=127.0.N), state dir, HOME
(molecule installs the collection under it) and log file. Lanes take the cases in the order given, so list
the longest first. Every lane's sandbox is brought down at the end, whatever happened. Exit status 1 when a
case failed; the tail of its log is printed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LANES_DIR = REPO / "build" / "lanes"
SANDBOX = REPO / "tests" / "sandbox" / "sandbox.py"
KAFKA_DIST = REPO / "tests" / "sandbox" / "kafka_dist" / "build.py"
FIRST_NET = 11  # lanes use 127.0.11.N, 127.0.12.N, ...: apart from the default sandbox's 127.0.1.N
LOG_TAIL = 150
# The failures' digest `make test` prints last (CI keeps only the end of the output): lines naming a failure.
FAILURE_LINE = re.compile(r"fatal: |FAILED!|failed=[1-9]|^E  |Error|^FAILED |assert|\bmsg\b")
DIGEST_LINES = 12
# File names stop at 255 bytes; leave room for ".log".
MAX_LOG_NAME = 200
# sandbox.py up --jolokia (empty: its default) and --layout values.
JOLOKIA_MODES = ("", "on", "off", "auth", "tls", "mtls")
LAYOUTS = ("", "packaged", "release")


@dataclass(frozen=True)
class Case:
    text: str
    argv: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    version: str = ""


def log_name(text: str) -> str:
    """The case's log file name; a long one (several pytest ids) is cut and told apart by a hash of the whole."""
    name = text.replace(":", "_").replace("/", "_")
    if len(name) > MAX_LOG_NAME:
        name = name[:MAX_LOG_NAME - 13] + "-" + hashlib.sha256(text.encode()).hexdigest()[:12]
    return name + ".log"


def failure_digest(lines: list[str], limit: int = DIGEST_LINES) -> list[str]:
    """The log's lines that say why it failed (the last ones kept), each cut to 300 characters."""
    picked = [line[:300] for line in lines if FAILURE_LINE.search(line)]
    return picked[-limit:] or [line[:300] for line in lines[-limit:]]


def parse_case(text: str, bin_dir: Path) -> Case:
    head, *assignments = text.split(",")
    extra: list[tuple[str, str]] = []
    for assignment in assignments:
        name, sep, value = assignment.partition("=")
        if not sep or not name.startswith(("SANDBOX_", "FAULTS_")):
            raise ValueError(f"{text!r}: {assignment!r} is not a SANDBOX_NAME=value or FAULTS_NAME=value setting")
        extra.append((name, value))
    case = parse_head(text, head, bin_dir)
    return Case(case.text, case.argv, case.env + tuple(extra), case.version)


def parse_head(text: str, head: str, bin_dir: Path) -> Case:
    parts = head.split(":")
    env: tuple[tuple[str, str], ...] = ()
    if parts[0] == "pytest":
        # FILE may be pytest node ids (FILE::test[param]), several joined by '+', run in one session (a module's
        # sandbox fixture then serves them all); a version, if any, is the last ':' field.
        match = re.fullmatch(r"pytest:(.+?)(?::(\d+\.\d+\.\d+))?", head)
        if match is None or not all(match.group(1).split("+")) or re.search(r"(?<!:):(?!:)", match.group(1)):
            raise ValueError(f"{text!r}: expected pytest:FILE[::TEST][+FILE[::TEST]...][:version]")
        version = match.group(2) or ""
        if version:
            env = (("SANDBOX_KAFKA", "real"), ("SANDBOX_KAFKA_VERSION", version))
        return Case(text, (sys.executable, "-m", "pytest", "-q", *match.group(1).split("+")), env, version)
    scenario, version, ibp, jolokia, layout = (parts + [""] * 5)[:5]
    if len(parts) > 5 or not scenario or not (REPO / "molecule" / scenario).is_dir():
        raise ValueError(f"{text!r}: expected scenario[:version[:IBP[:jolokia[:layout]]]] with a scenario under molecule/")
    # Refused here, not minutes later when the lane's sandbox comes up.
    if jolokia not in JOLOKIA_MODES or layout not in LAYOUTS:
        raise ValueError(f"{text!r}: jolokia must be one of {'|'.join(JOLOKIA_MODES[1:])} and layout one of "
                         f"{'|'.join(LAYOUTS[1:])} (or empty for the default)")
    if version:
        env = (("SANDBOX_KAFKA", "real"), ("SANDBOX_KAFKA_VERSION", version), ("SANDBOX_IBP", ibp),
               ("SANDBOX_JOLOKIA", jolokia), ("SANDBOX_LAYOUT", layout))
    return Case(text, (str(bin_dir / "molecule"), "test", "-s", scenario), env, version)


class Runner:
    def __init__(self, cases: list[Case], lanes: int) -> None:
        self.queue = list(cases)
        self.texts = [case.text for case in cases]
        self.lanes = lanes
        self.lock = threading.Lock()
        self.print_lock = threading.Lock()
        self.results: list[tuple[str, bool, float, Path]] = []
        self.procs: dict[int, subprocess.Popen[bytes]] = {}
        self.stopping = False

    def lane_env(self, lane: int) -> dict[str, str]:
        root = LANES_DIR / str(lane)
        home = root / "home"
        home.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ)
        cache = os.environ.get("ZK2KRAFT_KAFKA_CACHE") or str(
            Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "zk2kraft" / "kafka")
        env.update({
            "SANDBOX_NET": f"127.0.{FIRST_NET + lane}",
            "SANDBOX_STATE_DIR": str(root / "state"),
            "HOME": str(home),
            "ZK2KRAFT_KAFKA_CACHE": cache,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",  # molecule calls ansible-*
            "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
            "ANSIBLE_FORCE_COLOR": "0",
            "PY_COLORS": "0",
            "NO_COLOR": "1",
        })
        return env

    def say(self, text: str) -> None:
        with self.print_lock:  # lanes print whole lines, never interleaved
            print(text, flush=True)

    def next_case(self) -> Case | None:
        with self.lock:
            if self.stopping or not self.queue:
                return None
            return self.queue.pop(0)

    def lane(self, lane: int) -> None:
        base_env = self.lane_env(lane)
        try:
            while (case := self.next_case()) is not None:
                log_path = LANES_DIR / "logs" / log_name(case.text)
                env = dict(base_env, **dict(case.env))
                self.say(f"==> lane {lane} ({env['SANDBOX_NET']}.N): {case.text}")
                started = time.monotonic()
                try:
                    log_path.parent.mkdir(parents=True, exist_ok=True)
                    with open(log_path, "wb") as log:
                        proc = subprocess.Popen(case.argv, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
                                                stdin=subprocess.DEVNULL, start_new_session=True)
                        with self.lock:
                            self.procs[lane] = proc
                        rc = proc.wait()
                        with self.lock:
                            self.procs.pop(lane, None)
                    tail = log_path.read_text(errors="replace").splitlines()[-LOG_TAIL:]
                except OSError as exc:
                    # A case the lane could not run is a failure, never a case quietly left out.
                    rc, tail = -1, [f"the lane could not run this case: {exc}"]
                elapsed = time.monotonic() - started
                ok = rc == 0
                with self.lock:
                    self.results.append((case.text, ok, elapsed, log_path))
                text = f"<== {'PASS' if ok else 'FAIL'} {case.text} in {elapsed:.0f} s (log {log_path})"
                if not ok:
                    text += "\n" + "\n".join(f"    | {line}" for line in tail)
                self.say(text)
        finally:
            # Whatever happened, the lane's sandbox goes down (molecule's destroy normally did it already).
            subprocess.run([sys.executable, str(SANDBOX), "down"], cwd=REPO, env=base_env,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)

    def stop(self, *args: object) -> None:
        with self.lock:
            self.stopping = True
            procs = list(self.procs.values())
        for proc in procs:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def write_digest(self, failed: list[tuple[str, Path]]) -> None:
        """build/lanes/failures.txt: each failed case, its log, and the lines that say why (none: no file)."""
        digest = LANES_DIR / "failures.txt"
        digest.unlink(missing_ok=True)
        if not failed:
            return
        text = []
        for case_text, log in failed:
            try:
                lines = log.read_text(errors="replace").splitlines()
            except OSError as exc:
                lines = [f"no log: {exc}"]
            text += [f"{case_text} (log {log})"] + [f"    | {line}" for line in failure_digest(lines)]
        digest.parent.mkdir(parents=True, exist_ok=True)
        digest.write_text("\n".join(text) + "\n")

    def run(self) -> int:
        threads = [threading.Thread(target=self.lane, args=(i,)) for i in range(min(self.lanes, len(self.queue)))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        failed = [text for text, ok, _elapsed, _log in self.results if not ok]
        self.write_digest([(text, log) for text, ok, _elapsed, log in self.results if not ok])
        # A lane that died mid-way leaves cases without a result: they failed too.
        ran = {text for text, _ok, _elapsed, _log in self.results}
        failed += [text for text in self.texts if text not in ran and not self.stopping]
        for text, ok, elapsed, _log in self.results:
            print(f"    {'pass' if ok else 'FAIL'}  {elapsed:6.0f} s  {text}")
        if self.stopping:
            print("interrupted: cases not run: " + (" ".join(c.text for c in self.queue) or "none"))
            return 1
        if failed:
            print("failed: " + " ".join(failed))
            return 1
        return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lanes", type=int, default=2, help="sandboxes side by side (default 2)")
    parser.add_argument("cases", nargs="+", metavar="CASE")
    args = parser.parse_args(argv)
    if args.lanes < 1:
        parser.error("--lanes must be 1 or more")
    bin_dir = Path(sys.executable).parent
    try:
        cases = [parse_case(text, bin_dir) for text in args.cases]
    except ValueError as exc:
        parser.error(str(exc))
    # Build each Kafka release once, before the lanes start (Maven's local repository is not
    # safe to fill from two processes at once).
    for version in sorted({c.version for c in cases if c.version}):
        built = subprocess.run([sys.executable, str(KAFKA_DIST), "--version", version], cwd=REPO, check=False)
        if built.returncode != 0:
            print(f"Kafka {version} could not be built (see above)", file=sys.stderr)
            return 1
    runner = Runner(cases, args.lanes)
    signal.signal(signal.SIGTERM, runner.stop)
    signal.signal(signal.SIGINT, runner.stop)
    return runner.run()


if __name__ == "__main__":
    sys.exit(main())
