"""A Kubernetes API server on 127.0.0.1 for the objects the deploy touches, as documented.

No API server installs here (kind, k3s and envtest need downloads), so this one serves
the documented REST API for exactly what the Kubernetes target uses: apps/v1
Deployments (with status), coordination.k8s.io/v1 Leases and v1 ConfigMaps; create,
get, list, replace with ``resourceVersion`` preconditions (409 Conflict), JSON patch
(``application/json-patch+json``, RFC 6902, ``test`` included) and merge patch, bearer
token authentication (401 with a ``Status``), and enough discovery (``/api``, ``/apis``,
the group versions, ``/version``) for kubectl itself to read and write through it.

A controller thread moves each Deployment's status forward as the Deployment
controller does: it observes a new generation, creates new pods, makes them available
after a tick unless their image is one that never becomes ready, scales old pods down
within the strategy's surge and unavailability bounds, and marks ``Progressing`` with
``ProgressDeadlineExceeded`` once ``progressDeadlineSeconds`` pass without progress.
What it emulates is pods: none run. :meth:`Cluster.serving` says which image the
Deployment's available pods run, so a test's local HTTP service can answer as that
image would. The pods themselves are listed (``GET /api/v1/namespaces/NS/pods`` with a
``labelSelector``) as the controller state implies them, each container with its
``restartCount``: pods of a ``restarting`` image restart every ``RESTART_EVERY`` seconds
and stay available, pods of a ``crashing`` image crash once :meth:`Cluster.smoked` says
their live smoke test passed and stay in back-off (not ready). ``pods_served=False``
answers the pods list 403, as RBAC does for a deployer without ``list pods``.
"""

import base64
import copy
import json
import math
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.support.http_servers import Log, QuietServer, Recorded, RecordingHandler
from tests.support.tls import loopback_tls

TOKEN = "test-token-0123456789"  # noqa: S105 - the tests' own bearer token
JSON = {"Content-Type": "application/json"}
RESOURCES = {  # (prefix, plural) -> kind, namespaced everywhere here
    ("/api/v1", "configmaps"): "ConfigMap",
    ("/apis/apps/v1", "deployments"): "Deployment",
    ("/apis/coordination.k8s.io/v1", "leases"): "Lease",
}
TICK = 0.02
RESTART_EVERY = 0.1  # seconds between two restarts of a restarting image's pods


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def status(code: int, reason: str, message: str) -> tuple[int, dict[str, str], bytes]:
    """A ``Status`` answer as the API server writes it."""
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    return code, JSON, json.dumps(body).encode()


def _pointer(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]


def _walk(document: Any, parts: list[str]) -> Any:  # noqa: ANN401 - JSON
    for part in parts:
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document


def json_patch(document: dict[str, Any], operations: list[dict[str, Any]]) -> dict[str, Any]:
    """RFC 6902 (test, replace, add, remove); KeyError/IndexError/ValueError when it fails."""
    result = copy.deepcopy(document)
    for op in operations:
        parts = _pointer(op["path"])
        parent = _walk(result, parts[:-1])
        last = parts[-1]
        if op["op"] == "test":
            if _walk(parent, [last]) != op["value"]:
                msg = f"test failed at {op['path']}"
                raise ValueError(msg)
        elif op["op"] in {"replace", "add"}:
            if isinstance(parent, list):
                if op["op"] == "add":
                    parent.insert(len(parent) if last == "-" else int(last), op["value"])
                else:
                    parent[int(last)] = op["value"]
            else:
                if op["op"] == "replace" and last not in parent:
                    raise KeyError(last)
                parent[last] = op["value"]
        elif op["op"] == "remove":
            del parent[int(last) if isinstance(parent, list) else last]
        else:
            msg = f"unsupported op {op['op']}"
            raise ValueError(msg)
    return result


