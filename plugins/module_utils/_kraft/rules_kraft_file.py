# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""check_config's rules of a KRaft file: any role, then a broker's (``process.roles=broker``) and a
controller's (``process.roles=controller``), in Kafka 3.9's order and wording. invariants.py lists and runs them.
"""

from __future__ import annotations

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.rules_facts import (
    _Collector,
    _ConfigFacts,
    _names,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release

# --------------------------------------------------------------------------- KRaft mode (any role)


def _node_id_set(c: _ConfigFacts, out: _Collector) -> None:
    if c.node_id is None or not c.node_id.strip():
        out.error("node.id", "Missing required configuration `node.id` which has no default value.", "set node.id")


def _kraft_migration_needs_zookeeper(c: _ConfigFacts, out: _Collector) -> None:
    if c.migration and not c.props.get("zookeeper.connect", "").strip():
        out.error("zookeeper.connect", "If using `zookeeper.metadata.migration.enable` in KRaft mode, "
                  "`zookeeper.connect` must also be set.", "set zookeeper.connect, or remove the migration flag")


def _quorum_named(c: _ConfigFacts, out: _Collector) -> None:
    # Voters that did not parse were reported already.
    if not c.quorum_ok and not (c.voters_text and c.voter_ids is None):
        out.error("controller.quorum.voters", "If using process.roles, either controller.quorum.bootstrap.servers must "
                  "contain the set of bootstrap controllers or controller.quorum.voters must contain a parseable set "
                  "of controllers.", "set controller.quorum.voters")


def _no_control_plane_listener(c: _ConfigFacts, out: _Collector) -> None:
    if c.props.get("control.plane.listener.name", "").strip():
        out.error("control.plane.listener.name", "control.plane.listener.name is not supported in KRaft mode.",
                  "remove control.plane.listener.name")


# --------------------------------------------------------------------------- KRaft broker (process.roles=broker)


def _broker_not_a_voter(c: _ConfigFacts, out: _Collector) -> None:
    own_id = c.own_id
    if own_id is not None and c.voter_ids is not None and own_id in c.voter_ids:
        out.error("controller.quorum.voters", f"If process.roles contains just the 'broker' role, the node id {own_id} must "
                  f"not be included in the set of voters controller.quorum.voters={c.voters_text}",
                  "give brokers ids that no controller uses")


def _broker_names_the_controller_listener(c: _ConfigFacts, out: _Collector) -> None:
    if not c.controller_names:
        out.error("controller.listener.names", "controller.listener.names must contain at least one value when "
                  "running KRaft with just the broker role", "set controller.listener.names=CONTROLLER")


def _broker_does_not_listen_as_controller(c: _ConfigFacts, out: _Collector) -> None:
    clash = [n for n in c.controller_names if n in _names(c.listeners)]
    if clash:
        out.error("listeners", "controller.listener.names must not contain a value appearing in the 'listeners' "
                  "configuration when running KRaft with just the broker role",
                  "remove the {} listener from the broker's listeners".format(",".join(clash)))


def _broker_controller_listeners_mapped(c: _ConfigFacts, out: _Collector) -> None:
    for name in c.controller_names:
        if c.protocol_map and name not in c.protocol_map:
            out.error("listener.security.protocol.map", f"Controller listener with name {name} defined in "
                      "controller.listener.names not found in listener.security.protocol.map  (an explicit "
                      "security mapping for each controller listener is required if "
                      "listener.security.protocol.map is non-empty, or if there are security protocols other than "
                      "PLAINTEXT in use)", f"add {name}:<protocol> to listener.security.protocol.map")


def _broker_advertises_a_listener(c: _ConfigFacts, out: _Collector) -> None:
    if not c.broker_advertised:
        out.error("advertised.listeners", "There must be at least one advertised listener. Perhaps all listeners "
                  "appear in controller.listener.names?", "keep the broker's client listeners")


def _broker_inter_broker_listener_advertised(c: _ConfigFacts, out: _Collector) -> None:
    broker_advertised = c.broker_advertised
    ib_name = c.props.get("inter.broker.listener.name", "").strip().upper()
    if ib_name and broker_advertised and ib_name not in _names(broker_advertised):
        out.error("inter.broker.listener.name", "inter.broker.listener.name must be a listener name defined in "
                  "advertised.listeners. The valid options based on currently configured listeners are " + ",".join(_names(broker_advertised)),
                  "use one of the broker's listener names")


# --------------------------------------------------------------------------- KRaft controller (process.roles=controller)


def _controller_listens_only_as_controller(c: _ConfigFacts, out: _Collector) -> None:
    extra = [n for n in _names(c.listeners) if n not in c.controller_names]
    if extra:
        out.error("listeners", "The listeners config must only contain KRaft controller listeners from "
                  "controller.listener.names when process.roles=controller",
                  "remove {} from the controller's listeners".format(",".join(extra)))


def _controller_is_a_voter(c: _ConfigFacts, out: _Collector) -> None:
    own_id = c.own_id
    if own_id is not None and c.voter_ids is not None and own_id not in c.voter_ids:
        out.error("controller.quorum.voters", f"If process.roles contains the 'controller' role, the node id {own_id} must be "
                  f"included in the set of voters controller.quorum.voters={c.voters_text}",
                  "add this controller to controller.quorum.voters")


def _controller_listener_listened_on(c: _ConfigFacts, out: _Collector) -> None:
    if not c.controller_names or not any(n in _names(c.listeners) for n in c.controller_names):
        out.error("controller.listener.names", "controller.listener.names must contain at least one value appearing "
                  "in the 'listeners' configuration when running the KRaft controller role",
                  "set listeners=CONTROLLER://host:port and controller.listener.names=CONTROLLER")


def _controller_advertises_nothing_before_3_9(c: _ConfigFacts, out: _Collector) -> None:
    if c.release < Release(3, 9, 0) and c.props.get("advertised.listeners", "").strip():
        out.error("advertised.listeners", "The advertised.listeners config must be empty when "
                  "process.roles=controller", "remove advertised.listeners from the controller")
