from __future__ import annotations

import csv
import json
import re
from collections import Counter

import pytest

from combcoder.agree import source_from_mapping
from combcoder.errors import CombcoderError, InputError
from combcoder.report import read_coded, report, write_report

pytestmark = pytest.mark.slow  # runs the real bundled encoder


@pytest.fixture(scope="module")
def built(utterances_path, embedder):
    return report(utterances_path, embedder=embedder, n_boot=100)


def test_matrix_counts_equal_the_input(built, expected_codes):
    expected = Counter((d, p) for _, d, p in expected_codes.values())
    by_group = Counter((d, p, g) for g, d, p in expected_codes.values())
    assert len(built.rows) == 6 and built.columns == ["barrier", "facilitator"]
    for cell in built.cells:
        assert cell.count == expected[(cell.domain, cell.polarity)]
        assert cell.by_group == {g: n for (d, p, g), n in by_group.items() if (d, p) == (cell.domain, cell.polarity)}
    assert built.counts["in_matrix"] == sum(c.count for c in built.cells) == 27
    assert built.counts["none"] == 2 and built.counts["utterances"] == 31 and built.counts["human"] == 2
    assert built.cell("opportunity.physical", "barrier").count == 5  # includes the human correction


def test_exemplars_come_from_their_cell(built, expected_codes):
    codes = expected_codes
    for cell in built.cells:
        ids = [i for t in cell.themes for i in t.ids]
        assert sorted(ids) == sorted(u for u, (_, d, p) in codes.items() if (d, p) == (cell.domain, cell.polarity))
        for theme in cell.themes:
            assert 1 <= len(theme.exemplars) <= 3
            assert {e.id for e in theme.exemplars} <= set(theme.ids)
            assert theme.terms, f"theme without a name in {cell.domain}/{cell.polarity}"


def test_human_confirmed_quote_comes_first(built):
    theme = next(t for t in built.cell("opportunity.social", "facilitator").themes if "u16" in t.ids)
    assert theme.exemplars[0].id == "u16" and theme.exemplars[0].human


def test_model_and_human_are_compared(built):
    assert set(built.agreement) == {"domain", "polarity"}
    assert built.agreement["domain"].sources == ["model", "human"]
    assert set(built.charts) == {"counts_by_group", "confidence", "confusion"}
    json.dumps(built.to_dict(), allow_nan=False)


def test_html_is_self_contained_and_escaped(built, tmp_path):
    [path] = write_report(built, tmp_path / "report.html")
    page = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert page.count("data:image/png;base64,") == 3
    assert "@media print" in page


def test_markdown_and_csv(built, tmp_path):
    written = write_report(built, tmp_path / "report.md")
    text = written[0].read_text(encoding="utf-8")
    assert "## COM-B matrix" in text and "<script>" not in text and "&lt;script&gt;" in text
    assert {p.name for p in written[1:]} == {"counts_by_group.png", "confidence.png", "confusion.png"}
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in written[1:])
    assert "(report_files/confusion.png)" in text

    [path] = write_report(built, tmp_path / "matrix.csv")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    assert [r["domain"] for r in rows] == built.rows
    physical = next(r for r in rows if r["domain"] == "capability.physical")
    assert physical["barrier"] == "6" and physical["facilitator"] == "1"
    assert physical["barrier: family carers"] == "1"


def test_extra_sources_join_the_agreement(utterances_path, embedder, expected_codes):
    ann = source_from_mapping("ann", {u: {"domain": d, "polarity": p} for u, (_, d, p) in expected_codes.items()})
    built = report(utterances_path, embedder=embedder, sources=[ann], n_boot=0, max_exemplars=1)
    assert built.agreement["domain"].sources == ["model", "human", "ann"]
    assert all(len(t.exemplars) == 1 for c in built.cells for t in c.themes)


def test_unknown_format(built, tmp_path):
    with pytest.raises(CombcoderError, match="unknown report format"):
        write_report(built, tmp_path / "report.pdf")


def test_bad_input_names_the_line(tmp_path):
    path = tmp_path / "utterances.jsonl"
    path.write_text('{"id": "u1", "text": "hello"}\n{oops\n', encoding="utf-8")
    with pytest.raises(InputError, match="line 2: invalid JSON"):
        read_coded(path)
