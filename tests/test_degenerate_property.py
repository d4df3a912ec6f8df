"""Property: on any small, sparse, constant or degenerate input, ``analyze`` either refuses
with the project's own input error or reports only finite, plausible numbers.

The inputs are the kind real users bring by accident: a handful of claims on one day, every
claim inside (or outside) the windows, one event, a period of a few days, statuses that
never vary, a ``value`` column of zeros.
"""

from __future__ import annotations

import datetime as dt
import json
import math

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from timing.analysis import AnalysisConfig, analyze_tables
from timing.errors import TimingInputError
from timing.schema import CLAIM_KINDS, CLAIMS, EVENTS, validate
from timing.stats.base import MAX_RATIO, NotApplicable

START = dt.date(2025, 1, 1)
#: Methods whose effect is a ratio from a fitted model: must stay within MAX_RATIO.
MODEL_RATIOS = ("negbin_glm", "premature", "disputed")


@st.composite
def inputs(draw: st.DrawFn) -> tuple[pl.DataFrame, pl.DataFrame, AnalysisConfig]:
    n_days = draw(st.integers(3, 150))
    day = st.integers(0, n_days - 1)
    claim_days = draw(
        st.one_of(
            st.lists(day, min_size=1, max_size=40),
            st.integers(0, n_days - 1).flatmap(
                lambda d: st.lists(st.just(d), min_size=1, max_size=30)
            ),
        )
    )
    n = len(claim_days)
    statuses = draw(
        st.one_of(
            st.none(),
            st.lists(
                st.sampled_from(["confirmed", "contested", "refuted", "unverified", ""]),
                min_size=n,
                max_size=n,
            ),
        )
    )
    values = draw(
        st.one_of(
            st.none(), st.lists(st.sampled_from(["0", "1", "250", ""]), min_size=n, max_size=n)
        )
    )
    claims = {
        "claim_id": [f"c{i}" for i in range(n)],
        "date": [str(START + dt.timedelta(days=d)) for d in claim_days],
        "actor": [draw(st.sampled_from(["RU MoD", "UA GS"])) for _ in range(n)],
        "kind": [draw(st.sampled_from(CLAIM_KINDS)) for _ in range(n)],
        "source": ["s"] * n,
    }
    if statuses is not None:
        claims["status"] = statuses
        claims["verified_date"] = [
            str(START + dt.timedelta(days=d + 2)) if s == "confirmed" else ""
            for d, s in zip(claim_days, statuses, strict=True)
        ]
    if values is not None:
        claims["value"] = values
    event_days = draw(st.lists(day, min_size=1, max_size=8, unique=True))
    events = {
        "event_id": [f"e{i}" for i in range(len(event_days))],
        "date": [str(START + dt.timedelta(days=d)) for d in event_days],
        "kind": [draw(st.sampled_from(["talks", "call"])) for _ in event_days],
        "parties": ["US-RU"] * len(event_days),
        "title": ["t"] * len(event_days),
        "source": ["s"] * len(event_days),
    }
    config = AnalysisConfig(
        offsets=(-draw(st.integers(1, 7)), -1),
        n_boot=20,
        seed=draw(st.integers(0, 3)),
        detrend=draw(st.sampled_from([None, 91])),
        weight="value" if values is not None and draw(st.booleans()) else "count",
        start=START if draw(st.booleans()) else None,
        end=START + dt.timedelta(days=n_days - 1) if draw(st.booleans()) else None,
    )
    as_text = {k: pl.Series(k, v, dtype=pl.String) for k, v in claims.items()}
    return (
        pl.DataFrame(as_text),
        pl.DataFrame(events, schema=dict.fromkeys(events, pl.String)),
        config,
    )


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and math.isfinite(float(x))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(inputs())
def test_analyze_refuses_or_reports_finite_plausible_numbers(case) -> None:
    claims_frame, events_frame, config = case
    claims = validate(claims_frame, CLAIMS, file="claims", lenient=True)
    events = validate(events_frame, EVENTS, file="events", lenient=True)
    try:
        result = analyze_tables(claims, events, config)
    except TimingInputError as exc:
        assert str(exc).strip()
        return
    payload = json.dumps(result.to_dict(full=True), allow_nan=False)  # strict JSON
    assert payload
    assert result.headline()
    for name, test in result.tests.items():
        if isinstance(test, NotApplicable):
            assert test.reason.strip(), name
            continue
        pvalue = getattr(test, "pvalue", None)
        if pvalue is not None:
            assert _finite(pvalue) and 0 <= pvalue <= 1, (name, pvalue)
        if name == "circular_shift":
            continue  # its rate ratio may be 0 or inf; the headline words those cases
        effect = getattr(test, "effect", None)
        if name in ("premature", "disputed") and not _finite(effect):
            continue  # no odds ratio under separation: shown as such beside its p-value
        if effect is not None:
            assert _finite(effect), (name, effect)
        for bound in ("ci_low", "ci_high"):
            value = getattr(test, bound, None)
            if value is not None:
                assert _finite(value), (name, bound, value)
        if name in MODEL_RATIOS:
            assert 1 / MAX_RATIO <= effect <= MAX_RATIO, (name, effect)
