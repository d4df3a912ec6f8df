"""How an :class:`~timing.result.AnalysisResult` reads in a terminal and in a notebook.

:func:`analysis_text` is ``str(result)`` (and ``result.summary()``); :func:`analysis_html`
is its ``_repr_html_``: the headline, the cautions, one row per test (effect, interval,
p-value), the methods that did not apply and why, the row accounting and the re-run
command. Everything is built from ``result.to_dict()``, and every string is HTML-escaped.
"""

from __future__ import annotations

import html
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from timing.result import AnalysisResult

__all__ = ["analysis_html", "analysis_text", "test_rows"]


def _num(value: Any, fmt: str = "{:.2f}") -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return ""
    return fmt.format(value) if math.isfinite(value) else ""


def test_rows(data: dict[str, Any]) -> tuple[list[dict[str, str]], list[tuple[str, str]]]:
    """Rows of the tests table and the methods that did not apply, from ``to_dict()``.

    Returns
    -------
    tuple
        ``(rows, not_applicable)``: each row has ``method``, ``effect``, ``ci`` and
        ``pvalue`` as text (blank when absent); ``not_applicable`` holds
        ``(method, reason)`` pairs.
    """
    rows, skipped = [], []
    for name, test in (data.get("tests") or {}).items():
        method = str(test.get("method") or name)
        if test.get("applicable") is False:
            skipped.append((method, str(test.get("reason"))))
            continue
        if "pvalue" not in test:
            continue
        low, high = _num(test.get("ci_low")), _num(test.get("ci_high"))
        rows.append(
            {
                "method": method,
                "effect": _num(test.get("effect")),
                "ci": f"{low}-{high}" if low and high else "",
                "pvalue": _num(test.get("pvalue"), "{:.3g}"),
            }
        )
    return rows, skipped


def _accounting(result: AnalysisResult) -> list[str]:
    lines = []
    for name, acc in result.accounting.items():
        skipped = f", {acc.skipped_text()}" if acc.skipped else ""
        lines.append(f"{name}: {acc.read} read, {acc.used} used, {acc.rejected} rejected{skipped}")
    return lines


def analysis_text(result: AnalysisResult) -> str:
    """Plain text: headline, cautions, tests, methods not applied, accounting, re-run."""
    data = result.to_dict()
    rows, skipped = test_rows(data)
    lines = [str(data["headline"])]
    if data.get("caution"):
        lines.append(str(data["caution"]))
    width = max((len(r["method"]) for r in rows), default=0)
    for r in rows:
        effect = f"effect {r['effect']}" if r["effect"] else ""
        ci = f" (95 % CI {r['ci']})" if r["ci"] else ""
        lines.append(f"  {r['method']:<{width}}  {effect}{ci}  p = {r['pvalue']}".rstrip())
    lines += [f"  not applicable: {method}: {reason}" for method, reason in skipped]
    lines += _accounting(result)
    lines.append(f"re-run: {data['rerun']}")
    return "\n".join(lines)


def analysis_html(result: AnalysisResult) -> str:
    """HTML for a notebook, every string escaped (names and reasons may come from the data)."""
    data = result.to_dict()
    rows, skipped = test_rows(data)
    esc = html.escape
    body = "".join(
        f"<tr><td>{esc(r['method'])}</td><td>{esc(r['effect'])}</td><td>{esc(r['ci'])}</td>"
        f"<td>{esc(r['pvalue'])}</td></tr>"
        for r in rows
    )
    parts = [f'<div class="timing-analysis"><p><b>{esc(str(data["headline"]))}</b></p>']
    if data.get("caution"):
        parts.append(f"<p><i>{esc(str(data['caution']))}</i></p>")
    parts.append(
        "<table><thead><tr><th>test</th><th>effect</th><th>95 % CI</th><th>p-value</th>"
        f"</tr></thead><tbody>{body}</tbody></table>"
    )
    if skipped:
        items = "".join(f"<li>{esc(m)}: {esc(r)}</li>" for m, r in skipped)
        parts.append(f"<p>Not applicable:</p><ul>{items}</ul>")
    parts.append("<p>" + "<br>".join(esc(line) for line in _accounting(result)) + "</p>")
    parts.append(f"<p>re-run: <code>{esc(str(data['rerun']))}</code></p></div>")
    return "".join(parts)
