# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Jolokia reads for the modules: the access from the module's options, and reads with its login and TLS.

The library's own HTTP client (standard library) serves them, not Ansible's URL helper: that helper imports
the cryptography package on every module start (0.05 to 0.1 s on a host, paid before each broker's stop),
and a node's agent is reached directly anyway (no proxy).
"""

from __future__ import annotations

import functools

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import JolokiaAccess, http_get, jolokia_read_mbean


def mbean_reader(access: JolokiaAccess):
    """The roll guard's ReadMBean: every attribute of an MBean, read with the access's login and TLS."""
    return functools.partial(jolokia_read_mbean, fetch=functools.partial(http_get, access=access))


def jolokia_access(module) -> JolokiaAccess:
    """The module's jolokia_* options, or the module fails naming what does not go together."""
    access = JolokiaAccess.from_params(module.params)
    if access.problems():
        module.fail_json(msg="; ".join(access.problems()))
    return access
