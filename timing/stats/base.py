"""What every method's result shares, and the result of a method that could not run.

Every method in :mod:`timing.stats` returns a frozen dataclass with ``method``, a
``summary()`` and a ``to_dict()``; most also carry a ``pvalue`` and an ``effect`` with an
interval (``ci_low``, ``ci_high``). When the data cannot support a method (too few events,
no claim inside or outside the windows, a model that does not converge, an estimate that
is not finite or not plausible) the analysis records a :class:`NotApplicable` in its place,
with the reason in words, instead of a number nobody can stand behind.

:func:`implausible` is the last line of that defence: it looks at a finished result and
names what is wrong with its numbers, if anything.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

__all__ = [
    "MAX_RATIO",
    "EffectKind",
    "NotApplicable",
    "ResultDisplay",
    "html_rows",
    "implausible",
    "result_html",
]

#: A rate or incidence ratio beyond this factor (either way) is not an estimate but a
#: symptom: a model fitted to a window with (almost) no claims, or to a single claim.
#: Real clustering effects in this field are well within 1/20 to 20.
MAX_RATIO = 1e3


def _cell(value: Any) -> str:
    """A scalar for an HTML table: numbers to 4 significant digits, everything escaped."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:.4g}" if math.isfinite(value) else "–"
    return html.escape(str(value), quote=True)


def html_rows(pairs: Iterable[tuple[str, Any]]) -> str:
    """``<tr><th>key</th><td>value</td></tr>`` for each scalar pair (lists and dicts skipped).

    Examples
    --------
    >>> html_rows([("p", 0.0123456), ("name", "<b>"), ("null", [1, 2])])
    '<tr><th>p</th><td>0.01235</td></tr><tr><th>name</th><td>&lt;b&gt;</td></tr>'
    """
    return "".join(
        f"<tr><th>{html.escape(str(key))}</th><td>{_cell(value)}</td></tr>"
        for key, value in pairs
        if not isinstance(value, list | tuple | dict)
    )


def result_html(result: Any) -> str:
    """HTML for a notebook: the method's name, its ``summary()`` and its scalar numbers.

    Every string is escaped: names, reasons and values may come from the user's data.

    Parameters
    ----------
    result : object
        Anything with ``summary()`` and ``to_dict()`` (a method's result or
        :class:`NotApplicable`).

    Returns
    -------
    str
    """
    data = result.to_dict()
    name = data.get("method") or type(result).__name__
    rows = html_rows((k, v) for k, v in data.items() if k != "method")
    table = f'<table class="timing-result">{rows}</table>' if rows else ""
    return (
        f"<div><p><b>{html.escape(str(name))}</b></p>"
        f"<p>{html.escape(result.summary())}</p>{table}</div>"
    )


class ResultDisplay:
    """Mixin: ``str(result)`` is its ``summary()``; in Jupyter it shows as :func:`result_html`.

    Every method result (and :class:`NotApplicable`) inherits it; a class using it defines
    ``summary()`` and ``to_dict()``.
    """

    __slots__ = ()

    def summary(self) -> str:  # pragma: no cover - every result defines its own
        """One line (or paragraph) for people."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return result_html(self)


@dataclass(frozen=True, slots=True)
class NotApplicable(ResultDisplay):
    """A method that was not run, or whose result was withheld, and why.

    Parameters
    ----------
    name : str
        The method's key in ``AnalysisResult.tests`` (e.g. ``"negbin_glm"``).
    method : str
        The method's name for people.
    reason : str
        Why it does not apply, in words a reader can act on.

    Examples
    --------
    >>> na = NotApplicable("negbin_glm", "Negative binomial GLM (HAC)", "only 1 claim")
    >>> na.summary()
    'Negative binomial GLM (HAC): not applicable (only 1 claim)'
    >>> na.to_dict()["applicable"]
    False
    """

    name: str
    method: str
    reason: str
    applicable: ClassVar[bool] = False

    def summary(self) -> str:
        """One line for people."""
        return f"{self.method}: not applicable ({self.reason})"

    def to_dict(self, *, full: bool = False) -> dict[str, Any]:
        """Plain data for JSON: the method, ``applicable: false`` and the reason."""
        return {"method": self.method, "applicable": False, "reason": self.reason}

    def _repr_html_(self) -> str:
        method, reason = html.escape(self.method), html.escape(self.reason)
        return f"<p><b>{method}</b>: not applicable ({reason})</p>"


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and math.isfinite(float(value))


EffectKind = Literal["model", "model_or_missing", "empirical", "none"]


def implausible(result: Any, *, effect: EffectKind) -> str | None:
    """Say what is wrong with a finished result's numbers, or ``None`` when nothing is.

    Parameters
    ----------
    result : object
        A method's result (attributes ``pvalue``, ``effect``, ``ci_low``, ``ci_high`` are
        looked at where present).
    effect : {"model", "model_or_missing", "empirical", "none"}
        What ``effect`` is. ``"model"``: a ratio estimated by a fitted model (incidence
        rate ratio, odds ratio), which must be finite and within ``1/MAX_RATIO ..
        MAX_RATIO``, as must its interval (a model fitted to a window with no claims
        returns ratios like 1e-9 or 1e23). ``"model_or_missing"``: the same, except that
        the method may report no estimate at all (NaN) beside a p-value that does not
        depend on the model (the premature-claims odds ratio under separation, whose
        p-value is a randomization p of the shares). ``"empirical"``: a ratio of observed
        to expected counts, which may be 0 but must be finite. ``"none"``: only the
        p-value is checked.

    Returns
    -------
    str or None
        The reason to withhold the result.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> implausible(SimpleNamespace(pvalue=6.9e-100, effect=52530.0), effect="model")
    'the estimate 5.3e+04 is not plausible (beyond 1000x either way): too few claims to fit'
    >>> print(implausible(SimpleNamespace(pvalue=0.2, effect=1.3, ci_low=0.9, ci_high=1.8),
    ...                   effect="model"))
    None
    """
    pvalue = getattr(result, "pvalue", None)
    if pvalue is not None and (not _finite(pvalue) or not 0.0 <= float(pvalue) <= 1.0):
        return f"the p-value could not be computed ({pvalue})"
    if effect == "none":
        return None
    value = getattr(result, "effect", None)
    if effect == "model_or_missing" and (value is None or not _finite(value)):
        return None  # no estimate: shown as such, the p-value stands on its own
    if effect == "model_or_missing":
        effect = "model"
    if value is not None and not _finite(value):
        return f"the estimate is not finite ({value})"
    if value is not None and effect == "model" and not 1.0 / MAX_RATIO <= float(value) <= MAX_RATIO:
        return (
            f"the estimate {float(value):.2g} is not plausible (beyond {MAX_RATIO:.0f}x either "
            "way): too few claims to fit"
        )
    for bound in ("ci_low", "ci_high"):
        limit = getattr(result, bound, None)
        if limit is None:
            continue
        if not _finite(limit):
            return f"its interval could not be computed ({bound} = {limit})"
        if effect == "model" and not 1.0 / MAX_RATIO**2 <= float(limit) <= MAX_RATIO**2:
            return f"its interval is not plausible ({bound} = {float(limit):.3g})"
    return None
