"""The command-line tools: kafka-storage, kafka-metadata-quorum, kafka-topics, kafka-configs, kafka-acls,
kafka-server-stop. Flags and output layout follow Kafka 3.9."""

from __future__ import annotations

import argparse
import base64
import datetime as _dt
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any

from .common import BOOTSTRAP_FILE, LATEST_METADATA_VERSION, METADATA_VERSIONS, ZERO_UUID, MetadataVersion, VersionError, kafka_version, random_uuid
from .config import ConfigError, KafkaConfig, load_properties, parse_config
from .metadata import ACL_OPERATIONS, Acl, Image, partition_views
from .metaprops import meta_summary, read_meta, write_meta
from .rpc import RpcError, call


class ToolError(Exception):
    pass


def _stamp() -> str:
    now = _dt.datetime.now()
    return now.strftime("%Y-%m-%d %H:%M:%S") + f",{now.microsecond // 1000:03d}"


def _parser(prog: str) -> argparse.ArgumentParser:
    return argparse.ArgumentParser(prog=prog, description="Kafka node emulator tool (test infrastructure).")


def _request(bootstrap: str, req: dict[str, Any], timeout_s: float = 15.0) -> dict[str, Any]:
    """Send to the first reachable bootstrap address, retrying like an admin client until the timeout."""
    targets = []
    for item in bootstrap.split(","):
        host, dummy, port_text = item.strip().rpartition(":")
        targets.append((host, int(port_text)))
    deadline = time.monotonic() + timeout_s
    last = "no bootstrap server answered"
    while True:
        for host, port in targets:
            try:
                resp = call(host, port, req, timeout=max(1.0, min(10.0, deadline - time.monotonic())))
            except RpcError as exc:
                last = str(exc)
                continue
            if resp.get("error") == "NOT_CONTROLLER" and time.monotonic() < deadline:
                last = str(resp.get("message"))
                continue
            return resp
        if time.monotonic() > deadline:
            raise ToolError(f"Timed out waiting for a node assignment. Call: {req.get('op')} ({last})")
        time.sleep(0.1)  # back-off between bootstrap rounds, bounded by the deadline above


# --- kafka-storage.sh ----------------------------------------------------------------------------


def _load_cfg(path: str) -> KafkaConfig:
    try:
        return parse_config(load_properties(path))
    except OSError as exc:
        raise ToolError(f"{path} (No such file or directory)") from exc
    except ConfigError as exc:
        raise ToolError(exc.kafka_text()) from exc


def _storage_dirs(cfg: KafkaConfig) -> list[str]:
    return sorted(dict.fromkeys(cfg.log_dirs + ([cfg.metadata_log_dir] if cfg.metadata_log_dir else [])))


# A topic config's broker-level synonym with a non-null default, listed after the topic's own value by
# `kafka-configs.sh --describe` (cleanup.policy and max.message.bytes measured on 3.9.2; the others are Kafka's
# documented defaults). Synonyms whose default is null (log.retention.ms for retention.ms) are not listed.
BROKER_DEFAULT_SYNONYMS = {
    "cleanup.policy": ("log.cleanup.policy", "delete"),
    "max.message.bytes": ("message.max.bytes", "1048588"),
    "retention.bytes": ("log.retention.bytes", "-1"),
    "segment.bytes": ("log.segment.bytes", "1073741824"),
    "min.insync.replicas": ("min.insync.replicas", "1"),
    "compression.type": ("compression.type", "producer"),
    "unclean.leader.election.enable": ("unclean.leader.election.enable", "false"),
}


def storage(argv: list[str]) -> int:
    parser = _parser("kafka-storage")
    sub = parser.add_subparsers(dest="command", required=True)
    fmt = sub.add_parser("format")
    fmt.add_argument("-c", "--config", required=True)
    fmt.add_argument("--cluster-id", "-t", required=True)  # named as Kafka's parser names it in errors
    fmt.add_argument("-r", "--release-version")
    fmt.add_argument("-g", "--ignore-formatted", action="store_true")
    fmt.add_argument("--standalone", "-s", action="store_true")
    fmt.add_argument("--add-scram", "-S", action="append", default=[])
    info = sub.add_parser("info")
    info.add_argument("-c", "--config", required=True)
    sub.add_parser("random-uuid")
    args = parser.parse_args(argv)
    try:
        if args.command == "random-uuid":
            print(random_uuid())
            return 0
        if args.command == "info":
            return _storage_info(args.config)
        return _storage_format(args)
    except ToolError as exc:
        print(str(exc), file=sys.stderr)
        return 1


