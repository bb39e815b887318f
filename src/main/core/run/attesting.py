"""Whether a run attests what it pushed, what the provenance says, and how it reads.

After a push, the digest gets two attestations (docs/attestations.md): the SBOM Trivy
makes of the built image, and an SLSA provenance built here from the run's own facts:
the source repository and full commit, the Containerfile, build arguments and target,
this module and the engine it ran on, the run's start and end. Both are checked
(``attest.prepare``) before the stages sign and attach them, so a bad SBOM or a
provenance that cannot name its source writes nothing.

No signing key is a choice, not a failure: the step is skipped and the report says so.
With a key, a failure fails the run (after the report): an image without its
provenance cannot be promoted, so the run must not look clean.
"""

from datetime import datetime
from typing import TYPE_CHECKING

from main.core.attest.attach import Attached, prepare
from main.core.attest.statement import Build, provenance
from main.core.errors import PipelineError
from main.core.labels import source_url
from main.core.publish import now
from main.core.report.model import AttestationSummary, Stopwatch
from main.core.run.names import ATTEST
from main.core.run.sections import first_line, skipped
from main.core.run.stages import Image, Reach, ScanHandle, Stages
from main.core.run.target import Target

if TYPE_CHECKING:
    from main.core.run.flow import Run

NO_SIGNING_KEY = (
    "no --signing-key given: no SBOM or provenance attached (pass --signing-key "
    "env://SIGNING_KEY to sign and attach them)"
)
NOTHING_PUSHED = "nothing was pushed in this run: no digest to attest"
NO_SOURCE = (
    "the provenance needs the source repository: set source-url in [tool.pipeline] "
    "(only a ghcr.io image names its GitHub repository by itself)"
)


def attest_hold(run: "Run", image: object, reach: Reach) -> str:
    """Why this run attests nothing, or empty; ``NO_SIGNING_KEY`` is said last."""
    if image is None or not run.report.digest:
        return NOTHING_PUSHED
    if not reach.can_sign:
        return NO_SIGNING_KEY
    return ""


def build_facts(target: Target, digest: str, started: datetime, finished: datetime) -> Build:
    """The provenance's facts about this run's build of ``target``.

    Raises:
        PipelineError: no source repository is known for the image.
    """
    config = target.service.config
    repository = source_url(config.image, config.source_url)
    if not repository:
        raise PipelineError(NO_SOURCE)
    return Build(
        image=str(target.repository),
        digest=digest,
        repository=repository,
        commit=target.revision.sha,
        ref=target.ref,
        containerfile=config.containerfile,
        started=started,
        finished=finished,
        build_args=dict(config.build_args),
        target=config.build_target or "",
    )


def attestation_summary(
    target: Target, via: str, written: list[Attached], packages: int, builder: str
) -> AttestationSummary:
    """The report's section: each artifact as ``repository@digest``."""
    where = {item.kind: f"{target.repository}@{item.artifact}" for item in written}
    return AttestationSummary(
        packages=packages,
        sbom=where.get("sbom", ""),
        provenance=where.get("provenance", ""),
        commit=target.revision.sha,
        builder=builder,
        signed=all(item.signed for item in written),
        via=via,
    )


async def attest_stage(  # noqa: PLR0913 - the run, its stages, and what it pushed from where
    run: "Run",
    stages: Stages[Image, ScanHandle],
    image: Image | None,
    *,
    target: Target,
    reach: Reach,
    started: datetime | None,
) -> None:
    """Attach a signed SBOM and provenance to the pushed digest, or say why not."""
    why = attest_hold(run, image, reach)
    if why or image is None:
        run.record(skipped(ATTEST, why, blocking=False))
        return
    clock = Stopwatch()
    digest = run.report.digest
    try:
        sbom = await stages.sbom(image)
        builder = await stages.builder()
        finished = now()
        build = build_facts(target, digest, started or finished, finished)
        attachment = prepare(build.image, digest, provenance=provenance(build, builder), sbom=sbom)
        via, written = await stages.attach(attachment)
    except PipelineError as exc:
        run.record(clock.stage(ATTEST, "failed", first_line(exc)))
        return
    summary = attestation_summary(target, via, list(written), attachment.packages, builder.id)
    signed = "signed" if summary.signed else "unsigned"
    if summary.signed and reach.keyless:
        signed = "signed keyless (Sigstore)"
    detail = f"SBOM ({attachment.packages} package(s)) and provenance, {signed}, via the {via}"
    run.record(clock.stage(ATTEST, "passed", detail))
    run.update(attestation=summary)
