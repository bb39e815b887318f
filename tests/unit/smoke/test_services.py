"""Helper services' settings: each key checked by the parser the shell builds them from."""

from typing import Any

import pytest

from main.core.errors import PipelineError
from main.core.smoke.services import HelperService, parse_service, parse_services

DB: dict[str, Any] = {
    "alias": "db",
    "image": "postgres:16-alpine",
    "env": {"POSTGRES_DB": "app"},
    "secret-env": ["POSTGRES_PASSWORD"],
    "ports": [5432],
}


def test_a_full_service_reads_every_key() -> None:
    service = parse_service({**DB, "command": "postgres -c fsync=off"})
    assert service == HelperService(
        alias="db",
        image="postgres:16-alpine",
        env={"POSTGRES_DB": "app"},
        secret_env=("POSTGRES_PASSWORD",),
        ports=(5432,),
        command=("postgres", "-c", "fsync=off"),
    )


def test_a_minimal_service_keeps_the_images_own_command() -> None:
    service = parse_service({"alias": "cache", "image": "redis@sha256:" + "a" * 64})
    assert (service.env, service.secret_env, service.ports, service.command) == ({}, (), (), ())


@pytest.mark.parametrize(
    ("change", "said"),
    [
        ({"alias": "DB"}, "alias must be a DNS label"),
        ({"alias": "db_1"}, "alias must be a DNS label"),
        ({"alias": "-db"}, "alias must be a DNS label"),
        ({"alias": "x" * 64}, "alias must be a DNS label"),
        ({"alias": "app"}, "cannot be called 'app'"),
        ({"image": ""}, "needs 'image' as a non-empty string"),
        ({"image": "postgres"}, "is not pinned: add a tag or a digest"),
        ({"image": "localhost:5000/postgres"}, "is not pinned"),
        ({"image": "postgres :16"}, "holds a space"),
        ({"env": {"A-B": "1"}}, "'A-B' is not a variable name"),
        ({"env": {"PORT": 5432}}, "env PORT must be a string"),
        (
            {"secret-env": ["POSTGRES_PASSWORD", "POSTGRES_PASSWORD"]},
            "names POSTGRES_PASSWORD twice",
        ),
        ({"secret-env": "KEY"}, "'secret-env' as a list"),
        ({"env": {"POSTGRES_PASSWORD": "x"}}, "both in env and in secret-env"),
        ({"ports": [0]}, "ports must be port numbers"),
        ({"ports": [True]}, "ports must be port numbers"),
        ({"ports": [5432, 5432]}, "helper service 'db''s ports name 5432 twice"),
        ({"command": "postgres 'unclosed"}, "command cannot be split"),
        ({"command": [1]}, "command must be a string or a list of strings"),
        ({"imagee": "x"}, "unknown key 'imagee'"),
    ],
)
def test_a_bad_key_is_one_line_naming_it(change: dict[str, Any], said: str) -> None:
    with pytest.raises(PipelineError) as caught:
        parse_service({**DB, **change})
    assert said in str(caught.value)
    assert "\n" not in str(caught.value)


def test_aliases_are_unique() -> None:
    with pytest.raises(PipelineError, match="two helper services have the alias 'db'"):
        parse_services([DB, {"alias": "db", "image": "redis:7"}])


def test_a_service_must_be_a_table() -> None:
    with pytest.raises(PipelineError, match="must be a table"):
        parse_services(["postgres:16"])