def merge_patch(target: Any, patch: Any) -> Any:  # noqa: ANN401 - JSON
    """RFC 7386."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass
class Rollout:
    """The emulated pods of one Deployment: old ones serving, new ones coming up."""

    image: str = ""  # the newest template's image of the named container
    old_image: str = ""
    old: int = 0  # old pods, all available
    new: int = 0  # new pods created
    new_available: int = 0
    progress_at: float = field(default_factory=time.monotonic)
    restarts: int = 0  # restartCount of the named container in each new pod
    restarted_at: float = field(default_factory=time.monotonic)
    crashed: bool = False  # the new pods crashed and stay in back-off


@dataclass
class Cluster:
    """The API server's state and its controller; thread-safe."""

    container: str = "app"
    never_ready: set[str] = field(default_factory=set)  # images whose pods never get ready
    restarting: set[str] = field(default_factory=set)  # images whose pods keep restarting
    crashing: set[str] = field(default_factory=set)  # images whose pods crash after a smoke
    pods_served: bool = True  # False: listing pods is forbidden (403)
    objects: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    rollouts: dict[tuple[str, str], Rollout] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    version: int = 1000
    stopped: threading.Event = field(default_factory=threading.Event)
    frozen: bool = False  # a controller that never moves status (stuck, not failing)

    def _bump(self, obj: dict[str, Any]) -> None:
        self.version += 1
        obj.setdefault("metadata", {})["resourceVersion"] = str(self.version)

    # --- objects ----------------------------------------------------------------------

    def put_deployment(self, namespace: str, body: dict[str, Any]) -> None:
        """Create a Deployment that already runs its image everywhere (a test's start)."""
        with self.lock:
            self.create("/apis/apps/v1", "deployments", namespace, body)
            name = body["metadata"]["name"]
            obj = self.objects[("/apis/apps/v1", "deployments", namespace, name)]
            image = self._image(obj)
            replicas = obj["spec"].get("replicas", 1)
            self.rollouts[(namespace, name)] = Rollout(
                image=image, old_image=image, new=replicas, new_available=replicas
            )
            obj["status"] = {"observedGeneration": 1}
            self._write_status(obj, self.rollouts[(namespace, name)])

    def deployment(self, namespace: str, name: str) -> dict[str, Any]:
        """A copy of the Deployment as stored."""
        with self.lock:
            return copy.deepcopy(self.objects[("/apis/apps/v1", "deployments", namespace, name)])

    def get(self, prefix: str, plural: str, namespace: str, name: str) -> dict[str, Any] | None:
        """A copy of one object, None if absent."""
        with self.lock:
            found = self.objects.get((prefix, plural, namespace, name))
            return None if found is None else copy.deepcopy(found)

    def create(
        self, prefix: str, plural: str, namespace: str, body: dict[str, Any]
    ) -> dict[str, Any]:
        """POST: a new object (ValueError if it exists)."""
        with self.lock:
            obj = copy.deepcopy(body)
            meta = obj.setdefault("metadata", {})
            key = (prefix, plural, namespace, meta.get("name", ""))
            if key in self.objects:
                raise FileExistsError
            meta.update(namespace=namespace, uid=str(uuid.uuid4()), creationTimestamp=_now())
            obj["kind"] = RESOURCES[(prefix, plural)]
            obj["apiVersion"] = prefix.removeprefix("/apis/").removeprefix("/api/")
            if plural == "deployments":
                meta["generation"] = 1
                obj.setdefault("status", {})
            self._bump(obj)
            self.objects[key] = obj
            return copy.deepcopy(obj)

    def replace(
        self, key: tuple[str, str, str, str], body: dict[str, Any], *, subresource: str = ""
    ) -> dict[str, Any]:
        """PUT (or a patch's result): conflicts on a stale resourceVersion."""
        with self.lock:
            old = self.objects.get(key)
            if old is None:
                raise LookupError
            given = (body.get("metadata") or {}).get("resourceVersion")
            if given and given != old["metadata"]["resourceVersion"]:
                raise PermissionError
            obj = copy.deepcopy(body)
            keep = ("uid", "creationTimestamp", "generation", "namespace", "name")
            obj.setdefault("metadata", {}).update(
                {k: old["metadata"][k] for k in keep if k in old["metadata"]}
            )
            obj["kind"], obj["apiVersion"] = old["kind"], old["apiVersion"]
            if key[1] == "deployments":
                if subresource == "status":
                    obj = {**old, "status": obj.get("status", {})}
                else:
                    obj["status"] = old.get("status", {})
                    if obj.get("spec") != old.get("spec"):
                        obj["metadata"]["generation"] = old["metadata"]["generation"] + 1
            self._bump(obj)
            self.objects[key] = obj
            return copy.deepcopy(obj)

    def delete(self, key: tuple[str, str, str, str]) -> bool:
        """DELETE: whether it existed."""
        with self.lock:
            return self.objects.pop(key, None) is not None

    def listing(self, prefix: str, plural: str, namespace: str) -> list[dict[str, Any]]:
        """Every object of one kind in one namespace."""
        with self.lock:
            return [
                copy.deepcopy(o)
                for (p, r, n, _), o in sorted(self.objects.items())
                if (p, r, n) == (prefix, plural, namespace)
            ]

    # --- the controller ---------------------------------------------------------------

    def _image(self, obj: dict[str, Any]) -> str:
        for container in obj["spec"]["template"]["spec"]["containers"]:
            if container["name"] == self.container:
                return str(container["image"])
        return ""

    def serving(self, namespace: str, name: str) -> str:
        """The image the available pods run: the new one once every pod is it."""
        with self.lock:
            rollout = self.rollouts[(namespace, name)]
            return (
                rollout.image
                if rollout.old == 0 and rollout.new_available > 0
                else rollout.old_image
            )

    def available(self, namespace: str, name: str) -> int:
        """How many of the Deployment's pods are available (serving) now."""
        with self.lock:
            rollout = self.rollouts[(namespace, name)]
            return rollout.old + rollout.new_available

    def smoked(self, namespace: str, name: str) -> None:
        """A live smoke test passed: a crashing image's pods now crash (and stay down)."""
        with self.lock:
            rollout = self.rollouts[(namespace, name)]
            if rollout.image in self.crashing and rollout.new_available and not rollout.crashed:
                rollout.crashed, rollout.new_available = True, 0
                rollout.restarts += 1
                key = ("/apis/apps/v1", "deployments", namespace, name)
                self._write_status(self.objects[key], rollout)

    def pods(self, namespace: str, selector: dict[str, str]) -> list[dict[str, Any]]:
        """The pods the controller state implies, of every Deployment ``selector`` matches."""
        with self.lock:
            found = []
            for (_, plural, space, name), obj in sorted(self.objects.items()):
                template = obj.get("spec", {}).get("template", {})
                labels = (template.get("metadata") or {}).get("labels") or {}
                if (
                    plural != "deployments"
                    or space != namespace
                    or (space, name) not in self.rollouts
                ):
                    continue
                if any(labels.get(k) != v for k, v in selector.items()):
                    continue
                found += self._pods_of(obj, self.rollouts[(space, name)], labels)
            return found

    def _pods_of(
        self, obj: dict[str, Any], rollout: Rollout, labels: dict[str, str]
    ) -> list[dict[str, Any]]:
        name = obj["metadata"]["name"]
        containers = obj["spec"]["template"]["spec"]["containers"]
        made = []
        for index in range(rollout.old + rollout.new):
            new = index >= rollout.old
            ready = not new or index - rollout.old < rollout.new_available
            statuses = [
                {
                    "name": c["name"],
                    "image": (rollout.image if new else rollout.old_image)
                    if c["name"] == self.container
                    else c["image"],
                    "ready": ready,
                    "restartCount": rollout.restarts if new and c["name"] == self.container else 0,
                    "started": ready,
                }
                for c in containers
            ]
            made.append(
                {
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": f"{name}-{'new' if new else 'old'}-{index}",
                        "namespace": obj["metadata"]["namespace"],
                        "labels": dict(labels),
                    },
                    "status": {
                        "phase": "Running",
                        "containerStatuses": statuses,
                    },
                }
            )
        return made

    def run(self) -> None:
        """The controller loop, until :meth:`stop`."""
        while not self.stopped.wait(TICK):
            if self.frozen:
                continue
            with self.lock:
                for (_, plural, namespace, name), obj in list(self.objects.items()):
                    if plural == "deployments" and (namespace, name) in self.rollouts:
                        self._step(obj, self.rollouts[(namespace, name)])

    def stop(self) -> None:
        """End the controller loop."""
        self.stopped.set()

    def _step(self, obj: dict[str, Any], rollout: Rollout) -> None:  # noqa: C901 - the controller's cases
        spec, state = obj["spec"], obj.setdefault("status", {})
        replicas = spec.get("replicas", 1)
        changed = False
        if obj["metadata"]["generation"] > state.get("observedGeneration", 0):
            image = self._image(obj)
            if image != rollout.image:  # a new template: its pods start from none
                served = self.serving(obj["metadata"]["namespace"], obj["metadata"]["name"])
                rollout.old = (
                    rollout.new_available + rollout.old
                    if rollout.old_image == served
                    else rollout.new_available
                )
                rollout.old_image, rollout.image = served, image
                rollout.new = rollout.new_available = 0
                rollout.progress_at = rollout.restarted_at = time.monotonic()
                rollout.restarts, rollout.crashed = 0, False
                self._condition(state, "True", "NewReplicaSetCreated", "Created new replica set")
            state["observedGeneration"] = obj["metadata"]["generation"]
            changed = True
        strategy = spec.get("strategy") or {}
        surge, unavailable = self._bounds(strategy, replicas)
        ready = rollout.image not in self.never_ready and not rollout.crashed
        progressed = False
        self._restart(rollout)
        if rollout.new > rollout.new_available and ready:
            rollout.new_available += 1
            progressed = True
        elif strategy.get("type") == "Recreate" and rollout.old > 0:
            rollout.old = 0
            progressed = True
        elif (
            rollout.old + rollout.new < replicas + surge
            and rollout.new < replicas
            and (strategy.get("type") != "Recreate" or rollout.old == 0)
        ):
            rollout.new += 1
            progressed = True
        elif rollout.old > 0 and (
            rollout.old - 1 + rollout.new_available >= replicas - unavailable
            or strategy.get("type") == "Recreate"
        ):
            rollout.old -= 1
            progressed = True
        elif rollout.new > replicas:
            rollout.new -= 1
            rollout.new_available = min(rollout.new_available, rollout.new)
            progressed = True
        if progressed:
            rollout.progress_at = time.monotonic()
            self._condition(state, "True", "ReplicaSetUpdated", "progressing")
            changed = True
        done = rollout.old == 0 and rollout.new == rollout.new_available == replicas
        deadline = spec.get("progressDeadlineSeconds", 600)
        if done and self._reason(state) != "NewReplicaSetAvailable":
            self._condition(state, "True", "NewReplicaSetAvailable", "successfully progressed")
            changed = True
        elif (
            not done
            and not progressed
            and time.monotonic() - rollout.progress_at > deadline
            and self._reason(state) != "ProgressDeadlineExceeded"
        ):
            self._condition(state, "False", "ProgressDeadlineExceeded", "has timed out progressing")
            changed = True
        if changed or progressed:
            self._write_status(obj, rollout)

    def _restart(self, rollout: Rollout) -> None:
        """A restarting image's pods restart now and then; the kubelet has them back at once."""
        if (
            rollout.image in self.restarting
            and rollout.new_available
            and time.monotonic() - rollout.restarted_at >= RESTART_EVERY
        ):
            rollout.restarts += 1
            rollout.restarted_at = time.monotonic()

    @staticmethod
    def _bounds(strategy: dict[str, Any], replicas: int) -> tuple[int, int]:
        rolling = strategy.get("rollingUpdate") or {}

        def scaled(value: object, *, up: bool) -> int:
            if isinstance(value, int):
                return value
            exact = int(str(value).rstrip("%")) * replicas / 100
            return math.ceil(exact) if up else math.floor(exact)

        surge = scaled(rolling.get("maxSurge", "25%"), up=True)
        unavailable = scaled(rolling.get("maxUnavailable", "25%"), up=False)
        return surge, unavailable if surge or unavailable else 1

    @staticmethod
    def _reason(state: dict[str, Any]) -> str:
        for condition in state.get("conditions", []):
            if condition["type"] == "Progressing":
                return str(condition.get("reason", ""))
        return ""

    @staticmethod
    def _condition(state: dict[str, Any], value: str, reason: str, message: str) -> None:
        conditions = [c for c in state.get("conditions", []) if c["type"] != "Progressing"]
        conditions.append(
            {
                "type": "Progressing",
                "status": value,
                "reason": reason,
                "message": message,
                "lastUpdateTime": _now(),
            }
        )
        state["conditions"] = conditions

    def _write_status(self, obj: dict[str, Any], rollout: Rollout) -> None:
        state = obj.setdefault("status", {})
        available = rollout.old + rollout.new_available
        state.update(
            replicas=rollout.old + rollout.new,
            updatedReplicas=rollout.new,
            readyReplicas=available,
            availableReplicas=available,
            unavailableReplicas=max(obj["spec"].get("replicas", 1) - available, 0),
        )
        self._bump(obj)


