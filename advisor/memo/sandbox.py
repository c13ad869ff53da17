"""Memo templates in Jinja2's sandbox, with explicit limits on what a template may cost.

The sandbox (``jinja2.sandbox.SandboxedEnvironment``) stops a template from reaching Python's
internals (``memo.__class__`` and the like). It does not stop a template from running for ever
or filling the memory: two nested ``range(100000)`` loops, ``"x" * 10**10``, ``{% include
"/etc/passwd" %}``. A user's template (``--template``) is therefore also held to these limits,
each crossing a ``RenderError`` that names the template and, where it can, the line:

- the file: at most ``MAX_TEMPLATE_BYTES`` read (``--template /dev/zero`` stops at once);
- one self-contained file: ``include``, ``import``, ``from … import`` and ``extends`` are refused
  when the template is read;
- loops: at most ``MAX_ITERATIONS`` iterations in all (every ``for``, whatever it loops over);
- strings and lists built by an expression or a filter: at most ``MAX_STRING`` items, checked
  before the work where the size can be known (``*``, ``**``, ``%``, padding, ``replace``,
  ``join``, ``indent``) and after it elsewhere;
- the memo: at most ``MAX_OUTPUT_CHARS`` characters;
- time: ``MAX_SECONDS`` of wall-clock time, when rendering on the main thread (a timer signal;
  elsewhere the limits above bound the work); deep recursion and memory errors are caught.

The packaged templates are trusted: they are compiled once and run in the plain sandbox.
"""

from __future__ import annotations

import functools
import re
import signal
import threading
from pathlib import Path
from typing import Any, Callable, Mapping

from advisor.errors import RenderError

MAX_TEMPLATE_BYTES = 256 * 1024  # the packaged templates are 2-4 KB
MAX_ITERATIONS = 1_000_000  # loop iterations in one render; a memo needs a few thousand
MAX_STRING = 1_000_000  # characters (or items) one expression may build
MAX_OUTPUT_CHARS = 5_000_000  # a memo is 10-50 KB of text
MAX_SECONDS = 5.0
MAX_POWER_BITS = 10_000  # ``a ** b`` with a result of more bits is refused before it is computed

# A %-format or str.format width or precision of seven digits and more: "%999999999s" pads to 1 GB.
_WIDE_PERCENT = re.compile(r"%[-#0 +]*(\d{7,}|\d*\.\d{7,})")
_WIDE_BRACES = re.compile(r"\{[^{}]*:[^{}]*\d{7,}[^{}]*\}")
_FORBIDDEN = {"Include": "{% include %}", "Import": "{% import %}", "FromImport": "{% from … import %}",
              "Extends": "{% extends %}"}


class _LimitExceeded(Exception):
    """A limit crossed inside the template; becomes a ``RenderError`` with the template's line."""


class _Budget:
    """What one render has spent so far."""

    def __init__(self) -> None:
        self.iterations = 0
        self.active = True  # the timer only interrupts while this is set

    def count(self, iterable: Any):
        for item in iterable:
            self.iterations += 1
            if self.iterations > MAX_ITERATIONS:
                raise _LimitExceeded(f"the template loops more than {MAX_ITERATIONS:,} times in all "
                                     f"(loops inside loops?)")
            yield item


def read_template(path: str | Path) -> str:
    """The text of a user's template file, at most ``MAX_TEMPLATE_BYTES`` read."""
    try:
        with open(path, "rb") as file:
            data = file.read(MAX_TEMPLATE_BYTES + 1)
    except OSError as exc:
        raise RenderError(f"{path}: cannot read the template: {exc.strerror}") from None
    if len(data) > MAX_TEMPLATE_BYTES:
        raise RenderError(f"{path}: the template is larger than {MAX_TEMPLATE_BYTES // 1024} KB "
                          "(a memo template is a few KB); is it the right file?")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RenderError(f"{path}: the template is not UTF-8 text (byte {exc.start})") from None


def render(source: str, name: str, memo: Any, *, html: bool, filters: Mapping[str, Callable],
           trusted: bool) -> str:
    """``source`` rendered with ``memo``; a user's (``trusted=False``) within the limits above."""
    import jinja2

    if trusted:
        template = _trusted_template(source, html, tuple(filters.items()))
        try:
            out = template.render(memo=memo)
        except jinja2.TemplateError as exc:
            raise RenderError(f"{name}: the template failed: {exc}") from None
        return out if out.endswith("\n") else out + "\n"

    budget = _Budget()
    env = _limited_environment(html, filters, budget)
    try:
        tree = env.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{name}: line {exc.lineno}: template syntax error: {exc.message}") from None
    _refuse_other_files(tree, name)
    _count_loops(tree)
    try:
        template = env.from_string(tree)
    except jinja2.TemplateSyntaxError as exc:
        raise RenderError(f"{name}: line {exc.lineno}: template syntax error: {exc.message}") from None
    out = _timed(lambda: _collect(template, memo), budget, name)
    return out if out.endswith("\n") else out + "\n"


