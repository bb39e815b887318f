"""The host's deployment history: tolerant reading, bounded writing, the rollback target."""

import json

import pytest

from main.core.deploy.history import (
    Deployment,
    before_current,
    chosen,
    current,
    parse_history,
    read_history,
    render_history,
)

A = "127.0.0.1:5000/app@sha256:" + "a" * 64
B = "127.0.0.1:5000/app@sha256:" + "b" * 64
C = "127.0.0.1:5000/app@sha256:" + "c" * 64


def entry(image: str, *, healthy: bool, action: str = "deploy", at: str = "t") -> Deployment:
    return Deployment(at=at, image=image, tag="", ref="", action=action, healthy=healthy)  # type: ignore[arg-type]


def test_round_trip_keeps_every_field() -> None:
    original = [
        Deployment(
            "2026-12-03T05:00:00+00:00",
            A,
            "staging-latest",
            "develop",
            "deploy",
            healthy=True,
            by="ci",
        ),
        Deployment("2026-12-03T05:01:00+00:00", B, "sha-b", "abc", "auto-rollback", healthy=False),
    ]
    assert parse_history(render_history(original)) == original


def test_unreadable_lines_are_skipped_not_fatal() -> None:
    good = entry(A, healthy=True).to_line()
    text = f'{good}\n{{"at": "t", "image": \n[1, 2]\n{{"image": "x"}}\n\n{good}\n'
    assert parse_history(text) == [entry(A, healthy=True)] * 2


def test_a_crafted_healthy_value_must_be_true_exactly() -> None:
    text = json.dumps({"at": "t", "image": A, "action": "deploy", "healthy": "yes"})
    assert parse_history(text)[0].healthy is False


def test_render_keeps_only_the_newest() -> None:
    entries = [entry(A, healthy=True, at=str(n)) for n in range(60)]
    kept = parse_history(render_history(entries, keep=5))
    assert [e.at for e in kept] == ["55", "56", "57", "58", "59"]


def test_current_is_the_last_healthy_deployment() -> None:
    history = [entry(A, healthy=True), entry(B, healthy=True), entry(C, healthy=False)]
    assert current(history) == entry(B, healthy=True)
    assert current([]) is None
    assert current([entry(C, healthy=False)]) is None


def test_rollback_target_skips_failures_and_the_same_image() -> None:
    history = [
        entry(A, healthy=True),
        entry(C, healthy=False),
        entry(B, healthy=True),
        entry(B, healthy=True),
    ]
    assert before_current(history) == entry(A, healthy=True)
    assert before_current([entry(A, healthy=True)]) is None
    assert before_current([]) is None


def test_an_entry_whose_image_is_not_a_digest_is_skipped() -> None:
    # A hand-edited line naming a tag (or shell text) must not become the rollback target:
    # rolling back to it would stop the deployment halfway with the host already changed.
    good = entry(A, healthy=True).to_line()
    lines = [
        json.dumps({"at": "t", "image": image, "action": "deploy", "healthy": True})
        for image in ("127.0.0.1:5000/app:latest", "$(reboot)", ["x"], A.upper())
    ]
    history = parse_history("\n".join([good, *lines]) + "\n")
    assert history == [entry(A, healthy=True)]
    assert current(history) == entry(A, healthy=True)


def test_non_utf8_and_deeply_nested_lines_are_skipped_and_counted() -> None:
    # The SSH shell hands the file over with undecodable bytes kept as surrogates
    # (surrogateescape): such a line is not text the deploy wrote, so it is skipped.
    good = entry(A, healthy=True).to_line()
    raw = f"{good}\n".encode() + b'{"at": "t\xff", "image": "x"}\n' + b"[" * 100_000 + b"\n"
    text = raw.decode("utf-8", "surrogateescape") + good + "\n"
    read = read_history(text)
    assert read.entries == [entry(A, healthy=True)] * 2
    assert read.skipped == 2
    assert parse_history(text) == read.entries


D = "127.0.0.1:5000/app@sha256:" + "d" * 64


def test_repeated_rollbacks_step_back_through_history_instead_of_flipping() -> None:
    history = [entry(A, healthy=True), entry(B, healthy=True), entry(C, healthy=True)]
    assert before_current(history) == entry(B, healthy=True)
    history.append(entry(B, healthy=True, action="rollback"))
    assert before_current(history) == entry(A, healthy=True)  # not C again
    history.append(entry(A, healthy=True, action="rollback"))
    assert before_current(history) is None  # nothing older


def test_an_auto_rollback_steps_back_from_the_image_it_brought_back() -> None:
    history = [
        entry(A, healthy=True),
        entry(B, healthy=True),
        entry(C, healthy=False),
        entry(B, healthy=True, action="auto-rollback"),
    ]
    assert before_current(history) == entry(A, healthy=True)


def test_a_deploy_after_a_rollback_steps_back_to_what_ran_before_it() -> None:
    history = [
        entry(A, healthy=True),
        entry(B, healthy=True),
        entry(A, healthy=True, action="rollback"),
        entry(D, healthy=True),
    ]
    assert before_current(history) == entry(A, healthy=True, action="rollback")


def test_rollback_to_a_chosen_digest_or_tag() -> None:
    tagged = Deployment("t", B, "staging-v1", "", "deploy", healthy=True)
    history = [entry(A, healthy=True), tagged, entry(C, healthy=True)]
    assert chosen(history, A) == entry(A, healthy=True)
    assert chosen(history, "sha256:" + "b" * 64) == tagged
    assert chosen(history, "staging-v1") == tagged
    with pytest.raises(ValueError, match="is what runs now"):
        chosen(history, C)
    with pytest.raises(ValueError, match="no deployment of 'sha-nope' in the host's history"):
        chosen(history, "sha-nope")
    with pytest.raises(ValueError, match="never ended healthy"):
        chosen([*history, entry(D, healthy=False)], D)
