"""Where GitHub's REST API is, and the headers every call to it carries.

Two parts of the pipeline talk to it (deleting GHCR package versions, uploading SARIF
to code scanning). GitHub documents the JSON media type and a dated API version for
every request; pinning the version keeps a later API change from altering answers.
"""

from types import MappingProxyType
from typing import Final

API_URL: Final = "https://api.github.com"
API_VERSION: Final = "2022-11-28"
HEADERS: Final = MappingProxyType(
    {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": API_VERSION}
)
"""The headers of every request, apart from the token (and a body's Content-Type)."""
