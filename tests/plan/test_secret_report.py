"""A --secrets mistake in a whole deploy-staging run: one line naming the variable, no value.

The run is the core flow with fake stages, except that the smoke stage reads the
caller's ``--secrets`` through the shell's own ``read_dependencies`` (its plaintext
answered from the ``setSecret`` that made it), as ``DaggerStages.smoke`` does.
"""

import pytest
from dagger import dag

from main.core.report.markdown import render
from main.core.run import Occasion, deploy_staging
from main.core.smoke.result import SmokeReport
from main.dependencies import read_dependencies
from tests.support.fake_stages import CAN_PUSH, STARTED, FakeStages, row, target
from tests.support.offline import answer_secrets_from_calls

pytestmark = pytest.mark.anyio
KEY = "sk-live-report-value"
SETTINGS = 'smoke.secret-env = ["API_KEY"]'  # a dotted key: [tool.pipeline.smoke] secret-env


class SecretStages(FakeStages):
    """Fake stages whose smoke test first reads ``--secrets`` as the Dagger stage does."""

    dotenv: str = ""

    async def smoke(self, image: str) -> SmokeReport:
        """Read ``--secrets`` (a mistake raises the stage's one line), then smoke as usual."""
        config = target(settings=SETTINGS).service.config
        await read_dependencies(config, dag.set_secret("staging-secrets", self.dotenv))
        return await super().smoke(image)


@pytest.mark.parametrize(
    ("dotenv", "said"),
    [
        (f"API_KYE={KEY}\n", "--secrets has no API_KEY"),
        (f"API_KEY={KEY}\nDB_PASSWORD={KEY}\n", "--secrets holds DB_PASSWORD"),
        (f"API_KEY {KEY}\n", "--secrets: line 1 is not NAME=value"),
    ],
)
async def test_a_secrets_mistake_fails_the_smoke_stage_and_no_value_is_reported(
    monkeypatch: pytest.MonkeyPatch, dotenv: str, said: str
) -> None:
    answer_secrets_from_calls(monkeypatch)
    stages = SecretStages()
    stages.dotenv = dotenv
    report = await deploy_staging(
        stages, target(settings=SETTINGS), CAN_PUSH, Occasion(started=STARTED)
    )
    smoke = row(report, "smoke-test")
    assert smoke.status == "failed"
    assert smoke.detail.startswith(said)
    assert stages.pushed == [] or all("staging-latest" not in tags for tags in stages.pushed)
    assert not report.ok
    for text in (render(report), report.to_json(), smoke.detail):
        assert KEY not in text


async def test_the_right_secrets_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    answer_secrets_from_calls(monkeypatch)
    stages = SecretStages()
    stages.dotenv = f"API_KEY={KEY}\n"
    report = await deploy_staging(
        stages, target(settings=SETTINGS), CAN_PUSH, Occasion(started=STARTED)
    )
    assert row(report, "smoke-test").status == "passed"
    assert KEY not in render(report) + report.to_json()
