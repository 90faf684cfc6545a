"""Space-weather drivers: geomagnetic and solar indices at a time."""

from .kp import SpaceWeather, covered_range, kp_at, space_weather

__all__ = ["SpaceWeather", "covered_range", "kp_at", "space_weather"]
