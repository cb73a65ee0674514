# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Every input of a run (run options, inventory variables, local files) judged before any host is contacted.

``check_inputs`` is the one place the playbooks' first play calls; it returns violations naming
the host, the variable, what is wrong and the allowed values.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.booleans import FALSE_WORDS, TRUE_WORDS, is_true
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import MAX_PORT, MIN_PORT
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.drift import (
    ACCEPT_OPTION,
    drift_violations,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    WARNING,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.files import (
    check_config_dir,
    check_live_file,
    read_config_dir,
    world_readable,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.inventory import (
    CLUSTER_KEYS,
    HOST_KEYS,
    NODE_KEYS,
    PREFIX,
    cluster_key_violations,
    option_values,
    spec_from_inventory,
    variable_names,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.phases import ALL_TARGETS
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.plan import build_plan

BOOL, CHOICE, CHOICES, INT, PORT, TEXT, FILE, DIRECTORY, ZK_CLIENT, KAFKA_CLIENT, MAPPING = (
    "bool", "choice", "choices", "int", "port", "text", "file", "directory", "zk_client", "kafka_client", "mapping")


@dataclass(frozen=True)
class Option:
    kind: str
    about: str
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    empty_ok: bool = False


# The variables that steer a run (given with -e, or in the inventory), and the playbook that reads them.
RUN_OPTIONS: dict[str, Option] = {
    "zk2kraft_stop_after": Option(CHOICE, "migrate.yml: the phase to stop after",
                                  ("controllers", "migration", "dual_write"), empty_ok=True),
    "zk2kraft_finalize": Option(BOOL, "migrate.yml: run the one-way finalization"),
    "zk2kraft_finalize_min_soak_seconds": Option(INT, "migrate.yml: seconds on KRaft before finalizing", minimum=0),
    "zk2kraft_roll_strategy": Option(CHOICE, "migrate.yml: brokers restarted one at a time, or a rack at a time",
                                     ("serial", "rack")),
    "zk2kraft_roll_batch": Option(INT, "migrate.yml: brokers restarted together (a cap on a rack with 'rack')",
                                  minimum=1, empty_ok=True),
    "zk2kraft_roll_guard_timeout": Option(INT, "migrate.yml, rollback.yml: seconds the check before each stop waits "
                                          "for a healthy cluster before it refuses", minimum=1),
    "zk2kraft_verify_phase": Option(CHOICE, "verify.yml: the phase to verify", ("kraft", "dual_write")),
    "zk2kraft_verify_snapshot": Option(FILE, "verify.yml: the metadata snapshot to compare with"),
    "zk2kraft_validate_live": Option(BOOL, "validate.yml: read the files over SSH"),
    "zk2kraft_validate_config_dir": Option(DIRECTORY, "validate.yml: local copies of the current files"),
    "zk2kraft_validate_phases": Option(CHOICES, "validate.yml: the phases to render", ALL_TARGETS),
    "zk2kraft_broker_group": Option(TEXT, "validate.yml: inventory group of the brokers"),
    "zk2kraft_controller_group": Option(TEXT, "validate.yml: inventory group of the controllers"),
    "zk2kraft_jolokia_port": Option(PORT, "Jolokia agent port on the Kafka hosts"),
    "zk2kraft_kafka_archive": Option(FILE, "Kafka release archive on the Ansible controller", empty_ok=True),
    "zk2kraft_kafka_opts": Option(TEXT, "KAFKA_OPTS of the controllers' service", empty_ok=True),
    "zk2kraft_service_user": Option(TEXT, "controllers' service user"),
    "zk2kraft_service_group": Option(TEXT, "controllers' service group"),
    "zk2kraft_manage_user": Option(BOOL, "create the controllers' service account"),
    "zk2kraft_zookeeper_client": Option(ZK_CLIENT, "ZooKeeper connection options of the modules"),
    "zk2kraft_kafka_client": Option(KAFKA_CLIENT, "client settings of the Kafka tools and Jolokia"),
    "zk2kraft_report_dir": Option(TEXT, "directory of the reports and the metadata snapshot"),
    # The install layout of each Kafka host (defaults: the packaged layout, unit kafka).
    "zk2kraft_kafka_home": Option(TEXT, "the Kafka home (bin/ tools) on the Kafka hosts"),
    "zk2kraft_log_dir": Option(TEXT, "Kafka's LOG_DIR (server.log, controller.log) on the Kafka hosts"),
    "zk2kraft_service_name": Option(TEXT, "the Kafka service (systemd unit) name on the Kafka hosts"),
    "zk2kraft_heap_opts": Option(TEXT, "KAFKA_HEAP_OPTS of the controllers' service"),
    ACCEPT_OPTION: Option(BOOL, "migrate.yml, rollback.yml: go on although managed keys were edited since the "
                                "last run (this run writes its own values over the edits)"),
}

# The keys of zk2kraft_zookeeper_client (the modules' ZooKeeper connection options) and their kinds.
ZK_CLIENT_OPTIONS: dict[str, Option] = {
    "zookeeper_timeout": Option(INT, "seconds", minimum=1),
    "zookeeper_tls": Option(BOOL, "connect with TLS"),
    "zookeeper_tls_ca": Option(TEXT, "CA file"),
    "zookeeper_tls_certfile": Option(TEXT, "client certificate"),
    "zookeeper_tls_keyfile": Option(TEXT, "client key"),
    "zookeeper_tls_keyfile_password": Option(TEXT, "client key password"),
    "zookeeper_tls_verify": Option(BOOL, "verify certificates"),
    "zookeeper_tls_check_hostname": Option(BOOL, "check host names"),
    "zookeeper_auth": Option(CHOICE, "authentication", ("none", "sasl_digest", "digest")),
    "zookeeper_username": Option(TEXT, "user name"),
    "zookeeper_password": Option(TEXT, "password"),
}

# The keys of zk2kraft_kafka_client (module_defaults of the kafka_tools action group) and their kinds.
KAFKA_CLIENT_OPTIONS: dict[str, Option] = {
    "broker_properties": Option(MAPPING, "client properties for the brokers' listener"),
    "controller_properties": Option(MAPPING, "client properties for the controller listener"),
    "jolokia_user": Option(TEXT, "Jolokia agent user (its user=)"),
    "jolokia_password": Option(TEXT, "Jolokia agent password (its password=)"),
    "jolokia_tls": Option(BOOL, "the Jolokia agent serves HTTPS (protocol=https)"),
    "jolokia_ca_file": Option(TEXT, "CA file of the Jolokia agent's certificate, on the Kafka hosts"),
    "jolokia_client_cert": Option(TEXT, "client certificate for the Jolokia agent, on the Kafka hosts"),
    "jolokia_client_key": Option(TEXT, "key of jolokia_client_cert, on the Kafka hosts"),
    "jolokia_validate_certs": Option(BOOL, "verify the Jolokia agent's certificate"),
}

# Variables the playbooks set themselves (facts, registered results); never a typo of the operator's.
INTERNAL_NAMES = frozenset(PREFIX + n for n in (
    "node", "slurp", "spec", "spec_node", "kafka_hosts", "run", "run_started", "phase_after", "finalize_order",
    "log_dir_stat", "validate_plan", "validate_slurp", "validate_stat", "verify_plan",
    "verify_zk", "verify_metadata", "ms_expected", "ms_timeout", "ms_spec", "ms_node", "ms_leader", "ms_wait",
    "report_name", "report_phase_before", "report_hosts", "zk_controller", "roll2",
))

# Variables of the collection judged where they are used (their shape belongs to the tasks that read them).
OTHER_NAMES: frozenset[str] = frozenset()

USER_NAMES = tuple(sorted(set(RUN_OPTIONS) | OTHER_NAMES | {PREFIX + k for k in CLUSTER_KEYS + NODE_KEYS + HOST_KEYS}))


def _is_int(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, str) and value.strip().lstrip("-").isdigit()


def _problem(name: str, option: Option, value: Any) -> tuple[str, str] | None:
    """(what is wrong, how to fix it) for ``value`` of ``option``, or None when it is fine."""
    if option.empty_ok and value == "":
        return None
    if option.kind == BOOL:
        if isinstance(value, bool) or (isinstance(value, int) and value in (0, 1)):
            return None
        if isinstance(value, str) and value.strip().lower() in TRUE_WORDS + FALSE_WORDS:
            return None
        return f"'{value}' is not a boolean", "use true or false"
    if option.kind == CHOICE:
        if isinstance(value, str) and value in option.choices:
            return None
        return ("'{}' is not one of the allowed values {}".format(value, ", ".join(option.choices)),
                "use one of: {}".format(", ".join(option.choices)))
    if option.kind == CHOICES:
        items = value.split(",") if isinstance(value, str) else value
        if not isinstance(items, (list, tuple)) or not items:
            return f"'{value}' is not a list of phases", "give a list drawn from {}".format(", ".join(option.choices))
        bad = [str(i).strip() for i in items if str(i).strip() not in option.choices]
        if bad:
            listed = ", ".join(f"'{b}'" for b in bad)
            verb = "is" if len(bad) == 1 else "are"
            return f"{listed} {verb} not among the allowed values {', '.join(option.choices)}", "use only: " + ", ".join(option.choices)
        return None
    if option.kind in (INT, PORT):
        if not _is_int(value):
            what = "a TCP port number" if option.kind == PORT else "a whole number"
            return f"'{value}' is not {what}", f"give {what}"
        number = int(str(value).strip())
        if option.kind == PORT and not MIN_PORT <= number <= MAX_PORT:
            return f"port {number} is outside {MIN_PORT}..{MAX_PORT}", f"give a port in {MIN_PORT}..{MAX_PORT}"
        if option.minimum is not None and number < option.minimum:
            return f"{number} is below the minimum {option.minimum}", f"give a number >= {option.minimum}"
        return None
    if option.kind == TEXT:
        if isinstance(value, str) and (value.strip() or option.empty_ok):
            return None
        return f"'{value}' is not a non-empty string", "give a string"
    if option.kind == FILE:
        if not isinstance(value, str) or not value.strip():
            return f"'{value}' is not a path", "give the path of a file on the Ansible controller"
        # A relative path is found through Ansible's search path; only an absolute one can be judged here.
        if os.path.isabs(value) and not os.path.isfile(value):
            why = "is a directory" if os.path.isdir(value) else "does not exist"
            return f"{value} {why} on the Ansible controller", "give the path of an existing file"
        return None
    if option.kind == DIRECTORY:
        if not isinstance(value, str) or not value.strip():
            return f"'{value}' is not a path", "give a directory on the Ansible controller"
        problems = check_config_dir(value, name)
        if problems:
            return problems[0].message, problems[0].fix
        return None
    if option.kind == MAPPING:
        if isinstance(value, Mapping):
            return None
        return f"'{value}' is not a mapping", "give a mapping of property names to values"
    if option.kind == KAFKA_CLIENT:
        if not isinstance(value, Mapping):
            return f"'{value}' is not a mapping", "give a mapping of broker_properties, controller_properties " \
                "and jolokia_* options"
        for key, item in value.items():
            sub = KAFKA_CLIENT_OPTIONS.get(str(key))
            if sub is None:
                return (f"'{key}' is not a Kafka client option", f"use only {', '.join(sorted(KAFKA_CLIENT_OPTIONS))}")
            found = _problem(str(key), sub, item)
            if found:
                shown = found[0] if "password" not in str(key) else "the value is not valid"
                return f"{key}: {shown}", found[1]
        if bool(value.get("jolokia_user")) != bool(value.get("jolokia_password")):
            return ("jolokia_user and jolokia_password go together",
                    "give both (the agent's user= and password=; keep the password in a vault), or neither")
        if value.get("jolokia_client_key") and not value.get("jolokia_client_cert"):
            return "jolokia_client_key without jolokia_client_cert", "give the client certificate too"
        tls = is_true(value.get("jolokia_tls", False))
        if not tls and (value.get("jolokia_ca_file") or value.get("jolokia_client_cert")):
            return ("jolokia_ca_file or jolokia_client_cert is set but jolokia_tls is not",
                    "set jolokia_tls: true when the agent runs with protocol=https")
        return None
    if option.kind == ZK_CLIENT:
        if not isinstance(value, Mapping):
            return f"'{value}' is not a mapping", "give a mapping of zookeeper_* options"
        for key, item in value.items():
            sub = ZK_CLIENT_OPTIONS.get(str(key))
            if sub is None:
                return (f"'{key}' is not a ZooKeeper connection option",
                        "use only {}".format(", ".join(sorted(ZK_CLIENT_OPTIONS))))
            found = _problem(str(key), sub, item)
            if found:
                shown = found[0] if "password" not in str(key) else "the value is not valid"
                return f"{key}: {shown}", found[1]
        auth = value.get("zookeeper_auth", "none")
        if auth != "none":
            lacking = [k for k in ("zookeeper_username", "zookeeper_password") if value.get(k) in (None, "")]
            if lacking:
                return (f"zookeeper_auth {auth} needs {' and '.join(lacking)}",
                        "give the user and password of the brokers' ZooKeeper login (their JAAS Client section); "
                        "keep the password in a vault")
            if any(c in str(value.get("zookeeper_password")) for c in "\r\n"):
                return "zookeeper_password: the value contains a line break", "give the password on one line"
        return None
    return None


def check_run_options(values: Mapping[str, Sequence[tuple[str, Any]]]) -> list[Violation]:
    """Judge each run option's values (``name -> [(where, value)]``) against ``RUN_OPTIONS``."""
    out: list[Violation] = []
    for name, option in RUN_OPTIONS.items():
        for where, value in values.get(name) or ():
            found = _problem(name, option, value)
            if found:
                out.append(Violation(where, name, f"{found[0]} ({option.about})", found[1], ERROR))
    return out


def check_variable_names(names: Sequence[str]) -> list[Violation]:
    """A zk2kraft_* variable this collection does not read, close to one it does: most likely a typo."""
    out: list[Violation] = []
    for name in names:
        if name in USER_NAMES or name in INTERNAL_NAMES:
            continue
        close = difflib.get_close_matches(name, USER_NAMES, n=1, cutoff=0.85)
        if close:
            out.append(Violation("localhost", name, f"{name} is not a variable of this collection and is ignored",
                                 f"did you mean {close[0]}?", WARNING))
    return out


def check_inputs(
    brokers: Sequence[str],
    controllers: Sequence[str],
    host_vars: Callable[[str], Mapping[str, Any]],
    play_vars: Mapping[str, Any],
) -> list[Violation]:
    """Every check that needs no host: run options, variable names, cluster-wide variables, the inventory's
    model (values given, ranges, enums, duplicates) and the local copies of the files."""
    hosts = list(dict.fromkeys(list(brokers) + list(controllers)))
    values = option_values(list(RUN_OPTIONS), hosts, host_vars, play_vars)
    out = check_run_options(values)
    out.extend(check_variable_names(variable_names(hosts, host_vars, play_vars)))
    out.extend(cluster_key_violations(hosts, host_vars))
    spec, dummy = spec_from_inventory(brokers, controllers, host_vars, play_vars)
    out.extend(v for v in build_plan(spec, {}, targets=(), partial=True).violations if v.severity == ERROR)
    config_dir = [v for where, v in values.get("zk2kraft_validate_config_dir") or () if where == "localhost"]
    if config_dir and isinstance(config_dir[0], str) and not check_config_dir(config_dir[0]):
        dummy_texts, problems = read_config_dir(config_dir[0], hosts, brokers, "zk2kraft_validate_config_dir")
        out.extend(v for v in problems if v.severity == ERROR)
    return out


def current_files(
    spec: Mapping[str, Any],
    live_states: Mapping[str, Mapping[str, Any]],
    config_dir: str | None = None,
    config_dir_key: str = "config_dir",
) -> tuple[dict[str, str], list[Violation]]:
    """The current files from a local directory, and every file (local or read live) that cannot be used."""
    brokers = [str(n.get("name")) for n in spec.get("brokers") or () if isinstance(n, Mapping)]
    controllers = [str(n.get("name")) for n in spec.get("controllers") or () if isinstance(n, Mapping)]
    problems: list[Violation] = []
    for host, state in live_states.items():
        problems.extend(check_live_file(host, host in brokers, str(state.get("path") or "server.properties"), state))
    texts: dict[str, str] = {}
    if config_dir:
        texts, found = read_config_dir(config_dir, brokers + controllers, brokers, config_dir_key)
        problems.extend(found)
    return texts, problems


def violation_line(v: Violation) -> str:
    """host | key | what is wrong. Fix: how."""
    return f"{v.host} | {v.key} | {v.message}. Fix: {v.fix}"


def failure_lines(violations: Sequence[Violation]) -> list[str]:
    """One line per error."""
    return [violation_line(v) for v in violations if v.severity == ERROR]


def inputs_outcome(violations: Sequence[Violation]) -> dict[str, Any]:
    """What the input check reports: every violation, the error count, each warning as a line, and a message
    that lists every error (or says the inputs are valid)."""
    errors = [v for v in violations if v.severity == ERROR]
    if errors:
        msg = "{} error(s) in the run options and the inventory; no host was contacted:\n{}".format(
            len(errors), "\n".join(failure_lines(errors)))
    else:
        msg = "run options and inventory variables are valid"
    return {
        "violations": [v.as_dict() for v in violations],
        "error_count": len(errors),
        "warnings": [violation_line(v) for v in violations if v.severity == WARNING],
        "msg": msg,
    }


DEFAULT_CONFIG_FILE = "/etc/kafka/server.properties"


def observed_violations(
    hosts: Sequence[str],
    host_vars: Callable[[str], Mapping[str, Any]],
    texts: Mapping[str, str],
    accept_drift: bool = False,
) -> list[Violation]:
    """What reading the hosts found that the inventory cannot show: managed keys edited since the last run
    (``zk2kraft_node.drift`` from kafka_node_info) and files holding secrets that every user can read."""
    out: list[Violation] = []
    for host in hosts:
        vars_ = host_vars(host)
        node = _mapping(vars_, "zk2kraft_node")
        live = _mapping(vars_, "zk2kraft_current_file")
        path = str(live.get("path") or _value(vars_, "zk2kraft_config_file") or DEFAULT_CONFIG_FILE)
        mode = node.get("config_mode") or live.get("mode")
        if mode:
            out.extend(world_readable(host, path, mode, texts.get(host)))
        drift = node.get("drift")
        if isinstance(drift, list) and drift:
            out.extend(drift_violations(host, path, [d for d in drift if isinstance(d, Mapping)], accept_drift))
    return out


def _value(vars_: Mapping[str, Any], key: str) -> Any:
    try:
        return vars_.get(key)
    except Exception:  # a variable that fails to template counts as unset
        return None


def _mapping(vars_: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = _value(vars_, key)
    return value if isinstance(value, Mapping) else {}
