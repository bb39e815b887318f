"""Secret environment variables: which names the settings want, and their values from a dotenv.

A Dagger argument cannot be a map of secrets, so the caller hands over one
``dagger.Secret`` holding a dotenv file (``--secrets file://.env.staging`` or
``env://STAGING_SECRETS``). The shell reads it in memory, and this module parses it and
checks its names against the ones the settings ask for. Every message names the
variable or the line, never a value: these lines land in reports and CI logs.
"""

from collections.abc import Iterable, Mapping

from main.core.errors import PipelineError
from main.core.smoke.services import check_variable_names

OPTION = "--secrets"
_QUOTES = ("'", '"')


def _value(raw: str, line: int) -> str:
    """The value after ``=``: quotes removed, an unquoted ``#`` comment cut off."""
    raw = raw.strip()
    if raw[:1] in _QUOTES:
        quote = raw[0]
        end = raw.find(quote, 1)
        if end < 0:
            msg = f"{OPTION}: line {line} opens a quote it never closes"
            raise PipelineError(msg)
        value = raw[1:end]
        return value.replace("\\n", "\n") if quote == '"' else value
    return raw.split(" #", 1)[0].strip()


def parse_dotenv(text: str) -> dict[str, str]:
    """``NAME=value`` lines (``export`` allowed, ``#`` comments, quotes) as a mapping.

    Raises:
        PipelineError: naming the bad line or the repeated name, never a value.
    """
    values: dict[str, str] = {}
    text = text.removeprefix("\ufeff")  # a byte-order mark, as Windows editors save one
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        stripped = stripped.removeprefix("export ").lstrip()
        name, sep, raw = stripped.partition("=")
        name = name.strip()
        if not sep:
            msg = f"{OPTION}: line {number} is not NAME=value"
            raise PipelineError(msg)
        check_variable_names(f"{OPTION}: line {number}", [name])
        if name in values:
            msg = f"{OPTION} sets {name} twice (line {number})"
            raise PipelineError(msg)
        values[name] = _value(raw, number)
    return values


def select(values: Mapping[str, str], wanted: Iterable[str]) -> dict[str, str]:
    """The values of exactly the ``wanted`` names; a missing or unknown name is refused.

    An unknown name is refused too: a typo in the file (``API_KYE``) would otherwise
    leave the app without its key and fail later, far from the cause.

    Raises:
        PipelineError: naming the variable, never its value.
    """
    names = sorted(set(wanted))
    missing = [name for name in names if name not in values]
    if missing:
        msg = (
            f"{OPTION} has no {missing[0]}, which the settings name ([tool.pipeline.smoke] "
            f"secret-env or a helper service's secret-env): add {missing[0]}=... to the file"
        )
        raise PipelineError(msg)
    unknown = sorted(set(values) - set(names))
    if unknown:
        msg = (
            f"{OPTION} holds {unknown[0]}, which no setting names: remove it, or add it "
            f"to [tool.pipeline.smoke] secret-env (or a helper service's secret-env)"
        )
        raise PipelineError(msg)
    return {name: values[name] for name in names}


def resolve(text: str | None, wanted: Iterable[str]) -> dict[str, str]:
    """The wanted secret values from the caller's dotenv text (None: no ``--secrets``).

    Raises:
        PipelineError: names wanted without a file, or a file with bad or missing names.
    """
    names = sorted(set(wanted))
    if text is None:
        if names:
            msg = (
                f"the settings name the secret variable {names[0]}, but no {OPTION} was "
                f"given: pass {OPTION} file://.env.staging (or env://NAME) holding "
                f"{names[0]}=..."
            )
            raise PipelineError(msg)
        return {}
    return select(parse_dotenv(text), names)


def refuse_unused(function: str, *, secrets: bool, starts_app: bool) -> None:
    """Refuse ``--secrets`` where nothing is started to receive them (a ``--url`` check).

    The values would be silently dropped, and a caller who passed them believes the
    deployed app was checked with them.

    Raises:
        PipelineError: ``--secrets`` was given and the function starts no app.
    """
    if secrets and not starts_app:
        msg = (
            f"{function} --url starts nothing, so {OPTION} has no use: drop {OPTION} "
            f"(the deployed app has its own secrets), or pass --image to start the app "
            f"with them"
        )
        raise PipelineError(msg)