def _storage_format(args: argparse.Namespace) -> int:
    cfg = _load_cfg(args.config)
    if cfg.is_zk_mode:
        raise ToolError("The kafka configuration file appears to be for a legacy cluster. Formatting is only "
                        "supported for clusters in KRaft mode.")
    if kafka_version() < (3, 9, 0):  # 3.9's Formatter takes any string as the cluster id (measured on 3.9.2)
        try:
            raw = base64.urlsafe_b64decode(args.cluster_id + "==")
            if len(raw) != 16 or len(args.cluster_id) != 22:
                raise ValueError("wrong length")
        except ValueError as exc:
            raise ToolError(f"Cluster ID string {args.cluster_id} does not appear to be a valid UUID: {exc}") from None
    supported = METADATA_VERSIONS[METADATA_VERSIONS.index("3.3-IV0"):]
    try:
        if args.release_version:
            mv = MetadataVersion.parse(args.release_version)
        elif "inter.broker.protocol.version" in cfg.props:
            mv = cfg.ibp
        else:
            mv = MetadataVersion.parse(LATEST_METADATA_VERSION)
        if str(mv) not in supported:
            raise VersionError(str(mv))
    except VersionError:
        raise ToolError(f"Unknown metadata.version '{args.release_version or cfg.ibp}'. Supported metadata.version "
                        f"are {', '.join(supported)}") from None
    dirs = _storage_dirs(cfg)
    empty = [d for d in dirs if read_meta(d) is None]
    formatted = [d for d in dirs if d not in empty]
    if formatted and not args.ignore_formatted:
        raise ToolError(f"Log directory {formatted[0]} is already formatted. Use --ignore-formatted to ignore this "
                        "directory and format the others.")
    if not empty:
        print("All of the log directories are already formatted.")
        return 0
    for directory in empty:
        Path(directory).mkdir(parents=True, exist_ok=True)
        values = {"cluster.id": args.cluster_id, "node.id": str(cfg.node_id), "version": "1"}
        if kafka_version() >= (3, 7, 0):
            values["directory.id"] = random_uuid()
        write_meta(directory, values)
        if directory == cfg.metadata_log_dir:
            (Path(directory) / BOOTSTRAP_FILE).write_text(
                json.dumps({"metadata.version": str(mv), "format": "emulator-bootstrap-checkpoint"}) + "\n",
                encoding="utf-8")
        if kafka_version() >= (3, 9, 0):
            kind = "metadata" if directory == cfg.metadata_log_dir else "data"
            print(f"Formatting {kind} directory {directory} with metadata.version {mv}.")
        else:
            print(f"Formatting {directory} with metadata.version {mv}.")
    return 0


def _storage_info(config: str) -> int:
    cfg = _load_cfg(config)
    kraft = not cfg.is_zk_mode
    problems: list[str] = []
    found: list[str] = []
    prev: dict[str, str] | None = None
    dirs = _storage_dirs(cfg)
    for directory in dirs:
        path = Path(directory)
        if not path.is_dir():
            problems.append(f"{directory} does not exist" if not path.exists() else f"{directory} is not a directory")
            continue
        found.append(directory)
        meta = read_meta(directory)
        if meta is None:
            problems.append(f"{directory} is not formatted.")
            continue
        if prev is None:
            prev = meta
        elif prev.get("cluster.id") != meta.get("cluster.id"):
            problems.append("Mismatched cluster IDs between storage directories.")
        elif prev.get("node.id", prev.get("broker.id")) != meta.get("node.id", meta.get("broker.id")):
            problems.append("Mismatched node IDs between storage directories.")
    if prev is not None:
        if kraft and prev.get("version", "0") == "0":
            problems.append("The kafka configuration file appears to be for a cluster in KRaft mode, but the "
                            "directories are formatted for legacy mode.")
        elif not kraft and prev.get("version") == "1":
            problems.append("The kafka configuration file appears to be for a legacy cluster, but the directories "
                            "are formatted for a cluster in KRaft mode.")
    if not dirs:
        print("No directories specified.")
        return 0
    if found:
        print("Found log directory:" if len(found) == 1 else "Found log directories:")
        for directory in found:
            print(f"  {directory}")
        print("")
    if prev is not None:
        print(f"Found metadata: {meta_summary(prev)}")
        print("")
    if problems:
        print("Found problem:" if len(problems) == 1 else "Found problems:")
        for problem in problems:
            print(f"  {problem}")
        print("")
        return 1
    return 0


