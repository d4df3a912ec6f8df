"""The self-contained HTML report of one analysis (Jinja2 with autoescape).

:func:`render_report` turns ``AnalysisResult.to_dict(full=True)`` into one HTML string:
headline, figures (Plotly, drawn in the browser from JSON embedded in the page), tables,
data accounting, method notes and a reproducibility footer. With ``plotlyjs="inline"``
(the default) the file opens offline and makes no network request.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import os
import re
import tempfile
from functools import cache
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from timing.errors import TimingInputError
from timing.report._derive import ResultLike, as_data, per_event_rows, tests_table
from timing.report._spec import plotly_file

__all__ = [
    "default_report_path",
    "export_static",
    "plotly_js",
    "plotly_js_version",
    "render_report",
    "safe_url",
    "window_tag",
    "write_report",
]

PlotlyJs = Literal["inline", "cdn", "directory"]
TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
#: Reasons for rejected rows listed in the report per table (the rest are counted).
MAX_REASONS = 100
#: Events listed in the per-event table (the rest are counted; all are in the JSON).
MAX_EVENT_ROWS = 1_000
#: Claimed targets listed per event in that table (the rest are counted).
MAX_TARGETS = 20


def window_tag(data: dict[str, Any]) -> str:
    """Short window label for file names: ``w3``, ``anticipation`` or ``o-5to2``."""
    params = data.get("params") or {}
    if params.get("anticipation"):
        return "anticipation"
    lo, hi = params.get("offsets") or (-3, -1)
    return f"w{-int(lo)}" if int(hi) == -1 and int(lo) < 0 else f"o{int(lo)}to{int(hi)}"


def default_report_path(data: dict[str, Any], root: str | Path = "reports") -> Path:
    """``<root>/<dataset or 'custom'>-<window>.html``, e.g. ``reports/ru-ua-2025-w3.html``.

    Examples
    --------
    >>> default_report_path({"dataset": "ru-ua-2025", "params": {"offsets": [-3, -1]}}).as_posix()
    'reports/ru-ua-2025-w3.html'
    """
    name = re.sub(r"[^A-Za-z0-9._-]+", "-", str(data.get("dataset") or "custom")).strip(".-")
    return Path(root) / f"{name or 'custom'}-{window_tag(data)}.html"


@cache
def plotly_js() -> str:
    """The minified plotly.js shipped in the plotly package (read from its file once)."""
    return plotly_file("plotly.min.js").read_text(encoding="utf-8")


def plotly_js_version() -> str:
    """Version of that plotly.js, from the banner at the top of the file.

    Examples
    --------
    >>> import re
    >>> bool(re.fullmatch(r"\\d+\\.\\d+\\.\\d+.*", plotly_js_version()))
    True
    """
    found = re.search(r"plotly\.js v(\S+)", plotly_js()[:500])
    if found is None:  # an unusual build: ask plotly itself
        from plotly.offline import get_plotlyjs_version

        return str(get_plotlyjs_version())
    return found.group(1)


def _plotly_tag(mode: PlotlyJs) -> str:
    if mode == "inline":
        return f'<script charset="utf-8">{plotly_js()}</script>'
    if mode == "cdn":
        digest = hashlib.sha384(plotly_js().encode("utf-8")).digest()
        sri = "sha384-" + base64.b64encode(digest).decode("ascii")
        url = f"https://cdn.plot.ly/plotly-{plotly_js_version()}.min.js"
        return (
            f'<script charset="utf-8" src="{url}" integrity="{sri}" '
            'crossorigin="anonymous"></script>'
        )
    if mode == "directory":
        return '<script charset="utf-8" src="plotly.min.js"></script>'
    raise TimingInputError(f"plotlyjs must be 'inline', 'cdn' or 'directory', got {mode!r}")


def safe_url(value: Any) -> str | None:
    """The URL if its scheme is http or https (to be shown as a link), else ``None``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    return text if scheme in ("http", "https") and not re.search(r"[\s\x00-\x1f]", text) else None


def _fmt(value: Any, digits: int = 2) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "–" if value is None else str(value)
    if value != value or value in (float("inf"), float("-inf")):
        return "–"
    return f"{value:,.{digits}f}" if not float(value).is_integer() else f"{int(value):,}"


def _fmt_p(value: Any) -> str:
    if not isinstance(value, int | float) or value != value:
        return "–"
    return f"{value:.3f}" if value >= 0.001 else f"{value:.1e}"


