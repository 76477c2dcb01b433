"""Published worked examples, reproduced through the public API."""

from __future__ import annotations

import numpy as np
import pytest

from combcoder.agree import agreement
from combcoder.agree import metrics as m

# Krippendorff (2011), "Computing Krippendorff's alpha-reliability", nominal data with missing
# values: 4 observers x 12 units, "." = not coded. Published alpha (nominal) = 0.743.
KRIPPENDORFF = {
    "A": "1 2 3 3 2 1 4 1 2 . . .",
    "B": "1 2 3 3 2 2 4 1 2 5 . 3",
    "C": ". 3 3 3 2 3 4 2 2 5 1 .",
    "D": "1 2 3 3 2 4 4 1 2 5 1 .",
}

# Fleiss (1971) as worked on Wikipedia ("Fleiss' kappa", worked example): 10 subjects, 14
# raters, 5 categories; each row counts the raters who chose each category.
# Published: P-bar = 0.378, P-bar-e = 0.213, kappa = 0.210.
FLEISS = [
    [0, 0, 0, 0, 14],
    [0, 2, 6, 4, 2],
    [0, 0, 3, 5, 6],
    [0, 3, 9, 2, 0],
    [2, 2, 8, 1, 1],
    [7, 7, 0, 0, 0],
    [3, 2, 6, 3, 0],
    [2, 5, 3, 2, 2],
    [6, 5, 2, 1, 0],
    [0, 2, 2, 3, 7],
]


def krippendorff_sources() -> dict[str, dict[str, str]]:
    return {
        coder: {f"unit{u + 1}": v for u, v in enumerate(row.split()) if v != "."}
        for coder, row in KRIPPENDORFF.items()
    }


def fleiss_sources() -> dict[str, dict[str, str]]:
    """Spread each subject's category counts over 14 raters (rater identity does not matter)."""
    sources: dict[str, dict[str, str]] = {f"rater{r + 1}": {} for r in range(14)}
    for s, row in enumerate(FLEISS):
        labels = [f"cat{k + 1}" for k, n in enumerate(row) for _ in range(n)]
        for r, label in enumerate(labels):
            sources[f"rater{r + 1}"][f"subject{s + 1}"] = label
    return sources


def test_krippendorff_nominal_example_with_missing_data():
    result = agreement(krippendorff_sources(), n_boot=0)
    assert result.overall["krippendorff_alpha"].value == pytest.approx(0.743, abs=5e-4)
    assert result.n_units == 12
    assert result.n_pairable == 11  # unit 12 has a single value
    assert {c.name: c.n_missing for c in result.coverage} == {"A": 3, "B": 1, "C": 2, "D": 1}


def test_fleiss_worked_example():
    result = agreement(fleiss_sources(), n_boot=0)
    assert result.n_units == 10 and result.n_complete == 10
    assert result.overall["fleiss_kappa"].value == pytest.approx(0.210, abs=5e-4)
    counts = np.array(FLEISS)
    assert m.percent_agreement(counts) == pytest.approx(0.378, abs=5e-4)
    assert m.fleiss_kappa(counts) == pytest.approx(0.20993, abs=1e-5)


def test_bootstrap_ci_brackets_the_estimate_and_is_seeded():
    first = agreement(krippendorff_sources(), n_boot=300, seed=7)
    again = agreement(krippendorff_sources(), n_boot=300, seed=7)
    alpha = first.overall["krippendorff_alpha"]
    assert alpha.ci_low <= alpha.value <= alpha.ci_high
    assert first.to_dict() == again.to_dict()
