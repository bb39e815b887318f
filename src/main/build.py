"""The image: the service's own Containerfile, labelled from its commit.

``created`` comes from the commit time, not from the clock: the labels, like the
build context, are then the same for an unchanged commit, and the engine serves the
whole build from its cache.
"""

from collections.abc import Mapping
from typing import TYPE_CHECKING

import dagger

from main.core.errors import PipelineError
from main.core.labels import oci_labels, source_url

if TYPE_CHECKING:
    from main.core.config import PipelineConfig
    from main.core.revision import Revision
    from main.core.service import Service


def build_image(
    tree: dagger.Directory, config: "PipelineConfig", labels: Mapping[str, str]
) -> dagger.Container:
    """``docker build`` of the configured Containerfile, build args and target (lazy)."""
    image = tree.docker_build(
        dockerfile=config.containerfile,
        build_args=[
            dagger.BuildArg(name=name, value=value)
            for name, value in sorted(config.build_args.items())
        ],
        target=config.build_target or "",
    )
    for name, value in labels.items():
        image = image.with_label(name, value)
    return image


def service_labels(service: "Service", revision: "Revision | None") -> dict[str, str]:
    """The OCI labels of the service's image at ``revision``."""
    return oci_labels(
        title=service.name,
        version=service.version,
        revision=revision,
        source=source_url(service.config.image, service.config.source_url),
    )


async def build_service(
    tree: dagger.Directory, service: "Service", revision: "Revision | None"
) -> dagger.Container:
    """The labelled image of the service; a missing Containerfile is one clear line.

    Raises:
        PipelineError: when the configured Containerfile is not in the service folder.
    """
    containerfile = service.config.containerfile
    if not await tree.exists(containerfile):
        msg = (
            f"no Containerfile at {containerfile!r} in the service folder: "
            "set containerfile in [tool.pipeline] or pass --containerfile"
        )
        raise PipelineError(msg)
    return build_image(tree, service.config, service_labels(service, revision))
