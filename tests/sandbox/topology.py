"""Sandbox topologies: which hosts exist, their loopback addresses, roles and Kafka ids."""

from __future__ import annotations

from dataclasses import dataclass

ZOOKEEPER_CLIENT_PORT = 2181
ZOOKEEPER_CHROOT = "/kafka"
BROKER_INTERNAL_PORT = 9092
BROKER_EXTERNAL_PORT = 9094
CONTROLLER_PORT = 9093
JOLOKIA_PORT = 8778
TOPOLOGY_NAMES = ("default", "bench", "zk3")
# The first three octets of every host address. Another value (SANDBOX_NET=127.0.2) lets a second
# sandbox, from another work tree, run beside this one.
DEFAULT_NET = "127.0.1"

ROLE_ZOOKEEPER = "zookeeper"
ROLE_CONTROLLER = "controller"
ROLE_BROKER = "broker"


@dataclass(frozen=True)
class Host:
    """One sandbox host: an sshd in its own mount namespace, reached at ``address``."""

    name: str
    address: str
    role: str
    node_id: int | None = None  # broker.id / node.id for Kafka hosts, myid for ZooKeeper
    rack: str | None = None

    @property
    def is_kafka(self) -> bool:
        return self.role in (ROLE_BROKER, ROLE_CONTROLLER)

    @property
    def listeners(self) -> list[str]:
        if self.role == ROLE_BROKER:
            return [
                f"INTERNAL://{self.address}:{BROKER_INTERNAL_PORT}",
                f"EXTERNAL://{self.address}:{BROKER_EXTERNAL_PORT}",
            ]
        if self.role == ROLE_CONTROLLER:
            return [f"CONTROLLER://{self.address}:{CONTROLLER_PORT}"]
        return []


@dataclass(frozen=True)
class Topology:
    name: str
    hosts: tuple[Host, ...]

    def by_role(self, role: str) -> list[Host]:
        return [h for h in self.hosts if h.role == role]

    @property
    def zookeepers(self) -> list[Host]:
        return self.by_role(ROLE_ZOOKEEPER)

    @property
    def controllers(self) -> list[Host]:
        return self.by_role(ROLE_CONTROLLER)

    @property
    def brokers(self) -> list[Host]:
        return self.by_role(ROLE_BROKER)

    @property
    def zookeeper_hosts(self) -> str:
        """Connection string without chroot, as kazoo wants it."""
        return ",".join(f"{h.address}:{ZOOKEEPER_CLIENT_PORT}" for h in self.zookeepers)

    @property
    def zookeeper_connect(self) -> str:
        """Kafka's ``zookeeper.connect``: every ensemble member, then the chroot."""
        return self.zookeeper_hosts + ZOOKEEPER_CHROOT

    def host(self, name: str) -> Host:
        for h in self.hosts:
            if h.name == name:
                return h
        raise KeyError(f"no host named {name!r} in topology {self.name!r}")


def build(name: str, net: str = DEFAULT_NET) -> Topology:
    """Return the named topology on ``net`` (127.0.N); raise ValueError for an unknown name or net."""
    if name not in TOPOLOGY_NAMES:
        raise ValueError(f"unknown topology {name!r}; choose one of {', '.join(TOPOLOGY_NAMES)}")
    octets = net.split(".")
    if len(octets) != 3 or octets[:2] != ["127", "0"] or not octets[2].isdigit() or not 1 <= int(octets[2]) <= 254:
        raise ValueError(f"sandbox net {net!r} must be 127.0.N with N in 1..254 (loopback only)")
    zk_count = 3 if name == "zk3" else 1
    broker_count = 12 if name == "bench" else 3
    hosts: list[Host] = []
    for i in range(zk_count):
        hosts.append(Host(f"zk{i + 1}", f"{net}.{10 + i}", ROLE_ZOOKEEPER, node_id=i + 1))
    for i in range(3):
        hosts.append(Host(f"ctrl{i + 1}", f"{net}.{21 + i}", ROLE_CONTROLLER, node_id=3000 + i))
    for i in range(broker_count):
        # Three racks, brokers spread round-robin (r1..r3), as a rack-aware cluster would be.
        hosts.append(
            Host(f"broker{i + 1}", f"{net}.{31 + i}", ROLE_BROKER, node_id=i + 1, rack=f"r{i % 3 + 1}")
        )
    return Topology(name, tuple(hosts))
