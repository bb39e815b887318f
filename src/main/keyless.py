"""Keyless signing in a run: the GitHub job's OIDC request as secrets, Sigstore from here.

``deploy-staging --keyless`` and ``ci --keyless`` take GitHub's two OIDC request
variables as secrets (``env://ACTIONS_ID_TOKEN_REQUEST_URL``,
``env://ACTIONS_ID_TOKEN_REQUEST_TOKEN``). Only at the attest stage, from the module's
own process, are they read, the job's token fetched (``core.attest.oidc``) and the
statements signed through Sigstore (``core.attest.keyless``, in a worker thread: sigstore
blocks). The choice itself (keyless or a key, both secrets given) is checked before
the run starts, by ``core.attest.oidc.check_keyless``.

``registry promote`` verifies such bundles with ``--certificate-identity`` and
``--certificate-oidc-issuer`` (the arguments are declared here, beside their signing
side).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated

import dagger
from dagger import Doc

from main.core.lazy import lazy_import

if TYPE_CHECKING:
    from main.core.attest import keyless as keyless_rules
    from main.core.attest import oidc
else:
    keyless_rules = lazy_import("main.core.attest.keyless")  # sigstore loads on use only
    oidc = lazy_import("main.core.attest.oidc")

GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
# Where promote's verification key comes from, said in its refusal without one.
KEY_HINT = (
    "(--verify-key ./signing.pub, verify-key in [tool.pipeline.attest], or "
    "--certificate-identity for keyless attestations)"
)

KeylessArg = Annotated[
    bool,
    Doc(
        "Sign the SBOM and provenance keyless through Sigstore with the GitHub job's OIDC "
        "token (the job needs permissions: id-token: write, and the two --oidc-request-* "
        "secrets); instead of --signing-key"
    ),
]
OidcRequestUrlArg = Annotated[
    dagger.Secret | None,
    Doc("With --keyless: GitHub's OIDC token request URL, env://ACTIONS_ID_TOKEN_REQUEST_URL"),
]
OidcRequestTokenArg = Annotated[
    dagger.Secret | None,
    Doc("With --keyless: GitHub's OIDC request token, env://ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
]
CertificateIdentityArg = Annotated[
    str,
    Doc(
        "Verify keyless (Sigstore) attestations signed by this workflow identity, e.g. "
        "https://github.com/OWNER/REPO/.github/workflows/staging.yml@refs/heads/develop "
        "(instead of --verify-key)"
    ),
]
CertificateIssuerArg = Annotated[
    str, Doc("OIDC issuer that vouched for --certificate-identity (GitHub Actions by default)")
]


@dataclass(frozen=True)
class KeylessSigning:
    """The job's OIDC request, held as secrets until the attest stage reads it."""

    request_url: dagger.Secret
    request_token: dagger.Secret


def keyless_signing(
    *,
    keyless: bool,
    signing_key: dagger.Secret | None,
    request_url: dagger.Secret | None,
    request_token: dagger.Secret | None,
) -> KeylessSigning | None:
    """The run's keyless signing, or None; a bad combination is one line before any stage.

    Raises:
        PipelineError: --keyless with --signing-key, or without (or the secrets without)
            --keyless.
    """
    chosen = oidc.check_keyless(
        keyless=keyless,
        signing_key=signing_key is not None,
        request_url=request_url is not None,
        request_token=request_token is not None,
    )
    if not chosen or request_url is None or request_token is None:
        return None
    return KeylessSigning(request_url, request_token)


async def sign(signing: KeylessSigning, statements: Sequence[bytes]) -> "keyless_rules.Signed":
    """Each statement signed through Sigstore with the job's identity (bundles, by statement).

    Raises:
        PipelineError: no token from GitHub, or Sigstore refused or was unreachable.
    """
    import anyio  # noqa: PLC0415 - loaded with the run, not with the module

    url = await signing.request_url.plaintext()
    token = await signing.request_token.plaintext()
    id_token = await oidc.fetch_id_token(url, token)
    return await anyio.to_thread.run_sync(keyless_rules.sign_keyless, list(statements), id_token)


def certificate_identity(identity: str, issuer: str) -> "keyless_rules.KeylessIdentity | None":
    """The keyless identity promote verifies against, or None without --certificate-identity.

    Raises:
        PipelineError: an issuer that is no https:// URL.
    """
    if not identity.strip():
        return None
    return keyless_rules.KeylessIdentity(identity.strip(), issuer.strip())
