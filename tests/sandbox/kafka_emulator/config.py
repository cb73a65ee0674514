"""Server configuration: Java .properties loading and Kafka 3.9's KafkaConfig.validateValues rules."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import javaproperties

from .common import MetadataVersion, VersionError, kafka_version

SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")


class ConfigError(Exception):
    """A startup refusal. `requirement` selects Kafka's `requirement failed:` form."""

    def __init__(self, message: str, requirement: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.requirement = requirement

    def kafka_text(self) -> str:
        if self.requirement:
            return f"java.lang.IllegalArgumentException: requirement failed: {self.message}"
        return f"org.apache.kafka.common.config.ConfigException: {self.message}"

    def short_text(self) -> str:
        return f"requirement failed: {self.message}" if self.requirement else self.message


def require(cond: bool, message: str) -> None:
    if not cond:
        raise ConfigError(message, requirement=True)


@dataclass(frozen=True)
class Endpoint:
    name: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.name}://{self.host}:{self.port}"


def load_properties(path: str | Path) -> dict[str, str]:
    with open(path, encoding="latin-1") as handle:
        return dict(javaproperties.load(handle))


def parse_listeners(value: str, key: str) -> list[Endpoint]:
    result: list[Endpoint] = []
    for item in [p.strip() for p in value.split(",") if p.strip()]:
        match = re.fullmatch(r"([A-Za-z0-9_\-.]+)://(\[[^\]]*\]|[^:]*):(-?\d+)", item)
        if not match:
            raise ConfigError(f"Invalid value {value} for configuration {key}: Unable to parse {item} to a broker endpoint")
        host = match.group(2).strip("[]")
        result.append(Endpoint(match.group(1).upper(), host, int(match.group(3))))
    return result


def parse_voters(value: str) -> dict[int, tuple[str, int]]:
    voters: dict[int, tuple[str, int]] = {}
    for entry in [p.strip() for p in value.split(",") if p.strip()]:
        parts = entry.split("@")
        if len(parts) != 2:
            raise ConfigError(
                f"Invalid value {value} for configuration controller.quorum.voters: Invalid configuration value "
                "for controller.quorum.voters. Each entry should be in the form `{id}@{host}:{port}`."
            )
        try:
            voter_id = int(parts[0])
        except ValueError:
            raise ConfigError(
                f"Invalid value {value} for configuration controller.quorum.voters: "
                f"Failed to parse node id in controller.quorum.voters: {parts[0]}"
            ) from None
        match = re.fullmatch(r"(\[[^\]]*\]|[^:]+):(\d+)", parts[1])
        if not match:
            raise ConfigError(
                f"Invalid value {value} for configuration controller.quorum.voters: "
                f"Failed to parse host and port from voter connection string: {parts[1]}"
            )
        voters[voter_id] = (match.group(1).strip("[]"), int(match.group(2)))
    return voters


def _int(props: dict[str, str], key: str, default: int) -> int:
    raw = props.get(key)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw.strip())
    except ValueError:
        raise ConfigError(f"Invalid value {raw} for configuration {key}: Not a number of type INT") from None


def _bool(props: dict[str, str], key: str, default: bool) -> bool:
    raw = props.get(key)
    if raw is None:
        return default
    text = raw.strip().lower()
    if text not in ("true", "false"):
        raise ConfigError(f"Invalid value {raw} for configuration {key}: Expected value to be either true or false")
    return text == "true"


def _list(props: dict[str, str], key: str) -> list[str]:
    return [p.strip() for p in props.get(key, "").split(",") if p.strip()]


