"""Attestations outside Dagger: ``python -m main.core.attest attach|verify``.

``attach --registry URL --image REPO@sha256:... --sbom FILE --provenance FILE [--key FILE]``
signs the SBOM (CycloneDX JSON as Trivy or syft write it, or SPDX JSON) and the
provenance (an in-toto SLSA v1 statement about that digest) with the PKCS#8 PEM key,
when given, and attaches both to the digest. The registry is an address as people type
it: ``localhost:5000`` (plain HTTP on a loopback host, HTTPS elsewhere) or
``http(s)://HOST:PORT``, a trailing slash or not. ``verify --registry URL --image
REPO@sha256:... [--key PUBFILE] [--source-repo URL] [--commit SHA ...]`` finds and
checks them.

Registry credentials come from the environment, never from arguments (which land in
process lists and shell history): ``REGISTRY_USERNAME`` and ``REGISTRY_PASSWORD`` (a
password or token). Neither they nor any key appears in the output.

JSON on stdout, one verdict line on stderr. Exit status: 0 attached / verified, 1 an
attestation missing or invalid (or the registry failed), 2 bad usage, including inputs
that are not what they claim to be (nothing is written then).
"""

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn

from main.core.argv import ValueKeepingParser
from main.core.attest.attach import Attachment, attach, prepare
from main.core.attest.dsse import load_private_key, load_public_key
from main.core.attest.errors import COMMIT, DIGEST
from main.core.attest.verify import Policy, verify
from main.core.errors import PipelineError
from main.core.image import split_host
from main.core.quiet import silence_library_warnings
from main.core.registry.client import Registry

EXIT_OK, EXIT_INVALID, EXIT_BAD_USAGE = 0, 1, 2
USERNAME, PASSWORD = "REGISTRY_USERNAME", "REGISTRY_PASSWORD"
MAX_INPUT_BYTES = 256 * 1024 * 1024


