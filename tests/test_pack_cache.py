"""The validated, compiled pack kept in the user's cache folder (advisor.engine.pack_cache)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from conftest import PROFILES, ROOT, RULES


def _advise(env_cache, *args: str, no_cache: bool = False) -> subprocess.CompletedProcess:
    env = {**os.environ, "XDG_CACHE_HOME": str(env_cache)}
    env.pop("ADVISOR_NO_PACK_CACHE", None)
    if no_cache:
        env["ADVISOR_NO_PACK_CACHE"] = "1"
    return subprocess.run([sys.executable, "-m", "advisor", "advise", *args], cwd=ROOT, env=env,
                          capture_output=True, timeout=120)


def _entries(cache) -> list:
    folder = cache / "advisor"
    return sorted(folder.glob("pack-*.pickle")) if folder.is_dir() else []


@pytest.mark.parametrize("fmt", ["json", "table", "markdown"])
def test_a_cached_run_gives_the_bytes_of_a_cold_run(tmp_path, fmt):
    profile = str(PROFILES / "05-hybrid-bank.yaml")
    args = (profile, "-f", fmt, "--as-of", "2026-06-01")
    cold = _advise(tmp_path, *args, no_cache=True)
    assert cold.returncode == 0, cold.stderr
    assert not _entries(tmp_path)  # ADVISOR_NO_PACK_CACHE: nothing kept
    first = _advise(tmp_path, *args)  # loads the YAML and keeps the pack
    assert len(_entries(tmp_path)) == 1
    cached = _advise(tmp_path, *args)  # from the cache
    assert first.returncode == cached.returncode == 0
    assert cached.stdout == first.stdout == cold.stdout
    assert cached.stderr == cold.stderr == b""


def test_the_cache_is_read_instead_of_the_yaml(tmp_path, monkeypatch):
    from advisor.engine import loader, pack_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.delenv("ADVISOR_NO_PACK_CACHE", raising=False)
    pack, compiled = pack_cache.load(None, "cache_test_a")
    assert len(_entries(tmp_path)) == 1

    def refuse(*args, **kwargs):
        raise AssertionError("the YAML was read although the cache holds the pack")

    monkeypatch.setattr(loader, "load_pack", refuse)
    again, recompiled = pack_cache.load(None, "cache_test_b")
    assert again.version == pack.version and [r.id for r in again.rules] == [r.id for r in pack.rules]
    assert recompiled.name == "cache_test_b" and all(c.name.startswith("cache_test_b") for c in recompiled.chunks)
    assert [c.ruleset for c in recompiled.chunks] == [c.ruleset for c in compiled.chunks]
    # the field tests were made again from their conditions, and decide alike
    facts = {"sector": "finance", "privacy": "high", "size": "large", "budget": "high", "use_cases": []}
    for name, literal in compiled.literals.items():
        assert recompiled.literals[name].test(facts) == literal.test(facts)


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05garbage", None])
def test_a_corrupt_cache_falls_back_to_a_normal_load(tmp_path, damage):
    profile = str(PROFILES / "01-gov-onprem.yaml")
    cold = _advise(tmp_path, profile, "-f", "json", "--as-of", "2026-06-01", no_cache=True)
    _advise(tmp_path, profile, "-f", "json")
    (entry,) = _entries(tmp_path)
    if damage is None:  # half written, as if the disk filled up
        entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    else:
        entry.write_bytes(damage)
    run = _advise(tmp_path, profile, "-f", "json", "--as-of", "2026-06-01")
    assert run.returncode == 0 and run.stderr == b""
    assert run.stdout == cold.stdout
    assert entry.stat().st_size > 1000  # written again whole


def test_an_unwritable_cache_folder_falls_back_silently(tmp_path):
    profile = str(PROFILES / "01-gov-onprem.yaml")
    blocked = tmp_path / "a-file"
    blocked.write_text("the cache folder cannot be made under a file")
    cold = _advise(tmp_path / "fresh", profile, "-f", "json", "--as-of", "2026-06-01", no_cache=True)
    run = _advise(blocked, profile, "-f", "json", "--as-of", "2026-06-01")
    assert run.returncode == 0 and run.stderr == b""
    assert run.stdout == cold.stdout
    if os.geteuid() != 0:  # root writes into read-only folders anyway
        readonly = tmp_path / "readonly"
        readonly.mkdir(mode=0o500)
        run = _advise(readonly, profile, "-f", "json", "--as-of", "2026-06-01")
        assert run.returncode == 0 and run.stderr == b"" and run.stdout == cold.stdout


def test_a_changed_rule_file_is_loaded_afresh(tmp_path, monkeypatch):
    from advisor.engine import pack_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ADVISOR_NO_PACK_CACHE", raising=False)
    pack_dir = tmp_path / "rules"
    shutil.copytree(RULES, pack_dir)
    pack, _ = pack_cache.load(pack_dir, "cache_test_c")
    before = pack.by_id["COMP-PI-PERSONAL"].description.en
    path = pack_dir / "compliance.yaml"
    path.write_text(path.read_text("utf-8").replace(before, "Changed: " + before), "utf-8")
    changed, _ = pack_cache.load(pack_dir, "cache_test_d")
    assert changed.by_id["COMP-PI-PERSONAL"].description.en == "Changed: " + before
    assert changed.version != pack.version
    assert len(_entries(tmp_path / "cache")) == 2


def test_a_broken_pack_is_not_cached(tmp_path, monkeypatch):
    from advisor.engine import pack_cache
    from advisor.errors import RuleLoadError

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ADVISOR_NO_PACK_CACHE", raising=False)
    pack_dir = tmp_path / "rules"
    shutil.copytree(RULES, pack_dir)
    (pack_dir / "broken.yaml").write_text("rules:\n  - id: X\n    when: {nonsense: 1}\n", "utf-8")
    for _ in range(2):
        with pytest.raises(RuleLoadError):
            pack_cache.load(pack_dir, "cache_test_e")
    assert not _entries(tmp_path / "cache")


def test_a_changed_model_module_is_a_new_key_even_with_the_same_version(tmp_path, monkeypatch):
    # A model gained a field (costs.usage.priced_as_text) with the version unchanged: the pickle of
    # the old model was read, and the new code met an object without the field (exit 3).
    from pathlib import Path

    from advisor.engine import pack_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("ADVISOR_NO_PACK_CACHE", raising=False)
    sources = pack_cache.model_sources()
    names = {(p.parent.name, p.name) for p in sources}
    assert {("engine", "schema.py"), ("engine", "loader.py"), ("engine", "compiler.py"),
            ("costs", "schema.py"), ("costs", "book.py"), ("advisor", "records.py")} <= names
    pack_cache.load(RULES, "cache_test_m1")
    pack_cache.load(RULES, "cache_test_m2")
    assert len(_entries(tmp_path / "cache")) == 1
    changed = tmp_path / "schema.py"
    changed.write_bytes(Path(sources[0]).read_bytes() + b"\n# a new field\n")
    monkeypatch.setattr(pack_cache, "model_sources", lambda: [changed, *sources[1:]])
    pack_cache.load(RULES, "cache_test_m3")
    assert len(_entries(tmp_path / "cache")) == 2
