"""The console: its encodings, its width and the language of the interface.

Output must never fail because of the console's code page. A Chinese Windows console redirected
to a file, or a server whose locale is ``zh_CN.GBK``, encodes standard output as GBK, which has
no ``¶``, ``⁹`` or ``✓``; a ``C``/``POSIX`` locale encodes it as ASCII. ``setup_streams`` (called
once, before any command runs):

- standard output and error keep the console's encoding (what it can show), except ASCII, which
  becomes UTF-8 (a ``C`` locale says nothing about the terminal, and the terminals in use show
  UTF-8); a character the encoding lacks goes through the ``advisor-console`` error handler:
  a substitute the encoding has (``✓`` → ``√``, ``10⁹`` → ``10^9``, ``−`` → ``-``, from
  ``console.yaml``), its compatibility form, else ``?``. Nothing is lost but that character.
- standard input in an ASCII locale is read as UTF-8, keeping undecodable bytes as surrogates
  (``surrogateescape``), so typed Chinese is read as typed; ``typed_text`` decodes such a line
  again as GB18030 when it was not UTF-8.

A character that has no substitute at all (``江`` on a ``latin-1`` console) would be lost:

- standard error writes it as its escape (``\\u6c5f``), and messages are in English on a console
  that cannot show Chinese (``interface_lang``);
- a command's text output (a table, Markdown, a memo) checks it can be shown before writing
  anything (``check_shown``): when it cannot, nothing is written and the error (exit 2) names the
  characters and what to do (a UTF-8 console, ``-f json``, ``--lang en``, ``-o FILE``). JSON and
  YAML write such characters as escapes (``advisor.formats.escape.json_for``), losing nothing.

Files the advisor writes are always UTF-8 (they are written as bytes); the console's encoding
only concerns what is shown.

``interface_lang`` is the language of help, usage errors and error messages: ``--lang`` when it
is given, else ``ADVISOR_LANG``, else the locale's language (``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG``: ``zh_CN.UTF-8`` is Chinese, ``en_US.UTF-8`` English), else Chinese;
English on a console that cannot show Chinese.
"""

from __future__ import annotations

import codecs
import functools
import io
import os
import sys
import unicodedata
from typing import TextIO

from advisor.errors import AdvisorError
from advisor.ui_text import package_data

HANDLER = "advisor-console"  # the codecs error handler registered by ``setup_streams``
ESCAPE_HANDLER = "advisor-console-escape"  # standard error's: as HANDLER, an escape (\u6c5f) at the last
SHOWN_LOST = 3  # characters a message about unshowable output names
# Simplified characters of the messages: an encoding without them (latin-1, but also Shift-JIS and
# Big5, which have other Chinese characters) gets messages in English.
_CHINESE_SAMPLE = "错误：画像无效，标准输出编码为，没有写出请使用区域设置"
DEFAULT_WIDTH = 80  # columns when the output is not a terminal and COLUMNS is not set
MIN_WIDTH = 20  # narrower than this, a table cannot be read whatever is done: use this
LANGS = ("zh", "en")
DEFAULT_LANG = "zh"


# --- encodings ------------------------------------------------------------------------------


@functools.cache
def _substitutes() -> dict[str, list[str]]:
    data = package_data("advisor", "console.yaml")
    return {ch: ([s] if isinstance(s, str) else list(s)) for ch, s in data["substitutes"].items()}


def _encodable(text: str, encoding: str) -> bool:
    try:
        codecs.encode(text, encoding)
    except (UnicodeError, LookupError):
        return False
    return True


