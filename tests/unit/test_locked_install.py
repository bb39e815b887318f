"""The environment is the lock: a newcomer's install gets exactly what the team tested.

scripts/install makes the virtual environment equal to uv.lock with the dev extra; a
plain ``pip install -e '.[dev]'`` ignored the lock and took whatever the index served
that day (cryptography 51 then broke asyncssh's import). These checks fail as soon as
the running environment and the lock disagree, and keep the two places that name the
SDK's version (the engine pin and the no-engine install) equal.
"""

from importlib import metadata

from packaging.utils import canonicalize_name

from tests.support.lockfile import (
    PROJECT,
    SDK,
    closure,
    engine_version,
    read_lock,
    sdk_pin,
)


def _installed() -> dict[str, str]:
    return {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }


def test_every_locked_package_is_installed_at_the_locked_version() -> None:
    packages = read_lock()
    installed = _installed()
    wanted = closure(packages, PROJECT, ("dev",)) - {PROJECT, SDK}
    missing = sorted(name for name in wanted if name not in installed)
    drifted = sorted(
        f"{name} {installed[name]} (lock: {packages[name].version})"
        for name in wanted
        if name in installed and installed[name] != packages[name].version
    )
    assert not missing, f"in uv.lock but not installed: {missing}; run scripts/install"
    assert not drifted, f"installed versions differ from uv.lock: {drifted}; run scripts/install"


def test_nothing_outside_the_lock_is_installed_beside_it() -> None:
    packages = read_lock()
    # pip is the venv's own seed, never a dependency of the code under test.
    extra = sorted(set(_installed()) - set(packages) - {"pip"})
    assert not extra, f"installed but not in uv.lock: {extra}; run scripts/install"


def test_the_sdk_installed_is_the_engines_own_release() -> None:
    assert metadata.version(SDK) == sdk_pin() == engine_version()


def test_the_lock_names_the_sdk_as_the_engine_vendors_it() -> None:
    # The engine's runtime puts its SDK in ./sdk as version 0.0.0 and runs `uv lock`: a
    # lock naming any other dagger-io would be re-resolved on every cold module load.
    sdk = read_lock()[SDK]
    assert sdk.version == "0.0.0"
    assert sdk.source == {"editable": "sdk"}
