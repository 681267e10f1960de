"""``gateway import FILE|DIR ...``: statements into the database, one transaction per file."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from gateway.cli.common import EXIT_INPUT, input_errors_exit, settings
from gateway.cli.parse_cmd import Format
from gateway.importing import FileReport, Importer, ProgressCallback, Status, collect_files
from gateway.storage import ensure_schema, make_engine, session_factory

# Files above this size get progress output even when nobody watches a terminal (logs of a cron job).
LARGE_FILE_BYTES = 5 * 1024 * 1024
# Wide enough that the summary table does not wrap in logs and pipes.
PIPE_WIDTH = 160
SHOWN_POSSIBLE_DUPLICATES = 20


def import_files(
    paths: list[Path] = typer.Argument(..., help="Statement files, or folders whose files are all imported."),
    recursive: bool = typer.Option(False, "--recursive", "-r", help="Also import files in sub-folders."),
    format: Format = typer.Option(Format.auto, "--format", "-f", help="Force a format instead of detecting it."),
    strict: bool | None = typer.Option(
        None,
        "--strict/--lenient",
        help="Reject statements whose balances do not add up (default from settings).",
    ),
    progress: bool | None = typer.Option(
        None,
        "--progress/--no-progress",
        help="Show progress (default: on a terminal, or for files over 5 MB).",
    ),
) -> None:
    """Import statement files (camt.052/053/054, OFX, MT940) into the database.

    Each file is imported completely or not at all. Files and statements already imported add nothing;
    transactions already stored are skipped; possible duplicates are stored, flagged and listed.
    Exit code 2 when any file was rejected.
    """
    cfg = settings()
    out = Console(width=None if sys.stdout.isatty() else PIPE_WIDTH)
    err = Console(stderr=True, width=None if sys.stderr.isatty() else PIPE_WIDTH)
    files = collect_files(paths, recursive=recursive)
    if not files:
        print("gateway import: no files to import", file=sys.stderr)
        raise typer.Exit(EXIT_INPUT)
    with input_errors_exit():
        engine = make_engine(cfg.database_url(), echo=cfg.database.echo)
        ensure_schema(engine)
        importer = Importer(
            session_factory(engine),
            fmt=format.value,
            max_bytes=cfg.statements.max_file_bytes,
            strict=cfg.statements.strict_balances if strict is None else strict,
        )
        reports = [_import_one(importer, path, err, progress) for path in files]
        engine.dispose()
    out.print(_summary(reports))
    _details(reports)
    if any(r.status == Status.REJECTED for r in reports):
        raise typer.Exit(EXIT_INPUT)


def _import_one(importer: Importer, path: Path, err: Console, wanted: bool | None) -> FileReport:
    try:
        size = path.stat().st_size
    except OSError:
        size = 0
    interactive = err.is_terminal
    show = wanted if wanted is not None else (interactive or size > LARGE_FILE_BYTES)
    if not show:
        return importer.import_file(path)
    if interactive:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TextColumn("{task.fields[transactions]} transactions"),
            TimeRemainingColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task(path.name, total=size or None, transactions=0)

            def advance(done: int, transactions: int) -> None:
                bar.update(task, completed=done, transactions=transactions or bar.tasks[task].fields["transactions"])

            return importer.import_file(path, advance)
    return importer.import_file(path, _log_lines(path, size))


def _log_lines(path: Path, size: int) -> ProgressCallback:
    """Progress for logs: one line per tenth of the file, not a redrawn bar."""
    step = max(size // 10, 1)
    next_mark = step

    def report(done: int, transactions: int) -> None:
        nonlocal next_mark
        if done >= next_mark and transactions:
            print(
                f"{path}: {done / 1e6:.1f} of {size / 1e6:.1f} MB read, {transactions} records",
                file=sys.stderr,
            )
            next_mark = done + step

    return report


def _summary(reports: list[FileReport]) -> Table:
    rows: list[list[str]] = []
    for r in reports:
        fmt = r.format or ""
        if r.version and r.version.startswith("camt."):
            fmt = r.version  # camt.053.001.08 names the message kind already
        elif r.version and r.version.lower() != fmt.lower():
            fmt = f"{fmt} {r.version}"
        status = r.status
        if r.status == Status.ALREADY_IMPORTED and r.imported_on is not None:
            status = f"already imported (on {r.imported_on:%Y-%m-%d})"
        rows.append(
            [
                r.path,
                fmt,
                r.encoding or "",
                f"{r.statements_new}/{r.statements_known}",
                str(r.transactions_added),
                str(r.duplicates_skipped),
                str(len(r.possible_duplicates)),
                str(r.balance_warnings),
                status,
            ]
        )
    table = Table(title="Import summary", title_justify="left", box=box.SIMPLE_HEAD)
    table.add_column("File", overflow="fold", min_width=min(40, max(len(row[0]) for row in rows)))
    table.add_column("Format", overflow="fold")
    table.add_column("Encoding", overflow="fold")
    numbers = ("Statements new/known", "Added", "Duplicates skipped", "Possible duplicates", "Balance warnings")
    for i, header in enumerate(numbers, start=3):
        # Numbers are never cut: a narrow terminal wraps the headers and folds the file names instead.
        table.add_column(header, justify="right", max_width=10, min_width=max(5, *(len(row[i]) for row in rows)))
    table.add_column("Status", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _details(reports: list[FileReport]) -> None:
    """Plain lines (one per fact, never wrapped) so that logs and scripts can grep them."""
    for r in reports:
        if r.error is not None:
            print(f"rejected, nothing imported: {r.error.one_line()}", file=sys.stderr)
        for note in r.notes:
            print(f"{r.path}: {note}")
        if r.possible_duplicates:
            print(f"{r.path}: {len(r.possible_duplicates)} possible duplicate(s) stored and flagged:")
            for dup in r.possible_duplicates[:SHOWN_POSSIBLE_DUPLICATES]:
                print(f"  {dup.location}: {dup.evidence}")
            hidden = len(r.possible_duplicates) - SHOWN_POSSIBLE_DUPLICATES
            if hidden > 0:
                print(f"  ... and {hidden} more (see bank_transactions.duplicate_evidence)")