GROUPS = {
    "apps": ["deployments"],
    "coordination.k8s.io": ["leases"],
}


class KubeHandler(RecordingHandler):
    """The REST API over a :class:`Cluster`."""

    cluster: Cluster
    token: str

    def answer(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        """Authenticate, then discovery or a resource."""
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return status(401, "Unauthorized", "Unauthorized")
        path = request.path.rstrip("/")
        pods = self._pods(request, path)
        if pods is not None:
            return pods
        discovery = self._discovery(path)
        if discovery is not None:
            return 200, JSON, json.dumps(discovery).encode()
        for (prefix, plural), kind in RESOURCES.items():
            head = f"{prefix}/namespaces/"
            if not path.startswith(head):
                continue
            parts = path[len(head) :].split("/")
            if len(parts) < 2 or parts[1] != plural:
                continue
            namespace = parts[0]
            name = parts[2] if len(parts) > 2 else ""
            sub = parts[3] if len(parts) > 3 else ""
            return self._resource(request, prefix, plural, kind, namespace, name, sub)
        return status(404, "NotFound", "the server could not find the requested resource")

    def _pods(self, request: Recorded, path: str) -> tuple[int, dict[str, str], bytes] | None:
        """``GET /api/v1/namespaces/NS/pods?labelSelector=k=v,...``: the list, or 403."""
        parts = path.split("/")
        if parts[:4] != ["", "api", "v1", "namespaces"] or parts[5:] != ["pods"]:
            return None
        namespace = parts[4]
        if request.method != "GET":
            return status(405, "MethodNotAllowed", "the server does not allow this method")
        if not self.cluster.pods_served:
            return status(
                403,
                "Forbidden",
                f'pods is forbidden: User "deployer" cannot list resource "pods" in API group '
                f'"" in the namespace "{namespace}"',
            )
        query = request.query.get("labelSelector", [""])[0]
        selector = dict(
            term.replace("==", "=").split("=", 1) for term in query.split(",") if "=" in term
        )
        body = {
            "kind": "PodList",
            "apiVersion": "v1",
            "metadata": {"resourceVersion": str(self.cluster.version)},
            "items": self.cluster.pods(namespace, selector),
        }
        return 200, JSON, json.dumps(body).encode()

    def _discovery(self, path: str) -> dict[str, Any] | None:
        if path == "/version":
            return {"major": "1", "minor": "33", "gitVersion": "v1.33.0", "platform": "linux/amd64"}
        if path == "/api":
            return {"kind": "APIVersions", "versions": ["v1"], "serverAddressByClientCIDRs": []}
        if path == "/apis":
            groups = [
                {
                    "name": g,
                    "versions": [{"groupVersion": f"{g}/v1", "version": "v1"}],
                    "preferredVersion": {"groupVersion": f"{g}/v1", "version": "v1"},
                }
                for g in GROUPS
            ]
            return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        lists = {"/api/v1": ("v1", ["configmaps"])} | {
            f"/apis/{g}/v1": (f"{g}/v1", r) for g, r in GROUPS.items()
        }
        if path in lists:
            version, plurals = lists[path]
            resources = []
            for plural in plurals:
                kind = RESOURCES[(path, plural)]
                verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
                resources.append(
                    {
                        "name": plural,
                        "singularName": kind.lower(),
                        "namespaced": True,
                        "kind": kind,
                        "verbs": verbs,
                        **({"shortNames": ["deploy"]} if plural == "deployments" else {}),
                    }
                )
                if plural == "deployments":
                    resources.append(
                        {
                            "name": "deployments/status",
                            "singularName": "",
                            "namespaced": True,
                            "kind": kind,
                            "verbs": ["get", "patch", "update"],
                        }
                    )
            return {
                "kind": "APIResourceList",
                "apiVersion": "v1",
                "groupVersion": version,
                "resources": resources,
            }
        return None

    def _resource(  # noqa: PLR0913, PLR0911, PLR0917
        self,
        request: Recorded,
        prefix: str,
        plural: str,
        kind: str,
        namespace: str,
        name: str,
        sub: str,
    ) -> tuple[int, dict[str, str], bytes]:
        cluster = self.cluster
        key = (prefix, plural, namespace, name)
        missing = status(404, "NotFound", f'{plural} "{name}" not found')
        if request.method == "GET" and not name:
            items = cluster.listing(prefix, plural, namespace)
            body = {
                "kind": f"{kind}List",
                "apiVersion": items[0]["apiVersion"] if items else "v1",
                "metadata": {"resourceVersion": str(cluster.version)},
                "items": items,
            }
            return 200, JSON, json.dumps(body).encode()
        if request.method == "GET":
            found = cluster.get(*key)
            return (200, JSON, json.dumps(found).encode()) if found is not None else missing
        if request.method == "POST" and not name:
            try:
                made = cluster.create(prefix, plural, namespace, json.loads(request.body))
            except FileExistsError:
                return status(
                    409,
                    "AlreadyExists",
                    f'{plural} "{json.loads(request.body)["metadata"]["name"]}" already exists',
                )
            return 201, JSON, json.dumps(made).encode()
        if request.method == "PUT":
            try:
                done = cluster.replace(key, json.loads(request.body), subresource=sub)
            except LookupError:
                return missing
            except PermissionError:
                return status(
                    409,
                    "Conflict",
                    f'Operation cannot be fulfilled on {plural} "{name}": the object has been '
                    "modified; please apply your changes to the latest version and try again",
                )
            return 200, JSON, json.dumps(done).encode()
        if request.method == "PATCH":
            return self._patch(request, key, sub, missing)
        if request.method == "DELETE":
            return (
                (200, JSON, json.dumps({"kind": "Status", "status": "Success"}).encode())
                if cluster.delete(key)
                else missing
            )
        return status(405, "MethodNotAllowed", "the server does not allow this method")

    def _patch(
        self,
        request: Recorded,
        key: tuple[str, str, str, str],
        sub: str,
        missing: tuple[int, dict[str, str], bytes],
    ) -> tuple[int, dict[str, str], bytes]:
        kind = request.headers.get("content-type", "").split(";")[0]
        with self.cluster.lock:
            found = self.cluster.get(*key)
            if found is None:
                return missing
            patch = json.loads(request.body)
            if kind == "application/json-patch+json":
                try:
                    changed = json_patch(found, patch)
                except (KeyError, IndexError, ValueError, TypeError) as exc:
                    return status(422, "Invalid", f"the JSON patch does not apply: {exc}")
            elif kind in {"application/merge-patch+json", "application/strategic-merge-patch+json"}:
                changed = self._merge(
                    found, patch, strategic=kind.startswith("application/strategic")
                )
            else:
                return status(
                    415,
                    "UnsupportedMediaType",
                    "the body of the request was in an unknown format - accepted media types "
                    "include: application/json-patch+json, application/merge-patch+json, "
                    f"application/strategic-merge-patch+json; got {kind}",
                )
            changed["metadata"]["resourceVersion"] = found["metadata"]["resourceVersion"]
            done = self.cluster.replace(key, changed, subresource=sub)
        return 200, JSON, json.dumps(done).encode()

    @staticmethod
    def _merge(found: dict[str, Any], patch: dict[str, Any], *, strategic: bool) -> dict[str, Any]:
        """Merge patch; strategic merges ``containers`` by their ``name`` key, as documented."""
        if not strategic:
            return dict(merge_patch(found, patch))
        containers = (((patch.get("spec") or {}).get("template") or {}).get("spec") or {}).pop(
            "containers", None
        )
        merged: dict[str, Any] = merge_patch(found, patch)
        if containers:
            current = merged["spec"]["template"]["spec"]["containers"]
            for change in containers:
                for index, container in enumerate(current):
                    if container["name"] == change["name"]:
                        current[index] = merge_patch(container, change)
                        break
                else:
                    current.append(change)
        return merged


@contextmanager
def kube_api(cluster: Cluster, *, token: str = TOKEN) -> Iterator[str]:
    """Serve the API over HTTPS with ``cluster``'s controller running; yields the base URL."""
    controller = threading.Thread(target=cluster.run, daemon=True)
    controller.start()
    bound = type(
        KubeHandler.__name__, (KubeHandler,), {"log": Log(), "cluster": cluster, "token": token}
    )
    server = QuietServer(("127.0.0.1", 0), bound)
    server.socket = loopback_tls().server_context().wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        cluster.stop()
        controller.join()


def kubeconfig(server: str, *, token: str = TOKEN, namespace: str = "staging") -> str:
    """A kubeconfig for ``server`` as kubectl reads it, trusting the tests' CA."""
    authority = base64.b64encode(loopback_tls().ca_pem).decode()
    return (
        "apiVersion: v1\nkind: Config\ncurrent-context: test\n"
        f"clusters:\n- name: test\n  cluster:\n    server: {server}\n"
        f"    certificate-authority-data: {authority}\n"
        "contexts:\n- name: test\n  context:\n    cluster: test\n    user: deployer\n"
        f"    namespace: {namespace}\n"
        f"users:\n- name: deployer\n  user:\n    token: {token}\n"
    )


def deployment(
    name: str,
    image: str,
    *,
    replicas: int = 2,
    strategy: dict[str, Any] | None = None,
    deadline: int = 600,
) -> dict[str, Any]:
    """A Deployment with a sidecar, env, resources and annotations the deploy must keep."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "annotations": {"team": "platform"}, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "progressDeadlineSeconds": deadline,
            "strategy": strategy
            or {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": {"checksum": "abc"}},
                "spec": {
                    "containers": [
                        {
                            "name": "sidecar",
                            "image": "127.0.0.1:5000/proxy:1",
                            "env": [{"name": "MODE", "value": "edge"}],
                        },
                        {
                            "name": "app",
                            "image": image,
                            "env": [{"name": "LEVEL", "value": "debug"}],
                            "resources": {"limits": {"memory": "128Mi"}},
                        },
                    ]
                },
            },
        },
    }
