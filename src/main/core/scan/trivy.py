"""Trivy's JSON report (SchemaVersion 2): read it, count it, and decide what it means.

The scan runs Trivy once with every severity and no filtering, so the report holds
everything the image contains; the policy (severities, ignore-unfixed, ``.trivyignore``)
is applied here. That keeps one decision in one tested place: Trivy's exit code is
never the verdict (``trivy-action`` users learnt that its exit code ignores the severity
filter when SARIF is written), and the counts before and after filtering both exist.

The models follow Trivy's documented report: ``Results[].Vulnerabilities[]`` with
``VulnerabilityID``, ``PkgName``, ``InstalledVersion``, ``FixedVersion`` (absent when
there is no fix), ``Status``, ``Severity``, ``Title`` and ``PrimaryURL``; and, when the
secret scanner ran, ``Results[].Secrets[]`` with ``RuleID``, ``Category``, ``Severity``,
``Title``, ``StartLine`` and ``EndLine``. A secret's ``Match`` (and ``Code``, the lines
around it) is never read: Trivy masks the secret there, and still nothing of it is ever
printed, counted or passed on (:func:`filter_document` drops both). Unknown keys are
ignored and missing ones get neutral defaults, because Trivy adds keys between releases
and a new key must never break a pipeline.
"""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from main.core.errors import PipelineError
from main.core.scan.ignore import IgnoreRules

SEVERITIES: Final = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
"""Trivy's severities, worst first: the keys of every count."""

SCHEMA_VERSION: Final = 2

DB_REPOSITORIES: Final = ("mirror.gcr.io/aquasec/trivy-db:2", "ghcr.io/aquasecurity/trivy-db:2")
"""Where the vulnerability DB comes from by default, in order: Trivy falls back along it."""

# Trivy's --ignore-unfixed is a shorthand for ignoring these statuses; a finding with no
# FixedVersion has no fix whatever its status says.
UNFIXED_STATUSES: Final = frozenset({"affected", "will_not_fix", "fix_deferred", "end_of_life"})

Scanner = Literal["vuln", "secret"]
SCANNERS: Final = get_args(Scanner)
"""Trivy's scanners this pipeline reads the findings of (``--scanners``)."""

SECRET_HIDDEN_KEYS: Final = ("Match", "Code")
"""What a secret finding holds of the file's text: dropped before anything is rendered."""


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Vulnerability(_Lenient):
    """One entry of ``Results[].Vulnerabilities[]``, as much of it as the pipeline uses."""

    id: str = Field(default="", alias="VulnerabilityID")
    package: str = Field(default="", alias="PkgName")
    installed_version: str = Field(default="", alias="InstalledVersion")
    fixed_version: str | None = Field(default=None, alias="FixedVersion")
    status: str = Field(default="", alias="Status")
    severity: str = Field(default="UNKNOWN", alias="Severity")
    title: str = Field(default="", alias="Title")
    url: str = Field(default="", alias="PrimaryURL")


class Secret(_Lenient):
    """One entry of ``Results[].Secrets[]``: which rule matched where, never the match."""

    rule_id: str = Field(default="", alias="RuleID")
    category: str = Field(default="", alias="Category")
    severity: str = Field(default="UNKNOWN", alias="Severity")
    title: str = Field(default="", alias="Title")
    start_line: int = Field(default=0, alias="StartLine")
    end_line: int = Field(default=0, alias="EndLine")


class Result(_Lenient):
    """One scanned target (the OS packages, one lock file, one binary, one file...)."""

    target: str = Field(default="", alias="Target")
    vulnerabilities: list[Vulnerability] | None = Field(default=None, alias="Vulnerabilities")
    secrets: list[Secret] | None = Field(default=None, alias="Secrets")


class Report(_Lenient):
    """The top of the document; ``Results`` is absent or null for an empty image."""

    schema_version: int | None = Field(default=None, alias="SchemaVersion")
    artifact_name: str = Field(default="", alias="ArtifactName")
    results: list[Result] | None = Field(default=None, alias="Results")


@dataclass(frozen=True, slots=True)
class Finding:
    """One vulnerability in one target, with where it sits in the original document."""

    target: str
    vulnerability: Vulnerability
    position: tuple[int, int]
    """(index in Results, index in its Vulnerabilities), to filter the raw document."""

    @property
    def severity(self) -> str:
        """The finding's severity, one of :data:`SEVERITIES`."""
        return self.vulnerability.severity

    @property
    def fixable(self) -> bool:
        """Whether a fixed version exists: upgrading the package removes the finding."""
        vulnerability = self.vulnerability
        return bool(vulnerability.fixed_version) and vulnerability.status not in UNFIXED_STATUSES