@dataclass
class KafkaConfig:
    props: dict[str, str]
    process_roles: list[str] = field(default_factory=list)
    node_id: int = -1
    broker_id: int = -1
    log_dirs: list[str] = field(default_factory=list)
    metadata_log_dir: str = ""
    zk_connect: str | None = None
    migration_enabled: bool = False
    voters: dict[int, tuple[str, int]] = field(default_factory=dict)
    bootstrap_servers: list[str] = field(default_factory=list)
    controller_listener_names: list[str] = field(default_factory=list)
    listeners: list[Endpoint] = field(default_factory=list)
    advertised: list[Endpoint] = field(default_factory=list)
    protocol_map: dict[str, str] = field(default_factory=dict)
    inter_broker_listener_name: str = "PLAINTEXT"
    ibp: MetadataVersion = MetadataVersion(3, 9, 0)
    rack: str | None = None
    registration_timeout_ms: int = 60000
    zk_session_timeout_ms: int = 6000
    zk_set_acl: bool = False
    zk_tls_client: bool = False
    broker_session_timeout_ms: int = 3000
    heartbeat_interval_ms: int = 500

    @property
    def is_zk_mode(self) -> bool:
        return not self.process_roles

    @property
    def is_controller(self) -> bool:
        return "controller" in self.process_roles

    @property
    def is_kraft_broker(self) -> bool:
        return "broker" in self.process_roles

    def controller_endpoints(self) -> list[Endpoint]:
        return [e for e in self.listeners if e.name in self.controller_listener_names]

    def broker_endpoints(self) -> list[Endpoint]:
        return [e for e in self.listeners if e.name not in self.controller_listener_names]


def parse_config(props: dict[str, str]) -> KafkaConfig:
    """Parse and validate like KafkaConfig's constructor; raise ConfigError on the first violation."""
    cfg = KafkaConfig(props=props)
    roles = _list(props, "process.roles")
    for role in roles:  # ConfigDef's ValidList.in("broker", "controller") runs before validateValues
        if role not in ("broker", "controller"):
            raise ConfigError(f"Invalid value {role} for configuration process.roles: String must be one of: "
                              "broker, controller")
    if len(set(roles)) != len(roles):
        raise ConfigError(f"Duplicate role names found in `process.roles`: List({', '.join(roles)})")
    cfg.process_roles = roles
    voters_raw = props.get("controller.quorum.voters", "")
    cfg.voters = parse_voters(voters_raw)
    cfg.bootstrap_servers = _list(props, "controller.quorum.bootstrap.servers")
    node_id = _int(props, "node.id", -1)
    broker_id = _int(props, "broker.id", -1)
    # Kafka copies whichever of node.id / broker.id is set onto the other.
    if "node.id" in props and "broker.id" not in props:
        broker_id = node_id
    elif "broker.id" in props and "node.id" not in props:
        node_id = broker_id
    cfg.node_id, cfg.broker_id = node_id, broker_id
    cfg.zk_connect = props.get("zookeeper.connect") or None
    cfg.migration_enabled = _bool(props, "zookeeper.metadata.migration.enable", False)
    cfg.zk_set_acl = _bool(props, "zookeeper.set.acl", False)
    cfg.zk_tls_client = _bool(props, "zookeeper.ssl.client.enable", False)
    cfg.controller_listener_names = [n.upper() for n in _list(props, "controller.listener.names")]
    try:
        cfg.ibp = MetadataVersion.parse(props.get("inter.broker.protocol.version", "3.9-IV0"))
    except VersionError as exc:
        raise ConfigError(
            f"Invalid value {props.get('inter.broker.protocol.version')} for configuration "
            f"inter.broker.protocol.version: {exc}"
        ) from None
    cfg.rack = props.get("broker.rack") or None
    cfg.registration_timeout_ms = _int(props, "initial.broker.registration.timeout.ms", 60000)
    # Shorter than Kafka's 18 s default so that sandbox failovers stay quick; an explicit value wins.
    cfg.zk_session_timeout_ms = _int(props, "zookeeper.session.timeout.ms", 6000)
    cfg.broker_session_timeout_ms = _int(props, "broker.session.timeout.ms", 3000)
    cfg.heartbeat_interval_ms = min(_int(props, "broker.heartbeat.interval.ms", 500), 500)
    broker_id_generation = _bool(props, "broker.id.generation.enable", True)

    if "log.dirs" in props:
        cfg.log_dirs = _list(props, "log.dirs")
    else:
        cfg.log_dirs = _list({"log.dir": props.get("log.dir", "/tmp/kafka-logs")}, "log.dir")
    cfg.metadata_log_dir = props.get("metadata.log.dir") or (cfg.log_dirs[0] if cfg.log_dirs else "")

    listeners_raw = props.get("listeners", "PLAINTEXT://:9092")
    cfg.listeners = parse_listeners(listeners_raw, "listeners")
    if "listener.security.protocol.map" in props:
        pmap: dict[str, str] = {}
        for item in _list(props, "listener.security.protocol.map"):
            name, dummy, proto = item.partition(":")
            pmap[name.strip().upper()] = proto.strip().upper()
        cfg.protocol_map = pmap
    else:
        cfg.protocol_map = {p: p for p in SECURITY_PROTOCOLS}
        if roles:
            # KRaft maps undeclared controller listener names to PLAINTEXT when the map is left default.
            for name in cfg.controller_listener_names:
                cfg.protocol_map.setdefault(name, "PLAINTEXT")
    if "inter.broker.listener.name" in props:
        cfg.inter_broker_listener_name = props["inter.broker.listener.name"].strip().upper()
    else:
        cfg.inter_broker_listener_name = props.get("security.inter.broker.protocol", "PLAINTEXT").strip().upper()
    adv_raw = props.get("advertised.listeners")
    advertised = parse_listeners(adv_raw, "advertised.listeners") if adv_raw else list(cfg.listeners)
    cfg.advertised = [e for e in advertised if e.name not in cfg.controller_listener_names]

    _validate(cfg, broker_id_generation, adv_raw)
    return cfg


