"""The result of ``check-trigger``: a staging-deploy decision as a Dagger object.

Its fields are what a person replaying a CI event wants to read (``dagger call
check-trigger ... reason``); ``json`` gives the whole decision to a script.
"""

import json as jsonlib
from typing import TYPE_CHECKING, Annotated, Self

from dagger import Doc, field, object_type

from main._sdk import function

if TYPE_CHECKING:
    from main.core.triggers import Decision


@object_type
class TriggerDecision:
    """Whether a GitHub event deploys to staging, which ref it deploys, and why."""

    event_name: Annotated[str, Doc("The GitHub event that was judged, e.g. pull_request")] = field()
    should_deploy: Annotated[bool, Doc("Whether the event deploys to staging")] = field()
    ref: Annotated[
        str, Doc("The git ref or commit sha to deploy (empty when the event names none)")
    ] = field()
    reason: Annotated[str, Doc("Why, in one line: also said when nothing deploys")] = field()
    skip_tests: Annotated[bool, Doc("Whether the dispatch asked to skip the validation tests")] = (
        field()
    )
    rule: Annotated[
        str,
        Doc(
            "The rule that decided: branch, label, base, fork, action, closed, deleted, event or "
            "dispatch (a run that deploys nothing says which rule held it back)"
        ),
    ] = field(default="")

    @classmethod
    def of(cls, event_name: str, decision: "Decision") -> Self:
        """Wrap a core decision for the Dagger API."""
        return cls(  # type: ignore[call-arg]
            event_name=event_name,
            should_deploy=decision.should_deploy,
            ref=decision.ref,
            reason=decision.reason,
            skip_tests=decision.skip_tests,
            rule=decision.rule,
        )

    @function
    def json(self) -> str:
        """The decision as one JSON object, for scripts."""
        return jsonlib.dumps(
            {
                "event_name": self.event_name,
                "should_deploy": self.should_deploy,
                "ref": self.ref,
                "reason": self.reason,
                "skip_tests": self.skip_tests,
                "rule": self.rule,
            },
            indent=2,
        )
