"""Post-deploy tests' recipe: the service's own tests against the live staging URL.

They run in the validation image (the service installed with its dev dependencies, as
``test`` runs), with ``STAGING_URL`` set to the deploy's public URL and the app's secret
variables (``[tool.pipeline.smoke] secret-env``) set from ``--secrets`` as secrets.
What their outcome means (roll back, or only warn) is decided in
``core/run/post_deploy.py``.
"""

from typing import TYPE_CHECKING

import dagger

from main.dependencies import Dependencies
from main.smoke import RUN_ID_VARIABLE, run_id
from main.validate import python_environment, run_commands

if TYPE_CHECKING:
    from main.core.config import PipelineConfig
    from main.core.validate import CheckResult

NAME = "post-deploy-test"
URL_VARIABLE = "STAGING_URL"


def post_deploy_environment(
    tree: dagger.Directory, config: "PipelineConfig", url: str, dependencies: Dependencies
) -> dagger.Container:
    """The validation image with the live URL and the app's secrets; new to the cache each run.

    Live state is what these tests check, so an earlier run's result must never be reused.
    """
    return (
        dependencies.with_secrets(python_environment(tree, config))
        .with_env_variable(URL_VARIABLE, url)
        .with_env_variable(RUN_ID_VARIABLE, run_id())
    )


async def run_post_deploy(
    tree: dagger.Directory, config: "PipelineConfig", url: str, dependencies: Dependencies
) -> "CheckResult":
    """Every post-deploy command in order; a failing command is a result."""
    container = post_deploy_environment(tree, config, url, dependencies)
    return await run_commands(NAME, container, config.argv("post_deploy_test"))
