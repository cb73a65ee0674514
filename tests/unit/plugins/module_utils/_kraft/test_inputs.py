# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Bad input, one table: run options, inventory variables and files, each with the message it must get.

A case is checked where the run meets it: ``inputs`` cases by ``check_inputs`` (the playbooks' first play,
before any host is contacted), ``plan`` cases by the plan once the hosts' files are known (the files'
contents can only be judged then). Every message names the host and the key, says what is wrong and
how to fix it, and carries no Python exception text.
"""

from __future__ import annotations

import copy
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft import files as files_module
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import ERROR, WARNING, Violation
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inputs import (
    INTERNAL_NAMES,
    RUN_OPTIONS,
    USER_NAMES,
    check_inputs,
    current_files,
    failure_lines,
    inputs_outcome,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inventory import (
    live_file_states,
    spec_from_inventory,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import build_plan

BROKERS = ["kb1", "kb2", "kb3"]
CONTROLLERS = ["kc1", "kc2", "kc3"]

# Cluster-wide variables, as group_vars/all gives them to every host.
ALL_VARS: dict[str, Any] = {
    "zk2kraft_kafka_version": "3.9.0",
    "zk2kraft_metadata_version": "3.9",
    "zk2kraft_zookeeper_connect": "zk1:2181,zk2:2181/kafka",
    "zk2kraft_inter_broker_listener_name": "INTERNAL",
    "zk2kraft_listener_security_protocol_map": "INTERNAL:SASL_SSL",
    "zk2kraft_controller_security_protocol": "SASL_SSL",
    "zk2kraft_controller_sasl_mechanism": "PLAIN",
    "zk2kraft_controller_properties": {"sasl.mechanism.inter.broker.protocol": "PLAIN",
                                       "sasl.enabled.mechanisms": "PLAIN"},
}


def _inventory() -> dict[str, dict[str, Any]]:
    hosts: dict[str, dict[str, Any]] = {}
    for i, name in enumerate(BROKERS, 1):
        hosts[name] = dict(ALL_VARS, zk2kraft_node_id=i, zk2kraft_listeners=f"INTERNAL://{name}:9092",
                           zk2kraft_log_dirs=["/data"])
    for i, name in enumerate(CONTROLLERS):
        hosts[name] = dict(ALL_VARS, zk2kraft_node_id=3000 + i)
    return hosts


def _file(host: str, **changes: str | None) -> str:
    """kbN's current server.properties, consistent with the inventory, with ``changes`` (dots as '__')."""
    props = {
        "broker.id": host[-1],
        "listeners": f"INTERNAL://{host}:9092",
        "listener.security.protocol.map": "INTERNAL:SASL_SSL",
        "inter.broker.listener.name": "INTERNAL",
        "log.dirs": "/data",
        "zookeeper.connect": "zk1:2181,zk2:2181/kafka",
        "inter.broker.protocol.version": "3.9",
    }
    for key, value in changes.items():
        key = key.replace("__", ".")
        if value is None:
            props.pop(key, None)
        else:
            props[key] = value
    return "".join("{}={}\n".format(*item) for item in props.items())


def _symlink_to_nowhere(path: Path) -> str:
    os.symlink(str(path.parent / "nowhere"), str(path))
    return str(path)


def _a_file(path: Path) -> str:
    path.write_text("x")
    return str(path)


def _a_dir(path: Path) -> str:
    path.mkdir()
    return str(path)


def _dir_with(**entries: Callable[[Path], Any]) -> Callable[[Path], str]:
    """A config dir holding every broker's good file, with ``entries`` (host -> maker) replacing some."""

    def make(root: Path) -> str:
        folder = root / "configs"
        folder.mkdir()
        for host in BROKERS:
            target = folder / (f"{host}.properties")
            if host in entries:
                entries[host](target)
            else:
                target.write_text(_file(host))
        return str(folder)

    return make


def _deny(monkeypatch: pytest.MonkeyPatch, what: str) -> None:
    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise PermissionError(13, "Permission denied")

    if what == "listdir":
        monkeypatch.setattr(files_module.os, "listdir", refuse)
    else:
        monkeypatch.setattr(files_module, "open", refuse, raising=False)


def case(case_id: str, stage: str, expect: tuple, **change: Any) -> Any:
    return pytest.param(stage, change, expect, id=case_id)


W = WARNING
HERE = "localhost"
CLUSTER = "(cluster)"

