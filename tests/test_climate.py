"""Climatology: agreement with the single-place forecast, conservation and limits, chunk, block and
worker independence, the cube's round trip through NetCDF and Zarr, the map, the command line, and
bad input met with one clear error.

Cost: three single-place forecasts (one column table per hour each, ~0.2 s), one small region
(60-70 N, 0-30 E at 2 deg, one night) in this process and on the module's one two-worker
LocalCluster, a handful of few-point runs, and the map (the 0.25 deg land mask is built once per
session, ~8 s on two cores).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import xarray as xr
from PIL import Image
from typer.testing import CliRunner

from norrsken import climate, tasks
from norrsken.cli import app
from norrsken.climate import block_counts
from norrsken.errors import NorrskenError, NorrskenWarning, OutOfRangeError
from norrsken.geometry import Region
from norrsken.io import open_dataset, write_dataset
from norrsken.plots import plot
from norrsken.visibility import forecast

runner = CliRunner()

TROMSO = (69.65, 18.96)
ROME = (41.9, 12.5)
DAY = ("2017-01-18T12:00Z", "2017-01-19T12:00Z")  # noon to noon, 49 steps of 30 min (end included)
NIGHT = ("2017-01-18T15:00Z", "2017-01-19T07:00Z")  # a winter night over Europe, 16 h
#: The small region of the worker comparison, conservation checks and the map.
SMALL = (60.0, 70.0, 0.0, 30.0)
NAKED_EYE = ("naked eye, low", "naked eye, high", "overhead")
NOT_SEEN = ("daylight", "not visible")
VARIABLES = ("dark_hours", "naked_eye_hours", "camera_hours", "naked_eye_fraction")


def point(lat: float, lon: float, start: str, end: str, **kwargs) -> xr.Dataset:
    """The climatology of one observer (a region of one grid point)."""
    return climate.climatology((lat, lat, lon, lon), start, end, step="30min", **kwargs)


def forecast_hours(lat: float, lon: float, start: str, end: str, kp: float | None = None) -> dict:
    """Dark, naked-eye and camera hours from the single-place forecast's verdicts (30 min steps),
    under the natural sky as the climatology counts them (no towns' glow)."""
    ds = forecast(start, lat, lon, end=end, step="30min", indices={"kp": kp}, light_pollution=False)
    verdict = ds["verdict"].values.astype(str)
    return {
        "steps": verdict.size,
        "dark": 0.5 * np.sum(verdict != "daylight"),
        "naked": 0.5 * np.sum(np.isin(verdict, NAKED_EYE)),
        "camera": 0.5 * np.sum(~np.isin(verdict, NOT_SEEN)),
    }


@pytest.fixture(scope="module")
def tromso_day():
    return point(*TROMSO, *DAY)


@pytest.fixture(scope="module")
def night():
    """The small region over one night, in this process, with the progress calls it made."""
    calls = []
    ds = climate.climatology(
        SMALL, *NIGHT, resolution_deg=2.0, step="60min",
        on_progress=lambda done, total: calls.append((done, total)),
    )
    return ds, calls


@pytest.fixture(scope="module")
def summer():
    """Midsummer night along 15 E: dark only at 55 and 60 N; midnight sun from 65 N."""
    return climate.climatology(
        (55.0, 75.0, 15.0, 15.0), "2017-06-20T18:00Z", "2017-06-21T06:00Z", resolution_deg=5.0, step="30min"
    )


# --- the same verdicts as the single-place forecast -----------------------------------------------------


@pytest.mark.slow
def test_tromso_agrees_with_the_forecast(tromso_day):
    """Tromso, 2017-01-18 noon to noon (Kp 3-4 from the history): the aurora all night."""
    expected = forecast_hours(*TROMSO, *DAY)
    ds = tromso_day
    assert ds.attrs["steps"] == expected["steps"] == 49
    assert ds["dark_hours"].shape == (1, 1)
    assert ds["dark_hours"].item() == expected["dark"]  # the same Sun, exactly
    # The footprint grid and the night's atmosphere differ from the forecast's: one step either way.
    assert ds["naked_eye_hours"].item() == pytest.approx(expected["naked"], abs=0.5)
    assert ds["camera_hours"].item() == pytest.approx(expected["camera"], abs=0.5)
    assert expected["naked"] >= 10.0 and ds["naked_eye_hours"].item() >= 10.0  # not agreement on nothing
    assert ds["naked_eye_fraction"].item() == pytest.approx(ds["naked_eye_hours"].item() / ds["dark_hours"].item())


@pytest.mark.slow
@pytest.mark.parametrize(
    ("place", "kp", "naked"),
    [
        (ROME, None, "none"),  # Kp from the history (3-4): nothing to see from Rome
        ((55.0, 10.0), 8.0, "most"),  # Denmark under a Kp 8 storm: most of the night
    ],
    ids=["rome-history", "denmark-kp8"],
)
def test_other_places_agree_with_the_forecast(place, kp, naked):
    expected = forecast_hours(*place, *NIGHT, kp=kp)
    ds = point(*place, *NIGHT, indices={"kp": kp})
    assert ds.attrs["steps"] == expected["steps"] == 33
    assert ds["dark_hours"].item() == expected["dark"]
    assert ds["naked_eye_hours"].item() == pytest.approx(expected["naked"], abs=0.5)
    assert ds["camera_hours"].item() == pytest.approx(expected["camera"], abs=0.5)
    if naked == "none":
        assert expected["naked"] == ds["naked_eye_hours"].item() == 0.0
        assert expected["camera"] == ds["camera_hours"].item() == 0.0
        assert ds["dark_hours"].item() > 10.0 and ds["naked_eye_fraction"].item() == 0.0
    else:
        assert expected["naked"] >= 10.0 and ds["naked_eye_hours"].item() >= 10.0
        assert ds.attrs["kp_source"] == "user override" and ds.attrs["kp_override"] == 8.0


def test_block_counts_are_the_climatology_in_steps(tromso_day):
    times = np.datetime64("2017-01-18T12:00", "ms") + np.arange(49) * np.timedelta64(30, "m")
    counts = block_counts(np.array([TROMSO[0]]), np.array([TROMSO[1]]), times, (70.0, 15.0))
    assert set(counts) == {"dark", "naked_eye", "camera"}
    for key, name in (("dark", "dark_hours"), ("naked_eye", "naked_eye_hours"), ("camera", "camera_hours")):
        assert counts[key].shape == (1, 1) and counts[key].dtype.kind == "i"
        assert counts[key][0, 0] * 0.5 == tromso_day[name].item()


# --- conservation and limits -------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["night", "summer", "tromso_day"])
def test_hours_nest_and_the_fraction_is_theirs(name, request):
    ds = request.getfixturevalue(name)
    ds = ds[0] if isinstance(ds, tuple) else ds
    dark, naked, camera = (ds[key].values for key in ("dark_hours", "naked_eye_hours", "camera_hours"))
    fraction = ds["naked_eye_fraction"].values
    step_h = ds.attrs["step_minutes"] / 60.0
    assert np.all(naked <= camera) and np.all(camera <= dark)
    assert np.all(naked >= 0) and np.all(dark <= ds.attrs["steps"] * step_h)
    for values in (dark, naked, camera):  # whole steps
        np.testing.assert_array_equal(values / step_h, np.round(values / step_h))
    assert np.array_equal(np.isnan(fraction), dark == 0)  # NaN exactly where it never gets dark
    lit = dark > 0
    assert np.all((fraction[lit] >= 0) & (fraction[lit] <= 1))
    np.testing.assert_allclose(fraction[lit], naked[lit] / dark[lit], rtol=1e-12)


@pytest.mark.slow
def test_a_polar_night_is_dark_all_the_time():
    """80-90 N at the winter solstice: the Sun never rises above -13 deg; every step is dark."""
    ds = climate.climatology(
        (80.0, 90.0, 0.0, 0.0), "2017-12-21T00:00Z", "2017-12-22T00:00Z", resolution_deg=5.0, step="60min"
    )
    assert ds.attrs["steps"] == 25  # the end is included: 25 steps of 1 h
    np.testing.assert_array_equal(ds["dark_hours"].values, 25.0)
    assert np.all(ds["naked_eye_fraction"].values >= 0) and np.isfinite(ds["naked_eye_fraction"].values).all()


def test_the_midnight_sun_has_no_dark_hours(summer):
    ds = summer
    np.testing.assert_array_equal(ds["lat"].values, [55.0, 60.0, 65.0, 70.0, 75.0])
    at_70 = ds.sel(lat=70.0, lon=15.0)
    assert at_70["dark_hours"].item() == 0.0 and np.isnan(at_70["naked_eye_fraction"].item())
    assert at_70["naked_eye_hours"].item() == at_70["camera_hours"].item() == 0.0
    # 55 N still gets a few dark hours around midnight, 60 N barely (Sun -6.6 deg at its lowest).
    assert ds["dark_hours"].values[0, 0] > ds["dark_hours"].values[1, 0] > 0
    np.testing.assert_array_equal(ds["dark_hours"].values[2:, 0], 0.0)


def test_a_storm_shows_more_than_a_quiet_night():
    region, window = (55.0, 60.0, 10.0, 20.0), ("2017-01-18T16:00Z", "2017-01-19T06:00Z")
    quiet = climate.climatology(region, *window, resolution_deg=5.0, indices={"kp": 0.0})
    storm = climate.climatology(region, *window, resolution_deg=5.0, indices={"kp": 7.0})
    xr.testing.assert_equal(quiet["dark_hours"], storm["dark_hours"])  # Kp does not move the Sun
    assert np.all(storm["naked_eye_hours"].values >= quiet["naked_eye_hours"].values)
    assert storm["naked_eye_hours"].sum() > quiet["naked_eye_hours"].sum() + 10.0
    assert quiet["naked_eye_hours"].max() == 0.0  # Kp 0: the oval stays far north of 60 N
    assert storm["naked_eye_hours"].min() > 5.0
    assert quiet.attrs["kp_override"] == 0.0 and storm.attrs["kp_source"] == "user override"


# --- chunk, block and worker independence ------------------------------------------------------------


def test_two_consecutive_windows_add_up_to_the_whole(tromso_day):
    """Noon to 23:30 and midnight to noon (the end is included, so the halves must not share a step)."""
    first = point(*TROMSO, "2017-01-18T12:00Z", "2017-01-18T23:30Z")
    second = point(*TROMSO, "2017-01-19T00:00Z", DAY[1])
    assert first.attrs["steps"] + second.attrs["steps"] == tromso_day.attrs["steps"]
    for name in VARIABLES[:3]:
        assert first[name].item() + second[name].item() == tromso_day[name].item()
    assert first["naked_eye_hours"].item() > 0 and second["naked_eye_hours"].item() > 0


def test_tasks_of_a_few_steps_give_the_same_counts(tromso_day, monkeypatch):
    """Weeks are the tasks of a season; with a 2-hour 'week' the day is 13 tasks."""
    monkeypatch.setattr(climate, "CHUNK_DAYS", 2.0 / 24.0)
    calls = []
    ds = point(*TROMSO, *DAY, on_progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (13, 13)
    xr.testing.assert_identical(ds, tromso_day)


def test_a_box_across_the_antimeridian_equals_its_two_halves():
    """175 E to 175 W: the three points share one column-table block; computed in two runs (with
    other neighbours, so other footprints are pruned) they must count the same steps."""
    window = ("2017-01-18T06:00Z", "2017-01-18T18:00Z")  # the night at 180 deg
    across = climate.climatology((65.0, 65.0, 175.0, 185.0), *window, resolution_deg=5.0)
    west = climate.climatology((65.0, 65.0, 175.0, 175.0), *window, resolution_deg=5.0)
    east = climate.climatology((65.0, 65.0, -180.0, -175.0), *window, resolution_deg=5.0)
    np.testing.assert_array_equal(across["lon"].values, [175.0, 180.0, 185.0])  # increasing across 180
    for name in VARIABLES:
        joined = np.concatenate([west[name].values, east[name].values], axis=1)
        np.testing.assert_array_equal(across[name].values, joined)
    assert across["dark_hours"].min() > 10.0 and across["naked_eye_hours"].max() > 5.0


@pytest.mark.slow
def test_two_dask_workers_give_identical_arrays(night):
    reference, calls = night
    assert len(calls) == 9 and calls[-1] == (9, 9)  # 2 x 3 column-table blocks, one night: 9 tasks
    done = []
    with tasks.dask_client(workers=2) as client:
        assert len(client.scheduler_info()["workers"]) == 2
        ds = climate.climatology(
            SMALL, *NIGHT, resolution_deg=2.0, step="60min", client=client,
            on_progress=lambda finished, total: done.append((finished, total)),
        )
    xr.testing.assert_identical(ds, reference)
    assert sorted(done) == [(i, 9) for i in range(1, 10)]
    # Not a trivial match: the region holds a range of hours.
    assert reference["naked_eye_hours"].min() < reference["naked_eye_hours"].max()
    assert reference.sizes == {"lat": 6, "lon": 16}


# --- NetCDF and Zarr ---------------------------------------------------------------------------------


def _plain(value):
    """An attribute as plain Python data (NetCDF gives lists back as arrays, numbers as numpy scalars)."""
    return np.asarray(value).tolist()


@pytest.mark.parametrize("suffix", [".nc", ".zarr"])
@pytest.mark.parametrize("name", ["night", "summer"])
def test_the_cube_round_trips_with_coordinates_and_units(suffix, name, request, tmp_path):
    ds = request.getfixturevalue(name)
    ds = ds[0] if isinstance(ds, tuple) else ds
    path = write_dataset(ds, tmp_path / f"x{suffix}")
    assert path.exists()
    back = open_dataset(path)
    assert set(back.data_vars) == set(VARIABLES) and set(back.coords) == {"lat", "lon"}
    assert back.sizes == ds.sizes
    for coord in ("lat", "lon"):
        np.testing.assert_array_equal(back[coord].values, ds[coord].values)
    for key in VARIABLES:
        assert back[key].dims == ("lat", "lon")
        original = ds[key].values
        np.testing.assert_array_equal(np.isnan(back[key].values), np.isnan(original))
        np.testing.assert_allclose(back[key].values, original, rtol=1e-6, equal_nan=True)
    for key in (*VARIABLES, "lat", "lon"):
        for attr in ("units", "long_name") if key in VARIABLES else ("units",):
            assert back[key].attrs[attr] == ds[key].attrs[attr], (key, attr)
    assert set(back.attrs) == set(ds.attrs)
    for key, value in ds.attrs.items():
        assert _plain(back.attrs[key]) == _plain(value), key
    assert _plain(back.attrs["region"]) == list(ds.attrs["region"]) and len(back.attrs["region"]) == 4
    assert back.attrs["kp_source"] == "embedded CelesTrak history"
    if name == "summer":  # the NaN fractions survive
        assert np.isnan(back["naked_eye_fraction"].values).sum() == 3


def test_a_zarr_store_is_replaced_but_a_foreign_folder_is_not(night, summer, tmp_path):
    path = tmp_path / "x.zarr"
    write_dataset(summer, path)
    write_dataset(night[0], path)  # a store of ours: replaced
    back = open_dataset(path)
    assert back.sizes == night[0].sizes and back.attrs["start"] == night[0].attrs["start"]
    folder = tmp_path / "photos.zarr"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"not zarr")
    with pytest.raises(NorrskenError, match="exists and is not a Zarr store"):
        write_dataset(summer, folder)
    assert [p.name for p in folder.iterdir()] == ["holiday.jpg"]


@pytest.mark.parametrize(
    ("name", "match"),
    [
        ("x.txt", r"must end in \.nc \(NetCDF\) or \.zarr \(Zarr\)"),
        ("x.png", r"must end in \.nc \(NetCDF\) or \.zarr \(Zarr\)"),
        ("x", r"must end in \.nc"),
        ("missing/x.zarr", "folder of output file .* does not exist"),
        ("missing/x.nc", "folder of output file .* does not exist"),
    ],
)
def test_writing_to_a_bad_path(summer, tmp_path, name, match):
    with pytest.raises(NorrskenError, match=match):
        write_dataset(summer, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


# --- the map -----------------------------------------------------------------------------------------


def _colourful(path) -> float:
    """Fraction of the image's pixels in colour (the panels' cells; text, axes and coasts are grey)."""
    with Image.open(path) as image:
        rgb = np.asarray(image.convert("RGB")).astype(int)
    return float(np.mean(rgb.max(axis=2) - rgb.min(axis=2) > 10))


def test_the_map(night, tmp_path):
    ds, _ = night
    path = plot(ds, tmp_path / "night.png")
    assert path == tmp_path / "night.png" and 20_000 < path.stat().st_size < 2_000_000
    with Image.open(path) as image:
        assert image.format == "PNG"
        width, height = image.size
        rgb = np.asarray(image.convert("RGB"))
    assert width > 900 and 350 < height < width
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 200  # two colour maps, not a blank page
    assert _colourful(path) > 0.25  # both panels filled with cells
    left, right = rgb[:, : width // 2], rgb[:, width // 2 :]
    assert len(np.unique(left.reshape(-1, 3), axis=0)) > 50 and len(np.unique(right.reshape(-1, 3), axis=0)) > 50


def test_the_map_of_a_single_row(night, tmp_path):
    # One row of points is drawn as one row of cells (a strip: ~9 % of the image is coloured; an
    # empty panel, with only axes, text and coastlines, gives under 1 %).
    ds, _ = night
    path = plot(ds.isel(lat=[2]), tmp_path / "row.png")
    assert _colourful(path) > 0.04


# --- the command line -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    out = folder / "x.zarr"
    result = runner.invoke(
        app,
        [
            "climatology", "--region", "60,70,0,20", "--start", "2017-01-18T18:00Z", "--end", "2017-01-18T22:00Z",
            "--resolution", "2", "--out", str(out), "--workers", "0", "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    return folder, out, json.loads(result.stdout), open_dataset(out)


def test_cli_writes_the_store_the_map_and_json(cli_run):
    folder, out, summary, ds = cli_run
    assert summary["file"] == str(out) and summary["map"] == str(folder / "x.png")
    assert summary["grid"] == [6, 11] and summary["steps"] == 5
    assert (out / "zarr.json").exists() and (folder / "x.png").stat().st_size > 20_000
    with Image.open(folder / "x.png") as image:
        assert image.format == "PNG"
    assert ds.sizes == {"lat": 6, "lon": 11} and ds.attrs["step_minutes"] == 60.0
    assert ds.attrs["start"] == "2017-01-18T18:00:00Z" and ds.attrs["end"] == "2017-01-18T22:00:00Z"
    np.testing.assert_array_equal(ds["lat"].values, np.arange(60.0, 70.1, 2.0))
    np.testing.assert_array_equal(ds["lon"].values, np.arange(0.0, 20.1, 2.0))
    assert summary["dark_hours_max"] == float(ds["dark_hours"].max()) == 5.0
    assert summary["naked_eye_hours_max"] == float(ds["naked_eye_hours"].max()) > 0


def test_cli_most_at_is_a_point_of_the_maximum(cli_run):
    _, _, summary, ds = cli_run
    most = ds["naked_eye_hours"].sel(lat=summary["most_at"][0], lon=summary["most_at"][1])
    assert float(most) == summary["naked_eye_hours_max"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--region", "60,70,0"], "a region must look like LAT1,LAT2,LON1,LON2"),
        (["--region", "70,60,0,20"], "-90 <= LAT1 <= LAT2 <= 90"),
        (["--region", "60,70,0,20", "--step", "0s"], "--step must be a positive duration, got '0s'"),
    ],
)
def test_cli_bad_input_is_one_error_line(extra, message, tmp_path):
    result = runner.invoke(
        app,
        [
            "climatology", "--start", "2017-01-18T18:00Z", "--end", "2017-01-18T22:00Z",
            "--out", str(tmp_path / "x.zarr"), "--workers", "0", *extra,
        ],
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0]
    assert result.stdout == "" and list(tmp_path.iterdir()) == []


# --- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("60,70,10", "a region must look like LAT1,LAT2,LON1,LON2 in degrees, e.g. 50,72,-10,35, got '60,70,10'"),
        ("a,b,c,d", "a region must look like LAT1,LAT2,LON1,LON2"),
        ("60,70,0,10,20", "a region must look like LAT1,LAT2,LON1,LON2"),
        ("", "a region must look like LAT1,LAT2,LON1,LON2"),
        ("70,60,0,10", r"a region's latitudes must satisfy -90 <= LAT1 <= LAT2 <= 90, got 70, 60"),
        ("60,95,0,10", r"a region's latitudes must satisfy -90 <= LAT1 <= LAT2 <= 90, got 60, 95"),
        ("-95,60,0,10", r"a region's latitudes must satisfy"),
        ("nan,60,0,10", "a region's bounds must be finite numbers"),
        ("60,70,0,inf", "a region's bounds must be finite numbers"),
        ("60,70,-190,0", r"a region's longitudes must lie from -180 to 540 degrees, got -190, 0"),
        ("60,70,0,400", r"a region's longitudes must run east from LON1 \(-180 to 180\) to LON2, at most 360 deg on, "
         r"got 0, 400"),
    ],
)
def test_bad_regions(text, match):
    with pytest.raises(NorrskenError, match=match):
        Region.parse(text)


def test_good_regions():
    assert Region.parse(" 50, 72,-10,35") == Region(50.0, 72.0, -10.0, 35.0)
    lat, lon = Region.parse("60,62,170,190").axes(5.0)
    np.testing.assert_array_equal(lat, [60.0])
    np.testing.assert_array_equal(lon, [170.0, 175.0, 180.0, 185.0, 190.0])  # increasing across 180
    # The same box written with its eastern edge west of the western one, as a map shows it.
    assert Region.parse("60,62,170,-170") == Region.parse("60,62,170,190")
    # A western edge east of the eastern one is the box the long way round, not an error.
    assert Region.parse("60,70,10,0") == Region(60.0, 70.0, 10.0, 360.0)
    _, lon = Region.parse("0,0,-180,180").axes(90.0 / 9)  # a full circle: its first meridian once
    assert lon.size == 36 and np.unique(lon).size == 36


WINDOW = ("2017-01-18T18:00Z", "2017-01-18T20:00Z")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(resolution_deg=0.0), NorrskenError, "resolution_deg must lie between 0.05 and 10 deg, got 0"),
        (dict(resolution_deg=20.0), NorrskenError, "resolution_deg must lie between 0.05 and 10 deg, got 20"),
        (dict(step="0min"), NorrskenError, "step must be a positive duration, got '0min'"),
        (dict(step="2000min"), NorrskenError, "the step must lie between 1min and 1d, got '2000min'"),
        (dict(step=True), NorrskenError, "step must be a duration such as '60s', '30min' or a timedelta, got True"),
        (
            dict(start="2017-01-18T21:00Z"),
            NorrskenError,
            r"the end \(2017-01-18 20:00\) lies before the start \(2017-01-18 21:00\)",
        ),
        (
            dict(start="1900-01-18T18:00Z", end="1900-01-18T20:00Z"),
            OutOfRangeError,
            r"no embedded space weather for 1900-01-18 18:00 UTC.*give kp=\.\.\. to set Kp yourself",
        ),
        (
            dict(start="2100-01-18T18:00Z", end="2100-01-18T20:00Z", indices={"kp": 5.0}),  # past the magnetic coordinates
            OutOfRangeError,
            "AACGM-v2 magnetic coordinates: available from .* not at 2100-01-18 18:00 UTC",
        ),
        (  # the end of the history: the last step is checked before any work, too
            dict(start="1957-09-30T22:00Z", end="1957-10-01T02:00Z"),
            OutOfRangeError,
            "no embedded space weather for 1957-09-30 22:00 UTC",
        ),
        (dict(start="2017-01-18T18:00"), NorrskenError, "time"),  # no time zone
        (dict(region=(-90.0, 90.0, -180.0, 180.0), resolution_deg=0.1), NorrskenError, r"1801 x 3600 grid points"),
        (dict(step="1min", end="2017-07-18T18:00Z"), NorrskenError, r"steps of 1min; at most 200000: use a longer step"),
        (dict(region=(70.0, 60.0, 0.0, 10.0)), NorrskenError, "a region's latitudes"),
    ],
)
def test_bad_climatology_input(kwargs, error, match):
    call = dict(region=(60.0, 62.0, 10.0, 12.0), start=WINDOW[0], end=WINDOW[1], resolution_deg=2.0)
    call |= kwargs
    with pytest.raises(error, match=match):
        climate.climatology(call.pop("region"), call.pop("start"), call.pop("end"), **call)


