# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


class ModuleDocFragment:
    # The ZooKeeper connection options of every module that talks to ZooKeeper; the argument spec they
    # document is ZK_ARGUMENT_SPEC in module_utils/_kraft/zookeeper_session.py.
    DOCUMENTATION = r"""
requirements:
  - kazoo
options:
  zookeeper_connect:
    description:
      - The brokers' C(zookeeper.connect) value, for example V(zk1:2181,zk2:2181/kafka); a chroot applies to all hosts.
    type: str
    required: true
  zookeeper_timeout:
    description: Seconds to wait for a ZooKeeper session.
    type: float
    default: 10.0
  zookeeper_tls:
    description: Connect with TLS (the brokers' C(zookeeper.ssl.client.enable=true)).
    type: bool
    default: false
  zookeeper_tls_ca:
    description: PEM file of the CA that signed the ZooKeeper servers' certificates.
    type: path
  zookeeper_tls_certfile:
    description: PEM client certificate, for ZooKeeper servers that require client authentication.
    type: path
  zookeeper_tls_keyfile:
    description: PEM private key of O(zookeeper_tls_certfile).
    type: path
  zookeeper_tls_keyfile_password:
    description: Password of O(zookeeper_tls_keyfile).
    type: str
  zookeeper_tls_verify:
    description: Verify the servers' certificates against O(zookeeper_tls_ca).
    type: bool
    default: true
  zookeeper_tls_check_hostname:
    description: Also check the certificate's host name (the brokers' C(zookeeper.ssl.endpoint.identification.algorithm=HTTPS)).
    type: bool
    default: false
  zookeeper_auth:
    description:
      - V(sasl_digest) authenticates with SASL DIGEST-MD5, as brokers with a JAAS C(Client) section using
        C(DigestLoginModule) do (needs the C(pure-sasl) Python package).
      - V(digest) adds ZooKeeper C(digest) scheme credentials (C(addauth digest user:password)).
    type: str
    default: none
    choices: [none, sasl_digest, digest]
  zookeeper_username:
    description: User name for O(zookeeper_auth).
    type: str
  zookeeper_password:
    description: Password for O(zookeeper_auth).
    type: str
notes:
  - The C(zookeeper_*) connection options can be set once for M(zk2kraft.migration.zookeeper_facts),
    M(zk2kraft.migration.zookeeper_wait) and M(zk2kraft.migration.zookeeper_znode) with
    C(module_defaults) on the action group C(group/zk2kraft.migration.zookeeper).
"""
