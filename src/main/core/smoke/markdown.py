"""A smoke report as Markdown, for ``$GITHUB_STEP_SUMMARY`` and the deployment report.

A reviewer reads the verdict line first, then the table; a failure shows what the
server said (status, body excerpt) and, when there are any, the service's logs.
Standard library only.
"""

from main.core.smoke.result import CheckResult, SmokeReport
from main.core.text import markdown_code, markdown_fence, markdown_inline

_MARK = {"passed": "✅ passed", "failed": "❌ failed", "skipped": "⏭️ skipped"}
LOG_LINES = 60
CELL = 500
BLOCK = 8000


def _row(check: CheckResult) -> str:
    note = check.error if check.failed else check.detail
    status = "" if check.http_status is None else str(check.http_status)
    latency = "" if check.outcome == "skipped" else f"{check.latency_ms:.1f} ms"
    return (
        f"| {markdown_code(check.name, 80)} | {_MARK[check.outcome]} | {latency} | {status} "
        f"| {markdown_inline(note or '', CELL)} |"
    )


def render_markdown(report: SmokeReport) -> str:
    """The report as a Markdown section: verdict, timing, per-check table, evidence."""
    verdict = "✅ passed" if report.passed else "❌ failed"
    lines = [f"### Smoke test {verdict}", "", f"- target: {markdown_code(report.target, 300)}"]
    if report.startup_seconds is not None:
        lines.append(f"- startup: {report.startup_seconds:.2f} s")
    lines.append(f"- duration: {report.duration_seconds:.2f} s")
    if report.server.get("name"):
        server = report.server
        name = markdown_inline(f"{server['name']} {server.get('version', '')}", CELL)
        protocol = markdown_inline(server.get("protocol_version", "?"), 40)
        lines.append(f"- server: {name}, MCP protocol {protocol}")
    if report.tools:
        lines.append(f"- tools: {', '.join(markdown_code(name, 80) for name in report.tools)}")
    lines += ["", "| check | outcome | latency | HTTP | detail |", "|---|---|---|---|---|"]
    lines += [_row(check) for check in report.checks]
    for check in report.checks:
        if check.failed and check.body_excerpt:
            said = markdown_fence(check.body_excerpt, BLOCK)
            lines += ["", f"Body returned to {markdown_code(check.name, 80)}:", "", *said]
    if report.logs and not report.passed:
        tail = report.logs.rstrip("\n").splitlines()[-LOG_LINES:]
        logs = markdown_fence("\n".join(tail), BLOCK)
        lines += ["", f"Service logs (last {len(tail)} lines):", "", *logs]
    return "\n".join(lines) + "\n"
