"""A service that needs a database and a secret, smoke-tested and post-deploy-tested for real.

The sample (tests/fixtures/deps-service) refuses to start without its API key or its
PostgreSQL. Here the database is a real PostgreSQL started by the test, the secret
values come from a dotenv file read through ``core/secret_env.py`` against the sample's
own settings, the checker is the very ``python -m main.core.smoke`` command line the
Dagger client container runs (``argv_for`` of the sample's settings), and the
post-deploy tests are the sample's configured command with ``STAGING_URL`` set. In
the pipeline the database is the helper service ``db`` bound to the app; here the app
reaches the test's server on loopback instead (``DATABASE_HOST``/``DATABASE_PORT``).
"""

import json
import os
import shlex
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from main.core.config import PipelineConfig
from main.core.secret_env import resolve
from main.core.service import load_service
from main.core.smoke.markdown import render_markdown
from main.core.smoke.result import SmokeReport
from main.core.smoke.spec import argv_for
from tests.support.constants import REPO_ROOT
from tests.support.postgres import Postgres, missing, postgres_server
from tests.support.processes import free_port, running

SAMPLE = REPO_ROOT / "tests" / "fixtures" / "deps-service"
API_KEY = "sk-deps-sample-key-1234"
PASSWORD = "pg-deps-sample-password"  # noqa: S105 - the test server's made-up password
DOTENV = f"# staging secrets\nAPI_KEY={API_KEY}\nPOSTGRES_PASSWORD='{PASSWORD}'\n"

pytestmark = pytest.mark.skipif(bool(missing()), reason=missing() or "PostgreSQL is installed")


@pytest.fixture(scope="module")
def database() -> Iterator[Postgres]:
    with postgres_server(PASSWORD) as server:
        yield server


def sample_config() -> PipelineConfig:
    return load_service((SAMPLE / "pyproject.toml").read_text(encoding="utf-8")).config


def app_env(config: PipelineConfig, database: Postgres, port: int, dotenv: str) -> dict[str, str]:
    """The sample's environment as the pipeline gives it, with ``db`` on loopback."""
    secrets = resolve(dotenv, config.smoke.secret_names())
    env = {**config.smoke.env, "DATABASE_HOST": database.host, "DATABASE_PORT": str(database.port)}
    env.update({name: secrets[name] for name in config.smoke.secret_env})
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    return {**base, **env, "HOST": "127.0.0.1", "PORT": str(port), "PYTHONUNBUFFERED": "1"}


@contextmanager
def sample(env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with running([sys.executable, str(SAMPLE / "app.py")], ready_url=None, env=env, log=log) as p:
        yield p


def smoke(config: PipelineConfig, url: str, *, ready: float | None = None) -> SmokeReport:
    argv = argv_for(config.smoke_spec(url))
    if ready is not None:  # a sample that exits at once need not be awaited a minute
        argv = [a for a in argv if not a.startswith(("--ready-timeout=", "--timeout="))]
        argv += [f"--ready-timeout={ready}", f"--timeout={ready + 1}"]
    done = subprocess.run(
        [sys.executable, "-m", "main.core.smoke", *argv],
        capture_output=True, text=True, timeout=120, check=False, cwd=REPO_ROOT,
    )  # fmt: skip
    report = SmokeReport.from_json(done.stdout)
    assert done.returncode == (0 if report.passed else 1), done.stderr
    return report


def test_with_the_database_and_the_key_it_passes_smoke_and_post_deploy_tests(
    database: Postgres, tmp_path: Path
) -> None:
    config = sample_config()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = app_env(config, database, port, DOTENV)
    with sample(env, tmp_path / "app.log"):
        report = smoke(config, url)
        assert report.passed, report.summary()
        assert [check.name for check in report.checks][-1] == "check.database"
        # The post-deploy tests: the sample's own command, as the validation image runs it.
        tests = {**env, "STAGING_URL": url}
        tests["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
        for argv in config.argv("post_deploy_test"):
            done = subprocess.run(
                argv,
                cwd=SAMPLE,
                env=tests,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, f"{shlex.join(argv)}\n{done.stdout}\n{done.stderr}"
            assert "2 passed" in done.stdout


@pytest.mark.parametrize(
    ("dotenv", "said"),
    [
        (f"POSTGRES_PASSWORD={PASSWORD}\n", "API_KEY is not set: refusing to start"),
        (f"API_KEY={API_KEY}\nPOSTGRES_PASSWORD=wrong\n", "password authentication failed"),
    ],
    ids=["no-key", "wrong-database-password"],
)
def test_without_its_key_or_database_it_fails_with_one_line_and_its_logs(
    database: Postgres, tmp_path: Path, dotenv: str, said: str
) -> None:
    config = sample_config()
    port = free_port()
    names = [name for name in config.smoke.secret_names() if f"{name}=" in dotenv]
    smoke_settings = config.smoke.model_copy(update={"secret_env": names})
    env = app_env(config.model_copy(update={"smoke": smoke_settings}), database, port, dotenv)
    log = tmp_path / "app.log"
    with sample(env, log) as process:
        report = smoke(config, f"http://127.0.0.1:{port}", ready=3.0)
        assert process.wait(timeout=10) == 3  # it refused to start, it did not crash
    # The Dagger shell adds the service's output to a failed report the same way.
    report = report.with_logs(log.read_text(encoding="utf-8"))
    assert not report.passed
    summary = report.summary()
    assert "\n" not in summary
    assert summary.startswith("smoke test FAILED: ready")
    markdown = render_markdown(report)
    assert said in markdown
    assert PASSWORD not in markdown + report.to_json()


def test_an_unreachable_database_is_named(tmp_path: Path) -> None:
    config = sample_config()
    port = free_port()
    nowhere = Postgres(port=free_port(), password=PASSWORD)  # nothing listens there
    env = app_env(config, nowhere, port, DOTENV)
    log = tmp_path / "app.log"
    with sample(env, log) as process:
        assert process.wait(timeout=30) == 3
    (line,) = log.read_text(encoding="utf-8").splitlines()
    assert line.startswith(f"deps-service: cannot use the database at 127.0.0.1:{nowhere.port}")
    assert PASSWORD not in line
    assert API_KEY not in line


def test_the_samples_settings_name_its_helper_and_its_secrets() -> None:
    config = sample_config()
    (db,) = config.smoke.helper_services()
    assert (db.alias, db.image, db.ports, db.secret_env) == (
        "db",
        "postgres:16-alpine",
        (5432,),
        ("POSTGRES_PASSWORD",),
    )
    assert config.smoke.env["DATABASE_HOST"] == db.alias
    assert config.smoke.secret_names() == ("API_KEY", "POSTGRES_PASSWORD")
    assert json.loads(json.dumps(resolve(DOTENV, config.smoke.secret_names()))) == {
        "API_KEY": API_KEY,
        "POSTGRES_PASSWORD": PASSWORD,
    }