# --- kafka-metadata-quorum.sh --------------------------------------------------------------------


def _pretty_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(headers[i]), *(len(r[i]) for r in rows)) if rows else len(headers[i])
              for i in range(len(headers))]
    for row in [headers] + rows:
        print("\t".join(f"{cell:<{widths[i]}}" for i, cell in enumerate(row)))


def metadata_quorum(argv: list[str]) -> int:
    parser = _parser("kafka-metadata-quorum")
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--bootstrap-server")
    group.add_argument("--bootstrap-controller")
    parser.add_argument("--command-config")
    sub = parser.add_subparsers(dest="command", required=True)
    desc = sub.add_parser("describe")
    kind = desc.add_mutually_exclusive_group(required=True)
    kind.add_argument("--status", action="store_true")
    kind.add_argument("--replication", action="store_true")
    desc.add_argument("--human-readable", action="store_true")
    args = parser.parse_args(argv)
    try:
        resp = _request(args.bootstrap_server or args.bootstrap_controller, {"op": "quorum_describe"})
    except ToolError as exc:
        print(f"org.apache.kafka.common.errors.TimeoutException: {exc}", file=sys.stderr)
        return 1
    if resp.get("error"):
        error = ERROR_CLASSES.get(str(resp["error"]), str(resp["error"]))
        print(f"org.apache.kafka.common.errors.{error}: {resp.get('message')}", file=sys.stderr)
        return 1
    new_layout = kafka_version() >= (3, 9, 0)
    voters, observers, now = resp["voters"], resp["observers"], int(resp["now"])
    leader_id = int(resp["leader_id"])
    if args.status:
        leo = next(v["leo"] for v in voters if v["id"] == leader_id)
        others = [v for v in voters if v["id"] != leader_id] + observers
        max_lag = max((leo - int(o["leo"]) for o in others), default=0)
        lag_time = max((now - int(o["last_caught_up"]) if int(o["last_caught_up"]) >= 0 else now
                        for o in others), default=0)
        if new_layout:
            def node(v: dict[str, Any], endpoints: bool) -> str:
                directory = f"\"{v['directory_id']}\"" if v.get("directory_id") else "null"
                eps = ", ".join(f"\"{e}\"" for e in v.get("endpoints", [])) if endpoints else ""
                return f"{{\"id\": {v['id']}, \"directoryId\": {directory}, \"endpoints\": [{eps}]}}"
            cur_voters = "[" + ", ".join(node(v, True) for v in voters) + "]"
            cur_observers = "[" + ", ".join(node(o, False) for o in observers) + "]"
        else:
            cur_voters = "[" + ",".join(str(v["id"]) for v in voters) + "]"
            cur_observers = "[" + ",".join(str(o["id"]) for o in observers) + "]"
        lines = [("ClusterId:", resp["cluster_id"]), ("LeaderId:", leader_id), ("LeaderEpoch:", resp["leader_epoch"]),
                 ("HighWatermark:", resp["high_watermark"]), ("MaxFollowerLag:", max_lag),
                 ("MaxFollowerLagTimeMs:", lag_time), ("CurrentVoters:", cur_voters),
                 ("CurrentObservers:", cur_observers)]
        for label, value in lines:
            print(f"{label:<24}{value}")
        return 0
    leo = next(v["leo"] for v in voters if v["id"] == leader_id)

    def ts(value: int) -> str:
        if args.human_readable:
            return f"{now - value} ms ago" if value >= 0 else "-1"
        return str(value)

    rows: list[list[str]] = []
    ordered = [(v, "Leader") for v in voters if v["id"] == leader_id] + \
              [(v, "Follower") for v in voters if v["id"] != leader_id] + [(o, "Observer") for o in observers]
    for entry, status in ordered:
        row = [str(entry["id"])]
        if new_layout:
            row.append(entry.get("directory_id") or ZERO_UUID)
        row += [str(entry["leo"]), str(max(leo - int(entry["leo"]), 0)), ts(int(entry["last_fetch"])),
                ts(int(entry["last_caught_up"])), status]
        rows.append(row)
    headers = ["NodeId"] + (["DirectoryId"] if new_layout else []) + \
        ["LogEndOffset", "Lag", "LastFetchTimestamp", "LastCaughtUpTimestamp", "Status"]
    _pretty_table(headers, rows)
    return 0


