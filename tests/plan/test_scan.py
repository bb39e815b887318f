"""The scan's lazy plan, and what the module makes of each scanner outcome.

The plan is read from the SDK's selections. The few leaf reads the scan awaits (exit
code, log, report file) are answered by :class:`Scanner` instead of an engine, so each
outcome of a Trivy run (clean, findings, crash, no report) is tried against the real
wiring of ``Pipeline.scan``.
"""

import inspect
import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import dagger
import pytest
from dagger import dag

from main._sdk import FunctionError
from main.core.scan.trivy import SEVERITIES
from main.pipeline import Pipeline
from main.scan import (
    ALL_SEVERITIES,
    CACHE_DIR,
    IMAGE_TAR,
    REPORT,
    TRIVY_IMAGE,
    TRIVY_VERSION,
    WORK,
    Scan,
    convert,
    db_cache_key,
    scan_container,
)
from tests.support.constants import REPO_ROOT, SAMPLE_SUBPATH
from tests.support.lazy import Call, calls, find, names, plain_env, secret_names
from tests.support.offline import exists_on_disk, text_on_disk
from tests.support.scans import scan_result
from tests.support.trivy_reports import fixture, report, vuln

DAY = date(2026, 11, 26)
AT = datetime(2026, 11, 26, 8, 30, 1, 123456, tzinfo=UTC)


def built_image() -> dagger.Container:
    return dag.container().from_("python:3.12-slim").with_exec(["true"])


def scan_execs(container: dagger.Container | dagger.File) -> list[Call]:
    return [c for c in find(container, "withExec") if "--input" in c.args["args"]]


def test_trivy_is_pinned_by_version_and_digest() -> None:
    assert TRIVY_IMAGE.startswith(f"aquasec/trivy:{TRIVY_VERSION}@sha256:")
    assert len(TRIVY_IMAGE.split("@sha256:")[1]) == 64
    (source,) = find(scan_container(built_image(), AT), "from")
    assert source.args["address"] == TRIVY_IMAGE


def test_the_db_lives_in_a_locked_cache_volume_keyed_by_the_day() -> None:
    container = scan_container(built_image(), AT)
    (mount,) = find(container, "withMountedCache")
    assert mount.args["path"] == CACHE_DIR
    assert mount.args["sharing"] == dagger.CacheSharingMode.LOCKED.value
    (volume,) = mount.arg_chain("cache")
    assert volume.name == "cacheVolume"
    assert volume.args["key"] == "trivy-db-2026-11-26"
    assert plain_env(container)["TRIVY_CACHE_DIR"] == CACHE_DIR
    assert db_cache_key(date(2026, 11, 27)) != db_cache_key(DAY)


def test_each_run_scans_afresh_so_a_failed_exec_is_never_replayed() -> None:
    first = plain_env(scan_container(built_image(), AT))["PIPELINE_SCAN_AT"]
    later = AT.replace(second=2)
    second = scan_container(built_image(), later)
    assert plain_env(second)["PIPELINE_SCAN_AT"] != first
    (volume,) = find(second, "withMountedCache")[0].arg_chain("cache")
    assert volume.args["key"] == "trivy-db-2026-11-26"  # same day: same DB


def test_the_image_is_scanned_from_its_tarball() -> None:
    image = built_image()
    container = scan_container(image, AT)
    (mount,) = find(container, "withMountedFile")
    assert mount.args["path"] == IMAGE_TAR
    tarball = mount.arg_chain("source")
    assert [c.name for c in tarball] == [*names(image), "asTarball"]


def test_exactly_one_scan_writing_json_with_exit_code_zero_and_any_exit_accepted() -> None:
    container = scan_container(built_image(), AT)
    (scan,) = find(container, "withExec")  # the only exec: no second scan, no download step
    args = scan.args["args"]
    assert args[:2] == ["sh", "-c"]
    assert 'trivy "$@"' in args[2]
    assert "--skip-db-update" in args[2]  # only when today's volume already has the DB
    flags = args[4:]
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    assert pairs == {
        "--input": IMAGE_TAR,
        "--scanners": "vuln",
        "--severity": ALL_SEVERITIES,
        "--format": "json",
        "--output": REPORT,
        "--exit-code": "0",
        "--db-repository": "mirror.gcr.io/aquasec/trivy-db:2,ghcr.io/aquasecurity/trivy-db:2",
    }
    assert set(ALL_SEVERITIES.split(",")) == set(SEVERITIES)
    assert scan.args["expect"] == dagger.ReturnType.ANY.value


