"""Profiles as files for the questionnaire: the starting profile (``--from``), the saved one and drafts.

A saved profile is plain YAML that ``advisor advise`` reads unchanged: fields in contract order,
canonical values, Chinese kept readable, and a comment saying how to re-run it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import yaml

from advisor.ask.fields import parse_partial
from advisor.ask.text import msg
from advisor.errors import SourceError
from advisor.vocabulary import vocabulary

LANGS = ("zh", "en")
_SHELL_SPECIAL = frozenset(" \t\n'\"$`\\!*?[]{}()<>|&;#~")


def shell_word(path: str | Path) -> str:
    """``path`` as it can be pasted into a shell command (quoted only when it needs to be)."""
    import shlex

    text = str(path)
    return shlex.quote(text) if not text or _SHELL_SPECIAL.intersection(text) else text


class _Dumper(yaml.SafeDumper):
    """One field per line; a list stays on its line: ``use_cases: [knowledge_search, risk_control]``."""


_Dumper.add_representer(list, lambda d, data: d.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=True))


def load_start(path: str) -> dict[str, Any]:
    """The fields a profile file gives, canonical; the file may be incomplete (a draft)."""
    from advisor.sources.document import parse_document, read_text

    data = parse_document(read_text(path), path)
    return {} if data is None else parse_partial(data, path)


def draft_path(save: str) -> Path:
    """Where a run saving to ``save`` keeps its draft: beside it, ``NAME.draft.yaml``."""
    p = Path(save)
    return p.with_name(f"{p.stem}.draft{p.suffix or '.yaml'}")


def profile_yaml(values: Mapping[str, Any], header: str) -> str:
    """``values`` as a commented YAML profile, fields in contract order."""
    ordered = {name: values[name] for name in vocabulary().fields if name in values}
    body = yaml.dump(ordered, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=1000)
    comment = "".join(f"# {line}\n" for line in header.splitlines())
    return comment + body


def saved_header(save: str, lang: str) -> str:
    """The comment at the top of a saved profile."""
    return msg("file_header", lang, path=shell_word(save))


def draft_header(save: str, lang: str) -> str:
    """The comment at the top of a draft."""
    return msg("draft_header", lang, draft=shell_word(draft_path(save)), save=shell_word(save))


def write(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` (UTF-8), or raise ``SourceError`` saying why not."""
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SourceError(f"{path}: cannot write: {exc.strerror}") from None


def check_writable(path: str, folder_must_exist: bool = True) -> None:
    """Fail before the first question if ``path`` cannot be written (no answers are lost later)."""
    p = Path(path)
    if p.is_dir():
        raise SourceError(f"{path}: is a folder; give a file name")
    if folder_must_exist and not p.parent.is_dir():
        raise SourceError(f"{path}: the folder {p.parent} does not exist")


def remove_stale_draft(save: str) -> None:
    """Delete the draft of ``save`` once the full profile is written, if it is one of ours."""
    draft = draft_path(save)
    try:
        first = draft.read_text(encoding="utf-8").partition("\n")[0]
    except (OSError, UnicodeDecodeError):
        return
    if any(first == "# " + draft_header(save, lang).partition("\n")[0] for lang in LANGS):
        draft.unlink(missing_ok=True)
