"""Deterministic generators of large, realistic bank statements (camt.053, OFX 1.x/2.x, MT940) for the
parsing benchmark. Each writes a file and a ``<file>.json`` with what a correct parser must find."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path

from bench.statements import camt, mt940, ofx
from bench.statements.plan import Truth

Writer = Callable[[Path, int, int], Truth]

# format -> (file suffix, writer, generator version)
FORMATS: dict[str, tuple[str, Writer, int]] = {
    "camt053": (".xml", camt.write, camt.VERSION),
    "ofx102": (".ofx", partial(ofx.write, version=102), ofx.VERSION),
    "ofx211": (".ofx", partial(ofx.write, version=211), ofx.VERSION),
    "mt940": (".sta", mt940.write, mt940.VERSION),
}
DEFAULT_SEED = 2026


def generate(out_dir: Path, fmt: str, transactions: int, seed: int = DEFAULT_SEED) -> tuple[Path, Truth]:
    """The ``fmt`` file with ``transactions`` in ``out_dir``, written unless an identical one is there."""
    suffix, writer, version = FORMATS[fmt]
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{fmt}-{transactions}-{seed}{suffix}"
    truth_path = path.with_name(path.name + ".json")
    if path.is_file() and truth_path.is_file():
        truth = Truth.load(truth_path)
        if truth.generator_version == version:
            return path, truth
    partial_path = path.with_name(path.name + ".part")
    truth = writer(partial_path, transactions, seed)
    partial_path.replace(path)
    truth.save(truth_path)
    return path, truth
