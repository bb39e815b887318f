import pytest

from main.core.load.tools import first_callable_tool


def test_the_first_tool_without_required_arguments_is_called() -> None:
    tools = [{"name": "now", "inputSchema": {"type": "object", "properties": {}}}]
    assert first_callable_tool(tools) == (
        "now",
        "tools/call calls 'now', the first listed tool (no tool configured)",
    )


def test_a_first_tool_needing_arguments_is_skipped_naming_them() -> None:
    tools = [{"name": "add", "inputSchema": {"required": ["a", "b"]}}, {"name": "now"}]
    tool, note = first_callable_tool(tools)
    assert tool is None
    assert note.endswith("needs arguments (a, b); set the tool and its arguments")


@pytest.mark.parametrize(
    "tools",
    [
        None,
        [],
        "add",
        [["add"]],
        [{"inputSchema": {}}],  # no name
        [{"name": ""}],
        [{"name": {"nested": 1}}],
    ],
)
def test_a_listing_with_no_usable_first_tool_skips_the_call(tools: object) -> None:
    tool, note = first_callable_tool(tools)
    assert tool is None
    assert note.startswith("tools/call skipped: ")


@pytest.mark.parametrize("required", [5, 2.5, True, "ab", {"a": 1}])
def test_a_malformed_required_list_is_a_note_never_a_crash(required: object) -> None:
    # `required` must be an array of names; anything else from the server must not raise
    # out of the simulated user (Locust would log a traceback and the round would vanish).
    tool, note = first_callable_tool([{"name": "odd", "inputSchema": {"required": required}}])
    assert tool is None
    assert note.startswith("tools/call skipped: ")
    assert "'odd'" in note
