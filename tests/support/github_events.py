"""GitHub webhook payloads as GitHub documents them, trimmed to the keys that matter.

Each builder gives a payload with the shape of the real event (repository, sender and
the event's own keys), so tests of the trigger rules read like the events they replay.
"""

from typing import Any

REPO = "acme/mcp-server"
SHA = "4f2d8c1e9b7a6d5c3e2f1a0b9c8d7e6f5a4b3c2d"
HEAD_SHA = "9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d"
ZERO = "0" * 40


def repository(full_name: str = REPO) -> dict[str, Any]:
    owner, name = full_name.split("/")
    return {"id": 1, "name": name, "full_name": full_name, "owner": {"login": owner}}


def push(
    ref: str = "refs/heads/develop", *, after: str = SHA, deleted: bool = False
) -> dict[str, Any]:
    return {
        "ref": ref,
        "before": "1" * 40,
        "after": ZERO if deleted else after,
        "created": False,
        "deleted": deleted,
        "forced": False,
        "base_ref": None,
        "compare": f"https://github.com/{REPO}/compare/111...{after[:12]}",
        "commits": [],
        "head_commit": None if deleted else {"id": after, "message": "Merge feature"},
        "repository": repository(),
        "pusher": {"name": "octocat"},
        "sender": {"login": "octocat"},
    }


def dispatch(inputs: dict[str, Any] | None = None) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "ref": "refs/heads/main",
        "repository": repository(),
        "sender": {"login": "octocat"},
        "workflow": ".github/workflows/deploy-staging.yml",
    }
    if inputs is not None:
        payload["inputs"] = inputs
    return payload


def pull_request(  # noqa: PLR0913 - one keyword per payload detail a test varies
    action: str = "labeled",
    *,
    label: str | None = "deploy-to-staging",
    base_ref: str = "main",
    head_ref: str = "feature/login",
    head_repo: str | None = REPO,
    base_repo: str = REPO,
    number: int = 42,
) -> dict[str, Any]:
    pull: dict[str, Any] = {
        "number": number,
        "state": "open",
        "title": "Add login",
        "head": {
            "label": f"{(head_repo or 'ghost/x').partition('/')[0]}:{head_ref}",
            "ref": head_ref,
            "sha": HEAD_SHA,
            "repo": repository(head_repo) if head_repo is not None else None,
        },
        "base": {
            "label": f"{base_repo.partition('/')[0]}:{base_ref}",
            "ref": base_ref,
            "sha": SHA,
            "repo": repository(base_repo),
        },
        "labels": [{"name": label}] if label else [],
    }
    payload: dict[str, Any] = {
        "action": action,
        "number": number,
        "pull_request": pull,
        "repository": repository(base_repo),
        "sender": {"login": "octocat"},
    }
    if label is not None and action in {"labeled", "unlabeled"}:
        payload["label"] = {"id": 7, "name": label, "color": "0e8a16"}
    return payload
