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
from typing import TYPE_CHECKING, Annotated, Final, Self

import dagger
from dagger import Doc, dag, field, object_type

from main._sdk import function, uncached_function
from main.core.errors import PipelineError
from main.core.github import API_URL
from main.core.lazy import lazy_import
from main.core.scan.ignore import IgnoreRules, parse_ignore_file

if TYPE_CHECKING:
    from main.core.scan import markdown as scan_markdown
    from main.core.scan import sarif as code_scanning
    from main.core.scan import trivy as trivy_rules
else:
    # pydantic and httpx load when a scan runs, not with the module (core/lazy.py).
    scan_markdown = lazy_import("main.core.scan.markdown")
    code_scanning = lazy_import("main.core.scan.sarif")
    trivy_rules = lazy_import("main.core.scan.trivy")


@object_type
class SeverityCounts:
    """Findings per Trivy severity."""

    critical: Annotated[int, Doc("CRITICAL findings")] = field(default=0)
    high: Annotated[int, Doc("HIGH findings")] = field(default=0)
    medium: Annotated[int, Doc("MEDIUM findings")] = field(default=0)
    low: Annotated[int, Doc("LOW findings")] = field(default=0)
    unknown: Annotated[int, Doc("UNKNOWN-severity findings")] = field(default=0)
    total: Annotated[int, Doc("All findings counted here")] = field(default=0)

    @classmethod
    def of(cls, counts: dict[str, int]) -> Self:
        """From core's ``{"CRITICAL": n, ...}`` mapping."""
        return cls(  # type: ignore[call-arg]
            critical=counts["CRITICAL"],
            high=counts["HIGH"],
            medium=counts["MEDIUM"],
            low=counts["LOW"],
            unknown=counts["UNKNOWN"],
            total=sum(counts.values()),
        )

    def mapping(self) -> dict[str, int]:
        """Back to core's ``{"CRITICAL": n, ...}`` mapping, for the run report."""
        return {
            "CRITICAL": self.critical,
            "HIGH": self.high,
            "MEDIUM": self.medium,
            "LOW": self.low,
            "UNKNOWN": self.unknown,
        }


@object_type
class Scan:
    """One Trivy scan of a built image, judged by the service's policy.

    ``counts`` are the findings left after filtering (severities, ignore-unfixed,
    .trivyignore); ``found`` is everything Trivy reported. ``blocked`` is true only in
    block mode with findings left.
    """

    mode: Annotated[str, Doc("block (findings fail the scan) or warn (they never do)")] = field()
    blocked: Annotated[bool, Doc("Whether the findings left block the pipeline")] = field()
    reason: Annotated[str, Doc("One line saying why the scan passed, warned or blocked")] = field()
    found: Annotated[SeverityCounts, Doc("Findings per severity before filtering")] = field()
    counts: Annotated[SeverityCounts, Doc("Findings per severity after filtering")] = field()
    fixable: Annotated[int, Doc("Findings found that a package upgrade fixes")] = field()
    unfixed: Annotated[int, Doc("Findings found that have no fix yet")] = field()
    ignored: Annotated[int, Doc("Findings left out by .trivyignore")] = field()
    secrets: Annotated[
        int, Doc("Secrets found in the image's files (0 unless the secret scanner ran)")
    ] = field(default=0)
    expired_ignores: Annotated[
        list[str], Doc(".trivyignore entries whose exp: date has passed: they count again")
    ] = field()
    # State for the functions below, not exposed as fields.
    report: dagger.File
    filtered: dagger.File
    summary: str

    @function
    def json(
        self,
        *,
        unfiltered: Annotated[
            bool, Doc("Every finding Trivy reported, instead of those left after filtering")
        ] = False,
    ) -> dagger.File:
        """The Trivy JSON report (SchemaVersion 2), filtered by the policy unless asked."""
        return self.report if unfiltered else self.filtered

    @function
    def sarif(self) -> dagger.File:
        """The findings left after filtering as SARIF 2.1.0, by ``trivy convert``."""
        return convert(self.filtered, "sarif")

    @function
    async def table(self) -> str:
        """The findings left after filtering as Trivy's table, by ``trivy convert``."""
        return await convert(self.filtered, "table").contents()

    @function
    def markdown(self) -> str:
        """A bounded Markdown section: verdict, counts, and the worst findings."""
        return self.summary

    @uncached_function
    async def upload_sarif(
        self,
        token: Annotated[
            dagger.Secret, Doc("GitHub token with security_events write, e.g. env://GITHUB_TOKEN")
        ],
        repository: Annotated[str, Doc("OWNER/NAME of the GitHub repository")],
        commit_sha: Annotated[str, Doc("Full SHA of the commit that was scanned")],
        ref: Annotated[str, Doc("Full git ref, e.g. refs/heads/main or refs/pull/42/merge")],
        api_url: Annotated[
            str, Doc("GitHub REST API root; change it for GitHub Enterprise Server")
        ] = API_URL,
    ) -> str:
        """Upload the SARIF to GitHub code scanning; returns the upload's ID.

        Sent from the module itself (gzip + Base64, as GitHub's REST API requires), so a
        workflow needs no separate upload step. Fails with one line on a rejected or
        oversize (over 10 MB compressed) upload.
        """
        sarif = await self.sarif().contents()
        upload = code_scanning.build_upload(
            sarif.encode(),
            repository=repository,
            commit_sha=commit_sha,
            ref=ref,
            api_url=api_url,
        )
        receipt = await code_scanning.upload_sarif(upload, await token.plaintext())
        return receipt.id

    def failure(self) -> str:
        """The message a blocked scan fails with: the verdict and the Markdown summary."""
        return f"security scan {self.reason}\n\n{self.summary}"


