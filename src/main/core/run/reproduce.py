"""The ``dagger call`` that runs a workflow again, exactly, on a laptop."""


def reproduction(  # noqa: PLR0913 - what makes a run, each said once
    workflow: str,
    *,
    sha: str,
    ref: str,
    subpath: str = ".",
    skip_tests: bool = False,
    event_name: str = "",
) -> str:
    """The call that reproduces a run: the commit by its full sha, the same flags.

    A branch may have moved since, so the sha names the commit; a run decided by a
    GitHub event is replayed from its saved payload instead.
    """
    call = "dagger call" + ("" if subpath in {"", "."} else f" --subpath {subpath}")
    if event_name:
        return (
            f"# save the run's $GITHUB_EVENT_PATH as event.json, then:\n"
            f"{call} {workflow} --event-name {event_name} --event ./event.json"
        )
    note = f"  # {ref}" if ref and ref != sha else ""
    flags = " --skip-tests" if skip_tests else ""
    return f"{call} {workflow} --ref {sha}{flags}{note}"
