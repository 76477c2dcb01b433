"""Check the labelled data: schema, label balance, duplicates and near-duplicates.

    python scripts/check_data.py [--strict] [--markdown]

--strict exits 1 on a schema error, an exact duplicate, a near-duplicate pair across splits
(embedding cosine > 0.92, MiniLM) or a count below the corpus targets. Near-duplicates inside one
split are reported, not failed. It also checks data/recode (the blind second coding): every file
codes the same coded seed `test` records with the seed's domain, and the gold file repeats the
seed's polarity. --markdown prints the tables used in data/seed/DATA.md.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from combcoder.errors import InputError  # noqa: E402
from combcoder.jsonl import iter_objects  # noqa: E402
from combcoder.records import DOMAINS, POLARITIES  # noqa: E402

KEYS = {"id", "text", "domain", "polarity", "speaker_role", "condition", "setting", "split", "note"}
ROLES = {"patient", "family_carer", "nurse", "physician", "physiotherapist", "manager", "interviewer"}
CONDITIONS = {"heart_failure", "copd", "diabetes", "stroke", "kidney_disease", "dementia",
              "cancer_survivorship", "multimorbidity"}
SETTINGS = {"focus_group", "interview", "diary"}
NEAR = 0.92
TARGETS = {"per_subdomain": 150, "none": 250, "test": 300, "ood": 150}


def load(folder: Path, errors: list[str]) -> list[dict]:
    rows = []
    for path in sorted(folder.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            where = f"{path.relative_to(REPO)}:{number}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                errors.append(f"{where}: invalid JSON ({error.msg})")
                continue
            problems = []
            if set(row) != KEYS:
                problems.append(f"keys {sorted(set(row) ^ KEYS)} missing or unexpected")
            if not str(row.get("text", "")).strip():
                problems.append("empty text")
            for key, allowed in (("domain", DOMAINS), ("polarity", POLARITIES), ("speaker_role", ROLES),
                                 ("condition", CONDITIONS), ("setting", SETTINGS),
                                 ("split", {"train", "dev", "test", "ood"})):
                if row.get(key) not in allowed:
                    problems.append(f"{key}={row.get(key)!r} not one of {sorted(allowed)}")
            if row.get("domain") == "none" and row.get("polarity") != "neutral":
                problems.append("domain none must have polarity neutral")
            errors.extend(f"{where}: {p}" for p in problems)
            row["_where"] = where
            rows.append(row)
    return rows


def normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def near_duplicates(rows: list[dict]) -> tuple[list[tuple[float, dict, dict]], dict[str, float]]:
    """Return pairs with cosine above NEAR (MiniLM embeddings, cached under .cache/) and the
    highest cosine within and across splits."""
    import numpy as np

    from combcoder.embed import Embedder

    vectors = Embedder(cache_dir=REPO / ".cache").encode([r["text"] for r in rows])
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, 0.0)
    i, j = np.where(np.triu(similarity) > NEAR)
    splits = np.array([r["split"] for r in rows])
    same = splits[:, None] == splits[None, :]
    highest = {"within": float(np.where(same, similarity, 0).max()),
               "across": float(np.where(~same, similarity, 0).max())}
    pairs = sorted(((float(similarity[a, b]), rows[a], rows[b]) for a, b in zip(i, j)), key=lambda t: -t[0])
    return pairs, highest


def check_recode(folder: Path, seed: list[dict], errors: list[str]) -> None:
    """The blind second coding in data/recode: every file codes the same seed test records, with
    the seed's domain; the gold file holds the seed's own polarity."""
    by_id = {r["id"]: r for r in seed}
    units = []
    for path in sorted(folder.glob("*.jsonl")):
        try:
            rows = list(iter_objects(path))
        except InputError as error:
            errors.append(str(error))
            continue
        where = path.relative_to(REPO) if path.is_relative_to(REPO) else path
        units.append([r.get("id") for _, r in rows])
        for number, r in rows:
            record = by_id.get(r.get("id"))
            if record is None or record["split"] != "test" or record["domain"] == "none":
                errors.append(f"{where}:{number}: {r.get('id')!r} is not a coded seed test record")
            elif r.get("domain") != record["domain"]:
                errors.append(f"{where}:{number}: domain {r.get('domain')!r}, the seed says {record['domain']!r}")
            elif r.get("polarity") not in ("barrier", "facilitator"):
                errors.append(f"{where}:{number}: polarity {r.get('polarity')!r} is not barrier or facilitator")
            elif path.name.endswith("_gold.jsonl") and r["polarity"] != record["polarity"]:
                errors.append(f"{where}:{number}: gold polarity {r['polarity']!r}, the seed says {record['polarity']!r}")
    if any(u != units[0] for u in units):
        errors.append(f"{folder}: the files do not code the same records in the same order")


def table(rows: list[dict], row_key: str, col_key: str, row_order, col_order) -> str:
    counts = Counter((r[row_key], r[col_key]) for r in rows)
    cols = [c for c in col_order if any(counts[(x, c)] for x in row_order)]
    lines = [f"| {row_key} | " + " | ".join(cols) + " | total |", "|---" * (len(cols) + 2) + "|"]
    for x in row_order:
        n = [counts[(x, c)] for c in cols]
        if sum(n):
            lines.append(f"| {x} | " + " | ".join(map(str, n)) + f" | {sum(n)} |")
    totals = [sum(counts[(x, c)] for x in row_order) for c in cols]
    lines.append("| **total** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="exit 1 on errors")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    errors: list[str] = []
    seed = load(REPO / "data" / "seed", errors)
    ood = load(REPO / "data" / "ood", errors)
    everything = seed + ood
    if (REPO / "data" / "recode").is_dir():
        check_recode(REPO / "data" / "recode", seed, errors)
    for r in ood:
        if r.get("split") != "ood":
            errors.append(f"{r['_where']}: OOD records must have split 'ood'")
    ids = Counter(r.get("id") for r in everything)
    errors += [f"duplicate id {i!r}" for i, n in ids.items() if n > 1]
    seen: dict[str, dict] = {}
    for r in everything:
        key = normalise(r.get("text", ""))
        if key in seen:
            errors.append(f"exact duplicate text: {seen[key]['_where']} and {r['_where']}")
        seen[key] = r
    domains = Counter(r["domain"] for r in seed)
    for d in DOMAINS:
        need = TARGETS["none"] if d == "none" else TARGETS["per_subdomain"]
        if domains[d] < need:
            errors.append(f"{d}: {domains[d]} seed utterances, target >= {need}")
    n_test = sum(r["split"] == "test" for r in seed)
    if n_test < TARGETS["test"]:
        errors.append(f"test split: {n_test} utterances, target >= {TARGETS['test']}")
    if len(ood) < TARGETS["ood"]:
        errors.append(f"ood: {len(ood)} utterances, target >= {TARGETS['ood']}")

    pairs, highest = near_duplicates(everything) if everything else ([], {"within": 0.0, "across": 0.0})
    cross = [(s, a, b) for s, a, b in pairs if a["split"] != b["split"]]
    within = [(s, a, b) for s, a, b in pairs if a["split"] == b["split"]]
    errors += [f"near-duplicate across splits (cos {s:.3f}): {a['_where']} ({a['split']}) ~ {b['_where']} "
               f"({b['split']})" for s, a, b in cross]

    print(f"seed: {len(seed)} utterances; ood: {len(ood)}")
    print(table(seed, "domain", "split", DOMAINS, ("train", "dev", "test")))
    print()
    print(table(seed, "domain", "polarity", DOMAINS, POLARITIES))
    print()
    print(table(seed, "speaker_role", "split", sorted(ROLES), ("train", "dev", "test")))
    if args.markdown:
        print()
        print(table(seed, "condition", "setting", sorted(CONDITIONS), sorted(SETTINGS)))
        print()
        print(table(ood, "domain", "polarity", DOMAINS, POLARITIES))
    print(f"\nnear-duplicates (cosine > {NEAR}): {len(cross)} across splits, {len(within)} within a split")
    for s, a, b in within[:10]:
        print(f"  within {a['split']} ({s:.3f}): {a['id']} ~ {b['id']}")
    print(f"highest cosine: {highest['within']:.3f} within a split, {highest['across']:.3f} across splits")
    for e in errors:
        print(f"ERROR: {e}", file=sys.stderr)
    print(f"{len(errors)} errors")
    return 1 if errors and args.strict else 0


if __name__ == "__main__":
    sys.exit(main())
