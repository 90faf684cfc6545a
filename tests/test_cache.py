"""The cache is best-effort: concurrent cold starts, damaged files and unusable folders all work."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import norrsken
from norrsken import cache

#: Subprocesses import the tree under test (not whatever copy is installed) and write no bytecode
#: next to it.
TREE = {"PYTHONPATH": str(Path(norrsken.__file__).resolve().parents[1]), "PYTHONDONTWRITEBYTECODE": "1"}

COLD_START = """
import norrsken
from norrsken.precipitation import oval
ds = oval("2017-01-18T21:00Z")
print(round(ds.attrs["hemispheric_power_north_gw"], 3))
"""


@pytest.mark.slow
def test_parallel_cold_starts_agree(tmp_path):
    env = {"NORRSKEN_CACHE_DIR": str(tmp_path / "cache"), "PATH": "/usr/bin:/bin", **TREE}
    procs = [
        subprocess.Popen([sys.executable, "-c", COLD_START], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    results = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in results]
    assert len({out for out, _ in results}) == 1
    assert not list((tmp_path / "cache").glob(".*"))  # no temporary files left behind


def test_damaged_file_is_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    calls = []

    def build():
        calls.append(1)
        return {"x": np.arange(3.0)}

    key = cache.cache_key("test")
    np.testing.assert_array_equal(cache.cached_arrays("t", key, build)["x"], np.arange(3.0))
    (tmp_path / f"t-{key}.npz").write_bytes(b"truncated")
    np.testing.assert_array_equal(cache.cached_arrays("t", key, build)["x"], np.arange(3.0))
    np.testing.assert_array_equal(cache.cached_arrays("t", key, build)["x"], np.arange(3.0))
    assert len(calls) == 2


def test_unusable_cache_dir_is_skipped(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(blocker))
    assert cache.cached_arrays("t", "k", lambda: {"x": np.ones(2)})["x"].sum() == 2


def test_keys_change_with_their_inputs():
    assert cache.cache_key("a", 1) != cache.cache_key("a", 2)
    assert cache.cache_key("a", 1) == cache.cache_key("a", 1)


@pytest.mark.slow
def test_numba_kernels_are_cached_in_the_cache_dir(tmp_path):
    import os

    env = {**os.environ, "NORRSKEN_CACHE_DIR": str(tmp_path), **TREE}
    env.pop("NUMBA_CACHE_DIR", None)
    code = "import norrsken, numba; print(numba.config.CACHE_DIR)"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    folder = Path(out.stdout.strip())
    assert folder.parent == tmp_path / "numba"
    # Named by the sources: a kernel inlining helpers from another module must not outlive them.
    assert folder.name == cache._source_digest()


def _entry(folder: Path, name: str, megabytes: float, age_s: float) -> Path:
    import os
    import time

    path = folder / name
    if name.endswith(".npz"):
        path.write_bytes(b"\0" * int(megabytes * 2**20))
    else:
        path.mkdir(parents=True)
        (path / "kernel.nbc").write_bytes(b"\0" * int(megabytes * 2**20))
    stamp = time.time() - age_s
    os.utime(path, (stamp, stamp))
    return path


def test_the_least_recently_used_entries_go_when_the_cache_is_full(tmp_path, monkeypatch):
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NORRSKEN_CACHE_MAX_MB", "3.5")
    oldest = _entry(tmp_path, "emission-table-a.npz", 1.0, 400)
    old_kernels = _entry(tmp_path, "numba/0ld50urce000", 1.0, 300)
    used = _entry(tmp_path, "aacgm-grid-b.npz", 1.0, 200)
    recent = _entry(tmp_path, "column-table-c.npz", 1.0, 100)
    current = cache.numba_cache_dir(tmp_path)
    (current / "kernel.nbc").write_bytes(b"\0" * 2**20)
    _entry(tmp_path, "swpc", 0.0, 1000)  # the feeds' copies are never evicted
    # A hit marks the file as used now; then a new 1 MB file makes 6 MB: three must go.
    np.savez(used, x=np.ones(2**17))  # 1 MB
    cache.cached_arrays("aacgm-grid", "b", lambda: {"x": np.zeros(3)})
    new = cache.cached_arrays("emission-table", "d", lambda: {"x": np.zeros(2**17)})  # 1 MB
    assert new["x"].size == 2**17
    left = {path.name for path in tmp_path.iterdir()}
    assert not oldest.exists() and not old_kernels.exists() and not recent.exists()
    assert used.exists() and current.exists() and (tmp_path / "emission-table-d.npz").exists()
    assert "swpc" in left


def test_the_cache_bound_is_configurable(tmp_path, monkeypatch):
    monkeypatch.setenv("NORRSKEN_CACHE_MAX_MB", "0")
    assert cache.limit_bytes() == float("inf")
    _entry(tmp_path, "t-a.npz", 2.0, 100)
    assert cache.evict(tmp_path) == []
    monkeypatch.delenv("NORRSKEN_CACHE_MAX_MB")
    assert cache.limit_bytes() == cache.DEFAULT_LIMIT_MB * 2**20
    monkeypatch.setenv("NORRSKEN_CACHE_MAX_MB", "lots")
    with pytest.raises(norrsken.NorrskenError, match="NORRSKEN_CACHE_MAX_MB must be a number of MB"):
        cache.limit_bytes()
