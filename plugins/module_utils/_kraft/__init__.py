# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
# Private helper library of zk2kraft.migration: pure Python, no Ansible imports, no stable API.
