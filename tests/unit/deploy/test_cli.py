"""``python -m main.core.deploy``: bad usage is one line, a JSON answer and exit 2."""

import json
from pathlib import Path

import pytest

from main.core.deploy.cli import EXIT_BAD_USAGE, main

DIGEST = "127.0.0.1:5000/app@sha256:" + "a" * 64


def argv(tmp_path: Path, *extra: str) -> list[str]:
    for name in ("key", "known_hosts", "compose.yml"):
        (tmp_path / name).write_text("x\n")
    return [
        "--host", "127.0.0.1", "--port", "1",
        "--identity", str(tmp_path / "key"),
        "--known-hosts", str(tmp_path / "known_hosts"),
        "--compose-file", str(tmp_path / "compose.yml"),
        "--service", "app", "--project", "app",
        "--url", "http://127.0.0.1:1",
        *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ((), "give exactly one of --image REPOSITORY@sha256:... or --rollback"),
        (("--image", DIGEST, "--rollback"), "give exactly one of"),
        (("--image", "127.0.0.1:5000/app:latest"), "needs an image by digest"),
        (("--image", DIGEST, "--timeout", "nan"), "--timeout must be a number of seconds"),
        # A zero rollout budget would write the pins, fail, and "roll back" with no time either.
        (("--image", DIGEST, "--timeout", "0"), "--timeout must be a number of seconds"),
        (("--image", DIGEST, "--timeout", "inf"), "--timeout must be a number of seconds"),
        (("--image", DIGEST, "--lock-timeout", "inf"), "--lock-timeout must be a number"),
        (("--image", DIGEST, "--lock-timeout", "-1"), "--lock-timeout must be a number"),
        (("--image", DIGEST, "--port", "0"), "--port must be"),
        # The smoke test's overall bound is derived from it: the message must name what was given.
        (("--image", DIGEST, "--ready-timeout", "-100"), "--ready-timeout must be"),
        (("--image", DIGEST, "--ready-timeout", "inf"), "--ready-timeout must be"),
        (("--image", DIGEST, "--port", "65536"), "--port must be"),
        (("--image", DIGEST, "--mcp-path", "/mcp", "--no-mcp"), "not allowed with argument"),
        (("--image", DIGEST, "--health-path", "health"), "--health-path"),
    ],
)
def test_bad_usage(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: tuple[str, ...], message: str
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv(tmp_path, *extra))
    assert exited.value.code == EXIT_BAD_USAGE
    out, err = capsys.readouterr()
    assert message in json.loads(out)["error"]
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_missing_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = argv(tmp_path, "--image", DIGEST)
    (tmp_path / "compose.yml").unlink()
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == EXIT_BAD_USAGE
    assert f"--compose-file {tmp_path / 'compose.yml'}: No such file" in capsys.readouterr().err


def test_a_missing_required_option(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--host", "h"])
    assert exited.value.code == EXIT_BAD_USAGE
    assert "the following arguments are required" in capsys.readouterr().err


def test_a_known_hosts_file_that_pins_nothing_is_bad_usage_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Not "set host-key in [tool.pipeline.deploy]": on the command line there is no table.
    args = argv(tmp_path, "--image", DIGEST)
    (tmp_path / "known_hosts").write_text("# staging host, key to come\n\n")
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == EXIT_BAD_USAGE
    err = capsys.readouterr().err
    assert f"--known-hosts {tmp_path / 'known_hosts'} pins no host key" in err
    assert "tool.pipeline.deploy" not in err