class _Parser(ValueKeepingParser):
    """argparse whose mistakes are one line, a JSON answer and exit status 2."""

    def error(self, message: str) -> NoReturn:
        sys.stdout.write(json.dumps({"error": f"bad usage: {message}"}) + "\n")
        self.exit(EXIT_BAD_USAGE, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """Both subcommands and their options."""
    parser = _Parser(prog="python -m main.core.attest", description=__doc__.split("\n\n")[1])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    attach_cmd = commands.add_parser("attach", help="sign and attach an SBOM and a provenance")
    verify_cmd = commands.add_parser("verify", help="find and check the attestations")
    for command in (attach_cmd, verify_cmd):
        command.add_argument(
            "--registry",
            required=True,
            help="registry address: HOST:PORT (plain HTTP on localhost) or http(s)://HOST:PORT",
        )
        command.add_argument("--image", required=True, help="REPO@sha256:... on that registry")
    attach_cmd.add_argument(
        "--sbom", required=True, type=Path, help="CycloneDX JSON (Trivy, syft) or SPDX JSON"
    )
    attach_cmd.add_argument(
        "--provenance", required=True, type=Path, help="in-toto SLSA v1 statement (JSON)"
    )
    attach_cmd.add_argument(
        "--key", type=Path, help="PKCS#8 PEM ECDSA private key; unsigned without"
    )
    verify_cmd.add_argument(
        "--key", type=Path, help="PEM public key the signatures must verify with"
    )
    verify_cmd.add_argument("--source-repo", default="", help="the source repository it must name")
    verify_cmd.add_argument(
        "--commit", action="append", default=[], help="an allowed source commit (repeatable)"
    )
    verify_cmd.add_argument(
        "--no-sbom", action="store_true", help="do not require an SBOM, only the provenance"
    )
    return parser


def _read(option: str, path: Path) -> bytes:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        msg = f"{option} {path}: {exc.strerror or exc}"
        raise PipelineError(msg) from None
    if len(data) > MAX_INPUT_BYTES:
        msg = f"{option} {path}: larger than {MAX_INPUT_BYTES} bytes"
        raise PipelineError(msg)
    return data


def registry_url(registry: str) -> str:
    """The registry's API root from what a user types: ``localhost:5000/`` is ``http://localhost:5000``.

    Without a scheme a loopback host speaks plain HTTP (as Docker and ORAS treat it) and
    any other host HTTPS. A path, or a scheme other than HTTP(S), is one line.
    """
    text = registry.strip().rstrip("/")
    scheme, has_scheme, rest = text.partition("://")
    if not has_scheme:
        scheme, rest = ("http" if _loopback(text) else "https"), text
    if scheme not in ("http", "https") or not rest or "/" in rest or rest.endswith(":"):
        msg = (
            f"--registry {registry!r} is not a registry address: give HOST:PORT or "
            "http(s)://HOST:PORT, e.g. localhost:5000"
        )
        raise PipelineError(msg)
    return f"{scheme}://{rest}"


def _split_port(host: str) -> tuple[str, str]:
    """``("127.0.0.1", "5000")`` from ``127.0.0.1:5000``; ``[::1]:5000`` keeps its brackets."""
    name, colon, port = host.rpartition(":")
    if not colon or name.endswith(":") or (name.startswith("[") and not name.endswith("]")):
        return host, ""
    return name, port


def _loopback(host: str) -> bool:
    name = _split_port(host)[0]
    return name in ("localhost", "[::1]") or name.startswith("127.")


def _same_host(a: str, b: str) -> bool:
    """``localhost:5000`` and ``127.0.0.1:5000`` are one registry; otherwise names must match."""
    return a == b or (_loopback(a) and _loopback(b) and _split_port(a)[1] == _split_port(b)[1])


def _target(parser: argparse.ArgumentParser, registry: str, image: str) -> tuple[str, str]:
    repo, at, digest = image.partition("@")
    if not at or not repo or not DIGEST.fullmatch(digest):
        parser.error(f"--image {image!r} must be REPO@sha256:<64 hex digits>, a digest not a tag")
    host = registry.split("://", 1)[1]
    named = split_host(repo)
    if named is not None:
        if not _same_host(named[0].lower(), host.lower()):
            parser.error(
                f"--image {image[:120]!r} is on {named[0]}, not on --registry {host}: "
                "give the repository without a host, or that registry's address"
            )
        repo = named[1]
    return repo, digest


def _registry(url: str) -> Registry:
    password = os.environ.get(PASSWORD) or None
    return Registry(url, os.environ.get(USERNAME) or None, password)


def _finish(payload: dict[str, Any], ok: bool, line: str) -> int:  # noqa: FBT001 - the verdict
    if "401 unauthorized" in line:
        hint = f"; this command reads them from {USERNAME} and {PASSWORD}"
        line += hint
        payload["error"] = f"{payload['error']}{hint}"
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stderr.write(line.replace("\n", " ") + "\n")
    return EXIT_OK if ok else EXIT_INVALID


async def _attach(url: str, repo: str, attachment: Attachment, key_pem: bytes | None) -> int:
    key = None if key_pem is None else load_private_key(key_pem)
    result: dict[str, Any] = {"attached": False, "image": f"{repo}@{attachment.digest}"}
    try:
        async with _registry(url) as registry:
            via, written = await attach(registry, repo, attachment, key)
    except PipelineError as exc:
        return _finish({**result, "error": str(exc)}, ok=False, line=f"not attached: {exc}")
    result |= {
        "attached": True,
        "via": via,
        "artifacts": [a.to_dict() for a in written],
        "sbom": {"packages": attachment.packages},
        "error": None,
    }
    signed = "signed" if key else "unsigned"
    line = f"attached: {signed} provenance and SBOM to {repo}@{attachment.digest} ({via})"
    return _finish(result, ok=True, line=line)


async def _verify(url: str, repo: str, digest: str, policy: Policy) -> int:
    async with _registry(url) as registry:
        verdict = await verify(registry, repo, digest, policy)
    payload = {"image": f"{repo}@{digest}", **verdict.to_dict()}
    if not verdict.verified:
        return _finish(payload, ok=False, line=f"not verified: {verdict.error}")
    assert verdict.provenance is not None  # noqa: S101 - verified means found
    facts = verdict.provenance.facts
    notes = "".join(f"; {note}" for note in verdict.notes)
    line = f"verified: {repo}@{digest} built from {facts['repository']}@{facts['commit']}{notes}"
    return _finish(payload, ok=True, line=line)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand; the exit status says how it ended."""
    silence_library_warnings()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.registry = registry_url(args.registry)
    except PipelineError as exc:
        parser.error(str(exc))
    repo, digest = _target(parser, args.registry, args.image)
    try:
        if args.command == "attach":
            key_pem = None if args.key is None else _read("--key", args.key)
            if key_pem is not None:
                load_private_key(key_pem)
            attachment = prepare(
                f"{args.registry.split('://', 1)[1].rstrip('/')}/{repo}",
                digest,
                provenance=_read("--provenance", args.provenance),
                sbom=_read("--sbom", args.sbom),
                now=datetime.now(UTC),
            )
            return asyncio.run(_attach(args.registry, repo, attachment, key_pem))
        bad = [c for c in args.commit if not COMMIT.fullmatch(c)]
        if bad:
            parser.error(f"--commit {bad[0]!r} is not a full 40-character commit sha")
        key = None if args.key is None else load_public_key(_read("--key", args.key))
        policy = Policy(key, args.source_repo, frozenset(args.commit), not args.no_sbom)
        return asyncio.run(_verify(args.registry, repo, digest, policy))
    except PipelineError as exc:
        parser.error(_option_named(exc, args))


def _option_named(exc: PipelineError, args: argparse.Namespace) -> str:
    """The message, prefixed with the option it is about when it does not say."""
    text = str(exc)
    if text.startswith("--"):
        return text
    if "signing key" in text or "verification key" in text:
        return f"--key {args.key}: {text}"
    if args.command == "attach" and text.startswith(("the SBOM", "the CycloneDX", "the SPDX")):
        return f"--sbom {args.sbom}: {text}"
    if args.command == "attach" and text.startswith(
        ("the provenance", "the statement", "the payload")
    ):
        return f"--provenance {args.provenance}: {text}"
    return text
