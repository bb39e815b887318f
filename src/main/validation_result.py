"""What ``validate`` returns: every check's outcome, so one failure hides nothing."""

from typing import TYPE_CHECKING, Annotated, Self, cast, get_args

from dagger import Doc, field, object_type

from main.decorators import function
from main.lazy import lazy_import

if TYPE_CHECKING:
    from main.core import validate as validation
else:
    validation = lazy_import("main.core.validate")


@object_type
class CheckOutcome:
    """The outcome of one validation check."""

    name: Annotated[str, Doc("lint, typecheck, test or lint-containerfile")] = field()
    status: Annotated[str, Doc("passed, failed, skipped or error (could not run)")] = field()
    duration: Annotated[float, Doc("Seconds the check took")] = field()
    output: Annotated[str, Doc("The tail of the commands' combined output")] = field()
    commands: Annotated[list[str], Doc("The command lines the check ran")] = field()

    @classmethod
    def of(cls, result: "validation.CheckResult") -> Self:
        """The Dagger form of a core result."""
        # mypy does not see through @object_type's dataclass transform in 0.21's stubs.
        return cls(  # type: ignore[call-arg]
            name=result.name,
            status=result.status,
            duration=round(result.duration, 3),
            output=result.output,
            commands=list(result.commands),
        )

    def result(self) -> "validation.CheckResult":
        """Back to the core form, for reports."""
        known = self.status in get_args(validation.Status)
        return validation.CheckResult(
            name=self.name,
            status=cast("validation.Status", self.status) if known else "error",
            duration=self.duration,
            output=self.output,
            commands=tuple(self.commands),
        )


@object_type
class Validation:
    """All validation checks of one run, each with status, duration and output tail."""

    ok: Annotated[bool, Doc("True when every check passed or was skipped on purpose")] = field()
    checks: Annotated[list[CheckOutcome], Doc("Every check's outcome, in a fixed order")] = field()

    @classmethod
    def of(cls, results: "list[validation.CheckResult]") -> Self:
        """The Dagger form of a list of core results."""
        return cls(  # type: ignore[call-arg]
            ok=all(result.ok for result in results),
            checks=[CheckOutcome.of(result) for result in results],
        )

    @function
    def summary(self) -> str:
        """One line per check (name, status, seconds), then each failing check's output."""
        results = [check.result() for check in self.checks]
        failing = [f"\n--- {r.name} ({r.status}) ---\n{r.output}" for r in results if not r.ok]
        return validation.summary(results) + "".join(failing)
