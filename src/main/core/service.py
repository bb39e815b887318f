"""What the pipeline knows about the service before touching an engine.

One ``pyproject.toml`` gives the service's name (the image title), its version (every
tag starts from it) and its ``[tool.pipeline]`` settings. Reading all three at once
means a broken file fails the run before any container is built.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from main.core.config import PipelineConfig, load_config
from main.core.errors import PipelineError
from main.core.versioning import parse_pyproject, read_version


@dataclass(frozen=True, slots=True)
class Service:
    """A service as described by its ``pyproject.toml`` and the caller's overrides."""

    name: str
    version: str
    config: PipelineConfig


def load_service(
    pyproject_text: str | None,
    *,
    location: str = ".",
    overrides: Mapping[str, object] | None = None,
) -> Service:
    """Describe the service whose ``pyproject.toml`` text is given (``None``: no file).

    Args:
        pyproject_text: the file's contents, or ``None`` when the file does not exist.
        location: where the file was looked for, for the error message.
        overrides: ``[tool.pipeline]`` values given on the command line.

    Raises:
        PipelineError: one line saying what is missing or wrong, and what to do.
    """
    if pyproject_text is None:
        msg = (
            f"no pyproject.toml in the service folder {location!r}: "
            "point --subpath at the service, or add a pyproject.toml "
            "with [project] name and version"
        )
        raise PipelineError(msg)
    project = parse_pyproject(pyproject_text).get("project")
    name = project.get("name") if isinstance(project, dict) else None
    if not isinstance(name, str) or not name.strip():
        msg = f'{location}/pyproject.toml has no [project].name: add name = "my-service"'
        raise PipelineError(msg)
    return Service(
        name=name.strip(),
        version=read_version(pyproject_text),
        config=load_config(pyproject_text, overrides),
    )