def substitute(text: str, encoding: str) -> str:
    """``text`` (characters ``encoding`` lacks) as the closest text that ``encoding`` has.

    A run of superscript or subscript digits becomes ``^9`` / ``_2``; a character listed in
    ``console.yaml`` its first substitute the encoding has; otherwise its compatibility form
    (NFKC: a full-width or circled letter, a ligature), its letters without accents, and at the
    last ``?``. Never raises.
    """
    out: list[str] = []
    run_kind = ""
    for ch in text:
        kind = unicodedata.decomposition(ch).split(" ", 1)[0]
        if kind in ("<super>", "<sub>") and unicodedata.normalize("NFKC", ch).isalnum() \
                and not _encodable(ch, encoding):
            mark = "^" if kind == "<super>" else "_"
            out.append(("" if run_kind == kind else mark) + unicodedata.normalize("NFKC", ch))
            run_kind = kind
            continue
        run_kind = ""
        out.append(_one(ch, encoding))
    return "".join(out)


def _one(ch: str, encoding: str) -> str:
    if _encodable(ch, encoding):
        return ch
    for candidate in _substitutes().get(ch, []):
        if _encodable(candidate, encoding):
            return candidate
    for form in ("NFKC", "NFKD"):
        candidate = "".join(c for c in unicodedata.normalize(form, ch) if not unicodedata.combining(c))
        if candidate and candidate != ch and _encodable(candidate, encoding):
            return candidate
    return "\ufffd" if _encodable("\ufffd", encoding) else "?"


def _has_substitute(ch: str, encoding: str) -> bool:
    return _one(ch, encoding) not in ("?", "\ufffd") or ch in ("?", "\ufffd")


def lost(text: str, encoding: str) -> list[str]:
    """The characters of ``text`` (each once, in order) that ``encoding`` has no form or substitute
    for: ``substitute`` would write them as ``?``. Empty when ``text`` can be shown whole."""
    if _encodable(text, encoding):
        return []
    found: dict[str, bool] = {}
    for ch in text:
        if ch not in found:
            found[ch] = not _encodable(ch, encoding) and not _has_substitute(ch, encoding)
    return [ch for ch, gone in found.items() if gone]


