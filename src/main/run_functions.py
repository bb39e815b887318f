"""The run functions: check-trigger, deploy-staging and ci, wired from arguments to the flow.

Each reads the service's settings once, resolves what the run works on (the commit,
the image repository), and hands the core flow (``main.core.run``) the Dagger stages
(``workflows.DaggerStages``). What runs, what is published and what is deployed is
decided there; a stage's failure is in the report, and only the caller's mistakes
(a bad event, a bad notify kind, no commit to tag) stop a run before it starts.
"""

from dataclasses import replace
from typing import TYPE_CHECKING, Annotated

import dagger
from dagger import Doc

from main import report
from main._sdk import uncached_function
from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.dependencies import SecretsArg
from main.deploy import AwsKeyIdArg, AwsSecretKeyArg, AwsSecrets, AwsTokenArg, KubeconfigArg
from main.keyless import KeylessArg, OidcRequestTokenArg, OidcRequestUrlArg, keyless_signing
from main.report import RunReport
from main.service_functions import ServiceFunctions
from main.triggers import TriggerDecision

if TYPE_CHECKING:
    from main import workflows
    from main.core import publish as publish_rules
    from main.core import run as run_flow
    from main.core import triggers
    from main.core.report import notify
else:
    # The flow and the stages load when a run starts (core/lazy.py).
    workflows = lazy_import("main.workflows")
    run_flow = lazy_import("main.core.run")
    triggers = lazy_import("main.core.triggers")
    notify = lazy_import("main.core.report.notify")
    publish_rules = lazy_import("main.core.publish")

TokenArg = Annotated[
    dagger.Secret | None,
    Doc("Registry token or password as a secret, e.g. env://GITHUB_TOKEN; none: no push"),
]
UsernameArg = Annotated[
    str | None, Doc("Registry user name (default: [tool.pipeline] or the constructor's)")
]
LocalRegistryArg = Annotated[
    dagger.Service | None, Doc("Push to this registry instead, e.g. tcp://localhost:5000")
]
WebhookArg = Annotated[
    dagger.Secret | None, Doc("Chat webhook URL as a secret, e.g. env://STAGING_WEBHOOK_URL")
]
NotifyKindArg = Annotated[str, Doc("Chat the webhook belongs to: slack, discord or teams")]
RunUrlArg = Annotated[str, Doc("Link to the CI run, shown in the notification")]
SigningKeyArg = Annotated[
    dagger.Secret | None,
    Doc(
        "PKCS#8 PEM ECDSA key (env://SIGNING_KEY) that signs the SBOM and provenance "
        "attached to every pushed digest; none: nothing is attached (the report says so)"
    ),
]
VerifyKeyArg = Annotated[
    dagger.File | None,
    Doc(
        "Public key (PEM) the deployed digest's provenance must be signed by, checked "
        "before the host is touched (default: verify-key in [tool.pipeline.attest])"
    ),
]
SkipVerifyArg = Annotated[
    bool, Doc("Deploy without the provenance check verify-on-deploy asks for (said in the report)")
]
ScanningTokenArg = Annotated[
    dagger.Secret | None,
    Doc("Upload the scan to GitHub code scanning with this token (security-events: write)"),
]
ScanningRepositoryArg = Annotated[
    str, Doc("OWNER/NAME the code-scanning upload goes to ($GITHUB_REPOSITORY)")
]
ScanningRefArg = Annotated[
    str, Doc("Full git ref the upload belongs to ($GITHUB_REF, e.g. refs/pull/42/merge)")
]
ActorArg = Annotated[
    str, Doc("Who started the run, shown in the report and the notification ($GITHUB_ACTOR)")
]
FailArg = Annotated[
    bool, Doc("Fail when a stage fails (after the report); CI passes false and exports it")
]


def code_scanning(
    token: dagger.Secret | None, repository: str, ref: str
) -> "workflows.CodeScanning | None":
    """Where a run uploads its scan's SARIF; refuses a token without its repository and ref.

    Raises:
        PipelineError: a token was given without --github-repository or --github-ref.
    """
    if token is None:
        return None
    if not repository or not ref:
        msg = "--code-scanning-token needs --github-repository and --github-ref"
        raise PipelineError(msg)
    return workflows.CodeScanning(token, repository, ref)


