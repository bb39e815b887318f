"""The package's public names load lazily and are the modules' own."""

from main.core import attest
from main.core.attest.statement import provenance
from main.core.attest.verify import Policy


def test_public_names_resolve_to_the_modules_own() -> None:
    assert attest.provenance is provenance
    assert attest.Policy is Policy
    for name in attest.__all__:
        assert getattr(attest, name) is not None
