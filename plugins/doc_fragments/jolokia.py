# Copyright: (c) 2026, zk2kraft.migration contributors
# Apache License 2.0 (see https://www.apache.org/licenses/LICENSE-2.0)


class ModuleDocFragment:
    # The Jolokia access options of the kafka_tools action group; the argument spec they document is
    # JOLOKIA_ARGUMENT_SPEC in module_utils/_kraft/jolokia.py.
    DOCUMENTATION = r"""
options:
  jolokia_user:
    description:
      - User for an agent that requires basic authentication (its C(user=) option).
      - Like every C(jolokia_*) option, usually set once in C(zk2kraft_kafka_client) (module_defaults of the
        action group C(group/zk2kraft.migration.kafka_tools)).
    type: str
  jolokia_password:
    description: Password of O(jolokia_user) (the agent's C(password=)); never logged.
    type: str
  jolokia_tls:
    description: The agent serves HTTPS (its C(protocol=https)); an V(http://) Jolokia URL is read over V(https://).
    type: bool
    default: false
  jolokia_ca_file:
    description: PEM file of the CA that signed the agent's certificate (default the system's CAs).
    type: path
  jolokia_client_cert:
    description: PEM client certificate, for an agent with C(useSslClientAuthentication=true).
    type: path
  jolokia_client_key:
    description: PEM private key of O(jolokia_client_cert) (when not in the same file).
    type: path
  jolokia_validate_certs:
    description: Verify the agent's certificate.
    type: bool
    default: true
notes:
  - The C(jolokia_*) options are usually set once in C(zk2kraft_kafka_client), which the playbooks give to
    M(zk2kraft.migration.kafka_wait) and M(zk2kraft.migration.kafka_metadata_info) through C(module_defaults)
    on the action group C(group/zk2kraft.migration.kafka_tools).
"""
