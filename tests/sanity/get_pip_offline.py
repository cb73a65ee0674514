"""Stand-in for the pip bootstrap script ansible-test downloads from a host this machine cannot reach.

ansible-test runs it as ``python get_pip.py [--no-setuptools] [--no-wheel] [pip options] pip==X ...``
inside a fresh virtual environment. It bootstraps pip from the standard library's ensurepip and then
installs the requested packages with that pip from the package index pip is configured for.
"""
import subprocess
import sys

GET_PIP_ONLY = {"--no-setuptools", "--no-wheel"}


def main() -> None:
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--quiet"] + args)


if __name__ == "__main__":
    main()