def _figures(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The page's figures, each built as a plain dict (no plotly objects) and its JSON."""
    from timing.report import extras
    from timing.report import figures as f
    from timing.report import robustness_figures as rf
    from timing.report.timeline_plot import timeline_spec

    items = [
        ("timeline", "Timeline", timeline_spec(data)),
        ("lags", "Lag distribution", f.lag_histogram_spec(data)),
        ("event-study", "Event-study profile", f.event_study_spec(data)),
    ]
    for name, test in (data.get("tests") or {}).items():
        if isinstance(test, dict) and test.get("null_distribution"):
            items.append((f"null-{name}", f"Null: {name}", f.null_distribution_spec(data, name)))
    if not any(key == "null-circular_shift" for key, _, _ in items):
        items.insert(3, ("null-circular_shift", "Null", f.null_distribution_spec(data)))
    if extras.scan_data(data) is not None:
        items.append(("scan", "Scan heatmap", extras.scan_heatmap_spec(data)))
    if rf.robustness_data(data) is not None:
        items.append(("spec-curve", "Specification curve", rf.specification_curve_spec(data)))
    for outcome in ("premature", "disputed"):
        stored = isinstance((data.get("tests") or {}).get(outcome), dict)
        if stored and extras.outcome_note(data, outcome) is None:  # else said in words
            figure = extras.premature_spec(data, outcome)
            items.append((outcome, f"{outcome.title()} claims", figure))
    return [
        {
            "key": key,
            "label": label,
            "id": f"fig-{i}",
            "json": fig.json(),
            "meta": fig.layout.get("meta") if key == "timeline" else None,
        }
        for i, (key, label, fig) in enumerate(items)
    ]


def _timeline_note(figures: list[dict[str, Any]]) -> str:
    """The sentence above the timeline: one marker per claim, or counts per period."""
    from timing.report.timeline_plot import timeline_note

    meta = next((f["meta"] for f in figures if f["key"] == "timeline"), None)
    return timeline_note(meta if isinstance(meta, dict) else None)


def _bytecode_cache(directory: str | None = None) -> Any:
    """Jinja's cache of the compiled template (by default in a private folder of the
    system's temporary directory, as Jinja makes it): compiling the page's template costs
    about 50 ms a run. Entries are keyed by a checksum of the template's source, so an
    edited template is compiled afresh; ``None`` (compile every time) where the folder
    cannot be made, and reading or writing an entry never fails a report."""
    import jinja2

    class QuietCache(jinja2.FileSystemBytecodeCache):
        def load_bytecode(self, bucket: Any) -> None:
            try:
                super().load_bytecode(bucket)
            except Exception:  # unreadable or corrupt entry: compile as if there were none
                bucket.reset()

        def dump_bytecode(self, bucket: Any) -> None:
            try:
                super().dump_bytecode(bucket)
            except OSError:
                pass

    try:
        return QuietCache(directory)
    except (OSError, RuntimeError):
        return None


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=True,
        undefined=jinja2.ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        bytecode_cache=_bytecode_cache(),
    )
    env.filters.update(
        num=_fmt, pval=_fmt_p, safe_url=safe_url, file_name=_file_name, domain=_domain
    )
    return env


