"""Run the smoke checks against a live URL: ready, health, MCP handshake, tools, extras.

Order matters and is reported: ``ready`` waits for the server (capped backoff, so a
server that becomes healthy is noticed within tens of milliseconds), ``health`` wants
HTTP 200, then ``mcp.initialize`` -> ``mcp.initialized`` -> ``mcp.tools_list`` ->
``mcp.tools_call``, then the extra HTTP checks. A failed step skips the steps that
depend on it, never the independent ones, so one run shows everything that is wrong.
One deadline bounds the whole run. Standard library and httpx only.
"""

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from main.core.mcp.client import McpError, McpSession
from main.core.mcp.tls import LazyTlsTransport
from main.core.mcp.wire import CHECK_BODY_LIMIT, EXCERPT_BYTES, Cut, Deadline, Fetched, fetch
from main.core.smoke.hints import with_health_hint, with_host_hint, with_tls_hint
from main.core.smoke.result import CheckResult, SmokeReport, excerpt, failed, passed, skipped
from main.core.smoke.spec import HttpCheck, SmokeSpec, ToolCall

# Answers that mean "not ready yet" (a proxy or the app itself warming up): keep waiting.
WARMING_UP = frozenset({502, 503, 504})
FIRST_POLL = 0.005
POLL_CAP = 0.025
PROBE_TIMEOUT = 2.0
T = TypeVar("T")


def describe(exc: BaseException) -> str:
    """A transport error in words, e.g. ``ConnectError: [Errno 111] Connection refused``."""
    text = str(exc) or "no details"
    return f"{type(exc).__name__}: {text}"


def wait_until_ready(
    client: httpx.Client, spec: SmokeSpec, deadline: Deadline
) -> tuple[CheckResult, float | None]:
    """Poll the health path until something other than "warming up" answers.

    Polls start 5 ms apart and back off to at most 25 ms, so a server is noticed at
    most about 25 ms after it starts answering, while a slow one is not hammered. Any
    answer except 502/503/504 ends the wait: whether it is the right answer is the
    ``health`` check's business, and a server answering 500 should fail in
    milliseconds, not at the timeout.

    Returns:
        The ``ready`` check and the startup time in seconds (``None`` if never ready).
    """
    limit = min(spec.ready_timeout or spec.timeout, spec.timeout)
    ready_by = deadline.started + limit
    probe = Deadline(limit)
    url = spec.base_url + (spec.health_path or spec.mcp_path or "/")
    delay = FIRST_POLL
    attempts = 0
    last = "no attempt made"
    while True:
        attempts += 1
        timeout = max(0.001, min(PROBE_TIMEOUT, ready_by - time.monotonic()))
        try:
            if spec.health_path is None:
                status = _mcp_probe(client, url, probe)
            else:
                status = _status(client, url, timeout)
        except (httpx.HTTPError, Cut, McpError) as exc:
            # A probe cut short by the deadline says nothing about the server: keep the
            # earlier, real reason (connection refused, TLS error...) for the report.
            clipped = isinstance(exc, httpx.TimeoutException | Cut) and timeout < PROBE_TIMEOUT
            if not (clipped and attempts > 1):
                last = describe(exc)
        else:
            if status not in WARMING_UP:
                startup = deadline.elapsed()
                detail = f"answered after {startup:.3f} s ({attempts} attempts)"
                return passed("ready", startup * 1000, detail), startup
            last = f"HTTP {status} (warming up)"
        left = ready_by - time.monotonic()
        if left <= 0:
            waited = deadline.elapsed()
            error = f"{url} was not ready within {limit:g} s: last attempt {last}"
            return failed("ready", waited * 1000, with_tls_hint(error)), None
        time.sleep(min(delay, left))
        delay = min(delay * 2, POLL_CAP)


def _status(client: httpx.Client, url: str, timeout: float) -> int:
    """Only the status of a GET: a readiness probe never waits for, or reads, a body."""
    with client.stream("GET", url, timeout=timeout) as response:
        return response.status_code


