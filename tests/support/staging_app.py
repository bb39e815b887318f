"""The deploy tests' application image, made from busybox-static without pulling anything.

A root filesystem holding ``/bin/busybox`` (statically linked, so it runs in an empty
image) with a link per applet, busybox ``httpd`` serving ``/www`` on 127.0.0.1:$PORT, and
the MCP CGI of ``tests/fixtures/staging-app``. Each variant differs in what a deploy
cares about: which version answers, whether ``/health`` says 200, whether it starts.
"""

import io
import json
import struct
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from tests.support.constants import REPO_ROOT

APP_FILES = REPO_ROOT / "tests" / "fixtures" / "staging-app"
BUSYBOX = Path("/bin/busybox")
DEFAULT_PORT = 8000
HEALTH_PATH = "/health"
MCP_PATH = "/cgi-bin/mcp"
VERSION_PATH = "/version"
_PT_INTERP = 3  # ELF program header type of a dynamic loader request


@dataclass(frozen=True)
class Variant:
    """One test image: its version text, whether it is healthy, and how it starts."""

    name: str
    healthy: bool = True
    command: tuple[str, ...] = ("/start",)

    def files(self) -> dict[str, bytes]:
        """The files under ``/www`` that make this variant what it is."""
        served = {"version": f"{self.name}\n".encode()}
        if self.healthy:
            served["health"] = json.dumps({"status": "ok", "version": self.name}).encode()
        return served


VARIANTS = (
    Variant("v1"),
    Variant("v2"),
    Variant("v3"),
    Variant("broken", healthy=False),  # starts and speaks MCP; /health answers 404
    Variant("crash", command=("/bin/sh", "-c", "echo 'crash: exiting on purpose' >&2; exit 3")),
    # Healthy, but ignores SIGTERM (no trap, PID 1): only the stop timeout's SIGKILL ends it.
    Variant(
        "stubborn",
        command=(
            "/bin/sh",
            "-c",
            "trap '' TERM; exec httpd -f -p \"127.0.0.1:${PORT:-8000}\" -h /www",
        ),
    ),
    # Healthy at its first smoke test, gone 4 s after it started: a stability window's case.
    Variant("fades", command=("/bin/sh", "-c", "/start & sleep 4; echo 'fades: gone' >&2; exit 1")),
)


def is_static(binary: Path) -> bool:
    """Whether an ELF executable asks for no dynamic loader (so it runs in an empty image)."""
    data = binary.read_bytes()
    if data[:5] != b"\x7fELF\x02":  # 64-bit ELF only: what Debian ships here
        return False
    endian = "<" if data[5] == 1 else ">"
    (phoff,) = struct.unpack_from(endian + "Q", data, 0x20)
    entry_size, count = struct.unpack_from(endian + "HH", data, 0x36)
    kinds = (
        struct.unpack_from(endian + "I", data, phoff + n * entry_size)[0] for n in range(count)
    )
    return _PT_INTERP not in kinds


def applets(busybox: Path = BUSYBOX) -> list[str]:
    """The applet names this busybox build offers (each becomes a link in ``/bin``)."""
    listed = subprocess.run(
        [str(busybox), "--list"], capture_output=True, text=True, check=True, timeout=10
    ).stdout.split()
    return [name for name in listed if name != "busybox"]


def _add(archive: tarfile.TarFile, name: str, data: bytes, mode: int = 0o644) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    archive.addfile(info, io.BytesIO(data))


def _add_dir(archive: tarfile.TarFile, name: str, mode: int = 0o755) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.mode = tarfile.DIRTYPE, mode
    archive.addfile(info)


def rootfs(variant: Variant, busybox: Path = BUSYBOX) -> bytes:
    """The variant's root filesystem as a tar archive, ready for ``docker import``."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for folder, mode in (("bin", 0o755), ("tmp", 0o1777), ("www", 0o755)):
            _add_dir(archive, folder, mode)
        _add_dir(archive, "www/cgi-bin")
        _add(archive, "bin/busybox", busybox.read_bytes(), 0o755)
        for name in applets(busybox):
            link = tarfile.TarInfo(f"bin/{name}")
            link.type, link.linkname = tarfile.SYMTYPE, "busybox"
            archive.addfile(link)
        _add(archive, "start", (APP_FILES / "start").read_bytes(), 0o755)
        _add(archive, "www/cgi-bin/mcp", (APP_FILES / "mcp").read_bytes(), 0o755)
        for name, data in variant.files().items():
            _add(archive, f"www/{name}", data)
    return buffer.getvalue()


def import_changes(variant: Variant) -> list[str]:
    """``docker import --change`` arguments: the listening port's default and the command."""
    changes = [f"ENV PORT={DEFAULT_PORT}", f"CMD {json.dumps(list(variant.command))}"]
    return [arg for change in changes for arg in ("--change", change)]
