"""Figures as plain dicts: the JSON plotly.js draws, built without plotly's Python objects.

Building a ``plotly.graph_objects.Figure`` validates every property on every update and
deep-copies its template each time the layout changes: about 0.9 s for the dozen figures of
the bundled report, several times the cost of computing them. :class:`FigureSpec` builds the
same ``{"data": [...], "layout": {...}}`` dict directly (the subset of plotly's figure API
the report uses), the page embeds it as JSON, and :meth:`FigureSpec.figure` turns it into a
validated ``go.Figure`` for notebooks and the public functions (plotly rejects any property
it does not know there; a test checks that the report's JSON equals plotly's own for it).
"""

from __future__ import annotations

import base64
import copy
import datetime as dt
import importlib.util
import json
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["TEMPLATE", "FigureSpec", "figure_json", "plotly_file", "template_dict"]

#: The plotly template every figure of the report names (its JSON is embedded per figure).
TEMPLATE = "plotly_white"

#: numpy dtypes that plotly.js reads as typed arrays (base64), with plotly.js' short names.
_TYPED = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}
#: Where an annotation sits for each ``annotation_position`` the report uses, per shape:
#: (x, xanchor, y, yanchor); "x"/"y" stand for the shape's own coordinate.
_ANNOTATION_AT = {
    ("vline", "top right"): ("x", "left", 1, "top"),
    ("vline", "top left"): ("x", "right", 1, "top"),
    ("hline", "top right"): (1, "right", "y", "bottom"),
    ("hline", "top left"): (0, "left", "y", "bottom"),
    ("vrect", "top left"): ("x0", "left", 1, "top"),
    ("vrect", "top right"): ("x1", "right", 1, "top"),
}


def plotly_file(*parts: str) -> Path:
    """A file of the installed plotly package's ``package_data``, found without importing it.

    Raises
    ------
    ModuleNotFoundError
        If plotly is not installed.
    """
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError("No module named 'plotly'")
    return Path(next(iter(spec.submodule_search_locations)), "package_data", *parts)


@cache
def _template(name: str) -> dict[str, Any]:
    """The parsed template, shared: only ever read (serialised), never changed."""
    text = plotly_file("templates", f"{name}.json").read_text(encoding="utf-8")
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def template_dict(name: str = TEMPLATE) -> dict[str, Any]:
    """The named plotly template as the figure JSON holds it (a fresh copy each call).

    Examples
    --------
    >>> sorted(template_dict())
    ['data', 'layout']
    """
    return copy.deepcopy(_template(name))


def _merge(target: dict[str, Any], update: dict[str, Any]) -> None:
    """Merge ``update`` into ``target`` as plotly's ``update`` does: nested dicts merge,
    other values replace, and ``None`` leaves (or makes) a property unset."""
    for key, value in update.items():
        if value is None:
            target.pop(key, None)
        elif isinstance(value, dict):
            inner = target.get(key)
            if not isinstance(inner, dict):
                inner = target[key] = {}
            _merge(inner, value)
        else:
            target[key] = value


