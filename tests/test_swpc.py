"""SWPC live products: parsing, fill values, staleness, cache, offline mode and the Kp chain.

No test touches the network: downloads go through an ``httpx.MockTransport`` serving the fixtures
in ``tests/data/swpc`` (origins in its README.md), and every test gets an empty cache dir.
"""

import datetime as dt
import json
import socket
from pathlib import Path

import httpx
import numpy as np
import pytest

from norrsken.drivers import swpc
from norrsken.errors import NorrskenError, NorrskenWarning, OutOfRangeError

DATA = Path(__file__).parent / "data" / "swpc"
FILES = {
    "kp": "noaa-planetary-k-index.json",
    "kp_forecast": "noaa-planetary-k-index-forecast.json",
    "kp_1m": "planetary_k_index_1m.json",
    "mag": "mag-7-day.last24h.json",
    "plasma": "plasma-7-day.last24h.json",
    "ovation": "ovation_aurora_latest.json",
}
# Just after the newest rows of the Kp samples (2024-01-25 21:00 bin): fresh observed Kp.
NOW = dt.datetime(2024, 1, 26, 0, 0, tzinfo=dt.UTC)


class Server:
    """A MockTransport serving fixture bytes by URL, counting requests; ``replies`` overrides per call."""

    def __init__(self, **overrides: bytes) -> None:
        self.bodies = {swpc.PRODUCTS[name].url: (DATA / file).read_bytes() for name, file in FILES.items()}
        for name, body in overrides.items():
            self.bodies[swpc.PRODUCTS[name].url] = body
        self.replies: list[httpx.Response | Exception] = []
        self.requests: list[str] = []
        self.client = httpx.Client(transport=httpx.MockTransport(self.handle))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(str(request.url))
        if self.replies:
            reply = self.replies.pop(0)
            if isinstance(reply, Exception):
                raise reply
            return reply
        return httpx.Response(200, content=self.bodies[str(request.url)])


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("NORRSKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(swpc, "RETRY_DELAYS", (0.0, 0.0))
    return tmp_path / "swpc"


def fetch(server: Server, name: str, now: dt.datetime = NOW, **kw) -> swpc.Product:
    return swpc.fetch(name, now=now, client=server.client, **kw)


# ---------------------------------------------------------------- parsing


@pytest.mark.parametrize("file", ["noaa-planetary-k-index.json", "noaa-planetary-k-index.legacy-array.json"])
def test_observed_kp_both_schemas(file):
    product = fetch(Server(kp=(DATA / file).read_bytes()), "kp")
    frame = product.data
    assert list(frame.columns) == ["kp", "ap", "station_count"]
    assert len(frame) == 16 and all(dtype == np.float64 for dtype in frame.dtypes)
    assert str(frame.index.tz) == "UTC"
    assert frame.index[0] == dt.datetime(2024, 1, 24, tzinfo=dt.UTC)
    assert frame["kp"].iloc[0] == 3.33 and frame["ap"].iloc[0] == 18 and frame["station_count"].iloc[0] == 8
    assert product.newest == dt.datetime(2024, 1, 25, 21, tzinfo=dt.UTC)
    assert product.source == "live" and not product.stale


@pytest.mark.parametrize(
    "file", ["noaa-planetary-k-index-forecast.json", "noaa-planetary-k-index-forecast.legacy-array.json"]
)
def test_forecast_both_schemas(file):
    product = fetch(Server(kp_forecast=(DATA / file).read_bytes()), "kp_forecast")
    frame = product.data
    assert len(frame) == 16 and frame["kp"].dtype == float
    assert frame["status"].value_counts().to_dict() == {"observed": 12, "estimated": 1, "predicted": 3}
    assert frame["noaa_scale"].isna().all()
    assert frame.loc["2024-01-25 21:00Z", "kp"] == 2.33
    # The newest non-predicted (estimated) row stands for the issue time.
    assert product.newest == dt.datetime(2024, 1, 25, 12, tzinfo=dt.UTC)


def test_kp_1m_mag_plasma_parse():
    server = Server()
    kp1m = fetch(server, "kp_1m").data
    assert len(kp1m) == 358 and kp1m["kp"].iloc[0] == 0.67 and kp1m["kp"].iloc[-1] == 1.67
    mag = fetch(server, "mag").data
    assert list(mag.columns) == ["bx_gsm", "by_gsm", "bz_gsm", "bt"] and len(mag) == 1410
    assert mag["bz_gsm"].min() == pytest.approx(-14.4, abs=0.05)  # the 2026-04-18 disturbance
    assert mag.loc["2026-04-17 14:30Z", "bt"] == 8.64
    plasma = fetch(server, "plasma").data
    assert list(plasma.columns) == ["density", "speed", "temperature"]
    assert 540 < plasma["speed"].max() < 545
    assert plasma.loc["2026-04-18 14:30Z"].tolist() == [2.84, 453.8, 54942.0]


def test_ovation_grid():
    product = fetch(Server(), "ovation", now=dt.datetime(2025, 1, 12, 23, 0, tzinfo=dt.UTC))
    grid = product.data["probability_percent"]
    assert grid.dims == ("lat", "lon") and grid.shape == (181, 45)
    assert grid["lat"].values.tolist() == list(range(-90, 91))
    assert grid["lon"].values.tolist() == [*range(0, 15), *range(200, 215), *range(345, 360)]
    assert 0 <= float(grid.min()) and float(grid.max()) == 24 and not grid.isnull().any()
    # First triplets of the file: [0, -90, 4], [0, -89, 0], [0, -88, 6].
    assert grid.sel(lon=0, lat=[-90, -89, -88]).values.tolist() == [4, 0, 6]
    assert product.data.attrs["observation_time"] == "2025-01-12T21:42:00+00:00"
    assert product.newest == dt.datetime(2025, 1, 12, 22, 51, tzinfo=dt.UTC) and not product.stale


# ---------------------------------------------------------------- fill values


def test_plasma_real_nulls_dropped():
    rows = json.loads((DATA / FILES["plasma"]).read_text())[1:]
    nulls = [row for row in rows if None in row]
    assert sum(row.count(None) for row in rows) == 3 and len(nulls) == 1  # one all-null row
    frame = fetch(Server(), "plasma").data
    assert len(frame) == len(rows) - 1
    assert nulls[0][0] not in frame.index.strftime("%Y-%m-%d %H:%M:%S.000")
    assert not frame.isna().any().any()


def test_fill_values_and_empty_strings_become_nan():
    rows = json.loads((DATA / FILES["plasma"]).read_text())
    rows[1][2] = "-99999"  # fill speed: row kept (density, temperature are real), speed NaN
    rows[2][1:] = ["", "-9999.9", "99999"]  # every value a gap: row dropped
    frame = fetch(Server(plasma=json.dumps(rows).encode()), "plasma").data
    assert np.isnan(frame.loc["2026-04-17 14:31Z", "speed"])
    assert frame.loc["2026-04-17 14:31Z", "density"] == 3.86
    assert "2026-04-17 14:32Z" not in frame.index
    assert not frame.isin([-99999.0, -9999.9, 99999.0]).any().any()  # no fill value used as data
    # header, the real all-null row, the all-gap row, and the NaN speed
    assert frame["speed"].notna().sum() == len(rows) - 4

    kp = json.loads((DATA / FILES["kp"]).read_text())
    kp[0]["Kp"], kp[1]["Kp"] = None, -1  # null and out-of-range Kp: rows dropped
    frame = fetch(Server(kp=json.dumps(kp).encode()), "kp").data
    assert len(frame) == 14 and frame.index[0] == dt.datetime(2024, 1, 24, 6, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("name", "body", "message"),
    [
        ("kp", b'[{"time_tag":"2024-01-24T00:00:00","Kp":3.3', "not valid JSON"),
        ("kp", b"<html><body>503 Service Unavailable</body></html>", "not valid JSON"),
        ("kp", b"[]", "no rows"),
        ("kp", b'{"Kp": 3}', "expected a JSON array"),
        ("kp", b'[{"time_tag":"2024-01-24T00:00:00","a_running":4,"station_count":7}]', "missing column 'Kp' or 'kp'"),
        ("plasma", b'[["time_tag","density","speed","temperature"]]', "header only"),
        (
            "plasma",
            b'[["time_tag","density","speed","temperature"],["2026-04-17 14:31:00.000","3.86"]]',
            "differ in length",
        ),
        ("mag", b'[["time_tag","bx_gsm","by_gsm","bz_gsm","bt"],["2026-04-17","x","1","2","3"]]', "not a number"),
        (
            "kp_forecast",
            b'[{"time_tag":"2024-01-24T00:00:00","kp":2,"observed":"guessed","noaa_scale":null}]',
            "unknown",
        ),
        (
            "ovation",
            b'{"Observation Time":"2025-01-12T21:42:00Z","Forecast Time":"2025-01-12T22:51:00Z",'
            b'"coordinates":[[0,-90,4],[0,-89,0]]}',
            "grid incomplete",
        ),
        ("ovation", b'{"Forecast Time":"2025-01-12T22:51:00Z","coordinates":[[0,-90,4]]}', "Observation Time"),
    ],
)
def test_malformed_product_rejected(name, body, message):
    with pytest.raises(swpc.SwpcUnavailable, match=message) as info:
        fetch(Server(**{name: body}), name)
    assert f"SWPC {name}" in str(info.value) and "no cached copy" in str(info.value)
    assert not (swpc.cache_dir() / "swpc" / f"{name}.json").exists()


# ---------------------------------------------------------------- staleness


def test_staleness_uses_product_time():
    server = Server()
    fresh = fetch(server, "kp")
    assert not fresh.stale and "STALE" not in fresh.describe()
    assert fresh.describe() == "SWPC kp (live, newest 2024-01-25 21:00 UTC, 3 h old)"
    late = fetch(server, "kp", now=NOW + dt.timedelta(days=1))  # newest bin now 27 h old
    assert late.stale and late.age == dt.timedelta(hours=27)
    assert late.describe() == "SWPC kp (live, newest 2024-01-25 21:00 UTC, STALE: 27 h old)"
    ovation = fetch(server, "ovation", now=dt.datetime(2025, 1, 13, 22, 51, tzinfo=dt.UTC))
    assert ovation.stale and "STALE: 24 h old" in ovation.describe()


# ---------------------------------------------------------------- cache


def test_fresh_cache_skips_download(private_cache):
    server = Server()
    first = fetch(server, "kp")
    assert first.source == "live" and len(server.requests) == 1
    assert (private_cache / "kp.json").read_bytes() == (DATA / FILES["kp"]).read_bytes()
    meta = json.loads((private_cache / "kp.meta.json").read_text())
    assert meta["fetched"] == NOW.isoformat() and meta["url"] == swpc.PRODUCTS["kp"].url
    second = fetch(server, "kp", now=NOW + dt.timedelta(hours=2))  # max_age: 6 h / 2
    assert second.source == "cache" and len(server.requests) == 1
    assert second.data.equals(first.data) and second.fetched == NOW
    third = fetch(server, "kp", now=NOW + dt.timedelta(hours=3, minutes=1))
    assert third.source == "live" and len(server.requests) == 2
    fetch(server, "kp", now=NOW + dt.timedelta(hours=3, minutes=2), max_age=dt.timedelta(0))
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("replies", "reason"),
    [
        ([httpx.Response(200, content=(DATA / FILES["kp"]).read_bytes()[:300])], "not valid JSON"),
        ([httpx.Response(200, content=b"<html>Bad gateway</html>")], "not valid JSON"),
        (
            [httpx.Response(503), httpx.ConnectError("no route"), httpx.ConnectError("no route")],
            "ConnectError: no route",
        ),
        ([httpx.Response(404)], "HTTP 404"),
    ],
)
def test_failed_download_keeps_good_cache(private_cache, replies, reason):
    server = Server()
    fetch(server, "kp")
    good = (private_cache / "kp.json").read_bytes(), (private_cache / "kp.meta.json").read_bytes()
    server.replies = list(replies)
    later = NOW + dt.timedelta(hours=4)
    product = fetch(server, "kp", now=later)
    assert len(server.requests) == 1 + len(replies)  # retries only on 5xx / connection errors
    assert ((private_cache / "kp.json").read_bytes(), (private_cache / "kp.meta.json").read_bytes()) == good
    assert product.source == "cache" and reason in product.note
    assert "using the copy fetched 2024-01-26 00:00 UTC" in product.describe()
    assert product.data["kp"].iloc[-1] == 2.33