def _escape(ch: str) -> str:
    code = ord(ch)
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _on_unencodable(exc: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = substitute(exc.object[exc.start:exc.end], exc.encoding)
    if text.isascii() or not codecs.lookup(exc.encoding).name.startswith("utf"):
        return text, exc.end
    return codecs.encode(text, exc.encoding), exc.end  # Unicode encoders take only ASCII text from a handler


def _on_unencodable_escaped(exc: UnicodeError) -> tuple[str | bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    chars = exc.object[exc.start:exc.end]
    missing = set(lost(chars, exc.encoding))
    if missing:
        return "".join(_escape(ch) if ch in missing else substitute(ch, exc.encoding) for ch in chars), exc.end
    return _on_unencodable(exc)


def _is_ascii(encoding: str | None) -> bool:
    try:
        return codecs.lookup(encoding or "ascii").name == "ascii"
    except LookupError:
        return True


def register_handler() -> None:
    """Register the ``advisor-console`` error handler (idempotent)."""
    codecs.register_error(HANDLER, _on_unencodable)
    codecs.register_error(ESCAPE_HANDLER, _on_unencodable_escaped)


def setup_streams() -> None:
    """Make standard output and error encode whatever is written, and standard input read
    typed Chinese in an ASCII locale (see the module's description). Streams that are not
    the process's own text files (a test's captured output) are left alone."""
    register_handler()
    for stream, handler in ((sys.stdout, HANDLER), (sys.stderr, ESCAPE_HANDLER)):
        if isinstance(stream, io.TextIOWrapper):
            encoding = "utf-8" if _is_ascii(stream.encoding) else stream.encoding
            try:
                stream.reconfigure(encoding=encoding, errors=handler)
            except (ValueError, OSError):  # a stream already written to in another encoding
                stream.reconfigure(errors=handler)
    stdin = sys.stdin
    if isinstance(stdin, io.TextIOWrapper) and _is_ascii(stdin.encoding):
        try:
            stdin.reconfigure(encoding="utf-8", errors="surrogateescape")
        except (ValueError, OSError):
            pass


def line_editing() -> None:
    """Line editing for typed answers (``readline``) that reads and shows UTF-8 in any locale.

    In a ``C``/``POSIX`` locale GNU readline takes the bytes of ``金`` for Meta key presses and
    the line arrives empty or as ``??``. Before readline starts, such a locale's character type
    becomes ``C.UTF-8`` (this process only); readline is also told to pass 8-bit input and output
    through. Does nothing where readline is missing.
    """
    import locale

    if _is_ascii(locale.nl_langinfo(locale.CODESET) if hasattr(locale, "nl_langinfo") else "utf-8"):
        for name in ("C.UTF-8", "C.utf8", "en_US.UTF-8", "UTF-8"):
            try:
                locale.setlocale(locale.LC_CTYPE, name)
                break
            except locale.Error:
                continue
    try:
        import readline
    except ImportError:  # pragma: no cover - platforms without readline
        return
    for setting in ("set input-meta on", "set output-meta on", "set convert-meta off"):
        readline.parse_and_bind(setting)


def output_encoding(stream: TextIO | None = None) -> str:
    """The encoding ``stream`` (standard output by default) writes, ``utf-8`` if it says none."""
    stream = stream or sys.stdout
    return getattr(stream, "encoding", None) or "utf-8"


class UnshownOutput(AdvisorError):
    """Output that the console's encoding cannot show (Chinese on a ``latin-1`` console): nothing
    was written (exit 2)."""


def check_shown(text: str, lang: str, options: tuple[str, ...] = (), stream: TextIO | None = None,
                english_shows: bool = True) -> None:
    """Raise ``UnshownOutput`` when ``stream`` (standard output by default) cannot show ``text``
    without losing characters (``lost``), before anything is written.

    The message names the encoding and the first characters it lacks; the hint says what shows
    them: a UTF-8 console, or ``options`` (``-f json``, ``-o FILE``: what the command has), and
    ``--lang en`` when the output is in Chinese and ``english_shows`` (False where English output
    still cites Chinese titles of laws: a recommendation, a memo, the rules' sources).
    """
    encoding = output_encoding(stream)
    missing = lost(text, encoding)
    if not missing:
        return
    gone = set(missing)
    count = sum(1 for ch in text if ch in gone)
    named = ", ".join(f"'{ch}'" for ch in missing[:SHOWN_LOST])
    more = len(missing) - SHOWN_LOST
    named += f" and {more:,} more" if more > 0 else ""
    ways = [*options, *(["--lang en"] if lang == "zh" and english_shows else [])]
    hint = ("set a UTF-8 encoding (PYTHONIOENCODING=utf-8, or a UTF-8 locale such as LANG=en_US.UTF-8)"
            + (f"; or use: {' / '.join(ways)}" if ways else ""))
    raise UnshownOutput(f"standard output is {codecs.lookup(encoding).name}, which cannot show {named} "
                        f"({count:,} characters of this output); nothing was written", hint=hint)


def check_dialogue(lang: str) -> None:
    """Before a dialogue on the console (``ask``): in Chinese on a console that cannot show
    Chinese, ``UnshownOutput`` (nothing was asked); in English there, characters that it lacks
    (``80万`` in a hint, a Chinese name) are written as escapes (``80\\u4e07``) rather than lost."""
    if shows_chinese():
        return
    if lang == "zh":
        encoding = codecs.lookup(output_encoding()).name
        raise UnshownOutput(f"standard output is {encoding}, which cannot show Chinese; nothing was asked",
                            hint="set a UTF-8 encoding (PYTHONIOENCODING=utf-8, or a UTF-8 locale such as "
                                 "LANG=en_US.UTF-8); or use: --lang en")
    register_handler()
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(errors=ESCAPE_HANDLER)


def shows_chinese() -> bool:
    """Whether standard output and standard error can show Chinese (not on a ``latin-1`` console)."""
    return all(_encodable(_CHINESE_SAMPLE, output_encoding(stream)) for stream in (sys.stdout, sys.stderr))


def typed_text(line: str) -> str:
    """A line read from standard input, decoded right: bytes kept as surrogates (not UTF-8)
    are decoded again as GB18030 (a GBK terminal in a ``C`` locale); what still does not
    decode becomes U+FFFD."""
    if not any("\udc80" <= ch <= "\udcff" for ch in line):
        return line
    raw = line.encode("utf-8", "surrogateescape")
    for encoding in ("utf-8", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


# --- width ----------------------------------------------------------------------------------


def terminal_width(stream: TextIO | None = None) -> int:
    """Columns available on ``stream`` (standard output by default).

    ``COLUMNS`` when set to a whole number; else the terminal's width when ``stream`` is a
    terminal; else ``DEFAULT_WIDTH`` (a file or a pipe: the same bytes on every run). Never
    less than ``MIN_WIDTH``.
    """
    stream = stream or sys.stdout
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return max(MIN_WIDTH, int(columns))
    try:
        if stream.isatty():
            width = os.get_terminal_size(stream.fileno()).columns
            if width > 0:
                return max(MIN_WIDTH, width)
    except (AttributeError, ValueError, OSError, io.UnsupportedOperation):
        pass
    return DEFAULT_WIDTH


# --- language -------------------------------------------------------------------------------


def lang_of(value: str | None) -> str | None:
    """``zh`` or ``en`` for a language tag or locale name (``zh``, ``zh_CN.UTF-8``, ``zh-Hans``,
    ``en_US``, ``EN``), ``None`` when it names neither (``C``, ``POSIX``, empty)."""
    if not value:
        return None
    from advisor.vocabulary import narrow

    value = narrow(value)  # ＥＮ, ｚｈ＿ＣＮ as an input method types them
    tag = value.strip().split(":")[0].split(".")[0].split("@")[0].replace("-", "_").lower()
    first = tag.split("_")[0]
    if first in LANGS:
        return first
    if first in ("c", "posix", ""):
        return None
    return "en"  # another language: English is the closer of the two for its readers


def lang_tag(value: str | None) -> str | None:
    """``zh`` or ``en`` for a tag that names one of them (``zh``, ``zh-CN``, ``en_US.UTF-8``),
    else ``None`` (another language, ``C``, empty)."""
    found = lang_of(value)
    from advisor.vocabulary import narrow

    first = narrow(value or "").strip().replace("-", "_").split("_")[0].split(".")[0].lower()
    return found if first in LANGS else None


def locale_lang() -> str | None:
    """The language the locale names (``LANGUAGE``, ``LC_ALL``, ``LC_MESSAGES``, ``LANG``), or ``None``."""
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name)
        if value:
            found = lang_of(value)
            if found is not None or name != "LANGUAGE":
                return found
    return None


_explicit: list[str] = []  # the --lang of the command being run, when it was given


def remember_lang(lang: str | None) -> None:
    """Record the ``--lang`` given on the command line (``None`` forgets it)."""
    _explicit[:] = [lang] if lang else []


def interface_lang() -> str:
    """The language of help, usage errors and messages (see the module's description)."""
    lang = _explicit[0] if _explicit else lang_tag(os.environ.get("ADVISOR_LANG")) or locale_lang() or DEFAULT_LANG
    return "en" if lang == "zh" and not shows_chinese() else lang  # Chinese would be lost: English


def unknown_lang_variable() -> str | None:
    """``ADVISOR_LANG``'s value when it is set but names no language advisor has (``fr``,
    ``eng``): it is then ignored, and the command line warns (``None``: unset, empty or known)."""
    value = os.environ.get("ADVISOR_LANG", "")
    return value if value.strip() and lang_tag(value) is None else None


def output_lang_default() -> str:
    """The default of ``--lang`` (the language of the output): ``ADVISOR_LANG``, else Chinese.

    The locale does not change it: a report for a client is in Chinese unless asked otherwise,
    also on a server whose locale is ``en_US``.
    """
    return lang_tag(os.environ.get("ADVISOR_LANG")) or DEFAULT_LANG
