"""Tag moves and deletions over the OCI distribution API: no image is ever pulled.

``client`` speaks the API (with ``auth`` for the bearer handshake); ``manifests`` reads
what comes back; ``retention`` holds the rules (rollback order, what to keep);
``promotion`` and ``pruning`` apply them; ``ghcr`` deletes through GitHub's package API,
since GHCR has no OCI delete.
"""

from typing import TYPE_CHECKING

from main.core.lazy import lazy_exports

if TYPE_CHECKING:
    from main.core.registry.client import Registry, RegistryError
    from main.core.registry.promotion import (
        Promotion,
        Rollback,
        promote,
        restore_staging_latest,
        rollback,
    )
    from main.core.registry.pruning import Deleter, OciDeleter, Pruning, prune_staging
    from main.core.registry.retention import parse_age

__all__ = [
    "Deleter",
    "OciDeleter",
    "Promotion",
    "Pruning",
    "Registry",
    "RegistryError",
    "Rollback",
    "parse_age",
    "promote",
    "prune_staging",
    "restore_staging_latest",
    "rollback",
]

__getattr__ = lazy_exports(
    __name__,
    {
        "Registry": "client",
        "RegistryError": "client",
        "Promotion": "promotion",
        "Rollback": "promotion",
        "promote": "promotion",
        "restore_staging_latest": "promotion",
        "rollback": "promotion",
        "Deleter": "pruning",
        "OciDeleter": "pruning",
        "Pruning": "pruning",
        "prune_staging": "pruning",
        "parse_age": "retention",
    },
)