def test_retry_recovers_after_5xx():
    server = Server()
    server.replies = [httpx.Response(502), httpx.ReadTimeout("slow")]
    product = fetch(server, "kp")
    assert product.source == "live" and len(server.requests) == 3


@pytest.mark.parametrize("damage", ["truncate", "sidecar", "torn"])
def test_corrupted_cache_refetched_online_reported_offline(private_cache, damage):
    server = Server()
    fetch(server, "kp")
    data, meta = private_cache / "kp.json", private_cache / "kp.meta.json"
    if damage == "truncate":
        data.write_bytes(data.read_bytes()[:200])
    elif damage == "sidecar":
        meta.write_text("{not json")
    else:  # a newer valid product with the old sidecar: checksum mismatch
        data.write_bytes((DATA / "noaa-planetary-k-index.legacy-array.json").read_bytes())
    with pytest.raises(NorrskenError, match="cached copy of SWPC kp is corrupted"):
        swpc.fetch("kp", offline=True, now=NOW)
    assert data.exists()  # offline never writes
    product = fetch(server, "kp", now=NOW + dt.timedelta(minutes=1))
    assert product.source == "live" and "replaced a corrupted cached copy" in product.note
    assert len(server.requests) == 2
    assert data.read_bytes() == (DATA / FILES["kp"]).read_bytes()
    assert swpc.fetch("kp", offline=True, now=NOW).source == "cache"


