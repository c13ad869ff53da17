"""The validated, compiled rule pack kept between runs, in the user's cache folder.

Reading, validating and cross-checking the YAML of a pack takes most of a one-profile run's own
time. The result is kept as a pickle in ``$XDG_CACHE_HOME/advisor`` (``~/.cache/advisor``),
one file per pack content, keyed on the content hash of the rule files (names and bytes, as the
pack's version is) with advisor's and Python's versions and the source of the
modules whose objects it holds: a changed rule file, a new release, a changed model (even in an
editable install, where the version stays) or another interpreter gets a new key, so a stale
entry is never read. The folder is safe to delete at any time.

What is kept: the ``RulePack`` (the validated models) and the ``CompiledPack`` (the durable-rules
ruleset JSON and the stage plan; each field test is kept as its conditions and made into a
Python test again on loading). The rulesets themselves are registered in durable-rules' C engine
by ``engine.runtime.Runtime`` in every process: that part cannot be kept.

Any problem with the cache — missing, unreadable, corrupt, from another layout, a folder that
cannot be written — falls back silently to a normal load: the cache can make a run faster, never
make it fail. A pack that does not load is never cached (its errors are reported on every run).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

from advisor import user_cache
from advisor.bounded import RULE_FILE_BYTES, TooLarge, read_bounded
from advisor.user_cache import ENV_DISABLE, cache_dir

__all__ = ["ENV_DISABLE", "LAYOUT", "MODEL_MODULES", "MODEL_PACKAGES", "cache_dir", "load", "model_sources"]

LAYOUT = 3  # bump when the pickled shape changes without a version change


# The packages whose classes the pickle holds (the pack's models, the compiled pack, the price
# book): their source is part of the key, so a changed model never meets a pickle of the old one
# (an attribute the new code reads and the old object lacks), whether or not the version changed.
MODEL_PACKAGES = ("engine", "costs")
MODEL_MODULES = ("records.py",)  # the records' base: how a record is made and unpickled


def _key(root: Path) -> str | None:
    """The key of the pack in ``root`` from its files' names and bytes, and from the source files
    of the modules whose objects the pickle holds, by size and time of change (None: not readable)."""
    from advisor import __version__

    try:
        paths = sorted(root.glob("*.yaml")) + sorted(root.glob("*.yml"))
        digest = hashlib.sha256(f"{LAYOUT}\0{__version__}\0{sys.version}\0"
                                f"{root.resolve()}\0".encode())  # the pack records its folder
        for source in model_sources():  # their size and time of change: a stat each, no reading
            found = source.stat()
            digest.update(f"{source.name}\0{found.st_size}\0{found.st_mtime_ns}\0".encode())
        for path in paths:
            digest.update(path.name.encode() + b"\0" + read_bounded(path, RULE_FILE_BYTES) + b"\0")
    except (OSError, TooLarge):  # the load says what is wrong with the file
        return None
    return digest.hexdigest()[:32] if paths else None


def model_sources() -> list[Path]:
    """The source files of ``MODEL_PACKAGES`` (``advisor/engine/*.py``, ``advisor/costs/*.py``) and
    ``MODEL_MODULES`` (``advisor/records.py``), in order."""
    package = Path(__file__).resolve().parents[1]
    return ([path for name in MODEL_PACKAGES for path in sorted((package / name).glob("*.py"))]
            + [package / name for name in MODEL_MODULES])


def load(directory: str | Path | None, name: str) -> tuple[Any, Any]:
    """``(RulePack, CompiledPack)`` for the pack in ``directory`` (the bundled pack by default),
    its rulesets named ``name``: from the cache when it holds this pack, else loaded, checked
    and compiled (``RuleLoadError`` for a broken pack) and then kept for the next run."""
    from advisor.engine.loader import bundled_rules_dir

    root = Path(directory) if directory is not None else bundled_rules_dir()
    use = user_cache.enabled() and root.is_dir()
    key = _key(root) if use else None
    path = cache_dir() / f"pack-{key}.pickle" if key else None
    if path is not None:
        found = _read(path)
        if found is not None:
            from advisor.engine.compiler import renamed

            pack, compiled = found
            return pack, renamed(compiled, name)
    from advisor.engine.compiler import compile_pack
    from advisor.engine.loader import load_pack

    pack = load_pack(root)
    compiled = compile_pack(pack, name)
    if path is not None:
        user_cache.write(path, (pack, compiled))
    return pack, compiled


def _read(path: Path) -> tuple[Any, Any] | None:
    found = user_cache.read(path)  # None: missing, unreadable, truncated, another layout
    if found is None:
        return None
    from advisor.engine.compiler import CompiledPack
    from advisor.engine.loader import RulePack

    if (type(found) is not tuple or len(found) != 2 or not isinstance(found[0], RulePack)
            or not isinstance(found[1], CompiledPack)):
        return None
    return found
