"""The notification helper takes the webhook only as a secret and never fails the run."""

import pytest
from dagger import dag

from main.report import NO_WEBHOOK, notify
from tests.support.reports import failing_report

pytestmark = pytest.mark.anyio


async def test_without_a_webhook_the_stage_is_skipped_and_says_why() -> None:
    stage = await notify(failing_report(), None, "slack")
    assert (stage.name, stage.status, stage.detail, stage.blocking) == (
        "notify", "skipped", NO_WEBHOOK, False,
    )  # fmt: skip


async def test_an_unreadable_secret_is_a_non_blocking_failure() -> None:
    # No engine session here: reading the secret's plaintext fails, as it would if the
    # engine lost the secret. The run's verdict must not change.
    secret = dag.set_secret("webhook", "https://hooks.slack.com/services/T0/B0/XYZ")
    stage = await notify(failing_report(), secret, "slack")
    assert stage.status == "failed"
    assert not stage.blocking
    assert stage.detail.startswith("slack: could not read the webhook secret (")
    assert "XYZ" not in stage.detail
    report = failing_report().with_stage(stage)
    assert report.failed_stage == "smoke-test"