# ---------------------------------------------------------------- offline


def test_offline_without_cache_is_a_clear_error():
    with pytest.raises(NorrskenError, match="offline and no cached copy of SWPC mag; give online=... to fetch it once"):
        swpc.fetch("mag", offline=True, now=NOW)
    with pytest.raises(NorrskenError, match="unknown SWPC product 'dst'"):
        swpc.fetch("dst", offline=True)


@pytest.fixture
def no_sockets(monkeypatch):
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network disabled in tests")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_offline_and_fallback_never_connect(no_sockets):
    fetch(Server(), "plasma")  # fills the cache through the mock transport (no sockets)
    later = NOW + dt.timedelta(days=900)  # cache and data very old: offline still uses them
    product = swpc.fetch("plasma", offline=True, now=later)
    assert product.source == "cache" and product.stale and len(product.data) == 1366
    # Online with a fresh cache and no client: served without opening a connection.
    assert swpc.fetch("plasma", now=NOW + dt.timedelta(minutes=1)).source == "cache"
    assert swpc.kp_now("2017-01-18T21:00Z", offline=True) == (pytest.approx(10 / 3), "embedded CelesTrak history")

    def refuse(request):
        raise httpx.ConnectError("down")

    down = httpx.Client(transport=httpx.MockTransport(refuse))
    value, label = swpc.kp_now("2017-01-18T21:00Z", offline=False, now=NOW, client=down)
    assert value == pytest.approx(10 / 3) and "unreachable" in label
    assert no_sockets == []


