"""Keyless signing: the attestations signed through Sigstore with the CI job's identity.

Instead of a long-lived key, a GitHub Actions job proves who it is with its OIDC token
(``oidc.fetch_id_token``): Fulcio issues a ten-minute certificate naming the workflow
(``https://github.com/OWNER/REPO/.github/workflows/FILE@REF``) for an ephemeral key,
each statement is signed as a DSSE envelope with it, and Rekor's transparency log
records the signature. The result is a Sigstore bundle (envelope, certificate, log
entry with its inclusion proof), attached to the digest as the keyed envelopes are,
with ``artifactType`` :data:`BUNDLE_TYPE` (as ``cosign attest`` and GitHub's own
attestations store it).

Verifying a bundle needs no key but a policy: the certificate's identity (its SAN) and
the OIDC issuer that vouched for it. The identity is checked first so that a bundle
from another workflow is one line saying which; then sigstore's ``Verifier`` checks the
chain to Sigstore's root, the log entry and the envelope's signature.

``sigstore`` (with ``requests``, ``tuf``, ``rich``) is imported by the functions that
use it only: ``import main`` must stay cheap, and the keyed path never loads it.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Protocol

from main.core.attest.errors import AttestationError
from main.core.registry.artifacts import Artifact

if TYPE_CHECKING:
    from sigstore.oidc import IdentityToken
    from sigstore.verify import Verifier
    from sigstore.verify.policy import Identity

BUNDLE_TYPE = "application/vnd.dev.sigstore.bundle.v0.3+json"
GITHUB_ISSUER = "https://token.actions.githubusercontent.com"
MAX_BUNDLE_BYTES = 384 * 1024 * 1024  # as an envelope: the statement inside may be an SBOM
IDENTITY = "identity"
SIGNATURE = "signature"
BUNDLE = "bundle"
STATEMENT = "statement"
STATEMENT_TYPE = "application/vnd.in-toto+json"


def _line(check: str, detail: str) -> AttestationError:
    """``check: detail``, the shape of every check line of ``verify``."""
    return AttestationError(f"{check}: {detail[:300]}")


@dataclass(frozen=True, slots=True)
class Signed:
    """Sigstore bundles of the statements signed in one go, by the statement they hold."""

    bundles: dict[bytes, bytes] = field(default_factory=dict)
    identity: str = ""

    def artifact(self, payload: bytes, kind: str, annotations: dict[str, str]) -> Artifact:
        """The OCI artifact of ``payload``'s bundle (signed earlier, never here)."""
        bundle = self.bundles.get(payload)
        if bundle is None:
            msg = f"the {kind} statement was not signed keyless before the attach"
            raise AttestationError(msg)
        return Artifact(BUNDLE_TYPE, BUNDLE_TYPE, bundle, f"{kind}.sigstore.json", annotations)


def sign_keyless(statements: Sequence[bytes], id_token: str) -> Signed:
    """Each in-toto statement signed as a DSSE envelope through Sigstore's production instance.

    Blocking (sigstore speaks ``requests``): run it in a worker thread. The token is
    checked (well formed, audience ``sigstore``, not expired) before anything leaves.

    Raises:
        AttestationError: a bad token, a statement sigstore refuses, or Fulcio, Rekor or
            the trust root unreachable; one line, never the token.
    """
    from sigstore.dsse import Statement  # noqa: PLC0415 - heavy, and keyless only
    from sigstore.errors import Error as SigstoreError  # noqa: PLC0415
    from sigstore.models import ClientTrustConfig  # noqa: PLC0415
    from sigstore.sign import SigningContext  # noqa: PLC0415

    token = identity_token(id_token)
    try:
        parsed = [Statement(payload) for payload in statements]
    except SigstoreError as exc:
        raise _line(STATEMENT, _first(exc)) from None
    try:
        context = SigningContext.from_trust_config(ClientTrustConfig.production())
        with context.signer(token) as signer:
            bundles = {
                payload: signer.sign_dsse(statement).to_json().encode()
                for payload, statement in zip(statements, parsed, strict=True)
            }
    except Exception as exc:  # noqa: BLE001 - requests, TUF and sigstore errors alike
        # An echoed token never shows, not even cut: replaced before the line is cut.
        why = _first_text(str(exc).replace(id_token.strip(), "***")) or type(exc).__name__
        msg = f"keyless signing through Sigstore failed: {why}"
        raise AttestationError(msg) from None
    return Signed(bundles, token.identity)


def identity_token(id_token: str) -> "IdentityToken":
    """Sigstore's ``IdentityToken`` of the JWT; a bad one is one line without it.

    Raises:
        AttestationError: not a JWT, not for the ``sigstore`` audience, or expired.
    """
    from sigstore.oidc import IdentityError, IdentityToken  # noqa: PLC0415

    try:
        return IdentityToken(id_token.strip())
    except IdentityError as exc:
        why = str(exc).replace(id_token, "***") if id_token else str(exc)
        cause = f" ({type(exc.__cause__).__name__})" if exc.__cause__ is not None else ""
        msg = f"the OIDC identity token is unusable for Sigstore: {_first_text(why)}{cause}"
        raise AttestationError(msg) from None


