"""The sandbox's PKI, made with the JDK's keytool: one CA, a truststore, and a PKCS12 keystore
per host (CN=<host name>, SAN=IP:<address>) plus one for the admin tools (CN=admin).

Every host gets /etc/kafka/ssl/{node.keystore.p12,admin.keystore.p12,truststore.p12}; the paths are
the same on every host, so cluster-wide settings can name them. With --jolokia mtls every Kafka host
also gets the Jolokia client's certificate and key as PEM (CN=jolokia-client), for the collection's reads.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lib import SandboxError

KEYSTORE_PASSWORD = "keystore-secret"
TRUSTSTORE_PASSWORD = "truststore-secret"
CA_PASSWORD = "sandbox-ca-secret"
SSL_DIR = "/etc/kafka/ssl"
NODE_KEYSTORE = f"{SSL_DIR}/node.keystore.p12"
ADMIN_KEYSTORE = f"{SSL_DIR}/admin.keystore.p12"
TRUSTSTORE = f"{SSL_DIR}/truststore.p12"
CA_PEM = f"{SSL_DIR}/ca.pem"        # for PEM clients: the collection's Jolokia reads (jolokia_ca_file)
# --jolokia mtls: what the collection presents to the agents (jolokia_client_cert / jolokia_client_key).
JOLOKIA_CLIENT = "jolokia-client"
JOLOKIA_CLIENT_CERT = f"{SSL_DIR}/{JOLOKIA_CLIENT}.pem"
JOLOKIA_CLIENT_KEY = f"{SSL_DIR}/{JOLOKIA_CLIENT}.key"
VALIDITY_DAYS = "30"


def keytool(*args: str) -> None:
    result = subprocess.run(["keytool", *args], capture_output=True, text=True, check=False, timeout=120)
    if result.returncode != 0:
        raise SandboxError(f"keytool {args[0]} failed: {(result.stdout + result.stderr).strip()}")


def _signed_keystore(pki: Path, name: str, san: str) -> Path:
    """A keystore holding a key for CN=name signed by the sandbox CA, with the CA in its chain."""
    store = pki / f"{name}.keystore.p12"
    if store.is_file():
        return store
    partial = pki / f"{name}.partial.p12"
    partial.unlink(missing_ok=True)
    common = ["-keystore", str(partial), "-storetype", "PKCS12", "-storepass", KEYSTORE_PASSWORD]
    keytool("-genkeypair", "-alias", name, "-dname", f"CN={name}", "-keyalg", "EC", "-groupname", "secp256r1",
            "-validity", VALIDITY_DAYS, *common)
    request = pki / f"{name}.csr"
    keytool("-certreq", "-alias", name, "-file", str(request), *common)
    cert = pki / f"{name}.pem"
    extensions = ["-ext", f"SAN={san}"] if san else []
    keytool("-gencert", "-alias", "ca", "-keystore", str(pki / "ca.p12"), "-storetype", "PKCS12",
            "-storepass", CA_PASSWORD, "-infile", str(request), "-outfile", str(cert), "-rfc",
            "-validity", VALIDITY_DAYS, *extensions)
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", str(pki / "ca.pem"), *common)
    keytool("-importcert", "-noprompt", "-alias", name, "-file", str(cert), *common)
    partial.replace(store)
    return store


def _pem_key(pki: Path, name: str) -> Path:
    """The private key of ``name``'s keystore as unencrypted PEM (keytool cannot export a key; openssl can)."""
    key = pki / f"{name}.key"
    if key.is_file():
        return key
    # The store's password goes through the environment, not the command line (ps shows argv).
    result = subprocess.run(["openssl", "pkcs12", "-in", str(pki / f"{name}.keystore.p12"), "-nocerts", "-nodes",
                             "-passin", "env:SANDBOX_P12_PASSWORD"], capture_output=True, text=True, check=False,
                            timeout=60, env=dict(os.environ, SANDBOX_P12_PASSWORD=KEYSTORE_PASSWORD))
    begin, end = "-----BEGIN PRIVATE KEY-----", "-----END PRIVATE KEY-----"
    if result.returncode != 0 or begin not in result.stdout or end not in result.stdout:
        # stderr only: stdout would hold the key.
        raise SandboxError(f"openssl pkcs12 could not export the {name} key: {result.stderr.strip()}")
    # Only the key block: openssl puts "Bag Attributes" lines before it.
    block = begin + result.stdout.split(begin, 1)[1].split(end, 1)[0] + end + "\n"
    partial = pki / f"{name}.key.partial"
    partial.unlink(missing_ok=True)
    partial.touch(mode=0o600)
    partial.write_text(block)
    partial.replace(key)
    return key


def make_pki(pki: Path, hosts: list[tuple[str, str]], jolokia_client: bool = False) -> None:
    """CA, truststore and keystores for (name, address) hosts, made once and reused; with
    ``jolokia_client`` also the Jolokia client's certificate and PEM key."""
    pki.mkdir(parents=True, exist_ok=True)
    if not (pki / "ca.pem").is_file():
        (pki / "ca.p12").unlink(missing_ok=True)
        keytool("-genkeypair", "-alias", "ca", "-dname", "CN=zk2kraft sandbox CA", "-keyalg", "EC",
                "-groupname", "secp256r1", "-validity", VALIDITY_DAYS, "-ext", "bc:c",
                "-keystore", str(pki / "ca.p12"), "-storetype", "PKCS12", "-storepass", CA_PASSWORD)
        keytool("-exportcert", "-alias", "ca", "-rfc", "-file", str(pki / "ca.pem"),
                "-keystore", str(pki / "ca.p12"), "-storetype", "PKCS12", "-storepass", CA_PASSWORD)
    if not (pki / "truststore.p12").is_file():
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", str(pki / "ca.pem"),
                "-keystore", str(pki / "truststore.p12"), "-storetype", "PKCS12", "-storepass", TRUSTSTORE_PASSWORD)
    jobs = [("admin", "")] + [(name, f"IP:{address},DNS:{name}") for name, address in hosts]
    if jolokia_client:
        jobs.append((JOLOKIA_CLIENT, ""))
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: _signed_keystore(pki, *job), jobs))
    if jolokia_client:
        _pem_key(pki, JOLOKIA_CLIENT)


def install(pki: Path, host_etc_kafka: Path, name: str, jolokia_client: bool = False) -> None:
    """Give a host its keystore, the admin keystore and the truststore (mode 0600: they hold keys), and with
    ``jolokia_client`` the Jolokia client's certificate and key (the key 0600 too)."""
    target = host_etc_kafka / "ssl"
    target.mkdir(mode=0o750, exist_ok=True)
    for source, dest in ((f"{name}.keystore.p12", "node.keystore.p12"), ("admin.keystore.p12", "admin.keystore.p12"),
                         ("truststore.p12", "truststore.p12")):
        shutil.copyfile(pki / source, target / dest)
        (target / dest).chmod(0o600)
    if jolokia_client:
        key = Path(JOLOKIA_CLIENT_KEY).name
        # Created 0600 before the key is written, so it is never readable by others, not even briefly.
        (target / key).unlink(missing_ok=True)
        (target / key).touch(mode=0o600)
        shutil.copyfile(pki / f"{JOLOKIA_CLIENT}.key", target / key)
    # The CA certificate and the client certificate are public.
    public = [("ca.pem", "ca.pem")] + ([(f"{JOLOKIA_CLIENT}.pem", Path(JOLOKIA_CLIENT_CERT).name)]
                                       if jolokia_client else [])
    for source, dest in public:
        shutil.copyfile(pki / source, target / dest)
        (target / dest).chmod(0o644)