# --- kafka-topics.sh -----------------------------------------------------------------------------


def _admin_error(tool: str, name: str, message: str) -> int:
    print(f"Error while executing {tool} command : {message}")
    print(f"[{_stamp()}] ERROR org.apache.kafka.common.errors.{name}: {message} (kafka.emulator.tools)",
          file=sys.stderr)
    return 1


ERROR_CLASSES = {
    "TOPIC_ALREADY_EXISTS": "TopicExistsException",
    "UNKNOWN_TOPIC_OR_PARTITION": "UnknownTopicOrPartitionException",
    "INVALID_REPLICATION_FACTOR": "InvalidReplicationFactorException",
    "NOT_CONTROLLER": "NotControllerException",
    "TIMEOUT": "TimeoutException",
    "UNSUPPORTED_VERSION": "UnsupportedVersionException",
    "SECURITY_DISABLED": "SecurityDisabledException",
}


def _fetch_image(bootstrap: str) -> Image:
    resp = _request(bootstrap, {"op": "metadata_image"})
    if resp.get("error"):
        raise ToolError(str(resp.get("message")))
    return Image.from_json(resp["image"])


def _write_failure(bootstrap: str, req: dict[str, Any]) -> tuple[str, str] | None:
    """A metadata write's failure as Kafka's exception class and message, or None when it was applied."""
    try:
        resp = _request(bootstrap, dict(req, op="metadata_write"))
    except ToolError as exc:
        return "TimeoutException", str(exc)
    if resp.get("error"):
        return ERROR_CLASSES.get(str(resp["error"]), "KafkaException"), str(resp.get("message"))
    return None


def _write(bootstrap: str, tool: str, req: dict[str, Any]) -> int | None:
    failure = _write_failure(bootstrap, req)
    return _admin_error(tool, *failure) if failure else None


def _parse_kv(items: list[str]) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise ToolError("Invalid config: all configs to be added must be in the format \"key=val\".")
        result[key.strip()] = value.strip()
    return result


def topics(argv: list[str]) -> int:
    parser = _parser("kafka-topics")
    parser.add_argument("--bootstrap-server", required=True)
    parser.add_argument("--command-config")
    action = parser.add_mutually_exclusive_group(required=True)
    for flag in ("--list", "--describe", "--create", "--delete", "--alter"):
        action.add_argument(flag, action="store_true")
    parser.add_argument("--topic")
    parser.add_argument("--partitions", type=int)
    parser.add_argument("--replication-factor", type=int)
    parser.add_argument("--config", action="append", default=[])
    parser.add_argument("--under-replicated-partitions", action="store_true")
    parser.add_argument("--exclude-internal", action="store_true")
    parser.add_argument("--if-not-exists", action="store_true")
    parser.add_argument("--if-exists", action="store_true")
    args = parser.parse_args(argv)
    try:
        if args.create:
            if not args.topic:
                raise ToolError("Missing required argument \"[topic]\"")
            try:
                configs = _parse_kv(args.config)
            except ToolError as exc:
                return _admin_error("topic", "InvalidConfigurationException", str(exc))
            req = {"action": "create_topic", "name": args.topic, "partitions": args.partitions or 1,
                   "replication_factor": args.replication_factor or 1, "configs": configs}
            resp = _request(args.bootstrap_server, dict(req, op="metadata_write"))
            if resp.get("error") == "TOPIC_ALREADY_EXISTS" and args.if_not_exists:
                return 0
            if resp.get("error"):
                return _admin_error("topic", ERROR_CLASSES.get(str(resp["error"]), "KafkaException"),
                                    str(resp.get("message")))
            print(f"Created topic {args.topic}.")
            return 0
        if args.delete:
            if not args.topic:
                raise ToolError("Missing required argument \"[topic]\"")
            image = _fetch_image(args.bootstrap_server)
            if args.topic not in image.topics:
                if args.if_exists:
                    return 0
                return _admin_error("topic", "IllegalArgumentException",
                                    f"Topic '{args.topic}' does not exist as expected")
            code = _write(args.bootstrap_server, "topic", {"action": "delete_topic", "name": args.topic})
            return code or 0
        if args.alter:
            return _admin_error("topic", "UnsupportedOperationException",
                                "--alter is not supported by the emulator")
        image = _fetch_image(args.bootstrap_server)
        names = sorted(image.topics)
        if args.topic:
            if args.topic not in image.topics:
                if args.if_exists:
                    return 0
                return _admin_error("topic", "IllegalArgumentException",
                                    f"Topic '{args.topic}' does not exist as expected")
            names = [args.topic]
        if args.list:
            for name in names:
                print(name)
            return 0
        live_resp = _request(args.bootstrap_server, {"op": "liveness"})
        liveness = {int(k): bool(v) for k, v in (live_resp.get("liveness") or {}).items()}
        views = partition_views(image, liveness)
        # 3.8+ prints the ELR columns: `N/A` from a ZK broker's Metadata response (measured on 3.9.2); a KRaft
        # broker answers DescribeTopicPartitions with (empty) lists (read from the 3.9 source, not measured)
        elr = ""
        if kafka_version() >= (3, 8, 0):
            elr = "\tElr: \tLastKnownElr: " if live_resp.get("kraft_broker") else "\tElr: N/A\tLastKnownElr: N/A"
        for name in names:
            topic = image.topics[name]
            tviews = [v for v in views if v.topic == name]
            if not args.under_replicated_partitions:
                rf = len(next(iter(topic.partitions.values()), []))
                shown = ",".join(f"{k}={v}" for k, v in sorted(image.configs.get(name, {}).items()))
                print(f"Topic: {name}\tTopicId: {topic.topic_id}\tPartitionCount: {len(topic.partitions)}\t"
                      f"ReplicationFactor: {rf}\tConfigs: {shown}")
            for view in tviews:
                if args.under_replicated_partitions and not view.under_replicated:
                    continue
                leader = str(view.leader) if view.leader >= 0 else "none"
                print(f"\tTopic: {name}\tPartition: {view.partition}\tLeader: {leader}\t"
                      f"Replicas: {','.join(map(str, view.replicas))}\tIsr: {','.join(map(str, view.isr))}{elr}")
        return 0
    except ToolError as exc:
        return _admin_error("topic", "TimeoutException", str(exc))


