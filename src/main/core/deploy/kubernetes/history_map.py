"""The deployment history of a Deployment, kept in the cluster in a v1 ConfigMap.

One JSON line per deployment under the key ``history`` (the format of
:mod:`main.core.deploy.history`), so ``kubectl get configmap NAME -o
jsonpath='{.data.history}'`` shows it and any deployer reads the same story. Writes
replace the ConfigMap at the ``resourceVersion`` they read; on a conflict the entry is
appended again to the newer text.
"""

from main.core.deploy.errors import DeployError
from main.core.deploy.history import Deployment, parse_history, render_history
from main.core.deploy.kubernetes.api import Conflict, KubeApi, NotFound

HISTORY_KEY = "history"
WRITE_ATTEMPTS = 5


class HistoryMap:
    """The ConfigMap ``name`` in ``namespace`` that holds the history."""

    def __init__(self, api: KubeApi, namespace: str, name: str, *, owner: str) -> None:
        """``owner`` is the Deployment the history belongs to (a label on the ConfigMap)."""
        self.api, self.namespace, self.name, self.owner = api, namespace, name, owner
        self.collection = f"/api/v1/namespaces/{namespace}/configmaps"
        self.path = f"{self.collection}/{name}"

    async def read(self) -> list[Deployment]:
        """The readable entries, oldest first; none when the ConfigMap does not exist yet."""
        try:
            found = await self.api.get(self.path)
        except NotFound:
            return []
        data = found.get("data") or {}
        return parse_history(str(data.get(HISTORY_KEY, "")))

    async def append(self, entry: Deployment) -> None:
        """Add one entry, as a conditional write retried on conflicts."""
        for _ in range(WRITE_ATTEMPTS):
            try:
                found = await self.api.get(self.path)
            except NotFound:
                body = {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {
                        "name": self.name,
                        "namespace": self.namespace,
                        "labels": {"app.kubernetes.io/managed-by": "pipeline"},
                        "annotations": {"pipeline/deployment": self.owner},
                    },
                    "data": {HISTORY_KEY: render_history([entry])},
                }
                try:
                    await self.api.create(self.collection, body)
                except Conflict:
                    continue
                return
            data = dict(found.get("data") or {})
            entries = parse_history(str(data.get(HISTORY_KEY, "")))
            data[HISTORY_KEY] = render_history([*entries, entry])
            found["data"] = data
            try:
                await self.api.replace(self.path, found)
            except Conflict:
                continue
            return
        msg = (
            f"the ConfigMap {self.namespace}/{self.name} kept changing under "
            f"{WRITE_ATTEMPTS} writes"
        )
        raise DeployError(msg)
