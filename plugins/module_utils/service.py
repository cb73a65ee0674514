# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""A node's systemd service as the modules see it."""

from __future__ import annotations


def main_pid(module, service):
    """The service's main process id, or None: no systemctl, a unit systemd cannot show, or nothing running."""
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        return None
    rc, out, dummy = module.run_command([systemctl, "show", "-p", "MainPID", service])
    if rc != 0:
        return None
    value = out.strip().partition("=")[2]
    return int(value) if value.isdigit() and int(value) > 0 else None