# --- kafka-configs.sh ----------------------------------------------------------------------------


def _split_configs(text: str) -> dict[str, str]:
    """k=v,k2=[a,b] as kafka-configs parses --add-config."""
    result: dict[str, str] = {}
    depth, current, parts = 0, "", []
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    if current:
        parts.append(current)
    for part in parts:
        key, sep, value = part.partition("=")
        if not sep:
            raise ToolError("requirement failed: Invalid entity config: all configs to be added must be in the "
                            "format \"key=val\".")
        if value.startswith("[") and value.endswith("]"):
            value = value[1:-1]
        result[key.strip()] = value.strip()
    return result


def configs(argv: list[str]) -> int:
    parser = _parser("kafka-configs")
    parser.add_argument("--bootstrap-server")
    parser.add_argument("--bootstrap-controller")
    parser.add_argument("--command-config")
    parser.add_argument("--entity-type", choices=["topics", "brokers", "users", "clients", "broker-loggers", "ips"])
    parser.add_argument("--entity-name")
    parser.add_argument("--entity-default", action="store_true")
    parser.add_argument("--topic")
    parser.add_argument("--describe", action="store_true")
    parser.add_argument("--alter", action="store_true")
    parser.add_argument("--add-config")
    parser.add_argument("--delete-config")
    parser.add_argument("--all", action="store_true")
    args = parser.parse_args(argv)
    bootstrap = args.bootstrap_server or args.bootstrap_controller
    if not bootstrap:
        print("Exactly one of --bootstrap-server or --bootstrap-controller must be specified", file=sys.stderr)
        return 1
    entity_type = args.entity_type or ("topics" if args.topic else None)
    name = args.entity_name or args.topic
    try:
        if entity_type != "topics":
            if args.describe:
                print(f"Dynamic configs for broker {name or 'default'} are:" if entity_type == "brokers"
                      else f"Configs for {entity_type} {name or 'default'} are:")
                return 0
            return _admin_error("config", "UnsupportedOperationException",
                                f"the emulator supports altering topic configs only, not {entity_type}")
        if args.alter:
            if not name:
                raise ToolError("an entity name must be specified with --alter of topics")
            try:
                add = _split_configs(args.add_config or "")
            except ToolError as exc:
                print(str(exc), file=sys.stderr)
                return 1
            delete = [k.strip() for k in (args.delete_config or "").split(",") if k.strip()]
            code = _write(bootstrap, "config", {"action": "alter_configs", "name": name, "set": add, "delete": delete})
            if code:
                return code
            print(f"Completed updating config for topic {name}.")
            return 0
        image = _fetch_image(bootstrap)
        names = [name] if name else sorted(image.topics)
        for tname in names:
            if tname not in image.topics:
                return _admin_error("config", "UnknownTopicOrPartitionException",
                                    f"The topic '{tname}' does not exist.")
            print(f"Dynamic configs for topic {tname} are:")
            for key, value in sorted(image.configs.get(tname, {}).items()):
                synonyms = [f"DYNAMIC_TOPIC_CONFIG:{key}={value}"]
                if key in BROKER_DEFAULT_SYNONYMS:
                    synonyms.append("DEFAULT_CONFIG:{}={}".format(*BROKER_DEFAULT_SYNONYMS[key]))
                print(f"  {key}={value} sensitive=false synonyms={{{', '.join(synonyms)}}}")
        return 0
    except ToolError as exc:
        return _admin_error("config", "TimeoutException", str(exc))