def _mcp_probe(client: httpx.Client, url: str, probe: Deadline) -> int:
    """Readiness of a server without a health endpoint: does ``initialize`` answer?

    A server still starting answers 502/503/504 (or refuses the connection); any other
    HTTP failure is an answer, so the wait ends and the MCP checks say what is wrong.
    """
    session = McpSession(client, url, deadline=probe)
    try:
        session.initialize()
    except McpError as exc:
        if exc.status is None:
            raise
        return exc.status
    finally:
        session.close()
    return 200


def check_health(client: httpx.Client, spec: SmokeSpec, deadline: Deadline) -> CheckResult:
    """GET the health path; only HTTP 200 passes. Only the start of the body is read."""
    path = spec.health_path or ""
    url = spec.base_url + path
    answer, error, ms = _attempt(lambda: fetch(client, "GET", url, deadline, EXCERPT_BYTES))
    if answer is None:
        return failed("health", ms, describe(error) if error else "no response")
    if answer.status != 200:  # noqa: PLR2004 - the definition of healthy
        return failed(
            "health",
            ms,
            with_host_hint(f"expected HTTP 200 from {path}, got {answer.status}", answer.status),
            http_status=answer.status,
            body=answer.text,
        )
    return passed("health", ms, f"HTTP 200 from {path}")


def _mcp_failure(name: str, ms: float, exc: "_Failure") -> CheckResult:
    if isinstance(exc, McpError):
        error = with_host_hint(str(exc), exc.status)
        return failed(name, ms, error, http_status=exc.status, body=exc.body)
    return failed(name, ms, describe(exc))


def _tool_text(result: dict[str, Any]) -> str:
    """All text a tool result carries: text content items, then structured content."""
    parts = [
        str(item.get("text", ""))
        for item in result.get("content") or []
        if isinstance(item, dict) and item.get("type") == "text"
    ]
    if "structuredContent" in result:
        parts.append(json.dumps(result["structuredContent"]))
    return "\n".join(parts)


def _list_tools(session: McpSession, expected: tuple[str, ...]) -> tuple[list[str], str | None]:
    """Tool names from ``tools/list``, following pagination; an error text or None."""
    names: list[str] = []
    cursor: str | None = None
    for _ in range(100):  # a server that paginates forever is broken, not patient
        result = session.request("tools/list", {"cursor": cursor} if cursor else None)
        tools = result.get("tools")
        if not isinstance(tools, list):
            return names, "tools/list result has no tools array"
        names += [str(t.get("name")) for t in tools if isinstance(t, dict) and t.get("name")]
        cursor = result.get("nextCursor")
        if not cursor:
            break
    if not names:
        return names, "tools/list returned no tools"
    missing = [name for name in expected if name not in names]
    if missing:
        return names, f"missing tools {missing}; the server lists {names}"
    return names, None


def _call_tool(session: McpSession, call: ToolCall) -> tuple[str, str | None]:
    result = session.request("tools/call", {"name": call.name, "arguments": dict(call.arguments)})
    text = _tool_text(result)
    if result.get("isError") is True:
        return text, f"tool {call.name} reported an error: {text}"
    if call.expect is not None and call.expect not in text:
        return text, f"tool {call.name} result does not contain {call.expect!r}"
    return text, None


@dataclass
class McpOutcome:
    """What the MCP part of a run found out, besides its check results."""

    checks: list[CheckResult]
    server: dict[str, str]
    tools: list[str]


_Failure = McpError | httpx.HTTPError | Cut


def _attempt(action: Callable[[], T]) -> tuple[T | None, _Failure | None, float]:
    """Run one step: its value or the error that stopped it, and its latency.

    Any HTTP failure counts (a refused connection, a redirect loop, a body that does
    not decode), and so does a read the deadline or a size limit cut short.
    """
    started = time.perf_counter()
    try:
        value = action()
    except (McpError, httpx.HTTPError, Cut) as exc:
        return None, exc, (time.perf_counter() - started) * 1000
    return value, None, (time.perf_counter() - started) * 1000


