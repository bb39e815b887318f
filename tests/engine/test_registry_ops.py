"""`dagger call registry ...` promote, rollback and prune: options and one-line errors.

The registry functions talk HTTP from the module's container, which cannot reach a
registry on the test host's loopback; their work against a real registry is covered
by tests/integration (the same code, in-process). Here: what only the engine shows.
"""

import pytest

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall


@pytest.mark.parametrize(
    ("function", "options"),
    [
        ([], ["--token", "--api"]),
        (["promote"], ["--tag", "--force", "--verify-key", "--release-commits", "--skip-verify"]),
        (["rollback"], ["--to"]),
        (["prune"], ["--keep", "--keep-newer-than", "--dry-run"]),
    ],
)
def test_options_are_documented(
    dagger: DaggerCall, function: list[str], options: list[str]
) -> None:
    result = dagger("call", "--subpath", SAMPLE_SUBPATH, "registry", *function, "--help")
    assert result.returncode == 0, result.stderr
    for option in options:
        assert option in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["registry", "prune", "--keep-newer-than", "soon"], "'soon' is not an age"),
        (["registry", "--api", "127.0.0.1:5000", "rollback"], "needs a scheme"),
    ],
)
def test_bad_arguments_fail_with_one_clear_line(
    dagger: DaggerCall, args: list[str], expected: str
) -> None:
    result = dagger("call", "--subpath", SAMPLE_SUBPATH, *args)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert expected in output
    assert "Traceback" not in output
