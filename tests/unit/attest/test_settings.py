"""[tool.pipeline.attest]: verify-on-deploy and the repository's public key, read and checked."""

import pytest

from main.core.attest.settings import AttestSettings
from main.core.config import load_config
from main.core.errors import PipelineError


def test_off_by_default() -> None:
    config = load_config('[project]\nname = "svc"\n')
    assert config.attest == AttestSettings()
    assert config.attest.verify_on_deploy is False
    assert config.attest.verify_key == ""


def test_the_table_is_read_with_kebab_case_keys() -> None:
    config = load_config(
        '[tool.pipeline.attest]\nverify-on-deploy = true\nverify-key = "keys/cosign.pub"\n'
    )
    assert config.attest == AttestSettings(verify_on_deploy=True, verify_key="keys/cosign.pub")


@pytest.mark.parametrize(
    ("body", "key", "extra"),
    [
        ("verify-on-deploy = 1", "[tool.pipeline.attest].verify-on-deploy", "boolean"),
        ('verify-key = "/etc/key.pub"', "[tool.pipeline.attest].verify-key", "relative path"),
        ('verify-key = "../key.pub"', "[tool.pipeline.attest].verify-key", "relative path"),
        ("verify-on-deplyo = true", "verify-on-deplyo", ""),
    ],
)
def test_a_bad_key_is_one_line_naming_it(body: str, key: str, extra: str) -> None:
    with pytest.raises(PipelineError) as caught:
        load_config(f"[tool.pipeline.attest]\n{body}\n")
    message = str(caught.value)
    assert "\n" not in message
    assert key in message
    assert extra in message
