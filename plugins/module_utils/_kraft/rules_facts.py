# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""What the rules of invariants.py read and where they put what they find (private helper).

``_ConfigFacts`` is one file as check_config's rules see it, ``_Collector`` gathers their violations;
``_ClusterCheck`` is what check_cluster's rules read and add to. The names keep their underscore: they
are the rules' own vocabulary, shared by the rules_*.py modules and invariants.py, not an API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Callable

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster import (
    Cluster,
    Node,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.cluster_syntax import Listener
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.errors import (
    ERROR,
    WARNING,
    Violation,
)
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_file import NodeFile
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.node_ids import IdEvidence
from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.versions import Release

_TRUE = "true"


class _Collector:
    def __init__(self, host: str, phase: str | None) -> None:
        self.host = host
        self.phase = phase
        self.found: list[Violation] = []

    def error(self, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(self.host, key, message, fix, ERROR, self.phase))

    def warning(self, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(self.host, key, message, fix, WARNING, self.phase))


def _names(listeners: Sequence[Listener]) -> list[str]:
    return [item.name for item in listeners]


@dataclass(frozen=True)
class _ConfigFacts(NodeFile):
    """One file as check_config's rules see it: the file parsed once (node_file.py), and the release."""

    release: Release

    @classmethod
    def of(cls, props: Mapping[str, str], release: Release) -> _ConfigFacts:
        # Straight from the parsed fields: check_config reads every rendered file, and a NodeFile copied
        # field by field into the facts cost as much again as reading it.
        return cls(release=release, **NodeFile.fields_of(props))


ConfigRule = Callable[[_ConfigFacts, _Collector], None]


@dataclass
class _ClusterCheck:
    """What check_cluster's rules read (the model, the id evidence) and the violations they add, in order."""

    cluster: Cluster
    id_evidence: Mapping[str, IdEvidence]
    found: list[Violation] = field(default_factory=list)

    def error(self, host: str, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(host, key, message, fix, ERROR))

    def warning(self, host: str, key: str, message: str, fix: str) -> None:
        self.found.append(Violation(host, key, message, fix, WARNING))


ClusterRule = Callable[[_ClusterCheck], None]
# A rule about one broker; check_cluster runs them all for a broker before the next broker.
BrokerRule = Callable[[_ClusterCheck, Node], None]
