"""Throughput of the full classify path vs the raw encoder forward pass of the same model.

    python scripts/bench_classify.py [--model VERSION_OR_PATH] [--n 1000] [--batch-size 64] [--repeats 3]

Both measured in this one process on the same texts (seed corpus utterances), alternating, best of
--repeats. "raw" = tokenise + transformer forward, length-sorted batches, no pooling or heads;
"classify" = Classifier.suggest (tokenise, forward, pooling, heads, calibration, top-3 records).
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def seed_texts(n: int) -> list[str]:
    texts = [json.loads(line)["text"] for path in sorted((REPO / "data" / "seed").glob("*.jsonl"))
             for line in path.read_text(encoding="utf-8").splitlines()]
    return (texts * (n // len(texts) + 1))[:n] if n > len(texts) else texts[:n]


def raw_forward(classifier, texts: list[str], batch_size: int) -> None:
    import torch

    transformer = classifier.encoder[0]
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    with torch.inference_mode():
        for b in range(0, len(order), batch_size):
            batch = [texts[i] for i in order[b : b + batch_size]]
            features = classifier.encoder.preprocess(batch)
            transformer.auto_model(input_ids=features["input_ids"].to(classifier.device),
                                   attention_mask=features["attention_mask"].to(classifier.device))
    if classifier.device.startswith("cuda"):
        torch.cuda.synchronize()  # the forward passes are queued; count them finished


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import torch

    from combcoder.registry import load_model

    classifier = load_model(args.model)
    if classifier.kind != "finetuned":
        print(f"model kind {classifier.kind}: this benchmark needs a fine-tuned model", file=sys.stderr)
        return 2
    classifier.batch_size = args.batch_size
    texts = seed_texts(args.n)
    ids = [str(i) for i in range(len(texts))]
    classifier.suggest(ids[:32], texts[:32])  # warm-up
    best = {"raw": float("inf"), "classify": float("inf")}
    for _ in range(args.repeats):
        t = time.perf_counter()
        raw_forward(classifier, texts, args.batch_size)
        best["raw"] = min(best["raw"], time.perf_counter() - t)
        t = time.perf_counter()
        classifier.suggest(ids, texts)
        best["classify"] = min(best["classify"], time.perf_counter() - t)
    raw, full = len(texts) / best["raw"], len(texts) / best["classify"]
    print(f"model {classifier.version} on {classifier.device}; {len(texts)} texts, batch {args.batch_size}, "
          f"torch threads {torch.get_num_threads()}, {platform.processor() or platform.machine()}")
    print(f"raw encoder forward : {raw:8.1f} utterances/s")
    print(f"classify path       : {full:8.1f} utterances/s")
    print(f"ratio classify/raw  : {full / raw:8.3f}  (goal >= 0.90)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
