"""The example third-party carrier in docs/examples installs like any distribution, is found
through its entry point, and passes CarrierContract: what docs/plugins.md promises authors."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
EXAMPLE = ROOT / "docs" / "examples" / "tinyparcel"


def run(args, **kw):
    return subprocess.run(args, capture_output=True, text=True, timeout=600, **kw)


def test_the_example_carrier_installs_and_passes_the_contract(tmp_path):
    site = tmp_path / "site"
    installed = run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(site), str(EXAMPLE)]
    )
    assert installed.returncode == 0, installed.stderr[-2000:]
    assert list(site.glob("tradelane_tinyparcel-0.1.0.dist-info/entry_points.txt"))
    # The installed copy, not the source tree, is on the path: the entry point comes from its
    # dist-info. Tradelane itself is on the path as it is installed for the test run.
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / "test_contract.py").write_text((EXAMPLE / "tests" / "test_contract.py").read_text())
    result = run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tests)],
        cwd=tmp_path,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_the_example_carrier_is_small():
    lines = sum(len(p.read_text().splitlines()) for p in (EXAMPLE / "tradelane_tinyparcel").glob("plugin.py"))
    assert lines < 200, "docs/plugins.md promises an example carrier under 200 lines"
