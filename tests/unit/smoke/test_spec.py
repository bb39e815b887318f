import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.config import load_config
from main.core.errors import PipelineError
from main.core.smoke import argv_for, spec_from_args
from main.core.smoke.spec import SmokeSpec, parse_http_check, parse_tool_call
from tests.support.fresh_imports import heavy_in, modules_loaded_by
from tests.support.pyprojects import pyproject_with


def test_a_check_needs_only_a_path() -> None:
    check = parse_http_check({"path": "/version"})
    assert (check.name, check.method, check.status) == ("GET /version", "GET", 200)
    assert not check.expects_value


def test_equals_null_is_an_expected_value() -> None:
    check = parse_http_check({"path": "/x", "json-path": "error", "equals": None})
    assert check.expects_value
    assert check.equals is None


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"path": "/x", "stauts": 200}, "unknown key 'stauts'"),
        ({"method": "GET"}, "needs 'path' as a non-empty string"),
        ({"path": "x"}, "path must start with '/'"),
        ({"path": "/x", "method": "FETCH"}, "method 'FETCH'"),
        ({"path": "/x", "status": 99}, "HTTP status code (100-599)"),
        ({"path": "/x", "status": True}, "HTTP status code (100-599)"),
        ({"path": "/x", "equals": 1}, "'equals' without 'json-path'"),
        ("GET /x", "must be a table/object"),
    ],
)
def test_bad_checks_name_what_is_wrong(raw: object, message: str) -> None:
    with pytest.raises(PipelineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_http_check(raw)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"arguments": {}}, "needs 'name'"),
        ({"name": "add", "arguments": [1, 2]}, "'arguments' as a table"),
        ({"name": "add", "expected": "3"}, "unknown key 'expected'"),
    ],
)
def test_bad_tool_calls_name_what_is_wrong(raw: object, message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        parse_tool_call(raw)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"url": "app:8000"}, "URL must be absolute"),
        ({"url": "http://"}, "URL must be absolute"),
        ({"health_path": "health"}, "--health-path must start with '/'"),
        ({"timeout": 0}, "--timeout must be a positive number"),
        ({"timeout": math.nan}, "--timeout must be a positive number"),
        ({"ready_timeout": -1.0}, "--ready-timeout must be a positive number"),
        ({"mcp_path": None, "expected_tools": ("add",)}, "need MCP"),
    ],
)
def test_a_spec_that_cannot_work_is_refused(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {"url": "http://app:8000", **kwargs}
    with pytest.raises(PipelineError, match=message):
        SmokeSpec(**arguments)  # type: ignore[arg-type]


def test_checks_need_distinct_names() -> None:
    check = parse_http_check({"path": "/x"})
    with pytest.raises(PipelineError, match="'GET /x' is used twice"):
        SmokeSpec(url="http://app", checks=(check, check))


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@given(
    timeout=st.floats(min_value=0.001, max_value=1e6),
    tools=st.lists(names, max_size=3),
    arguments=st.dictionaries(st.text(), json_values, max_size=3),
    expect=st.none() | names,
    equals=json_values,
    contains=st.none() | names,
)
def test_the_command_line_carries_a_spec_exactly(  # noqa: PLR0913 - one per spec part
    *,
    timeout: float,
    tools: list[str],
    arguments: dict[str, object],
    expect: str | None,
    equals: object,
    contains: str | None,
) -> None:
    raw_check: dict[str, object] = {"path": "/v", "json-path": "a.0", "equals": equals}
    if contains is not None:
        raw_check["contains"] = contains
    spec = SmokeSpec(
        url="http://app:8000/",
        timeout=timeout,
        ready_timeout=timeout / 2,
        expected_tools=tuple(tools),
        tool_call=parse_tool_call({"name": "t", "arguments": arguments, "expect": expect}),
        checks=(parse_http_check(raw_check), parse_http_check({"path": "/x", "method": "head"})),
    )
    assert spec_from_args(argv_for(spec)) == spec


def test_no_mcp_round_trips() -> None:
    spec = SmokeSpec(url="https://stg.example.com", mcp_path=None)
    assert spec_from_args(argv_for(spec)) == spec
    assert "--no-mcp" in argv_for(spec)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["http://app", "--timeout", "soon"], "argument --timeout: invalid float value"),
        (["http://app", "--check", "{path: /x}"], "--check is not valid JSON"),
        (["http://app", "--check", '{"path": "/x", "code": 1}'], "unknown key 'code'"),
        (["http://app", "--call-expect", "42"], "--call-args and --call-expect need --call"),
        (["http://app", "--call", "add", "--call-args", "[1]"], "'arguments' as a table"),
        ([], "the following arguments are required: URL"),
        # a CR/LF in a path would inject a header; it used to fail only when sent
        (["http://app", "--health-path", "/x\r\nX: y"], "--health-path must be a URL path"),
        (["http://app", "--mcp-path", "/m cp"], "--mcp-path must be a URL path without spaces"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        spec_from_args(argv)
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_config_settings_become_the_checker_spec() -> None:
    config = load_config(
        pyproject_with(
            "startup-timeout = 20\nsmoke-timeout = 5\nsmoke-expected-tools = ['add']\n"
            "smoke-tool-call = { name = 'add', arguments = { a = 1, b = 2 }, expect = '3' }\n"
            "[[tool.pipeline.smoke-checks]]\nname = 'version'\npath = '/health'\n"
            "json-path = 'version'\nequals = '0.1.0'\n"
        )
    )
    spec = config.smoke_spec("http://app:8000")
    assert (spec.timeout, spec.ready_timeout) == (25.0, 20.0)
    assert spec.expected_tools == ("add",)
    assert spec.tool_call is not None
    assert dict(spec.tool_call.arguments) == {"a": 1, "b": 2}
    assert [(c.name, c.json_path, c.equals) for c in spec.checks] == [
        ("version", "version", "0.1.0")
    ]


def test_smoke_mcp_false_turns_mcp_off() -> None:
    assert (
        load_config(pyproject_with("smoke-mcp = false")).smoke_spec("http://app").mcp_path is None
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "[[tool.pipeline.smoke-checks]]\npath = '/x'\nstatus = 'ok'",
            "[tool.pipeline].smoke-checks: an extra check needs 'status' as an HTTP status",
        ),
        (
            (
                "[[tool.pipeline.smoke-checks]]\npath = '/x'\n"
                "[[tool.pipeline.smoke-checks]]\npath = '/x'"
            ),
            "[tool.pipeline].smoke-checks: two checks are named 'GET /x'",
        ),
        (
            "smoke-tool-call = { tool = 'add' }",
            "[tool.pipeline].smoke-tool-call: the tool call has an unknown key 'tool'",
        ),
        ("smoke-env = { PORT = 8000 }", "[tool.pipeline].smoke-env.PORT"),
    ],
)
def test_bad_smoke_settings_name_the_key(body: str, message: str) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(pyproject_with(body))
    assert str(caught.value).startswith(message)


def test_the_checker_imports_neither_dagger_nor_pydantic() -> None:
    loaded = modules_loaded_by("main.core.smoke.cli")
    assert heavy_in(loaded, "dagger", "pydantic", "anyio") == []