def _server_info(init: dict[str, Any], session: McpSession) -> dict[str, str]:
    info = init.get("serverInfo")
    info = info if isinstance(info, dict) else {}
    return {
        "name": str(info.get("name", "")),
        "version": str(info.get("version", "")),
        "protocol_version": session.protocol_version or "",
    }


def check_mcp(client: httpx.Client, spec: SmokeSpec, deadline: Deadline) -> McpOutcome:
    """Handshake, ``tools/list`` and the optional ``tools/call``; later steps skip on failure."""
    outcome = McpOutcome(checks=[], server={}, tools=[])
    session = McpSession(client, spec.base_url + (spec.mcp_path or ""), deadline=deadline)
    try:
        init, error, ms = _attempt(session.initialize)
        if init is None or error is not None:
            outcome.checks.append(_mcp_failure("mcp.initialize", ms, error or McpError("no reply")))
            later = ["mcp.initialized", "mcp.tools_list"]
            later += ["mcp.tools_call"] if spec.tool_call is not None else []
            outcome.checks += [skipped(name, "mcp.initialize failed") for name in later]
            return outcome
        outcome.server = server = _server_info(init, session)
        detail = f"{server['name']} {server['version']}, protocol {server['protocol_version']}"
        detail += ", session id issued" if session.session_id else ", no session id"
        outcome.checks.append(passed("mcp.initialize", ms, detail))

        status, error, ms = _attempt(lambda: session.notify("notifications/initialized"))
        outcome.checks.append(
            _mcp_failure("mcp.initialized", ms, error)
            if error is not None
            else passed("mcp.initialized", ms, f"HTTP {status}")
        )

        listed, error, ms = _attempt(lambda: _list_tools(session, spec.expected_tools))
        if error is not None or listed is None:
            outcome.checks.append(_mcp_failure("mcp.tools_list", ms, error or McpError("no reply")))
        else:
            outcome.tools, problem = listed
            outcome.checks.append(
                failed("mcp.tools_list", ms, problem)
                if problem is not None
                else passed(
                    "mcp.tools_list", ms, f"{len(outcome.tools)} tools: {', '.join(outcome.tools)}"
                )
            )

        call = spec.tool_call
        if call is not None:
            outcome.checks.append(
                _step(deadline, "mcp.tools_call", lambda: _run_tool_call(session, call))
            )
        if spec.health_path is None:
            outcome.checks.append(_step(deadline, "mcp.ping", lambda: _ping(session)))
    finally:
        session.close()
    return outcome


def _step(deadline: Deadline, name: str, run: Callable[[], CheckResult]) -> CheckResult:
    """Run a check unless the deadline has already passed."""
    return _timed_out(name, deadline) if deadline.expired() else run()


def _ping(session: McpSession) -> CheckResult:
    """Liveness for a server without a health endpoint: the protocol's own ``ping``."""
    _, error, ms = _attempt(session.ping)
    if error is not None:
        return _mcp_failure("mcp.ping", ms, error)
    return passed("mcp.ping", ms, "ping answered")


def _run_tool_call(session: McpSession, call: ToolCall) -> CheckResult:
    name = "mcp.tools_call"
    called, error, ms = _attempt(lambda: _call_tool(session, call))
    if error is not None or called is None:
        return _mcp_failure(name, ms, error or McpError("no reply"))
    text, problem = called
    if problem is not None:
        return failed(name, ms, problem, body=text)
    return passed(name, ms, f"{call.name} -> {excerpt(text, 120)}")


def _json_field(body: str, path: str) -> tuple[bool, Any, str | None]:
    """Walk a dotted path (``a.b.0``) into a JSON body: found, value, error."""
    try:
        value: Any = json.loads(body)
    except json.JSONDecodeError as exc:
        return False, None, f"body is not JSON ({exc.msg} at char {exc.pos})"
    for part in path.split("."):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return False, None, f"JSON field {path!r} is missing (at {part!r})"
    return True, value, None