def test_conversions_render_the_json_and_never_scan() -> None:
    report_file = dag.file("trivy-report-filtered.json", "{}")
    for output_format in ("sarif", "table"):
        converted = convert(report_file, output_format)
        (source,) = find(converted, "from")
        assert source.args["address"] == TRIVY_IMAGE
        (mount,) = find(converted, "withMountedFile")
        assert mount.arg_chain("source") == calls(report_file)
        (exec_,) = find(converted, "withExec")
        assert exec_.args["args"][:4] == ["trivy", "convert", "--format", output_format]
        assert "image" not in exec_.args["args"]
        assert not find(converted, "withMountedCache")


def test_no_secret_or_token_reaches_the_scan() -> None:
    container = scan_container(built_image(), AT)
    assert secret_names(container) == []
    assert not [name for name in plain_env(container) if "TOKEN" in name.upper()]


def test_the_github_token_is_only_ever_a_secret() -> None:
    parameters = inspect.signature(Scan.upload_sarif).parameters
    assert parameters["token"].annotation.__origin__ is dagger.Secret


@dataclass
class Scanner:
    """Answers the scan's leaf reads as one Trivy run would have, and records them."""

    exit_code: int = 0
    report: str | None = None
    stderr: str = ""
    scanned: list[dagger.Container] = field(default_factory=list)

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Answer the reads; host reads (pyproject, .trivyignore) still come from disk."""
        scanner = self

        async def exit_code(container: dagger.Container) -> int:
            assert len(scan_execs(container)) == 1
            scanner.scanned.append(container)
            return scanner.exit_code

        async def stderr(_container: dagger.Container) -> str:
            return scanner.stderr

        async def exists(directory: dagger.Directory, path: str, **_: object) -> bool:
            if names(directory)[0] == "host":
                return exists_on_disk(directory, path)
            assert calls(directory)[-1].args == {"path": WORK}
            return path == "report.json" and scanner.report is not None

        async def contents(file: dagger.File, **_: object) -> str:
            if names(file)[0] == "host":
                return text_on_disk(file)
            assert calls(file)[-1].args == {"path": REPORT}
            assert scanner.report is not None
            return scanner.report

        monkeypatch.setattr(dagger.Container, "exit_code", exit_code)
        monkeypatch.setattr(dagger.Container, "stderr", stderr)
        monkeypatch.setattr(dagger.Directory, "exists", exists)
        monkeypatch.setattr(dagger.File, "contents", contents)


@pytest.fixture
def scanner(monkeypatch: pytest.MonkeyPatch) -> Scanner:
    fake = Scanner()
    fake.install(monkeypatch)
    return fake


FINDINGS = report(vuln("CVE-2026-1", "CRITICAL"), vuln("CVE-2026-2", "LOW", fixed=None))


@pytest.mark.anyio
async def test_warn_mode_returns_the_report_with_findings(
    sample_pipeline: Pipeline, scanner: Scanner
) -> None:
    scanner.report = FINDINGS
    result = await sample_pipeline.scan(built_image(), mode="warn")
    assert (result.mode, result.blocked) == ("warn", False)
    assert result.counts.critical == 1
    assert result.counts.low == 0  # unfixed, and ignore-unfixed is on by default
    assert (result.found.total, result.fixable, result.unfixed) == (2, 1, 1)
    assert result.reason.startswith("warning: 1 findings (1 CRITICAL)")
    assert "CVE-2026-1" in result.markdown()
    assert len(scanner.scanned) == 1
    raw = result.json(unfiltered=True)  # Trivy's own file from the one scan, not a copy
    assert calls(raw)[-1].args == {"path": REPORT}
    assert len(scan_execs(raw)) == 1
    (mount,) = find(result.sarif(), "withMountedFile")
    assert mount.arg_chain("source") == calls(result.json())  # SARIF renders the filtered JSON


@pytest.mark.anyio
async def test_block_mode_fails_after_the_report_is_made(
    sample_pipeline: Pipeline, scanner: Scanner
) -> None:
    scanner.report = FINDINGS
    with pytest.raises(FunctionError) as caught:
        await sample_pipeline.scan(built_image())
    message = str(caught.value)
    assert message.startswith("security scan blocked: 1 findings (1 CRITICAL)")
    assert "| CRITICAL | [CVE-2026-1]" in message
    assert caught.value.__cause__ is None


@pytest.mark.anyio
async def test_the_deploy_flow_gets_a_blocked_scan_back_instead_of_a_failure(
    sample_pipeline: Pipeline, scanner: Scanner
) -> None:
    scanner.report = FINDINGS
    result = await sample_pipeline.scan_report(built_image(), mode="block")
    assert (result.mode, result.blocked) == ("block", True)
    assert result.failure().startswith("security scan blocked: 1 findings")


@pytest.mark.anyio
async def test_block_mode_passes_a_clean_image(sample_pipeline: Pipeline, scanner: Scanner) -> None:
    scanner.report = fixture("clean.json")
    result = await sample_pipeline.scan(built_image(), mode="block")
    assert not result.blocked
    assert result.counts.total == 0


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["block", "warn"])
async def test_a_crash_fails_in_both_modes_even_when_a_report_says_clean(
    sample_pipeline: Pipeline, scanner: Scanner, mode: str
) -> None:
    scanner.exit_code = 1
    scanner.report = fixture("clean.json")
    scanner.stderr = "FATAL\tinit error: DB error: failed to download vulnerability DB"
    with pytest.raises(FunctionError, match=r"exit code 1 .*failed to download"):
        await sample_pipeline.scan(built_image(), mode=mode)


@pytest.mark.anyio
@pytest.mark.parametrize("output", [None, "", "Killed"])
async def test_no_usable_report_fails_in_warn_mode_too(
    sample_pipeline: Pipeline, scanner: Scanner, output: str | None
) -> None:
    scanner.report = output
    with pytest.raises(FunctionError, match="exited 0 but"):
        await sample_pipeline.scan(built_image(), mode="warn")


@pytest.mark.anyio
async def test_arguments_override_the_settings(sample_pipeline: Pipeline, scanner: Scanner) -> None:
    scanner.report = FINDINGS
    result = await sample_pipeline.scan(
        built_image(), mode="warn", severities=["low"], ignore_unfixed=False
    )
    assert (result.counts.critical, result.counts.low) == (0, 1)


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "strict"}, "unknown scan mode 'strict'"),
        ({"severities": ["SEVERE"]}, "unknown severity 'SEVERE'"),
    ],
)
async def test_bad_arguments_are_one_line(
    sample_pipeline: Pipeline, scanner: Scanner, kwargs: dict[str, object], message: str
) -> None:
    scanner.report = FINDINGS
    with pytest.raises(FunctionError, match=message):
        await sample_pipeline.scan(built_image(), **kwargs)  # type: ignore[arg-type]


def service_with_ignore_file(root: Path, ignore_text: str) -> Pipeline:
    sample = REPO_ROOT / SAMPLE_SUBPATH / "pyproject.toml"
    (root / "pyproject.toml").write_text(sample.read_text(encoding="utf-8"), encoding="utf-8")
    (root / ".trivyignore").write_text(ignore_text, encoding="utf-8")
    return Pipeline.create(source=dag.host().directory(str(root)))


@pytest.mark.anyio
async def test_the_services_trivyignore_is_honoured(tmp_path: Path, scanner: Scanner) -> None:
    scanner.report = FINDINGS
    pipeline = service_with_ignore_file(tmp_path, "CVE-2026-1  # accepted\nCVE-0 exp:2020-01-01\n")
    result = await pipeline.scan(built_image(), mode="block")
    assert not result.blocked
    assert result.ignored == 1
    assert result.expired_ignores == ["CVE-0"]
    filtered = json.loads(await scanner_report_of(result))
    assert "Vulnerabilities" not in filtered["Results"][0]


async def scanner_report_of(result: Scan) -> str:
    (created,) = find(result.json(), "file")
    return str(created.args["contents"])


def test_json_is_filtered_unless_asked_for_everything() -> None:
    raw = dag.file("trivy-report.json", "raw")
    filtered = dag.file("trivy-report-filtered.json", "filtered")
    result = scan_result(report=raw, filtered=filtered)
    assert result.json() is filtered
    assert result.json(unfiltered=True) is raw


def scan_flags(container: dagger.Container) -> dict[str, str]:
    (scan,) = scan_execs(container)
    flags = scan.args["args"][4:]
    return dict(zip(flags[::2], flags[1::2], strict=True))


def test_the_configured_scanners_reach_trivy() -> None:
    both = scan_container(built_image(), AT, scanners=["vuln", "secret"])
    assert scan_flags(both)["--scanners"] == "vuln,secret"
    assert scan_flags(scan_container(built_image(), AT))["--scanners"] == "vuln"


MATCHED_LINE = "GITHUB_TOKEN = ghp_not-a-real-token-never-printed"
WITH_SECRET = json.dumps(
    {
        "SchemaVersion": 2,
        "ArtifactName": "image.tar",
        "Results": [
            {
                "Target": "/app/settings.py",
                "Class": "secret",
                "Secrets": [
                    {
                        "RuleID": "github-pat",
                        "Category": "GitHub",
                        "Severity": "CRITICAL",
                        "Title": "GitHub Personal Access Token",
                        "StartLine": 5,
                        "EndLine": 5,
                        "Match": MATCHED_LINE,
                        "Code": {"Lines": [{"Number": 5, "Content": MATCHED_LINE}]},
                    }
                ],
            }
        ],
    }
)


def service_scanning_secrets(root: Path) -> Pipeline:
    sample = (REPO_ROOT / SAMPLE_SUBPATH / "pyproject.toml").read_text(encoding="utf-8")
    text = f'{sample}\n[tool.pipeline.scan]\nscanners = ["vuln", "secret"]\n'
    (root / "pyproject.toml").write_text(text, encoding="utf-8")
    return Pipeline.create(source=dag.host().directory(str(root)))


@pytest.mark.anyio
async def test_a_secret_blocks_the_production_scan_by_rule_and_place_never_by_match(
    tmp_path: Path, scanner: Scanner
) -> None:
    scanner.report = WITH_SECRET
    pipeline = service_scanning_secrets(tmp_path)
    with pytest.raises(FunctionError) as caught:
        await pipeline.scan(built_image())
    message = str(caught.value)
    assert message.startswith("security scan blocked: 1 findings (1 CRITICAL; 1 of them secret)")
    assert (
        "| CRITICAL | github-pat | GitHub Personal Access Token | /app/settings.py:5 |" in message
    )
    assert "ghp_" not in message
    assert scan_flags(scanner.scanned[0])["--scanners"] == "vuln,secret"


@pytest.mark.anyio
async def test_a_secret_warns_in_staging_and_its_sarif_source_names_the_rule(
    tmp_path: Path, scanner: Scanner
) -> None:
    scanner.report = WITH_SECRET
    result = await service_scanning_secrets(tmp_path).scan_report(built_image(), mode="warn")
    assert (result.blocked, result.secrets, result.counts.critical) == (False, 1, 1)
    filtered = await scanner_report_of(result)  # what trivy convert turns into SARIF
    assert "ghp_" not in filtered
    [secret] = json.loads(filtered)["Results"][0]["Secrets"]
    assert secret["RuleID"] == "github-pat"  # Trivy's SARIF rule id is the RuleID
    (mount,) = find(result.sarif(), "withMountedFile")
    assert mount.arg_chain("source") == calls(result.json())


@pytest.mark.anyio
async def test_a_refused_sarif_upload_is_one_line_from_the_function_decorator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def contents(_file: dagger.File, **_: object) -> str:
        return json.dumps({"version": "2.1.0", "runs": []})

    monkeypatch.setattr(dagger.File, "contents", contents)
    result = scan_result()
    token = dag.set_secret("github-token", "not-used")
    with pytest.raises(FunctionError) as caught:
        await result.upload_sarif(token, "not a repository", "0" * 40, "refs/heads/main")
    assert str(caught.value).startswith("repository 'not a repository' must be OWNER/NAME")
    assert caught.value.__cause__ is None
    assert "\n" not in str(caught.value)