def _validate(cfg: KafkaConfig, broker_id_generation: bool, adv_raw: str | None) -> None:
    props = cfg.props
    if "node.id" in props and "broker.id" in props and cfg.node_id != cfg.broker_id:
        raise ConfigError("You must set `node.id` to the same value as `broker.id`.")
    if cfg.is_zk_mode:
        if cfg.zk_connect is None:
            raise ConfigError("Missing required configuration `zookeeper.connect` which has no default value.")
        if broker_id_generation:
            if cfg.migration_enabled:
                require(
                    cfg.broker_id >= 0,
                    "broker.id generation is incompatible with ZooKeeper migration. Please stop using it before "
                    "enabling migration (set broker.id to a value greater or equal to 0).",
                )
            require(
                -1 <= cfg.broker_id <= _int(props, "reserved.broker.max.id", 1000),
                "broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id",
            )
        else:
            require(cfg.broker_id >= 0, "broker.id must be greater than or equal to 0")
    else:
        if cfg.node_id < 0:
            raise ConfigError(
                "Missing configuration `node.id` which is required when `process.roles` is defined "
                "(i.e. when running in KRaft mode)."
            )
        if cfg.migration_enabled and cfg.zk_connect is None:
            raise ConfigError(
                "If using `zookeeper.metadata.migration.enable` in KRaft mode, `zookeeper.connect` must also be set."
            )
    require(len(cfg.log_dirs) > 0, "At least one log directory must be defined via log.dirs or log.dir.")
    for endpoint in cfg.listeners:
        if endpoint.name not in cfg.protocol_map:
            raise ConfigError(f"No security protocol defined for listener {endpoint.name}")

    voter_ids = set(cfg.voters)
    voter_set = "Set(" + ", ".join(str(v) for v in sorted(voter_ids)) + ")"
    listener_names = {e.name for e in cfg.listeners}
    advertised_names = {e.name for e in cfg.advertised}
    controller_listeners = [e for e in cfg.listeners if e.name in cfg.controller_listener_names]

    def quorum_configured() -> None:
        if not voter_ids and not cfg.bootstrap_servers:
            raise ConfigError(
                "If using process.roles, either controller.quorum.bootstrap.servers must contain the set of "
                "bootstrap controllers or controller.quorum.voters must contain a parseable set of controllers."
            )

    def no_control_plane() -> None:
        require(
            not props.get("control.plane.listener.name"),
            "control.plane.listener.name is not supported in KRaft mode.",
        )

    def controller_names_mapped() -> None:
        for name in cfg.controller_listener_names:
            if name not in cfg.protocol_map:
                raise ConfigError(
                    f"Controller listener with name {name} defined in controller.listener.names not found in "
                    "listener.security.protocol.map  (an explicit security mapping for each controller listener is "
                    "required if listener.security.protocol.map is non-empty, or the listener name must itself be "
                    "a valid security protocol name)"
                )

    def advertised_without_controller() -> None:
        explicit = {e.name for e in (parse_listeners(adv_raw, "advertised.listeners") if adv_raw else [])}
        require(
            not (explicit & set(cfg.controller_listener_names)),
            "The advertised.listeners config must not contain KRaft controller listeners from "
            "controller.listener.names when process.roles contains the broker role because Kafka clients that "
            "send requests via advertised listeners do not send requests to KRaft controllers -- they only send "
            "requests to KRaft brokers.",
        )

    def advertised_nonempty() -> None:
        suffix = " Perhaps all listeners appear in controller.listener.names?" if "broker" in cfg.process_roles else ""
        require(bool(advertised_names), "There must be at least one advertised listener." + suffix)

    def controller_checks() -> None:
        require(
            not voter_ids or cfg.node_id in voter_ids,
            f"If process.roles contains the 'controller' role, the node id {cfg.node_id} must be included in the "
            f"set of voters controller.quorum.voters={voter_set}",
        )
        require(
            bool(controller_listeners),
            "controller.listener.names must contain at least one value appearing in the 'listeners' "
            "configuration when running the KRaft controller role",
        )
        require(
            all(n in listener_names for n in cfg.controller_listener_names),
            "controller.listener.names must only contain values appearing in the 'listeners' configuration "
            "when running the KRaft controller role",
        )

    if cfg.process_roles == ["broker"]:
        quorum_configured()
        no_control_plane()
        advertised_without_controller()
        require(
            cfg.node_id not in voter_ids,
            f"If process.roles contains just the 'broker' role, the node id {cfg.node_id} must not be included "
            f"in the set of voters controller.quorum.voters={voter_set}",
        )
        require(
            bool(cfg.controller_listener_names),
            "controller.listener.names must contain at least one value when running KRaft with just the broker role",
        )
        require(
            not controller_listeners,
            "controller.listener.names must not contain a value appearing in the 'listeners' configuration "
            "when running KRaft with just the broker role",
        )
        controller_names_mapped()
        advertised_nonempty()
    elif cfg.process_roles == ["controller"]:
        quorum_configured()
        no_control_plane()
        if kafka_version() < (3, 9, 0):
            require(not adv_raw, "The advertised.listeners config must be empty when process.roles=controller")
        require(
            all(e.name in cfg.controller_listener_names for e in cfg.listeners),
            "The listeners config must only contain KRaft controller listeners from controller.listener.names "
            "when process.roles=controller",
        )
        controller_checks()
    elif set(cfg.process_roles) == {"broker", "controller"}:
        quorum_configured()
        no_control_plane()
        advertised_without_controller()
        controller_checks()
        advertised_nonempty()
    else:
        if cfg.migration_enabled:
            quorum_configured()
            require(
                bool(cfg.controller_listener_names),
                "controller.listener.names must not be empty when running in ZooKeeper migration mode: []",
            )
            require(
                cfg.ibp.migration_supported(),
                "Cannot enable ZooKeeper migration without setting 'inter.broker.protocol.version' to 3.4 or higher",
            )
            if len(cfg.log_dirs) > 1:
                require(
                    cfg.ibp.directory_assignment_supported(),
                    "Cannot enable ZooKeeper migration with multiple log directories (aka JBOD) without setting "
                    "'inter.broker.protocol.version' to 3.7-IV2 or higher",
                )
            # no mapping check here: an unmapped controller listener fails later, in the raft manager
            # (BrokerNode.start: "No enum constant ...SecurityProtocol.CONTROLLER")
        else:
            require(
                not cfg.controller_listener_names,
                "controller.listener.names must be empty when not running in KRaft mode: ["
                + ", ".join(cfg.controller_listener_names) + "]",
            )
    if not cfg.process_roles or "broker" in cfg.process_roles:
        advertised_nonempty()
        require(
            cfg.inter_broker_listener_name in advertised_names,
            "inter.broker.listener.name must be a listener name defined in advertised.listeners. The valid options "
            f"based on currently configured listeners are {','.join(e.name for e in cfg.advertised)}",
        )
        require(
            advertised_names <= listener_names,
            "advertised.listeners listener names must be equal to or a subset of the ones defined in listeners. "
            f"Found {','.join(e.name for e in cfg.advertised)}. The valid options based on the current "
            f"configuration are {','.join(e.name for e in cfg.listeners)}",
        )
