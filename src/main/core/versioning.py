"""The service version, read from ``pyproject.toml`` and held to PEP 440.

Tags, labels and reports all start from this version, so a bad one is refused here,
once, with a message that says where to fix it.
"""

import re
import tomllib
from typing import Any

from main.core.errors import PipelineError

# PEP 440, appendix B ("public version identifiers plus local"), case-insensitive.
_PEP440 = re.compile(
    r"""
    v?
    (?:(?P<epoch>[0-9]+)!)?
    (?P<release>[0-9]+(?:\.[0-9]+)*)
    (?P<pre>[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview)[-_.]?[0-9]*)?
    (?P<post>(?:-[0-9]+)|(?:[-_.]?(?:post|rev|r)[-_.]?[0-9]*))?
    (?P<dev>[-_.]?dev[-_.]?[0-9]*)?
    (?:\+(?P<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?
    """,
    re.VERBOSE | re.IGNORECASE,
)


def is_pep440(version: str) -> bool:
    """Whether ``version`` is a valid PEP 440 version string."""
    return _PEP440.fullmatch(version) is not None


_PRE_SPELLINGS = {"a": "a", "alpha": "a", "b": "b", "beta": "b"}  # everything else is "rc"


def _number(text: str | None) -> str:
    """The decimal number in ``text`` without leading zeros ("0" when none).

    Kept as text: ``int()`` refuses 4300 digits and more, and PEP 440 sets no bound.
    """
    digits = re.sub(r"[^0-9]", "", text or "")
    return digits.lstrip("0") or "0"


def normalize_version(version: str) -> str:
    """The PEP 440 normal form: ``V1.0-RC.1+Local_7`` becomes ``1.0rc1+local.7``.

    Raises:
        PipelineError: when ``version`` is not PEP 440.
    """
    match = _PEP440.fullmatch(version.strip())
    if match is None:
        msg = f"{version!r} is not a PEP 440 version (for example 1.2.3, 1.2.3rc1)"
        raise PipelineError(msg)
    parts = []
    if match["epoch"]:
        parts.append(f"{_number(match['epoch'])}!")
    parts.append(".".join(_number(n) for n in match["release"].split(".")))
    if pre := match["pre"]:
        label = re.sub(r"[^a-z]", "", pre.lower())
        parts.append(f"{_PRE_SPELLINGS.get(label, 'rc')}{_number(pre)}")
    if post := match["post"]:
        parts.append(f".post{_number(post)}")
    if dev := match["dev"]:
        parts.append(f".dev{_number(dev)}")
    if local := match["local"]:
        parts.append("+" + re.sub(r"[-_]", ".", local.lower()))
    return "".join(parts)


def parse_pyproject(pyproject_text: str) -> dict[str, Any]:
    """Parse ``pyproject.toml`` text, turning TOML syntax errors into one clear line."""
    try:
        return tomllib.loads(pyproject_text)
    except tomllib.TOMLDecodeError as exc:
        msg = f"pyproject.toml is not valid TOML ({exc}); fix the file and run again"
        raise PipelineError(msg) from None
    except RecursionError:
        msg = "pyproject.toml nests arrays or tables too deep to read; fix the file and run again"
        raise PipelineError(msg) from None


def read_version(pyproject_text: str) -> str:
    """Return ``[project].version`` from ``pyproject.toml`` text.

    Raises:
        PipelineError: (a ``ValueError``) when the file is not TOML, has no static
            version, or the version is not PEP 440.
    """
    project = parse_pyproject(pyproject_text).get("project")
    if not isinstance(project, dict):
        msg = 'pyproject.toml has no [project] table: add one with version = "0.1.0"'
        raise PipelineError(msg)
    dynamic = project.get("dynamic", [])
    if not isinstance(dynamic, list) or not all(isinstance(name, str) for name in dynamic):
        msg = f'[project].dynamic must be a list of field names, e.g. ["readme"], got {dynamic!r}'
        raise PipelineError(msg)
    version = project.get("version")
    if version is None:
        if "version" in dynamic:
            msg = (
                "pyproject.toml declares a dynamic version; the pipeline tags images "
                'from a static one: set [project].version = "X.Y.Z"'
            )
        else:
            msg = 'pyproject.toml has no [project].version: add version = "0.1.0"'
        raise PipelineError(msg)
    if not isinstance(version, str):
        msg = f"[project].version must be a string, got {version!r}: quote it"
        raise PipelineError(msg)
    version = version.strip()
    if not is_pep440(version):
        msg = (
            f"[project].version {version!r} is not a PEP 440 version "
            "(for example 1.2.3, 1.2.3rc1, 1.2.3.post1)"
        )
        raise PipelineError(msg)
    return version
