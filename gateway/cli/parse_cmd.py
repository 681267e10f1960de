"""``gateway parse``: a statement file as normalized JSON."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path

import typer

from gateway.cli.common import input_errors_exit, settings
from gateway.statement_json import parsed_json
from gateway.statements import read


class Format(StrEnum):
    auto = "auto"
    camt053 = "camt053"
    camt052 = "camt052"
    camt054 = "camt054"
    ofx = "ofx"
    mt940 = "mt940"


def parse(
    file: Path = typer.Argument(..., help="Statement file (camt.052/053/054, OFX, MT940), detected by content."),
    format: Format = typer.Option(Format.auto, "--format", "-f", help="Force a format instead of detecting it."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Write JSON here instead of stdout."),
    strict: bool | None = typer.Option(
        None, "--strict/--lenient", help="Reject statements whose balances do not add up (default from settings)."
    ),
) -> None:
    """Read FILE and print its statements as normalized JSON."""
    cfg = settings()
    with input_errors_exit():
        parsed = read(
            file,
            format.value,
            max_bytes=cfg.statements.max_file_bytes,
            strict=cfg.statements.strict_balances if strict is None else strict,
        )
    for st in parsed.statements:
        for warning in st.warnings:
            print(f"{file}: {st.location}: warning: {warning}", file=sys.stderr)
    text = json.dumps(parsed_json(parsed.source, parsed.statements), indent=2, ensure_ascii=False)
    if output is None:
        sys.stdout.write(text + "\n")
    else:
        tmp = output.with_name(output.name + ".part")
        tmp.write_text(text + "\n", encoding="utf-8")
        tmp.replace(output)
