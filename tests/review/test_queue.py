"""Active-learning order: least confident first, and diverse (greedy MMR over embeddings)."""

from __future__ import annotations

import numpy as np

from combcoder.review.queue import mmr_order, pick_next, uncertainty
from hypothesis import given, settings
from hypothesis import strategies as st


def _clusters(rng, n_clusters: int, per: int, dim: int = 16, spread: float = 0.02):
    centres = rng.normal(size=(n_clusters, dim))
    points = np.repeat(centres, per, axis=0) + spread * rng.normal(size=(n_clusters * per, dim))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), np.repeat(np.arange(n_clusters), per)


def test_without_embeddings_the_order_is_least_confident_first():
    scores = np.array([0.9, 0.2, 0.55, 0.4])
    assert mmr_order(uncertainty(scores)) == [1, 3, 2, 0]
    assert pick_next(uncertainty(scores)) == 1


def test_twenty_near_duplicates_do_not_fill_the_queue():
    rng = np.random.default_rng(0)
    # Cluster 0 holds the 20 least confident utterances, all near-identical; 4 more clusters follow.
    emb, cluster = _clusters(rng, 5, 20)
    scores = np.where(cluster == 0, 0.30, 0.45) + 0.01 * rng.random(len(cluster))
    plain = mmr_order(uncertainty(scores), k=20, weight=1.0)
    assert set(cluster[plain]) == {0}  # uncertainty alone: twenty near-duplicates
    diverse = mmr_order(uncertainty(scores), emb, k=20)
    assert set(cluster[diverse[:5]]) == {0, 1, 2, 3, 4}  # every cluster within the first five
    assert np.bincount(cluster[diverse], minlength=5).max() <= 5


def test_pick_next_avoids_what_the_coder_just_reviewed():
    emb = np.eye(3, dtype=np.float32)
    u = uncertainty(np.array([0.30, 0.35, 0.9]))
    assert pick_next(u, emb) == 0
    assert pick_next(u, emb, window=emb[[0]]) == 1


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 40), st.integers(0, 10_000), st.floats(0.01, 1.0))
def test_mmr_order_is_a_permutation_starting_with_the_least_confident(n, seed, weight):
    rng = np.random.default_rng(seed)
    emb = rng.normal(size=(n, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    u = rng.random(n).astype(np.float32)
    order = mmr_order(u, emb, weight=weight)
    assert sorted(order) == list(range(n))
    assert u[order[0]] == u.max()  # nothing is in view yet, so the first pick is the least confident
