"""A load-test result read back from a file or a container's output never ends in a traceback.

The shell's ``markdown()`` reads its own JSON back, and the generator's output is
whatever the container printed: every text that is not a result is one bounded,
scrubbed line, ``not a load-test result: ...``.
"""

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from main.core.errors import PipelineError
from main.core.load.markdown import render_markdown
from main.core.load.result import LoadResult, Sample, summarize
from tests.support.json_places import JSON_VALUES, places, replaced

START = 1_000_000.0
RESULT = summarize(
    [Sample("http", START + 0.1, 5.0, None), Sample("http", START + 0.2, 7.0, "500")],
    target="http://app:8000",
    users=2,
    started=START,
    ended=START + 1,
).with_breaches(["p95 too high"])


def refused(text: str | bytes) -> str:
    with pytest.raises(PipelineError) as caught:
        LoadResult.from_json(text)
    message = str(caught.value)
    assert message.startswith("not a load-test result: "), message
    assert "\n" not in message
    assert len(message) <= len("not a load-test result: ") + 200, message
    return message


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000 + "]" * 100_000,
        '{"a": 1' + "0" * 5000 + "}",
        b'{"a":"\xff"}',
        b"\xff\xfe{",
        "",
        "Traceback (most recent call last):\n  File x\nBoom" + "!" * 10_000,
        "[]",
        "null",
        '{"passed": true}',
    ],
    ids=[
        "nested",
        "long-number",
        "not-utf8",
        "bom-garbage",
        "empty",
        "a-traceback",
        "a-list",
        "null",
        "no-requests",
    ],
)
def test_a_hostile_text_is_one_line_not_a_load_test_result(text: str | bytes) -> None:
    refused(text)


def test_what_the_generator_printed_instead_is_quoted_scrubbed() -> None:
    message = refused("Traceback: cannot reach https://load:hunter22@app:8000/\n")
    assert "Traceback: cannot reach" in message
    assert "hunter22" not in message


def shaped(**change: object) -> str:
    return json.dumps({**json.loads(RESULT.to_json()), **change})


def kind(**change: object) -> str:
    stats = {**json.loads(RESULT.to_json())["requests"]["http"], **change}
    return shaped(requests={"http": stats})


@pytest.mark.parametrize(
    "text",
    [
        shaped(requests=[1, 2]),
        shaped(requests={"http": 5}),
        shaped(requests={"http": [1, 2]}),
        kind(count="many"),
        kind(p95_ms=None),
        kind(count=1e400),
        shaped(total=[1]),
        shaped(timeline=[5]),
        shaped(timeline=[{"start_s": 0}]),
        shaped(timeline=5),
        shaped(errors=5),
        shaped(notes=7),
        shaped(breaches=3),
        shaped(users="two"),
        shaped(users=1e400),
        shaped(duration_s=[1]),
        shaped(judged_requests={"http": 5}),
        shaped(warmup_s="soon"),
        shaped(requests={"http": [[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}),
    ],
    ids=[
        "requests-a-list",
        "kind-a-number",
        "kind-a-list",
        "count-a-word",
        "p95-null",
        "count-infinite",
        "total-a-list",
        "point-a-number",
        "point-missing-keys",
        "timeline-a-number",
        "errors-a-number",
        "notes-a-number",
        "breaches-a-number",
        "users-a-word",
        "users-infinite",
        "duration-a-list",
        "judged-kind-a-number",
        "warmup-a-word",
        "kind-deeply-nested",
    ],
)
def test_a_result_with_wrong_shapes_is_one_line_not_a_load_test_result(text: str) -> None:
    refused(text)


@pytest.mark.parametrize(
    "text",
    [shaped(errors=["a", 5]), shaped(interrupted=15), kind(count="3")],
    ids=["error-a-number", "signal-a-number", "count-a-numeral"],
)
def test_odd_values_read_back_as_a_result_that_renders(text: str) -> None:
    result = LoadResult.from_json(text)
    assert result.summary()
    assert render_markdown(result)


GOOD = json.loads(RESULT.to_json())


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(places(GOOD)), JSON_VALUES)
def test_any_value_anywhere_is_one_line_or_a_result_that_renders(
    at: tuple[Any, ...], value: object
) -> None:
    text = json.dumps(replaced(GOOD, at, value))
    try:
        read = LoadResult.from_json(text)
    except PipelineError as exc:
        refusal = str(exc)
    else:
        assert render_markdown(read)
        assert read.summary()
        return
    assert "\n" not in refusal
    assert len(refusal) <= len("not a load-test result: ") + 200