# ---------------------------------------------------------------- Kp chain


def test_kp_chain_override_wins():
    server = Server()
    assert swpc.kp_now("2024-01-25T22:00Z", kp=5, offline=False, now=NOW, client=server.client) == (
        5.0,
        "user override",
    )
    assert server.requests == []
    with pytest.raises(NorrskenError, match="between 0 and 9"):
        swpc.kp_now("2024-01-25T22:00Z", kp=12)


def test_kp_chain_observed_then_forecast():
    server = Server()
    assert swpc.kp_now("2024-01-25T22:30Z", offline=False, now=NOW, client=server.client) == (2.33, "SWPC observed")
    stale = swpc.kp_now("2024-01-24T01:00Z", offline=False, now=NOW + dt.timedelta(days=1), client=server.client)
    assert stale == (3.33, "SWPC observed (stale)")
    # Observed Kp ending at the 09-12 h bin: later times come from the forecast's own bins.
    observed = [row for row in json.loads((DATA / FILES["kp"]).read_text()) if row["time_tag"] < "2024-01-25T12"]
    server = Server(kp=json.dumps(observed).encode())
    kw = {"offline": False, "now": dt.datetime(2024, 1, 25, 14, tzinfo=dt.UTC), "client": server.client}
    assert swpc.kp_now("2024-01-25T13:00Z", **kw) == (1.67, "SWPC forecast: estimated")
    assert swpc.kp_now("2024-01-25T19:30Z", **kw) == (1.33, "SWPC forecast: predicted")
    assert len(server.requests) == 2  # the second call is served from the cache


