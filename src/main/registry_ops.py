"""Promote, rollback and prune: registry calls from the module's own process.

These stages move tags and delete manifests; no container is involved, so they run
as plain HTTP from the function itself (``main.core`` does the work). The password
arrives as a ``dagger.Secret`` and is read in this process only to authenticate.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import dagger

from main.core.errors import PipelineError
from main.core.image import ImageRef, parse_image
from main.core.registry.client import Registry
from main.core.registry.ghcr import GhcrDeleter, GithubPackages
from main.core.registry.promotion import promote, rollback
from main.core.registry.pruning import Deleter, OciDeleter, prune_staging
from main.core.registry.retention import parse_age

if TYPE_CHECKING:
    # pydantic is heavy to import; only the type is needed here (see BENCHMARKS.md).
    from main.core.config import PipelineConfig


@asynccontextmanager
async def _connected(
    settings: "PipelineConfig", registry: str, password: dagger.Secret | None
) -> AsyncIterator[tuple[Registry, ImageRef, str | None]]:
    image = parse_image(settings.image or "", registry)
    secret = await password.plaintext() if password is not None else None
    async with Registry(image.base_url, settings.registry_username, secret) as client:
        yield client, image, secret


async def promote_image(
    settings: "PipelineConfig",
    *,
    tag: str,
    registry: str,
    password: dagger.Secret | None,
    force: bool,
) -> str:
    """Give a staging image its production tags; the summary of what moved."""
    async with _connected(settings, registry, password) as (client, image, _):
        return (await promote(client, image.repository, tag, force=force)).summary()


async def rollback_staging(
    settings: "PipelineConfig",
    *,
    to: str,
    registry: str,
    password: dagger.Secret | None,
) -> str:
    """Move ``staging-latest`` back; the summary of what moved."""
    async with _connected(settings, registry, password) as (client, image, _):
        return (await rollback(client, image.repository, to or None)).summary()


async def prune_staging_images(  # noqa: PLR0913 - the policy's knobs, keyword-only
    settings: "PipelineConfig",
    *,
    keep: int | None,
    keep_newer_than: str | None,
    dry_run: bool,
    registry: str,
    password: dagger.Secret | None,
) -> str:
    """Apply the retention policy (arguments over ``[tool.pipeline]``); the summary."""
    age = keep_newer_than if keep_newer_than is not None else settings.staging_keep_newer_than
    newer_than = parse_age(age) if age else None
    async with _connected(settings, registry, password) as (client, image, secret):
        deleter: Deleter = OciDeleter(client)
        packages = None
        if image.is_ghcr and not dry_run:
            if secret is None:
                msg = "deleting on ghcr.io needs a GitHub token: pass --registry-token env://GITHUB_TOKEN"
                raise PipelineError(msg)
            packages = GithubPackages(secret, settings.github_api_url)
            deleter = GhcrDeleter(packages)
        try:
            pruning = await prune_staging(
                client,
                image.repository,
                deleter,
                keep=keep if keep is not None else settings.staging_keep,
                newer_than=newer_than,
                now=datetime.now(UTC),
                dry_run=dry_run,
            )
        finally:
            if packages is not None:
                await packages.aclose()
        return pruning.summary()
