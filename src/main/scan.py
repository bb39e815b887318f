"""The Trivy scan of a built image: one scan to JSON, conversions from that JSON.

Three complaints about the usual trivy-action set-up shape this recipe:

- The vulnerability DB is downloaded on every run (and rate-limited). Here it lives in a
  cache volume whose key carries the UTC date, so a new day starts a new, empty volume
  and the DB is fetched once; later scans that day find it and pass
  ``--skip-db-update``. The volume is LOCKED so two scans never write the DB at once.
- The exit code ignores the severity filter when SARIF is produced. Here Trivy runs with
  ``--exit-code 0`` and every severity; the policy is applied by ``main.core.scan.trivy``.
- Failures pass silently. Here the scan exec expects any exit code so that its code and
  log reach ``read_scan_output``, which turns anything but a clean exit with a readable
  report into an error, in block and in warn mode alike.

The image is scanned from ``Container.as_tarball()`` (``trivy image --input``), so no
registry is involved and the scanned bytes are exactly the built ones.
"""

from datetime import date, datetime
from typing import Final

import dagger
from dagger import dag

from main.core.errors import PipelineError
from main.core.scan.ignore import IgnoreRules, parse_ignore_file
from main.scan_result import Scan, SeverityCounts

# main.core.scan.trivy is imported where it is used: it needs pydantic, which `dagger call`
# of any other function should not pay for (see BENCHMARKS.md).

TRIVY_VERSION: Final = "0.74.0"
TRIVY_IMAGE: Final = (
    f"aquasec/trivy:{TRIVY_VERSION}"
    "@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969"
)
"""Pinned by tag and digest: the scanner is part of the supply chain it checks."""

CACHE_DIR: Final = "/trivy-cache"
WORK: Final = "/scan"
IMAGE_TAR: Final = f"{WORK}/image.tar"
REPORT: Final = f"{WORK}/report.json"
CONVERTED: Final = f"{WORK}/converted"

# Skip the DB download when today's volume already holds the DB (and the Java DB, which
# Trivy fetches only for images with jars). Arguments after the script are trivy's.
SCAN_SCRIPT: Final = (
    'set -- image "$@"\n'
    'if [ -s "$TRIVY_CACHE_DIR/db/trivy.db" ]; then set -- "$@" --skip-db-update; fi\n'
    'if [ -s "$TRIVY_CACHE_DIR/java-db/trivy-java.db" ]; then '
    'set -- "$@" --skip-java-db-update; fi\n'
    'exec trivy "$@"\n'
)

MODES: Final = ("block", "warn")

ALL_SEVERITIES: Final = "CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN"
"""The scan keeps every severity; the policy filters afterwards, in core."""


def db_cache_key(day: date) -> str:
    """The cache volume key for the DB on ``day`` (UTC): a new volume every day."""
    return f"trivy-db-{day.isoformat()}"


def trivy() -> dagger.Container:
    """The pinned Trivy image, with progress bars off (they only clutter CI logs)."""
    return dag.container().from_(TRIVY_IMAGE).with_env_variable("TRIVY_NO_PROGRESS", "true")


def scan_container(image: dagger.Container, scanned_at: datetime) -> dagger.Container:
    """Trivy after scanning ``image``'s tarball into ``REPORT``; its exit code is kept.

    ``scanned_at`` (UTC) picks the day's DB volume and marks the exec as this run's: the
    engine would otherwise replay a cached exec, including a failed one (a DB download
    that hit a rate limit), for every later call with the same image.
    """
    return (
        trivy()
        .with_mounted_cache(
            CACHE_DIR,
            dag.cache_volume(db_cache_key(scanned_at.date())),
            sharing=dagger.CacheSharingMode.LOCKED,
        )
        .with_env_variable("TRIVY_CACHE_DIR", CACHE_DIR)
        .with_env_variable("PIPELINE_SCAN_AT", scanned_at.isoformat())
        .with_mounted_file(IMAGE_TAR, image.as_tarball())
        .with_exec(
            [
                "sh",
                "-c",
                SCAN_SCRIPT,
                "trivy-scan",
                "--input",
                IMAGE_TAR,
                "--scanners",
                "vuln",
                "--severity",
                ALL_SEVERITIES,
                "--format",
                "json",
                "--output",
                REPORT,
                "--exit-code",
                "0",
            ],
            expect=dagger.ReturnType.ANY,
        )
    )


def convert(report: dagger.File, output_format: str) -> dagger.File:
    """``trivy convert`` of a JSON report to ``table`` or ``sarif``: no second scan."""
    return (
        trivy()
        .with_mounted_file(REPORT, report)
        .with_exec(["trivy", "convert", "--format", output_format, "--output", CONVERTED, REPORT])
        .file(CONVERTED)
    )


async def read_ignore_file(tree: dagger.Directory, path: str, today: date) -> IgnoreRules:
    """The service's ignore file as of ``today``; no file ignores nothing."""
    if not await tree.exists(path):
        return IgnoreRules()
    return parse_ignore_file(await tree.file(path).contents(), today=today, name=path)


async def run_scan(  # noqa: PLR0913 - the policy's parts, each a keyword
    image: dagger.Container,
    *,
    mode: str,
    severities: list[str],
    ignore_unfixed: bool,
    ignore: IgnoreRules,
    scanned_at: datetime,
) -> Scan:
    """Scan ``image`` once and judge the report; never raises on findings.

    The caller decides what a blocked scan does (``Pipeline.scan`` fails in block mode,
    the deploy flow records the report first). A scanner crash raises in both modes.

    Raises:
        PipelineError: for an unknown mode or severity, or a failed scan.
    """
    from main.core.scan.markdown import render_markdown  # noqa: PLC0415
    from main.core.scan.trivy import evaluate, filter_document, read_scan_output  # noqa: PLC0415

    block = parse_mode(mode) == "block"
    scanned = scan_container(image, scanned_at)
    exit_code = await scanned.exit_code()
    output = None
    if exit_code == 0 and await scanned.directory(WORK).exists("report.json"):
        output = await scanned.file(REPORT).contents()
    stderr = await scanned.stderr()
    report = read_scan_output(exit_code, output, stderr)
    assert output is not None  # noqa: S101 - read_scan_output raised otherwise
    verdict = evaluate(
        report, block=block, severities=severities, ignore_unfixed=ignore_unfixed, ignore=ignore
    )
    # mypy does not see through @object_type's dataclass transform in 0.21's stubs.
    return Scan(  # type: ignore[call-arg]
        mode="block" if block else "warn",
        blocked=verdict.blocked,
        reason=verdict.reason,
        found=SeverityCounts.of(report.counts),
        counts=SeverityCounts.of(verdict.counts),
        fixable=report.fixable,
        unfixed=report.unfixed,
        ignored=verdict.ignored,
        expired_ignores=list(ignore.expired),
        report=scanned.file(REPORT),
        filtered=dag.file("trivy-report-filtered.json", filter_document(output, verdict)),
        summary=render_markdown(report, verdict),
    )


def parse_mode(mode: str) -> str:
    """``block`` or ``warn``, case-insensitive.

    Raises:
        PipelineError: for any other value.
    """
    chosen = mode.strip().lower()
    if chosen not in MODES:
        msg = f"unknown scan mode {mode!r}: use 'block' (fail on findings) or 'warn'"
        raise PipelineError(msg)
    return chosen
