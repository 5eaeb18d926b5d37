"""Which operations still refuse most of the data generated from their own schema, and why.

    python scripts/fuzz_report.py var/fuzz/supervisor.ndjson var/fuzz/agent.ndjson

Reads the NDJSON event streams schemathesis writes (``scripts/fuzz``) and counts, per
operation, the *positive* requests — those generated to be valid against the schema — and
how many the server answered with a 4xx. A schema that tells the truth leaves few of those
for reasons the schema could state; the ones that remain are about data no schema can
state (ids that do not exist, a ticket in another state, a role that may not). The report
lists every operation refusing at least ``--threshold`` of its positive requests with its
most frequent reasons, grouped by cause, and writes it as Markdown to ``--out``.
It also counts the failed checks per kind. Exit status 0: it reports, it does not judge
(schemathesis' own exit status does).
"""

import argparse
import base64
import collections
import json
import re
import sys
from pathlib import Path

MISSING_REFERENCE = re.compile(
    r"(Invalid pk|does not exist|Unknown product model|Select a valid choice)", re.IGNORECASE
)
# Another record already has the value (a unique code, number, phone): data, not form.
TAKEN = re.compile(r"(already exists|is taken|already recorded|already has)", re.IGNORECASE)


def _body(response):
    content = (response or {}).get("content") or {}
    raw = content.get("$base64")
    if raw is None:
        return None
    try:
        return json.loads(base64.b64decode(raw))
    except ValueError:
        return None


def _first_message(value):
    """The first message of a DRF error value (a list, a dict of lists, a string)."""
    while isinstance(value, list | dict):
        if not value:
            return ""
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
    return str(value)


def cause(status, body):
    """A short, stable reason for one refusal: what a reader of the report needs."""
    if status == 404:
        return "404: the object named in the path does not exist or is not visible"
    if status == 403:
        return "403: the persona's role may not do this"
    if status == 429:
        return "429: throttled"
    if status == 409 and isinstance(body, dict):
        return f"409 {body.get('code', '?')}: refused by the object's current state"
    if status == 400 and isinstance(body, dict):
        if "detail" in body and len(body) == 1:
            return f"400: {body['detail']}"[:120]
        field, value = next(iter(body.items()), ("?", ""))
        message = _first_message(value)
        if MISSING_REFERENCE.search(message):
            return f"400 {field}: refers to a record that does not exist"
        if TAKEN.search(message):
            return f"400 {field}: another record already has this value"
        message = re.sub(r"\d+", "N", message)
        message = re.sub(r'"[^"]*"', '"…"', message)
        return f"400 {field}: {message}"[:120]
    return f"{status}"


# Causes no schema can state: they depend on the data and the caller, not the request's form.
BEYOND_SCHEMA = ("403", "404", "409", "429")


def beyond_schema(text):
    """Whether a cause (``cause()``'s text) is about state, role or missing records."""
    return text.startswith(BEYOND_SCHEMA) or text.endswith(
        ("refers to a record that does not exist", "another record already has this value")
    )


def read(paths):
    """``(stats, failures)``: per (persona, label), every request generated and how many
    got a 4xx, the positive ones among them, refused and accepted, and the causes of the
    positive refusals (a Counter); failed checks counted by (code, title)."""
    stats = collections.defaultdict(
        lambda: {
            "generated": 0,
            "generated_refused": 0,
            "positive": 0,
            "refused": 0,
            "ok": 0,
            "causes": collections.Counter(),
        }
    )
    failures = collections.Counter()
    for path in paths:
        persona = Path(path).stem
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                event = json.loads(line)
                finished = event.get("ScenarioFinished")
                if not finished:
                    continue
                recorder = finished.get("recorder") or {}
                label = recorder.get("label", "?")
                for checks in (recorder.get("checks") or {}).values():
                    for check in checks:
                        if check.get("status") == "failure":
                            failure = check["failure_info"]["failure"]
                            failures[(failure["code"], failure["title"])] += 1
                for case_id, case in (recorder.get("cases") or {}).items():
                    meta = (case.get("value") or {}).get("meta") or {}
                    interaction = (recorder.get("interactions") or {}).get(case_id) or {}
                    response = interaction.get("response")
                    if not response:
                        continue
                    row = stats[(persona, label)]
                    status = response["status_code"]
                    row["generated"] += 1
                    row["generated_refused"] += 400 <= status < 500
                    if (meta.get("generation") or {}).get("mode") != "positive":
                        continue
                    row["positive"] += 1
                    if 400 <= status < 500:
                        row["refused"] += 1
                        row["causes"][cause(status, _body(response))] += 1
                    elif status < 400:
                        row["ok"] += 1
    return stats, failures


def render(stats, failures, threshold):
    lines = ["# Fuzz report: schema-valid requests the server refused", ""]
    operations = {label for _persona, label in stats}
    mostly = sorted(
        (
            key
            for key, row in stats.items()
            if row["positive"] and row["refused"] / row["positive"] >= threshold
        ),
        key=lambda key: (-stats[key]["refused"] / stats[key]["positive"], key),
    )
    total = sum(row["positive"] for row in stats.values())
    refused = sum(row["refused"] for row in stats.values())
    generated = sum(row["generated"] for row in stats.values())
    generated_refused = sum(row["generated_refused"] for row in stats.values())
    lines.append(
        f"{generated} requests generated, {generated_refused} answered with a 4xx (most "
        "are meant to be invalid)."
    )
    lines.append(
        f"{len(operations)} operations, {total} schema-valid requests, {refused} refused "
        f"with a 4xx ({refused * 100 // max(total, 1)} %). Operations refusing at least "
        f"{threshold:.0%} of them: {len({label for _p, label in mostly})}."
    )
    lines.append("")
    by_cause = collections.Counter()
    for key in mostly:
        main = stats[key]["causes"].most_common(1)[0][0]
        if beyond_schema(main):
            by_cause[main.split(" ")[0].rstrip(":")] += 1
        else:
            by_cause["400 a constraint the schema does not state"] += 1
    if by_cause:
        lines.append("Main cause, by persona × operation:")
        names = {
            "403": "403 the role may not (least privilege)",
            "404": "404 the generated id names no visible object",
            "409": "409 the object's state forbids it",
            "400": "400 a reference to a missing record, or a value another record has",
            "429": "429 throttled",
        }
        lines.extend(
            f"- {names.get(name, name)}: {count}" for name, count in by_cause.most_common()
        )
        lines.append("")
    mostly.sort(key=lambda key: beyond_schema(stats[key]["causes"].most_common(1)[0][0]))
    lines.append("| persona | operation | refused / valid | 4xx / all | main reasons |")
    lines.append("|---|---|---|---|---|")
    for persona, label in mostly:
        row = stats[(persona, label)]
        reasons = "; ".join(f"{text} ({n})" for text, n in row["causes"].most_common(2))
        lines.append(
            f"| {persona} | `{label}` | {row['refused']}/{row['positive']} "
            f"| {row['generated_refused']}/{row['generated']} | {reasons} |"
        )
    lines.append("")
    lines.append(
        "Failed checks: "
        + (
            ", ".join(f"{code} {title}: {n}" for (code, title), n in failures.most_common())
            or "none"
        )
    )
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ndjson", nargs="+")
    parser.add_argument("--threshold", type=float, default=0.5)
    parser.add_argument("--out", default=None, help="also write the Markdown here")
    args = parser.parse_args(argv)
    stats, failures = read(args.ndjson)
    text = render(stats, failures, args.threshold)
    sys.stdout.write(text)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
