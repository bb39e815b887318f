"""What a scan returns: counts, the verdict, and the one report in every format.

The object holds the JSON Trivy wrote (and the same JSON with only the findings the
policy kept); the table and SARIF are rendered from the latter by ``trivy convert``
when asked for, so they always agree with the counts and nothing is scanned twice.
"""

from typing import Annotated, Self

import dagger
from dagger import Doc, field, object_type

from main.core.github import API_URL
from main.decorators import function, uncached_function
from main.errors import user_errors


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
        from main.scan import convert  # noqa: PLC0415 - main.scan imports this module

        return convert(self.filtered, "sarif")

    @function
    async def table(self) -> str:
        """The findings left after filtering as Trivy's table, by ``trivy convert``."""
        from main.scan import convert  # noqa: PLC0415 - main.scan imports this module

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
        from main.core.scan.sarif import build_upload, upload_sarif  # noqa: PLC0415

        with user_errors():
            sarif = await self.sarif().contents()
            upload = build_upload(
                sarif.encode(),
                repository=repository,
                commit_sha=commit_sha,
                ref=ref,
                api_url=api_url,
            )
            receipt = await upload_sarif(upload, await token.plaintext())
            return receipt.id

    def failure(self) -> str:
        """The message a blocked scan fails with: the verdict and the Markdown summary."""
        return f"security scan {self.reason}\n\n{self.summary}"