@functools.lru_cache(maxsize=8)
def _trusted_template(source: str, html: bool, filters: tuple):
    import jinja2
    from jinja2.sandbox import SandboxedEnvironment

    env = SandboxedEnvironment(autoescape=html, undefined=jinja2.StrictUndefined, trim_blocks=True,
                               lstrip_blocks=True, keep_trailing_newline=True)
    env.filters.update(dict(filters))
    return env.from_string(source)


def _collect(template: Any, memo: Any) -> str:
    parts: list[str] = []
    size = 0
    for part in template.generate(memo=memo):
        size += len(part)
        if size > MAX_OUTPUT_CHARS:
            raise _LimitExceeded(f"the memo would be longer than {MAX_OUTPUT_CHARS:,} characters")
        parts.append(part)
    return "".join(parts)


def _timed(work: Callable[[], str], budget: _Budget, name: str) -> str:
    """Run ``work`` under the time limit (on the main thread), turning every failure into a RenderError."""
    timer = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    previous = None
    if timer:
        def expired(signum: int, frame: Any) -> None:
            if budget.active:
                raise _LimitExceeded(f"rendering took more than {MAX_SECONDS:g} s (loops inside loops?)")

        previous = signal.signal(signal.SIGALRM, expired)
        signal.setitimer(signal.ITIMER_REAL, MAX_SECONDS)
    try:
        try:
            return work()
        finally:
            budget.active = False  # a timer firing from here on does nothing
    except _LimitExceeded as exc:
        raise RenderError(f"{name}:{_line(exc)} {exc}; stopped") from None
    except RecursionError as exc:
        raise RenderError(f"{name}:{_line(exc)} the template calls itself too deeply (a macro or a recursive "
                          "loop that never stops?)") from None
    except MemoryError as exc:
        raise RenderError(f"{name}:{_line(exc)} the template needs more memory than there is; stopped") from None
    except Exception as exc:  # noqa: BLE001 -- anything a user's template raises is the template's fault
        from jinja2.exceptions import SecurityError, TemplateError

        if isinstance(exc, SecurityError):
            raise RenderError(f"{name}:{_line(exc)} not allowed in a memo template: {exc}") from None
        if isinstance(exc, TemplateError):
            raise RenderError(f"{name}:{_line(exc)} the template failed: {exc}") from None
        raise RenderError(f"{name}:{_line(exc)} the template failed: {type(exc).__name__}: {exc}") from None
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _line(exc: BaseException) -> str:
    """`` line N:`` of the innermost template frame of ``exc``'s traceback ('' when none)."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return f" line {line}:" if line else ""


def _refuse_other_files(tree: Any, name: str) -> None:
    from jinja2 import nodes

    for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        construct = _FORBIDDEN[type(node).__name__]
        raise RenderError(f"{name}: line {node.lineno}: {construct} is not allowed in a memo template: a template "
                          "is one self-contained file (copy the text it needs into it)")


def _count_loops(tree: Any) -> None:
    """Make every ``for`` loop draw its items through the render's budget.

    ``environment.count_loop`` is an attribute of the environment, so a template cannot shadow it.
    """
    from jinja2 import nodes

    for loop in tree.find_all(nodes.For):
        loop.iter = nodes.Call(nodes.EnvironmentAttribute("count_loop"), [loop.iter], [], None, None,
                               lineno=loop.lineno)


def _limited_environment(html: bool, filters: Mapping[str, Callable], budget: _Budget):
    import jinja2
    from jinja2.compiler import CodeGenerator
    from jinja2.sandbox import SandboxedEnvironment

    class Generator(CodeGenerator):
        """``a ~ b`` checked like ``a + b``: a template cannot double a string without end."""

        def visit_Concat(self, node, frame) -> None:
            self.write("environment.bounded(")
            super().visit_Concat(node, frame)
            self.write(")")

    class Limited(SandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%", "+"})
        code_generator_class = Generator

        def call_binop(self, context, operator, left, right):
            if operator == "*":
                _check_repeat(left, right)
            elif operator == "**":
                _check_power(left, right)
            elif operator == "%":
                _check_format_text(left)
            return _bounded(super().call_binop(context, operator, left, right))

        def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 -- the sandbox's own signature
            _check_call(__obj, args, kwargs)
            return _bounded(super().call(__context, __obj, *args, **kwargs))

    env = Limited(autoescape=html, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                  keep_trailing_newline=True)
    env.count_loop = budget.count
    env.bounded = _bounded
    env.globals.pop("lipsum", None)  # lipsum(n) writes n paragraphs
    env.filters.update(filters)
    for key, function in list(env.filters.items()):
        env.filters[key] = _checked_filter(key, function)
    return env


# --- size checks ----------------------------------------------------------------------------------


def _too_big(what: str) -> _LimitExceeded:
    return _LimitExceeded(f"{what} would be longer than {MAX_STRING:,} characters or items")


def _bounded(value: Any) -> Any:
    if isinstance(value, (str, bytes, list, tuple)) and len(value) > MAX_STRING:
        raise _too_big("a value")
    return value


def _check_repeat(left: Any, right: Any) -> None:
    for seq, times in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_STRING:
            raise _too_big("a repeated string or list")


def _check_power(base: Any, exponent: Any) -> None:
    if isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1 and exponent > 0:
        if abs(base).bit_length() * exponent > MAX_POWER_BITS:
            raise _LimitExceeded(f"a power with more than {MAX_POWER_BITS:,} bits is not computed")


def _check_format_text(text: Any) -> None:
    if isinstance(text, str) and (_WIDE_PERCENT.search(text) or _WIDE_BRACES.search(text)):
        raise _too_big("a formatted value")


def _check_numbers(args: tuple, kwargs: Mapping[str, Any]) -> None:
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_STRING:
            raise _LimitExceeded(f"a number above {MAX_STRING:,} given to a function or filter")


def _check_call(function: Any, args: tuple, kwargs: Mapping[str, Any]) -> None:
    """Before a call: what a string method would build, when its arguments say it."""
    _check_numbers(args, kwargs)
    owner = getattr(function, "__self__", None)
    if not isinstance(owner, str):  # the sandbox wraps str.format; the string is the wrapped method's owner
        owner = getattr(getattr(function, "__wrapped__", None), "__self__", None)
    if not isinstance(owner, str):
        return
    method = getattr(function, "__name__", "")
    _check_format_text(owner)
    if method == "replace" and len(args) >= 2:
        _check_replace(owner, args[0], args[1])
    elif method == "expandtabs" and args and isinstance(args[0], int):
        if owner.count("\t") * args[0] > MAX_STRING:
            raise _too_big("expanded tabs")
    elif method == "join" and args:
        _check_join(owner, args[0])


def _check_replace(text: Any, old: Any, new: Any) -> None:
    if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
        times = len(text) + 1 if not old else text.count(old)
        if len(text) + times * len(new) > MAX_STRING:
            raise _too_big("a replaced string")


def _check_join(separator: Any, items: Any) -> None:
    if isinstance(items, (list, tuple)):
        size = len(str(separator)) * len(items) + sum(len(x) for x in items if isinstance(x, str))
        if size > MAX_STRING:
            raise _too_big("a joined string")


def _checked_filter(key: str, function: Callable) -> Callable:
    """A filter that checks its arguments before and its result after it runs."""
    # Filters marked pass_context/pass_environment/pass_eval_context get that first.
    passes = getattr(function, "jinja_pass_arg", None) is not None

    @functools.wraps(function)
    def checked(*args: Any, **kwargs: Any) -> Any:
        given = args[1:] if passes else args
        value, rest = (given[0], given[1:]) if given else (None, ())
        _check_numbers(rest, kwargs)
        if key == "format":
            _check_format_text(value)
        elif key == "replace" and len(rest) >= 2:
            _check_replace(value, rest[0], rest[1])
        elif key == "join" and isinstance(value, (list, tuple)):
            _check_join(rest[0] if rest else kwargs.get("d", ""), value)
        elif key == "indent" and isinstance(value, str):
            width = rest[0] if rest else kwargs.get("width", 4)
            pad = width if isinstance(width, int) else len(str(width))
            if (value.count("\n") + 1) * pad + len(value) > MAX_STRING:
                raise _too_big("an indented string")
        return _bounded(function(*args, **kwargs))

    return checked
