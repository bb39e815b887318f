"""``python -m main.core.deploy``: bad usage is one line, a JSON answer and exit 2."""

import json
from pathlib import Path

import pytest

from main.core.deploy.cli import main
from main.core.deploy.cli_targets import EXIT_BAD_USAGE

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
        (("--image", DIGEST, "--to", "v1"), "--to DIGEST|TAG goes with --rollback"),
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
        (("--image", DIGEST, "--stability-window", "-1"), "--stability-window must be"),
        (("--image", DIGEST, "--stability-window", "nan"), "--stability-window must be"),
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


@pytest.mark.parametrize("project", ["../../etc", "x$(touch pwned)", "déploiement-ü", "MyApp", ""])
def test_a_project_name_compose_would_not_take_is_refused_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], project: str
) -> None:
    args = argv(tmp_path, "--image", DIGEST)
    args[args.index("--project") + 1] = project
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == EXIT_BAD_USAGE
    out, err = capsys.readouterr()
    assert f"--project {project!r}" in err
    assert "lower-case letters, digits" in json.loads(out)["error"]
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("service", ["../app", "a b", ".app"])
def test_a_service_name_compose_would_not_take_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], service: str
) -> None:
    args = argv(tmp_path, "--image", DIGEST)
    args[args.index("--service") + 1] = service
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == EXIT_BAD_USAGE
    assert f"--service {service!r}" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "name", "data"),
    [
        ("--known-hosts", "known_hosts", b"\x00\xff\xfe binary \x89PNG"),
        ("--identity", "key", b"0\x82\x04\xa4\x02\x01\x00\x02\x82\x01\x01\x00\xc3"),
        (
            "--compose-file",
            "compose.yml",
            "services:\n  app:\n    image: caf\xe9\n".encode("latin-1"),
        ),
    ],
)
def test_a_file_that_is_not_utf8_text_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, name: str, data: bytes
) -> None:
    args = argv(tmp_path, "--image", DIGEST)
    (tmp_path / name).write_bytes(data)
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == EXIT_BAD_USAGE
    out, err = capsys.readouterr()
    assert f"{option} {tmp_path / name}: not UTF-8 text" in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
    assert json.loads(out)["passed"] is False
