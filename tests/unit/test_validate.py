import pytest
from hypothesis import given
from hypothesis import strategies as st

from main.core.config import PipelineConfig, validate_config
from main.core.validate import (
    CHECKS,
    HADOLINT_VERSION,
    CheckResult,
    CommandRun,
    broken,
    check_commands,
    result_of,
    skipped,
    summary,
    sync_argv,
    tail,
    tools_argv,
    verdict,
)

ONLY_THIRD_PARTY = ["--no-install-workspace", "--no-install-local"]


def test_the_four_checks_in_report_order() -> None:
    assert CHECKS == ("lint", "typecheck", "test", "lint-containerfile")


def test_commands_come_from_the_configuration() -> None:
    config = validate_config(
        {"lint": "ruff check src", "test": ["pytest -q -m 'not slow'"], "containerfile": "ops/Cf"}
    )
    assert check_commands(config, "lint") == [["ruff", "check", "src"]]
    assert check_commands(config, "typecheck") == [["mypy", "."]]
    assert check_commands(config, "test") == [["pytest", "-q", "-m", "not slow"]]
    assert check_commands(config, "lint-containerfile") == [["hadolint", "--no-color", "ops/Cf"]]


def test_hadolint_is_pinned_to_a_version() -> None:
    assert HADOLINT_VERSION.count(".") == 2


def test_dependencies_install_without_the_project_first() -> None:
    assert sync_argv(None, install_project=False) == [
        "uv",
        "sync",
        "--all-extras",
        "--no-install-project",
        *ONLY_THIRD_PARTY,
    ]
    assert sync_argv(["dev", "docs"], install_project=True) == [
        "uv",
        "sync",
        "--extra",
        "dev",
        "--extra",
        "docs",
        "--inexact",  # keeps the validate-tools installed between the two syncs
    ]
    assert sync_argv([], install_project=True) == ["uv", "sync", "--inexact"]


def test_extra_tools_are_installed_only_when_asked() -> None:
    assert tools_argv([], "/opt/venv/bin/python") is None
    assert tools_argv(["ruff", "mypy>=1.13"], "/v/bin/python") == [
        "uv",
        "pip",
        "install",
        "--python",
        "/v/bin/python",
        "ruff",
        "mypy>=1.13",
    ]


def test_validation_settings_have_defaults_and_kebab_keys() -> None:
    config = PipelineConfig()
    assert config.validation.python_image == "python:3.12-slim"
    assert config.validation.extras is None
    assert config.validation.tools == []
    assert config.source_url is None
    custom = validate_config(
        {"python-image": "python:3.13-slim", "validate-extras": ["dev"], "validate-tools": ["ruff"]}
    )
    assert (custom.validation.python_image, custom.validation.extras, custom.validation.tools) == (
        "python:3.13-slim",
        ["dev"],
        ["ruff"],
    )


def test_a_check_passes_only_when_every_command_exits_zero() -> None:
    ok = CommandRun(["ruff", "check", "."], 0, "All checks passed!\n")
    bad = CommandRun(["ruff", "format", "--check", "."], 1, "Would reformat: a.py\n")
    passed = result_of("lint", [ok], 1.5)
    assert passed.status == "passed"
    assert passed.ok
    assert passed.commands == ("ruff check .",)
    failed = result_of("lint", [bad, ok], 2.0)
    assert failed.status == "failed"
    assert not failed.ok
    assert "$ ruff format --check .  (exit 1)\nWould reformat: a.py" in failed.output
    assert "$ ruff check .  (exit 0)\nAll checks passed!" in failed.output


def test_a_check_without_commands_is_skipped_visibly() -> None:
    config = validate_config({"test": []})
    assert check_commands(config, "test") == []
    result = result_of("test", [], 0.0)
    assert result.status == "skipped"
    assert result.output == "no commands configured: set test in [tool.pipeline] to run it"


def test_skipped_and_broken_checks() -> None:
    assert skipped("test", "skipped on request").ok
    error = broken("lint", "uv sync exited 2\nno solution", 3.0)
    assert error.status == "error"
    assert not error.ok
    assert "no solution" in error.output


def test_tail_keeps_the_end_and_says_what_was_left_out() -> None:
    text = "\n".join(f"line {n}" for n in range(100))
    kept = tail(text, max_lines=3)
    assert kept == "[97 earlier lines left out]\nline 97\nline 98\nline 99"
    assert tail("short\n\n") == "short"


def test_tail_bounds_characters_and_removes_colour() -> None:
    long_line = "x" * 50
    kept = tail(f"\x1b[31m{long_line}\x1b[0m\nend", max_chars=10)
    assert kept == "[1 earlier lines left out]\nend"
    assert tail("y" * 50, max_chars=10) == "[earlier output left out]\n" + "y" * 10


LINES_OF_TEXT = st.text(
    alphabet=st.one_of(st.just("\n"), st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")))
)


@given(
    LINES_OF_TEXT, st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=500)
)
def test_tail_is_a_bounded_end_of_the_text(text: str, lines: int, chars: int) -> None:
    kept = tail(text, max_lines=lines, max_chars=chars)
    note, _, body = kept.partition("\n") if "left out]" in kept.split("\n")[0] else ("", "", kept)
    assert text.rstrip().endswith(body)
    assert len(body) <= chars
    assert len(body.splitlines()) <= lines
    assert bool(note) == (body != text.rstrip())


def test_summary_and_verdict() -> None:
    results = [
        CheckResult("lint", "passed", 1.25, "ok"),
        CheckResult("test", "failed", 12.0, "1 failed"),
        skipped("lint-containerfile", "not asked"),
    ]
    assert summary(results).splitlines() == [
        "lint                passed      1.2 s",
        "test                failed     12.0 s",
        "lint-containerfile  skipped     0.0 s",
    ]
    assert verdict(results[1]) == "test failed after 12.0 s\n1 failed"


@pytest.mark.parametrize("name", CHECKS)
def test_every_check_has_commands_by_default(name: str) -> None:
    assert check_commands(PipelineConfig(), name)  # type: ignore[arg-type]


def test_a_token_a_test_printed_never_reaches_the_check_output() -> None:
    # A test suite that prints its environment (or a failing HTTP call that quotes its
    # Authorization header) puts a credential in the output: the check's output is what
    # the CI log, `dagger check` and the report show, so it is scrubbed where it is made.
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    printed = f"env: GITHUB_TOKEN={token}\nAuthorization: Bearer {token}\n\x1b[31mFAILED\x1b[0m\x00"
    run = CommandRun(["pytest", "-q"], 1, printed)
    result = result_of("test", [run], 1.0)
    for text in (result.output, verdict(result)):
        assert token[:10] not in text
        assert "FAILED" in text
        assert "\x1b" not in text
        assert "\x00" not in text