class FigureSpec:
    """A figure as the plain dict plotly.js reads, built with plotly-like methods.

    Parameters
    ----------
    **layout
        Initial layout properties (merged as :meth:`update_layout` does).

    Examples
    --------
    >>> fig = FigureSpec(title={"text": "t"})
    >>> fig.add_scatter(x=[1, 2], y=[3, 4], mode="lines")
    >>> fig.add_vline(x=1.5, line={"color": "#c0392b"})
    >>> fig.to_dict()["data"][0]["type"], fig.layout["shapes"][0]["yref"]
    ('scatter', 'y domain')
    """

    def __init__(self, **layout: Any) -> None:
        self.data: list[dict[str, Any]] = []
        self.layout: dict[str, Any] = {}
        self._rows = 0  # rows of a one-column grid made by make_rows (0: no grid)
        _merge(self.layout, layout)

    # traces -------------------------------------------------------------------------------
    def add_trace(self, kind: str, row: int | None = None, **props: Any) -> None:
        """Append a trace of type ``kind`` (``None`` properties are left unset)."""
        trace: dict[str, Any] = {"type": kind}
        _merge(trace, props)
        if row is not None:
            trace["xaxis"], trace["yaxis"] = self._axes(row)
        self.data.append(trace)

    def add_scatter(self, row: int | None = None, **props: Any) -> None:
        """Append a scatter trace."""
        self.add_trace("scatter", row, **props)

    def add_bar(self, **props: Any) -> None:
        """Append a bar trace."""
        self.add_trace("bar", **props)

    def add_histogram(self, **props: Any) -> None:
        """Append a histogram trace."""
        self.add_trace("histogram", **props)

    def add_heatmap(self, **props: Any) -> None:
        """Append a heatmap trace."""
        self.add_trace("heatmap", **props)

    # layout -------------------------------------------------------------------------------
    def update_layout(self, **props: Any) -> None:
        """Merge properties into the layout (nested dicts merge; ``None`` unsets)."""
        _merge(self.layout, props)

    def update_xaxes(self, row: int | None = None, **props: Any) -> None:
        """Merge properties into the x axis (of grid row ``row``, else every x axis)."""
        self._update_axes("x", row, props)

    def update_yaxes(self, row: int | None = None, **props: Any) -> None:
        """Merge properties into the y axis (of grid row ``row``, else every y axis)."""
        self._update_axes("y", row, props)

    def _update_axes(self, letter: str, row: int | None, props: dict[str, Any]) -> None:
        rows = [row] if row is not None else list(range(1, self._rows + 1)) or [1]
        for r in rows:
            name = self._axes(r)[0 if letter == "x" else 1]
            _merge(self.layout.setdefault(f"{letter}axis{name[1:]}", {}), props)

    def _axes(self, row: int) -> tuple[str, str]:
        """(x, y) axis ids of grid row ``row``: ``("x", "y")``, ``("x2", "y2")``, ..."""
        suffix = "" if row == 1 else str(row)
        return f"x{suffix}", f"y{suffix}"

    def make_rows(self, heights: list[float], spacing: float) -> None:
        """A one-column grid with shared x axes, as ``make_subplots(rows=len(heights),
        cols=1, shared_xaxes=True, vertical_spacing=spacing, row_heights=heights)``."""
        n = len(heights)
        total = float(sum(heights))
        sizes = [(1.0 - spacing * (n - 1)) * (h / total) for h in heights]
        start = 0.0
        for row in range(n, 0, -1):  # from the bottom row up
            end = min(start + sizes[row - 1], 1.0)
            x, y = self._axes(row)
            xaxis: dict[str, Any] = {"anchor": y, "domain": [0.0, 1.0]}
            if row != n:
                xaxis.update(matches=f"x{n}", showticklabels=False)
            self.layout[f"xaxis{x[1:]}"] = xaxis
            self.layout[f"yaxis{y[1:]}"] = {"anchor": x, "domain": [max(start, 0.0), end]}
            start = end + spacing
        self._rows = n

    def add_annotation(self, **props: Any) -> None:
        """Append an annotation to the layout."""
        note: dict[str, Any] = {}
        _merge(note, props)
        self.layout.setdefault("annotations", []).append(note)

    def _shape(self, shape: dict[str, Any], kind: str, text: str | None, at: str | None) -> None:
        self.layout.setdefault("shapes", []).append(shape)
        if text is None:
            return
        try:
            x, xanchor, y, yanchor = _ANNOTATION_AT[(kind, at or "top right")]
        except KeyError:
            raise ValueError(f"annotation_position {at!r} is not supported for {kind}") from None
        self.add_annotation(
            showarrow=False,
            text=text,
            x=shape["x0"] if x == "x" else shape[x] if isinstance(x, str) else x,
            xanchor=xanchor,
            xref=shape["xref"],
            y=shape["y0"] if y == "y" else y,
            yanchor=yanchor,
            yref=shape["yref"],
        )

    def add_vline(
        self,
        x: float,
        *,
        line: dict[str, Any],
        annotation_text: str | None = None,
        annotation_position: str | None = None,
    ) -> None:
        """A vertical line across the plot at ``x``, with an optional annotation."""
        shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1,
                 "yref": "y domain", "line": line}  # fmt: skip
        self._shape(shape, "vline", annotation_text, annotation_position)

    def add_hline(
        self,
        y: float,
        *,
        line: dict[str, Any],
        row: int = 1,
        annotation_text: str | None = None,
        annotation_position: str | None = None,
    ) -> None:
        """A horizontal line across the plot (of grid row ``row``) at ``y``."""
        x_id, y_id = self._axes(row)
        shape = {"type": "line", "x0": 0, "x1": 1, "xref": f"{x_id} domain", "y0": y, "y1": y,
                 "yref": y_id, "line": line}  # fmt: skip
        self._shape(shape, "hline", annotation_text, annotation_position)

    def add_vrect(
        self,
        x0: float,
        x1: float,
        *,
        fillcolor: str,
        opacity: float,
        layer: str = "below",
        annotation_text: str | None = None,
        annotation_position: str | None = None,
    ) -> None:
        """A shaded band from ``x0`` to ``x1`` over the plot's full height, no outline."""
        shape = {"type": "rect", "x0": x0, "x1": x1, "xref": "x", "y0": 0, "y1": 1,
                 "yref": "y domain", "fillcolor": fillcolor, "opacity": opacity,
                 "layer": layer, "line": {"width": 0}}  # fmt: skip
        self._shape(shape, "vrect", annotation_text, annotation_position)

    # output -------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """``{"data": [...], "layout": {...}}``: the lists and dicts held (not copies)."""
        return {"data": self.data, "layout": self.layout}

    def figure(self) -> go.Figure:
        """The validated ``plotly.graph_objects.Figure`` of this spec (for notebooks)."""
        import plotly.graph_objects as go

        return go.Figure(self.to_dict())

    def json(self) -> str:
        """The figure JSON, safe inside ``<script type="application/json">``."""
        return figure_json(self.to_dict())


