"""Sub-theme clustering and naming, on synthetic vectors (no model needed)."""

from __future__ import annotations

import numpy as np

from combcoder.report.themes import cluster_cell, distinctive_terms, exemplar_order


def unit(rows):
    rows = np.asarray(rows, dtype=float)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_two_clear_groups_become_two_themes_largest_first():
    rng = np.random.default_rng(0)
    a = unit(np.array([1, 0, 0]) + 0.05 * rng.normal(size=(4, 3)))
    b = unit(np.array([0, 1, 0]) + 0.05 * rng.normal(size=(6, 3)))
    labels = cluster_cell(np.vstack([a, b]))
    assert labels.tolist() == [1] * 4 + [0] * 6


def test_small_or_structureless_cells_are_one_theme():
    assert cluster_cell(unit(np.eye(3) + 0.1)).tolist() == [0, 0, 0]
    assert set(cluster_cell(unit(np.ones((8, 4))))) == {0}


def test_terms_are_distinctive_between_themes():
    docs = [
        "I get breathless on the stairs, so breathless I can't walk to the bus. The stairs beat me.",
        "The bus never comes on time and the clinic is two buses away, the clinic parking is full.",
    ]
    first, second = distinctive_terms(docs)
    assert "breathless" in first and "stairs" in first
    assert "clinic" in second
    assert not {"just", "like", "can't", "the"} & set(first + second)


def test_exemplars_human_first_then_confident_then_central():
    vectors = unit([[1, 0], [1, 0.1], [1, 1], [0.9, 0.2]])
    order = exemplar_order(vectors, human=[False, False, False, True], confidence=[0.5, 0.9, 0.9, None])
    assert order[0] == 3  # human-confirmed
    assert order[1] == 1  # 0.9 and closer to the centroid than item 2
    assert order[-1] == 0
