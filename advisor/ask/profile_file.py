"""Profiles as files for the questionnaire: the starting profile (``--from``), the saved one and drafts.

A saved profile is plain YAML that ``advisor advise`` reads unchanged: fields in contract order,
canonical values, Chinese kept readable, and a comment saying how to re-run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, Mapping

import yaml

from advisor.ask.fields import normalise
from advisor.ask.text import msg
from advisor.errors import ProfileError, SourceError, shown
from advisor.profile import field_of
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
# An amount with fen (Decimal("499999.99")) is written as it reads, never as a rounded float.
_Dumper.add_representer(Decimal, lambda d, data: d.represent_scalar("tag:yaml.org,2002:float", f"{data:f}"))


@dataclass
class Start:
    """What a starting profile (``--from``: a profile, or a draft of this or an older questionnaire) gives.

    ``values``: the fields whose answers are still valid, canonical, in contract order (they are
    the defaults of their questions). ``dropped``: keys that are no longer fields (their answers
    are dropped). ``invalid``: field -> (the answer as given, why it is no longer allowed): these
    questions are asked again, without a default.
    """

    values: dict[str, Any] = field(default_factory=dict)
    dropped: list[str] = field(default_factory=list)
    invalid: dict[str, tuple[Any, str]] = field(default_factory=dict)

    def notes(self, lang: str) -> list[str]:
        """What the questionnaire says before the first question about what it could not keep."""
        from advisor.messages import translate

        out = []
        if self.dropped:
            out.append(msg("from_dropped", lang, fields=", ".join(shown(k) for k in self.dropped)))
        for name, (value, why) in self.invalid.items():
            label = f"{vocabulary().fields[name].zh}（{name}）" if lang == "zh" else name
            out.append(msg("from_invalid", lang, field=label, value=shown(value), why=translate(why, lang)))
        return out


def load_start(path: str) -> Start:
    """The answers a profile file or a draft gives (see ``Start``); the file may be incomplete.

    Raises ``SourceError`` for a file that cannot be read as one profile at all (missing, not
    YAML/JSON, a list or a table of profiles: ``sources.document.read_mapping``).
    """
    from advisor.sources.document import read_mapping

    source = "<stdin>" if path == "-" else path
    data = read_mapping(path, allow_empty=True)
    start, keys = Start(), {}  # keys: field -> the key that gave it
    for key, value in data.items():
        name = field_of(key)
        if name is None:
            start.dropped.append(str(key))
        elif value is None or (isinstance(value, str) and not value.strip()):
            continue
        elif name in keys:  # 企业名称 and name: which one is meant?
            raise ProfileError([f"keys {shown(keys[name])} and {shown(key)} both give field '{name}'; keep one"],
                               source)
        else:
            keys[name] = key
            try:
                start.values[name] = normalise(name, value)
            except ValueError as exc:
                start.invalid[name] = (value, str(exc))
    fields = vocabulary().fields
    start.values = {k: start.values[k] for k in fields if k in start.values}
    return start


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
        if p.parent.exists():
            raise SourceError(f"{path}: {p.parent} is a file, not a folder")
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
