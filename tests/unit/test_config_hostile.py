"""Settings that would fail later, in a stage, fail at load time instead: one line."""

import pytest

from main.core.errors import PipelineError
from main.core.service import load_service

HEAD = '[project]\nname = "svc"\nversion = "1.0.0"\n'


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (HEAD + 'dynamic = "version"\n', "dynamic must be a list"),
        ('[project]\nname = "svc"\ndynamic = { a = 1 }\n', "dynamic must be a list"),
        (HEAD + '[tool.pipeline]\nstaging-keep-newer-than = "999999d"\n', "longer than 10 years"),
        (HEAD + '[tool.pipeline]\nstaging-keep-newer-than = "9999999999d"\n', "longer than"),
        (HEAD + "[tool.pipeline]\nsmoke-timeout = inf\n", "smoke-timeout"),
        (HEAD + "[tool.pipeline]\nstartup-timeout = inf\n", "startup-timeout"),
        (HEAD + "[tool.pipeline]\nsmoke-timeout = 1e12\n", "smoke-timeout"),
    ],
    ids=["dynamic string", "dynamic table", "age 999999d", "age overflow", "inf smoke",
         "inf startup", "huge timeout"],
)  # fmt: skip
def test_a_setting_that_would_fail_later_fails_now_in_one_line(text: str, said: str) -> None:
    with pytest.raises(PipelineError, match=said) as caught:
        load_service(text)
    assert "\n" not in str(caught.value)
