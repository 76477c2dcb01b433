"""Agreement coefficients for nominal codes, on integer-coded arrays.

``codes`` is a units x coders array of category indices with -1 for missing. ``counts`` is the
units x categories array of how many coders chose each category (see :func:`value_counts`).

Every coefficient is a function of sums over units of per-unit terms. Each one has a
``*_terms`` function giving those per-unit columns and a ``finish`` step turning their sums
into the value. Bootstrap resamples are then one matrix product: resample weights (how often
each unit was drawn) times the stacked terms. Undefined coefficients are NaN, never an error.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

import krippendorff
import numpy as np

MISSING = -1
Terms = dict[str, np.ndarray]


def value_counts(codes: np.ndarray, q: int) -> np.ndarray:
    """Return the units x q array counting how many coders chose each category."""
    counts = np.zeros((codes.shape[0], q), dtype=np.int64)
    rows, cols = np.nonzero(codes != MISSING)
    np.add.at(counts, (rows, codes[rows, cols]), 1)
    return counts


def percent_agreement(counts: np.ndarray) -> float:
    """Return the mean share of agreeing coder pairs over units coded at least twice."""
    return _evaluate(agreement_terms(counts), finish_agreement)


def brennan_prediger(counts: np.ndarray, q: int) -> float:
    """Return Brennan-Prediger's kappa (PABAK for two categories): chance agreement is 1/q."""
    return _evaluate(agreement_terms(counts), lambda s: finish_brennan_prediger(s, q))


def gwet_ac1(counts: np.ndarray, q: int) -> float:
    """Return Gwet's AC1 for any number of coders, missing codes allowed (Gwet 2014)."""
    return _evaluate(ac1_terms(counts), lambda s: finish_ac1(s, q))


def fleiss_kappa(counts: np.ndarray) -> float:
    """Return Fleiss' kappa; every unit must be coded by the same number (2+) of coders."""
    r = counts.sum(axis=1)
    if len(counts) and (r[0] < 2 or not (r == r[0]).all()):
        raise ValueError("Fleiss' kappa needs every unit coded by the same number (2+) of coders")
    return _evaluate(fleiss_terms(counts, np.ones(len(counts), dtype=bool)), finish_fleiss)


def krippendorff_alpha(counts: np.ndarray) -> float:
    """Return Krippendorff's alpha (nominal), missing codes allowed, via ``krippendorff``."""
    pairable = counts[counts.sum(axis=1) >= 2]
    if len(pairable) == 0 or np.count_nonzero(pairable.sum(axis=0)) < 2:
        return float("nan")  # no variation among pairable values: alpha is 0/0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(krippendorff.alpha(value_counts=pairable, level_of_measurement="nominal"))


def cohen_kappa(a: np.ndarray, b: np.ndarray, q: int) -> float:
    """Return Cohen's kappa for two coders over the units both coded."""
    return _evaluate(cohen_terms(a, b, q), finish_cohen)


def confusion_matrix(a: np.ndarray, b: np.ndarray, q: int) -> np.ndarray:
    """Return the q x q table of units coded by both: rows coder a, columns coder b."""
    both = (a != MISSING) & (b != MISSING)
    table = np.zeros((q, q), dtype=np.int64)
    np.add.at(table, (a[both], b[both]), 1)
    return table


# --- per-unit terms and how their sums become coefficients ----------------------------------

def agreement_terms(counts: np.ndarray) -> Terms:
    pairable = counts.sum(axis=1) >= 2
    return {"agree": pairable * _unit_agreement(counts), "pairable": pairable}


def ac1_terms(counts: np.ndarray) -> Terms:
    r = counts.sum(axis=1)
    coded = r >= 1
    return {**agreement_terms(counts), "shares": counts / np.maximum(r, 1)[:, None], "coded": coded}


def fleiss_terms(counts: np.ndarray, complete: np.ndarray) -> Terms:
    """Terms over the ``complete`` units only (coded by every coder)."""
    return {
        "agree": complete * _unit_agreement(counts),
        "units": complete,
        "counts": complete[:, None] * counts,
        "codes": complete * counts.sum(axis=1),
    }


def alpha_terms(counts: np.ndarray) -> Terms:
    r = counts.sum(axis=1)
    pairable = r >= 2
    diagonal = (counts * (counts - 1)).sum(axis=1) / np.maximum(r - 1, 1)  # coincidences o_cc
    return {"n": pairable * r, "n_c": pairable[:, None] * counts, "diagonal": pairable * diagonal}


def cohen_terms(a: np.ndarray, b: np.ndarray, q: int) -> Terms:
    both = (a != MISSING) & (b != MISSING)
    eye = np.eye(q)
    return {"both": both, "agree": both & (a == b), "a": both[:, None] * eye[a], "b": both[:, None] * eye[b]}


def finish_agreement(s: Terms) -> np.ndarray:
    return _divide(s["agree"], s["pairable"])


def finish_brennan_prediger(s: Terms, q: int) -> np.ndarray:
    if q < 2:
        return s["agree"] * np.nan
    return (finish_agreement(s) - 1 / q) / (1 - 1 / q)


def finish_ac1(s: Terms, q: int) -> np.ndarray:
    if q < 2:
        return s["agree"] * np.nan
    pi = _divide(s["shares"], s["coded"][:, None])
    return _chance_corrected(finish_agreement(s), (pi * (1 - pi)).sum(axis=1) / (q - 1))


def finish_fleiss(s: Terms) -> np.ndarray:
    p = _divide(s["counts"], s["codes"][:, None])
    return _chance_corrected(_divide(s["agree"], s["units"]), (p**2).sum(axis=1))


def finish_alpha(s: Terms) -> np.ndarray:
    n = s["n"]
    expected = n**2 - (s["n_c"] ** 2).sum(axis=1)
    alpha = 1 - (n - 1) * (n - s["diagonal"]) / np.where(expected > 1e-9, expected, np.nan)
    return alpha


def finish_cohen(s: Terms) -> np.ndarray:
    n = s["both"][:, None]
    chance = (_divide(s["a"], n) * _divide(s["b"], n)).sum(axis=1)
    return _chance_corrected(_divide(s["agree"], s["both"]), chance)


def weighted_sums(terms: Terms, weights: np.ndarray) -> Terms:
    """Return each term summed over units with ``weights`` (resamples x units), in one product."""
    columns, spans, at = [], {}, 0
    for key, x in terms.items():
        x = np.asarray(x, dtype=float)
        x2 = x[:, None] if x.ndim == 1 else x
        columns.append(x2)
        spans[key] = (at, at + x2.shape[1], np.ndim(x))
        at += x2.shape[1]
    total = weights @ np.hstack(columns)
    return {k: total[:, a:b] if nd == 2 else total[:, a] for k, (a, b, nd) in spans.items()}


def _evaluate(terms: Terms, finish: Callable[[Terms], np.ndarray]) -> float:
    n = len(next(iter(terms.values())))
    return float(finish(weighted_sums(terms, np.ones((1, n))))[0])


def _unit_agreement(counts: np.ndarray) -> np.ndarray:
    """Share of agreeing ordered coder pairs per unit; 0 for units coded fewer than twice."""
    r = counts.sum(axis=1)
    return (counts * (counts - 1)).sum(axis=1) / np.maximum(r * (r - 1), 1)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def _chance_corrected(observed: np.ndarray, chance: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        result = (observed - chance) / (1 - chance)
    return np.where(np.isclose(chance, 1.0), np.nan, result)
