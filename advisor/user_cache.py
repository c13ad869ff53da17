"""Files kept between runs in the user's cache folder, to make a later run start faster.

``$XDG_CACHE_HOME/advisor`` (``~/.cache/advisor``) holds the validated, compiled rule pack
(``advisor.engine.pack_cache``), the layout of texts already measured for the terminal
(``advisor.formats.lines``) and the parsed data files shipped with the package
(``advisor.ui_text.package_data``). Each file is named by a key made from what its content depends on,
so a stale file is never read; the folder is safe to delete at any time.

A cache can make a run faster, never make it fail nor change what it prints: ``read`` gives
None for a missing, unreadable, truncated or corrupt file, ``write`` never raises (a read-only
home, a full disk). ``ADVISOR_NO_PACK_CACHE=1`` turns every such cache off.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from typing import Any

ENV_DISABLE = "ADVISOR_NO_PACK_CACHE"  # set (to anything but "" or "0") to keep and read nothing


def enabled() -> bool:
    """False when ``ADVISOR_NO_PACK_CACHE`` is set to anything but ``""`` or ``"0"``."""
    return os.environ.get(ENV_DISABLE, "") in ("", "0")


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/advisor``, else ``~/.cache/advisor``."""
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    return (Path(base) if base and os.path.isabs(base) else Path.home() / ".cache") / "advisor"


def read(path: Path) -> Any:
    """The object pickled in ``path``, or None when it cannot be read whole (missing,
    unreadable, truncated, corrupt, from another layout)."""
    try:
        with open(path, "rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001  (any fault of the file: the caller loads normally)
        return None


def write(path: Path, value: Any) -> None:
    """Pickle ``value`` to ``path`` whole or not at all (a temporary file renamed); never raises.

    The cache folder (``path``'s) and ``.cache`` are made when missing, but only inside an
    existing folder: with ``HOME=/nonexistent`` (a system account) nothing is written."""
    import tempfile  # only a run that writes pays for it

    try:
        if not path.parent.is_dir():
            if not path.parent.parent.parent.is_dir():  # $HOME (or $XDG_CACHE_HOME's parent) missing:
                return  # never create a home folder (HOME=/nonexistent); a run without a cache is normal
            path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as f:
                pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except Exception:  # noqa: BLE001  (a read-only home, a full disk, a value that does not pickle)
        pass
