"""Helper services and secret variables in the smoke test's plan (and the load test's --image).

The app and its helpers get secret variables with ``withSecretVariable`` from secrets
made in memory (``setSecret``), never ``withEnvVariable``: a value appears in the plan
only as a ``setSecret`` argument, which the engine keeps out of logs and caches.
"""

from typing import Any

import dagger
from dagger import dag

from main import load as loading
from main.core.config import PipelineConfig, validate_config
from main.dependencies import Dependencies, dependencies_of, helper_service
from main.smoke import SERVICE_ALIAS, app_service
from tests.support.lazy import Call, calls, find, names, plain_env, walk

IMAGE = "ghcr.io/example/sample-service:staging-latest"
API_KEY = "sk-live-never-in-the-plan-but-setSecret"
DB_PASSWORD = "pg-password-never-shown"  # noqa: S105 - a made-up value to look for
TABLE: dict[str, Any] = {
    "smoke": {
        "env": {"LOG_LEVEL": "debug"},
        "secret-env": ["API_KEY"],
        "services": [
            {
                "alias": "db",
                "image": "postgres:16-alpine",
                "env": {"POSTGRES_DB": "app"},
                "secret-env": ["POSTGRES_PASSWORD"],
                "ports": [5432],
                "command": "postgres -c fsync=off",
            },
            {"alias": "stub", "image": "ghcr.io/acme/stub@sha256:" + "c" * 64},
        ],
    }
}
VALUES = {"API_KEY": API_KEY, "POSTGRES_PASSWORD": DB_PASSWORD}


def config() -> PipelineConfig:
    return validate_config(TABLE)


def deps() -> Dependencies:
    return dependencies_of(config(), VALUES)


def secret_variables(obj: dagger.Container | dagger.Service) -> dict[str, str]:
    """Variable name -> the setSecret name behind it, for every withSecretVariable."""
    return {
        call.args["name"]: calls(call.args["secret"])[-1].args["name"]
        for call in calls(obj)
        if call.name == "withSecretVariable"
    }


def values_outside_set_secret(obj: Any) -> list[Call]:  # noqa: ANN401 - any SDK object
    secret_values = set(VALUES.values())
    return [
        call
        for call in walk(obj)
        if call.name != "setSecret"
        and any(secret in repr(value) for value in call.args.values() for secret in secret_values)
    ]


def test_the_app_gets_its_secrets_as_secret_variables_and_its_helpers_bound() -> None:
    service = app_service(dag.container().from_(IMAGE), 8000, {"LOG_LEVEL": "debug"}, deps())
    assert list(secret_variables(service)) == ["API_KEY"]
    assert "API_KEY" not in {c.args["name"] for c in find(service, "withEnvVariable")}
    bindings = {
        call.args["alias"]: call.args["service"] for call in find(service, "withServiceBinding")
    }
    assert list(bindings) == ["db", "stub"]
    assert names(service)[-2:] == ["withExposedPort", "asService"]
    assert values_outside_set_secret(service) == []


def test_a_helper_is_its_pinned_image_with_env_secrets_ports_and_command() -> None:
    (db, _) = config().smoke.helper_services()
    service = helper_service(db, deps().values_for(db.secret_env))
    chain = calls(service)
    assert chain[1].args["address"] == "postgres:16-alpine"
    assert [(c.args["name"], c.args["value"]) for c in find(service, "withEnvVariable")] == [
        ("POSTGRES_DB", "app")
    ]
    assert list(secret_variables(service)) == ["POSTGRES_PASSWORD"]
    assert [c.args["port"] for c in find(service, "withExposedPort")] == [5432]
    start = chain[-1]
    assert start.name == "asService"
    assert start.args["args"] == ["postgres", "-c", "fsync=off"]
    assert start.args["useEntrypoint"] is True
    assert values_outside_set_secret(service) == []


def test_a_helper_without_command_runs_its_images_own() -> None:
    (_, stub) = config().smoke.helper_services()
    service = helper_service(stub, {})
    assert calls(service)[-1].args.get("args") is None
    assert calls(service)[-1].args["useEntrypoint"] is True
    assert find(service, "withExposedPort") == []


def test_each_helper_gets_only_its_own_secrets() -> None:
    service = app_service(dag.container().from_(IMAGE), 8000, {}, deps())
    bindings = {
        call.args["alias"]: call.args["service"] for call in find(service, "withServiceBinding")
    }
    assert list(secret_variables(bindings["db"])) == ["POSTGRES_PASSWORD"]
    assert secret_variables(bindings["stub"]) == {}


def test_no_dependencies_change_nothing() -> None:
    plain = app_service(dag.container().from_(IMAGE), 8000, {"A": "1"})
    assert find(plain, "withServiceBinding") == find(plain, "withSecretVariable") == []
    assert plain_env(dag.container().from_(IMAGE).with_env_variable("A", "1")) == {"A": "1"}


def test_the_leak_finder_finds_a_value_set_as_plain_env() -> None:
    leaky = dag.container().from_(IMAGE).with_env_variable("API_KEY", API_KEY)
    assert [call.name for call in values_outside_set_secret(leaky)] == ["withEnvVariable"]


def test_the_load_tests_image_mode_starts_the_same_helpers_and_secrets() -> None:
    settings = config()
    run = loading.plan(
        settings, settings.load, image=dag.container().from_(IMAGE), url="", dependencies=deps()
    )
    (app,) = [
        c.args["service"]
        for c in find(run, "withServiceBinding")
        if c.args["alias"] == SERVICE_ALIAS
    ]
    assert list(secret_variables(app)) == ["API_KEY"]
    assert [c.args["alias"] for c in find(app, "withServiceBinding")] == ["db", "stub"]
    assert values_outside_set_secret(run) == []