class RunFunctions(ServiceFunctions):
    """check-trigger, deploy-staging and ci (``Pipeline`` holds the fields)."""

    @uncached_function
    async def check_trigger(
        self,
        event_name: Annotated[
            str, Doc("GitHub's event name (github.event_name): push, pull_request, ...")
        ],
        event: Annotated[
            dagger.File,
            Doc("The event payload JSON: the file at $GITHUB_EVENT_PATH in a workflow run"),
        ],
        label: Annotated[
            str | None,
            Doc("Pull-request label that deploys (default: [tool.pipeline] staging-label)"),
        ] = None,
    ) -> TriggerDecision:
        """Whether a GitHub event deploys to staging, which ref, and why.

        Replays a CI event locally: save the payload from the run's log or the webhook
        settings and pass it with the event name, exactly as the workflow does.
        """
        payload = triggers.load_payload(await event.contents(), source="--event")
        config = (await self.service()).config
        label = config.staging_label if label is None else label
        branches = config.branches.branches()
        decision = triggers.decide(event_name, payload, label=label, branches=branches)
        return TriggerDecision.of(event_name, decision)

    async def _prepare(
        self, ref: str, delivery: "workflows.Delivery"
    ) -> tuple["run_flow.Target", "workflows.Delivery"]:
        """What a run works on, read once for the whole run, and how it delivers.

        Refuses a bad notify kind before anything runs; the registry user name defaults
        to the service's setting.
        """
        notify.check_kind(delivery.notify_kind)
        service = await self.service(ref)
        history = await self._history()
        target = await workflows.resolve_target(service, history, ref, delivery.local_registry)
        username = delivery.username or service.config.registry_username
        deploy = service.config.deploy
        chosen = delivery.deploy_target if deploy is None else deploy.target
        return target, replace(delivery, username=username, deploy_target=chosen)

    @uncached_function
    async def deploy_staging(  # noqa: PLR0913 - the workflow's inputs, each said once
        self,
        *,
        ref: Annotated[
            str,
            Doc(
                "Git ref to deploy (branch, tag or sha; default: the staging branch of "
                "[tool.pipeline.branches], develop unless set); an --event decides it instead"
            ),
        ] = "",
        skip_tests: Annotated[
            bool, Doc("Leave the unit tests out of validation (the report says so)")
        ] = False,
        event_name: Annotated[
            str, Doc("GitHub event name, with --event: replay a CI trigger (push, ...)")
        ] = "",
        event: Annotated[
            dagger.File | None, Doc("GitHub event payload ($GITHUB_EVENT_PATH), with --event-name")
        ] = None,
        registry_token: TokenArg = None,
        registry_username: UsernameArg = None,
        local_registry: LocalRegistryArg = None,
        notify_webhook: WebhookArg = None,
        notify_kind: NotifyKindArg = "slack",
        run_url: RunUrlArg = "",
        fail: FailArg = True,
        ssh_key: Annotated[
            dagger.Secret | None,
            Doc(
                "SSH key of the staging host's deploy user (env://STAGING_SSH_KEY): with "
                "[tool.pipeline.deploy], staging-latest is deployed there and smoke-tested live"
            ),
        ] = None,
        kubeconfig: KubeconfigArg = None,
        aws_access_key_id: AwsKeyIdArg = None,
        aws_secret_access_key: AwsSecretKeyArg = None,
        aws_session_token: AwsTokenArg = None,
        code_scanning_token: ScanningTokenArg = None,
        github_repository: ScanningRepositoryArg = "",
        github_ref: ScanningRefArg = "",
        actor: Annotated[
            str,
            Doc("Who started the run ($GITHUB_ACTOR); default: the --event's sender"),
        ] = "",
        signing_key: SigningKeyArg = None,
        keyless: KeylessArg = False,
        oidc_request_url: OidcRequestUrlArg = None,
        oidc_request_token: OidcRequestTokenArg = None,
        secrets: SecretsArg = None,
        verify_key: VerifyKeyArg = None,
        skip_verify: SkipVerifyArg = False,
    ) -> RunReport:
        """Deploy one ref to staging exactly as CI does: the same call on a laptop.

        Validate (tests skippable) and build side by side, then scan (warn mode) and smoke
        test side by side, then push the timestamped staging tag and, only when the smoke
        tests passed, push the staging tags: the timestamped one (named by this run's start
        time, UTC) and then staging-latest. An image that failed its smoke tests gets no
        tag. Without a registry token everything but the push runs and the report lists
        what would have been pushed. With a target in [tool.pipeline.deploy] and its
        credential (--ssh-key for a host, --kubeconfig for Kubernetes, the AWS keys or the
        runner's role for ECS), staging-latest then runs there by digest, is smoke-tested (and, with
        [tool.pipeline.load], load-tested) on its public URL, and is rolled back by itself
        when it fails; [tool.pipeline.validate] post-deploy-test then runs the service's
        own tests against it (STAGING_URL set), rolling back on failure or only warning,
        by post-deploy-on-failure.
        With --code-scanning-token the scan's SARIF goes to the repository's Security
        tab, as ci's does (a non-blocking stage). --secrets holds the secret variables of
        the smoke test, its helper services and the post-deploy tests.
        """
        scanning = code_scanning(code_scanning_token, github_repository, github_ref)
        signing = keyless_signing(
            keyless=keyless, signing_key=signing_key,
            request_url=oidc_request_url, request_token=oidc_request_token,
        )  # fmt: skip
        started = publish_rules.now()  # names the deployment in its staging tag
        ref = ref or (await self.service()).config.branches.staging
        trigger = ""
        if event is not None or event_name:
            decision, sender = await self._decide(event_name, event)
            actor = actor or sender
            trigger = f"{event_name}: {decision.reason}"
            if not decision.should_deploy:
                service = await self.service()
                held = run_flow.not_deployed(service, ref, decision.reason, rule=decision.rule)
                return RunReport.of(held)
            ref, skip_tests = decision.ref, skip_tests or decision.skip_tests
        target, delivery = await self._prepare(
            ref,
            workflows.Delivery(
                token=registry_token, username=registry_username, webhook=notify_webhook,
                local_registry=local_registry, notify_kind=notify_kind, run_url=run_url,
                ssh_key=ssh_key, code_scanning=scanning, signing_key=signing_key,
                keyless=signing, secrets=secrets,
                verify_key=verify_key, skip_verify=skip_verify,
                kubeconfig=kubeconfig,
                aws=AwsSecrets(
                    aws_access_key_id, aws_secret_access_key, aws_session_token
                ),
            ),
        )  # fmt: skip
        reproduce = run_flow.reproduction(
            run_flow.STAGING,
            sha=target.revision.sha,
            ref=ref,
            subpath=self.subpath,
            skip_tests=skip_tests,
            event_name=event_name if event is not None else "",
        )
        occasion = run_flow.Occasion(
            started=started, trigger=trigger, reproduce=reproduce, skip_tests=skip_tests,
            actor=actor,
        )  # fmt: skip
        stages = workflows.DaggerStages(target, self.tree(ref), delivery)
        result = await run_flow.deploy_staging(stages, target, delivery.reach, occasion)
        return report.finished(result, fail=fail, sbom=stages.sbom_file)

    async def _decide(
        self, event_name: str, event: dagger.File | None
    ) -> tuple["triggers.Decision", str]:
        """The event's decision under the service's settings, and the event's sender."""
        if event is None or not event_name:
            msg = "--event-name and --event go together: pass both, or neither"
            raise PipelineError(msg)
        payload = triggers.load_payload(await event.contents(), source="--event")
        config = (await self.service()).config
        branches = config.branches.branches()
        decision = triggers.decide(
            event_name, payload, label=config.staging_label, branches=branches
        )
        return decision, triggers.actor_of(payload)

    @uncached_function
    async def ci(  # noqa: PLR0913 - the workflow's inputs, each said once
        self,
        *,
        ref: Annotated[
            str, Doc("Branch, full ref (refs/heads/release/1.2) or sha; release/** publishes")
        ],
        registry_token: TokenArg = None,
        registry_username: UsernameArg = None,
        local_registry: LocalRegistryArg = None,
        notify_webhook: WebhookArg = None,
        notify_kind: NotifyKindArg = "slack",
        run_url: RunUrlArg = "",
        fail: FailArg = True,
        code_scanning_token: ScanningTokenArg = None,
        github_repository: ScanningRepositoryArg = "",
        github_ref: ScanningRefArg = "",
        actor: ActorArg = "",
        signing_key: SigningKeyArg = None,
        keyless: KeylessArg = False,
        oidc_request_url: OidcRequestUrlArg = None,
        oidc_request_token: OidcRequestTokenArg = None,
    ) -> RunReport:
        """The code-quality workflow: validate, build, scan (blocking); release/** publishes.

        Validation runs the ci-test commands (the full suite). Only a release/** branch
        whose every stage passed pushes latest, {version} and {sha}; every other ref
        builds and checks without pushing. With --code-scanning-token the scan's SARIF
        goes to the repository's Security tab (a non-blocking stage).
        """
        started = publish_rules.now()  # the provenance's start of the run
        scanning = code_scanning(code_scanning_token, github_repository, github_ref)
        signing = keyless_signing(
            keyless=keyless, signing_key=signing_key,
            request_url=oidc_request_url, request_token=oidc_request_token,
        )  # fmt: skip
        target, delivery = await self._prepare(
            ref,
            workflows.Delivery(
                token=registry_token, username=registry_username, webhook=notify_webhook,
                local_registry=local_registry, notify_kind=notify_kind, run_url=run_url,
                code_scanning=scanning, signing_key=signing_key, keyless=signing,
            ),
        )  # fmt: skip
        reproduce = run_flow.reproduction(
            run_flow.CI, sha=target.revision.sha, ref=ref, subpath=self.subpath
        )
        stages = workflows.DaggerStages(target, self.tree(ref), delivery)
        occasion = run_flow.Occasion(started=started, reproduce=reproduce, actor=actor)
        result = await run_flow.ci(stages, target, delivery.reach, occasion)
        return report.finished(result, fail=fail, sbom=stages.sbom_file)
