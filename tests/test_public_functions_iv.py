"""Invalid arguments to the public statistical functions raise the project's own input error.

The CLI turns :class:`TimingInputError` into one line and exit code 2; anything else would be
an internal error. Each public test function is fed arguments it cannot accept.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from timing.errors import TimingInputError
from timing.stats.bootstrap import block_bootstrap_rate_ratio
from timing.stats.circular import circular_shift_test
from timing.stats.coincidence import event_coincidence
from timing.stats.event_study import event_study
from timing.stats.glm import count_regression
from timing.stats.lag_density import lag_density
from timing.stats.lags import lag_distribution
from timing.stats.placebo import block_permutation_test, weekday_placebo_test
from timing.stats.predictive import predictive_check
from timing.stats.simulated_null import simulated_null_test
from timing.timeline import Timeline

T = Timeline.from_arrays(
    np.random.default_rng(0).poisson(1.0, 400).astype(float), np.arange(20, 400, 30)
)
W = T.weights((-3, -1))

CASES: dict[str, Callable[[], object]] = {
    "circular: reversed offsets": lambda: circular_shift_test(T, (-1, -3)),
    "circular: min_shift 0": lambda: circular_shift_test(T, (-3, -1), min_shift=0),
    "circular: unknown alternative": lambda: circular_shift_test(
        T,
        (-3, -1),
        alternative="bigger",  # type: ignore[arg-type]
    ),
    "bootstrap: no replicates": lambda: block_bootstrap_rate_ratio(T.claims, W, n_boot=0),
    "bootstrap: shapes differ": lambda: block_bootstrap_rate_ratio(T.claims, W[:-1]),
    "GLM: unknown family": lambda: count_regression(T, family="gamma"),  # type: ignore[arg-type]
    "GLM: alpha 2": lambda: count_regression(T, alpha=2),
    "placebo: no replicates": lambda: weekday_placebo_test(T, (-3, -1), n_placebo=0),
    "permutation: no replicates": lambda: block_permutation_test(T, (-3, -1), n_perm=0),
    "event study: negative K": lambda: event_study(T, k=-1),
    "lags: window 0": lambda: lag_distribution(T, window=0),
    "coincidence: reversed offsets": lambda: event_coincidence(T, (-1, -3)),
    "lag density: no shifts": lambda: lag_density(T, n_shifts=0),
    "predictive: k 0": lambda: predictive_check(T, k=0),
    "simulated null: no replicates": lambda: simulated_null_test(T, (-3, -1), n_sim=0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_invalid_arguments_raise_the_projects_error(name: str) -> None:
    with pytest.raises(TimingInputError):
        CASES[name]()