CASES = [
    # ---- run options (-e on the command line) -------------------------------------------------------
    case("stop-after-bogus", "inputs", (HERE, "zk2kraft_stop_after",
         "'bogus' is not one of the allowed values controllers, migration, dual_write"), play={"zk2kraft_stop_after": "bogus"}),
    case("stop-after-kraft", "inputs", (HERE, "zk2kraft_stop_after", "'kraft' is not one of the allowed values"),
         play={"zk2kraft_stop_after": "kraft"}),
    case("stop-after-bool", "inputs", (HERE, "zk2kraft_stop_after", "is not one of the allowed values"),
         play={"zk2kraft_stop_after": True}),
    case("stop-after-case", "inputs", (HERE, "zk2kraft_stop_after", "'Migration' is not one of the allowed values"),
         play={"zk2kraft_stop_after": "Migration"}),
    case("finalize-maybe", "inputs", (HERE, "zk2kraft_finalize", "'maybe' is not a boolean"),
         play={"zk2kraft_finalize": "maybe"}),
    case("finalize-2", "inputs", (HERE, "zk2kraft_finalize", "'2' is not a boolean"), play={"zk2kraft_finalize": "2"}),
    case("finalize-list", "inputs", (HERE, "zk2kraft_finalize", "is not a boolean"), play={"zk2kraft_finalize": []}),
    case("accept-drift-maybe", "inputs", (HERE, "zk2kraft_accept_drift", "'maybe' is not a boolean"),
         play={"zk2kraft_accept_drift": "maybe"}),
    case("soak-negative", "inputs", (HERE, "zk2kraft_finalize_min_soak_seconds", "-1 is below the minimum 0"),
         play={"zk2kraft_finalize_min_soak_seconds": "-1"}),
    case("roll-strategy-bogus", "inputs", (HERE, "zk2kraft_roll_strategy",
                                           "'parallel' is not one of the allowed values serial, rack"),
         play={"zk2kraft_roll_strategy": "parallel"}),
    case("roll-batch-zero", "inputs", (HERE, "zk2kraft_roll_batch", "0 is below the minimum 1"),
         play={"zk2kraft_roll_batch": "0"}),
    case("roll-batch-text", "inputs", (HERE, "zk2kraft_roll_batch", "'rack' is not a whole number"),
         play={"zk2kraft_roll_batch": "rack"}),
    case("roll-guard-timeout-zero", "inputs", (HERE, "zk2kraft_roll_guard_timeout", "0 is below the minimum 1"),
         play={"zk2kraft_roll_guard_timeout": 0}),
    case("roll-guard-timeout-minutes", "inputs", (HERE, "zk2kraft_roll_guard_timeout", "'5m' is not a whole number"),
         play={"zk2kraft_roll_guard_timeout": "5m"}),
    case("soak-days", "inputs", (HERE, "zk2kraft_finalize_min_soak_seconds", "'3d' is not a whole number"),
         play={"zk2kraft_finalize_min_soak_seconds": "3d"}),
    case("soak-float", "inputs", (HERE, "zk2kraft_finalize_min_soak_seconds", "'1.5' is not a whole number"),
         play={"zk2kraft_finalize_min_soak_seconds": "1.5"}),
    case("soak-bool", "inputs", (HERE, "zk2kraft_finalize_min_soak_seconds", "'True' is not a whole number"),
         play={"zk2kraft_finalize_min_soak_seconds": True}),
    case("verify-phase-bogus", "inputs", (HERE, "zk2kraft_verify_phase",
         "'bogus' is not one of the allowed values kraft, dual_write"), play={"zk2kraft_verify_phase": "bogus"}),
    case("verify-phase-migration", "inputs", (HERE, "zk2kraft_verify_phase", "'migration' is not one of"),
         play={"zk2kraft_verify_phase": "migration"}),
    case("validate-live-maybe", "inputs", (HERE, "zk2kraft_validate_live", "'maybe' is not a boolean"),
         play={"zk2kraft_validate_live": "maybe"}),
    case("validate-phases-bogus", "inputs", (HERE, "zk2kraft_validate_phases", "'bogus' is not among the allowed values"),
         play={"zk2kraft_validate_phases": ["zookeeper", "bogus"]}),
    case("validate-phases-empty", "inputs", (HERE, "zk2kraft_validate_phases", "is not a list of phases"),
         play={"zk2kraft_validate_phases": []}),
    case("config-dir-missing", "inputs", (HERE, "zk2kraft_validate_config_dir", "/nonexistent/configs does not exist"),
         play={"zk2kraft_validate_config_dir": "/nonexistent/configs"}),
    case("config-dir-is-a-file", "inputs", (HERE, "zk2kraft_validate_config_dir", "is a file, not a directory"),
         config_dir=lambda root: _a_file(root / "configs")),
    case("config-dir-dangling-link", "inputs", (HERE, "zk2kraft_validate_config_dir",
         "is a symbolic link to"), config_dir=lambda root: _symlink_to_nowhere(root / "configs")),
    case("config-dir-unreadable", "inputs", (HERE, "zk2kraft_validate_config_dir", "cannot be read (permission denied)"),
         config_dir=lambda root: _a_dir(root / "configs"), deny="listdir"),
    case("config-dir-empty-string", "inputs", (HERE, "zk2kraft_validate_config_dir", "'' is not a path"),
         play={"zk2kraft_validate_config_dir": ""}),
    case("jolokia-port-0", "inputs", (HERE, "zk2kraft_jolokia_port", "port 0 is outside 1..65535"),
         play={"zk2kraft_jolokia_port": 0}),
    case("jolokia-port-70000", "inputs", (HERE, "zk2kraft_jolokia_port", "port 70000 is outside 1..65535"),
         play={"zk2kraft_jolokia_port": "70000"}),
    case("jolokia-port-word", "inputs", (HERE, "zk2kraft_jolokia_port", "'http' is not a TCP port number"),
         play={"zk2kraft_jolokia_port": "http"}),
    case("kafka-archive-missing", "inputs", (HERE, "zk2kraft_kafka_archive", "does not exist on the Ansible controller"),
         play={"zk2kraft_kafka_archive": "/nonexistent/kafka.tgz"}),
    case("kafka-archive-dir", "inputs", (HERE, "zk2kraft_kafka_archive", "is a directory on the Ansible controller"),
         play={"zk2kraft_kafka_archive": "/"}),
    case("verify-snapshot-missing", "inputs", (HERE, "zk2kraft_verify_snapshot", "does not exist"),
         play={"zk2kraft_verify_snapshot": "/nonexistent/snapshot.json"}),
    case("manage-user-maybe", "inputs", (HERE, "zk2kraft_manage_user", "'maybe' is not a boolean"),
         play={"zk2kraft_manage_user": "maybe"}),
    case("service-user-empty", "inputs", (HERE, "zk2kraft_service_user", "'' is not a non-empty string"),
         play={"zk2kraft_service_user": ""}),
    case("log-dir-empty", "inputs", (HERE, "zk2kraft_log_dir", "'' is not a non-empty string"),
         play={"zk2kraft_log_dir": ""}),
    case("service-name-not-text", "inputs", (HERE, "zk2kraft_service_name", "'5' is not a non-empty string"),
         play={"zk2kraft_service_name": 5}),
    case("kafka-home-empty", "inputs", (HERE, "zk2kraft_kafka_home", "'' is not a non-empty string"),
         play={"zk2kraft_kafka_home": ""}),
    case("heap-opts-empty", "inputs", (HERE, "zk2kraft_heap_opts", "'' is not a non-empty string"),
         play={"zk2kraft_heap_opts": ""}),
    case("zk-client-not-a-mapping", "inputs", (HERE, "zk2kraft_zookeeper_client", "'tls' is not a mapping"),
         play={"zk2kraft_zookeeper_client": "tls"}),
    case("zk-client-unknown-key", "inputs", (HERE, "zk2kraft_zookeeper_client",
         "'zookeeper_tlz' is not a ZooKeeper connection option"), play={"zk2kraft_zookeeper_client": {"zookeeper_tlz": True}}),
    case("zk-client-auth", "inputs", (HERE, "zk2kraft_zookeeper_client", "zookeeper_auth: 'kerberos' is not one of"),
         play={"zk2kraft_zookeeper_client": {"zookeeper_auth": "kerberos"}}),
    case("zk-client-tls-maybe", "inputs", (HERE, "zk2kraft_zookeeper_client", "zookeeper_tls: 'maybe' is not a boolean"),
         play={"zk2kraft_zookeeper_client": {"zookeeper_tls": "maybe"}}),
    case("zk-client-sasl-without-password", "inputs", (HERE, "zk2kraft_zookeeper_client",
         "zookeeper_auth sasl_digest needs zookeeper_password"),
         play={"zk2kraft_zookeeper_client": {"zookeeper_auth": "sasl_digest", "zookeeper_username": "kafka"}}),
    case("zk-client-sasl-without-anything", "inputs", (HERE, "zk2kraft_zookeeper_client",
         "zookeeper_auth sasl_digest needs zookeeper_username and zookeeper_password"),
         play={"zk2kraft_zookeeper_client": {"zookeeper_auth": "sasl_digest"}}),
    case("zk-client-sasl-password-two-lines", "inputs", (HERE, "zk2kraft_zookeeper_client",
         "zookeeper_password: the value contains a line break"),
         play={"zk2kraft_zookeeper_client": {"zookeeper_auth": "sasl_digest", "zookeeper_username": "kafka",
                                             "zookeeper_password": "a\nb"}}),
    case("kafka-client-not-a-mapping", "inputs", (HERE, "zk2kraft_kafka_client", "'ssl' is not a mapping"),
         play={"zk2kraft_kafka_client": "ssl"}),
    case("kafka-client-unknown-key", "inputs", (HERE, "zk2kraft_kafka_client",
         "'jolokia_pasword' is not a Kafka client option"),
         play={"zk2kraft_kafka_client": {"jolokia_pasword": "x"}}),
    case("kafka-client-properties-not-a-mapping", "inputs", (HERE, "zk2kraft_kafka_client",
         "broker_properties: 'security.protocol=SSL' is not a mapping"),
         play={"zk2kraft_kafka_client": {"broker_properties": "security.protocol=SSL"}}),
    case("kafka-client-jolokia-user-alone", "inputs", (HERE, "zk2kraft_kafka_client",
         "jolokia_user and jolokia_password go together"),
         play={"zk2kraft_kafka_client": {"jolokia_user": "monitor"}}),
    case("kafka-client-jolokia-tls-maybe", "inputs", (HERE, "zk2kraft_kafka_client",
         "jolokia_tls: 'maybe' is not a boolean"), play={"zk2kraft_kafka_client": {"jolokia_tls": "maybe"}}),
    case("kafka-client-jolokia-ca-without-tls", "inputs", (HERE, "zk2kraft_kafka_client",
         "jolokia_ca_file or jolokia_client_cert is set but jolokia_tls is not"),
         play={"zk2kraft_kafka_client": {"jolokia_ca_file": "/etc/kafka/ssl/ca.pem"}}),
    case("kafka-client-jolokia-key-without-cert", "inputs", (HERE, "zk2kraft_kafka_client",
         "jolokia_client_key without jolokia_client_cert"),
         play={"zk2kraft_kafka_client": {"jolokia_tls": True, "jolokia_client_key": "/k.pem"}}),
    case("zk-client-timeout-0", "inputs", (HERE, "zk2kraft_zookeeper_client", "0 is below the minimum 1"),
         play={"zk2kraft_zookeeper_client": {"zookeeper_timeout": 0}}),
    case("run-option-on-one-host", "inputs", ("kb2", "zk2kraft_stop_after", "'bogus' is not one of the allowed values"),
         hosts={"kb2": {"zk2kraft_stop_after": "bogus"}}),
    case("run-option-typo", "inputs", (HERE, "zk2kraft_stopafter", "is not a variable of this collection", W),
         play={"zk2kraft_stopafter": "controllers"}),
    # ---- ids ------------------------------------------------------------------------------------------
    case("id-above-int", "inputs", ("kb1", "zk2kraft_node_id", "id 2147483648 is outside 0..2147483647"),
         hosts={"kb1": {"zk2kraft_node_id": 2147483648}}),
    case("id-negative", "inputs", ("kb2", "zk2kraft_node_id", "id -1 is negative"), hosts={"kb2": {"zk2kraft_node_id": -1}}),
    case("id-word", "inputs", ("kb3", "zk2kraft_node_id", "must be an integer, got 'three'"),
         hosts={"kb3": {"zk2kraft_node_id": "three"}}),
    case("id-bool", "inputs", ("kb3", "zk2kraft_node_id", "got the boolean true"), hosts={"kb3": {"zk2kraft_node_id": True}}),
    case("id-float", "inputs", ("kb3", "zk2kraft_node_id", "must be an integer, got '1.5'"),
         hosts={"kb3": {"zk2kraft_node_id": 1.5}}),
    case("controller-id-huge", "inputs", ("kc1", "zk2kraft_node_id", "outside 0..2147483647"),
         hosts={"kc1": {"zk2kraft_node_id": 99999999999}}),
    case("duplicate-broker-id", "inputs", ("kb2", "zk2kraft_node_id", "broker id 1 is also used by kb1"),
         hosts={"kb2": {"zk2kraft_node_id": 1}}),
    case("controller-id-is-broker-id", "inputs", ("kb3", "zk2kraft_node_id", "equals the id of controller kc1"),
         hosts={"kc1": {"zk2kraft_node_id": 3}}),
    # ---- listeners and ports ---------------------------------------------------------------------------
    case("listener-port-0", "inputs", ("kb1", "zk2kraft_listeners", "port 0 is outside 1..65535"),
         hosts={"kb1": {"zk2kraft_listeners": "INTERNAL://kb1:0"}}),
    case("listener-port-65536", "inputs", ("kb1", "zk2kraft_listeners", "port 65536 is outside 1..65535"),
         hosts={"kb1": {"zk2kraft_listeners": "INTERNAL://kb1:65536"}}),
    case("listener-malformed", "inputs", ("kb2", "zk2kraft_listeners", "'INTERNAL:kb2:9092' is not a listener"),
         hosts={"kb2": {"zk2kraft_listeners": "INTERNAL:kb2:9092"}}),
    case("listener-name-twice", "inputs", ("kb2", "zk2kraft_listeners", "listener name INTERNAL appears twice"),
         hosts={"kb2": {"zk2kraft_listeners": "INTERNAL://kb2:9092,INTERNAL://kb2:9093"}}),
    case("listener-port-twice", "inputs", ("kb2", "zk2kraft_listeners", "port 9092 is used by two listeners"),
         hosts={"kb2": {"zk2kraft_listeners": "INTERNAL://kb2:9092,EXTERNAL://kb2:9092"},
                **{h: {"zk2kraft_listener_security_protocol_map": "INTERNAL:SASL_SSL,EXTERNAL:SSL"}
                   for h in BROKERS + CONTROLLERS if h != "kb2"}}),
    case("advertised-port-huge", "inputs", ("kb3", "zk2kraft_advertised_listeners", "port 99999 is outside 1..65535"),
         hosts={"kb3": {"zk2kraft_advertised_listeners": "INTERNAL://public:99999"}}),
    case("controller-port-0", "inputs", (CLUSTER, "zk2kraft_controller_port", "port 0 is outside 1..65535"),
         play={"zk2kraft_controller_port": 0}),
    case("controller-port-70000", "inputs", (CLUSTER, "zk2kraft_controller_port", "port 70000 is outside 1..65535"),
         play={"zk2kraft_controller_port": 70000}),
    case("controller-port-word", "inputs", (CLUSTER, "zk2kraft_controller_port", "must be an integer, got 'ctl'"),
         play={"zk2kraft_controller_port": "ctl"}),
    case("listener-is-a-controller", "inputs", ("kb1", "listeners", "uses the address and port of controller kc1"),
         hosts={"kb1": {"zk2kraft_listeners": "INTERNAL://kc1:9093"}}),
    case("controller-listener-on-broker", "inputs", ("kb1", "listeners", "CONTROLLER is one of the broker's listeners"),
         hosts={"kb1": {"zk2kraft_listeners": "INTERNAL://kb1:9092,CONTROLLER://kb1:9095"}}),
    case("two-controllers-one-address", "inputs", ("kc2", "zk2kraft_address", "like controller kc1"),
         hosts={"kc2": {"zk2kraft_address": "kc1"}}),
    case("controller-vs-wildcard-bind", "inputs", ("kc1", "zk2kraft_controller_port",
         "binds every address on port 9093 (INTERNAL://0.0.0.0:9093)"),
         hosts={"kb1": {"zk2kraft_listeners": "INTERNAL://0.0.0.0:9093", "zk2kraft_address": "host1"},
                "kc1": {"zk2kraft_address": "host1"}}),
    case("controller-vs-ipv6-wildcard", "inputs", ("kc1", "zk2kraft_controller_port", "binds every address on port 9093"),
         hosts={"kb1": {"zk2kraft_listeners": "INTERNAL://[::]:9093", "zk2kraft_address": "host1"},
                "kc1": {"zk2kraft_address": "host1"}}),
    case("listener-without-map-entry", "inputs", ("kb2", "zk2kraft_listener_security_protocol_map",
         "listener EXTERNAL has no entry in listener.security.protocol.map"),
         hosts={"kb2": {"zk2kraft_listeners": "INTERNAL://kb2:9092,EXTERNAL://kb2:9094"}}),
    case("inter-broker-not-a-listener", "inputs", ("kb1", "inter.broker.listener.name",
         "inter-broker listener REPLICATION is not among the broker's listeners"),
         play={"zk2kraft_inter_broker_listener_name": "REPLICATION"}),
    case("inter-broker-bad-name", "inputs", (CLUSTER, "zk2kraft_inter_broker_listener_name", "is not a listener name"),
         play={"zk2kraft_inter_broker_listener_name": "INTER NAL"}),
    case("controller-listener-bad-name", "inputs", (CLUSTER, "zk2kraft_controller_listener_name",
         "'CONTROL LER' is not a listener name"), play={"zk2kraft_controller_listener_name": "control ler"}),
    # ---- enums ----------------------------------------------------------------------------------------
    case("controller-protocol-unknown", "inputs", (CLUSTER, "zk2kraft_controller_security_protocol",
         "'TLS' is not a security protocol"), play={"zk2kraft_controller_security_protocol": "TLS"}),
    case("map-protocol-unknown", "inputs", (CLUSTER, "zk2kraft_listener_security_protocol_map",
         "listener INTERNAL maps to 'TLS', which is not a security protocol"),
         play={"zk2kraft_listener_security_protocol_map": "INTERNAL:TLS"}),
    case("map-malformed", "inputs", (CLUSTER, "listener.security.protocol.map", "'INTERNAL' is not a NAME:PROTOCOL pair"),
         play={"zk2kraft_listener_security_protocol_map": "INTERNAL"}),
    case("sasl-mechanism-unknown", "inputs", (CLUSTER, "zk2kraft_controller_sasl_mechanism",
         "'PLAIN2' is not a SASL mechanism Kafka knows"), play={"zk2kraft_controller_sasl_mechanism": "PLAIN2"}),
    case("sasl-mechanism-scram", "inputs", (CLUSTER, "zk2kraft_controller_sasl_mechanism", "SCRAM cannot be"),
         play={"zk2kraft_controller_sasl_mechanism": "SCRAM-SHA-512"}),
    case("process-role-unknown", "inputs", ("kb1", "zk2kraft_process_roles", "unknown process role 'kontroller'"),
         hosts={"kb1": {"zk2kraft_process_roles": "broker,kontroller"}}),
    case("process-role-combined", "inputs", ("kb1", "process.roles", "combined mode"),
         hosts={"kb1": {"zk2kraft_process_roles": "broker,controller"}}),
    case("process-roles-number", "inputs", ("kb1", "zk2kraft_process_roles", "must be a list or a comma-separated string"),
         hosts={"kb1": {"zk2kraft_process_roles": 7}}),
    case("authorizer-unknown", "inputs", (CLUSTER, "zk2kraft_authorizer", "'maybe' is not one of auto, acl, none"),
         play={"zk2kraft_authorizer": "maybe"}),
    # ---- ZooKeeper connect string ------------------------------------------------------------------------
    case("chroot-without-slash", "inputs", (CLUSTER, "zk2kraft_zookeeper_connect",
         "'zk1:2182kafka' is not a ZooKeeper connect string"), play={"zk2kraft_zookeeper_connect": "zk1:2182kafka"}),
    case("chroot-trailing-slash", "inputs", (CLUSTER, "zk2kraft_zookeeper_connect", "is not a ZooKeeper connect string"),
         play={"zk2kraft_zookeeper_connect": "zk1:2181/kafka/"}),
    case("chroot-double-slash", "inputs", (CLUSTER, "zk2kraft_zookeeper_connect", "is not a ZooKeeper connect string"),
         play={"zk2kraft_zookeeper_connect": "zk1:2181//kafka"}),
    case("zk-port-0", "inputs", (CLUSTER, "zk2kraft_zookeeper_connect", "is not a ZooKeeper connect string"),
         play={"zk2kraft_zookeeper_connect": "zk1:0/kafka"}),
    case("zk-port-huge", "inputs", (CLUSTER, "zk2kraft_zookeeper_connect", "is not a ZooKeeper connect string"),
         play={"zk2kraft_zookeeper_connect": "zk1:70000"}),
    case("zk-connect-list", "inputs", (CLUSTER, "zk2kraft_zookeeper_connect", "must be a string"),
         play={"zk2kraft_zookeeper_connect": ["zk1:2181"]}),
    # ---- versions and other cluster variables ------------------------------------------------------------
    case("kafka-version-malformed", "inputs", (CLUSTER, "zk2kraft_kafka_version", ""),
         play={"zk2kraft_kafka_version": "three"}),
    case("kafka-version-too-old", "inputs", (CLUSTER, "zk2kraft_kafka_version", "Kafka 3.3.2 cannot migrate"),
         play={"zk2kraft_kafka_version": "3.3.2", "zk2kraft_metadata_version": "3.3"}),
    case("metadata-version-too-old", "inputs", (CLUSTER, "zk2kraft_metadata_version", "below 3.4"),
         play={"zk2kraft_metadata_version": "3.2"}),
    case("voters-override-malformed", "inputs", (CLUSTER, "zk2kraft_controller_quorum_voters", "Failed to parse"),
         play={"zk2kraft_controller_quorum_voters": "3000@kc1"}),
    case("log-dirs-number", "inputs", ("kb2", "zk2kraft_log_dirs", "log dirs must be a list"),
         hosts={"kb2": {"zk2kraft_log_dirs": 5}}),
    case("rack-list", "inputs", ("kb2", "zk2kraft_rack", "the rack must be a string"),
         hosts={"kb2": {"zk2kraft_rack": ["a"]}}),
    case("no-controllers", "inputs", (CLUSTER, "kafka_controllers", "no KRaft controller is defined"), controllers=[]),
    # ---- cluster-wide variables set per host ---------------------------------------------------------------
    case("kafka-version-per-host", "inputs", ("kb2", "zk2kraft_kafka_version",
         "is cluster-wide but differs between hosts ('3.9.0' on kb1,kb3,kc1,kc2,kc3; '3.8.0' on kb2)"),
         hosts={"kb2": {"zk2kraft_kafka_version": "3.8.0"}}),
    case("controller-properties-on-controllers-only", "inputs", ("kc1,kc2,kc3", "zk2kraft_controller_properties",
         "is cluster-wide but differs between hosts"),
         hosts={h: {"zk2kraft_controller_properties": {"a": "b"}} for h in CONTROLLERS}),
    case("zookeeper-connect-on-one-broker", "inputs", ("kb3", "zk2kraft_zookeeper_connect", "differs between hosts"),
         hosts={"kb3": {"zk2kraft_zookeeper_connect": "zk9:2181/other"}}),
    case("controller-port-on-one-host", "inputs", ("kc3", "zk2kraft_controller_port", "unset on kb1"),
         hosts={"kc3": {"zk2kraft_controller_port": 9094}}),
    # ---- files (local copies and files read live) ----------------------------------------------------------
    case("config-file-binary", "inputs", ("kb2", "server.properties", "is not a text properties file: binary content"),
         config_dir=_dir_with(kb2=lambda p: p.write_bytes(b"broker.id=2\n\x00\x01\x02\xff"))),
    case("config-file-is-a-dir", "inputs", ("kb1", "server.properties", "kb1.properties is a directory, not a file"),
         config_dir=_dir_with(kb1=lambda p: p.mkdir())),
    case("config-file-dangling-link", "inputs", ("kb3", "server.properties", "kb3.properties is a symbolic link to"),
         config_dir=_dir_with(kb3=_symlink_to_nowhere)),
    case("config-file-unreadable", "inputs", ("kb1", "server.properties", "cannot be read (permission denied)"),
         config_dir=_dir_with(), deny="open"),
    case("config-file-missing", "plan", ("kb2", "server.properties", "it is planned from the inventory alone", W),
         config_dir=_dir_with(kb2=lambda p: None)),
    case("live-file-binary", "plan", ("kb1", "server.properties", "is not a text properties file: binary content"),
         texts={"kb1": "broker.id=1\n\x00\x00PK\x03\x04"}),
    case("live-file-invalid-utf8", "plan", ("kb1", "server.properties", "binary content (character 0xdcff"),
         texts={"kb1": "broker.id=1\n\udcff\udcfe"}),
    case("live-file-missing-on-broker", "plan", ("kb2", "server.properties",
         "/etc/kafka/server.properties does not exist on the broker"),
         states={"kb2": {"path": "/etc/kafka/server.properties", "exists": False}}),
    case("live-file-is-a-dir", "plan", ("kb2", "server.properties", "is a directory, not a file"),
         states={"kb2": {"path": "/etc/kafka/server.properties", "exists": True, "isdir": True}}),
    case("live-file-unreadable", "plan", ("kb3", "server.properties", "cannot be read by the connecting user"),
         states={"kb3": {"path": "/etc/kafka/server.properties", "exists": True, "readable": False}}),
    case("live-file-dangling-link", "plan", ("kb3", "server.properties", "is a symbolic link to /gone"),
         states={"kb3": {"path": "/etc/kafka/server.properties", "exists": False, "islnk": True,
                         "lnk_source": "/gone"}}),
    # ---- a file that disagrees with the other brokers or with the inventory ----------------------------------
    case("file-other-chroot", "plan", ("kb2", "zookeeper.connect", "another chroot (/other, the cluster's is /kafka)"),
         texts={"kb2": _file("kb2", zookeeper__connect="zk1:2181,zk2:2181/other")}),
    case("file-other-ensemble", "plan", ("kb2", "zookeeper.connect", "another ZooKeeper ensemble"),
         texts={"kb2": _file("kb2", zookeeper__connect="zk7:2181/kafka")}),
    case("file-chroot-trailing-slash", "plan", ("kb3", "zookeeper.connect", "is not a ZooKeeper connect string"),
         texts={"kb3": _file("kb3", zookeeper__connect="zk1:2181/kafka/")}),
    case("file-node-id-differs", "plan", ("kb1", "node.id", "sets broker.id=1 but node.id=7"),
         texts={"kb1": _file("kb1", node__id="7")}),
    case("file-broker-id-differs-from-inventory", "plan", ("kb1", "broker.id", "but the inventory says 1"),
         texts={"kb1": _file("kb1", broker__id="11")}),
    case("file-listener-without-map-entry", "plan", ("kb1", "listener.security.protocol.map",
         "listener EXTERNAL has no entry in listener.security.protocol.map (INTERNAL:SASL_SSL)"),
         texts={"kb1": _file("kb1", listeners="INTERNAL://kb1:9092,EXTERNAL://kb1:9094")},
         hosts={"kb1": {"zk2kraft_listeners": None}}),
    case("file-map-protocol-unknown", "plan", ("kb1", "listener.security.protocol.map", "maps to 'TLS'"),
         texts={"kb1": _file("kb1", listener__security__protocol__map="INTERNAL:TLS")}),
    case("file-listener-port-0", "plan", ("kb1", "listeners", "port 0 is outside 1..65535"),
         texts={"kb1": _file("kb1", listeners="INTERNAL://kb1:0")}, hosts={"kb1": {"zk2kraft_listeners": None}}),
    case("file-inter-broker-differs", "plan", ("kb3", "inter.broker.listener.name",
         "the broker's inter-broker listener is PLAINTEXT, but the cluster's is INTERNAL"),
         texts={"kb3": _file("kb3", inter__broker__listener__name=None)}),
    case("file-zookeeper-client-differs", "plan", ("kb2", "zookeeper.ssl.client.enable",
         "the broker's ZooKeeper client setting is true, but the cluster's is (unset)"),
         texts={h: _file(h, zookeeper__ssl__client__enable="true" if h == "kb2" else None) for h in BROKERS}),
    case("file-zookeeper-client-vs-inventory", "plan", ("kb1", "zookeeper.ssl.client.enable",
         "the broker's ZooKeeper client setting is false, but the cluster's is true"),
         texts={"kb1": _file("kb1", zookeeper__ssl__client__enable="false")},
         play={"zk2kraft_zookeeper_client_properties": {"zookeeper.ssl.client.enable": "true"}}),
    case("file-zookeeper-secret-differs", "plan", ("kb2", "zookeeper.ssl.truststore.password",
         "the broker's ZooKeeper client setting is ********"),
         texts={h: _file(h, zookeeper__ssl__truststore__password="s3cret" if h == "kb2" else "other")
                for h in BROKERS}),
    case("file-super-users-differ", "plan", ("kb2", "super.users", "must agree across the brokers"),
         texts={h: _file(h, super__users="User:admin" if h != "kb2" else "User:root") for h in BROKERS}),
    case("file-authorizer-differs", "plan", ("kb3", "authorizer.class.name", "must agree across the brokers"),
         texts={h: _file(h, authorizer__class__name=None if h == "kb3" else "kafka.security.authorizer.AclAuthorizer")
                for h in BROKERS}),
    case("file-ibp-missing", "plan", ("kb2", "inter.broker.protocol.version", "sets no inter.broker.protocol.version"),
         texts={"kb2": _file("kb2", inter__broker__protocol__version=None)}),
    # ---- warnings an expert would give ----------------------------------------------------------------------
    case("custom-authorizer", "plan", ("kb1", "authorizer.class.name", "custom authorizer com.example.Auth will not "
         "carry over to KRaft", W), texts={h: _file(h, authorizer__class__name="com.example.Auth") for h in BROKERS}),
    case("rack-on-some-brokers", "plan", ("kb3", "broker.rack", "only some brokers carry a rack", W),
         hosts={"kb1": {"zk2kraft_rack": "a"}, "kb2": {"zk2kraft_rack": "b"}}),
]


