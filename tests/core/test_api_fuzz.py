"""No input gives a server error: schemathesis drives every operation of the real app's
OpenAPI document (/api/v1/openapi.json) over real HTTP, as an authenticated tenant owner (an
API key), and fails on any 5xx (issue 10 §5, DESIGN §11 "boundaries refuse bad input once").

The run is bounded and repeatable: the schema's own examples plus MAX_EXAMPLES generated cases
per operation, valid and invalid alike, in schemathesis's deterministic mode (derandomized, no
example database), so two runs send the same requests and the whole test stays within a few
minutes on a small machine. Longer hunts choose their phases and a seed: for example
TRADELANE_FUZZ_PHASES=examples,coverage,fuzzing adds every boundary value of every parameter
and property (some 15,000 cases more), TRADELANE_FUZZ_PHASES=fuzzing,stateful chains the
operations through their links, and TRADELANE_FUZZ_SEED=N draws other cases than the suite's.

The server process has its outbound HTTP pointed at a closed local port, and the operations
that call a channel by design are left out: a generated request never reaches a remote.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import serving

MAX_EXAMPLES = int(os.environ.get("TRADELANE_FUZZ_EXAMPLES", "10"))
PHASES = os.environ.get("TRADELANE_FUZZ_PHASES", "examples,fuzzing")
SEED = os.environ.get("TRADELANE_FUZZ_SEED")
# Operations that talk to a channel's API by design (their generated ids name nothing anyway).
REMOTE = r"^/api/v1/(connections/\{connection_id\}/(test|sync|push-stock|webhooks/subscribe)|sync/pushes/.*/retry)$"
CONFIG = """
[phases.coverage]
# A method the path does not serve is answered 405 by routing: not worth a case per path.
unexpected-methods = []
"""


@pytest.mark.slow
def test_no_generated_request_gives_a_server_error(app, database_url, tenant_a, tenant_b, tmp_path):
    closed = "http://127.0.0.1:9"
    env = {"HTTP_PROXY": closed, "HTTPS_PROXY": closed, "ALL_PROXY": closed, "NO_PROXY": ""}
    report_dir = Path(os.environ.get("TRADELANE_FUZZ_REPORT_DIR") or tmp_path)
    report_dir.mkdir(parents=True, exist_ok=True)
    (tmp_path / "schemathesis.toml").write_text(CONFIG)
    with serving(app, database_url, env=env) as (url,):
        cmd = [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(tmp_path / "schemathesis.toml"),
            "run",
            f"{url}/api/v1/openapi.json",
            "--checks",
            "not_a_server_error",
            "--phases",
            PHASES,
            "--max-examples",
            str(MAX_EXAMPLES),
            *(["--seed", SEED] if SEED else ["--generation-deterministic"]),
            "--no-shrink",
            "--workers",
            "1",  # two threads race in CPython 3.11's ast.parse (SystemError: AST constructor recursion depth mismatch)
            "--request-timeout",
            "120",
            "--exclude-path-regex",
            REMOTE,
            "--header",
            f"Authorization: Bearer {tenant_a.keys['owner']}",
            "--continue-on-failure",
            "--warnings",
            "off",
            "--report",
            "ndjson,json",
            "--report-dir",
            str(report_dir),
        ]
        result = subprocess.run(
            cmd, capture_output=True, text=True, timeout=3000, cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"}
        )
    output = result.stdout
    server_errors = _server_errors(report_dir)
    run = _run_report(report_dir)
    print(
        f"[fuzz] phases {PHASES}, {MAX_EXAMPLES} examples per operation, seed {SEED or 'none'}: "
        f"{run['operations']['tested']} of {run['operations']['total']} operations tested, "
        f"{run['test_cases']['generated']} test cases, {len(server_errors)} answered 5xx, "
        f"{run['running_time']:.0f} s"
    )
    assert not server_errors, "\n".join(server_errors[:40])
    assert result.returncode == 0, output[-12000:] + result.stderr[-3000:]
    # The run must have reached the API: every selected operation tested, none skipped for errors.
    assert run["operations"]["tested"] == run["operations"]["selected"] > 200, run["operations"]
    assert run["test_cases"]["generated"] >= run["operations"]["tested"] * MAX_EXAMPLES // 2, run["test_cases"]


def _run_report(report_dir: Path) -> dict:
    reports = sorted(report_dir.glob("*.json"), key=lambda p: p.stat().st_mtime)
    assert reports, f"schemathesis wrote no run report in {report_dir}"
    return json.loads(reports[-1].read_text())


def _server_errors(report_dir: Path) -> list[str]:
    """Every request answered 5xx ("POST /api/v1/... -> 500 body ..."), from schemathesis's
    event stream."""
    found = []
    for report in report_dir.glob("*.ndjson"):
        for line in report.read_text().splitlines():
            if not re.search(r'"status_code":\s*5\d\d', line):
                continue
            event = json.loads(line)
            recorder = next(iter(event.values())).get("recorder") or {}
            cases = recorder.get("cases", {})
            for case_id, interaction in recorder.get("interactions", {}).items():
                status = (interaction.get("response") or {}).get("status_code", 0)
                if status >= 500:
                    case = cases.get(case_id, {}).get("value", {})
                    request = interaction["request"]
                    body = json.dumps(case.get("body"))[:300] if "body" in case else ""
                    found.append(f"{request['method']} {request['uri']} -> {status} {body}")
    return found
