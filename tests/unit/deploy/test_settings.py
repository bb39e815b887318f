"""[tool.pipeline.deploy]: a half-configured host is refused with the key's name."""

import pytest

from main.core.config import load_config
from main.core.deploy.settings import DeploySettings
from main.core.errors import PipelineError

KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1ZlHtnGexpTmFgmk2RZZ3EDP6W5ZHQ8dPQx1rZp7Pb"
BASE = f'host = "stg.example"\nhost-key = "{KEY}"\nurl = "https://stg.example"\nservice = "app"\n'


def settings(extra: str = "", base: str = BASE) -> str:
    return f"[tool.pipeline.deploy]\n{base}{extra}"


def test_no_table_means_no_deploy() -> None:
    assert load_config("[tool.pipeline]\n").deploy is None


def test_defaults() -> None:
    deploy = load_config(settings()).deploy
    assert isinstance(deploy, DeploySettings)
    assert (deploy.user, deploy.port, deploy.compose_file) == ("deploy", 22, "compose.yml")
    assert deploy.project_name == "app"
    assert deploy.remote_directory == "~/.pipeline/app"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (settings(base=""), "[tool.pipeline.deploy].host is required"),
        (
            settings(base=BASE.replace("host-key", "hostkey")),
            "unknown key 'hostkey' (did you mean 'host-key'?)",
        ),
        (
            settings("port = 0\n"),
            "[tool.pipeline.deploy].port: Input should be greater than or equal to 1",
        ),
        (
            settings(base=BASE.replace(KEY, "AAAA")),
            "[tool.pipeline.deploy].host-key: not a public host key",
        ),
        (settings(base=BASE.replace(KEY, "# only a comment")), "host-key: no public key given"),
        (
            settings(base=BASE.replace("https://stg.example", "stg.example")),
            "[tool.pipeline.deploy].url",
        ),
        (
            settings(base=BASE.replace('"app"', '"a b"')),
            "[tool.pipeline.deploy].service: not a Compose service name",
        ),
        (
            settings('project = "Caps"\n'),
            "[tool.pipeline.deploy].project: not a Compose project name",
        ),
        (
            settings('compose-file = "../secrets.yml"\n'),
            "compose-file: must be a path inside the service repository",
        ),
        (
            settings('compose-file = "/etc/x.yml"\n'),
            "compose-file: must be a path inside the service repository",
        ),
        (settings("timeout = -1\n"), "[tool.pipeline.deploy].timeout"),
        (
            settings(base=BASE.replace('"app"', '"App.1"')),
            "project: the service name is not a valid Compose project name",
        ),
    ],
)
def test_bad_settings_name_the_key(text: str, message: str) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(text)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_known_hosts_line_and_several_keys_are_accepted() -> None:
    keys = f"[stg.example]:2222 {KEY}\\n# backup key\\necdsa-sha2-nistp256 AAAAE2VjZHNh"
    deploy = load_config(settings(base=BASE.replace(KEY, keys))).deploy
    assert isinstance(deploy, DeploySettings)
    assert deploy.host_key.count("\n") == 2
