"""Pseudonymise transcript files: texts and manifest in one folder, mapping and review list apart."""

from __future__ import annotations

import csv
import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import CombcoderError, ConfigError
from .detect import Detector
from .pseudonyms import DeidentifiedDocument, Pseudonyms, deidentify_documents


@dataclass
class DeidentifySummary:
    """What a run read and replaced."""

    documents: int = 0
    replacements: int = 0
    by_type: Counter = field(default_factory=Counter)
    pseudonyms: int = 0
    out_dir: str | None = None
    mapping: str | None = None
    review: str | None = None
    warnings: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)




# --- files -----------------------------------------------------------------------------


REVIEW_COLUMNS = ["doc_id", "line", "type", "pseudonym", "original", "detector", "start", "end", "context"]


def deidentify_files(
    paths: Sequence[str | Path],
    out_dir: str | Path,
    *,
    manifest: str | Path | None = None,
    mapping_out: str | Path | None = None,
    mapping_in: str | Path | None = None,
    keep: Iterable[str] = (),
    detector: Detector | None = None,
) -> DeidentifySummary:
    """Pseudonymise transcripts into ``out_dir`` (texts and a manifest); write the mapping and
    review list elsewhere (``mapping_out``, default ``<out_dir>.mapping.json`` beside it)."""
    from ..ingest import iter_sources, read_source

    out = Path(out_dir)
    mapping_path = Path(mapping_out) if mapping_out else out.parent / f"{out.name}.mapping.json"
    review_path = mapping_path.with_name(mapping_path.name.removesuffix(".json") + ".review.csv")
    if _inside(mapping_path, out):
        raise CombcoderError(f"{mapping_path}: the mapping must not be written inside {out}, next to the "
                             "pseudonymised texts; choose another --mapping-out")
    pseudonyms = _load_mapping(mapping_in) if mapping_in else Pseudonyms()
    summary = DeidentifySummary(out_dir=str(out), mapping=str(mapping_path), review=str(review_path))
    documents = []
    for source in iter_sources(paths, manifest):
        try:
            documents.append(read_source(source))
        except CombcoderError as error:
            summary.failed.append((str(source.path), str(error)))
    if not documents:
        raise CombcoderError("no transcript could be read: " + "; ".join(e for _, e in summary.failed))
    detector = detector or Detector(keep=keep)
    results, pseudonyms = deidentify_documents(documents, detector=detector, pseudonyms=pseudonyms)
    out.mkdir(parents=True, exist_ok=True)
    entries = []
    for result in results:
        document = result.document
        (out / f"{document.id}.txt").write_text(document.text, encoding="utf-8", newline="\n")
        entries.append({"path": f"{document.id}.txt", "id": document.id, "group": document.group,
                        "source_type": document.source_type})
        summary.documents += 1
        summary.replacements += len(result.replacements)
        summary.by_type.update(r.type for r in result.replacements)
        summary.warnings.extend(_id_warnings(result))
    _write_manifest(out / "manifest.yaml", entries)
    mapping_path.parent.mkdir(parents=True, exist_ok=True)
    data = pseudonyms.to_dict()
    data["documents"] = {r.document.id: {"source": r.original.path,
                                         "replacements": [asdict(x) for x in r.replacements]} for r in results}
    mapping_path.write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    write_review(review_path, results)
    summary.pseudonyms = len(pseudonyms.types)
    return summary


def write_review(path: str | Path, results: Sequence[DeidentifiedDocument]) -> None:
    """Write the review list: one row per replacement, with the original words in context."""
    with open(path, "w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=REVIEW_COLUMNS)
        writer.writeheader()
        for result in results:
            text = result.original.text
            for r in result.replacements:
                before = text[max(0, r.start - 40):r.start].replace("\n", " ")
                after = text[r.end:r.end + 40].replace("\n", " ")
                writer.writerow({"doc_id": result.document.id, "line": r.line, "type": r.type,
                                 "pseudonym": r.pseudonym, "original": r.original, "detector": r.detector,
                                 "start": r.start, "end": r.end,
                                 "context": f"{before}«{r.original}»{after}"})


def _load_mapping(path: str | Path) -> Pseudonyms:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: mapping file not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read mapping: {exc}") from None
    return Pseudonyms.from_dict(data, str(path))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def _write_manifest(path: Path, entries: list[dict[str, Any]]) -> None:
    import yaml

    rows = [{k: v for k, v in e.items() if v not in (None, "unknown")} for e in entries]
    path.write_text(yaml.safe_dump({"documents": rows}, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _id_warnings(result: DeidentifiedDocument) -> list[str]:
    words = set(re.split(r"[^a-z]+", result.document.id.casefold()))
    names = {w.casefold() for r in result.replacements if r.type == "PERSON" for w in r.original.split()}
    leaked = sorted(words & names)
    if leaked:
        return [f"document id {result.document.id!r} contains a name found in its text ({', '.join(leaked)}); "
                "give ids in a manifest"]
    return []

