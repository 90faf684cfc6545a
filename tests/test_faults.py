"""Faults injected on purpose: a network that hangs, peers that are not dask schedulers, outputs
that cannot be written, hostile TLE files, damaged cache files, a stale element set, Ctrl-C. Each
must end in one clear line (or a stated fallback), quickly, with nothing half written. Every peer
listens on 127.0.0.1; nothing leaves the machine."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from norrsken import cache, geomag, tasks
from norrsken.cli import app
from norrsken.drivers import swpc
from norrsken.emission import table as emission_table_module
from norrsken.errors import NorrskenError
from norrsken.orbit import MAX_TLE_BYTES, load_tles
from tle_tools import with_checksum

# The ISS element set of 2016-12-26 (epoch 16361.25), from the packaged file.
ISS_LINE1 = "1 25544U 98067A   16361.25108796  .00002357  00000-0  43144-4 0  9992"
ISS_LINE2 = "2 25544  51.6423 180.3972 0006614  16.8508 319.5828 15.53941827 34859"
NEAR_EPOCH = ("--start", "2016-12-27T00:00Z", "--end", "2016-12-27T06:00Z")


def run(*args: str, **env: str):
    return CliRunner().invoke(app, list(args), env={"COLUMNS": "200", **env})


def one_error_line(result) -> str:
    """The command failed as bad input does: exit 2 and a single ``error:`` line, no traceback."""
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


@contextlib.contextmanager
def peer(greeting: bytes | None) -> Iterator[int]:
    """A TCP peer on 127.0.0.1 that accepts every connection, sends ``greeting`` (None: nothing)
    and then holds it open without a word: a tarpit, or a server speaking another protocol."""
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(0.05)
    stop = threading.Event()
    held: list[socket.socket] = []

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            held.append(conn)
            if greeting is not None:
                conn.sendall(greeting)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        server.close()


# ---------------------------------------------------------------- a network that hangs


@pytest.fixture
def tarpit_swpc(tmp_path, monkeypatch):
    """Every SWPC product served by a tarpit, a 1.5 s network deadline and a 0.3 s slow notice."""
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NORRSKEN_NETWORK_DEADLINE", "1.5")
    monkeypatch.setattr(swpc, "SLOW_NOTICE_S", 0.3)
    monkeypatch.setattr(swpc, "RETRY_DELAYS", (0.2,))
    with peer(None) as port:
        urls = {name: dataclasses.replace(spec, url=f"http://127.0.0.1:{port}/{name}") for name, spec in swpc.PRODUCTS.items()}
        monkeypatch.setattr(swpc, "PRODUCTS", urls)
        yield


def test_a_hanging_feed_costs_one_deadline_and_then_the_run_is_offline(tarpit_swpc, caplog):
    start = time.monotonic()
    with caplog.at_level(logging.WARNING, logger="norrsken"), pytest.raises(swpc.SwpcUnavailable) as first:
        swpc.fetch("kp")
    waited = time.monotonic() - start
    assert 1.3 < waited < 3.0  # the deadline, not the 10 s request timeout, and no silent retries past it
    assert "slow to answer" in caplog.text  # said within the wait, not after it
    assert "deadline" in first.value.reason or "Timeout" in first.value.reason
    start = time.monotonic()
    with pytest.raises(swpc.SwpcUnavailable, match="not tried"):
        swpc.fetch("kp_forecast")  # the rest of the command does not try again
    assert time.monotonic() - start < 0.2


def test_a_hanging_feed_falls_back_to_the_history_with_its_reason(tarpit_swpc):
    # Near now SWPC is asked first; it hangs, so the embedded history answers and says why.
    now = dt.datetime(2017, 1, 18, 22, tzinfo=dt.UTC)
    start = time.monotonic()
    kp, source = swpc.kp_now("2017-01-18T21:00Z", offline=False, now=now)
    assert time.monotonic() - start < 3.0
    assert kp == pytest.approx(10 / 3)
    assert source.startswith("embedded CelesTrak history (SWPC unreachable")


def test_given_kp_means_no_fetch(tarpit_swpc):
    start = time.monotonic()
    assert swpc.kp_now("2017-01-18T21:00Z", kp=4.0, offline=False) == (4.0, swpc.KP_OVERRIDE)
    assert time.monotonic() - start < 0.1


# ---------------------------------------------------------------- peers that are not schedulers


@pytest.mark.parametrize(
    ("greeting", "message"),
    [
        (None, "said nothing for 0.5 s: not a dask scheduler"),
        (b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n", "does not speak dask's protocol"),
    ],
    ids=["silent", "http"],
)
def test_a_peer_that_is_not_a_scheduler_is_one_error_in_seconds(greeting, message, tmp_path, monkeypatch):
    monkeypatch.setattr(tasks, "HANDSHAKE_TIMEOUT_S", 0.5)
    out = tmp_path / "frames"
    with peer(greeting) as port:
        start = time.monotonic()
        result = run(
            "timelapse", "sky", "--lat", "69.65", "--lon", "18.96", "--start", "2017-01-18T21:00Z",
            "--end", "2017-01-18T21:02Z", "--scheduler", f"tcp://127.0.0.1:{port}", "--out", str(out),
        )  # fmt: skip
        assert time.monotonic() - start < 5.0
    assert message in one_error_line(result)
    assert not out.exists()  # refused before its folder was made


def test_an_address_without_a_port_is_refused():
    with pytest.raises(NorrskenError, match="tcp://host:8786"):
        tasks.check_scheduler("tcp://127.0.0.1")


# ---------------------------------------------------------------- outputs that cannot be written


@pytest.fixture
def a_file(tmp_path) -> Path:
    path = tmp_path / "a-file"
    path.write_text("not a folder")
    return path


@pytest.mark.parametrize(
    "args",
    [
        ("column", "--flux", "5", "--mean-energy", "3", "--plot", "{bad}/profile.png"),
        ("oval", "--time", "2017-01-18T21:00Z", "--out", "{bad}/oval"),
        ("oval", "--start", "2017-01-18T21:00Z", "--end", "2017-01-18T23:00Z", "--step", "1h", "--out", "{bad}/cube.nc"),
        ("climatology", "--region", "60,70,0,30", "--start", "2017-01-01", "--end", "2017-01-08", "--out", "{bad}/c.nc"),
        ("forecast", "--lat", "69.65", "--lon", "18.96", "--start", "2017-01-18T12:00Z", "--plot", "{bad}/f.png"),
        ("sky", "--lat", "69.65", "--lon", "18.96", "--time", "2017-01-18T21:00Z", "--out", "{bad}/sky.png"),
        ("sky", "--lat", "69.65", "--lon", "18.96", "--time", "2017-01-18T21:00Z", "--out", "{ok}/s.png",
         "--netcdf", "{bad}/sky.nc"),
        ("timelapse", "sky", "--lat", "69.65", "--lon", "18.96", "--start", "2017-01-18T21:00Z", "--end",
         "2017-01-18T21:02Z", "--workers", "0", "--out", "{ok}/frames", "--video", "{bad}/t.mp4"),
    ],
    ids=["column-plot", "oval-out", "cube-out", "climatology-out", "forecast-plot", "sky-out", "sky-netcdf", "video"],
)  # fmt: skip
def test_an_output_under_a_file_is_refused_before_any_work(args, a_file, tmp_path):
    start = time.monotonic()
    result = run(*(arg.format(bad=a_file, ok=tmp_path) for arg in args))
    line = one_error_line(result)
    assert str(a_file) in line
    assert time.monotonic() - start < 10.0  # no picture, cube or climatology was computed first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]  # and nothing was left behind


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into any folder")
def test_a_read_only_folder_is_refused_before_any_work(tmp_path):
    folder = tmp_path / "read-only"
    folder.mkdir(mode=0o500)
    try:
        line = one_error_line(run("oval", "--time", "2017-01-18T21:00Z", "--out", str(folder / "oval")))
    finally:
        folder.chmod(0o700)
    assert str(folder) in line and list(folder.iterdir()) == []


# ---------------------------------------------------------------- hostile TLE files


def test_hostile_satellite_names_are_printed_as_text(tmp_path):
    name = "[/bold] SAT \x1b[31mRED [link=file:///etc/passwd]x"
    path = tmp_path / "hostile.tle"
    path.write_text(f"{name}\n{ISS_LINE1}\n{ISS_LINE2}\n")
    (satellite,) = load_tles(path)
    assert "\x1b" not in satellite.name and satellite.name.startswith("[/bold] SAT ?[31mRED")
    result = run("passes", "--tle", str(path), *NEAR_EPOCH)
    assert result.exit_code == 0, result.output
    assert "[/bold] SAT ?[31mRED [link=file:///etc/passwd]x" in result.output  # markup shown, not obeyed
    assert "\x1b" not in result.output


def test_a_huge_tle_file_is_refused_without_reading_it(tmp_path):
    path = tmp_path / "huge.tle"
    with path.open("wb") as file:
        file.truncate(MAX_TLE_BYTES + 1)  # sparse: no disk used
    line = one_error_line(run("passes", "--tle", str(path), *NEAR_EPOCH))
    assert "larger than 16 MB" in line


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_an_endless_tle_file_is_read_bounded():
    start = time.monotonic()
    with pytest.raises(NorrskenError, match="larger than 16 MB: not a TLE file"):
        load_tles("/dev/zero")
    assert time.monotonic() - start < 5.0


def test_a_stale_element_set_is_refused_unless_asked_for(tmp_path):
    path = tmp_path / "iss.tle"
    path.write_text(f"ISS\n{with_checksum(ISS_LINE1)}\n{ISS_LINE2}\n")
    window = ("--start", "2017-06-01T00:00Z", "--end", "2017-06-01T06:00Z")  # 157 days after the epoch
    line = one_error_line(run("passes", "--tle", str(path), *window))
    assert "epoch 2016-12-26" in line and "--allow-stale-tle" in line and "--tle" in line
    result = run("passes", "--tle", str(path), *window, "--allow-stale-tle")
    assert result.exit_code == 0, result.output
    assert "warning:" in result.output and "from its epoch" in result.output


def test_allow_stale_tle_needs_a_tle_file():
    line = one_error_line(run("passes", *NEAR_EPOCH, "--allow-stale-tle"))
    assert "--tle" in line


# ---------------------------------------------------------------- damaged cache files


def test_a_zeroed_aacgm_grid_is_rebuilt_not_used(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    lat, lon = np.arange(40.0, 85.0, 5.0), np.arange(0.0, 40.0, 10.0)
    geomag._grid_cached.cache_clear()
    good = geomag.grid_to_aacgm(lat, lon, "2017-01-18T21:00Z")
    (path,) = tmp_path.glob("aacgm-grid-*.npz")
    np.savez(path, mlat=np.zeros_like(good[0]), mlon=np.zeros_like(good[1]))  # shapes right, values wrong
    geomag._grid_cached.cache_clear()
    with caplog.at_level(logging.WARNING, logger="norrsken"):
        again = geomag.grid_to_aacgm(lat, lon, "2017-01-18T21:00Z")
    assert "is damaged (mlat is far from the geographic latitudes); rebuilding it" in caplog.text
    np.testing.assert_array_equal(again[0], good[0])
    with np.load(path) as rebuilt:
        np.testing.assert_array_equal(rebuilt["mlat"], good[0])
    geomag._grid_cached.cache_clear()


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda a: {**a, "ver_per_flux": np.full_like(a["ver_per_flux"], np.nan)}, "not finite"),
        (lambda a: {**a, "ver_per_flux": -a["ver_per_flux"]}, "outside"),
        (lambda a: {k: v for k, v in a.items() if k != "ver_per_flux"}, "no array 'ver_per_flux'"),
        (lambda a: {**a, "ver_per_flux": a["ver_per_flux"][:-1]}, "has shape"),
    ],
    ids=["nan", "negative", "missing", "shape"],
)
def test_a_damaged_emission_table_is_refused_on_load(damage, message):
    # The kernels index and interpolate the table without checks of their own (a NaN table made
    # one segfault): the check of a cached file is what stands between.
    arrays = {key: np.array(value) for key, value in _sound_table().items()}
    emission_table_module._check_table(arrays)
    with pytest.raises((ValueError, KeyError), match=message):
        emission_table_module._check_table(damage(arrays))


@pytest.mark.slow
def test_a_nan_emission_table_on_disk_is_rebuilt_and_gives_the_same_result(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    emission_table_module._load_or_build.cache_clear()
    good = np.array(_sound_table()["ver_per_flux"])
    (path,) = tmp_path.glob("emission-table-*.npz")
    with np.load(path) as z:
        arrays = {key: z[key] for key in z.files}
    np.savez(path, **{**arrays, "ver_per_flux": np.full_like(arrays["ver_per_flux"], np.nan)})
    emission_table_module._load_or_build.cache_clear()
    with caplog.at_level(logging.WARNING, logger="norrsken"):
        again = np.array(_sound_table()["ver_per_flux"])
    assert "is damaged (ver_per_flux holds values that are not finite); rebuilding it" in caplog.text
    np.testing.assert_array_equal(again, good)
    emission_table_module._load_or_build.cache_clear()


def _sound_table() -> dict[str, np.ndarray]:
    table = emission_table_module.emission_table("2017-01-18T21:00Z", 69.65, 18.96)
    return {name: np.asarray(getattr(table, name)) for name in emission_table_module._ARRAYS}


# ---------------------------------------------------------------- the numba cache


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_a_world_writable_numba_cache_is_not_used(tmp_path, monkeypatch, caplog):
    import numba

    shared = tmp_path / "shared"
    (shared / "numba").mkdir(parents=True)
    (shared / "numba").chmod(0o777)
    with pytest.raises(PermissionError, match="can be written by others"):
        cache.numba_cache_dir(shared)
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(shared))
    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr(numba.config, "CACHE_DIR", numba.config.CACHE_DIR)
    with caplog.at_level(logging.WARNING, logger="norrsken"):
        cache.configure_numba_cache()
    chosen = Path(numba.config.CACHE_DIR)
    assert not chosen.is_relative_to(shared) and "not using the kernel cache" in caplog.text
    assert chosen.stat().st_mode & 0o077 == 0 and chosen.stat().st_uid == os.getuid()


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_an_own_numba_cache_is_made_private(tmp_path):
    chosen = cache.numba_cache_dir(tmp_path)
    assert chosen.parent == tmp_path / "numba"
    assert chosen.stat().st_mode & 0o777 == 0o700 and chosen.parent.stat().st_mode & 0o777 == 0o700


# ---------------------------------------------------------------- numbers and workers


@pytest.mark.parametrize("score", ["nan", "inf", "-1"])
def test_a_min_score_that_is_not_a_number_is_refused(score):
    start = time.monotonic()
    line = one_error_line(run("passes", *NEAR_EPOCH, f"--min-score={score}"))
    assert "--min-score" in line
    assert time.monotonic() - start < 5.0


def test_workers_are_capped_by_memory(tmp_path):
    many = tasks.max_local_workers() + 1
    line = one_error_line(
        run(
            "timelapse", "sky", "--lat", "69.65", "--lon", "18.96", "--start", "2017-01-18T21:00Z",
            "--end", "2017-01-18T21:02Z", "--workers", str(many), "--out", str(tmp_path / "f"),
        )  # fmt: skip
    )
    assert "--workers" in line and "GiB" in line and f"at most {many - 1} local workers" in line


# ---------------------------------------------------------------- tonight, offline


def _tomorrow_midnight() -> str:
    return f"{dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)}T00:00Z"


def _warnings(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("warning:")]


@pytest.mark.slow
def test_the_sky_tomorrow_works_offline_with_one_fallback_line(tmp_path):
    # 45 N at midnight UTC on the Greenwich meridian is dark on every night of the year.
    out = tmp_path / "y.png"
    result = run(
        "sky", "--lat", "45", "--lon", "0", "--time", _tomorrow_midnight(), "--size", "96x96", "--offline",
        "--out", str(out),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    (line,) = _warnings(result.output)
    assert line.startswith("warning: after the embedded history") and "Kp" in line and "F10.7" in line


@pytest.mark.slow
def test_the_orbit_view_tomorrow_works_offline_with_one_fallback_line(tmp_path):
    out = tmp_path / "x.png"
    result = run("orbit", "--time", _tomorrow_midnight(), "--size", "160x90", "--offline", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.stat().st_size > 0
    history = [line for line in _warnings(result.output) if "after the embedded history" in line]
    assert len(history) == 1 and "Kp" in history[0] and "F10.7" in history[0]
    # Besides it only the packaged element set's age may be said (it cannot know tomorrow's).
    assert all("element set" in line for line in _warnings(result.output) if line not in history)


# ---------------------------------------------------------------- Ctrl-C


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT")
def test_ctrl_c_on_a_parallel_timelapse_is_one_line(tmp_path):
    out = tmp_path / "frames"
    command = [
        sys.executable, "-m", "norrsken.cli", "timelapse", "sky", "--lat", "69.65", "--lon", "18.96",
        "--start", "2017-01-18T21:00Z", "--end", "2017-01-18T22:00Z", "--step", "60s", "--size", "64x64",
        "--workers", "2", "--out", str(out),
    ]  # fmt: skip
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches the workers too.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 240
    while not (out.is_dir() and len(list(out.glob("*.png"))) >= 2):
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGINT)
    try:
        _, err = process.communicate(timeout=60)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    lines = [line for line in err.splitlines() if line.strip()]
    assert sum(line.startswith("interrupted: ") for line in lines) == 1  # the progress bar may stay above it
    assert lines[-1].startswith("interrupted: ") and "run again" in lines[-1]
    assert not list(out.glob("*.tmp*")) and not list(out.glob(".*"))  # whole frames only
    done = len(list(out.glob("*.png")))
    assert 2 <= done < 61
