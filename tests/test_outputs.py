"""Where outputs go and what happens when writing them fails: links, FIFOs, devices, a full disk,
signals, killed runs, closed pipes, empty inputs, an interrupted batch."""

from __future__ import annotations

import errno
import io
import os
import signal
import stat
import subprocess
import sys
import threading
import time

import pytest
from batch_data import client_rows, write_csv
from conftest import PROFILES, ROOT

BANK = PROFILES / "05-hybrid-bank.yaml"


def advisor_process(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "advisor", *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)


@pytest.fixture()
def clients(tmp_path):
    return write_csv(tmp_path / "clients.csv", client_rows(30, seed=4))


# --- symbolic links, FIFOs and devices --------------------------------------------------------------


def test_output_through_a_symlink_replaces_its_target_and_keeps_the_link(cli, clients, tmp_path):
    real = tmp_path / "data" / "results.csv"
    real.parent.mkdir()
    real.write_text("old\n", "utf-8")
    real.chmod(0o640)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    result = cli("batch", str(clients), "-o", str(link), "-q")
    assert result.exit_code == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text("utf-8-sig").startswith("序号,企业名称,")
    assert stat.S_IMODE(real.stat().st_mode) == 0o640  # the replaced file keeps its permissions
    assert sorted(p.name for p in real.parent.iterdir()) == ["results.csv"]  # nothing left beside the target


def test_a_dangling_symlink_creates_its_target(cli, clients, tmp_path):
    link = tmp_path / "link.jsonl"
    link.symlink_to(tmp_path / "new.jsonl")
    assert cli("batch", str(clients), "-o", str(link), "-q").exit_code == 0
    assert link.is_symlink() and len((tmp_path / "new.jsonl").read_text("utf-8").splitlines()) == 30


def test_a_loop_of_links_is_a_clear_error(cli, clients, tmp_path):
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.symlink_to(b)
    b.symlink_to(a)
    result = cli("batch", str(clients), "-o", str(a), "-q")
    assert result.exit_code == 2 and "a.csv: cannot write" in result.stderr
    assert a.is_symlink() and b.is_symlink()


def test_a_fifo_is_written_to_not_replaced(cli, clients, tmp_path):
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = cli("batch", str(clients), "-o", str(fifo), "-f", "jsonl", "-q")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert len(received[0].splitlines()) == 30
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clients.csv", "results.fifo"]


def device(tmp_path, name: str, minor: int) -> str:
    """A character device like /dev/null (minor 3) or /dev/full (7). As root, a node of our own in
    ``tmp_path``: a fault that replaces it then breaks no one else; otherwise the system's, which
    only root could replace."""
    if os.geteuid() == 0:
        path = tmp_path / name
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, minor))
        return str(path)
    return f"/dev/{name}"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
def test_a_device_is_written_to_and_a_full_one_is_a_clear_error(cli, clients, tmp_path):
    null, full = device(tmp_path, "null", 3), device(tmp_path, "full", 7)
    assert cli("batch", str(clients), "-o", null, "-q").exit_code == 0
    assert stat.S_ISCHR(os.stat(null).st_mode)
    result = cli("batch", str(clients), "-o", full, "-q")
    assert result.exit_code == 2
    assert f"{full}: no space left on the device" in result.stderr
    assert stat.S_ISCHR(os.stat(full).st_mode)  # still the device
    ours = {"null", "full"} if os.geteuid() == 0 else set()
    assert {p.name for p in tmp_path.iterdir()} == {"clients.csv"} | ours  # no temporary file beside them


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs Linux's /dev/full")
@pytest.mark.parametrize("command", [["batch", "{clients}", "-q"], ["advise", str(BANK)], ["memo", str(BANK)]])
def test_standard_output_on_a_full_device_is_a_clear_error(clients, command):
    args = [a.format(clients=clients) for a in command]
    with open("/dev/full", "wb") as full:
        proc = subprocess.run([sys.executable, "-m", "advisor", *args], cwd=ROOT, stdout=full,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert "standard output: no space left on the device" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr


# --- a full disk ------------------------------------------------------------------------------------------


def test_a_full_disk_keeps_the_old_file_and_removes_the_temporary_one(cli, tmp_path, monkeypatch):
    """ENOSPC from the file system (injected into the writes of the temporary file)."""
    from advisor import atomic

    path = write_csv(tmp_path / "c.csv", client_rows(3000, seed=8))
    out = tmp_path / "out.jsonl"
    out.write_text("the previous run\n", "utf-8")
    real_fdopen = os.fdopen

    class FillingUp(io.RawIOBase):
        """A file system with 100 KB left."""

        def __init__(self, fd):
            self.raw, self.left = real_fdopen(fd, "wb", buffering=0), 100_000

        def writable(self):
            return True

        def write(self, data):
            if len(data) > self.left:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self.left -= len(data)
            return self.raw.write(data)

        def close(self):
            self.raw.close()
            super().close()

    monkeypatch.setattr(atomic.os, "fdopen", lambda fd, mode, buffering: io.BufferedWriter(FillingUp(fd), buffering))
    result = cli("batch", str(path), "-o", str(out), "-q")
    assert result.exit_code == 2
    assert f"{out}: no space left on the device; the previous file is kept unchanged" in result.stderr
    assert out.read_text("utf-8") == "the previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.csv", "out.jsonl"]


