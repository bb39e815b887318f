"""The real Trivy's secret scanner on a folder holding key-shaped strings, read by our parser.

``--scanners secret`` needs no vulnerability DB, so nothing is downloaded; version checks
and telemetry are off where the release has them, and where this process may make a
network namespace Trivy runs in one with no network at all (``unshare --net``), so the
run cannot send anything anywhere. The key-shaped strings are
made up at run time (nothing token-shaped is committed), and the test checks that Trivy
finds each by its rule, file and line, that nothing of them reaches what we print, and
that ``trivy convert`` makes SARIF of our filtered document with the RuleID as rule id
and no match to quote.

Trivy has no Debian package and the project installs no wheel carrying its binary, so
where it is not installed (``trivy`` on PATH, or ``TRIVY`` naming the binary) the test is
skipped with that reason; the parse of the same layout is covered by
``tests/unit/scan/test_secrets.py`` and ``tests/plan/test_scan.py``.
"""

import json
import os
import secrets
import shutil
import string
import subprocess
from pathlib import Path

import pytest

from main.core.scan.markdown import render_markdown
from main.core.scan.trivy import evaluate, filter_document, parse_report

TRIVY = os.environ.get("TRIVY") or shutil.which("trivy")
pytestmark = pytest.mark.skipif(
    TRIVY is None,
    reason="trivy is not installed here (no Debian package; the project installs no wheel "
    "carrying it): put it on PATH or name it in TRIVY to run the real secret scanner",
)

UPPER = string.ascii_uppercase + string.digits
ALNUM = string.ascii_letters + string.digits


def _made_up(alphabet: str, length: int) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _offline(trivy: str) -> list[str]:
    """The command prefix and flags that keep this Trivy release off the network."""
    isolated = ["unshare", "--net"]
    try:
        done = subprocess.run([*isolated, "true"], capture_output=True, timeout=10, check=False)
        usable = done.returncode
    except (OSError, subprocess.TimeoutExpired):
        usable = 1
    said = subprocess.run(
        [trivy, "fs", "--help"], capture_output=True, text=True, timeout=30, check=True
    ).stdout
    flags = [flag for flag in ("--skip-version-check", "--disable-telemetry") if flag in said]
    return [*(isolated if usable == 0 else []), trivy, *flags]


def test_trivy_finds_key_shaped_strings_and_we_print_only_rule_file_and_line(
    tmp_path: Path,
) -> None:
    aws = "AKIA" + _made_up(UPPER, 16)
    github = "ghp_" + _made_up(ALNUM, 36)
    root = tmp_path / "tree"
    (root / "app").mkdir(parents=True)
    (root / "app" / "settings.py").write_text(
        f'"""Settings."""\n\nAWS_ACCESS_KEY_ID = "{aws}"\n', encoding="utf-8"
    )
    (root / "deploy.env").write_text(f"LOG_LEVEL=debug\nGITHUB_TOKEN={github}\n", encoding="utf-8")
    output = tmp_path / "report.json"
    assert TRIVY is not None
    argv = [
        *_offline(TRIVY), "fs", "--scanners", "secret", "--format", "json",
        "--output", str(output), "--exit-code", "0", "--cache-dir", str(tmp_path / "cache"),
        str(root),
    ]  # fmt: skip
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    raw = output.read_text(encoding="utf-8")
    parsed = parse_report(raw)
    found = {(s.secret.rule_id, s.target.lstrip("/"), s.secret.start_line) for s in parsed.secrets}
    assert ("aws-access-key-id", "app/settings.py", 3) in found
    assert ("github-pat", "deploy.env", 2) in found
    assert aws not in raw  # Trivy masks the match itself...
    assert github not in raw
    verdict = evaluate(parsed, block=True, severities=["CRITICAL"], ignore_unfixed=True)
    assert verdict.blocked
    text = render_markdown(parsed, verdict)
    filtered = filter_document(raw, verdict)
    for printed in (text, filtered, verdict.reason):  # ...and we never pass the match on
        assert "AWS_ACCESS_KEY_ID =" not in printed
        assert "GITHUB_TOKEN=" not in printed
        assert "****" not in printed
    assert "| github-pat |" in text
    converted = tmp_path / "filtered.json"
    converted.write_text(filtered, encoding="utf-8")
    sarif_path = tmp_path / "report.sarif"
    convert = [*_offline(TRIVY), "convert", "--format", "sarif", "--output", str(sarif_path)]
    done = subprocess.run(
        [*convert, str(converted)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    sarif = sarif_path.read_text(encoding="utf-8")
    [run] = json.loads(sarif)["runs"]
    assert {result["ruleId"] for result in run["results"]} == {  # the rule id is the RuleID
        "aws-access-key-id",
        "github-pat",
    }
    assert "****" not in sarif  # no Match left to quote
    assert aws not in sarif
    assert github not in sarif
