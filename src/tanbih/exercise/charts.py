"""The report's charts, drawn by matplotlib and kept as inline SVG (the report loads nothing)."""

from __future__ import annotations

import io
from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")  # no display: render to files only

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from tanbih.domain.coalition import Zone
from tanbih.exercise.flight import Flight
from tanbih.exercise.record import RunRecord
from tanbih.exercise.scores import Scores

_VERDICT_COLOURS = {
    "in_time": "#2e7d32",
    "late": "#ef6c00",
    "missed": "#c62828",
    "warned_not_reached": "#90a4ae",
    "warned": "#1565c0",
    "false_alarm": "#6a1b9a",
}
plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "svg.hashsalt": "tanbih"})


def _svg(draw: Callable[[Axes], None], size: tuple[float, float] = (7.0, 3.2)) -> str:
    figure = Figure(figsize=size, layout="constrained")
    draw(figure.add_subplot())
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None})
    text = out.getvalue()
    return text[text.index("<svg") :]


def margin_chart(scores: Scores) -> str | None:
    """Warning margin per zone the threats reached: time to shelter to spare (or short)."""
    zones = [z for z in scores.zones if z.arrival_s is not None][:40]
    if not zones:
        return None

    def draw(ax: Axes) -> None:
        margins = [z.margin_s if z.margin_s is not None else -z.shelter_s for z in zones]
        colours = [_VERDICT_COLOURS[z.verdict] for z in zones]
        ax.barh([z.zone_id for z in zones], margins, color=colours)
        ax.axvline(0, color="black", linewidth=0.8)
        ax.set_xlabel("margin (s): arrival − shelter order − time to shelter")
        ax.invert_yaxis()

    return _svg(draw, (7.0, max(1.6, 0.25 * len(zones) + 1)))


def latency_chart(record: RunRecord, received: dict[str, float]) -> str | None:
    """Delivery latency per channel, first attempts that delivered (box plot, log scale)."""
    by_kind: dict[str, list[float]] = {}
    for d in record.deliveries:
        if d.delivered and d.escalation_step == 0 and d.alert_id in received:
            ms = max((d.at.timestamp() - received[d.alert_id]) * 1000, 0.01)
            by_kind.setdefault(d.kind, []).append(ms)
    if not by_kind:
        return None

    def draw(ax: Axes) -> None:
        kinds = sorted(by_kind)
        ax.boxplot([by_kind[k] for k in kinds], tick_labels=kinds, orientation="horizontal")
        ax.set_xscale("log")
        ax.set_xlabel("ms from the message accepted to delivered")

    return _svg(draw, (7.0, 0.5 * len(by_kind) + 1.2))


def ack_chart(scores: Scores) -> str | None:
    """Time each partner took to acknowledge, per event."""
    if not scores.ack_times:
        return None

    def draw(ax: Axes) -> None:
        partners = sorted(scores.ack_times)
        for row, partner in enumerate(partners):
            times = scores.ack_times[partner]
            ax.scatter(times, [row] * len(times), s=18)
        ax.set_yticks(range(len(partners)), partners)
        ax.set_xlabel("s from first reached to acknowledged")

    return _svg(draw, (7.0, 0.35 * len(scores.ack_times) + 1.2))


def _frame(ax: Axes, flights: tuple[Flight, ...], shown: list[Zone]) -> None:
    """Frame the threats' paths (or, without any, the warned zones), with room around."""
    points = [(s.lon, s.lat) for f in flights for s in f.track(30.0)]
    if not points:
        points = [(lon, lat) for z in shown for lat, lon in z.rings[0]]
    if not points:
        return
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    pad = max(max(lons) - min(lons), max(lats) - min(lats), 0.5) * 0.25
    ax.set_xlim(min(lons) - pad, max(lons) + pad)
    ax.set_ylim(min(lats) - pad, max(lats) + pad)


def map_svg(
    flights: tuple[Flight, ...], zones: list[Zone], scores: Scores, partner_outlines: list[Zone]
) -> str | None:
    """The threats' true paths over the zones, coloured by how each zone was warned."""
    verdicts = {z.zone_id: z.verdict for z in scores.zones}
    shown = [z for z in zones if z.id in verdicts]
    if not flights and not shown:
        return None

    def draw(ax: Axes) -> None:
        for zone in partner_outlines:
            lats, lons = zip(*zone.rings[0], strict=True)
            ax.plot(lons, lats, color="#b0bec5", linewidth=0.6)
        for zone in shown:
            lats, lons = zip(*zone.rings[0], strict=True)
            ax.fill(lons, lats, color=_VERDICT_COLOURS[verdicts[zone.id]], alpha=0.55, linewidth=0)
        for flight in flights:
            track = flight.track(5.0)
            ax.plot([s.lon for s in track], [s.lat for s in track], color="#d32f2f", linewidth=1.4)
            if track:
                ax.annotate(flight.threat.id, (track[0].lon, track[0].lat), fontsize=8)
                ax.plot(track[-1].lon, track[-1].lat, marker="x", color="#d32f2f")
        _frame(ax, flights, shown)
        ax.set_aspect("equal", adjustable="box")
        ax.set_xlabel("longitude")
        ax.set_ylabel("latitude")
        handles = [
            matplotlib.patches.Patch(color=c, label=v.replace("_", " "))
            for v, c in _VERDICT_COLOURS.items()
        ]
        ax.legend(handles=handles, fontsize=7, loc="best")

    return _svg(draw, (7.0, 6.0))
