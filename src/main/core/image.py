"""Where an image lives: one reference type and one parser for every stage.

Publishing, promotion, rollback, pruning and deployment all name the same repository,
so they must agree on what an image name means. The rules are Docker's:

- the first component is a registry host when it has a ``.`` or a ``:`` or is
  ``localhost``; otherwise the name is a Docker Hub path, and a one-component Docker
  Hub name is an official image (``python`` is ``docker.io/library/python``);
- a repository path is lower case (OCI); GitHub owners are case-insensitive and
  ``ghcr.io/${{ github.repository }}`` often has capitals, so the name is lowered,
  the way ``docker/metadata-action`` does, rather than refused;
- a tag or digest is refused: these functions name their tags themselves.

A local registry usually speaks plain HTTP, which the name cannot say, so the caller may
give the API address explicitly (``http://registry.lan:5000``).
"""

import re
from dataclasses import dataclass, replace

from main.core.errors import PipelineError

GHCR = "ghcr.io"
DOCKER_HUB = "docker.io"
DOCKER_HUB_API = "https://registry-1.docker.io"
LOCALHOST = "localhost"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_PATH = re.compile(rf"{_COMPONENT}(?:/{_COMPONENT})*")
_HOST = re.compile(
    r"(?:[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:]+(?:\d+\.\d+\.\d+\.\d+)?\])(?::(?P<port>\d{1,5}))?"
)
_SCHEMES = ("https://", "http://")
MAX_NAME = 255  # distribution's limit on host and repository together (docker/reference)
MAX_PORT = 65535


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image repository: registry host, repository path and, if given, its API address."""

    host: str
    repository: str
    api: str = ""

    @property
    def base_url(self) -> str:
        """The registry's API root: the explicit address, else HTTPS on the host."""
        if self.api:
            return self.api
        return DOCKER_HUB_API if self.host == DOCKER_HUB else f"https://{self.host}"

    @property
    def is_ghcr(self) -> bool:
        """Whether deletes go through GitHub's package API rather than the OCI API."""
        return self.host == GHCR

    def at(self, host: str) -> "ImageRef":
        """The same repository on another registry host (a local one, for a laptop run)."""
        return replace(self, host=_checked_host(host), api="")

    def __str__(self) -> str:
        """``host/repository``, the form a tag is appended to."""
        return f"{self.host}/{self.repository}"


def is_repository(path: str) -> bool:
    """Whether ``path`` is a repository path a registry URL may carry (``acme/svc``)."""
    return len(path) <= MAX_NAME and _PATH.fullmatch(path) is not None


def split_host(name: str) -> tuple[str, str] | None:
    """``(host, path)`` when ``name`` starts with a registry host; ``None`` for Docker Hub."""
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == LOCALHOST):
        return first, rest
    return None


def _checked_host(host: str) -> str:
    match = _HOST.fullmatch(host.lower())
    if match is None or not 0 < int(match["port"] or 1) <= MAX_PORT:
        msg = f"{host!r} is not a registry address: give host[:port], e.g. localhost:5000"
        raise PipelineError(msg)
    return host.lower()


def _checked_api(registry: str) -> str:
    """The registry's API root: scheme and host[:port] only.

    A path (``/v2``) would double in every request, user-info would put a password
    where logs and reports show the address, and a bad host fails only at the push.
    """
    if not registry.startswith(_SCHEMES):
        msg = f"--api {registry!r} needs a scheme: http://HOST:PORT or https://HOST"
        raise PipelineError(msg)
    scheme, _, rest = registry.partition("://")
    authority, slash, path = rest.partition("/")
    if "@" in authority:
        msg = (
            "--api holds credentials in its address: give just "
            f"{scheme}://HOST[:PORT] and the password as --registry-token env://NAME"
        )
        raise PipelineError(msg)
    if (slash and path) or not authority:
        msg = f"--api {registry!r} is not a registry root: give {scheme}://HOST[:PORT] only"
        raise PipelineError(msg)
    try:
        _checked_host(authority)
    except PipelineError:
        msg = f"--api {registry!r} has no valid host[:port]: e.g. {scheme}://localhost:5000"
        raise PipelineError(msg) from None
    return f"{scheme}://{authority}"


def parse_image(image: str | None, registry: str = "") -> ImageRef:
    """The repository ``image`` names; ``registry`` overrides the API address.

    Raises:
        PipelineError: for no image, a tag or digest, a name that is not a repository
            path, or an API address without a scheme.
    """
    name = (image or "").strip()
    for scheme in _SCHEMES:
        name = name.removeprefix(scheme)
    if not name:
        msg = "no image repository: set image in [tool.pipeline] or pass --image"
        raise PipelineError(msg)
    if "@" in name or ":" in name.rpartition("/")[2]:
        msg = f"image {image!r} has a tag or digest: give just the repository, e.g. ghcr.io/o/s"
        raise PipelineError(msg)
    if split := split_host(name):
        host, path = _checked_host(split[0]), split[1].lower()
    else:
        host, path = DOCKER_HUB, name.lower()
        if "/" not in path:
            path = f"library/{path}"
    if len(f"{host}/{path}") > MAX_NAME:
        msg = (
            f"image {name[:60]!r}... is longer than the {MAX_NAME} characters a registry "
            "accepts: shorten the repository name"
        )
        raise PipelineError(msg)
    if not _PATH.fullmatch(path):
        msg = (
            f"image {image!r} is not a repository name: use host/owner/name with letters, "
            "digits and . _ - between them, e.g. ghcr.io/acme/my-service"
        )
        raise PipelineError(msg)
    return ImageRef(host=host, repository=path, api=_checked_api(registry) if registry else "")
