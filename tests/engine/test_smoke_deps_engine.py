"""deploy-staging's smoke test of a service that needs a database and a key, on an engine.

What only the engine proves: the helper service (postgres:16-alpine, alias ``db``)
starts beside the app and the app reaches it by alias; the secret variables from
``--secrets file://...`` reach the app and the database, and their values appear
nowhere in the report; without its key the app refuses to start and the report
carries its own log line. The same sample runs for real, against a real PostgreSQL,
in tests/integration/test_smoke_dependencies.py.
"""

import json
import shutil
from pathlib import Path

from tests.support.checkouts import commit_all
from tests.support.constants import REPO_ROOT
from tests.support.engine import DaggerCall, exported_report, statuses

DEPS_SERVICE = REPO_ROOT / "tests" / "fixtures" / "deps-service"
API_KEY = "sk-engine-sample-key"
PASSWORD = "pg-engine-sample-password"  # noqa: S105 - a made-up value, looked for in the report


def checkout(folder: Path, *, without_key: bool = False) -> str:
    """The sample in a repository of its own (optionally without API_KEY configured); its sha."""
    shutil.copytree(DEPS_SERVICE, folder)
    if without_key:
        pyproject = folder / "pyproject.toml"
        text = pyproject.read_text(encoding="utf-8")
        pyproject.write_text(
            text.replace('["API_KEY", "POSTGRES_PASSWORD"]', '["POSTGRES_PASSWORD"]')
        )
    return commit_all(folder)


def dotenv(folder: Path, *, key: bool = True) -> str:
    path = folder / "staging.env"
    lines = [f"POSTGRES_PASSWORD={PASSWORD}"] + ([f"API_KEY={API_KEY}"] if key else [])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"file://{path}"


def run(
    dagger: DaggerCall, tmp_path: Path, service: Path, sha: str, secrets: str
) -> dict[str, object]:
    call = ("-m", str(REPO_ROOT), "call", "--source", str(service), "deploy-staging")
    return exported_report(
        dagger, tmp_path / "out", *call, "--ref", sha, "--skip-tests", "--secrets", secrets
    )


def test_with_its_database_and_key_the_smoke_test_passes(
    dagger: DaggerCall, tmp_path: Path
) -> None:
    service = tmp_path / "service"
    sha = checkout(service)
    report = run(dagger, tmp_path, service, sha, dotenv(tmp_path))
    assert statuses(report)["smoke-test"] == "passed", report
    text = json.dumps(report) + (tmp_path / "out" / "report.md").read_text(encoding="utf-8")
    assert API_KEY not in text
    assert PASSWORD not in text


def test_without_its_key_the_app_refuses_to_start_and_its_log_says_why(
    dagger: DaggerCall, tmp_path: Path
) -> None:
    service = tmp_path / "service"
    sha = checkout(service, without_key=True)
    report = run(dagger, tmp_path, service, sha, dotenv(tmp_path, key=False))
    assert statuses(report)["smoke-test"] == "failed", report
    assert "API_KEY is not set: refusing to start" in json.dumps(report)
    assert PASSWORD not in json.dumps(report)


def test_a_secrets_file_without_a_configured_name_is_one_line(
    dagger: DaggerCall, tmp_path: Path
) -> None:
    service = tmp_path / "service"
    sha = checkout(service)
    report = run(dagger, tmp_path, service, sha, dotenv(tmp_path, key=False))
    stages = report["stages"]
    assert isinstance(stages, list)
    (smoke,) = [stage for stage in stages if stage["name"] == "smoke-test"]
    assert smoke["status"] == "failed"
    assert "--secrets has no API_KEY" in smoke["detail"]