TRIVY_VERSION: Final = "0.74.0"
TRIVY_IMAGE: Final = (
    f"aquasec/trivy:{TRIVY_VERSION}"
    "@sha256:62b1e65e8869bc4b4c6aa4fa2b21595256c7c2f6018a9d9ad61caf87187c1969"
)
"""Pinned by tag and digest: the scanner is part of the supply chain it checks."""

CACHE_DIR: Final = "/trivy-cache"
FILTERED_REPORT: Final = "trivy-report-filtered.json"
WORK: Final = "/scan"
IMAGE_TAR: Final = f"{WORK}/image.tar"
REPORT: Final = f"{WORK}/report.json"
CONVERTED: Final = f"{WORK}/converted"
SBOM: Final = f"{WORK}/sbom.cdx.json"

# Skip the DB download when today's volume already holds the DB (and the Java DB, which
# Trivy fetches only for images with jars). Arguments after the script are trivy's.
SCAN_SCRIPT: Final = (
    'set -- image "$@"\n'
    'if [ -s "$TRIVY_CACHE_DIR/db/trivy.db" ]; then set -- "$@" --skip-db-update; fi\n'
    'if [ -s "$TRIVY_CACHE_DIR/java-db/trivy-java.db" ]; then '
    'set -- "$@" --skip-java-db-update; fi\n'
    # A DB registry that rate-limits (429) or stumbles (5xx) is tried again, with
    # backoff; Trivy itself falls back along the --db-repository list first.
    'attempt=1; err="${TMPDIR:-/tmp}/trivy-$$.err"\n'
    "while :; do\n"
    '  trivy "$@" 2>"$err"; status=$?; cat "$err" >&2\n'
    '  [ "$status" -eq 0 ] && exit 0\n'
    '  [ "$attempt" -ge "${PIPELINE_SCAN_ATTEMPTS:-3}" ] && exit "$status"\n'
    # Plain alternatives: the image's busybox grep (musl regex) knows no \\b.
    "  grep -qiE 'toomanyrequests|too many requests|429|50[0-4]' \"$err\""
    ' || exit "$status"\n'
    '  echo "trivy: the DB registry is busy; trying again (attempt $((attempt + 1)))" >&2\n'
    "  sleep $((attempt * ${PIPELINE_SCAN_BACKOFF:-10})); attempt=$((attempt + 1))\n"
    "done\n"
)

