"""Write MODEL.md, the model card, from a model's info and metrics."""

from __future__ import annotations

from pathlib import Path


def write_model_card(path: Path, version: str, info: dict, metrics: dict) -> None:
    ft = metrics["finetuned"]
    test = ft["test"]
    lines = [
        f"# Model {version}",
        "",
        f"Kind: `{info['kind']}` — {info.get('base_model') or 'bundled'} sentence-transformer encoder "
        "fine-tuned with a COM-B domain head and a polarity head. Scores are temperature-calibrated "
        "probabilities.",
        "",
        f"Codebook: {info.get('codebook')} (sha256 `{info.get('codebook_hash', '')[:16]}`). "
        f"Training data: {info.get('training_data')} — every record id and hash in `manifest.jsonl`.",
        "",
        "## Results (seed `test` split, never used for any choice; OOD = different behaviour)",
        "",
        "| model | test macro-F1 | top-2 acc | polarity acc (coded) | κ | ECE (calibrated) | OOD macro-F1 |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("prototype", "logreg", "finetuned"):
        m = metrics.get(name)
        if not m:
            continue
        t, o = m["test"], m.get("ood") or {}
        lines.append(
            f"| {name} | {t['domain_macro_f1']:.3f} | {t['domain_top2_accuracy']:.3f} | "
            f"{t['polarity_accuracy_coded']:.3f} | {t['domain_kappa']:.3f} | {t['domain_ece']:.3f} | "
            f"{o.get('domain_macro_f1', float('nan')):.3f} |"
        )
    cal = ft["calibration_dev"]["domain"]
    lines += [
        "",
        f"Calibration (domain head, fitted on `dev`): temperature {cal['temperature']:.2f}, "
        f"dev ECE {cal['ece_before']:.3f} → {cal['ece_after']:.3f}; test ECE "
        f"{test['domain_ece_uncalibrated']:.3f} → {test['domain_ece']:.3f}.",
        "",
        "## Per class (test)",
        "",
        "| domain | precision | recall | F1 | n |",
        "|---|---|---|---|---|",
    ]
    for domain, m in test["per_class"].items():
        lines.append(f"| {domain} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    labels = test["confusion"]["labels"]
    lines += ["", "## Confusion (test; rows gold, columns predicted)", "",
              "| gold \\ predicted | " + " | ".join(_short(l) for l in labels) + " |",
              "|---" * (len(labels) + 1) + "|"]
    for label, row in zip(labels, test["confusion"]["matrix"]):
        lines.append(f"| {label} | " + " | ".join(str(x) for x in row) + " |")
    lines += ["", "## Training", "", f"Device: {metrics['environment']['device']}; "
              f"{ft['train_seconds']} s fine-tuning. Epochs (selection on dev):", ""]
    for row in ft.get("history", []):
        lines.append(f"- epoch {row['epoch']}: loss {row['train_loss']}, dev score {row['selection_score']}, "
                     f"{row['seconds']} s")
    lines += ["", "## Limits", "",
              "Trained on utterances written by the combcoder team in spoken style (English, chronic "
              "illness care); expect lower accuracy on other behaviours, languages and settings (see OOD). "
              "Suggestions are for human review, not a replacement for coding.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")


def _short(label: str) -> str:
    """capability.physical -> C-physical, so the confusion header stays readable."""
    component, _, sub = label.partition(".")
    return f"{component[0].upper()}-{sub}" if sub else label
