"""The Dagger object users call: thin wiring from arguments to stages and the core."""

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Self

import dagger
from dagger import DefaultPath, Doc, Ignore, field, object_type

from main import dependencies, deploy, provenance, scan, smoke, validate
from main._sdk import FunctionError, uncached_check, uncached_function, up
from main.core.errors import PipelineError
from main.core.lazy import lazy_import
from main.dependencies import SecretsArg
from main.deploy import AwsKeyIdArg, AwsSecretKeyArg, AwsTokenArg, DeployResult, KubeconfigArg
from main.probe_functions import ProbeFunctions
from main.registry import Registry
from main.run_functions import RunFunctions
from main.scan import Scan
from main.service_functions import RefArg
from main.source import IGNORED, read_revision
from main.validate import Validation

if TYPE_CHECKING:
    from main import build, publish
    from main.core import publish as publish_rules
    from main.core import secret_env
    from main.core import validate as validation
else:
    # Stage recipes and core rules load when a function first needs them (core/lazy.py).
    build = lazy_import("main.build")
    publish = lazy_import("main.publish")
    validation = lazy_import("main.core.validate")
    publish_rules = lazy_import("main.core.publish")
    secret_env = lazy_import("main.core.secret_env")

KindArg = Annotated[
    str,
    Doc("Which tags: staging (timestamped + staging-latest) or production (latest, version, sha)"),
]


