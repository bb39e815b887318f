"""Which tool a load run calls when none is configured: the first listed, if it can be.

A ``tools/list`` result is the server's word, and a load test meets servers at their
worst: no tools, a nameless tool, a ``required`` that is not a list of names. Each
of these is a note and a skipped call, never an exception inside a simulated user
(Locust would log a traceback and the round would vanish from the figures). Standard
library only, so it is tested without loading Locust.
"""

from collections.abc import Mapping

SET_IT = "set the tool and its arguments"


def first_callable_tool(tools: object) -> tuple[str | None, str]:
    """The first listed tool if it needs no arguments, else None; and a note saying which."""
    if not isinstance(tools, list) or not tools or not isinstance(tools[0], Mapping):
        return None, "tools/call skipped: tools/list returned no tool"
    first = tools[0]
    name = first.get("name")
    if not isinstance(name, str) or not name:
        return None, f"tools/call skipped: the first listed tool has no name; {SET_IT}"
    schema = first.get("inputSchema")
    required = schema.get("required") if isinstance(schema, Mapping) else None
    if required is None:
        required = []
    if not isinstance(required, list):
        return None, (
            f"tools/call skipped: no tool configured, and the first listed tool {name!r} "
            f"has a malformed inputSchema.required; {SET_IT}"
        )
    if required:
        needs = ", ".join(str(item) for item in required)
        return None, (
            f"tools/call skipped: no tool configured, and the first listed tool {name!r} "
            f"needs arguments ({needs}); {SET_IT}"
        )
    return name, f"tools/call calls {name!r}, the first listed tool (no tool configured)"
