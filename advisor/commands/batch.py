"""``advisor batch INPUT...``: score many profiles, streaming, into one output."""

from __future__ import annotations

import click

from advisor.options import as_of_option, lang_option, prices_option, rules_option


@click.command()
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("--output", "-o", metavar="FILE", default=None,
              help="Write the results to FILE; it appears only once complete. Default: standard output.")
@click.option("--format", "-f", "fmt", type=click.Choice(["jsonl", "json", "csv", "table", "xlsx"]), default=None,
              help="Output format. Default: from the suffix of --output (.jsonl .json .csv .xlsx), else jsonl.")
@click.option("--headers", type=click.Choice(["labels", "ids"]), default="labels", show_default=True,
              help="Column names of csv and table: labels in the output's language (Chinese for --lang zh), "
                   "or the ids (record, profile, mode...) for scripts.")
@click.option("--detail", type=click.Choice(["full", "ids"]), default="full", show_default=True,
              help="jsonl only: full writes the whole recommendation (the contract); ids writes a compact "
                   "line of ids, statuses, dates and numbers (mode and scores, pricing, model size, checklist, "
                   "the rules that fired, first-year cost), whose texts a reader joins on the rule ids from "
                   "`advisor rules list --format json`.")
@click.option("--summary", "summary_path", metavar="FILE", default=None,
              help="Write the summary tables to FILE instead of standard error.")
@click.option("--encoding", default="auto", show_default=True,
              help="Encoding of the inputs: auto detects UTF-8, UTF-8 with BOM and GB18030/GBK; or name one, e.g. gbk.")
@click.option("--input-format", type=click.Choice(["auto", "csv", "jsonl", "yaml", "json", "xlsx"]), default="auto",
              show_default=True, help="Kind of input when the file suffix does not tell (e.g. for '-').")
@click.option("--sheet", metavar="NAME", default=None,
              help="The sheet to read in Excel workbooks (default: the first visible sheet).")
@click.option("--workers", "-j", type=click.IntRange(0, 64), default=1, show_default=True,
              help="Processes that score, this one included (0: one per CPU). They help when most profiles "
                   "are distinct; the output keeps the input order.")
@click.option("--max-errors", type=click.IntRange(min=1), default=None, metavar="N",
              help="Stop at the N-th invalid record (then no output file is written).")
@click.option("--quiet", "-q", is_flag=True, help="No progress line and no summary on standard error.")
@click.option("--no-cache", is_flag=True, help="Evaluate every record from scratch (slower; same output).")
@click.option("--memos", "memo_dir", metavar="DIR", default=None,
              help="Also write one memo per valid profile into DIR (file names from the profile names).")
@click.option("--memo-format", type=click.Choice(["markdown", "html", "docx"]), default="markdown",
              show_default=True, help="Format of the memos written with --memos.")