def test_a_kp_override_after_the_history():
    with pytest.warns(NorrskenWarning, match="the atmosphere takes the F10.7"):
        ds = climate.climatology(
            (62.0, 62.0, 10.0, 10.0), "2026-12-18T18:00Z", "2026-12-18T20:00Z", resolution_deg=2.0, indices={"kp": 5.0}
        )
    assert ds["dark_hours"].item() == 3.0


def test_big_blocks_are_cut_without_changing_the_counts(monkeypatch):
    region, window = (60.0, 64.0, 0.0, 14.0), ("2017-01-18T18:00Z", "2017-01-18T21:00Z")
    whole = climate.climatology(region, *window, resolution_deg=2.0)
    monkeypatch.setattr(climate, "MAX_BLOCK_OBSERVERS", 3)
    cut = climate.plan(region, *window, resolution_deg=2.0)
    assert all(rows.size * cols.size <= 3 for *_, rows, cols in cut.jobs)
    xr.testing.assert_identical(climate.run(cut), whole)


def test_cli_takes_plain_dates_as_whole_days(tmp_path):
    out = tmp_path / "days.nc"
    result = runner.invoke(
        app,
        ["climatology", "--region", "69,69,19,19", "--start", "2017-01-18", "--end", "2017-01-18", "--out", str(out),
         "--workers", "0", "--json"],
    )
    assert result.exit_code == 0, result.output
    ds = open_dataset(out)
    assert ds.attrs["start"] == "2017-01-18T00:00:00Z" and ds.attrs["end"] == "2017-01-18T23:00:00Z"
    assert ds.attrs["steps"] == 24
