"""The module's functions as one table, shared by the tiers that check it.

The plan tier checks the offline registration against it; the engine tier checks what
`dagger functions` lists.
"""

NEVER, DEFAULT = "Never", None
CHECK, UP, PLAIN = "check", "up", ""
DELIVERY = ["registry_token", "registry_username", "local_registry"]
NOTIFY = ["notify_webhook", "notify_kind", "run_url", "fail"]
SCANNING = ["code_scanning_token", "github_repository", "github_ref"]
KEYLESS = ["keyless", "oidc_request_url", "oidc_request_token"]  # Sigstore with the job's token
# The Kubernetes and ECS targets' credentials, beside the Compose target's ssh_key.
TARGET_SECRETS = ["kubeconfig", "aws_access_key_id", "aws_secret_access_key", "aws_session_token"]

# (object, function, arguments in order, cache policy, role)
FUNCTIONS: list[tuple[str, str, list[str], str | None, str]] = [
    ("Pipeline", "tree", ["ref"], NEVER, PLAIN),
    ("Pipeline", "version", ["ref"], NEVER, PLAIN),
    ("Pipeline", "config", ["ref"], NEVER, PLAIN),
    ("Pipeline", "lint", ["ref"], NEVER, CHECK),
    ("Pipeline", "typecheck", ["ref"], NEVER, CHECK),
    ("Pipeline", "test", ["ref"], NEVER, CHECK),
    ("Pipeline", "lint_containerfile", ["ref"], NEVER, CHECK),
    ("Pipeline", "validate", ["ref", "skip_tests"], NEVER, PLAIN),
    ("Pipeline", "build", ["ref"], NEVER, PLAIN),
    ("Pipeline", "tags", ["ref", "kind"], NEVER, PLAIN),
    ("Pipeline", "publish", ["ref", "kind", "registry_token", "local_registry"], NEVER, PLAIN),
    ("Pipeline", "scan", ["image", "mode", "severities", "ignore_unfixed", "ref"], NEVER, PLAIN),
    ("Pipeline", "smoke_test", ["image", "url", "ref", "secrets"], NEVER, PLAIN),
    ("Pipeline", "serve", ["image", "ref", "secrets"], NEVER, UP),
    (
        "Pipeline",
        "load_test",
        [
            "image",
            "url",
            "ref",
            "secrets",
            "users",
            "spawn_rate",
            "duration",
            "p95_ms",
            "p99_ms",
            "max_error_rate",
            "min_rps",
            "warmup",
            "abort_on_breach",
            "workers",
            "on_breach",
        ],
        NEVER,
        PLAIN,
    ),
    (
        "Pipeline",
        "deploy",
        [
            "ssh_key",
            *TARGET_SECRETS,
            "image",
            "rollback",
            "registry_token",
            "registry_api",
            "ref",
            "fail",
            "verify_key",
            "skip_verify",
        ],
        NEVER,
        PLAIN,
    ),
    ("Pipeline", "check_trigger", ["event_name", "event", "label"], NEVER, PLAIN),
    (
        "Pipeline",
        "deploy_staging",
        [
            "ref",
            "skip_tests",
            "event_name",
            "event",
            *DELIVERY,
            *NOTIFY,
            "ssh_key",
            *TARGET_SECRETS,
            *SCANNING,
            "actor",
            "signing_key",
            *KEYLESS,
            "secrets",
            "verify_key",
            "skip_verify",
        ],
        NEVER,
        PLAIN,
    ),
    (
        "Pipeline",
        "ci",
        ["ref", *DELIVERY, *NOTIFY, *SCANNING, "actor", "signing_key", *KEYLESS],
        NEVER,
        PLAIN,
    ),
    ("Pipeline", "registry", ["token", "api"], NEVER, PLAIN),
    (
        "Registry",
        "promote",
        [
            "tag",
            "force",
            "skip_scan",
            "verify_key",
            "release_commits",
            "skip_verify",
            "certificate_identity",
            "certificate_oidc_issuer",
        ],
        NEVER,
        PLAIN,
    ),
    ("Registry", "rollback", ["to"], NEVER, PLAIN),
    ("Registry", "prune", ["keep", "keep_newer_than", "dry_run"], NEVER, PLAIN),
    ("Validation", "summary", [], DEFAULT, PLAIN),
    ("Scan", "json", ["unfiltered"], DEFAULT, PLAIN),
    ("Scan", "sarif", [], DEFAULT, PLAIN),
    ("Scan", "table", [], DEFAULT, PLAIN),
    ("Scan", "markdown", [], DEFAULT, PLAIN),
    (
        "Scan",
        "upload_sarif",
        ["token", "repository", "commit_sha", "ref", "api_url"],
        NEVER,
        PLAIN,
    ),
    ("SmokeResult", "markdown", [], DEFAULT, PLAIN),
    ("LoadTestResult", "markdown", [], DEFAULT, PLAIN),
    ("LoadTestResult", "json", [], DEFAULT, PLAIN),
    ("LoadTestResult", "csv", [], DEFAULT, PLAIN),
    ("DeployResult", "markdown", [], DEFAULT, PLAIN),
    ("TriggerDecision", "json", [], DEFAULT, PLAIN),
    ("RunReport", "markdown", [], DEFAULT, PLAIN),
    ("RunReport", "report", [], DEFAULT, PLAIN),
]

PIPELINE_FUNCTIONS = {name for obj, name, *_ in FUNCTIONS if obj == "Pipeline"}
