"""Every configuration rule of facts §3 refuses to start with Kafka's message (exit 1, stderr, server.log)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from harness import MARKER, controller_props, is_real, kraft_broker_props, migrating_props, zk_broker_props

ZK = "127.0.1.199:2181/unused"
VOTERS = "3000@127.0.1.21:9093,3001@127.0.1.22:9093,3002@127.0.1.23:9093"


def zk_base(node: Any) -> dict[str, Any]:
    return zk_broker_props(node, 1, ZK)


def mig_base(node: Any) -> dict[str, Any]:
    return migrating_props(zk_base(node), VOTERS)


def kraft_base(node: Any) -> dict[str, Any]:
    return kraft_broker_props(mig_base(node))


def ctrl_base(node: Any) -> dict[str, Any]:
    return controller_props(node, 3000, VOTERS.replace("127.0.1.21", node.ip), ZK)


def edit(base: Any, **changes: Any) -> Any:
    def build(node: Any) -> dict[str, Any]:
        props = base(node)
        for key, value in changes.items():
            key = key.replace("__", ".")
            if value is None:
                props.pop(key, None)
            else:
                props[key] = value(node) if callable(value) else value
        return props
    return build


CASES = [
    ("node_id_mismatch", edit(zk_base, node__id=2), "You must set `node.id` to the same value as `broker.id`.", False),
    ("unknown_role", edit(kraft_base, process__roles="broker,zookeeper"),
     "Invalid value zookeeper for configuration process.roles: String must be one of: broker, controller", False),
    ("duplicate_role", edit(kraft_base, process__roles="broker,broker"),
     "Duplicate role names found in `process.roles`", False),
    ("no_log_dirs", edit(zk_base, log__dirs=""), "At least one log directory must be defined via log.dirs or log.dir.",
     True),
    ("zk_needs_connect", edit(zk_base, zookeeper__connect=None),
     "Missing required configuration `zookeeper.connect` which has no default value.", False),
    ("zk_controller_names_not_migrating", edit(zk_base, controller__listener__names="CONTROLLER"),
     "controller.listener.names must be empty when not running in KRaft mode: [CONTROLLER]", True),
    ("migration_broker_id_generation", edit(mig_base, broker__id=None),
     "broker.id generation is incompatible with ZooKeeper migration.", True),
    ("migration_voters_unparseable", edit(mig_base, controller__quorum__voters="3000-127.0.1.21:9093"),
     "Each entry should be in the form `{id}@{host}:{port}`.", False),
    ("migration_no_quorum", edit(mig_base, controller__quorum__voters=None),
     "either controller.quorum.bootstrap.servers must contain the set of bootstrap controllers or "
     "controller.quorum.voters must contain a parseable set of controllers.", False),
    ("migration_controller_names_empty", edit(mig_base, controller__listener__names=None),
     "controller.listener.names must not be empty when running in ZooKeeper migration mode", True),
    ("migration_ibp_too_old", edit(mig_base, inter__broker__protocol__version="3.3"),
     "Cannot enable ZooKeeper migration without setting 'inter.broker.protocol.version' to 3.4 or higher", True),
    ("migration_jbod_ibp", edit(mig_base, inter__broker__protocol__version="3.7-IV1",
                                log__dirs=lambda n: f"{n.dir}/d1,{n.dir}/d2"),
     "Cannot enable ZooKeeper migration with multiple log directories (aka JBOD) without setting "
     "'inter.broker.protocol.version' to 3.7-IV2 or higher", True),
    ("kraft_node_id_required", edit(kraft_base, node__id=None),
     "Missing configuration `node.id` which is required when `process.roles` is defined", False),
    ("kraft_migration_needs_zk", edit(kraft_base, zookeeper__metadata__migration__enable="true"),
     "If using `zookeeper.metadata.migration.enable` in KRaft mode, `zookeeper.connect` must also be set.", False),
    ("kraft_no_quorum", edit(kraft_base, controller__quorum__voters=None),
     "either controller.quorum.bootstrap.servers", False),
    ("kraft_control_plane", edit(kraft_base, control__plane__listener__name="INTERNAL"),
     "control.plane.listener.name is not supported in KRaft mode.", True),
    ("kraft_broker_in_voters", edit(kraft_base, node__id=3000),
     "If process.roles contains just the 'broker' role, the node id 3000 must not be included in the set of voters "
     "controller.quorum.voters=Set(3000, 3001, 3002)", True),
    ("kraft_broker_controller_in_listeners",
     edit(kraft_base, listeners=lambda n: f"INTERNAL://{n.ip}:9092,CONTROLLER://{n.ip}:9093",
          advertised__listeners=lambda n: f"INTERNAL://{n.ip}:9092", inter__broker__listener__name="INTERNAL"),
     "controller.listener.names must not contain a value appearing in the 'listeners' configuration when running "
     "KRaft with just the broker role", True),
    ("kraft_broker_controller_unmapped", edit(kraft_base, listener__security__protocol__map="INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL"),
     "Controller listener with name CONTROLLER defined in controller.listener.names not found in "
     "listener.security.protocol.map", False),
    ("kraft_broker_ibl_not_advertised", edit(kraft_base, inter__broker__listener__name="REPLICATION",
                                             listener__security__protocol__map="INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL,"
                                             "CONTROLLER:SASL_SSL,REPLICATION:SSL"),
     "inter.broker.listener.name must be a listener name defined in advertised.listeners.", True),
    ("controller_other_listeners", edit(ctrl_base, listeners=lambda n: f"CONTROLLER://{n.ip}:9093,INTERNAL://{n.ip}:9092"),
     "The listeners config must only contain KRaft controller listeners from controller.listener.names when "
     "process.roles=controller", True),
    ("controller_not_in_voters", edit(ctrl_base, node__id=3005),
     "If process.roles contains the 'controller' role, the node id 3005 must be included in the set of voters", True),
]


def fatal_event(text: str, headline: str = "Exiting Kafka due to fatal exception") -> tuple[str, str]:
    """The `ERROR <headline> (kafka.Kafka$)` event and the exception line log4j prints right after it."""
    match = re.search(r"^\[[^\]]+\] ERROR " + re.escape(MARKER + headline) + r" \(kafka\.Kafka\$\)\n(.*)$", text, re.M)
    assert match, f"no fatal event in:\n{text}"
    return match.group(0), match.group(1)


@pytest.mark.parametrize("name,build,message,requirement", CASES, ids=[c[0] for c in CASES])
def test_config_rule_refuses_start(offline: Any, name: str, build: Any, message: str, requirement: bool) -> None:
    node = offline.node(name, jolokia=False)
    node.write_config(build(node))
    result = node.run_foreground()
    assert result.returncode == 1, result.stdout + result.stderr
    # Kafka logs it (root logger: console and server.log); nothing reaches stderr
    assert message in result.stdout
    assert message not in result.stderr
    log = node.log_text()
    if not is_real():
        assert "[KafkaEmulator]" in log
    expected_class = "java.lang.IllegalArgumentException: requirement failed: " if requirement else \
        "org.apache.kafka.common.config.ConfigException: "
    for text in (log, result.stdout):
        dummy, exception = fatal_event(text)
        assert exception.startswith(expected_class) and message in exception, exception


def test_combined_mode_is_accepted_by_validation(offline: Any) -> None:
    """`broker,controller` passes the config rules; it then stops at the unformatted metadata dir."""
    node = offline.node("combined", jolokia=False)
    props = ctrl_base(node)
    props.pop("zookeeper.metadata.migration.enable")
    props.pop("zookeeper.connect")
    props["process.roles"] = "broker,controller"
    props["listeners"] = f"INTERNAL://{node.ip}:9092,CONTROLLER://{node.ip}:9093"
    props["listener.security.protocol.map"] = "INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT"
    node.write_config(props)
    result = node.run_foreground()
    assert result.returncode == 1
    # 3.7+: MetaPropertiesEnsemble finds no meta.properties at all, while the server is built
    dummy, exception = fatal_event(node.log_text())
    assert exception == "java.lang.RuntimeException: No readable meta.properties files found."
    assert exception in result.stdout
    assert "requirement failed" not in result.stdout


@pytest.mark.emulator_only("fault injection (the emulator's faults file)")
def test_refuse_start_fault(offline: Any) -> None:
    node = offline.node("refuser", jolokia=False)
    node.write_config(zk_base(node))
    node.set_faults({"refuse_start": "disk on fire"})
    result = node.run_foreground()
    assert result.returncode == 1
    assert "disk on fire" in result.stdout
    assert "java.lang.RuntimeException: disk on fire" in node.log_text()


def test_migration_controller_listener_unmapped_fails_in_raft_manager(cluster: Any) -> None:
    """ZK migration mode has no config check for an unmapped controller listener (facts §6): the broker
    connects to ZooKeeper, then its raft manager takes `CONTROLLER` for a security protocol."""
    node = cluster.node("unmapped", jolokia=False)
    props = migrating_props(zk_broker_props(node, 1, cluster.zk_connect), VOTERS)
    props["listener.security.protocol.map"] = "INTERNAL:SASL_SSL,EXTERNAL:SASL_SSL"
    node.write_config(props)
    result = node.run_foreground(timeout=40)
    assert result.returncode == 1
    assert "Controller listener with name CONTROLLER" not in result.stdout
    text = "No enum constant org.apache.kafka.common.security.auth.SecurityProtocol.CONTROLLER"
    log = node.log_text()
    assert re.search(r"ERROR " + re.escape(MARKER) + r"\[KafkaServer id=1\] Fatal error during KafkaServer "
                     r"startup\. Prepare to shutdown \(kafka\.server\.KafkaServer\)\n"
                     + re.escape(f"java.lang.IllegalArgumentException: {text}"), log)
    dummy, exception = fatal_event(log, "Exiting Kafka due to fatal exception during startup.")
    assert exception == f"java.lang.IllegalArgumentException: {text}"
    assert text in result.stdout
