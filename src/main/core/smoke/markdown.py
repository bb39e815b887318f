"""A smoke report as Markdown, for ``$GITHUB_STEP_SUMMARY`` and the deployment report.

A reviewer reads the verdict line first, then the table; a failure shows what the
server said (status, body excerpt) and, when there are any, the service's logs.
Standard library only.
"""

from main.core.smoke.result import CheckResult, SmokeReport

_MARK = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "⏭️ skipped"}
LOG_LINES = 60


def _cell(text: str) -> str:
    """Text that cannot break a Markdown table row."""
    return text.replace("|", "\\|").replace("\r", "").replace("\n", " ")


def _row(check: CheckResult) -> str:
    note = check.error if check.failed else check.detail
    status = "" if check.http_status is None else str(check.http_status)
    latency = "" if check.outcome == "skipped" else f"{check.latency_ms:.1f} ms"
    return (
        f"| `{check.name}` | {_MARK[check.outcome]} | {latency} | {status} | {_cell(note or '')} |"
    )


def _fence(text: str) -> list[str]:
    fence = "````" if "```" in text else "```"
    return [fence + "text", text.rstrip("\n"), fence]


def render_markdown(report: SmokeReport) -> str:
    """The report as a Markdown section: verdict, timing, per-check table, evidence."""
    verdict = "✅ passed" if report.passed else "❌ failed"
    lines = [f"### Smoke test {verdict}", "", f"- target: `{report.target}`"]
    if report.startup_seconds is not None:
        lines.append(f"- startup: {report.startup_seconds:.2f} s")
    lines.append(f"- duration: {report.duration_seconds:.2f} s")
    if report.server.get("name"):
        server = report.server
        lines.append(
            f"- server: {server['name']} {server.get('version', '')}, "
            f"MCP protocol {server.get('protocol_version', '?')}"
        )
    if report.tools:
        lines.append(f"- tools: {', '.join(f'`{name}`' for name in report.tools)}")
    lines += ["", "| check | outcome | latency | HTTP | detail |", "|---|---|---|---|---|"]
    lines += [_row(check) for check in report.checks]
    for check in report.checks:
        if check.failed and check.body_excerpt:
            lines += ["", f"Body returned to `{check.name}`:", "", *_fence(check.body_excerpt)]
    if report.logs and not report.passed:
        tail = report.logs.rstrip("\n").splitlines()[-LOG_LINES:]
        lines += ["", f"Service logs (last {len(tail)} lines):", "", *_fence("\n".join(tail))]
    return "\n".join(lines) + "\n"
