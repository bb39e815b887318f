"""A Deployment's selector as a query, and its pods' restarts of one container."""

from main.core.deploy.kubernetes.pods import label_selector, restart_count


def test_the_selector_is_its_match_labels_sorted() -> None:
    found = {"spec": {"selector": {"matchLabels": {"tier": "web", "app": "mcp"}}}}
    assert label_selector(found) == "app=mcp,tier=web"


def test_restarts_of_the_named_container_summed_over_pods() -> None:
    def pod(app: int, sidecar: int) -> dict[str, object]:
        statuses = [
            {"name": "sidecar", "restartCount": sidecar},
            {"name": "app", "restartCount": app},
        ]
        return {"status": {"containerStatuses": statuses}}

    pods = {"items": [pod(2, 7), pod(3, 0), {"status": {}}, {"status": None}]}
    assert restart_count(pods, "app") == 5
    assert restart_count(pods, "sidecar") == 7
    assert restart_count({"items": []}, "app") == 0
