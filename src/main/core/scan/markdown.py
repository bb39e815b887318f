"""The scan as a short Markdown section, for ``$GITHUB_STEP_SUMMARY`` and the run report.

Bounded on purpose: a report with thousands of findings must not produce a summary
GitHub truncates (the step summary is capped at 1 MiB) or nobody reads. It shows the
counts before and after filtering and the worst few findings; the full list lives in
the JSON, the table and the SARIF. A secret is shown by its rule, title, file and line,
never by what matched.
"""

from typing import Final

from main.core.scan.trivy import SEVERITIES, Finding, ScanReport, SecretFinding, Verdict
from main.core.text import markdown_inline, markdown_link

WORST_LIMIT: Final = 10
"""How many findings the section lists at most."""

TITLE_LIMIT: Final = 80
"""Characters of a finding's title kept in the table."""

_RANK: Final = {name: rank for rank, name in enumerate(SEVERITIES)}


def worst(findings: tuple[Finding, ...], limit: int = WORST_LIMIT) -> list[Finding]:
    """The ``limit`` worst findings: most severe first, fixable before unfixed, then by ID."""
    return sorted(
        findings,
        key=lambda f: (
            _RANK[f.severity],
            not f.fixable,
            f.vulnerability.id,
            f.vulnerability.package,
        ),
    )[:limit]


def worst_secrets(
    secrets: tuple[SecretFinding, ...], limit: int = WORST_LIMIT
) -> list[SecretFinding]:
    """The ``limit`` worst secrets: most severe first, then by file, line and rule."""
    return sorted(
        secrets,
        key=lambda s: (_RANK[s.severity], s.target, s.secret.start_line, s.secret.rule_id),
    )[:limit]


def _cell(text: str, limit: int = TITLE_LIMIT) -> str:
    return markdown_inline(text, limit)


def _row(finding: Finding) -> str:
    vuln = finding.vulnerability
    link = markdown_link(vuln.id or "?", vuln.url, 40)
    fixed = _cell(vuln.fixed_version, 40) if vuln.fixed_version else "no fix yet"
    versions = f"{_cell(vuln.installed_version, 40)} → {fixed}"
    cells = [finding.severity, link, _cell(vuln.package, 60), versions, _cell(vuln.title)]
    return f"| {' | '.join(cells)} |"


def _secret_row(found: SecretFinding) -> str:
    secret = found.secret
    cells = [
        found.severity,
        _cell(secret.rule_id or "?", 60),
        _cell(secret.title),
        _cell(found.where, 120),
    ]
    return f"| {' | '.join(cells)} |"


def _table(header: str, rows: list[str], every: tuple[object, ...], what: str) -> list[str]:
    """A table of the worst rows under ``header``, and how many more there are."""
    if not rows:
        return []
    rule = "|" + "---|" * header.count(" | ") + "---|"
    lines = ["", header, rule, *rows]
    if len(every) > len(rows):
        lines += ["", f"… and {len(every) - len(rows)} more {what}(see the table or SARIF)."]
    return lines


def _counts_line(label: str, counts: dict[str, int]) -> str:
    cells = " · ".join(f"{name} {counts[name]}" for name in SEVERITIES)
    return f"- {label}: {sum(counts.values())} ({cells})"


def render_markdown(report: ScanReport, verdict: Verdict, *, limit: int = WORST_LIMIT) -> str:
    """The Markdown section: verdict, counts, and a table of the worst findings."""
    status = "blocked" if verdict.blocked else ("warning" if verdict.total else "passed")
    lines = [
        f"### Security scan: {status}",
        "",
        verdict.reason,
        "",
        _counts_line("found", report.counts),
        _counts_line("after filtering", verdict.counts),
        (
            f"- fixable: {report.fixable}, no fix yet: {report.unfixed}, "
            f"ignored by .trivyignore: {verdict.ignored}"
        ),
    ]
    if report.secrets:
        lines.append(f"- secrets: {len(report.secrets)} found, {len(verdict.secrets)} left")
    vulnerabilities = [_row(finding) for finding in worst(verdict.kept, limit)]
    lines += _table(
        "| severity | ID | package | installed → fixed | title |", vulnerabilities, verdict.kept, ""
    )
    secrets = [_secret_row(found) for found in worst_secrets(verdict.secrets, limit)]
    lines += _table(
        "| severity | secret rule | title | where |", secrets, verdict.secrets, "secrets "
    )
    return "\n".join(lines) + "\n"
