"""The sandbox's PKI, made with the JDK's keytool: one CA, a truststore, and a PKCS12 keystore
per host (CN=<host name>, SAN=IP:<address>) plus one for the admin tools (CN=admin).

Every host gets /etc/kafka/ssl/{node.keystore.p12,admin.keystore.p12,truststore.p12}; the paths are
the same on every host, so cluster-wide settings can name them.
"""

from __future__ import annotations

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


def make_pki(pki: Path, hosts: list[tuple[str, str]]) -> None:
    """CA, truststore and keystores for (name, address) hosts, made once and reused."""
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
    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: _signed_keystore(pki, *job), jobs))


def install(pki: Path, host_etc_kafka: Path, name: str) -> None:
    """Give a host its keystore, the admin keystore and the truststore (mode 0600: they hold keys)."""
    target = host_etc_kafka / "ssl"
    target.mkdir(mode=0o750, exist_ok=True)
    for source, dest in ((f"{name}.keystore.p12", "node.keystore.p12"), ("admin.keystore.p12", "admin.keystore.p12"),
                         ("truststore.p12", "truststore.p12")):
        shutil.copyfile(pki / source, target / dest)
        (target / dest).chmod(0o600)
    # The CA certificate is public.
    shutil.copyfile(pki / "ca.pem", target / "ca.pem")
    (target / "ca.pem").chmod(0o644)
