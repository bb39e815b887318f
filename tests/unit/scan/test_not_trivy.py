"""A document that is not what Trivy writes is an error, never a clean scan.

Trivy writes PascalCase keys (SchemaVersion, Results, Target, Vulnerabilities,
VulnerabilityID); an empty image has no Results at all, and a target without findings
has no Vulnerabilities. A document with those keys in another case, or with findings
somewhere Trivy never puts them, would parse as "no findings" if read leniently:
in block mode that is a false pass, so it is refused instead. (Missing optional keys
stay tolerated: a finding without them still counts, so it cannot hide.)
"""

import json

import pytest

from main.core.errors import PipelineError
from main.core.scan.trivy import evaluate, parse_report

FINDING = {"VulnerabilityID": "CVE-1", "PkgName": "p", "Severity": "HIGH", "FixedVersion": "2"}


@pytest.mark.parametrize(
    "document",
    [
        {"SchemaVersion": 2, "results": [{"Target": "t", "Vulnerabilities": [FINDING]}]},
        {"SchemaVersion": 2, "Results": [{"Target": "t", "vulnerabilities": [FINDING]}]},
        {"SchemaVersion": 2, "Vulnerabilities": [FINDING]},
        {"SchemaVersion": 2, "RESULTS": [{"Target": "t", "Vulnerabilities": [FINDING]}]},
    ],
    ids=["results lower case", "vulnerabilities lower case", "findings at the top",
         "results upper case"],
)  # fmt: skip
def test_a_document_trivy_does_not_write_is_refused(document: dict[str, object]) -> None:
    with pytest.raises(PipelineError, match="not a Trivy report") as caught:
        parse_report(json.dumps(document))
    assert "\n" not in str(caught.value)


def test_an_empty_image_is_still_a_clean_scan() -> None:
    report = parse_report(json.dumps({"SchemaVersion": 2, "ArtifactName": "image.tar"}))
    assert not evaluate(report, block=True, severities=["HIGH"], ignore_unfixed=True).blocked


def test_deeply_nested_json_is_one_line() -> None:
    deep = '{"SchemaVersion": 2, "Results": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(PipelineError) as caught:
        parse_report(deep)
    assert "\n" not in str(caught.value)
