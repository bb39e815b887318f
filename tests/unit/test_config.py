import pytest

from main.core.config import KNOWN_KEYS, PipelineConfig, load_config, validate_config
from main.core.errors import PipelineError
from tests.support.pyprojects import pyproject_with


def test_defaults_without_a_table() -> None:
    config = load_config('[project]\nname = "svc"\n')
    assert config == PipelineConfig()
    assert config.port == 8000
    assert config.health_path == "/health"
    assert config.mcp_path == "/mcp"
    assert config.containerfile == "Containerfile"
    assert config.scan.severities == ["CRITICAL", "HIGH", "MEDIUM", "LOW"]
    assert config.scan.ignore_unfixed is True
    assert config.staging_label == "deploy-to-staging"
    assert config.image is None


def test_reads_kebab_case_keys() -> None:
    config = load_config(
        pyproject_with(
            'image = "ghcr.io/acme/api"\nport = 9000\nhealth-path = "/healthz"\n'
            'startup-timeout = 15\nscan-severities = ["CRITICAL"]\nbuild-args = { A = "1" }'
        )
    )
    assert config.image == "ghcr.io/acme/api"
    assert config.port == 9000
    assert config.health_path == "/healthz"
    assert config.startup_timeout == 15.0
    assert config.scan.severities == ["CRITICAL"]
    assert config.build_args == {"A": "1"}


def test_overrides_win_and_none_means_not_given() -> None:
    config = load_config(
        pyproject_with("port = 9000\nmcp-path = '/rpc'"), {"port": 7000, "mcp_path": None}
    )
    assert config.port == 7000
    assert config.mcp_path == "/rpc"


def test_commands_split_like_a_shell() -> None:
    config = load_config(
        pyproject_with("lint = \"ruff check 'src dir'\"\ntest = ['pytest -q', 'pytest -m x']")
    )
    assert config.argv("lint") == [["ruff", "check", "src dir"]]
    assert config.argv("test") == [["pytest", "-q"], ["pytest", "-m", "x"]]


@pytest.mark.parametrize(
    ("body", "key", "extra"),
    [
        ('helth-path = "/h"', "'helth-path'", "did you mean 'health-path'"),
        ('health_path = "/h"', "'health_path'", "did you mean 'health-path'"),
        ('port = "8000"', "[tool.pipeline].port", "valid integer"),
        ("port = 70000", "[tool.pipeline].port", "less than or equal to 65535"),
        ('health-path = "health"', "[tool.pipeline].health-path", "must start with '/'"),
        ('scan-severities = ["SEVERE"]', "[tool.pipeline].scan-severities.0", "CRITICAL"),
        ("scan-severities = []", "[tool.pipeline].scan-severities", "at least 1"),
        ('ignore-unfixed = "yes"', "[tool.pipeline].ignore-unfixed", "valid boolean"),
        ('lint = "ruff \'"', "[tool.pipeline].lint", "cannot split"),
        ('lint = [""]', "[tool.pipeline].lint", "empty command"),
        ("build-args = { A = 1 }", "[tool.pipeline].build-args.A", "valid string"),
    ],
)
def test_bad_key_gives_one_line_naming_it(body: str, key: str, extra: str) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(pyproject_with(body))
    message = str(caught.value)
    assert "\n" not in message
    assert key in message
    assert extra in message


def test_table_that_is_not_a_table() -> None:
    with pytest.raises(PipelineError, match="must be a table"):
        load_config('[tool]\npipeline = "x"\n')


def test_unknown_key_lists_known_ones() -> None:
    with pytest.raises(PipelineError) as caught:
        validate_config({"zzz": 1})
    assert "did you mean" not in str(caught.value)
    assert all(key in str(caught.value) for key in KNOWN_KEYS)


def test_config_is_immutable() -> None:
    config = PipelineConfig()
    with pytest.raises(ValueError, match="frozen"):
        setattr(config, "port", 1)  # noqa: B010 - assignment must be refused at run time


def test_helper_services_and_secret_names() -> None:
    config = load_config(
        pyproject_with(
            '[tool.pipeline.smoke]\nsecret-env = ["API_KEY"]\n'
            "[[tool.pipeline.smoke.services]]\n"
            'alias = "db"\nimage = "postgres:16-alpine"\nsecret-env = ["POSTGRES_PASSWORD"]\n'
            "ports = [5432]\n"
        )
    )
    (db,) = config.smoke.helper_services()
    assert (db.alias, db.image, db.ports) == ("db", "postgres:16-alpine", (5432,))
    assert config.smoke.secret_names() == ("API_KEY", "POSTGRES_PASSWORD")


@pytest.mark.parametrize(
    ("table", "said"),
    [
        (
            '[tool.pipeline.smoke]\nsecret-env = ["API-KEY"]',
            "[tool.pipeline.smoke].secret-env: the secret",
        ),
        (
            '[tool.pipeline.smoke]\nenv = { API_KEY = "x" }\nsecret-env = ["API_KEY"]',
            "[tool.pipeline.smoke].secret-env: API_KEY is in env too",
        ),
        (
            '[[tool.pipeline.smoke.services]]\nalias = "db"\nimage = "postgres"',
            "[tool.pipeline.smoke].services: helper service 'db''s image 'postgres' is not pinned",
        ),
        (
            (
                '[tool.pipeline.smoke]\nenv = { POSTGRES_PASSWORD = "x" }\n'
                "[[tool.pipeline.smoke.services]]\n"
                'alias = "db"\nimage = "postgres:16"\nsecret-env = ["POSTGRES_PASSWORD"]'
            ),
            "POSTGRES_PASSWORD is a secret of helper service 'db' and in env too",
        ),
        (
            (
                '[[tool.pipeline.smoke.services]]\nalias = "db"\nimage = "postgres:16"\n'
                "ports = [5432, 5432]"
            ),
            "[tool.pipeline.smoke].services: helper service 'db''s ports name 5432 twice",
        ),
        (
            '[tool.pipeline.validate]\npost-deploy-on-failure = "ignore"',
            "[tool.pipeline.validate].post-deploy-on-failure",
        ),
        (
            '[tool.pipeline.validate]\npost-deploy-test = "pytest \'x"',
            "[tool.pipeline.validate].post-deploy-test",
        ),
    ],
)
def test_bad_dependency_settings_name_their_key(table: str, said: str) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(pyproject_with(table))
    assert said in str(caught.value)


def test_post_deploy_test_is_a_command_list() -> None:
    text = '[tool.pipeline.validate]\npost-deploy-test = "pytest -q tests/staging"'
    config = load_config(pyproject_with(text))
    assert config.argv("post_deploy_test") == [["pytest", "-q", "tests/staging"]]
    assert config.validation.post_deploy_on_failure == "rollback"
    assert load_config(None).validation.post_deploy_test == []