def _examine(check: HttpCheck, response: Fetched) -> str | None:
    """Why the response does not satisfy the check, or None when it does."""
    if response.status != check.status:
        return f"expected HTTP {check.status}, got {response.status}"
    body = response.text
    cut = "" if response.complete else f" in its first {CHECK_BODY_LIMIT // 1024} KiB"
    if check.contains is not None and check.contains not in body:
        return f"body does not contain {check.contains!r}{cut}"
    if check.json_path is not None and not response.complete:
        return (
            f"body is larger than {CHECK_BODY_LIMIT // 1024} KiB: read no further, "
            "so not parsed as JSON"
        )
    if check.json_path is not None:
        found, value, error = _json_field(body, check.json_path)
        if not found:
            return error
        if check.expects_value and value != check.equals:
            return f"JSON field {check.json_path!r} is {value!r}, expected {check.equals!r}"
    return None


def check_http(
    client: httpx.Client, spec: SmokeSpec, check: HttpCheck, deadline: Deadline
) -> CheckResult:
    """One configured extra request: status, then substring, then JSON field."""
    name = f"check.{check.name}"
    url = spec.base_url + check.path
    response, error, ms = _attempt(
        lambda: fetch(client, check.method, url, deadline, CHECK_BODY_LIMIT)
    )
    if response is None:
        return failed(name, ms, describe(error) if error else "no response")
    problem = _examine(check, response)
    if problem is not None:
        return failed(name, ms, problem, http_status=response.status, body=response.text)
    return passed(name, ms, f"{check.method} {check.path} -> HTTP {response.status}")


def _planned(spec: SmokeSpec) -> list[str]:
    names = ["health"] if spec.health_path is not None else []
    if spec.mcp_path is not None:
        names += ["mcp.initialize", "mcp.initialized", "mcp.tools_list"]
        names += ["mcp.tools_call"] if spec.tool_call is not None else []
        names += ["mcp.ping"] if spec.health_path is None else []
    return names + [f"check.{check.name}" for check in spec.checks]


def _timed_out(name: str, deadline: Deadline) -> CheckResult:
    return failed(name, 0.0, f"not started: the overall timeout of {deadline.seconds:g} s ran out")


def _health_source(spec: SmokeSpec) -> str:
    if spec.health_path is not None:
        return f"GET {spec.health_path}"
    return "MCP: initialize for readiness, ping for liveness (no health endpoint)"


def run_smoke(spec: SmokeSpec) -> SmokeReport:
    """Run every check of ``spec`` once and report; never raises for a broken server.

    One deadline bounds the whole run, waiting, reading and resuming included: a check
    it cuts short fails naming the cut, and the checks after it fail as not started.
    """
    checks: list[CheckResult] = []
    server: dict[str, str] = {}
    tools: list[str] = []
    # The client before the clock starts: setting it up is not the server's time.
    with httpx.Client(follow_redirects=True, transport=LazyTlsTransport()) as client:
        deadline = Deadline(spec.timeout)
        ready, startup = wait_until_ready(client, spec, deadline)
        checks.append(ready)
        if ready.failed:
            checks += [skipped(name, "the server never became ready") for name in _planned(spec)]
        elif deadline.expired():
            checks += [_timed_out(name, deadline) for name in _planned(spec)]
        else:
            if spec.health_path is not None:
                checks.append(check_health(client, spec, deadline))
            if spec.mcp_path is not None:
                mcp = check_mcp(client, spec, deadline)
                checks += mcp.checks
                server, tools = mcp.server, mcp.tools
            for check in spec.checks:
                name = f"check.{check.name}"
                if deadline.expired():
                    checks.append(_timed_out(name, deadline))
                else:
                    checks.append(check_http(client, spec, check, deadline))
    return SmokeReport(
        target=spec.base_url,
        checks=tuple(with_health_hint(checks, spec.health_path)),
        startup_seconds=startup,
        duration_seconds=deadline.elapsed(),
        timeout_seconds=spec.timeout,
        server=server,
        tools=tuple(tools),
        health=_health_source(spec),
    )
