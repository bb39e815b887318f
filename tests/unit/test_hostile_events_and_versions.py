"""A hostile user's payloads and versions: one clear line, never a traceback or a wrong tag.

Payloads come from GitHub, from a replayed file, or from a hand-written one: a branch
name git allows (``feature/$(id)``, unicode), fields of the wrong type or size, and
text that would start a workflow command (``::error::``) on a line of its own in the
Actions log. Versions come from a service's ``pyproject.toml``: huge numbers, deep
TOML, pre-releases that must never become ``latest``.
"""

import pytest

from main.core.errors import PipelineError
from main.core.tags import PRODUCTION_LATEST, production_tags
from main.core.triggers import decide, decide_ci, load_payload
from main.core.versioning import normalize_version, read_version

SHA = "4f2d8c1e9b7a6d5c3e2f1a0b9c8d7e6f5a4b3c2d"
COMMAND = "\n::error title=pwned::injected\r\x1b[2K"


def pull(action: str, number: object = 7, base: str = "main") -> dict[str, object]:
    return {
        "action": action,
        "number": number,
        "pull_request": {"head": {"sha": SHA}, "base": {"ref": base}},
    }


@pytest.mark.parametrize(
    ("event", "payload"),
    [
        ("push", {"ref": f"refs/heads/feature/x{COMMAND}", "after": SHA}),
        ("pull_request", pull(f"closed{COMMAND}")),
        ("pull_request", pull("opened", number=f"7{COMMAND}")),
        ("pull_request", pull("labeled", base=f"release{COMMAND}") | {"label": {"name": "x"}}),
        (f"schedule{COMMAND}", {}),
    ],
    ids=["pushed ref", "pr action", "pr number", "pr base", "event name"],
)
def test_a_reason_quoting_the_payload_is_one_clean_line(
    event: str, payload: dict[str, object]
) -> None:
    for reason in (decide(event, payload).reason, decide_ci(event, payload).reason):
        assert "\n" not in reason
        assert "\r" not in reason
        assert "\x1b" not in reason


def test_a_huge_event_name_gives_a_bounded_reason() -> None:
    assert len(decide("x" * 100_000, {}).reason) < 400


@pytest.mark.parametrize(
    "text",
    ['{"number": 1' + "0" * 5000 + "}", '{"after": ' + "9" * 4400 + "}"],
    ids=["huge number", "huge after"],
)
def test_a_payload_with_a_number_python_will_not_read_is_one_line(text: str) -> None:
    with pytest.raises(PipelineError, match="event file"):
        load_payload(text)


def test_a_version_with_thousands_of_digits_is_one_line() -> None:
    version = "1." + "0" * 5000
    normal = normalize_version(version)  # valid PEP 440, only long
    assert normal == "1.0"
    with pytest.raises(PipelineError, match="longer than 128"):
        production_tags("1" * 5000, SHA)


def test_a_pyproject_nested_too_deep_is_one_line() -> None:
    with pytest.raises(PipelineError, match=r"pyproject\.toml"):
        read_version("a = " + "[" * 100_000 + "]" * 100_000)


@pytest.mark.parametrize("version", ["2.0.0rc1", "2.0.0a3", "2.0.0b1", "2.0.0.dev4", "2.0.0+local"])
def test_a_pre_release_never_moves_latest(version: str) -> None:
    tags = production_tags(version, SHA)
    assert PRODUCTION_LATEST not in tags
    assert tags[-1] == SHA


@pytest.mark.parametrize("version", ["2.0.0", "2.0.0.post1", "2"])
def test_a_release_moves_latest_first(version: str) -> None:
    assert production_tags(version, SHA)[0] == PRODUCTION_LATEST


def labeled(state: str, *, merged: bool = False) -> dict[str, object]:
    repo = {"full_name": "acme/svc"}
    return {
        "action": "labeled",
        "number": 12,
        "label": {"name": "deploy-to-staging"},
        "pull_request": {
            "state": state,
            "merged": merged,
            "head": {"sha": SHA, "repo": repo},
            "base": {"ref": "main", "repo": repo},
        },
    }


@pytest.mark.parametrize(("state", "merged"), [("closed", False), ("closed", True)])
def test_labeling_a_closed_pull_request_deploys_nothing(state: str, *, merged: bool) -> None:
    # GitHub sends `labeled` for closed pull requests too: an old, rejected (or long
    # merged) head must not land on staging because someone tidied up labels.
    decision = decide("pull_request", labeled(state, merged=merged))
    assert not decision.should_deploy
    assert decision.rule == "closed"
    assert "#12" in decision.reason


def test_labeling_an_open_pull_request_still_deploys_its_head() -> None:
    decision = decide("pull_request", labeled("open"))
    assert decision.should_deploy
    assert decision.ref == SHA