@dataclass(frozen=True, slots=True)
class SecretFinding:
    """One secret in one file of the image, with where it sits in the original document."""

    target: str
    secret: Secret
    position: tuple[int, int]
    """(index in Results, index in its Secrets), to filter the raw document."""

    @property
    def severity(self) -> str:
        """The rule's severity, one of :data:`SEVERITIES`."""
        return self.secret.severity

    @property
    def where(self) -> str:
        """The file and line(s) it is in: ``app/settings.py:3`` (no line: the file)."""
        first, last = self.secret.start_line, self.secret.end_line
        if not first:
            return self.target
        return f"{self.target}:{first}" + (f"-{last}" if last > first else "")


def severity_counts(findings: Iterable[Finding | SecretFinding]) -> dict[str, int]:
    """Findings per severity, every key of :data:`SEVERITIES` present."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        counts[finding.severity] += 1
    return counts


@dataclass(frozen=True, slots=True)
class ScanReport:
    """A parsed report: every finding, counted before any filtering."""

    artifact: str
    findings: tuple[Finding, ...]
    secrets: tuple[SecretFinding, ...] = ()
    """Secrets found in the image's files (only when the secret scanner ran)."""
    counts: dict[str, int] = field(init=False)
    """Findings per severity (CRITICAL/HIGH/MEDIUM/LOW/UNKNOWN), nothing filtered,
    secrets included."""

    def __post_init__(self) -> None:
        """Count once: the counts are read far more often than findings change (never)."""
        object.__setattr__(self, "counts", severity_counts((*self.findings, *self.secrets)))

    @property
    def total(self) -> int:
        """How many findings the report holds, secrets included."""
        return len(self.findings) + len(self.secrets)

    @property
    def fixable(self) -> int:
        """Vulnerabilities that a package upgrade fixes."""
        return sum(1 for finding in self.findings if finding.fixable)

    @property
    def unfixed(self) -> int:
        """Vulnerabilities that have no fix yet (a secret is fixed by removing it)."""
        return len(self.findings) - self.fixable


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the policy makes of a report: what is left, and whether that blocks."""

    blocked: bool
    counts: dict[str, int]
    """Findings per severity left after filtering (every key present)."""
    reason: str
    kept: tuple[Finding, ...]
    ignored: int
    """Findings left out by ``.trivyignore`` (secrets by their rule ID)."""
    secrets: tuple[SecretFinding, ...] = ()
    """Secrets left after filtering: they count, warn and block like vulnerabilities."""

    @property
    def total(self) -> int:
        """How many findings are left after filtering, secrets included."""
        return len(self.kept) + len(self.secrets)

    @property
    def fixable(self) -> int:
        """Findings left after filtering that a package upgrade fixes."""
        return sum(1 for finding in self.kept if finding.fixable)


def _decode(data: str | bytes) -> str:
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            msg = f"the Trivy report is not UTF-8 text ({exc.reason} at byte {exc.start})"
            raise PipelineError(msg) from None
    return data


def _load(data: str | bytes) -> Any:  # noqa: ANN401 - JSON is Any until validated
    text = _decode(data)
    if not text.strip():
        msg = "the Trivy report is empty: the scan wrote nothing (see the scanner's log)"
        raise PipelineError(msg)
    try:
        return json.loads(text)
    except RecursionError:
        msg = "the Trivy report is nested deeper than any Trivy report: not a Trivy report"
        raise PipelineError(msg) from None
    except json.JSONDecodeError as exc:
        msg = (
            f"the Trivy report is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno}): "
            "run trivy with --format json"
        )
        raise PipelineError(msg) from None


# Where Trivy puts what, by the exact key it writes; a key that differs only in case,
# or findings anywhere else, means the document came from something else.
_TOP_KEYS = ("SchemaVersion", "Results", "ArtifactName", "ArtifactType", "Metadata")
_RESULT_KEYS = ("Target", "Vulnerabilities", "Secrets", "Class", "Type")


def _not_trivy(why: str) -> PipelineError:
    return PipelineError(f"not a Trivy report ({why}): pass the JSON of trivy --format json")


def _check_keys(mapping: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    folded = {key.lower(): key for key in known}
    for key in mapping:
        if key not in known and key.lower() in folded:
            msg = f"{where} has {key!r} where Trivy writes {folded[key.lower()]!r}"
            raise _not_trivy(msg)


def _check_shape(document: dict[str, Any]) -> None:
    """Refuse what Trivy never writes, so that misplaced findings cannot read as none."""
    _check_keys(document, _TOP_KEYS, "the document")
    if any(key.lower() in {"vulnerabilities", "secrets"} for key in document):
        msg = "findings at the top level; Trivy lists them under Results[]"
        raise _not_trivy(msg)
    results = document.get("Results")
    for index, result in enumerate(results if isinstance(results, list) else ()):
        if isinstance(result, dict):  # the model reports a wrong type with its place
            _check_keys(result, _RESULT_KEYS, f"Results[{index}]")


def _check_schema(document: Any) -> None:  # noqa: ANN401 - checked right here
    if not isinstance(document, dict):
        msg = f"the Trivy report must be a JSON object, got {type(document).__name__}"
        raise PipelineError(msg)
    version = document.get("SchemaVersion")
    if version is None:
        msg = "not a Trivy JSON report: no SchemaVersion (expected 2, from trivy --format json)"
        raise PipelineError(msg)
    if version != SCHEMA_VERSION or isinstance(version, bool):
        msg = (
            f"unsupported Trivy report SchemaVersion {version!r}: this pipeline reads "
            f"SchemaVersion {SCHEMA_VERSION}; use a Trivy release that writes it"
        )
        raise PipelineError(msg)


def _check_severity(severity: str, what: str, target: str) -> None:
    if severity not in SEVERITIES:
        msg = (
            f"unknown severity {severity!r} on {what or '?'} in {target or '?'}: "
            f"expected one of {', '.join(SEVERITIES)}"
        )
        raise PipelineError(msg)


def _findings(report: Report) -> tuple[Finding, ...]:
    findings: list[Finding] = []
    for r_index, result in enumerate(report.results or ()):
        for v_index, vulnerability in enumerate(result.vulnerabilities or ()):
            _check_severity(vulnerability.severity, vulnerability.id, result.target)
            findings.append(Finding(result.target, vulnerability, (r_index, v_index)))
    return tuple(findings)


def _secrets(report: Report) -> tuple[SecretFinding, ...]:
    found: list[SecretFinding] = []
    for r_index, result in enumerate(report.results or ()):
        for s_index, secret in enumerate(result.secrets or ()):
            _check_severity(secret.severity, secret.rule_id, result.target)
            found.append(SecretFinding(result.target, secret, (r_index, s_index)))
    return tuple(found)


def parse_report(data: str | bytes) -> ScanReport:
    """Read a Trivy JSON report (SchemaVersion 2) into findings and counts.

    Raises:
        PipelineError: (a ``ValueError``) for an empty or non-JSON document, a missing or
            different SchemaVersion, a malformed structure, or an unknown severity.
    """
    document = _load(data)
    _check_schema(document)
    _check_shape(document)
    try:
        report = Report.model_validate(document)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"])
        msg = f"the Trivy report is malformed at {where}: {error['msg']}"
        raise PipelineError(msg) from None
    return ScanReport(
        artifact=report.artifact_name, findings=_findings(report), secrets=_secrets(report)
    )


def normalize_severities(severities: Sequence[str]) -> tuple[str, ...]:
    """Upper-case, de-duplicated severities, each checked against :data:`SEVERITIES`.

    Raises:
        PipelineError: for an empty selection or a severity Trivy does not have.
    """
    chosen: list[str] = []
    for raw in severities:
        name = raw.strip().upper()
        if name not in SEVERITIES:
            msg = f"unknown severity {raw!r}: choose from {', '.join(SEVERITIES)}"
            raise PipelineError(msg)
        if name not in chosen:
            chosen.append(name)
    if not chosen:
        msg = f"no severity selected: give at least one of {', '.join(SEVERITIES)}"
        raise PipelineError(msg)
    return tuple(chosen)


def _describe(counts: dict[str, int], secrets: int = 0) -> str:
    said = ", ".join(f"{counts[name]} {name}" for name in SEVERITIES if counts[name])
    return said + (f"; {secrets} of them secret{'s' if secrets > 1 else ''}" if secrets else "")


def evaluate(
    report: ScanReport,
    *,
    block: bool,
    severities: Sequence[str],
    ignore_unfixed: bool,
    ignore: IgnoreRules | None = None,
) -> Verdict:
    """Apply the policy to a report: which findings count, and whether they block.

    A finding counts when its severity is selected, it has a fix (or ``ignore_unfixed``
    is off) and ``.trivyignore`` does not list it. With ``block`` any counted finding
    blocks; without it (staging's warn mode) nothing does, but the counts stay.

    Raises:
        PipelineError: for an unknown severity in ``severities`` or an empty selection.
    """
    selected = frozenset(normalize_severities(severities))
    rules = ignore or IgnoreRules()
    kept: list[Finding] = []
    ignored = 0
    for finding in report.findings:
        if finding.severity not in selected:
            continue
        if ignore_unfixed and not finding.fixable:
            continue
        if rules.ignores(finding.vulnerability.id):
            ignored += 1
            continue
        kept.append(finding)
    secrets: list[SecretFinding] = []
    for secret in report.secrets:  # a secret has no "fix" to wait for: ignore-unfixed skips it
        if secret.severity not in selected:
            continue
        if rules.ignores(secret.secret.rule_id):
            ignored += 1
            continue
        secrets.append(secret)
    counts = severity_counts((*kept, *secrets))
    left = len(kept) + len(secrets)
    blocked = block and bool(left)
    policy = f"severities {','.join(s for s in SEVERITIES if s in selected)}" + (
        ", unfixed ignored" if ignore_unfixed else ""
    )
    described = _describe(counts, len(secrets))
    if not left:
        reason = f"no findings left after filtering ({report.total} found; {policy})"
    elif blocked:
        reason = f"blocked: {left} findings ({described}) left after filtering ({policy})"
    else:
        reason = (
            f"warning: {left} findings ({described}) left after filtering "
            f"({policy}); warn mode does not block"
        )
    return Verdict(
        blocked=blocked,
        counts=counts,
        reason=reason,
        kept=tuple(kept),
        ignored=ignored,
        secrets=tuple(secrets),
    )


def filter_document(data: str | bytes, verdict: Verdict) -> str:
    """The original report with only the kept findings, every other key untouched.

    ``trivy convert`` renders this for the table and SARIF, so they show exactly what
    the verdict counted and keep everything Trivy wrote that this module does not model.
    A kept secret loses its ``Match`` and ``Code`` (Trivy's SARIF would quote the masked
    match in its message): the rule, title, file and lines say where to look.
    """
    document = _load(data)
    for key, findings in (("Vulnerabilities", verdict.kept), ("Secrets", verdict.secrets)):
        keep: dict[int, set[int]] = {}
        for finding in findings:
            r_index, index = finding.position
            keep.setdefault(r_index, set()).add(index)
        for r_index, result in enumerate(document.get("Results") or ()):
            items = result.get(key)
            if items:
                wanted = keep.get(r_index, set())
                left = [item for index, item in enumerate(items) if index in wanted]
                if left:
                    result[key] = left
                else:  # Trivy itself leaves the key out of a clean result
                    del result[key]
    for result in document.get("Results") or ():
        for secret in result.get("Secrets") or ():
            for hidden in SECRET_HIDDEN_KEYS:
                secret.pop(hidden, None)
    return json.dumps(document)


def read_scan_output(exit_code: int, output: str | bytes | None, stderr: str) -> ScanReport:
    """Judge one Trivy run: a crash is an error, never a pass.

    Trivy runs with ``--exit-code 0``, so findings never make it exit non-zero: any
    other exit code means the scan itself failed (no DB, unreadable image...), whatever
    the report file says. Exit 0 with no or unreadable JSON is a failure too.

    Raises:
        PipelineError: naming the exit code and the end of the scanner's log.
    """
    tail = " | ".join(line for line in stderr.strip().splitlines()[-5:] if line.strip())
    log = f"; trivy said: {tail}" if tail else ""
    if exit_code != 0:
        msg = f"the Trivy scan failed with exit code {exit_code} (not a findings verdict){log}"
        raise PipelineError(msg)
    if output is None:
        msg = f"the Trivy scan exited 0 but wrote no report{log}"
        raise PipelineError(msg)
    try:
        return parse_report(output)
    except PipelineError as exc:
        msg = f"the Trivy scan exited 0 but its report is unusable: {exc}"
        raise PipelineError(msg) from None
