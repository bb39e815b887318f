"""Deploy to a staging target, smoke the live URL, roll back by itself.

The orchestration (``orchestrate``) talks to a small target interface (``target``);
``compose_ssh`` implements it for one Linux host running Docker Compose, reached over
SSH with a pinned host key. asyncssh loads only when a deployment runs.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.deploy.compose import ComposeProject
    from main.core.deploy.compose_ssh import ComposeOverSsh
    from main.core.deploy.errors import DeployError, RolloutFailed
    from main.core.deploy.history import Deployment
    from main.core.deploy.orchestrate import Plan, Release, deploy, roll_back
    from main.core.deploy.result import DeployReport, Step
    from main.core.deploy.settings import DeploySettings
    from main.core.deploy.ssh import SshEndpoint
    from main.core.deploy.target import DeployTarget

__all__ = [
    "ComposeOverSsh",
    "ComposeProject",
    "DeployError",
    "DeployReport",
    "DeploySettings",
    "DeployTarget",
    "Deployment",
    "Plan",
    "Release",
    "RolloutFailed",
    "SshEndpoint",
    "Step",
    "deploy",
    "roll_back",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "ComposeProject": "compose",
        "ComposeOverSsh": "compose_ssh",
        "DeployError": "errors",
        "RolloutFailed": "errors",
        "Deployment": "history",
        "Plan": "orchestrate",
        "Release": "orchestrate",
        "deploy": "orchestrate",
        "roll_back": "orchestrate",
        "DeployReport": "result",
        "Step": "result",
        "DeploySettings": "settings",
        "SshEndpoint": "ssh",
        "DeployTarget": "target",
    },
)