@pytest.fixture()
def small_disk(tmp_path):
    """A real file system with 200 KB (a tmpfs): mounting one needs root."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=200k", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("mounting a tmpfs needs root; test_a_full_disk_keeps_the_old_file… injects ENOSPC instead")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_really_full_file_system(cli, tmp_path, small_disk):
    path = write_csv(tmp_path / "c.csv", client_rows(3000, seed=8))
    out = small_disk / "scored.jsonl"
    out.write_text("the previous run\n", "utf-8")
    result = cli("batch", str(path), "-o", str(out), "-q", "--memos", str(small_disk / "memos"))
    assert result.exit_code == 2
    assert f"{out}: no space left on the device; the previous file is kept unchanged" in result.stderr
    assert out.read_text("utf-8") == "the previous run\n"
    assert not [p for p in small_disk.rglob("*") if p.name.endswith(".part")]


def test_a_full_disk_while_writing_a_memo(tmp_path, monkeypatch, advisor):
    from advisor import atomic
    from advisor.errors import AdvisorError
    from advisor.memo import write_memo
    from advisor.sources.document import read_profile

    target = tmp_path / "memo.md"
    target.write_text("old memo", "utf-8")
    monkeypatch.setattr(atomic.GuardedOutput, "write", lambda self, data: (_ for _ in ()).throw(
        atomic.write_error(self.name, OSError(errno.ENOSPC, "No space left on device"), self.after)))
    with pytest.raises(AdvisorError, match="no space left on the device"):
        write_memo(None, read_profile(str(BANK)), "markdown", "zh", target)
    assert target.read_text("utf-8") == "old memo"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["memo.md"]


# --- killed and interrupted runs --------------------------------------------------------------------


def test_stale_part_files_of_a_killed_run_are_removed_by_the_next_run(cli, clients, tmp_path):
    out = tmp_path / "out.csv"
    stale = [tmp_path / ".out.csv.abcd1234.part", tmp_path / ".out.csv.zz_9yy8x.part"]
    for path in stale:
        path.write_text("half a run", "utf-8")
    other = tmp_path / ".other.csv.abcd1234.part"  # another output's: not ours to judge now
    other.write_text("x", "utf-8")
    assert cli("batch", str(clients), "-o", str(out), "-q").exit_code == 0
    assert not any(p.exists() for p in stale)
    assert other.exists() and out.exists()


def test_a_live_runs_part_file_is_not_removed(tmp_path):
    from advisor.atomic import AtomicFile, remove_stale

    live = AtomicFile(tmp_path / "out.csv")
    live.file.write(b"working")
    assert remove_stale(tmp_path, "out.csv") == 0 and os.path.exists(live.temp)
    other = AtomicFile(tmp_path / "out.csv")  # a second run to the same output leaves it too
    assert os.path.exists(live.temp)
    other.discard()
    live.commit()
    assert (tmp_path / "out.csv").read_bytes() == b"working"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]


# A batch whose scoring is slowed down (0.5 ms a record) and whose work is handed to the workers
# from the first block on, so that a signal finds it mid-run, with workers forked when asked.
SLOW_RUNNER = """
import sys, time
import advisor.batch.workers as workers
from advisor.batch.scorer import Scorer
workers.Plan.pays = lambda self: True
real = Scorer.score_block
def slow(self, records):
    time.sleep(0.0005 * len(records))
    return real(self, records)
Scorer.score_block = slow
from advisor.cli import main
sys.argv = ["advisor"] + sys.argv[1:]
main()
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="finds the worker processes in /proc")
@pytest.mark.parametrize("workers", [1, 2])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_sigint_clean_up_and_say_what_happened(tmp_path, workers, sig):
    path = write_csv(tmp_path / "big.csv", client_rows(20000, seed=11))
    out = tmp_path / "out.csv"
    out.write_text("the previous run\n", "utf-8")
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUNNER, "batch", str(path), "-o", str(out), "--lang", "en",
                             "--workers", str(workers)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not (list(tmp_path.glob(".out.csv.*.part")) and len(_children(proc.pid)) >= workers - 1):
        assert proc.poll() is None and time.monotonic() < deadline, "the run ended before it was stopped"
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    err = err.decode()
    assert proc.returncode == (143 if sig == signal.SIGTERM else 130), err
    assert "Traceback" not in err and "Process ForkPoolWorker" not in err
    assert "advisor: interrupted after " in err and f"{out} was not written" in err
    assert out.read_text("utf-8") == "the previous run\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.csv", "out.csv"]


