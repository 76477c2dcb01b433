"""Assign stratified train/dev/test splits to seed records that have none (split: null).

Records that already have a split keep it, so adding data never moves a test item into
training. Within each (domain, polarity) group, records (in id order) are dealt out in a fixed
pattern of 20: 4 to test, 3 to dev, 13 to train (20 / 15 / 65 %).

    python scripts/split_seed.py data/seed/*.jsonl
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

PATTERN = {2: "test", 7: "test", 12: "test", 17: "test", 4: "dev", 10: "dev", 15: "dev"}


def main(paths: list[str]) -> None:
    files = {p: [json.loads(line) for line in Path(p).read_text(encoding="utf-8").splitlines() if line.strip()]
             for p in paths}
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for records in files.values():
        for r in records:
            if not r.get("split"):
                groups[(r["domain"], r["polarity"])].append(r)
    for records in groups.values():
        for i, r in enumerate(sorted(records, key=lambda r: r["id"])):
            r["split"] = PATTERN.get(i % 20, "train")
    for p, records in files.items():
        Path(p).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    print(f"assigned splits to {sum(len(g) for g in groups.values())} records")


if __name__ == "__main__":
    main(sys.argv[1:])
