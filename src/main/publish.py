"""Pushing one built image under all its tags, concurrently, and proving it arrived whole.

The token reaches the engine only as a ``dagger.Secret`` through
``with_registry_auth`` for the image's registry host: it never becomes an environment
variable, an argument, a label or a log line. Every push finishes (none is cancelled
when another fails) so that the error can list exactly which tags already moved.
"""

from typing import TYPE_CHECKING

import anyio
import dagger

from main.build import build_service
from main.core.errors import PipelineError
from main.core.image import ImageRef, parse_image
from main.core.publish import (
    Published,
    local_registry_host,
    one_digest,
    parse_published,
    push_failure,
    registry_username,
    require_credentials,
    tags_for,
)
from main.source import read_revision

if TYPE_CHECKING:
    from main.core.service import Service


def with_credentials(
    image: dagger.Container, repository: ImageRef, username: str, token: dagger.Secret
) -> dagger.Container:
    """The image with the registry login attached, for its registry host only."""
    return image.with_registry_auth(repository.host, username, token)


async def local_repository(repository: ImageRef, registry: dagger.Service) -> ImageRef:
    """``repository``'s path on the local registry ``registry``, as ``push_tags`` needs it.

    Pass the same service to ``push_tags(registry_service=...)``: the address names
    ``localhost:PORT`` and the engine dials that through the service (see
    :func:`~main.core.publish.local_registry_host`).
    """
    return repository.at(local_registry_host(await registry.endpoint()))


async def push_tags(
    image: dagger.Container,
    repository: ImageRef,
    tags: list[str],
    *,
    registry_service: dagger.Service | None = None,
) -> list[Published]:
    """Push ``image`` as ``repository:tag`` for every tag at once; all must share a digest.

    Raises:
        PipelineError: naming the first failed tag and the tags already pushed, or when
            the pushed tags name different digests.
    """
    published: dict[str, Published] = {}
    failures: dict[str, str] = {}

    async def push(tag: str) -> None:
        try:
            reference = await image.publish(
                f"{repository}:{tag}", registry_service=registry_service
            )
        except dagger.QueryError as exc:
            failures[tag] = str(exc)
            return
        published[tag] = parse_published(reference)

    async with anyio.create_task_group() as group:
        for tag in tags:
            group.start_soon(push, tag)
    if failures:
        failed = [tag for tag in tags if tag in failures]
        pushed = [tag for tag in tags if tag in published]
        message = push_failure(failed[0], failures[failed[0]], pushed)
        if len(failed) > 1:
            message += f"; also failed: {', '.join(failed[1:])}"
        raise PipelineError(message)
    results = [published[tag] for tag in tags]
    one_digest(results)
    return results


async def publish_service(  # noqa: PLR0913 - what a push needs, each said once
    service: "Service",
    tree: dagger.Directory,
    git: tuple[dagger.GitRepository | None, str],
    *,
    kind: str,
    token: dagger.Secret | None,
    local_registry: dagger.Service | None,
) -> list[Published]:
    """Build the service's image and push it under its ``kind`` tags.

    Every refusal (no image, no credentials, no user name, bad kind, no commit, no
    Containerfile) comes before the first push: nothing is half-done. ``git`` is the
    repository and ref the commit is read from, once the cheap checks have passed.

    Raises:
        PipelineError: for any of those refusals, or a failed push.
    """
    repository = parse_image(service.config.image)
    require_credentials(
        has_token=token is not None, local_registry=local_registry is not None, host=repository.host
    )
    username = None
    if local_registry is not None:
        repository = await local_repository(repository, local_registry)
    else:
        username = registry_username(service.config.registry_username, repository.host)
    revision = await read_revision(*git)
    tags = tags_for(kind, service.version, revision)
    image = await build_service(tree, service, revision)
    if token is not None and username is not None:
        image = with_credentials(image, repository, username, token)
    return await push_tags(image, repository, tags, registry_service=local_registry)
