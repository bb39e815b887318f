"""Where an image lives: the registry's API address and the repository path in it.

``ghcr.io/acme/service`` is repository ``acme/service`` on ``https://ghcr.io``. A local
registry usually speaks plain HTTP, which the image name cannot say, so the caller may
give the API address explicitly (``http://127.0.0.1:5000``).
"""

from dataclasses import dataclass

from main.core.errors import PipelineError

GHCR = "ghcr.io"
DOCKER_HUB = "docker.io"
_DOCKER_HUB_API = "https://registry-1.docker.io"


@dataclass(frozen=True, slots=True)
class ImageRef:
    """An image repository: registry host, API base URL and repository path."""

    host: str
    base_url: str
    repository: str

    @property
    def is_ghcr(self) -> bool:
        """Whether deletes go through GitHub's package API rather than the OCI API."""
        return self.host == GHCR

    def __str__(self) -> str:
        """The image name as a person writes it."""
        return f"{self.host}/{self.repository}"


def split_host(name: str) -> tuple[str, str] | None:
    """``(host, path)`` when ``name`` starts with a registry host; ``None`` for Docker Hub.

    Docker's rule: the first component is a host when it has a ``.`` or a ``:`` or is
    ``localhost`` (and something follows it); otherwise the whole name is a Docker Hub path.
    """
    first, _, rest = name.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first, rest
    return None


def parse_image(image: str, registry: str = "") -> ImageRef:
    """Split ``host/path`` into host and repository; ``registry`` overrides the API URL.

    A first component without a dot, a colon or ``localhost`` is a Docker Hub path,
    as in ``docker pull``. A tag or digest on the image is refused: these functions
    work on a repository and name their tags themselves.

    Raises:
        PipelineError: for an empty image, one with a tag or digest, or a bad ``registry``.
    """
    name = image.strip().removeprefix("https://").removeprefix("http://")
    if not name:
        msg = "no image repository: set image in [tool.pipeline] or pass --image"
        raise PipelineError(msg)
    if "@" in name or ":" in name.rpartition("/")[2]:
        msg = f"image {image!r} has a tag or digest: give just the repository, e.g. ghcr.io/o/s"
        raise PipelineError(msg)
    if split := split_host(name):
        host, repository = split
        base_url = f"https://{host}"
    else:
        host, repository, base_url = DOCKER_HUB, name, _DOCKER_HUB_API
        if "/" not in repository:
            repository = f"library/{repository}"
    if registry:
        if not registry.startswith(("http://", "https://")):
            msg = f"--registry {registry!r} needs a scheme: http://HOST:PORT or https://HOST"
            raise PipelineError(msg)
        base_url = registry.rstrip("/")
    return ImageRef(host=host, base_url=base_url, repository=repository.lower())