def render_report(
    data: ResultLike,
    *,
    plotlyjs: PlotlyJs = "inline",
    generated: dt.datetime | None = None,
) -> str:
    """Render the HTML report of one analysis.

    Parameters
    ----------
    data : AnalysisResult or dict
        The result, or ``AnalysisResult.to_dict(full=True)`` (also as read back from
        ``--json --full``). Missing optional parts are reported on the page, never an error.
    plotlyjs : {"inline", "cdn", "directory"}
        Embed plotly.js (about 4.6 MB; opens offline), load it from the Plotly CDN, or
        from ``plotly.min.js`` beside the HTML file (:func:`write_report` writes it).
    generated : datetime, optional
        Time stamp printed in the footer; default now (UTC).

    Returns
    -------
    str
        The complete HTML document.

    Examples
    --------
    >>> from timing.analysis import analyze
    >>> html = render_report(analyze().to_dict(full=True), plotlyjs="cdn")
    >>> html.startswith("<!DOCTYPE html>")
    True
    """
    from timing.report import extras

    data = as_data(data)
    stamp = (generated or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%d %H:%M UTC")
    template = _environment().get_template("report.html.j2")
    tests = data.get("tests") or {}
    table = tests_table(data)
    figures = _figures(data)
    per_event = per_event_rows(data)
    primary = "null-circular_shift"
    others = [f for f in figures if f["key"].startswith("null-") and f["key"] != primary]
    context = {
        "d": data,
        "title": f"timing report: {data.get('dataset') or 'custom data'}",
        "plotly_tag": _plotly_tag(plotlyjs),
        "figures": figures,
        "fig": {f["key"]: f for f in figures},
        "null_figs": [f for f in figures if f["key"] == primary],
        "other_null_figs": others,
        "tests_rows": table,
        "per_event": per_event[:MAX_EVENT_ROWS],
        "per_event_more": max(len(per_event) - MAX_EVENT_ROWS, 0),
        "max_targets": MAX_TARGETS,
        "timeline_note": _timeline_note(figures),
        "rows": data.get("rows") or {},
        "excluded": data.get("excluded") or {},
        "max_reasons": MAX_REASONS,
        "params": data.get("params") or {},
        "sha256": (data.get("inputs") or {}).get("sha256") or {},
        "generated": stamp,
        "plotly_version": plotly_js_version(),
        "circ": tests.get("circular_shift") or {},
        "has_naive": any(r["naive"] for r in table),
        "scan": "scan" in {f["key"] for f in figures},
        "outcomes": _outcome_context(data),
        "scan_info": extras.scan_data(data),
        "scan_sentence": extras.scan_sentence(data),
        "scan_top": extras.scan_top_cells(data),
        "event_windows": _event_windows(data),
        **_robustness_context(data),
    }
    from markupsafe import Markup

    context["plotly_tag"] = Markup(context["plotly_tag"])  # built here from trusted parts only
    for fig in context["figures"]:
        fig["json"] = Markup(fig["json"])  # '<', '>', '&' are \u-escaped: cannot close the tag
    return template.render(**context)


def _outcome_context(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """For "premature" and "disputed" when stored: the sentence shown instead of a chart."""
    from timing.report import extras

    tests = data.get("tests") or {}
    return {
        key: {"note": extras.outcome_note(data, key)}
        for key in ("premature", "disputed")
        if isinstance(tests.get(key), dict)
    }


def _event_windows(data: dict[str, Any]) -> dict[str, dict[str, str]]:
    from timing.report.highlight import event_windows

    return event_windows(data)


def _robustness_context(data: dict[str, Any]) -> dict[str, Any]:
    from timing.report.robustness_figures import influence_rows, robustness_data

    return {"robustness": robustness_data(data), "influence_rows": influence_rows(data)}


def _domain(url: str) -> str:
    """The site of a URL as link text (``www.`` dropped); the full URL is in the title.

    Examples
    --------
    >>> _domain("https://www.rferl.org/a/russia-putin-pokrovsk/33610717.html")
    'rferl.org'
    """
    host = urlsplit(url).hostname or url
    return host.removeprefix("www.")


def _file_name(path: object) -> str:
    """The last part of a path: a shared report names its input files, not the folders of
    the analyst's machine they sat in (the SHA-256 beside it identifies the file)."""
    text = str(path or "")
    return text.replace("\\", "/").rstrip("/").rsplit("/", 1)[-1] if text else ""


def write_report(data: ResultLike, path: str | Path, *, plotlyjs: PlotlyJs = "inline") -> Path:
    """Render the report and write it atomically to ``path`` (parent folders created).

    ``data`` is what :func:`render_report` takes: the result or its full dict. The HTML is
    written to a temporary file in the same folder and moved over ``path``
    with ``os.replace``, so a reader never sees a half-written report. With
    ``plotlyjs="directory"`` a ``plotly.min.js`` is written beside it if absent.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    target = Path(path)
    text = render_report(data, plotlyjs=plotlyjs)
    target.parent.mkdir(parents=True, exist_ok=True)
    _atomic_write(target, text)
    if plotlyjs == "directory" and not (target.parent / "plotly.min.js").exists():
        _atomic_write(target.parent / "plotly.min.js", plotly_js())
    return target


def _atomic_write(target: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; give the usual file mode
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def export_static(fig: Any, path: str | Path) -> Path:
    """Write a figure as PNG, SVG or PDF (by extension) with kaleido, if it is installed.

    Raises
    ------
    TimingInputError
        If kaleido is not installed (``pip install kaleido``; it is not a dependency of
        ``timing``) or the extension is not .png, .svg, .pdf, .jpg or .webp.
    """
    target = Path(path)
    fmt = target.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf", "jpg", "jpeg", "webp"):
        raise TimingInputError(
            f"path {str(target)!r}: expected a .png, .svg, .pdf, .jpg or .webp file"
        )
    try:
        import kaleido  # noqa: F401
    except ImportError as exc:
        raise TimingInputError(
            "static export needs the optional package kaleido (pip install kaleido); "
            "or open the HTML report and use the camera icon of a figure"
        ) from exc
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.write_image(str(target), format=fmt)
    return target
