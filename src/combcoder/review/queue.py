"""Queue order for review: document order, or active learning (least confident first, diverse).

Active learning ranks utterances by the model's uncertainty (1 - the calibrated probability of
its top domain) and, so the queue is not twenty near-identical utterances, subtracts a
redundancy penalty in the spirit of maximal marginal relevance (Carbonell & Goldstein 1998):

    score(u) = weight * uncertainty(u) - (1 - weight) * sum_{s in window} max(0, cos(u, s))

``window`` is what the coder has just seen (their last ``RECENT`` decisions, plus what other
coders have open). The sum is a soft count of near-duplicates already in view: with a plain
maximum, once every cluster had been shown once the penalty would be the same everywhere and
the most uncertain cluster would fill the rest of the queue; the count makes clusters take
turns, each in order of uncertainty.
"""

from __future__ import annotations

import numpy as np

DIVERSITY_WEIGHT = 0.7  # weight of uncertainty against redundancy; 1.0 = uncertainty only
RECENT = 10  # how many recent decisions count as "in view"


def uncertainty(scores: np.ndarray) -> np.ndarray:
    """Least-confidence uncertainty from the top-domain probabilities."""
    return 1.0 - np.asarray(scores, dtype=np.float32)


def redundancy(candidates: np.ndarray, window: np.ndarray | None) -> np.ndarray:
    """Soft count of near-duplicates of each candidate among the ``window`` embeddings."""
    if window is None or len(window) == 0:
        return np.zeros(len(candidates), dtype=np.float32)
    return np.clip(candidates @ window.T, 0.0, None).sum(axis=1)


def pick_next(
    uncertainties: np.ndarray,
    embeddings: np.ndarray | None = None,
    window: np.ndarray | None = None,
    weight: float = DIVERSITY_WEIGHT,
    rows: np.ndarray | None = None,
    block: int = 256,
) -> int:
    """Return the index of the best next candidate given the embeddings in view.

    ``rows[i]`` is candidate i's row in ``embeddings`` (default: row i). Candidates are scored
    in blocks from the most uncertain down, stopping once no remaining one can win (the penalty
    is never negative), so a large project costs a few hundred dot products, not all of them.
    """
    u = np.asarray(uncertainties, dtype=np.float32)
    if len(u) == 0:
        raise ValueError("no candidates")
    if embeddings is None or weight >= 1.0 or window is None or len(window) == 0:
        return int(np.argmax(u))
    rows = np.arange(len(u)) if rows is None else np.asarray(rows)
    order = np.argsort(-u, kind="stable")
    best, best_score = int(order[0]), -np.inf
    for start in range(0, len(order), block):
        part = order[start : start + block]
        if weight * u[part[0]] <= best_score:
            break
        score = weight * u[part] - (1.0 - weight) * redundancy(embeddings[rows[part]], window)
        j = int(np.argmax(score))
        if score[j] > best_score:
            best, best_score = int(part[j]), float(score[j])
    return best


def mmr_order(
    uncertainties: np.ndarray,
    embeddings: np.ndarray | None = None,
    k: int | None = None,
    window: np.ndarray | None = None,
    weight: float = DIVERSITY_WEIGHT,
    recent: int = RECENT,
) -> list[int]:
    """Return up to ``k`` candidate indices in the order the queue would serve them (all by default)."""
    n = len(uncertainties)
    k = n if k is None else min(k, n)
    u = np.asarray(uncertainties, dtype=np.float32)
    if embeddings is None or weight >= 1.0:
        return [int(i) for i in np.argsort(-u, kind="stable")[:k]]
    seen = [] if window is None else list(window)
    taken = np.zeros(n, dtype=bool)
    order: list[int] = []
    for _ in range(k):
        view = np.asarray(seen[-recent:]) if seen else None
        score = weight * u - (1.0 - weight) * redundancy(embeddings, view)
        score[taken] = -np.inf
        i = int(np.argmax(score))
        order.append(i)
        taken[i] = True
        seen.append(embeddings[i])
    return order