def _violations(stage: str, change: Mapping[str, Any], root: Path) -> list[Violation]:
    hostvars = _inventory()
    for host, values in (change.get("hosts") or {}).items():
        for key, value in values.items():
            if value is None:
                hostvars[host].pop(key, None)
            else:
                hostvars[host][key] = value
    play = dict(ALL_VARS)
    play.update(change.get("play") or {})
    for key, value in (change.get("play") or {}).items():
        for host in hostvars:  # extra vars reach every host too
            hostvars[host][key] = value
    config_dir = change["config_dir"](root) if change.get("config_dir") else None
    if config_dir is not None:
        play["zk2kraft_validate_config_dir"] = config_dir
    controllers = change.get("controllers", CONTROLLERS)
    for host, text in (change.get("texts") or {}).items():
        hostvars[host]["zk2kraft_current_properties"] = text
    for host, state in (change.get("states") or {}).items():
        hostvars[host]["zk2kraft_current_file"] = state
    if stage == "inputs":
        return check_inputs(BROKERS, controllers, lambda host: hostvars[host], play)
    spec, texts = spec_from_inventory(BROKERS, controllers, lambda host: hostvars[host], play)
    states = live_file_states(BROKERS + list(controllers), lambda host: hostvars[host])
    local, problems = current_files(spec, states, config_dir, "zk2kraft_validate_config_dir")
    texts.update(local)
    return build_plan(spec, texts, input_violations=problems).violations


