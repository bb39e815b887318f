"""The attestation step's lazy plan: Trivy's SBOM container, the signing key, the export.

Trivy cannot run here: the container's image, mounts and arguments are read from the
SDK's selections. The decision (attest or skip, what the report says) is tested in
tests/unit/run/test_attest_flow.py; here is only what the shell builds.
"""

import inspect

import dagger
import pytest
from dagger import dag

from main.provenance import ancestry
from main.report import JSON_FILE, SBOM_FILE, RunReport
from main.scan import IMAGE_TAR, SBOM, TRIVY_IMAGE, sbom_container, sbom_file
from main.source import GIT_IMAGE
from main.workflows import Delivery
from tests.support.lazy import calls, find, plain_env, secret_names


def built_image() -> dagger.Container:
    return dag.container().from_("python:3.12-slim").with_exec(["true"])


def test_the_sbom_is_trivys_cyclonedx_of_the_built_tarball() -> None:
    container = sbom_container(built_image())
    (source,) = find(container, "from")
    assert source.args["address"] == TRIVY_IMAGE
    (mounted,) = find(container, "withMountedFile")
    assert mounted.args["path"] == IMAGE_TAR
    assert [c.name for c in mounted.arg_chain("source")][-1] == "asTarball"
    (run,) = find(container, "withExec")
    assert run.args["args"] == [
        "trivy", "image", "--format", "cyclonedx", "--input", IMAGE_TAR, "--output", SBOM,
    ]  # fmt: skip


def test_the_sbom_file_is_what_trivy_wrote() -> None:
    (read,) = find(sbom_file(built_image()), "file")
    assert read.args["path"] == SBOM


def test_no_secret_reaches_the_sbom_container() -> None:
    container = sbom_container(built_image())
    assert secret_names(container) == []
    assert all("KEY" not in name for name in plain_env(container))


def test_a_signing_key_lets_the_run_sign() -> None:
    key = dag.set_secret("signing-key", "pem")
    assert Delivery(signing_key=key).reach.can_sign
    assert not Delivery().reach.can_sign


def test_deploy_staging_and_ci_take_a_signing_key_as_a_secret() -> None:
    from main.run_functions import RunFunctions  # noqa: PLC0415 - the functions under test

    for function in (RunFunctions.deploy_staging, RunFunctions.ci):
        parameter = inspect.signature(function).parameters["signing_key"]
        assert parameter.default is None
        assert "dagger.Secret" in str(parameter.annotation)


def report_with(sbom: dagger.File | None) -> RunReport:
    from main.core.report.model import Report  # noqa: PLC0415

    return RunReport.of(Report(workflow="ci", service="svc", version="1", ref="x"), sbom=sbom)


def test_the_sbom_is_exported_beside_the_report() -> None:
    sbom = sbom_file(built_image())
    folder = report_with(sbom).report()
    (written,) = find(folder, "withFile")
    assert written.args["path"] == SBOM_FILE
    assert [c.name for c in written.arg_chain("source")][-1] == "file"
    assert JSON_FILE in [c.args["path"] for c in find(folder, "withNewFile")]


def test_no_sbom_no_file() -> None:
    assert find(report_with(None).report(), "withFile") == []


@pytest.mark.parametrize("name", ["sbom", "attach", "builder"])
def test_dagger_stages_implement_the_attestation_stages(name: str) -> None:
    from main.workflows import DaggerStages  # noqa: PLC0415

    assert inspect.iscoroutinefunction(getattr(DaggerStages, name))


def test_promote_asks_the_release_branch_of_the_pinned_git_image_over_the_git_folder() -> None:
    git_dir = dag.host().directory("/srv/svc").directory(".git")
    container = ancestry(git_dir, "a" * 40, "main")
    chain = calls(container)
    assert chain[1].name == "from"
    assert chain[1].args == {"address": GIT_IMAGE}
    assert plain_env(container) == {
        "GIT_CONFIG_COUNT": "1",
        "GIT_CONFIG_KEY_0": "safe.directory",
        "GIT_CONFIG_VALUE_0": "*",
    }
    (mount,) = find(container, "withDirectory")
    assert mount.args["path"] == "/repo/.git"
    assert [c.name for c in mount.arg_chain("source")] == ["host", "directory", "directory"]
    (command,) = find(container, "withExec")
    assert command.args["args"][:2] == ["sh", "-c"]
    assert command.args["args"][-3:] == ["a" * 40, "refs/remotes/origin/main", "refs/heads/main"]
