"""A keyless run's attest row says how it was signed: through Sigstore, not with a key."""

import pytest

from main.core.run import Occasion, Reach, deploy_staging
from tests.support.fake_stages import STARTED, FakeStages, row, target

pytestmark = pytest.mark.anyio


async def test_a_keyless_run_says_it_signed_through_sigstore() -> None:
    occasion = Occasion(started=STARTED, reproduce="dagger call deploy-staging")
    keyless = Reach(can_push=True, can_sign=True, keyless=True)
    report = await deploy_staging(FakeStages(), target(), keyless, occasion)
    assert row(report, "attest").status == "passed"
    assert "signed keyless (Sigstore)" in row(report, "attest").detail


async def test_a_keyed_run_says_signed_only() -> None:
    occasion = Occasion(started=STARTED, reproduce="dagger call deploy-staging")
    report = await deploy_staging(
        FakeStages(), target(), Reach(can_push=True, can_sign=True), occasion
    )
    assert "signed, via" in row(report, "attest").detail
    assert "keyless" not in row(report, "attest").detail
