"""Temperature scaling and expected calibration error."""

from __future__ import annotations

import numpy as np

from .base import softmax


def fit_temperature(logits: np.ndarray, labels: np.ndarray) -> float:
    """Return the temperature minimising the negative log-likelihood of ``labels`` (Guo et al. 2017)."""
    import torch

    z = torch.as_tensor(logits, dtype=torch.float64)
    y = torch.as_tensor(labels, dtype=torch.long)
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([log_t], lr=0.1, max_iter=200, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        loss = torch.nn.functional.cross_entropy(z / log_t.exp(), y)
        loss.backward()
        return loss

    optimizer.step(closure)
    return float(np.clip(log_t.exp().item(), 0.05, 20.0))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Return the ECE of the top-1 confidence over equal-width bins."""
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == labels
    edges = np.linspace(0.0, 1.0, bins + 1)
    ece = 0.0
    for low, high in zip(edges[:-1], edges[1:]):
        in_bin = (confidence > low) & (confidence <= high)
        if in_bin.any():
            ece += in_bin.mean() * abs(correct[in_bin].mean() - confidence[in_bin].mean())
    return float(ece)


def calibration_report(logits: np.ndarray, labels: np.ndarray, temperature: float) -> dict[str, float]:
    return {
        "temperature": temperature,
        "ece_before": expected_calibration_error(softmax(logits), labels),
        "ece_after": expected_calibration_error(softmax(logits, temperature), labels),
    }
