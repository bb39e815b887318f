"""`dagger call deploy-staging` and `ci` on the sample service, as the workflows run them."""

import json
from pathlib import Path

from tests.support.constants import SAMPLE_SUBPATH
from tests.support.engine import DaggerCall, exported_report, git, statuses

SAMPLE = ("call", "--subpath", SAMPLE_SUBPATH)


def test_deploy_staging_without_credentials_runs_everything_but_the_push(
    dagger: DaggerCall, tmp_path: Path
) -> None:
    report = exported_report(
        dagger, tmp_path, *SAMPLE, "deploy-staging", "--ref", git("rev-parse", "HEAD")
    )
    status = statuses(report)
    assert report["ok"] is True, report
    assert (tmp_path / "failure.txt").read_text(encoding="utf-8") == ""
    for stage in ("lint", "typecheck", "test", "lint-containerfile", "build", "smoke-test"):
        assert status[stage] == "passed", (stage, report)
    assert status["scan"] in {"passed", "warned"}
    assert status["publish"] == "skipped"
    publication = report["publication"]
    assert isinstance(publication, dict)
    assert any(ref.endswith(":staging-latest") for ref in publication["not_pushed"])


def test_ci_on_a_non_release_ref_builds_and_scans_without_pushing(
    dagger: DaggerCall, tmp_path: Path
) -> None:
    report = exported_report(dagger, tmp_path, *SAMPLE, "ci", "--ref", git("rev-parse", "HEAD"))
    status = statuses(report)
    assert status["build"] == "passed"
    assert "scan" in status
    assert "smoke-test" not in status
    assert status["publish"] == "skipped"


def test_an_event_that_does_not_deploy_says_why(dagger: DaggerCall, tmp_path: Path) -> None:
    event = tmp_path / "push.json"
    event.write_text(
        json.dumps({"ref": "refs/heads/feature/x", "after": git("rev-parse", "HEAD")}),
        encoding="utf-8",
    )
    report = exported_report(
        dagger,
        tmp_path / "out",
        *SAMPLE,
        "deploy-staging",
        "--event-name",
        "push",
        "--event",
        str(event),
    )
    assert statuses(report) == {"check-trigger": "skipped"}
    assert report["ok"] is True
