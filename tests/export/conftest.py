"""A small coded project: real transcripts read and segmented, codes given by a fixed rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from combcoder.ingest import iter_sources, read_source
from combcoder.pipeline import utterance_row
from combcoder.records import DOMAINS, POLARITIES, DomainScore, Suggestion
from combcoder.segment import Segmenter

TRANSCRIPTS = {
    "patients.txt": (
        "Interviewer: How do you get on with the tablets?\n\n"
        "P1: I can't open the blister packs any more 😣 my fingers are too stiff in the morning.\n\n"
        "P2: My daughter sorts them into the box for me on a Sunday 👍🏽, so I never miss one.\n\n"
        "P1: Mm.\n\n"
        "P3: The nurse explained what the water tablet does, and now I take it before my walk.\n"
    ),
    "family.md": (
        "# Family group\n\n"
        "Moderator: What helps?\n\n"
        "Anna: Nobody tells us anything at the hospital, we find out from him afterwards.\n\n"
        "Ben: I worry I'll get it wrong with the pills, so I check the list three times 𝔸𝔹ℂ.\n"
    ),
}


def make_coded_folder(root: Path, transcripts: dict[str, str] = TRANSCRIPTS) -> tuple[Path, Path]:
    """Write transcripts and a manifest under ``root``; code them; return (code folder, manifest)."""
    folder = root / "transcripts"
    folder.mkdir(parents=True)
    for name, text in transcripts.items():
        (folder / name).write_text(text, encoding="utf-8")
    entries = "\n".join(
        f"  - {{path: {name}, id: {Path(name).stem}, group: {Path(name).stem}, source_type: focus_group}}"
        for name in transcripts
    )
    manifest = folder / "manifest.yaml"
    manifest.write_text(f"documents:\n{entries}\n", encoding="utf-8")
    out = root / "coded"
    out.mkdir()
    rows = []
    k = 0
    for source in iter_sources([], manifest):
        document = read_source(source)
        for utterance in Segmenter().segment(document):
            suggestion = None
            if utterance.codable:
                k += 1
                domain = DOMAINS[k % len(DOMAINS)]
                runner = DOMAINS[(k + 1) % len(DOMAINS)]
                suggestion = Suggestion(utterance.id, domain, 0.81, POLARITIES[k % 3], 0.64,
                                        [DomainScore(domain, 0.81), DomainScore(runner, 0.12)], "test-model-1")
            rows.append(utterance_row(utterance, suggestion))
    (out / "utterances.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return out, manifest


@pytest.fixture
def coded(tmp_path) -> tuple[Path, Path]:
    return make_coded_folder(tmp_path)


def build_qdpx(path: Path, xml: str, files: dict[str, bytes | str] | None = None) -> Path:
    """Write a .qdpx zip with ``project.qde`` = ``xml`` and the given entries."""
    import zipfile

    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", xml.encode("utf-8") if isinstance(xml, str) else xml)
        for name, data in (files or {}).items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return path


@pytest.fixture
def qdpx_builder(tmp_path):
    def build(xml: str, files: dict[str, bytes | str] | None = None, name: str = "in.qdpx") -> Path:
        return build_qdpx(tmp_path / name, xml, files)

    return build
