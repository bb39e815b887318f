"""Send the run's report to a chat webhook from inside the module.

The webhook URL is a credential (whoever holds it can post to the channel), so it
arrives only as a ``dagger.Secret`` (``--notify-webhook env://STAGING_WEBHOOK_URL``)
and its plaintext exists only here, in the module's process, for the one HTTP call.
Whatever goes wrong, the result is a non-blocking ``notify`` stage for the report:
a chat message never fails a deployment.
"""

import dagger

from main.core.report.model import Report, StageResult, Stopwatch
from main.core.report.notify import send

NO_WEBHOOK = "no --notify-webhook given"


async def notify(
    report: Report,
    webhook: dagger.Secret | None,
    kind: str,
    *,
    link: str = "",
) -> StageResult:
    """Post ``report`` to ``webhook`` as a ``kind`` message; the ``notify`` stage result.

    ``link`` is the run's page (e.g. the GitHub Actions run URL) for the message's
    button; the module cannot see the runner's environment, so the caller passes it.
    Call :func:`~main.core.report.notify.check_kind` before the run to refuse a bad kind early.
    """
    if webhook is None:
        return StageResult("notify", "skipped", 0.0, NO_WEBHOOK, blocking=False)
    clock = Stopwatch()
    try:
        url = (await webhook.plaintext()).strip()
    except dagger.DaggerError as exc:
        why = f"{kind}: could not read the webhook secret ({type(exc).__name__})"
        return clock.stage("notify", "failed", why, blocking=False)
    return (await send(kind, url, report, link=link)).stage()
