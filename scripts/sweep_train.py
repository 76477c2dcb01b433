"""Train the default config with one setting changed at a time; compare on dev, report test.

    python scripts/sweep_train.py [--config F] [--device cuda] [--only "seed 14,lr 8e-5"] [--json FILE]

Each row is a full `combcoder train` run (no baselines, nothing promoted; models go to a
temporary registry) and prints its best dev selection score (dev macro-F1 + 0.5 x dev polarity
accuracy, what training selects epochs on), the dev, test and OOD figures, and the seconds it
took. The first rows change only the seed: their spread is the noise a setting must beat on
dev before it is worth a change. Choose on dev; test is shown so the note can say what the
choice did, not to choose by.

A run takes about 12 s on one H100/H200 and about 7 minutes on a 2-core CPU, so run the whole
grid on a GPU (CUDA is used when present) and single rows (--only) on a CPU.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

GRID: list[tuple[str, dict]] = [
    ("default", {}), ("seed 14", {"seed": 14}), ("seed 15", {"seed": 15}), ("seed 16", {"seed": 16}),
    ("lr 4e-5", {"learning_rate": 4e-5}), ("lr 8e-5", {"learning_rate": 8e-5}), ("lr 1e-4", {"learning_rate": 1e-4}),
    ("pol w 1.5", {"polarity_loss_weight": 1.5}), ("pol w 2", {"polarity_loss_weight": 2.0}),
    ("smooth 0.1", {"label_smoothing": 0.1}), ("batch 32 lr 8e-5", {"batch_size": 32, "learning_rate": 8e-5}),
    ("batch 8 lr 4e-5", {"batch_size": 8, "learning_rate": 4e-5}),
    ("tokens trained", {"freeze_word_embeddings": False}), ("head lr 5e-3", {"head_learning_rate": 5e-3}),
    ("scale 24", {"feature_scale": 24.0}), ("scale 10", {"feature_scale": 10.0}),
    ("epochs 4", {"epochs": 4}), ("epochs 6", {"epochs": 6}), ("warmup 0.2", {"warmup_ratio": 0.2}),
    ("wd 0.1", {"weight_decay": 0.1}), ("max len 64", {"max_seq_length": 64}), ("fp32", {"mixed_precision": False}),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=None, help="training config (default: configs/train/default.yaml)")
    parser.add_argument("--device", default=None, help="cuda, cpu, ... (default: CUDA when present)")
    parser.add_argument("--only", default=None, help="comma-separated row names to run")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows to this file")
    args = parser.parse_args()

    from combcoder.train import train_model
    from combcoder.train.config import load_train_config

    base = load_train_config(args.config)
    names = {n.strip() for n in args.only.split(",")} if args.only else None
    unknown = (names or set()) - {name for name, _ in GRID}
    if unknown:
        print(f"unknown rows: {', '.join(sorted(unknown))}; known: {', '.join(n for n, _ in GRID)}", file=sys.stderr)
        return 2
    rows = []
    root = Path(tempfile.mkdtemp(prefix="sweep_train-"))
    print(f"{'row':18} {'dev score':>9} {'dev F1':>7} {'dev pol':>7} {'test F1':>7} {'test pol':>8} "
          f"{'OOD F1':>7} {'epoch':>5} {'s':>6}")
    for name, change in GRID:
        if names and name not in names:
            continue
        settings = base.finetune.model_copy(update=change)
        config = base.model_validate(base.model_dump() | {"finetune": settings.model_dump()})
        started = time.perf_counter()
        result = train_model(config, device=args.device, models_root=root, baselines=False).metrics
        metrics, environment = result["finetuned"], result["environment"]
        best = max(metrics["history"], key=lambda h: h["selection_score"])
        row = {"name": name, "change": change, "seconds": round(time.perf_counter() - started, 1),
               "best_epoch": best["epoch"], "dev_score": best["selection_score"]}
        for split in ("dev", "test", "ood"):
            if metrics.get(split):
                row[f"{split}_f1"] = round(metrics[split]["domain_macro_f1"], 3)
                row[f"{split}_polarity"] = round(metrics[split]["polarity_accuracy_coded"], 3)
        rows.append(row)
        print(f"{name:18} {row['dev_score']:>9.4f} {row['dev_f1']:>7.3f} {row['dev_polarity']:>7.3f} "
              f"{row['test_f1']:>7.3f} {row['test_polarity']:>8.3f} {row.get('ood_f1', float('nan')):>7.3f} "
              f"{row['best_epoch']:>5} {row['seconds']:>6.1f}", flush=True)
        if args.json:
            args.json.write_text(json.dumps({"environment": environment, "rows": rows}, indent=1) + "\n")
    seeds = [r["dev_score"] for r in rows if r["name"] == "default" or r["name"].startswith("seed ")]
    if len(seeds) > 1:
        print(f"seed spread of the dev score: {min(seeds):.4f} - {max(seeds):.4f}; "
              "a setting below the top of it is not better than the default")
    return 0


if __name__ == "__main__":
    sys.exit(main())
