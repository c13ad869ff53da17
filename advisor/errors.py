"""One error tree for everything a user can get wrong.

Library code raises these; only the CLI turns them into a message and an exit status.
"""

from __future__ import annotations


class AdvisorError(Exception):
    """Base of every error shown to a user: a message, and optionally a hint."""

    exit_code = 2

    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class ProfileError(AdvisorError):
    """An invalid enterprise profile: names the source, record, field, value and what is allowed."""

    def __init__(
        self,
        problems: list[str],
        source: str | None = None,
        record: int | None = None,
        line: int | None = None,
    ) -> None:
        self.problems = problems
        self.source = source
        self.record = record
        self.line = line
        where = []
        if source:
            where.append(source)
        if record is not None:
            where.append(f"record {record}")
        if line is not None:
            where.append(f"line {line}")
        prefix = f"{', '.join(where)}: " if where else ""
        if len(problems) == 1:
            message = f"{prefix}invalid profile: {problems[0]}"
        else:
            message = f"{prefix}invalid profile:\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(message)

    def located(self, source: str | None = None, record: int | None = None, line: int | None = None) -> "ProfileError":
        """The same problems, with a (more precise) location."""
        return ProfileError(
            self.problems,
            source=source or self.source,
            record=record if record is not None else self.record,
            line=line if line is not None else self.line,
        )


class SourceError(AdvisorError):
    """An input that cannot be read at all (missing file, broken YAML/JSON/CSV, bad encoding)."""


class RuleLoadError(AdvisorError):
    """A rule pack that does not load: names the file, the rule id and what is wrong."""

    def __init__(self, problems: list[str], path: str | None = None) -> None:
        self.problems = problems
        self.path = path
        head = f"rule pack {path}: " if path else "rule pack: "
        if len(problems) == 1:
            message = head + problems[0]
        else:
            message = head + f"{len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems)
        super().__init__(message)


class EngineError(AdvisorError):
    """The rule engine misbehaved (a bug, not a user mistake)."""

    exit_code = 3


class RenderError(AdvisorError):
    """An output could not be rendered (e.g. a broken user template)."""


class PriceBookError(AdvisorError):
    """A price file (``--prices FILE``) that cannot be used: names the file, the item and the problem."""

    @classmethod
    def of(cls, name: str, problems: list[str]) -> "PriceBookError":
        """One error for every problem found in the file ``name``."""
        if len(problems) == 1:
            return cls(problems[0])
        return cls(f"{name}: {len(problems)} problems\n" + "\n".join(f"  - {p}" for p in problems))
