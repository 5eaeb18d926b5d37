"""scripts/fuzz_report.py: schema-valid requests refused, per operation, and why."""

import base64
import importlib.util
import json
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "fuzz_report.py"
spec = importlib.util.spec_from_file_location("fuzz_report", SCRIPT)
fuzz_report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(fuzz_report)


def _case(case_id, mode, status, body):
    return (
        {case_id: {"value": {"meta": {"generation": {"mode": mode}}}}},
        {
            case_id: {
                "response": {
                    "status_code": status,
                    "content": {"$base64": base64.b64encode(json.dumps(body).encode()).decode()},
                }
            }
        },
    )


def _stream(path, label, cases, failed=()):
    merged_cases, interactions = {}, {}
    for case_id, mode, status, body in cases:
        one, answer = _case(case_id, mode, status, body)
        merged_cases.update(one)
        interactions.update(answer)
    checks = {
        case_id: [
            {
                "name": "status_code_conformance",
                "status": "failure",
                "failure_info": {"failure": {"code": "ST103", "title": "Undocumented status code"}},
            }
        ]
        for case_id in failed
    }
    event = {
        "ScenarioFinished": {
            "recorder": {
                "label": label,
                "cases": merged_cases,
                "interactions": interactions,
                "checks": checks,
            }
        }
    }
    with path.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps({"Initialize": {}}) + "\n")
        stream.write(json.dumps(event) + "\n")


def test_report_counts_positive_refusals_and_names_their_causes(tmp_path):
    path = tmp_path / "supervisor.ndjson"
    _stream(
        path,
        "POST /api/v1/quality-audits/",
        [
            ("a", "positive", 400, {"sample_percent": ["The sample percentage is 1–100."]}),
            ("b", "positive", 400, {"sample_percent": ["The sample percentage is 1–100."]}),
            ("c", "positive", 201, {"id": 1}),
            ("d", "negative", 400, {"title": ["This field is required."]}),
        ],
        failed=["d"],
    )
    _stream(
        path,
        "POST /api/v1/products/",
        [("e", "positive", 400, {"customer": ['Invalid pk "0" - object does not exist.']})],
    )

    stats, failures = fuzz_report.read([str(path)])
    text = fuzz_report.render(stats, failures, 0.5)

    audits = stats[("supervisor", "POST /api/v1/quality-audits/")]
    assert (audits["positive"], audits["refused"], audits["ok"]) == (3, 2, 1)
    assert (audits["generated"], audits["generated_refused"]) == (4, 3)
    assert audits["causes"] == {"400 sample_percent: The sample percentage is N–N.": 2}
    assert failures == {("ST103", "Undocumented status code"): 1}
    # A constraint the schema could state comes first; a missing record is data, not form.
    assert text.index("quality-audits") < text.index("products")
    assert "| 1/1 | 1/1 | 400 customer: refers to a record that does not exist (1) |" in text
    assert "- 400 a constraint the schema does not state: 1" in text