def test_interrupted_batch_to_standard_output_says_the_output_is_incomplete(cli, tmp_path, monkeypatch):
    from advisor.batch.scorer import Scorer

    path = write_csv(tmp_path / "c.csv", client_rows(1500, seed=3, bad=True))
    real = Scorer.score_block

    def interrupted(self, records):
        if any(record.number == 1200 for record in records):  # in the second block of 1,000
            raise KeyboardInterrupt
        return real(self, records)

    monkeypatch.setattr(Scorer, "score_block", interrupted)
    result = cli("batch", str(path), "--lang", "en", "-q")
    assert result.exit_code == 130
    assert "interrupted after 1,000 records (4 invalid)" in result.stderr
    assert "the results on standard output are incomplete" in result.stderr


def test_interrupted_batch_says_how_many_memos_were_written(cli, clients, tmp_path, monkeypatch):
    from advisor.batch.memos import MemoFolder

    real = MemoFolder.__call__

    def interrupted(self, record, result):
        if record.number == 5:
            raise KeyboardInterrupt
        return real(self, record, result)

    monkeypatch.setattr(MemoFolder, "__call__", interrupted)
    out = tmp_path / "o.csv"
    result = cli("batch", str(clients), "-o", str(out), "--lang", "en", "--memos", str(tmp_path / "m"))
    assert result.exit_code == 130
    assert f"{out} was not written" in result.stderr and f"4 memos were written to {tmp_path / 'm'}" in result.stderr
    assert not out.exists()


# --- closed pipes and empty inputs ---------------------------------------------------------------------


@pytest.mark.parametrize("rows, bad, expected", [(40, True, 1), (40, False, 0), (5000, True, 1)])
def test_a_closed_pipe_keeps_the_exit_status_for_bad_rows(tmp_path, rows, bad, expected):
    path = write_csv(tmp_path / "c.csv", client_rows(rows, seed=2, bad=bad))
    proc = advisor_process("batch", str(path), "-q")
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert proc.returncode == expected, err
    assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err


@pytest.mark.parametrize("name, content", [("empty.csv", ""), ("header.csv", "name,size,sector,privacy,budget\r\n"),
                                           ("empty.jsonl", "\n\n"), ("empty.yaml", "[]\n")])
def test_empty_or_header_only_input_exits_2_and_writes_nothing(cli, tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, "utf-8")
    out = tmp_path / "out.csv"
    result = cli("batch", str(path), "-o", str(out), "--lang", "en")
    assert result.exit_code == 2
    assert f"{path}: no records to score (the input is empty or has only a header row)" in result.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == [name]
    zh = cli("batch", str(path), "--lang", "zh")
    assert zh.exit_code == 2 and "没有可评分的记录" in zh.stderr


# --- progress ---------------------------------------------------------------------------------------------------


def test_progress_shows_a_total_and_a_percentage_when_the_input_size_is_known(tmp_path):
    from advisor.batch.progress import Progress, count_lines

    path = write_csv(tmp_path / "c.csv", client_rows(3999, seed=1))  # 4,000 lines with the header
    lines = count_lines([str(path)])
    assert lines == {str(path): 4000}
    stream = io.StringIO()
    progress = Progress(stream, "en", enabled=True, lines=lines)
    progress.update(1000, 3, str(path), 1001)
    assert stream.getvalue().startswith("\r1,000 of about 4,000 rows (25%)") and "3 invalid" in stream.getvalue()
    zh = io.StringIO()
    Progress(zh, "zh", enabled=True, lines=lines).update(2000, 0, str(path), 2001)
    assert "已处理 2,000 条，共约 4,000 条（50%）" in zh.getvalue()
    assert count_lines(["-"]) is None and count_lines([str(path), "-"]) is None
    unknown = io.StringIO()
    Progress(unknown, "en", enabled=True, lines=None).update(1000, 0, "<stdin>", 1001)
    assert unknown.getvalue().startswith("\r1,000 rows ·")


def test_progress_over_several_inputs_and_folders(tmp_path):
    from advisor.batch.progress import Progress, count_lines

    folder = tmp_path / "profiles"
    folder.mkdir()
    for n in range(4):
        (folder / f"p{n}.yaml").write_text("name: x\nsize: small\nsector: finance\nprivacy: high\nbudget: low\n", "utf-8")
    csv_path = write_csv(tmp_path / "c.csv", client_rows(9, seed=1))
    lines = count_lines([str(folder), str(csv_path)])
    assert sum(lines.values()) == 4 * 5 + 10
    progress = Progress(io.StringIO(), "en", enabled=True, lines=lines)
    assert progress.fraction(str(folder / "p3.yaml"), 1) == pytest.approx(16 / 30)
    assert progress.fraction(str(csv_path), 10) == 1.0
