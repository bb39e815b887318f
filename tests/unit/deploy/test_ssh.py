"""Which host keys the deploy trusts: the pinned lines, read the way OpenSSH reads them."""

import asyncssh
import pytest

from main.core.deploy.ssh import SshEndpoint, known_hosts_text
from tests.support.sshd import new_key


@pytest.fixture(scope="module")
def host_key(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A real public host key, as ``ssh-keyscan`` prints it: type and base64."""
    return new_key(tmp_path_factory.mktemp("keys") / "host", "host").public_key


def trusted(endpoint: SshEndpoint) -> list[str]:
    """The host patterns asyncssh trusts this endpoint's keys for."""
    known = asyncssh.import_known_hosts(known_hosts_text(endpoint))
    found = known.match(endpoint.host, "", endpoint.port)
    return [key.export_public_key().decode().split()[1] for key in found[0]]


def test_a_bare_key_is_pinned_to_this_host_and_port(host_key: str) -> None:
    endpoint = SshEndpoint("stg.example", "deploy", 2222, host_keys=host_key)
    assert known_hosts_text(endpoint) == f"[stg.example]:2222 {host_key}\n"
    assert trusted(endpoint) == [host_key.split()[1]]


def test_a_known_hosts_line_for_a_host_named_ssh_something_is_kept_as_it_is(
    host_key: str,
) -> None:
    # "ssh-gw ssh-ed25519 AAAA..." is a known_hosts line, not a bare key of type "ssh-gw".
    line = f"ssh-gw.example {host_key}"
    endpoint = SshEndpoint("ssh-gw.example", "deploy", 22, host_keys=line)
    assert known_hosts_text(endpoint) == line + "\n"
    assert trusted(endpoint) == [host_key.split()[1]]


def test_a_line_for_another_host_trusts_nothing_here(host_key: str) -> None:
    endpoint = SshEndpoint("stg.example", "deploy", 22, host_keys=f"other.example {host_key}")
    assert trusted(endpoint) == []
