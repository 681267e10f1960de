"""The job killed at random moments in the middle of a big file leaves the database as before the file or
fully after it, and the next run finishes the work; several jobs at once on PostgreSQL share the inbox
without losing or doubling anything. Both print their figures (runs, kills, what was seen)."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine

from gateway.storage import make_engine, upgrade
from tests.ledger.jobs import assert_consistent, gateway_run, seed, state, write_files

PER_FILE = 1500
KILL_AFTER_S = (1.5, 3.0, 4.5, 6.0)


def _url(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def test_a_job_killed_mid_file_leaves_nothing_partial_and_the_next_run_completes(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(engine)
    write_files(tmp_path / "inbox", files=1, per_file=PER_FILE)
    seen: list[str] = []
    for delay in KILL_AFTER_S:
        proc = gateway_run(_url(engine), tmp_path)
        time.sleep(delay)
        finished_before_kill = proc.poll() is not None
        if not finished_before_kill:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        now = state(engine)
        if now["files_done"] == 0:
            assert now == {"transactions": 0, "payments": 0, "allocations": 0, "files_done": 0}
            seen.append(f"killed at {delay}s: nothing kept")
        else:
            assert now["transactions"] == PER_FILE and now["payments"] == PER_FILE
            seen.append(f"{'finished' if finished_before_kill else 'killed'} at {delay}s: file complete")
            break
    done = gateway_run(_url(engine), tmp_path)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err
    final = state(engine)
    assert final["transactions"] == PER_FILE and final["payments"] == PER_FILE and final["files_done"] == 1
    assert not list((tmp_path / "inbox").iterdir())
    assert_consistent(engine)
    kills = sum("killed" in s for s in seen)
    with capsys.disabled():
        print(
            f"\n[{engine.dialect.name}] crash test: 1 file of {PER_FILE} transactions, {kills} kills: {'; '.join(seen)}"
        )
        print(f"[{engine.dialect.name}] after restart: {final}")


@pytest.mark.postgres
def test_concurrent_runs_on_postgresql_share_the_inbox_without_doubling_anything(
    postgres_schema: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(postgres_schema)
    upgrade(engine)
    seed(engine)
    files, per_file, runs = 8, 250, 4
    write_files(tmp_path / "inbox", files=files, per_file=per_file)
    procs = [gateway_run(postgres_schema, tmp_path) for _ in range(runs)]
    outputs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0] * runs, [e for _, e in outputs]
    processed_lines = [
        line for out, _ in outputs for line in out.splitlines() if line.startswith("big-") and "transactions" in line
    ]
    final = state(engine)
    assert final["files_done"] == files
    assert final["transactions"] == final["payments"] == files * per_file
    assert len(processed_lines) == files  # each file processed by exactly one run
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == [f"big-{n:02d}.xml" for n in range(files)]
    assert_consistent(engine)
    per_run = [
        sum(1 for line in out.splitlines() if line.startswith("big-") and "transactions" in line) for out, _ in outputs
    ]
    engine.dispose()
    with capsys.disabled():
        print(
            f"\n[postgresql] concurrency: {runs} runs in parallel on {files} files x {per_file} transactions; "
            f"files per run {per_run}; {final['payments']} payments, {final['allocations']} allocations, nothing twice"
        )
