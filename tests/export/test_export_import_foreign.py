"""Importing projects written by other QDA programs: names, offsets, mappings, odd sources."""

from __future__ import annotations

import pytest

from combcoder.errors import CombcoderError, ConfigError
from combcoder.export import read_qdpx
from combcoder.export.mapping import load_mapping
from combcoder.codebook import load_codebook

U1 = "11111111-1111-1111-1111-111111111111"
U2 = "22222222-2222-2222-2222-222222222222"
C_ROOT, C_CAP, C_PHYS, C_BAR, C_FAC, C_ODD, C_TIRED, C_MEMO, C_FAMILY = (
    f"00000000-0000-0000-0000-00000000000{i}" for i in range(1, 10))
S1, S2 = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "bbbbbbbb-bbbb-bbbb-bbbb-bbbbbbbbbbbb"


def _codebook() -> str:
    return f"""<CodeBook><Codes>
  <Code guid="{C_ROOT}" name="COM-B" isCodable="false">
    <Code guid="{C_CAP}" name="Capability" isCodable="false">
      <Code guid="{C_PHYS}" name="Physical" isCodable="true"/>
    </Code>
  </Code>
  <Code guid="{C_BAR}" name="Barriers" isCodable="true"/>
  <Code guid="{C_FAC}" name="Enabler" isCodable="true"/>
  <Code guid="{C_ODD}" name="Interesting quote" isCodable="true"/>
  <Code guid="{C_TIRED}" name="Tiredness" isCodable="true"/>
  <Code guid="{C_MEMO}" name="Memo" isCodable="true"/>
  <Code guid="{C_FAMILY}" name="Pressure from family" isCodable="true"/>
</Codes></CodeBook>"""


