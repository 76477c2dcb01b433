"""Queue order for review: document order, or active learning (least confident first, diverse).

Active learning ranks utterances by the model's uncertainty (1 - the calibrated probability of
its top domain) and, so the queue is not twenty near-identical utterances, penalises each
candidate by its cosine similarity to what the coder reviewed last and to what other coders
have open (maximal marginal relevance, Carbonell & Goldstein 1998):

    score(u) = weight * uncertainty(u) - (1 - weight) * max_{s in selected} cos(u, s)

Picking greedily with ``selected`` growing by each pick gives a whole diverse queue
(:func:`mmr_order`); the review page asks for one item at a time (:func:`pick_next`).
"""

from __future__ import annotations

import numpy as np

DIVERSITY_WEIGHT = 0.7  # weight of uncertainty against similarity; 1.0 = uncertainty only
RECENT = 10  # how many of the coder's last reviewed utterances count as "selected"


def uncertainty(scores: np.ndarray) -> np.ndarray:
    """Least-confidence uncertainty from the top-domain probabilities."""
    return 1.0 - np.asarray(scores, dtype=np.float32)


def _max_similarity(candidates: np.ndarray, selected: np.ndarray | None) -> np.ndarray:
    if selected is None or len(selected) == 0:
        return np.zeros(len(candidates), dtype=np.float32)
    return (candidates @ selected.T).max(axis=1)


def pick_next(
    uncertainties: np.ndarray,
    embeddings: np.ndarray | None = None,
    selected: np.ndarray | None = None,
    weight: float = DIVERSITY_WEIGHT,
) -> int:
    """Return the index of the best next candidate given the already selected embeddings."""
    if len(uncertainties) == 0:
        raise ValueError("no candidates")
    score = np.asarray(uncertainties, dtype=np.float32)
    if embeddings is not None and weight < 1.0:
        score = weight * score - (1.0 - weight) * _max_similarity(embeddings, selected)
    return int(np.argmax(score))


def mmr_order(
    uncertainties: np.ndarray,
    embeddings: np.ndarray | None = None,
    k: int | None = None,
    selected: np.ndarray | None = None,
    weight: float = DIVERSITY_WEIGHT,
) -> list[int]:
    """Return up to ``k`` candidate indices in greedy MMR order (all of them by default)."""
    n = len(uncertainties)
    k = n if k is None else min(k, n)
    u = np.asarray(uncertainties, dtype=np.float32)
    if embeddings is None or weight >= 1.0:
        return [int(i) for i in np.argsort(-u, kind="stable")[:k]]
    best_sim = _max_similarity(embeddings, selected)
    taken = np.zeros(n, dtype=bool)
    order: list[int] = []
    for _ in range(k):
        score = weight * u - (1.0 - weight) * best_sim
        score[taken] = -np.inf
        i = int(np.argmax(score))
        order.append(i)
        taken[i] = True
        best_sim = np.maximum(best_sim, embeddings @ embeddings[i])
    return order