def _typed_array(values: np.ndarray) -> Any:
    """A numpy array as plotly.js' typed-array spec (base64), as plotly writes it."""
    if values.size == 0:
        return []
    if values.dtype.kind == "M":
        return np.datetime_as_string(values).tolist()
    if values.dtype in (np.int64, np.uint64):
        low, high = int(values.min()), int(values.max())
        signed = values.dtype == np.int64
        for bits in (8, 16, 32):
            kind = np.dtype(f"{'int' if signed else 'uint'}{bits}")
            info = np.iinfo(kind)
            if info.min <= low and high <= info.max:
                values = values.astype(kind)
                break
    name = _TYPED.get(str(values.dtype))
    if name is None:
        return values.tolist()
    raw = np.ascontiguousarray(values).tobytes()
    spec = {"dtype": name, "bdata": base64.b64encode(raw).decode()}
    if values.ndim > 1:
        spec["shape"] = ", ".join(str(n) for n in values.shape)
    return spec


def _default(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return _typed_array(value)
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dt.date | dt.datetime | dt.time):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable in a figure: {type(value).__name__}")


def _strict(constant: str) -> None:
    """NaN and infinities become ``null`` (plotly.js reads them as gaps)."""
    return None


def figure_json(figure: dict[str, Any]) -> str:
    """JSON of a figure dict for the page: the template's name replaced by its JSON,
    numpy arrays as typed arrays, NaN and infinities as ``null``, and ``<``, ``>`` and
    ``&`` written as ``\\u`` escapes so that no data string can close the script tag.

    Examples
    --------
    >>> figure_json({"data": [{"type": "bar", "name": "<b>&", "y": [float("nan")]}],
    ...              "layout": {}})
    '{"data":[{"type":"bar","name":"\\\\u003cb\\\\u003e\\\\u0026","y":[null]}],"layout":{}}'
    """
    layout = figure.get("layout") or {}
    name = layout.get("template")
    if isinstance(name, str):
        layout = {**layout, "template": _template(name)}
    out = {**figure, "layout": layout}
    text = json.dumps(out, default=_default, separators=(",", ":"))
    if "NaN" in text or "Infinity" in text:  # rare: parse once more to write them as null
        text = json.dumps(json.loads(text, parse_constant=_strict), separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
