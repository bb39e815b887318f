"""The report as GitHub-flavoured Markdown, for ``$GITHUB_STEP_SUMMARY`` and people.

GitHub refuses a step summary over 1 MiB and a huge one is unreadable anyway, so every
section is bounded (rows, cell length) and the whole text is capped at
:data:`MAX_BYTES`, cut at a line with a note saying where the rest is (``report.json``).
Everything passes through :func:`~main.core.redact.scrub`.
"""

from collections.abc import Iterable

from main.core.redact import scrub
from main.core.report.model import (
    SEVERITIES,
    AttestationSummary,
    DeploySummary,
    Report,
    ScanSummary,
    SmokeSummary,
    StageResult,
)
from main.core.text import (
    markdown_code,
    markdown_fence,
    markdown_inline,
    markdown_link,
    printable,
)

MAX_BYTES = 64 * 1024
MAX_ROWS = 40
MAX_CELL = 200
MARKS = {"passed": "✅", "failed": "❌", "warned": "⚠️", "skipped": "⏭️"}
TRUNCATED = "_(truncated: the full report is in report.json)_"


def cell(text: str, limit: int = MAX_CELL) -> str:
    """Text safe inside a table cell or line: scrubbed, one line, bounded, no syntax."""
    return markdown_inline(text, limit)


def code(text: str) -> str:
    """Inline code, scrubbed, one line and bounded, holding any backtick or pipe."""
    return markdown_code(text, MAX_CELL)


def duration(seconds: float) -> str:
    """``0.4 s``, ``12.3 s``, ``2 min 05 s``."""
    if seconds < 60:  # noqa: PLR2004 - a minute
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def _bounded(rows: list[str], what: str) -> list[str]:
    if len(rows) <= MAX_ROWS:
        return rows
    hidden = len(rows) - MAX_ROWS
    return [*rows[:MAX_ROWS], "", f"_…and {hidden} more {what} (see report.json)_"]


def _title(report: Report) -> str:
    subject = cell(f"{report.service} {report.version}".strip())
    if report.ok:
        return f"## ✅ {report.workflow} passed: {subject}"
    return f"## ❌ {report.workflow} failed at {report.failed_stage}: {subject}"


def _facts(report: Report) -> list[str]:
    facts = [("ref", code(report.ref) if report.ref else "working tree")]
    if report.sha:
        facts.append(("commit", code(report.sha[:12])))
    if report.actor:
        facts.append(("actor", code(report.actor)))
    if report.trigger:
        facts.append(("trigger", cell(report.trigger)))
    return [f"**{name}**: {value}" for name, value in facts]


def _stage_row(stage: StageResult) -> str:
    took = "-" if stage.status == "skipped" else duration(stage.duration_seconds)
    status = f"{MARKS[stage.status]} {stage.status}"
    if stage.status == "failed" and not stage.blocking:
        status += " (non-blocking)"
    return f"| {cell(stage.name)} | {status} | {took} | {cell(stage.detail) or ' '} |"


def _stages(stages: tuple[StageResult, ...]) -> list[str]:
    if not stages:
        return ["_No stage ran._"]
    header = ["| stage | status | duration | detail |", "|---|---|--:|---|"]
    return header + _bounded([_stage_row(s) for s in stages], "stages")


def _bullets(items: Iterable[str]) -> list[str]:
    return _bounded([f"- {code(item)}" for item in items], "entries")


def _image(report: Report) -> list[str]:
    lines: list[str] = []
    if report.digest:
        lines.append(f"**digest**: {code(report.digest)}")
    if report.tags:
        lines += ["", "**tags**:", *_bullets(report.tags)]
    publication = report.publication
    if publication is not None:
        if publication.pushed:
            lines += ["", "**pushed**:", *_bullets(publication.pushed)]
        if publication.not_pushed:
            why = f" ({cell(publication.reason)})" if publication.reason else ""
            lines += ["", f"**not pushed**{why}:", *_bullets(publication.not_pushed)]
    return _section("Image", lines)


def _scan(scan: ScanSummary | None) -> list[str]:
    if scan is None:
        return []
    keys = [s for s in SEVERITIES if s in scan.found or s in scan.counted]
    keys += sorted((set(scan.found) | set(scan.counted)) - set(keys))
    rows = [f"| {cell(k)} | {scan.found.get(k, 0)} | {scan.counted.get(k, 0)} |" for k in keys]
    table = ["| severity | found | after filtering |", "|---|--:|--:|", *rows]
    verdict = "blocked" if scan.blocked else ("warned" if scan.total else "clean")
    mark = "❌" if scan.blocked else ("⚠️" if scan.total else "✅")
    summary = f"{mark} **{verdict}** ({scan.mode} mode): {cell(scan.reason, 500)}"
    return _section("Security scan", [summary, "", *table])


