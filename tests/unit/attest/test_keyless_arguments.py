"""--keyless, --signing-key and the OIDC request secrets: which combinations run."""

import pytest

from main.core.attest.errors import AttestationError
from main.core.attest.oidc import (
    ID_TOKEN_PERMISSION,
    KEY_AND_KEYLESS,
    OIDC_WITHOUT_KEYLESS,
    check_keyless,
)


def test_keyless_with_both_oidc_secrets_signs_keyless() -> None:
    assert check_keyless(keyless=True, signing_key=False, request_url=True, request_token=True)


def test_neither_is_the_keyed_or_unsigned_path() -> None:
    assert not check_keyless(
        keyless=False, signing_key=True, request_url=False, request_token=False
    )
    assert not check_keyless(
        keyless=False, signing_key=False, request_url=False, request_token=False
    )


def test_keyless_and_a_key_is_one_line() -> None:
    with pytest.raises(AttestationError) as caught:
        check_keyless(keyless=True, signing_key=True, request_url=True, request_token=True)
    assert str(caught.value) == KEY_AND_KEYLESS


@pytest.mark.parametrize(("url", "token"), [(False, False), (True, False), (False, True)])
def test_keyless_without_the_oidc_secrets_says_to_grant_id_token_write(
    *, url: bool, token: bool
) -> None:
    with pytest.raises(AttestationError, match=ID_TOKEN_PERMISSION) as caught:
        check_keyless(keyless=True, signing_key=False, request_url=url, request_token=token)
    assert "\n" not in str(caught.value)


def test_oidc_secrets_without_keyless_are_one_line() -> None:
    with pytest.raises(AttestationError) as caught:
        check_keyless(keyless=False, signing_key=False, request_url=True, request_token=True)
    assert str(caught.value) == OIDC_WITHOUT_KEYLESS
