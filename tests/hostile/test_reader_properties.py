"""Property tests: whatever the input, readers give an InputError or a consistent result."""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from combcoder.errors import InputError
from combcoder.export import read_qdpx, write_qdpx
from combcoder.export.offsets import PositionMap, UnitCounter, normalise_text
from combcoder.export.project import Annotation, Project
from combcoder.ingest import read_document
from combcoder.records import Document, Turn

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
EXTENSIONS = (".txt", ".md", ".srt", ".vtt", ".csv", ".jsonl", ".docx")
# Text that looks like transcripts often enough to reach the parsers' deeper paths.
PIECES = st.sampled_from(["P1: ", "Interviewer: ", "\n", "\n\n", "\r\n", "WEBVTT\n\n", "1\n",
                          "00:00:01,000 --> 00:00:02,000\n", "00:00:01.000 --> 00:00:02.000\n", "<v Anna>",
                          "speaker,text\n", "Anna,hello\n", '{"text": "x"}\n', '"', ",", "😀", "\u202e", "\ufeff",
                          "\u200b", "é", "e\u0301", "<script>", "**Ben:** ", "# Heading\n"])
TRANSCRIPT = st.lists(st.one_of(PIECES, st.text(max_size=20)), max_size=30).map("".join)


def _check_document(document: Document) -> None:
    assert document.metadata["units_read"] >= len(document.turns) or document.metadata["format"] in ("vtt", "srt")
    for turn in document.turns:
        assert 0 <= turn.start < turn.end <= len(document.text)
        assert document.text[turn.start:turn.end].strip()


def _read(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        try:
            document = read_document(path)
        except InputError as error:
            assert str(path) in str(error)
            return
        _check_document(document)


@SETTINGS
@given(text=TRANSCRIPT, suffix=st.sampled_from(EXTENSIONS[:-1]))
def test_text_readers_on_transcript_like_text(text, suffix):
    _read(text.encode("utf-8", "surrogatepass"), suffix)


@SETTINGS
@given(data=st.binary(max_size=400), suffix=st.sampled_from(EXTENSIONS))
def test_readers_on_arbitrary_bytes(data, suffix):
    _read(data, suffix)


@SETTINGS
@given(data=st.binary(max_size=600))
def test_qdpx_reader_on_arbitrary_bytes(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.qdpx"
        path.write_bytes(data)
        try:
            read_qdpx(path)
        except InputError:
            pass


SOURCE = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
CODE = "cccccccc-cccc-cccc-cccc-cccccccccccc"


@SETTINGS
@given(text=TRANSCRIPT, spans=st.lists(st.tuples(st.integers(-5, 80), st.integers(-5, 80)), max_size=8),
       codes=st.lists(st.sampled_from(["Physical capability", "Barrier", "Odd code", "Capability", ""]), max_size=3),
       junk=st.sampled_from(["", "<Unknown/>", "<Notes/>", "<Sets/>"]))
def test_qdpx_reader_accounts_for_every_coding(text, spans, codes, junk):
    from xml.sax.saxutils import escape, quoteattr

    code_elements = "".join(f'<Code guid="{CODE[:-1]}{i}" name={quoteattr(c)} isCodable="true"/>'
                            for i, c in enumerate(codes))
    selections = "".join(
        f'<PlainTextSelection guid="dddddddd-0000-0000-0000-{k:012d}" startPosition="{s}" endPosition="{e}">'
        + "".join(f'<Coding guid="eeeeeeee-0000-0000-{k:04d}-{i:012d}"><CodeRef targetGUID="{CODE[:-1]}{i}"/></Coding>'
                  for i in range(len(codes))) + "</PlainTextSelection>"
        for k, (s, e) in enumerate(spans))
    xml = (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" name="p">'
           f"<CodeBook><Codes>{code_elements or '<Code guid=%s name=%s isCodable=%s/>' % (quoteattr(CODE), quoteattr('x'), quoteattr('true'))}</Codes></CodeBook>"
           f'<Sources><TextSource guid="{SOURCE}" name="t" plainTextPath="internal://{SOURCE}.txt">{selections}'
           f"</TextSource></Sources>{junk}</Project>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", xml)
        archive.writestr(f"sources/{SOURCE}.txt", text.encode("utf-8", "surrogatepass"))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.qdpx"
        path.write_bytes(buffer.getvalue())
        try:
            project, summary = read_qdpx(path)
        except InputError:
            return
    assert sum(summary.codings.values()) == summary.codings_read == len(spans) * len(codes)
    texts = {d.id: d.text for d in project.documents}
    for annotation in project.annotations:
        assert texts[annotation.doc_id][annotation.start:annotation.end] == annotation.text
        assert annotation.start < annotation.end
    del escape


ASTRAL = st.text(alphabet=st.sampled_from(list("ab c\n") + ["😀", "𝒯", "é", "👍", "🏽", "中"]), min_size=1, max_size=40)


@SETTINGS
@given(text=ASTRAL, cuts=st.lists(st.integers(0, 40), min_size=2, max_size=8),
       unit=st.sampled_from(["codepoints", "utf16"]))
def test_export_import_keeps_offsets(text, cuts, unit):
    assume(text.strip())  # a source with no text is listed as skipped, not imported
    cuts = sorted({min(c, len(text)) for c in cuts})
    spans = [(a, b) for a, b in zip(cuts, cuts[1:]) if a < b]
    document = Document("d", "d.txt", text, [Turn(0, None, "unknown", 0, len(text))])
    annotations = [Annotation(f"d:{a}-{b}", "d", a, b, text[a:b], "none", "neutral", "Jo", "human")
                   for a, b in spans]
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.qdpx"
        write_qdpx(Project("p", [document], annotations), path, offsets=unit)
        project, summary = read_qdpx(path)
    assert project.documents[0].text == text
    assert sorted((a.start, a.end, a.text) for a in project.annotations) == sorted((a, b, text[a:b]) for a, b in spans)


@SETTINGS
@given(text=st.text(max_size=60))
def test_position_map_agrees_with_normalisation(text):
    for unit in ("codepoints", "utf16"):
        for crlf_as_one in (False, True):
            positions = PositionMap(text, unit=unit, crlf_as_one=crlf_as_one)
            assert positions.text == normalise_text(text)
            mapped = [positions.to_normalised(i) for i in range(positions.raw_length + 1)]
            found = [m for m in mapped if m is not None]
            assert found == sorted(found) and found[0] == 0 and found[-1] == len(positions.text)


@SETTINGS
@given(text=ASTRAL)
def test_unit_counter_round_trip(text):
    counter = UnitCounter(text)
    for position in range(len(text) + 1):
        assert counter.from_unit(counter.to_unit(position, "utf16"), "utf16") == position
    assert counter.unit_length("utf16") == len(text.encode("utf-16-le")) // 2