MODES: Final = ("block", "warn")

ALL_SEVERITIES: Final = "CRITICAL,HIGH,MEDIUM,LOW,UNKNOWN"
"""The scan keeps every severity; the policy filters afterwards, in core."""


def db_options(repositories: list[str]) -> list[str]:
    """Trivy's ``--db-repository`` option for a list of mirrors (tried in order)."""
    return ["--db-repository", ",".join(repositories)]


def db_cache_key(day: date) -> str:
    """The cache volume key for the DB on ``day`` (UTC): a new volume every day."""
    return f"trivy-db-{day.isoformat()}"


def trivy() -> dagger.Container:
    """The pinned Trivy image, with progress bars off (they only clutter CI logs)."""
    return dag.container().from_(TRIVY_IMAGE).with_env_variable("TRIVY_NO_PROGRESS", "true")


def scanners_option(scanners: list[str] | None) -> list[str]:
    """Trivy's ``--scanners`` option: the configured ones (``vuln`` by default)."""
    return ["--scanners", ",".join(scanners or ["vuln"])]


def scan_container(
    image: dagger.Container,
    scanned_at: datetime,
    db_repositories: list[str] | None = None,
    scanners: list[str] | None = None,
) -> dagger.Container:
    """Trivy after scanning ``image``'s tarball into ``REPORT``; its exit code is kept.

    ``scanned_at`` (UTC) picks the day's DB volume and marks the exec as this run's: the
    engine would otherwise replay a cached exec, including a failed one (a DB download
    that hit a rate limit), for every later call with the same image. ``scanners`` are
    Trivy's (``vuln``, ``secret``); the secret scanner needs no DB.
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
                *scanners_option(scanners),
                "--severity",
                ALL_SEVERITIES,
                "--format",
                "json",
                "--output",
                REPORT,
                "--exit-code",
                "0",
                *db_options(db_repositories or list(trivy_rules.DB_REPOSITORIES)),
            ],
            expect=dagger.ReturnType.ANY,
        )
    )


def sbom_container(image: dagger.Container) -> dagger.Container:
    """Trivy writing ``image``'s CycloneDX SBOM to ``SBOM``, from the same tarball it scans.

    The SBOM lists packages only (Trivy needs no vulnerability DB for it), so the same
    image gives the same packages; a failing exec fails the attestation step with its
    stderr's last line.
    """
    return (
        trivy()
        .with_mounted_file(IMAGE_TAR, image.as_tarball())
        .with_exec(
            ["trivy", "image", "--format", "cyclonedx", "--input", IMAGE_TAR, "--output", SBOM]
        )
    )


def sbom_file(image: dagger.Container) -> dagger.File:
    """``image``'s CycloneDX SBOM (lazy), as attached to its digest and exported."""
    return sbom_container(image).file(SBOM)


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
    db_repositories: list[str] | None = None,
    scanners: list[str] | None = None,
) -> Scan:
    """Scan ``image`` once and judge the report; never raises on findings.

    The caller decides what a blocked scan does (``Pipeline.scan`` fails in block mode,
    the deploy flow records the report first). A scanner crash raises in both modes.

    Raises:
        PipelineError: for an unknown mode or severity, or a failed scan.
    """
    block = parse_mode(mode) == "block"
    scanned = scan_container(image, scanned_at, db_repositories, scanners)
    exit_code = await scanned.exit_code()
    output = None
    if exit_code == 0 and await scanned.directory(WORK).exists("report.json"):
        output = await scanned.file(REPORT).contents()
    stderr = await scanned.stderr()
    report = trivy_rules.read_scan_output(exit_code, output, stderr)
    assert output is not None  # noqa: S101 - read_scan_output raised otherwise
    verdict = trivy_rules.evaluate(
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
        secrets=len(report.secrets),
        expired_ignores=list(ignore.expired),
        report=scanned.file(REPORT),
        filtered=dag.file(
            "trivy-report-filtered.json", trivy_rules.filter_document(output, verdict)
        ),
        summary=scan_markdown.render_markdown(report, verdict),
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