@click.option("--memo-date", type=click.DateTime(["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="Date printed on the memos (default: today).")
@lang_option
@rules_option
@as_of_option
@prices_option
@click.pass_context
def batch(ctx: click.Context, inputs: tuple[str, ...], output: str | None, fmt: str | None, headers: str, detail: str,
          summary_path: str | None, encoding: str, input_format: str, sheet: str | None, workers: int,
          max_errors: int | None,
          quiet: bool, no_cache: bool, memo_dir: str | None, memo_format: str, memo_date, lang: str,
          rules_dir: str | None, as_of, prices_file: str | None) -> None:
    """Score every profile in INPUT... : CSV, JSONL, YAML/JSON list files, Excel workbooks
    (.xlsx), folders of profile files, or '-' for standard input.

    Every valid record is scored and written in input order; each invalid one is reported on
    standard error (record, line, field, reason) and written as an error row, and the exit
    status is then 1. A summary (profiles per mode, sector x mode, compliance items) ends the
    run.
    """
    import contextlib
    import itertools
    import os
    import sys
    from pathlib import Path

    from advisor.assembly import RunOptions
    from advisor.atomic import AtomicFile, GuardedOutput, drop_standard_output
    from advisor.batch.progress import Progress, count_lines
    from advisor.batch.run import run_batch
    from advisor.batch.scorer import Scorer
    from advisor.batch.text import say
    from advisor.messages import frame
    from advisor.batch.writers import SUFFIX_FORMATS, make_format
    from advisor.console import interface_lang, output_encoding
    from advisor.messages import translate
    from advisor.errors import AdvisorError, SourceError
    from advisor.formats.escape import terminal_text
    from advisor.sources.inputs import check_inputs, check_output, read_inputs
    from advisor.sources.text import AUTO, check_encoding, display_name

    lang = lang.lower()
    ui = interface_lang()  # messages on standard error; the output (and its summary) is in `lang`
    check_inputs(inputs)
    check_output(output, inputs, "--output")  # before anything is read: never replace the client list
    check_output(summary_path, inputs, "--summary")
    if encoding != AUTO:
        check_encoding(encoding)
    fmt = fmt or (SUFFIX_FORMATS.get(Path(output).suffix.lower()) if output else None) or "jsonl"
    if fmt == "xlsx" and not output and sys.stdout.isatty():
        raise AdvisorError("an Excel workbook is not shown on a terminal; name a file with -o FILE.xlsx")
    if detail != "full" and fmt != "jsonl":
        raise AdvisorError(f"--detail {detail} is for the jsonl format only, not {fmt}")
    # Compile the rules before any output (a broken pack is exit 2) and before forking workers.
    scorer = Scorer(rules_dir, lang, cache=not no_cache, options=RunOptions(as_of=as_of, prices=prices_file))
    records = read_inputs(inputs, encoding=encoding, input_format=input_format, sheet=sheet)
    # The first input's header and first row are read before any output: an input that cannot be
    # read stops the run with nothing written (no CSV header left alone on standard output).
    first = next(records, None)
    if first is None:
        raise SourceError(say("no_records", "en", inputs=", ".join(map(display_name, inputs))))
    records = itertools.chain([first], records)
    show_progress = not quiet and sys.stderr.isatty()
    progress = Progress(sys.stderr, ui, enabled=show_progress, lines=count_lines(inputs) if show_progress else None)
    done = {"rows": 0, "bad": 0}  # what was written so far, for a message if the run is interrupted

    def say_error(message: str) -> None:  # user text may hold control characters: shown, never obeyed
        progress.clear()
        sys.stderr.write(frame("note", ui, message=terminal_text(message)) + "\n")

    def report_bad(number: int, message: str) -> None:
        done["bad"] += 1
        say_error(message)

    def on_progress(rows: int, bad: int, source: str | None, line: int | None) -> None:
        done["rows"] = rows
        progress.update(rows, bad, source, line)

    memos = None
    if memo_dir:
        from advisor.batch.memos import MemoFolder

        memos = MemoFolder(memo_dir, memo_format, lang, rules_dir, memo_date.date() if memo_date else None,
                           on_failure=lambda number, reason: say_error(say("memo_failed", ui, record=number,
                                                                            reason=translate(reason, ui))))
    target = AtomicFile(output) if output else None
    out = target.file if target else GuardedOutput(sys.stdout.buffer, "standard output")
    _collect_less_often()
    try:
        with target if target else contextlib.nullcontext():
            report = run_batch(
                records, scorer, make_format(fmt, lang, scorer.advisor.pack, headers=headers,
                                             width=None if target else _screen(sys.stdout),
                                             encoding="utf-8" if target else output_encoding(), detail=detail,
                                             as_of=scorer.options.as_of), out,
                to_file=target is not None, workers=workers or os.cpu_count() or 1, max_errors=max_errors, settle=True,
                on_error=report_bad, on_progress=on_progress, on_result=memos,
            )
            progress.clear()
            if report.stopped:
                sys.stderr.write(frame("note", ui, message=say('stopped', ui, limit=max_errors)) + "\n")
                ctx.exit(1)
            if not report.summary.rows:
                raise SourceError(say("no_records", "en", inputs=", ".join(map(display_name, inputs))))  # shown in the interface's language
            if target:
                target.commit()
            else:
                out.flush()
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM (see advisor.cli): say what is left
        progress.clear()
        parts = [say("interrupted", ui, rows=f"{done['rows']:,}", bad=f"{done['bad']:,}")]
        parts.append(say("interrupted_file", ui, output=output) if target else say("interrupted_stdout", ui))
        if memos is not None:
            parts.append(say("interrupted_memos", ui, count=memos.written, folder=memo_dir))
        sys.stderr.write(frame("note", ui, message=terminal_text(('' if ui == 'zh' else ' ').join(parts))) + "\n")
        raise
    except BrokenPipeError:  # the reader of standard output went away (`| head`): stop quietly
        progress.clear()
        drop_standard_output()
        ctx.exit(1 if done["bad"] else 0)  # bad rows seen before that still say so

    if summary_path or not quiet:  # rendered only when shown: quiet runs skip loading tabulate
        text = report.summary.render(scorer.advisor.pack, lang, None if summary_path else report.seconds,
                                     width=None if summary_path else _screen(sys.stderr))
        if summary_path:
            with AtomicFile(summary_path) as summary_file:
                summary_file.file.write(text.encode("utf-8"))
                summary_file.commit()
        else:
            sys.stderr.write(f"\n{terminal_text(text)}")
    if memos is not None and not quiet:
        sys.stderr.write(frame("note", ui, message=say('memos_written', ui, count=memos.written, folder=terminal_text(memo_dir))) + "\n")
        if memos.failed:
            sys.stderr.write(frame("note", ui, message=say('memos_failed', ui, count=memos.failed)) + "\n")
    if report.summary.bad:
        if not quiet:
            sys.stderr.write(frame("note", ui, message=say('bad_rows', ui, bad=report.summary.bad, scored=report.summary.scored)) + "\n")
        ctx.exit(1)
    if memos is not None and memos.failed:
        ctx.exit(1)


def _screen(stream) -> int | None:  # noqa: ANN001
    """The width a table printed on ``stream`` may take: a terminal's (or COLUMNS); a file or a
    pipe takes the table as wide as its cells."""
    import os

    from advisor.console import terminal_width

    if stream.isatty() or os.environ.get("COLUMNS", "").strip().isdigit():
        return terminal_width(stream)
    return None


def _collect_less_often() -> None:
    """The caches hold hundreds of thousands of long-lived objects, and scoring makes many
    short-lived ones, freed by reference counting. Python's cyclic collector, run every 700
    allocations, kept walking the caches: a fifth of the time when every profile is new. This
    command makes little cyclic garbage, so it collects a hundred times less often (workers
    inherit the setting). The library's ``score_many`` leaves the host program's setting alone.
    The collector, paused while the command started (``advisor.collector``), runs again from here."""
    import gc

    from advisor import collector

    gc.set_threshold(100_000, 50, 1000)
    collector.resume()

