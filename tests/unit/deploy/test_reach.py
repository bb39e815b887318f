"""Which staging hosts the engine can reach: loopback and unknown names are refused."""

import pytest

from main.core.deploy.reach import Resolver, engine_host_problem, in_module_runtime


def resolver(table: dict[str, list[str]]) -> Resolver:
    def resolve(name: str) -> list[str]:
        if name not in table:
            msg = "Name or service not known"
            raise OSError(msg)
        return table[name]

    return resolve


RESOLVE = resolver(
    {
        "staging.example.com": ["203.0.113.7"],
        "box.lan": ["192.168.1.20"],
        "myself": ["127.0.1.1"],
        "2001:db8::7": ["2001:db8::7"],
    }
)


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("127.0.0.1", "is loopback"),
        ("127.5.6.7", "is loopback"),
        ("::1", "is loopback"),
        ("[::1]", "is loopback"),
        ("localhost", "is loopback"),
        ("LOCALHOST", "is loopback"),
        ("app.localhost", "is loopback"),
        ("myself", "resolves to loopback (127.0.1.1)"),
        ("only-in-my-ssh-config", "does not resolve from the engine"),
    ],
)
def test_hosts_the_engine_cannot_reach_are_one_line_saying_how(host: str, said: str) -> None:
    problem = engine_host_problem(host, RESOLVE)
    assert problem is not None
    assert said in problem
    assert "public or LAN name" in problem
    assert "\n" not in problem


@pytest.mark.parametrize("host", ["staging.example.com", "box.lan", "2001:db8::7"])
def test_reachable_hosts_pass(host: str) -> None:
    assert engine_host_problem(host, RESOLVE) is None


def test_only_the_engine_runtime_asks() -> None:
    assert in_module_runtime({"DAGGER_SESSION_PORT": "38117", "DAGGER_SESSION_TOKEN": "t"})
    assert not in_module_runtime({})
    assert not in_module_runtime({"DAGGER_SESSION_PORT": ""})