def _project(origin: str, sources: str, description: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="t" origin="{origin}">
<Users><User guid="{U1}" name="Jo"/><User guid="{U2}" name="Sam"/></Users>
{_codebook()}
<Sources>{sources}</Sources>{description}
</Project>"""


def _selection(guid_n: int, start: int, end: int, name: str, codes: list[str], user: str = U1) -> str:
    codings = "".join(
        f'<Coding guid="cccccccc-0000-0000-0000-{guid_n:06d}{k:06d}" creatingUser="{user}">'
        f'<CodeRef targetGUID="{code}"/></Coding>' for k, code in enumerate(codes))
    name = name.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return (f'<PlainTextSelection guid="dddddddd-0000-0000-0000-{guid_n:012d}" name="{name}" '
            f'startPosition="{start}" endPosition="{end}" creatingUser="{user}">{codings}</PlainTextSelection>')


def _utf16(text: str, position: int) -> int:
    return len(text[:position].encode("utf-16-le")) // 2


def test_nvivo_style_utf16_offsets_are_detected_from_selection_names(qdpx_builder):
    text = "P1: 😀😀 My hands shake 🤝 too much to do the inhaler.\nP2: My son pushes me to go 👍🏽."
    spans = [(text.index("My hands"), text.index(" to do")), (text.index("My son"), len(text) - 1)]
    selections = "".join(
        _selection(i, _utf16(text, s), _utf16(text, e), text[s:e], [C_PHYS, C_BAR] if i == 0 else [C_FAC])
        for i, (s, e) in enumerate(spans))
    source = f'<TextSource guid="{S1}" name="Interview 1.docx" plainTextPath="internal://{S1}.txt">{selections}</TextSource>'
    path = qdpx_builder(_project("NVivo 14", source), {f"sources/{S1}.txt": text})
    project, summary = read_qdpx(path)
    assert summary.offsets == "utf16"
    first, second = sorted(project.annotations, key=lambda a: a.start)
    assert (first.start, first.end) == spans[0] and first.text == "My hands shake 🤝 too much"
    assert (first.domain, first.polarity) == ("capability.physical", "barrier")
    assert (second.domain, second.polarity) == (None, "facilitator")
    assert first.codes == ["COM-B/Capability/Physical", "Barriers"]
    assert project.documents[0].id == "Interview_1"


def test_atlas_style_crlf_counted_as_one(qdpx_builder):
    raw = "Interviewer: Why?\r\nP1: Too tired after dialysis\r\nP1: and the bus is late"
    normalised = raw.replace("\r\n", "\n")
    start = normalised.index("Too tired")
    end = normalised.index(" after")
    start2, end2 = normalised.index("the bus"), len(normalised)
    selections = _selection(1, start, end, "Too tired", [C_TIRED]) + _selection(2, start2, end2, "the bus is late", [C_BAR])
    source = f'<TextSource guid="{S1}" name="t" plainTextPath="internal://{S1}.txt">{selections}</TextSource>'
    path = qdpx_builder(_project("ATLAS.ti", source), {f"sources/{S1}.txt": raw.encode("utf-8")})
    mapping = load_mapping(None, load_codebook())
    project, summary = read_qdpx(path, mapping=mapping)
    assert summary.offsets == "codepoints-crlf1"
    assert project.documents[0].text == normalised
    assert [a.text for a in project.annotations] == ["the bus is late"]
    assert summary.unmapped == {"Tiredness": 1}


def test_mapping_file_maps_unknown_names(qdpx_builder, tmp_path):
    text = "P1: I'm shattered by the afternoon.\nP2: My sister keeps on at me to go."
    a, b = text.index("I'm"), text.index("\n")
    c, d = text.index("My sister"), len(text)
    selections = (_selection(1, a, b, "", [C_TIRED, C_MEMO]) + _selection(2, c, d, "", [C_FAMILY], user=U2)
                  + _selection(3, c, d, "", [C_ODD]))
    source = f'<TextSource guid="{S1}" name="t"><PlainTextContent>{text}</PlainTextContent>{selections}</TextSource>'
    path = qdpx_builder(_project("MAXQDA 2024", source))
    mapping = tmp_path / "map.yaml"
    mapping.write_text('codes:\n  "Tiredness": capability.physical\n  "Pressure from family": opportunity.social/barrier\n'
                       '  "Memo": ignore\n', encoding="utf-8")
    project, summary = read_qdpx(path, mapping=mapping)
    got = {(a.coder, a.domain, a.polarity) for a in project.annotations}
    assert got == {("Jo", "capability.physical", None), ("Sam", "opportunity.social", "barrier")}
    assert summary.codings["ignored"] == 1 and summary.codings["unmapped"] == 1
    assert summary.unmapped == {"Interesting quote": 1}
    assert sum(summary.codings.values()) == summary.codings_read == 4


@pytest.mark.parametrize("content, message", [
    ("codes:\n  Tiredness: capability.tired\n", "unknown code"),
    ("codes:\n  Tiredness: capability.physical/bad\n", "unknown polarity"),
    ("codes: [a, b]\n", "one key 'codes'"),
    ("codes:\n  Tiredness: [1]\n", "expected a string"),
    ("codes: {a: b\n", "invalid YAML"),
])
def test_bad_mapping_files_are_config_errors(tmp_path, content, message):
    path = tmp_path / "m.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_mapping(path, load_codebook())


def test_sources_that_cannot_be_read_are_listed_not_dropped(qdpx_builder):
    text = "P1: fine"
    sources = (
        f'<TextSource guid="{S1}" name="ok" plainTextPath="internal://{S1}.txt">{_selection(1, 4, 8, "fine", [C_BAR])}</TextSource>'
        f'<TextSource guid="{S2}" name="outside" plainTextPath="file:///C:/Users/x/interview.txt">'
        f'{_selection(2, 0, 3, "", [C_BAR])}</TextSource>'
        '<TextSource guid="cccccccc-cccc-cccc-cccc-cccccccccccc" name="missing" plainTextPath="internal://nope.txt"/>'
        '<TextSource guid="dddddddd-dddd-dddd-dddd-dddddddddddd" name="rich" richTextPath="internal://x.docx"/>'
        '<PDFSource guid="eeeeeeee-eeee-eeee-eeee-eeeeeeeeeeee" name="scan.pdf" path="internal://s.pdf"/>'
    )
    path = qdpx_builder(_project("QualCoder 3.5", sources), {f"sources/{S1}.txt": text})
    project, summary = read_qdpx(path)
    assert [d.id for d in project.documents] == ["ok"]
    reasons = "\n".join(summary.skipped_sources)
    assert "outside the archive" in reasons and "missing from the archive" in reasons
    assert "rich-text" in reasons and "PDF sources are not imported" in reasons
    assert summary.codings["source_not_read"] == 1 and summary.codings["imported"] == 1


def test_selections_outside_the_text_are_counted(qdpx_builder):
    text = "P1: short"
    selections = (_selection(1, 4, 9, "short", [C_BAR]) + _selection(2, 5, 500, "", [C_BAR])
                  + _selection(3, 6, 2, "", [C_BAR]) + _selection(4, "x", 3, "", [C_BAR]))  # type: ignore[arg-type]
    source = f'<TextSource guid="{S1}" name="t" plainTextPath="internal://{S1}.txt">{selections}</TextSource>'
    path = qdpx_builder(_project("x", source), {f"sources/{S1}.txt": text})
    project, summary = read_qdpx(path)
    assert len(project.annotations) == 1
    assert summary.codings["bad_selection"] == 3
    assert len([w for w in summary.warnings if "outside the text" in w]) == 3


def test_two_domains_from_one_coder_give_two_annotations(qdpx_builder, tmp_path):
    text = "P1: tired and nobody helps"
    mapping = tmp_path / "m.yaml"
    mapping.write_text("codes:\n  Tiredness: capability.physical\n  Pressure from family: opportunity.social\n")
    source = (f'<TextSource guid="{S1}" name="t" plainTextPath="internal://{S1}.txt">'
              f'{_selection(1, 4, len(text), "", [C_TIRED, C_FAMILY, C_BAR, C_FAC])}</TextSource>')
    path = qdpx_builder(_project("x", source), {f"sources/{S1}.txt": text})
    project, summary = read_qdpx(path, mapping=mapping)
    assert [(a.id, a.domain, a.polarity) for a in project.annotations] == [
        ("t:4-26", "capability.physical", None), ("t:4-26#2", "opportunity.social", None)]
    assert any("several polarities" in w for w in summary.warnings)


def test_hostile_source_names_give_safe_ids(qdpx_builder):
    sources = "".join(
        f'<TextSource guid="{g}" name="{n}"><PlainTextContent>P1: hi there</PlainTextContent></TextSource>'
        for g, n in ((S1, "../../etc/passwd.txt"), (S2, "../../etc/passwd.txt")))
    project, _ = read_qdpx(qdpx_builder(_project("x", sources)))
    assert [d.id for d in project.documents] == ["etc_passwd", "etc_passwd_2"]


def test_unknown_offsets_option(qdpx_builder):
    with pytest.raises(CombcoderError, match="unknown offsets"):
        read_qdpx(qdpx_builder(_project("x", "")), offsets="bytes")
