"""``python -m main.core.deploy --target kubernetes|ecs``: bad usage is one line and exit 2."""

import ast
import json
from pathlib import Path

import pytest

from main.core.deploy.cli import main
from main.core.deploy.cli_targets import EXIT_BAD_USAGE

DIGEST = "127.0.0.1:5000/app@sha256:" + "a" * 64
KUBECONFIG = (
    "apiVersion: v1\nkind: Config\ncurrent-context: c\n"
    "clusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\n"
    "contexts:\n- name: c\n  context: {cluster: c, user: u}\n"
    "users:\n- name: u\n  user: {token: tok-secret-123}\n"
)


def kube(tmp_path: Path, *extra: str) -> list[str]:
    (tmp_path / "kubeconfig").write_text(KUBECONFIG)
    return [
        "--target", "kubernetes", "--kubeconfig", str(tmp_path / "kubeconfig"),
        "--namespace", "staging", "--deployment", "web", "--container", "app",
        "--url", "http://127.0.0.1:1", *extra,
    ]  # fmt: skip


def ecs(*extra: str) -> list[str]:
    return [
        "--target", "ecs", "--region", "us-east-1", "--cluster", "stg", "--service", "web",
        "--container", "app", "--url", "http://127.0.0.1:1", *extra,
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("which", "extra", "message"),
    [
        ("kube", (), "give exactly one of --image"),
        ("kube", ("--image", "127.0.0.1:5000/app:latest"), "needs an image by digest"),
        ("kube", ("--image", DIGEST, "--timeout", "inf"), "--timeout must be"),
        ("kube", ("--image", DIGEST, "--namespace", "Bad_NS"), "--namespace"),
        ("kube", ("--image", DIGEST, "--deployment", "-web"), "--deployment"),
        ("kube", ("--image", DIGEST, "--host", "x"), "unrecognized arguments: --host"),
        ("ecs", ("--image", DIGEST, "--rollback"), "give exactly one of"),
        ("ecs", ("--image", DIGEST, "--endpoint-url", "ftp://x"), "--endpoint-url"),
        ("ecs", ("--image", DIGEST, "--region", "not a region"), "--region"),
        ("ecs", ("--image", DIGEST, "--mcp-path", "/mcp", "--no-mcp"), "not allowed with"),
        ("kube", ("--image", DIGEST, "--stability-window", "-1"), "--stability-window must"),
        ("ecs", ("--image", DIGEST, "--stability-window", "nan"), "--stability-window must"),
    ],
)
def test_bad_usage(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    which: str,
    extra: tuple[str, ...],
    message: str,
) -> None:
    argv = kube(tmp_path, *extra) if which == "kube" else ecs(*extra)
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == EXIT_BAD_USAGE
    out, err = capsys.readouterr()
    assert message in json.loads(out)["error"]
    assert message in err
    assert err.count("\n") == 1


def test_an_unknown_target(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--target", "nomad"])
    assert stopped.value.code == EXIT_BAD_USAGE
    assert "--target" in capsys.readouterr().err


def test_a_bad_kubeconfig_is_bad_usage_without_its_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = kube(tmp_path, "--image", DIGEST)
    (tmp_path / "kubeconfig").write_text(KUBECONFIG.replace("https://", "http://"))
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == EXIT_BAD_USAGE
    out, err = capsys.readouterr()
    assert "plain HTTP" in err
    assert "tok-secret" not in out + err


def test_a_missing_kubeconfig_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = kube(tmp_path, "--image", DIGEST)
    (tmp_path / "kubeconfig").unlink()
    with pytest.raises(SystemExit):
        main(argv)
    assert "--kubeconfig" in capsys.readouterr().err


def test_the_target_seams_use_only_public_names_of_the_deploy_package() -> None:
    # The Kubernetes and ECS seams share the Compose seam's parser; a private name
    # imported across modules would break silently when its owner renames it.
    root = Path(main.__code__.co_filename).parent  # the deploy package's folder
    private = [
        f"{path.name}: {node.module}.{alias.name}"
        for path in sorted(root.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("main.")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert private == []