def test_kp_chain_embedded_history():
    server = Server()
    value, label = swpc.kp_now("2017-01-18T21:00Z", offline=False, now=NOW, client=server.client)
    assert value == pytest.approx(3.33, abs=0.004) and label.startswith("embedded CelesTrak history")
    assert "not covered by SWPC" in label
    # Offline skips SWPC even for a time SWPC covers.
    assert swpc.kp_now("2024-01-25T22:30Z", offline=True, client=server.client) == (
        pytest.approx(7 / 3),
        "embedded CelesTrak history",
    )
    assert len(server.requests) == 2  # kp and kp_forecast once, for the online call
    # Before the history nothing covers a time: what to pass, and what Kp values mean.
    with pytest.raises(OutOfRangeError, match=r"give kp=\.\.\. to set Kp yourself \(Kp 0-2 quiet, 3-4 active"):
        swpc.kp_now("1950-01-01T00:00Z", offline=True)


def test_after_the_history_kp_is_assumed_and_said_so():
    with pytest.warns(NorrskenWarning, match=r"Kp 1\.67 is assumed, the median of the history's last 81 days"):
        value, label = swpc.kp_now("2099-01-01T00:00Z", offline=True)
    assert value == pytest.approx(5 / 3) and label.startswith("assumed: the median of the embedded history's last 81")


def _forecast_for(day: str) -> bytes:
    """The kp_forecast fixture moved to ``day`` (after the embedded history)."""
    text = (DATA / FILES["kp_forecast"]).read_text()
    first = text.index('"time_tag":"') + len('"time_tag":"')
    old_day = text[first : first + 10]
    return text.replace(old_day, day).encode()


def test_offline_after_the_history_takes_a_cached_swpc_forecast():
    now = dt.datetime(2026, 12, 7, 12, tzinfo=dt.UTC)
    server = Server(kp_forecast=_forecast_for("2026-12-07"))
    fetch(server, "kp_forecast", now=now)  # an earlier online run left this copy in the cache
    value, label = swpc.kp_now("2026-12-07T01:00Z", offline=True, now=now)
    assert label.startswith("SWPC forecast: observed (cached)")
    assert value == pytest.approx(3.33)


def test_kp_chain_unreachable_falls_back():
    def refuse(request):
        raise httpx.ConnectError("connection refused")

    client = httpx.Client(transport=httpx.MockTransport(refuse))
    value, label = swpc.kp_now("2017-01-18T21:00Z", offline=False, now=NOW, client=client)
    assert value == pytest.approx(10 / 3)
    assert label == "embedded CelesTrak history (SWPC unreachable: ConnectError: connection refused)"
    with pytest.warns(NorrskenWarning, match="assumed"):
        value, label = swpc.kp_now("2099-01-01T00:00Z", offline=False, now=NOW, client=client)
    assert label.endswith("(SWPC unreachable: ConnectError: not tried: ConnectError: connection refused)")


# ---------------------------------------------------------------- conditions now


def test_conditions_now_reports_each_product_with_its_own_time_and_staleness():
    server = Server()
    # Just after the newest solar-wind rows (2026-04-18 14:30): fresh wind; OVATION is from 2025.
    now = dt.datetime(2026, 4, 18, 14, 35, tzinfo=dt.UTC)
    conditions = swpc.conditions_now(69.65, 18.96, now=now, client=server.client)
    wind, ovation = conditions["solar_wind"], conditions["ovation"]
    assert not wind["stale"] and wind["time"].startswith("2026-04-18T14:3")
    assert wind["bz_gsm_nt"] is not None and -50.0 < wind["bz_gsm_nt"] < 50.0
    assert wind["speed_km_s"] is not None and 200.0 < wind["speed_km_s"] < 1500.0
    assert "SWPC mag (live" in wind["source"] and "SWPC plasma (live" in wind["source"]
    assert ovation["stale"] and "STALE" in ovation["source"]  # a forecast of 2025-01-12, a year old
    assert 0.0 <= ovation["probability_percent"] <= 100.0
    assert ovation["cell"][0] == 70.0 and ovation["cell"][1] in (14.0, 19.0, 0.0)  # nearest cell present


def test_conditions_now_names_what_is_unavailable():
    server = Server()
    server.replies = [httpx.ConnectError("no route")] * 12
    conditions = swpc.conditions_now(69.65, 18.96, now=NOW, client=server.client)
    assert "error" in conditions["solar_wind"] and "error" in conditions["ovation"]
    with pytest.raises(NorrskenError, match="lat must lie between -90 and 90"):
        swpc.conditions_now(95.0, 0.0, now=NOW, client=server.client)