def _smoke(smoke: SmokeSummary | None) -> list[str]:
    if smoke is None:
        return []
    started = (
        f"**startup**: {smoke.startup_seconds:.2f} s"
        if smoke.startup_seconds is not None
        else "**startup**: never became healthy"
    )
    rows = [
        f"| {cell(c.name)} | {'✅ passed' if c.passed else '❌ failed'} | "
        f"{c.latency_ms:.0f} ms | {cell(c.error) or ' '} |"
        for c in smoke.checks
    ]
    table = ["| check | result | latency | error |", "|---|---|--:|---|", *_bounded(rows, "checks")]
    return _section("Smoke tests", [started, "", *table])


def _attestation(attestation: AttestationSummary | None) -> list[str]:
    """The SBOM and provenance attached to the digest, each by its reference."""
    if attestation is None:
        return []
    signed = "signed" if attestation.signed else "unsigned"
    via = f", found via the {cell(attestation.via)}" if attestation.via else ""
    sbom = f"**SBOM**: {attestation.packages} package(s), CycloneDX, {signed}"
    lines = [
        f"{sbom}: {code(attestation.sbom)}",
        "",
        f"**provenance** (SLSA v1, {signed}{via}): {code(attestation.provenance)}",
        "",
        f"**source commit**: {code(attestation.commit)} · **builder**: {code(attestation.builder)}",
    ]
    return _section("Attestations", lines)


def _running(deploy: DeploySummary) -> str:
    if deploy.running_unknown:
        return "unknown (see why below): check the host"
    return markdown_code(deploy.running, 300) if deploy.running else "nothing"


def deploy_section(deploy: DeploySummary | None) -> list[str]:
    """The staging deployment's section (also what ``DeployResult.markdown`` shows)."""
    if deploy is None:
        return []
    marks = {"deployed": "✅ **deployed**", "rolled-back": "↩️ **rolled back**"}
    verdict = marks.get(deploy.outcome, "❌ **failed**")
    where = markdown_link(deploy.url, deploy.url, 300)
    lines = [
        f"{verdict} to {cell(deploy.target)} in {deploy.seconds:.1f} s: {where}",
        "",
        f"- **image**: {markdown_code(deploy.image, 300)}",
        f"- **running now**: {_running(deploy)}",
    ]
    if deploy.previous:
        lines.append(f"- **before**: {markdown_code(deploy.previous, 300)}")
    if deploy.error:
        lines.append(f"- **why**: {cell(deploy.error, 1000)}")
    lines += [f"- {cell(note, 500)}" for note in deploy.notes]
    for title, smoke in (
        ("live smoke", deploy.live_smoke),
        ("after rollback", deploy.rollback_smoke),
    ):
        if smoke is not None:
            passed = sum(check.passed for check in smoke.checks)
            failures = "; ".join(f"{c.name}: {c.error}" for c in smoke.checks if not c.passed)
            tail = f" ({cell(failures, 500)})" if failures else ""
            lines.append(f"- **{title}**: {passed}/{len(smoke.checks)} checks passed{tail}")
    return _section("Staging deployment", lines)


def _sections(report: Report) -> list[str]:
    # Each section brings its own heading (the load test's names its verdict).
    lines: list[str] = []
    for section in report.sections:
        lines += ["", *section.markdown.strip().splitlines()]
    return lines


def _skipped(report: Report) -> list[str]:
    items = [f"- **{cell(name)}**: {cell(why) or 'skipped'}" for name, why in report.skipped]
    return _section("Skipped", _bounded(items, "skipped stages"))


def _notes(report: Report) -> list[str]:
    return _section("Notes", _bounded([f"- {cell(note, 500)}" for note in report.notes], "notes"))


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", f"### {title}", "", *lines] if lines else []


def cap(text: str, limit: int = MAX_BYTES) -> str:
    """``text`` cut at a line boundary to at most ``limit`` UTF-8 bytes, with a note."""
    if len(text.encode()) <= limit:
        return text
    budget = limit - len(TRUNCATED.encode()) - 2
    kept: list[str] = []
    used = 0
    for line in text.splitlines():
        size = len(line.encode()) + 1
        if used + size > budget:
            break
        kept.append(line)
        used += size
    return "\n".join([*kept, "", TRUNCATED]) + "\n"


def render(report: Report) -> str:
    """The whole summary: title, failure line, facts, stage table, then the sections."""
    lines = [_title(report), ""]
    if not report.ok:
        lines += [f"> {cell(report.failure_message, 1000)}", ""]
    lines += [" · ".join(_facts(report)), "", *_stages(report.stages)]
    lines += _image(report) + _attestation(report.attestation)
    lines += _scan(report.scan) + _smoke(report.smoke)
    lines += deploy_section(report.deploy) + _sections(report)
    lines += _skipped(report) + _notes(report)
    ending = _reproduce(report)
    body = cap(scrub(printable("\n".join(lines) + "\n")), MAX_BYTES - len(ending.encode()))
    return body + ending


def _reproduce(report: Report) -> str:
    """The closing section: the exact command that runs this again locally."""
    if not report.reproduce:
        return ""
    block = markdown_fence(report.reproduce, 2000, info="sh")
    return "\n".join(["", "### Reproduce locally", "", *block]) + "\n"
