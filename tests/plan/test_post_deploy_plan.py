"""The post-deploy tests' container, and --secrets on the functions that start the app.

The tests run in the validation image (the service installed as ``test`` runs it) with
``STAGING_URL`` plain and the app's secret variables as secrets only; the decision
around them is in tests/unit/run/test_post_deploy_flow.py.
"""

import dagger
import pytest
from dagger import dag

from main import workflows
from main.core.errors import PipelineError
from main.dependencies import NONE, dependencies_of
from main.post_deploy import URL_VARIABLE, post_deploy_environment
from main.smoke import RUN_ID_VARIABLE
from tests.support.answers import answer_execs
from tests.support.fake_stages import target
from tests.support.lazy import find, plain_env, walk
from tests.support.offline import answer_secrets_from_calls
from tests.support.registration import ModuleDef

pytestmark = pytest.mark.anyio
URL = "https://stg.example"
KEY = "sk-live-post-deploy-value"
SETTINGS = 'smoke.secret-env = ["API_KEY"]'  # a dotted key: [tool.pipeline.smoke] secret-env
TESTS = 'post-deploy-test = "pytest -q tests/staging"'  # in [tool.pipeline.validate]


def stages(secrets: dagger.Secret | None) -> workflows.DaggerStages:
    delivery = workflows.Delivery(secrets=secrets)
    sample = target(deploy=True, settings=SETTINGS, validate=TESTS)
    return workflows.DaggerStages(sample, dag.directory(), delivery)


def test_the_tests_run_in_the_validation_image_with_the_url_and_the_secrets() -> None:
    config = target(deploy=True, settings=SETTINGS, validate=TESTS).service.config
    container = post_deploy_environment(
        dag.directory(), config, URL, dependencies_of(config, {"API_KEY": KEY})
    )
    assert find(container, "from")[0].args["address"] == config.validation.python_image
    syncs = [c.args["args"][:2] for c in find(container, "withExec")]
    assert ["uv", "sync"] in syncs  # the service installed, as validation installs it
    env = plain_env(container)
    assert env[URL_VARIABLE] == URL
    assert "API_KEY" not in env
    assert [c.args["name"] for c in find(container, "withSecretVariable")] == ["API_KEY"]
    leaks = [c for c in walk(container) if c.name != "setSecret" and KEY in repr(c.args)]
    assert leaks == []


def test_each_run_is_new_to_the_engine_cache() -> None:
    config = target(deploy=True, settings=SETTINGS, validate=TESTS).service.config
    first = post_deploy_environment(dag.directory(), config, URL, NONE)
    second = post_deploy_environment(dag.directory(), config, URL, NONE)
    assert plain_env(first)[RUN_ID_VARIABLE] != plain_env(second)[RUN_ID_VARIABLE]


async def test_the_stage_runs_the_configured_commands_and_reads_the_failure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer_secrets_from_calls(monkeypatch)

    async def answer(_: list[str]) -> tuple[int, str]:
        return 1, "FAILED tests/staging/test_api.py::test_key - 401\n"

    asked = answer_execs(monkeypatch, answer)
    secrets = dag.set_secret("staging-secrets", f"API_KEY={KEY}\n")
    result = await stages(secrets).post_deploy(URL)
    assert asked == [["pytest", "-q", "tests/staging"]]
    assert result.name == "post-deploy-test"
    assert result.status == "failed"
    assert "401" in result.output


async def test_named_secrets_without_secrets_are_one_line_naming_the_variable() -> None:
    with pytest.raises(PipelineError, match="name the secret variable API_KEY, but no --secrets"):
        await stages(None).post_deploy(URL)


async def test_an_unknown_name_in_secrets_is_named_never_its_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    answer_secrets_from_calls(monkeypatch)
    secrets = dag.set_secret("staging-secrets", f"API_KEY={KEY}\nAPI_KYE={KEY}\n")
    with pytest.raises(PipelineError, match="--secrets holds API_KYE") as caught:
        await stages(secrets).smoke(dag.container().from_("python:3.12-slim"))
    assert KEY not in str(caught.value)


@pytest.mark.parametrize("function", ["smoke_test", "serve", "load_test", "deploy_staging"])
def test_functions_that_start_the_app_take_secrets_as_a_secret(
    module_def: ModuleDef, function: str
) -> None:
    args = {arg.name: arg for arg in module_def.objects["Pipeline"].functions[function].args}
    assert "secrets" in args
    assert args["secrets"].type_name == "Secret"
    assert "dotenv" in (args["secrets"].description or "")
