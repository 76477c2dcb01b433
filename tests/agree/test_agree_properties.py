"""Property tests: the coefficients behave as coefficients must."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from combcoder.agree import agreement
from combcoder.agree import metrics as m

LABELS = ["a", "b", "c", "d"]
label_or_missing = st.one_of(st.none(), st.sampled_from(LABELS))


@st.composite
def coded_units(draw, min_coders=2, max_coders=4):
    """Return (n_coders x n_units) labels with None for missing; 2+ labels used overall."""
    n_units = draw(st.integers(3, 25))
    n_coders = draw(st.integers(min_coders, max_coders))
    rows = [draw(st.lists(label_or_missing, min_size=n_units, max_size=n_units)) for _ in range(n_coders)]
    assume(all(any(x is not None for x in row) for row in rows))
    return rows


def as_sources(rows, names=None) -> dict[str, dict[str, str]]:
    names = names or [f"coder{i}" for i in range(len(rows))]
    return {n: {f"u{u}": x for u, x in enumerate(row) if x is not None} for n, row in zip(names, rows)}


def overall(result) -> dict[str, float | None]:
    return {k: e.value for k, e in result.overall.items()}


def same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(
        (a[k] is None and b[k] is None) or (a[k] is not None and b[k] is not None and math.isclose(a[k], b[k], abs_tol=1e-9))
        for k in a
    )


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.sampled_from(LABELS), min_size=2, max_size=30).filter(lambda x: len(set(x)) >= 2),
    n_coders=st.integers(2, 5),
)
def test_identical_coders_agree_perfectly(labels, n_coders):
    rows = [labels] * n_coders
    values = overall(agreement(as_sources(rows), n_boot=0))
    for name in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "pabak", "percent_agreement"):
        assert values[name] == pytest.approx(1.0)
    if n_coders == 2:
        assert values["cohen_kappa"] == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(rows=coded_units(), data=st.data())
def test_symmetric_in_coder_order(rows, data):
    order = data.draw(st.permutations(range(len(rows))))
    names = [f"coder{i}" for i in range(len(rows))]
    first = agreement(as_sources(rows, names), n_boot=0)
    shuffled = agreement(as_sources([rows[i] for i in order], [names[i] for i in order]), n_boot=0)
    assert same(overall(first), overall(shuffled))
    assert len(first.disagreements) == len(shuffled.disagreements)


@settings(max_examples=60, deadline=None)
@given(rows=coded_units(), data=st.data())
def test_invariant_to_renaming_labels(rows, data):
    new_names = data.draw(st.permutations(["zeta", "alpha", "mu", "kappa"]))
    rename = dict(zip(LABELS, new_names))
    renamed = [[rename[x] if x else None for x in row] for row in rows]
    assert same(overall(agreement(as_sources(rows), n_boot=0)), overall(agreement(as_sources(renamed), n_boot=0)))


@settings(max_examples=100, deadline=None)
@given(pairs=st.lists(st.tuples(st.sampled_from(LABELS), st.sampled_from(LABELS)), min_size=2, max_size=40))
def test_cohen_kappa_matches_sklearn(pairs):
    a, b = zip(*pairs)
    index = {x: i for i, x in enumerate(LABELS)}
    ours = m.cohen_kappa(np.array([index[x] for x in a]), np.array([index[x] for x in b]), len(LABELS))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns when kappa is 0/0
        theirs = cohen_kappa_score(a, b)
    if math.isnan(theirs):
        assert math.isnan(ours)
    else:
        assert ours == pytest.approx(theirs, abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(rows=coded_units())
def test_missing_units_are_counted(rows):
    result = agreement(as_sources(rows), n_boot=0)
    coded_anywhere = {u for row in rows for u, x in enumerate(row) if x is not None}
    assert result.n_units == len(coded_anywhere)
    for coverage, row in zip(result.coverage, rows):
        coded = sum(x is not None for x in row)
        assert coverage.n_coded == coded
        assert coverage.n_missing == len(coded_anywhere) - coded


@settings(max_examples=30, deadline=None)
@given(rows=coded_units())
def test_bootstrap_matches_resampling_units(rows):
    """The vectorised bootstrap equals recomputing every coefficient on resampled units."""
    from combcoder.agree.agreement import _Table

    codes = np.array([[LABELS.index(x) if x else m.MISSING for x in row] for row in rows]).T
    idx = np.random.default_rng(len(codes)).integers(0, len(codes), len(codes))
    weights = np.bincount(idx, minlength=len(codes))[None, :].astype(float)
    resampled = _Table(codes[idx], len(LABELS)).point()
    vectorised = _Table(codes, len(LABELS)).resampled(weights)
    for name, value in resampled["overall"].items():
        other = vectorised["overall"][name][0]
        assert (math.isnan(value) and math.isnan(other)) or value == pytest.approx(other, abs=1e-9)

