"""Pushing one built image under all its tags, concurrently, and proving it arrived whole.

The token reaches the engine only as a ``dagger.Secret`` through
``with_registry_auth`` for the image's registry host: it never becomes an environment
variable, an argument, a label or a log line. Every push finishes (none is cancelled
when another fails) so that the error can list exactly which tags already moved.
"""

import anyio
import dagger

from main.core.errors import PipelineError
from main.core.publishing import (
    ImageRepository,
    Published,
    one_digest,
    parse_published,
    push_failure,
)


def with_credentials(
    image: dagger.Container, repository: ImageRepository, username: str, token: dagger.Secret
) -> dagger.Container:
    """The image with the registry login attached, for its registry host only."""
    return image.with_registry_auth(repository.host, username, token)


async def push_tags(
    image: dagger.Container,
    repository: ImageRepository,
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
