"""The credit-check API keeps to its own OpenAPI document: schemathesis generates requests from it and checks
every answer (no server errors, documented status codes, content types and bodies)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.credit_stack import PROFILES, fake_bureau, gateway_api, gateway_env, prepare

pytest.importorskip("schemathesis")


def test_schemathesis_finds_no_failures(tmp_path: Path) -> None:
    with fake_bureau(tmp_path) as fake:
        env = gateway_env(tmp_path, fake, GATEWAY_CREDIT__TIME_BUDGET_SECONDS="0.5")
        # the spec's example customer, so generated requests also reach the decision, not only 404
        key = prepare(tmp_path, env, PROFILES + "C-1001,GB,Harbour Lane Engineering Ltd,04417823,,\n")
        with gateway_api(tmp_path, env) as api:
            done = subprocess.run(
                [str(Path(sys.executable).parent / "schemathesis"), "run", f"{api}/v1/openapi.json",
                 "--url", api, "--header", f"Authorization: Bearer {key}", "--checks", "all",
                 "--max-examples", "60", "--seed", "1", "--no-color"],
                capture_output=True, text=True, timeout=300, cwd=tmp_path,
            )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
