"""Geography, computation only (no I/O): pyproj for geodesics and projection, shapely 2 for
geometry.

For the assessment: build one :class:`ZoneIndex` per coalition, then call
:func:`predict_exposures` per threat state, and :func:`predict_path` to draw one. The uncertainty
model is :data:`UNCERTAINTY`. (``tanbih.geo.area_owners`` serves routing.)
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