@object_type
class Pipeline(RunFunctions, ProbeFunctions):
    """The pipeline of one service: its files, where they are, and overrides of its settings."""

    source: Annotated[dagger.Directory, Doc("The repository's working tree and .git")] = field()
    repo: Annotated[
        dagger.GitRepository | None, Doc("Git history given by --repo (none: the source's .git)")
    ] = field(default=None)
    subpath: Annotated[str, Doc("Folder of the service inside the repository")] = field(default=".")
    image: str | None = None
    registry_username: str | None = None
    port: int | None = None
    health_path: str | None = None
    mcp_path: str | None = None
    containerfile: str | None = None

    @classmethod
    def create(  # noqa: PLR0913 - one argument per overridable setting is the CLI's shape
        cls,
        *,
        source: Annotated[
            dagger.Directory,
            DefaultPath("/"),
            Ignore(IGNORED),
            Doc("The repository holding the service, with its .git (default: this checkout)"),
        ],
        repo: Annotated[
            dagger.GitRepository | None,
            Doc(
                "The git history --ref, labels and tags read (default: the .git folder of "
                "--source); for a worktree or submodule, the repository's path or URL"
            ),
        ] = None,
        subpath: Annotated[
            str, Doc("Folder of the service inside the repository, e.g. services/api")
        ] = ".",
        image: Annotated[
            str | None, Doc("Image repository to publish to, e.g. ghcr.io/OWNER/SERVICE")
        ] = None,
        registry_username: Annotated[str | None, Doc("User name for the registry")] = None,
        port: Annotated[int | None, Doc("Port the service listens on")] = None,
        health_path: Annotated[str | None, Doc("Path that answers 200 when healthy")] = None,
        mcp_path: Annotated[str | None, Doc("Path of the MCP streamable HTTP endpoint")] = None,
        containerfile: Annotated[
            str | None, Doc("Containerfile path relative to the service folder")
        ] = None,
    ) -> Self:
        """Point the pipeline at a service; arguments override its [tool.pipeline] table."""
        # mypy does not see through @object_type's dataclass transform in 0.21's stubs.
        return cls(  # type: ignore[call-arg]
            source=source,
            repo=repo,
            subpath=subpath,
            image=image,
            registry_username=registry_username,
            port=port,
            health_path=health_path,
            mcp_path=mcp_path,
            containerfile=containerfile,
        )

    # --- validate, build, tags, publish -------------------------------------------------
    # Uncached at the function level: a ref is read by name (`--ref develop`), and a
    # cached answer would describe wherever the branch pointed days ago. The containers
    # inside stay cached by the engine, so an unchanged commit still costs seconds.

    async def _check(self, name: "validation.CheckName", ref: str) -> str:
        config = (await self.service(ref)).config
        result = await validate.run_check(self.tree(ref), config, name)
        if not result.ok:
            raise PipelineError(validation.verdict(result))
        return validation.verdict(result)

    @uncached_check
    async def lint(self, ref: RefArg = "") -> str:
        """Lint and format check: the service's `lint` commands (ruff check, ruff format)."""
        return await self._check("lint", ref)

    @uncached_check
    async def typecheck(self, ref: RefArg = "") -> str:
        """Type check: the service's `typecheck` commands (mypy by default)."""
        return await self._check("typecheck", ref)

    @uncached_check
    async def test(self, ref: RefArg = "") -> str:
        """Unit tests: the service's `test` commands, the fast subset staging runs."""
        return await self._check("test", ref)

    @uncached_check
    async def lint_containerfile(self, ref: RefArg = "") -> str:
        """Containerfile lint with hadolint (reads .hadolint.yaml from the service folder)."""
        return await self._check("lint-containerfile", ref)

    @uncached_function
    async def validate(
        self,
        ref: RefArg = "",
        *,
        skip_tests: Annotated[
            bool, Doc("Leave the tests out (staging's escape hatch; the report says so)")
        ] = False,
    ) -> Validation:
        """Every check at once: status, duration and output tail of each, failing or not.

        Unlike the single checks this never fails on a failing check: it returns all the
        outcomes (`ok` says whether to go on), so one failure never hides another.
        """
        config = (await self.service(ref)).config
        return Validation.of(
            await validate.run_checks(
                self.tree(ref), config, validation.CHECKS, skip_tests=skip_tests
            )
        )

    @uncached_function
    async def build(self, ref: RefArg = "") -> dagger.Container:
        """The service's image, built from its Containerfile, with OCI labels from its commit.

        Labels: org.opencontainers.image.{title,version,revision,created,source}; created
        is the commit time, so an unchanged commit rebuilds from cache. Chain on it, e.g.
        `build terminal` or `build export --path image.tar`.
        """
        service = await self.service(ref)
        revision = await read_revision(await self._history(), ref)
        return await build.build_service(self.tree(ref), service, revision)

    @uncached_function
    async def tags(self, ref: RefArg = "", kind: KindArg = "staging") -> list[str]:
        """The image tags for the commit: staging or production, from core/tags.py."""
        service = await self.service(ref)
        revision = await read_revision(await self._history(), ref)
        aliases = service.config.tag_aliases
        return publish_rules.tags_for(kind, service.version, revision, aliases=aliases)

    @uncached_function
    async def publish(
        self,
        ref: RefArg = "",
        kind: KindArg = "staging",
        registry_token: Annotated[
            dagger.Secret | None,
            Doc("Registry password or token, as a secret: env://GITHUB_TOKEN"),
        ] = None,
        local_registry: Annotated[
            dagger.Service | None,
            Doc("A registry for a local run, e.g. tcp://localhost:5000; needs no token"),
        ] = None,
    ) -> list[str]:
        """Build and push the image under every tag at once; returns repo:tag@sha256:... each.

        Credentials are checked before anything is built. All tags must end on one
        digest; a failed push names the tag and the tags already pushed.
        """
        service = await self.service(ref)
        published = await publish.publish_service(
            service,
            self.tree(ref),
            (await self._history(), ref),
            kind=kind,
            token=registry_token,
            local_registry=local_registry,
        )
        return [str(item) for item in published]

    # --- scan ---------------------------------------------------------------------------

    async def scan_report(
        self,
        image: dagger.Container,
        *,
        mode: str = "block",
        severities: list[str] | None = None,
        ignore_unfixed: bool | None = None,
        ref: str = "",
    ) -> Scan:
        """Scan and judge ``image`` without failing on findings (for the deploy flow).

        Settings come from the service's ``[tool.pipeline.scan]`` at ``ref``: severities,
        ignore-unfixed, scanners and its ``trivyignore`` file; arguments override them.
        """
        settings = (await self.service(ref)).config
        now = datetime.now(UTC)
        ignore = await scan.read_ignore_file(self.tree(ref), settings.scan.trivyignore, now.date())
        return await scan.run_scan(
            image,
            mode=mode,
            severities=severities or list(settings.scan.severities),
            ignore_unfixed=(
                settings.scan.ignore_unfixed if ignore_unfixed is None else ignore_unfixed
            ),
            ignore=ignore,
            scanned_at=now,
            db_repositories=list(settings.scan.db_repositories),
            scanners=list(settings.scan.scanners),
        )

    @uncached_function
    async def scan(
        self,
        image: Annotated[
            dagger.Container,
            Doc("The built image to scan (on the command line: an image address)"),
        ],
        mode: Annotated[
            str, Doc("block: fail when findings are left after filtering; warn: never fail")
        ] = "block",
        severities: Annotated[
            list[str] | None,
            Doc("Severities that count (default: [tool.pipeline.scan] severities)"),
        ] = None,
        ignore_unfixed: Annotated[
            bool | None,
            Doc("Leave out findings without a fix (default: ignore-unfixed, itself on)"),
        ] = None,
        ref: RefArg = "",
    ) -> Scan:
        """Trivy scan of the built image: counts, verdict, and the report as JSON/SARIF/table.

        The image is scanned once, from its tarball, with a pinned Trivy and a DB cached
        for the day. In block mode a blocked scan fails this function after the report is
        made, and the failure carries the verdict and the worst findings. To keep the
        objects of a scan that would block (SARIF upload, JSON), call with --mode warn:
        ``counts`` then holds what block mode fails on. A scanner crash fails in both.
        """
        result = await self.scan_report(
            image, mode=mode, severities=severities, ignore_unfixed=ignore_unfixed, ref=ref
        )
        if result.blocked:
            raise FunctionError(result.failure())
        return result

    @up
    async def serve(
        self,
        image: Annotated[
            dagger.Container | None,
            Doc("The image (or an image address) to serve (default: the service built at ref)"),
        ] = None,
        ref: RefArg = "",
        secrets: SecretsArg = None,
    ) -> dagger.Service:
        """The image as a service on its configured port and smoke-test environment.

        For debugging by hand: `dagger up` serves the service built from the checkout;
        `dagger call serve --image IMAGE up` serves any image. Both forward the port.
        """
        # No required argument: `dagger up` only offers functions it can call bare.
        settings = (await self.service(ref)).config
        if image is None:
            image = await self.build(ref)
        needs = await dependencies.read_dependencies(settings, secrets)
        return smoke.app_service(image, settings.port, settings.smoke.env, needs)

    # --- deploy to the staging host -----------------------------------------------------

    @uncached_function
    async def deploy(  # noqa: PLR0913 - a deployment's inputs, keyword-only
        self,
        *,
        ssh_key: Annotated[
            dagger.Secret | None,
            Doc(
                "Compose over SSH: private SSH key of the deploy user, as a secret: "
                "env://STAGING_SSH_KEY"
            ),
        ] = None,
        kubeconfig: KubeconfigArg = None,
        aws_access_key_id: AwsKeyIdArg = None,
        aws_secret_access_key: AwsSecretKeyArg = None,
        aws_session_token: AwsTokenArg = None,
        image: Annotated[
            str,
            Doc("Published image: a tag of the service image, or REPOSITORY@sha256:..."),
        ] = "staging-latest",
        rollback: Annotated[
            bool, Doc("Go back to the previous healthy deployment instead (--image unused)")
        ] = False,
        registry_token: Annotated[
            dagger.Secret | None,
            Doc("Registry token: resolves the tag, moves staging-latest after a rollback"),
        ] = None,
        registry_api: Annotated[
            str, Doc("Registry API address when the image name cannot say it")
        ] = "",
        ref: RefArg = "",
        fail: Annotated[
            bool,
            Doc("Fail the call when the deploy fails (false: return the result to export it)"),
        ] = True,
        verify_key: Annotated[
            dagger.File | None,
            Doc(
                "Public key (PEM) the image's provenance must be signed by; checked before "
                "the host is touched (default: verify-key in [tool.pipeline.attest])"
            ),
        ] = None,
        skip_verify: Annotated[
            bool,
            Doc(
                "Deploy without the provenance check verify-on-deploy asks for (said in the result)"
            ),
        ] = False,
    ) -> DeployResult:
        """Run a published image on the staging target, smoke-test it live, roll back if it fails.

        [tool.pipeline.deploy] says where: Compose over SSH (host, pinned host key,
        Compose file and service; --ssh-key), a Kubernetes Deployment's container
        (--kubeconfig) or an ECS service's container (--aws-access-key-id and
        --aws-secret-access-key, or none: the runner's role), and the public URL. The
        image is deployed by digest (a tag is resolved first), so what runs is exactly
        what was scanned and smoke-tested. If the rollout or the live smoke test fails,
        the previous healthy image is brought back, smoke-tested again, staging-latest
        follows it, and the call fails with one line saying what failed and what runs now
        (--fail=false returns the result instead, passed = false). The target keeps the
        history and a lock: two deployments never interleave, and --rollback works from
        any machine. With [tool.pipeline.attest] verify-on-deploy (or --verify-key) the
        digest's signed provenance is checked first, and a failed check refuses the
        deploy in one line before the target is reached.
        """
        service = await self.service(ref)
        access = deploy.RegistryAccess(
            registry_token, service.config.registry_username, registry_api
        )
        checked = provenance.Checked(image)
        if not rollback:  # a rollback brings back what ran before: it was checked then
            checked = await provenance.before_deploy(
                service.config,
                self.tree(ref),
                image,
                access,
                verify_key=verify_key,
                skip=skip_verify,
            )
        request = deploy.Request(
            config=service.config,
            tree=self.tree(ref),
            ssh_key=ssh_key,
            image=checked.image,
            rollback=rollback,
            ref=ref,
            by=f"dagger call deploy ({ref or 'working tree'})",
            kubeconfig=kubeconfig,
            aws=deploy.AwsSecrets(aws_access_key_id, aws_secret_access_key, aws_session_token),
        )
        result = checked.noted(await deploy.run(request, access))
        if fail and not result.passed:
            raise FunctionError(result.summary)
        return result

    # --- the registry family ------------------------------------------------------------

    @uncached_function
    async def registry(
        self,
        *,
        token: Annotated[
            dagger.Secret | None,
            Doc("Registry token or password, as a secret: env://GITHUB_TOKEN"),
        ] = None,
        api: Annotated[
            str,
            Doc(
                "Registry API address when the image name cannot say it (default: https:// + "
                "image host). It must be reachable from the module's container: not "
                "127.0.0.1, but the host's LAN address or host.docker.internal"
            ),
        ] = "",
    ) -> Registry:
        """Tag moves and deletions on the image's registry: promote, rollback, prune.

        The credentials are given once here, then a function of the family is chained:
        `dagger call registry --token env://GITHUB_TOKEN promote`. No image is pulled:
        every operation works on manifests over the OCI distribution API.
        """
        settings = (await self.service()).config
        return Registry.of(settings, token=token, api=api, tree=self.tree(), source=self.source)
