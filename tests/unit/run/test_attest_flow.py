"""The attestation step of deploy-staging and ci against fake stages.

What is decided here, in core: whether a run attests (a signing key, a pushed digest),
what the provenance says (the run's facts), and how the step reads in the report. The
fake's ``attach`` keeps the checked :class:`Attachment` it was given, so the statement
the flow built is read back with the same reader a verifier uses.
"""

from datetime import UTC, datetime

import pytest

from main.core.attest.statement import SLSA_PROVENANCE, read_statement, source_of
from main.core.report.model import Report
from main.core.run import Occasion, Reach, ci, deploy_staging
from main.core.run.attesting import NO_SIGNING_KEY, NOTHING_PUSHED
from tests.support.constants import SHA
from tests.support.fake_stages import (
    DIGEST,
    IMAGE,
    STARTED,
    FakeStages,
    row,
    target,
)

pytestmark = pytest.mark.anyio
SIGNS = Reach(can_push=True, can_sign=True)
RELEASE = "refs/heads/release/1.0"


async def staging(stages: FakeStages, reach: Reach = SIGNS) -> Report:
    occasion = Occasion(started=STARTED, reproduce="dagger call deploy-staging")
    return await deploy_staging(stages, target(), reach, occasion)


async def production(stages: FakeStages, ref: str = RELEASE, reach: Reach = SIGNS) -> Report:
    return await ci(stages, target(ref), reach, Occasion(started=STARTED))


async def test_a_staging_push_attaches_an_sbom_and_the_runs_provenance() -> None:
    stages = FakeStages()
    report = await staging(stages)
    assert f"sbom {IMAGE}" in stages.calls
    assert stages.calls.index(f"sbom {IMAGE}") > stages.calls.index(
        next(c for c in stages.calls if c.startswith("push"))
    )
    (attachment,) = stages.attachments
    assert attachment.digest == DIGEST
    assert attachment.image == "ghcr.io/example/sample-service"
    stated = read_statement(attachment.provenance)
    assert stated.predicate_type == SLSA_PROVENANCE
    assert stated.digests == {DIGEST}
    facts = source_of(stated)
    assert (facts.repository, facts.commit) == ("https://github.com/example/sample-service", SHA)
    assert facts.builder == "https://github.com/OWNER/pipeline@v9.9.9"
    definition = stated.predicate["buildDefinition"]["externalParameters"]
    assert definition["containerfile"] == "Containerfile"
    details = stated.predicate["runDetails"]
    assert details["builder"]["version"]["dagger-engine"] == "v0.21.11"
    assert details["metadata"]["startedOn"] == "2026-01-02T03:04:05Z"
    finished = datetime.fromisoformat(details["metadata"]["finishedOn"])
    assert finished >= STARTED
    assert row(report, "attest").status == "passed"
    assert report.ok


async def test_the_report_names_the_sbom_and_the_provenance() -> None:
    report = await staging(FakeStages(sbom_packages=3))
    summary = report.attestation
    assert summary is not None
    assert summary.packages == 3
    assert summary.sbom == "ghcr.io/example/sample-service@" + "sha256:" + "b" * 64
    assert summary.provenance == "ghcr.io/example/sample-service@" + "sha256:" + "a" * 64
    assert (summary.commit, summary.builder) == (SHA, "https://github.com/OWNER/pipeline@v9.9.9")
    assert summary.signed
    assert "3 package(s)" in row(report, "attest").detail
    again = Report.from_json(report.to_json())
    assert again.attestation == summary


async def test_without_a_signing_key_attestations_are_skipped_and_said() -> None:
    stages = FakeStages()
    report = await staging(stages, Reach(can_push=True))
    attest = row(report, "attest")
    assert (attest.status, attest.detail, attest.blocking) == ("skipped", NO_SIGNING_KEY, False)
    assert not any(call.startswith(("sbom", "attach")) for call in stages.calls)
    assert report.attestation is None
    assert report.ok


async def test_nothing_pushed_nothing_attested() -> None:
    stages = FakeStages(smoke_passes=False)
    report = await staging(stages)
    assert row(report, "attest").status == "skipped"
    assert row(report, "attest").detail == NOTHING_PUSHED
    assert stages.attachments == []


async def test_a_release_in_ci_is_attested_and_other_branches_are_not() -> None:
    released = FakeStages()
    report = await production(released)
    assert row(report, "attest").status == "passed"
    assert [a.digest for a in released.attachments] == [DIGEST]
    feature = FakeStages()
    report = await production(feature, "feature/login")
    assert row(report, "attest").detail == NOTHING_PUSHED
    assert feature.attachments == []


async def test_a_refused_attach_fails_the_run_with_one_line() -> None:
    stages = FakeStages(attach_error="referrers: the registry answered garbage")
    report = await staging(stages)
    attest = row(report, "attest")
    assert (attest.status, attest.blocking) == ("failed", True)
    assert attest.detail == "referrers: the registry answered garbage"
    assert report.failed_stage == "attest"
    assert report.attestation is None


async def test_an_sbom_that_is_no_sbom_fails_before_anything_is_attached() -> None:
    stages = FakeStages(sbom_bytes=b'{"bomFormat": "SPDX"}')
    report = await staging(stages)
    assert row(report, "attest").status == "failed"
    assert "no CycloneDX or SPDX" in row(report, "attest").detail
    assert stages.attachments == []


async def test_no_source_repository_known_skips_with_what_to_set() -> None:
    stages = FakeStages()
    occasion = Occasion(started=STARTED)
    report = await deploy_staging(stages, target(image="registry.example/svc"), SIGNS, occasion)
    attest = row(report, "attest")
    assert attest.status == "failed"
    assert "source-url" in attest.detail
    assert stages.attachments == []


async def test_ci_without_a_start_time_still_records_one() -> None:
    stages = FakeStages()
    before = datetime.now(UTC)
    await ci(stages, target(RELEASE), SIGNS, Occasion())
    (attachment,) = stages.attachments
    metadata = read_statement(attachment.provenance).predicate["runDetails"]["metadata"]
    assert datetime.fromisoformat(metadata["startedOn"]) >= before.replace(microsecond=0)
