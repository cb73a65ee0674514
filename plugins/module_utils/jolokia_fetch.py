# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)
"""Jolokia reads through Ansible's URL helper, for the modules (the library itself needs only the standard library)."""

from __future__ import annotations

import functools
import ssl
from urllib.error import HTTPError

from ansible.module_utils import urls

from ansible_collections.zk2kraft.migration.plugins.module_utils._kraft.jolokia import FetchError, JolokiaAccess, jolokia_read_mbean

NO_JOLOKIA_LOGIN = JolokiaAccess()


@functools.lru_cache(maxsize=8)
def tls_context(access: JolokiaAccess, https: bool) -> ssl.SSLContext:
    """One TLS context per access and module run. Ansible's URL helper otherwise makes one per request, loading
    every system CA certificate even for plain http (0.1 s of CPU each, and the roll guard reads ~40 MBeans)."""
    if not https:
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)   # never used: the request is plain http
    return urls.make_context(cafile=access.ca_file, validate_certs=access.validate_certs,
                             client_cert=access.client_cert, client_key=access.client_key)


def fetch(url: str, timeout: float, access: JolokiaAccess = NO_JOLOKIA_LOGIN) -> bytes:
    """GET through Ansible's URL helper (proxy settings, certificate checks) for the library's Jolokia reads."""
    try:
        response = urls.Request().open(
            "GET", url, timeout=timeout, headers={"Accept": "application/json"},
            url_username=access.user, url_password=access.password, force_basic_auth=bool(access.user),
            validate_certs=access.validate_certs, ca_path=access.ca_file, client_cert=access.client_cert,
            client_key=access.client_key, context=tls_context(access, url.lower().startswith("https://")))
        try:
            return response.read()
        finally:
            response.close()
    except HTTPError as exc:
        # Jolokia reports errors in a JSON body; hand that over when there is one. A refused login is the
        # agent's HTTP server speaking, not Jolokia: its status says more than any body.
        body = exc.read()
        if body and exc.code not in (401, 403):
            return body
        raise FetchError(f"HTTP {exc.code}", exc.code) from exc
    except (OSError, urls.ConnectionError) as exc:
        raise FetchError(str(exc) or type(exc).__name__) from exc


def mbean_reader(access: JolokiaAccess):
    """The roll guard's ReadMBean: every attribute of an MBean, through fetch with the access's login and TLS."""
    return functools.partial(jolokia_read_mbean, fetch=functools.partial(fetch, access=access))


def jolokia_access(module) -> JolokiaAccess:
    """The module's jolokia_* options, or the module fails naming what does not go together."""
    access = JolokiaAccess.from_params(module.params)
    if access.problems():
        module.fail_json(msg="; ".join(access.problems()))
    return access
