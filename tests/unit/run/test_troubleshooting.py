"""The seed's troubleshooting, in the report: what to check, said where the failure is.

A push the registry refuses as unauthorized names the two settings that cause it on
GitHub (the job's ``packages: write`` and the repository's workflow permissions); a run
that decided not to deploy names the rule that decided.
"""

import pytest

from main.core.run import Occasion, deploy_staging, not_deployed
from main.core.troubleshoot import PUSH_ADVICE, push_advice
from tests.support.fake_stages import CAN_PUSH, STARTED, TIMESTAMPED, FakeStages, row, target

pytestmark = pytest.mark.anyio

UPLOAD = "https://ghcr.io/v2/example/sample-service/blobs/uploads/"
REFUSALS = [
    f"failed to push ghcr.io/example/sample-service:x: unexpected status from POST {UPLOAD}: 401",
    "failed to push: denied: permission_denied: write_package",
    "unexpected status from HEAD request: 403 Forbidden",
    "failed to authorize: failed to fetch anonymous token: unauthorized: authentication required",
]
OTHER = ["failed to push: connection reset by peer", "manifest invalid: manifest invalid"]


@pytest.mark.parametrize("text", REFUSALS)
def test_a_refused_push_gets_the_permissions_advice(text: str) -> None:
    assert push_advice(text) == PUSH_ADVICE
    assert "packages: write" in PUSH_ADVICE
    assert "workflow permissions" in PUSH_ADVICE


@pytest.mark.parametrize("text", OTHER)
def test_other_push_failures_get_no_advice(text: str) -> None:
    assert push_advice(text) == ""


async def test_the_report_row_of_a_refused_push_says_what_to_check() -> None:
    stages = FakeStages(push_errors={TIMESTAMPED: REFUSALS[0]})
    report = await deploy_staging(stages, target(), CAN_PUSH, Occasion(started=STARTED))
    [failed] = [stage for stage in report.stages if stage.status == "failed"]
    assert failed.detail.startswith(REFUSALS[0])
    assert failed.detail.endswith(PUSH_ADVICE)
    assert PUSH_ADVICE in report.failure_message


async def test_a_push_failing_otherwise_is_reported_as_it_is() -> None:
    stages = FakeStages(push_errors={TIMESTAMPED: OTHER[0]})
    report = await deploy_staging(stages, target(), CAN_PUSH, Occasion(started=STARTED))
    [failed] = [stage for stage in report.stages if stage.status == "failed"]
    assert PUSH_ADVICE not in failed.detail


def test_a_run_that_does_not_deploy_names_the_rule_that_decided() -> None:
    reason = "pull request #42 got the label 'wip', not 'deploy-to-staging': no deploy"
    report = not_deployed(target().service, "abc", reason, rule="label")
    detail = row(report, "check-trigger").detail
    assert detail.startswith(reason)
    assert "rule: label" in detail
    assert "rule: label" in report.trigger
