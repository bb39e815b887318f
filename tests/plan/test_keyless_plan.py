"""--keyless on deploy-staging and ci, --certificate-identity on promote: the shell's part.

What runs here: the arguments (types, defaults, secrets), the refusals before any stage
(a key and --keyless, --keyless without the job's OIDC request), and what the run may
do with them. Fetching the token and signing through Sigstore need GitHub and the
engine (tests/engine/test_keyless_engine.py, .github/workflows/keyless.yml).
"""

import inspect
from collections.abc import Callable

import pytest
from dagger import dag

from main import keyless, workflows
from main._sdk import FunctionError
from main.core.attest import keyless as keyless_rules
from main.core.attest.errors import AttestationError
from main.core.attest.oidc import ID_TOKEN_PERMISSION, KEY_AND_KEYLESS, OIDC_WITHOUT_KEYLESS
from main.core.run import flow
from main.pipeline import Pipeline
from main.registry import Registry
from main.run_functions import RunFunctions

pytestmark = pytest.mark.usefixtures("offline_reads")


@pytest.mark.parametrize("function", [RunFunctions.deploy_staging, RunFunctions.ci])
def test_the_runs_take_keyless_and_the_oidc_request_as_secrets(
    function: Callable[..., object],
) -> None:
    parameters = inspect.signature(function).parameters
    assert parameters["keyless"].default is False
    for name in ("oidc_request_url", "oidc_request_token"):
        assert parameters[name].default is None
        assert "dagger.Secret" in str(parameters[name].annotation)


def test_promote_takes_a_certificate_identity_and_githubs_issuer_by_default() -> None:
    parameters = inspect.signature(Registry.promote).parameters
    assert parameters["certificate_identity"].default == ""
    assert parameters["certificate_oidc_issuer"].default == keyless_rules.GITHUB_ISSUER
    assert keyless.GITHUB_ISSUER == keyless_rules.GITHUB_ISSUER


def test_keyless_signing_lets_the_run_sign() -> None:
    signing = keyless.KeylessSigning(dag.set_secret("u", "x"), dag.set_secret("t", "y"))
    reach = workflows.Delivery(keyless=signing).reach
    assert (reach.can_sign, reach.keyless) == (True, True)
    keyed = workflows.Delivery(signing_key=dag.set_secret("k", "pem")).reach
    assert (keyed.can_sign, keyed.keyless) == (True, False)
    assert not workflows.Delivery().reach.can_sign


def test_an_identity_becomes_the_gates_keyless_policy() -> None:
    assert keyless.certificate_identity("", keyless.GITHUB_ISSUER) is None
    workflow = "https://github.com/a/b/.github/workflows/w.yml@refs/heads/main"
    chosen = keyless.certificate_identity(f" {workflow} ", keyless.GITHUB_ISSUER)
    assert chosen is not None
    assert (chosen.identity, chosen.issuer) == (workflow, keyless.GITHUB_ISSUER)


def test_an_issuer_that_is_no_url_is_one_line() -> None:
    with pytest.raises(AttestationError, match="https://"):
        keyless.certificate_identity("https://github.com/a/b/w.yml@refs/heads/main", "github")


@pytest.fixture
def no_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record a run that starts (none should) instead of running it."""
    started: list[str] = []

    async def record(*_args: object, **_kwargs: object) -> None:
        started.append("run")

    monkeypatch.setattr(flow, "deploy_staging", record)
    monkeypatch.setattr(flow, "ci", record)
    return started


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["deploy_staging", "ci"])
async def test_keyless_and_a_signing_key_is_one_line_before_anything_runs(
    git_pipeline: Pipeline, no_run: list[str], name: str
) -> None:
    run = getattr(git_pipeline, name)
    secrets = {
        "signing_key": dag.set_secret("key", "pem"),
        "oidc_request_url": dag.set_secret("url", "https://x/token"),
        "oidc_request_token": dag.set_secret("token", "t"),
    }
    with pytest.raises(FunctionError) as caught:
        await run(ref="develop", keyless=True, **secrets)
    assert str(caught.value) == KEY_AND_KEYLESS
    assert no_run == []


@pytest.mark.anyio
@pytest.mark.parametrize("name", ["deploy_staging", "ci"])
async def test_keyless_without_the_oidc_request_says_to_grant_id_token_write(
    git_pipeline: Pipeline, no_run: list[str], name: str
) -> None:
    with pytest.raises(FunctionError, match=ID_TOKEN_PERMISSION) as caught:
        await getattr(git_pipeline, name)(ref="develop", keyless=True)
    assert "\n" not in str(caught.value)
    assert no_run == []


@pytest.mark.anyio
async def test_the_oidc_request_without_keyless_is_one_line(
    git_pipeline: Pipeline, no_run: list[str]
) -> None:
    url = dag.set_secret("url", "https://x/token")
    with pytest.raises(FunctionError) as caught:
        await git_pipeline.ci(ref="develop", oidc_request_url=url)
    assert str(caught.value) == OIDC_WITHOUT_KEYLESS
    assert no_run == []
