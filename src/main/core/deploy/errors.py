"""The deploy's errors: one line each, saying what failed and what to do."""

from main.core.errors import PipelineError


class DeployError(PipelineError):
    """The deployment could not go on; raised before anything on the host changed."""


class RolloutFailed(DeployError):  # noqa: N818 - reads as what happened, like HostLost
    """The new image did not become healthy on the host: the deploy rolls back."""

    def __init__(self, message: str, *, logs: str = "") -> None:
        """Keep the container's last lines for the report."""
        super().__init__(message)
        self.logs = logs


class HostLost(DeployError):  # noqa: N818 - a state of the host, not an error of ours
    """The host stopped answering mid-deployment: its state is unknown."""


class CommandTimedOut(DeployError):  # noqa: N818 - reads as what happened, like HostLost
    """A remote command outlived its bound; it was killed and the connection still works."""