def test_the_table_holds_enough_bad_inputs() -> None:
    assert len(CASES) >= 70


@pytest.mark.parametrize("good", ["inputs", "plan"])
def test_the_base_inventory_is_valid(good: str, tmp_path: Path) -> None:
    found = _violations(good, {"config_dir": _dir_with()} if good == "plan" else {}, tmp_path)
    assert [str(v) for v in found] == []


@pytest.mark.parametrize("stage,change,expect", CASES)
def test_bad_input(stage: str, change: dict[str, Any], expect: tuple, tmp_path: Path,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    host, key, fragment = expect[:3]
    severity = expect[3] if len(expect) > 3 else ERROR
    if change.get("deny"):
        _deny(monkeypatch, change["deny"])
    found = _violations(stage, copy.deepcopy({k: v for k, v in change.items() if k != "config_dir"})
                        | {"config_dir": change.get("config_dir")}, tmp_path)
    matching = [v for v in found if (v.host, v.key, v.severity) == (host, key, severity) and fragment in v.message]
    assert matching, [str(v) for v in found]
    for violation in found:
        assert violation.fix, str(violation)
        for raw in ("Errno", "Traceback", "KeyError", "object has no attribute", "invalid literal", "<class", "s3cret"):
            assert raw not in violation.message and raw not in violation.fix, str(violation)


def test_every_run_option_has_a_case() -> None:
    covered = {p.values[2][1] for p in CASES}
    assert set(RUN_OPTIONS) - {"zk2kraft_broker_group", "zk2kraft_controller_group", "zk2kraft_kafka_opts",
                               "zk2kraft_service_group", "zk2kraft_report_dir"} <= covered


def _names_the_playbooks_set(node: Any) -> set[str]:
    found: set[str] = set()
    if isinstance(node, list):
        for item in node:
            found |= _names_the_playbooks_set(item)
    elif isinstance(node, dict):
        if isinstance(node.get("register"), str):
            found.add(node["register"])
        for key, value in node.items():
            if key in ("ansible.builtin.set_fact", "vars") and isinstance(value, dict):
                found |= set(value)
            found |= _names_the_playbooks_set(value)
    return found


def test_internal_names_are_the_ones_the_playbooks_set() -> None:
    # No stale name (an old zk2kraft_plan) hides an operator's typo; every name the playbooks set is known.
    repo = Path(__file__).resolve().parents[5]
    texts = [p.read_text(encoding="utf-8") for d in ("playbooks", "roles") for p in (repo / d).rglob("*.yml")]
    set_here = {n for text in texts for n in _names_the_playbooks_set(yaml.safe_load(text)) if n.startswith("zk2kraft_")}
    groups = {g for text in texts for g in re.findall(r"groups: (zk2kraft_\w+)", text)}
    assert sorted(INTERNAL_NAMES - set_here - groups) == []
    assert sorted(set_here - INTERNAL_NAMES - set(USER_NAMES)) == []


def test_a_utf8_bom_is_removed_not_made_a_key(tmp_path: Path) -> None:
    hostvars = _inventory()
    folder = tmp_path / "configs"
    folder.mkdir()
    for host in BROKERS:
        (folder / (f"{host}.properties")).write_bytes(b"\xef\xbb\xbf" + _file(host).encode())
    hostvars["kb1"]["zk2kraft_current_properties"] = "\ufeff" + _file("kb1")
    spec, texts = spec_from_inventory(BROKERS, CONTROLLERS, lambda host: hostvars[host], ALL_VARS)
    local, problems = current_files(spec, {}, str(folder))
    assert problems == [] and not local["kb2"].startswith("\xef")
    plan = build_plan(spec, dict(local, kb1=texts["kb1"]))
    assert [str(v) for v in plan.violations] == []
    assert all(c.key == "broker.id" or not c.key.startswith(("\ufeff", "\xef")) for n in plan.nodes
               for r in n.renders.values() for c in r.changes)


def test_failure_lines_name_host_key_and_fix() -> None:
    found = check_inputs(BROKERS, CONTROLLERS, lambda host: _inventory()[host],
                         dict(ALL_VARS, zk2kraft_stop_after="bogus"))
    assert failure_lines(found) == [
        "localhost | zk2kraft_stop_after | 'bogus' is not one of the allowed values controllers, migration, dual_write "
        "(migrate.yml: the phase to stop after). Fix: use one of: controllers, migration, dual_write"]


def test_the_outcome_lists_every_error_and_each_warning_as_a_line() -> None:
    violations = [Violation("kb1", "zk2kraft_node_id", "-1 is outside 0..2147483647", "give an id in 0..2147483647"),
                  Violation("kb2", "zk2kraft_rack", "only some brokers carry a rack", "give every broker a rack",
                            WARNING),
                  Violation("localhost", "zk2kraft_finalize", "'maybe' is not a boolean", "use true or false")]
    outcome = inputs_outcome(violations)
    assert outcome["error_count"] == 2
    assert [v["host"] for v in outcome["violations"]] == ["kb1", "kb2", "localhost"]
    assert outcome["warnings"] == ["kb2 | zk2kraft_rack | only some brokers carry a rack. Fix: give every broker a rack"]
    assert outcome["msg"].splitlines() == [
        "2 error(s) in the run options and the inventory; no host was contacted:",
        "kb1 | zk2kraft_node_id | -1 is outside 0..2147483647. Fix: give an id in 0..2147483647",
        "localhost | zk2kraft_finalize | 'maybe' is not a boolean. Fix: use true or false",
    ]


def test_no_error_says_the_inputs_are_valid() -> None:
    outcome = inputs_outcome([])
    assert outcome == {"violations": [], "error_count": 0, "warnings": [],
                       "msg": "run options and inventory variables are valid"}