@dataclass(frozen=True, slots=True)
class KeylessIdentity:
    """Who must have signed: the certificate's identity and its OIDC issuer.

    ``verifier`` makes sigstore's verifier (production trust root, refreshed over TUF);
    a test gives one on the trust root sigstore ships, offline.
    """

    identity: str
    issuer: str = GITHUB_ISSUER
    verifier: Callable[[], "Verifier"] | None = None

    def __post_init__(self) -> None:
        """An identity and an issuer are both needed; say so in one line."""
        if not self.identity.strip():
            msg = (
                "keyless verification needs --certificate-identity: the signing workflow, "
                "e.g. https://github.com/OWNER/REPO/.github/workflows/staging.yml@refs/heads/main"
            )
            raise AttestationError(msg)
        if not self.issuer.startswith("https://"):
            msg = f"--certificate-oidc-issuer must be an https:// URL, e.g. {GITHUB_ISSUER}"
            raise AttestationError(msg)


@cache
def production_verifier() -> "Verifier":
    """Sigstore's verifier on the production trust root, refreshed once per process."""
    from sigstore.verify import Verifier  # noqa: PLC0415

    return Verifier.production()


def open_bundle(content: bytes, signer: KeylessIdentity | None) -> bytes:
    """The in-toto statement inside a Sigstore bundle, verified against ``signer``.

    Without ``signer`` the statement is returned unchecked (as an unsigned envelope's
    is when no key is given): the caller says the signature was not checked.

    Raises:
        AttestationError: ``bundle: ...`` (unreadable), ``identity: ...`` (another signer)
            or ``signature: ...`` (sigstore's verification failed).
    """
    from sigstore.errors import Error as SigstoreError  # noqa: PLC0415
    from sigstore.models import Bundle  # noqa: PLC0415

    if len(content) > MAX_BUNDLE_BYTES:
        raise _line(BUNDLE, f"{len(content)} bytes, more than {MAX_BUNDLE_BYTES}")
    try:
        bundle = Bundle.from_json(content)
    except (SigstoreError, ValueError, KeyError, TypeError) as exc:
        raise _line(BUNDLE, f"not a Sigstore bundle ({_first(exc)})") from None
    envelope = bundle._dsse_envelope  # noqa: SLF001 - sigstore's one reader of it
    if envelope is None:
        raise _line(BUNDLE, "the bundle holds no DSSE envelope (a plain signature?)")
    if signer is None:
        return _statement_of(envelope._inner.payload_type, envelope._inner.payload)  # noqa: SLF001
    policy = _policy(signer)
    try:
        policy.verify(bundle.signing_certificate)
    except (SigstoreError, ValueError) as exc:
        raise _line(IDENTITY, f"signed by another identity: {_first(exc)}") from None
    make = signer.verifier or production_verifier
    try:
        verifier = make()
    except Exception as exc:  # noqa: BLE001 - TUF, network and sigstore errors alike
        detail = f"Sigstore's trust root could not be loaded (TUF): {_first(exc)}"
        raise _line(SIGNATURE, detail) from None
    try:
        payload_type, payload = verifier.verify_dsse(bundle, policy)
    except SigstoreError as exc:
        raise _line(SIGNATURE, f"Sigstore verification failed: {_first(exc)}") from None
    return _statement_of(payload_type, payload)


class _Policy(Protocol):
    """What ``keyless_payload`` reads of ``verify.Policy``: whether a key, which identity."""

    @property
    def key(self) -> object | None: ...
    @property
    def keyless(self) -> "KeylessIdentity | None": ...


def keyless_payload(content: bytes, artifact_type: str, policy: _Policy) -> tuple[bytes, bool]:
    """The statement of a candidate under a keyless policy, or of a bundle, and if verified.

    A keyless policy takes Sigstore bundles only (an envelope signed with a key, or none,
    proves nothing about a workflow); a key takes no bundle.

    Raises:
        AttestationError: ``signature: ...`` for the wrong kind, or what ``open_bundle`` says.
    """
    if artifact_type != BUNDLE_TYPE:
        detail = "the attestation is no Sigstore bundle (signed with a key, or not at all)"
        raise _line(SIGNATURE, detail)
    if policy.key is not None:
        detail = "the attestation is signed keyless (a Sigstore bundle), not by the given key"
        raise _line(SIGNATURE, detail)
    return open_bundle(content, policy.keyless), policy.keyless is not None


def _policy(signer: KeylessIdentity) -> "Identity":
    from sigstore.verify.policy import Identity  # noqa: PLC0415

    return Identity(identity=signer.identity, issuer=signer.issuer)


def _statement_of(payload_type: str, payload: bytes) -> bytes:
    if payload_type != STATEMENT_TYPE:
        raise _line(SIGNATURE, f"the envelope carries {payload_type[:80]!r}, not a statement")
    return payload


def _first(exc: BaseException) -> str:
    return _first_text(str(exc)) or type(exc).__name__


def _first_text(text: str) -> str:
    lines = text.strip().splitlines()
    return lines[0][:240] if lines else ""