# --- kafka-acls.sh -------------------------------------------------------------------------------


def _zk_operation(text: str) -> str:
    key = text.strip().upper().replace("-", "_")
    camel = {v.upper(): v for v in ACL_OPERATIONS.values()}
    if key in ACL_OPERATIONS:
        return ACL_OPERATIONS[key]
    if key in camel:
        return camel[key]
    raise ToolError(f"Invalid operation {text}")


def _print_acls(title: str, pattern: str, acls: list[Acl]) -> None:
    body = "\n".join("\t" + a.entry_text() for a in acls)
    print(f"{title} `{pattern}`: \n {body} \n")


def acls(argv: list[str]) -> int:
    parser = _parser("kafka-acls")
    parser.add_argument("--bootstrap-server")
    parser.add_argument("--bootstrap-controller")
    parser.add_argument("--command-config")
    action = parser.add_mutually_exclusive_group(required=True)
    for flag in ("--list", "--add", "--remove"):
        action.add_argument(flag, action="store_true")
    parser.add_argument("--allow-principal", action="append", default=[])
    parser.add_argument("--deny-principal", action="append", default=[])
    parser.add_argument("--allow-host", action="append", default=[])
    parser.add_argument("--deny-host", action="append", default=[])
    parser.add_argument("--operation", action="append", default=[])
    parser.add_argument("--topic", action="append", default=[])
    parser.add_argument("--group", action="append", default=[])
    parser.add_argument("--cluster", action="store_true")
    parser.add_argument("--resource-pattern-type", default="LITERAL")
    parser.add_argument("--principal")
    parser.add_argument("--force", action="store_true")
    args = parser.parse_args(argv)
    bootstrap = args.bootstrap_server or args.bootstrap_controller
    if not bootstrap:
        print("One of --bootstrap-server or --bootstrap-controller must be specified", file=sys.stderr)
        return 1
    if args.resource_pattern_type.upper() != "LITERAL" and not args.list:
        print("The emulator supports LITERAL resource patterns only.", file=sys.stderr)
        return 1
    resources = [("Topic", t) for t in args.topic] + [("Group", g) for g in args.group]
    if args.cluster:
        resources.append(("Cluster", "kafka-cluster"))
    try:
        if args.add or args.remove:
            if not resources:
                raise ToolError("You must specify one of: --topic, --cluster, --group, --transactional-id, "
                                "--delegation-token, --user-principal when using --add or --remove")
            ops = [_zk_operation(o) for o in (args.operation or ["All"])]
            entries: list[tuple[str, str]] = [(p, "Allow") for p in args.allow_principal] + \
                                             [(p, "Deny") for p in args.deny_principal]
            for rtype, rname in resources:
                new: list[Acl] = []
                for principal, perm in entries:
                    hosts = (args.allow_host if perm == "Allow" else args.deny_host) or ["*"]
                    for host in hosts:
                        for op in ops:
                            new.append(Acl(rtype, rname, "LITERAL", principal, host, op, perm))
                title = "Adding ACLs for resource" if args.add else "Removing ACLs for resource"
                if new:
                    _print_acls(title, new[0].pattern_text(), sorted(new))
                failure = _write_failure(bootstrap, {"action": "add_acls" if args.add else "remove_acls",
                                                     "acls": [a.to_json() for a in new]})
                if failure:
                    # AclCommand prints the admin future's exception (the cause's class and message).
                    raise ToolError("org.apache.kafka.common.errors.{}: {}".format(*failure))
            return _list_acls(bootstrap, resources, None)
        return _list_acls(bootstrap, resources, args.principal)
    except ToolError as exc:
        print(f"Error while executing ACL command: {exc}")
        return 1


