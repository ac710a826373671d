"""Geography for the assessment: geodesy, the zone index, and predicted paths and exposures.

Computation only, no I/O: pyproj for geodesics and the projection, shapely 2 for geometry.
Build one :class:`ZoneIndex` per coalition, then call :func:`predict_exposures` per threat state.
"""

from tanbih.geo.geodesy import WgsGeodesy
from tanbih.geo.path import (
    BALLISTIC,
    UNCERTAINTY,
    ZERO_UNCERTAINTY,
    PredictedPath,
    Uncertainty,
    predict_path,
)
from tanbih.geo.prediction import predict_exposures
from tanbih.geo.zone_index import ZoneIndex

__all__ = [
    "BALLISTIC",
    "UNCERTAINTY",
    "ZERO_UNCERTAINTY",
    "PredictedPath",
    "Uncertainty",
    "WgsGeodesy",
    "ZoneIndex",
    "predict_exposures",
    "predict_path",
]
