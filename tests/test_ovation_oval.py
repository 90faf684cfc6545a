"""OVATION Prime in the oval-model seam: ``model="ovation"`` and ``"auto"`` in the API and the CLI,
its per-type variables and driver in the products, and what happens without solar wind."""

import json
import math

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from norrsken import MODELS, NorrskenError, NorrskenWarning, OvationPrime, oval
from norrsken.cli import app
from norrsken.drivers.solarwind import OMNI_SOURCE, SolarWindGap
from norrsken.precipitation import edges, ovation_prime

runner = CliRunner()


@pytest.fixture(scope="module")
def seed_night():
    return oval("2017-01-18T21:00Z", model="ovation")


def test_the_models_are_registered():
    assert {"zhang-paxton", "ovation", "auto"} <= set(MODELS)
    assert isinstance(MODELS["ovation"], OvationPrime)


def test_an_ovation_oval_carries_its_types_and_driver(seed_night):
    ds = seed_night
    assert ds.attrs["model_name"] == ds.attrs["model_requested"] == "ovation"
    assert ds.attrs["dphi_source"] == OMNI_SOURCE and 2000 < ds.attrs["dphi"] < 5000
    assert "kp" not in ds.attrs
    assert set(ovation_prime.COMPONENTS) <= set(ds.data_vars)
    electrons = sum(ds[f"{kind}_energy_flux_erg"] for kind in ovation_prime.ELECTRON_TYPES)
    lit = ds["energy_flux_erg"] > 0
    np.testing.assert_allclose(ds["energy_flux_erg"].values[lit], electrons.values[lit], rtol=1e-9)
    assert 10 < ds.attrs["hemispheric_power_north_gw"] < 40
    boundary, view = edges(ds)["north"]
    midnight = float(boundary["mlat"].sel(mlt=0.0))
    assert 55 < midnight < 68


def test_auto_runs_ovation_where_there_is_solar_wind(seed_night):
    ds = oval("2017-01-18T21:00Z", model="auto")
    assert ds.attrs["model_name"] == "ovation" and ds.attrs["model_requested"] == "auto"
    assert ds.attrs["dphi"] == seed_night.attrs["dphi"] and ds.attrs["kp"] == pytest.approx(10 / 3)
    np.testing.assert_array_equal(ds["energy_flux_erg"].values, seed_night["energy_flux_erg"].values)


def test_before_the_embedded_solar_wind():
    with pytest.raises(SolarWindGap, match="embedded OMNI hours cover 2011-01-01"):
        oval("2003-10-30T00:00Z", model="ovation")
    with pytest.warns(NorrskenWarning, match="falls back to Zhang & Paxton"):
        ds = oval("2003-10-30T00:00Z", model="auto")
    assert ds.attrs["model_name"] == "zhang-paxton" and math.isnan(ds.attrs["dphi"])
    assert "fallback" in ds.attrs["kp_source"] and ds.attrs["hemispheric_power_north_gw"] > 100


def test_a_coupling_or_solar_wind_by_hand():
    ds = oval("2003-10-30T00:00Z", model="ovation", indices={"dphi": 8000.0}, resolution_deg=2.0)
    assert ds.attrs["dphi"] == 8000.0 and ds.attrs["dphi_source"] == "user override"
    windy = oval("2003-10-30T00:00Z", model="ovation", indices={"solar_wind": "700,0,-10,5"}, resolution_deg=2.0)
    assert windy.attrs["dphi_source"].startswith("user override: solar wind")
    assert windy.attrs["hemispheric_power_north_gw"] > 0


@pytest.mark.parametrize(
    "given", [{"dphi": math.nan}, {"dphi": -5.0}, {"solar_wind": "-400,0,-5,5"}, {"solar_wind": "400,0,nan,5"}]
)
def test_bad_solar_wind_is_a_clear_error_not_a_zero_oval(given):
    with pytest.raises(NorrskenError, match="dphi|solar_wind"):
        oval("2017-01-18T21:00Z", model="ovation", indices=given)


@pytest.mark.parametrize("time", ["2017-01-18T21:00Z", "2017-09-08T00:00Z"])
def test_the_cli_writes_all_products(time, tmp_path):
    result = runner.invoke(app, ["oval", "--model", "ovation", "--time", time, "--out", str(tmp_path), "--json", "--offline"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["model_name"] == "ovation" and summary["dphi_source"] == OMNI_SOURCE
    assert set(summary["files"]) == {"map", "boundary", "dataset"}
    assert all(path.endswith(("-ovation.png", "-ovation.geojson", "-ovation.nc")) for path in summary["files"].values())
    with xr.open_dataset(summary["files"]["dataset"], engine="h5netcdf") as ds:
        assert "diffuse_energy_flux_erg" in ds and ds.attrs["dphi"] == pytest.approx(summary["dphi"])


def test_the_cli_before_2011(tmp_path):
    refused = runner.invoke(app, ["oval", "--model", "ovation", "--time", "2003-10-30T00:00Z", "--out", str(tmp_path)])
    assert refused.exit_code == 2
    assert "no solar wind for 2003-10-30T00:00Z" in refused.output and "--dphi" in refused.output
    assert not list(tmp_path.iterdir())
    fallback = runner.invoke(app, ["oval", "--model", "auto", "--time", "2003-10-30T00:00Z", "--out", str(tmp_path), "--json"])
    assert fallback.exit_code == 0, fallback.output
    assert "falls back to Zhang & Paxton" in fallback.stderr
    assert json.loads(fallback.stdout)["model_name"] == "zhang-paxton"


def test_the_forecast_takes_a_coupling_by_hand():
    result = runner.invoke(
        app,
        ["forecast", "--model", "auto", "--dphi", "9000", "--lat", "69.65", "--lon", "18.96", "--start",
         "2003-10-30T18:00Z", "--hours", "1", "--offline", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    steps = json.loads(result.stdout)["steps"]
    assert all(step["dphi"] == 9000.0 and step["dphi_source"] == "user override" for step in steps)
