"""Sub-themes within a matrix cell: cluster utterance embeddings, name clusters by c-TF-IDF.

Clusters come from agglomerative clustering (average linkage, cosine distance) with the number
of clusters chosen by silhouette; a cell too small or without clear structure is one theme.
Names are each cluster's most distinctive words by class-based TF-IDF (Grootendorst 2022),
computed across every theme in the report so that words common to all cells do not name any.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

MIN_CELL = 6  # cells smaller than this are one theme
MIN_SILHOUETTE = 0.05  # below this, splitting a cell is not worth reporting
SILHOUETTE_SAMPLE = 1500  # score large cells on a seeded sample
SPOKEN_FILLERS = """
yeah yes yep um uh er erm mm hmm oh ok okay like just really actually basically literally
know think mean sort kind bit lot lots thing things stuff got get gets getting going gonna
wanna say said says tell told well right sure quite probably maybe way time times make made
don't didn't doesn't isn't wasn't aren't weren't won't can't couldn't wouldn't shouldn't
haven't hasn't hadn't i'm i've i'd i'll you're you've you'd you'll he's she's it's we're
we've they're they've they'd that's there's what's let's
""".split()
TOKEN = r"(?u)\b(?:[^\W\d_]+'[^\W\d_]+|[^\W\d_]{2,})\b"


def cluster_cell(vectors: np.ndarray, max_themes: int = 5, min_cell: int = MIN_CELL) -> np.ndarray:
    """Return a cluster label per row of normalised ``vectors``, largest cluster first (0)."""
    n = len(vectors)
    if n < min_cell or max_themes < 2:
        return np.zeros(n, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage
    from sklearn.metrics import silhouette_score

    tree = linkage(vectors, method="average", metric="cosine")  # one tree serves every k
    best, best_score = np.zeros(n, dtype=int), MIN_SILHOUETTE
    for k in range(2, min(max_themes, n // 3) + 1):
        labels = fcluster(tree, t=k, criterion="maxclust") - 1
        sizes = np.bincount(labels)
        if len(sizes) < 2 or sizes.min() < 2:  # singletons are outliers, not sub-themes
            continue
        score = silhouette_score(
            vectors, labels, metric="cosine", sample_size=min(n, SILHOUETTE_SAMPLE), random_state=0
        )
        if score > best_score:
            best, best_score = labels, score
    return _by_size(best)


def distinctive_terms(documents: Sequence[str], top_n: int = 3) -> list[list[str]]:
    """Return the ``top_n`` most distinctive words of each class document (c-TF-IDF)."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

    if not documents:
        return []
    stop_words = sorted(ENGLISH_STOP_WORDS | set(SPOKEN_FILLERS))
    vectorizer = CountVectorizer(preprocessor=_normalise, token_pattern=TOKEN, stop_words=stop_words)
    try:
        counts = vectorizer.fit_transform(documents).toarray().astype(float)
    except ValueError:  # only stop words everywhere
        return [[] for _ in documents]
    words = vectorizer.get_feature_names_out()
    length = np.array([len(w) for w in words])  # among ties, longer words say more
    per_class = counts.sum(axis=1, keepdims=True)
    tf = counts / np.maximum(per_class, 1)
    idf = np.log(1 + per_class.mean() / np.maximum(counts.sum(axis=0), 1))
    scores = tf * idf
    terms = []
    for row, row_counts in zip(scores, counts):
        repeated = row_counts >= min(2, row_counts.max(initial=0))  # prefer words used twice
        order = np.lexsort((-length, -row, ~repeated))
        terms.append([str(words[i]) for i in order[:top_n] if row_counts[i] > 0])
    return terms


def exemplar_order(
    vectors: np.ndarray, human: Sequence[bool], confidence: Sequence[float | None]
) -> list[int]:
    """Order a theme's members for quoting: human-confirmed, then most confident, then central."""
    centroid = vectors.mean(axis=0)
    centroid = centroid / (np.linalg.norm(centroid) or 1.0)
    distance = 1 - vectors @ centroid
    keys = [
        (not human[i], -(confidence[i] if confidence[i] is not None else -1.0), float(distance[i]), i)
        for i in range(len(vectors))
    ]
    return [k[-1] for k in sorted(keys)]


def _by_size(labels: np.ndarray) -> np.ndarray:
    order = np.argsort(-np.bincount(labels), kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels]


def _normalise(text: str) -> str:
    return re.sub(r"[\u2018\u2019\u02bc]", "'", text.lower())