def _list_acls(bootstrap: str, resources: list[tuple[str, str]], principal: str | None) -> int:
    image = _fetch_image(bootstrap)
    grouped: dict[tuple[str, str], list[Acl]] = {}
    for acl in sorted(image.acls):
        if resources and (acl.resource_type, acl.name) not in resources:
            continue
        if principal and acl.principal != principal:
            continue
        grouped.setdefault((acl.resource_type, acl.name), []).append(acl)
    for key in sorted(grouped):
        _print_acls("Current ACLs for resource", grouped[key][0].pattern_text(), grouped[key])
    return 0


# --- kafka-server-stop.sh ------------------------------------------------------------------------


def _same_mount_namespace(pid: int) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt") == os.readlink("/proc/self/ns/mnt")
    except OSError:
        return False


def _same_pid_namespace(pid: int) -> bool:
    try:
        return os.readlink(f"/proc/{pid}/ns/pid") == os.readlink("/proc/self/ns/pid")
    except OSError:
        return False


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode("utf-8", "replace") for part in raw.split(b"\0") if part]


def _is_emulator(pid: int) -> bool:
    """An emulated Kafka node of this host: `... -m kafka_emulator kafka.Kafka CONFIG` in our namespaces.

    Real JVMs never match: the emulator's stop tool must not touch a real Kafka sharing the machine."""
    argv = _cmdline(pid)
    return "kafka_emulator" in argv and "kafka.Kafka" in argv and _same_pid_namespace(pid) \
        and _same_mount_namespace(pid) and not _zombie(pid)


def _node_pids() -> list[int]:
    """What `ps ax | grep ' kafka\\.Kafka '` finds on this host (emulated nodes only), oldest first."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid() and _is_emulator(int(entry)):
            pids.append(int(entry))
    return sorted(pids)


def _config_arg(pid: int) -> str:
    """The last argument once `--override property=...` pairs are dropped, as the 3.7+ script reads it."""
    argv = _cmdline(pid)
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == "--override":
            skip = True
            continue
        kept.append(arg)
    return kept[-1] if kept else ""


def _first_value(config: Path, keyword: str) -> str | None:
    """`sed -n "/KEY=/ { s/KEY=//p; q; }"`: the first line mentioning KEY= (regex), with KEY= removed."""
    pattern = re.compile(keyword.replace(".", "[^\\n]") + "=")
    for line in config.read_text(encoding="utf-8", errors="replace").splitlines():
        if pattern.search(line):
            return pattern.sub("", line, count=1)
    return None


def server_stop(argv: list[str]) -> int:
    """kafka-server-stop.sh: SIGTERM (or $SIGNAL) to every Kafka node on this host, then return at once.

    From 3.7, `--node-id=N` / `--process-role=R` select the nodes whose config file (the last argument of
    their command line, resolved from the current directory) has that node.id / process.roles."""
    joined = " ".join(argv)
    role = re.search(r"--process-role=(\S*)", joined)
    nid = re.search(r"--node-id=(\S*)", joined)
    if kafka_version() < (3, 7, 0):
        role = nid = None
    if nid and role:
        print("When both node-id and process-role are provided, the value for node-id will take precedence")
    sig = getattr(signal, "SIG" + os.environ.get("SIGNAL", "TERM").removeprefix("SIG"), signal.SIGTERM)
    pids = _node_pids()
    if not pids:
        print("No kafka server to stop")
        return 1
    if not nid and not role:
        targets = pids
    else:
        targets = []
        for pid in pids:
            config = Path(os.path.realpath(_config_arg(pid)))
            if not config.is_file():
                print("Can not find the configuration file in the current directory. Please make sure the kafka "
                      "stop process and the start process are called in the same directory.")
                return 1
            if nid:
                if _first_value(config, "node.id") == nid.group(1):
                    targets.append(pid)
            elif role and _first_value(config, "process.roles") == role.group(1):
                targets.append(pid)
    for pid in targets:
        try:
            os.kill(pid, sig)
        except OSError:
            pass
    return 0


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return True
