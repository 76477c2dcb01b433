"""Write the hostile-input corpus: files from outside that must never crash, hang or leak.

    python scripts/make_hostile_corpus.py                     # small files -> tests/data/hostile/
    python scripts/make_hostile_corpus.py --large DIR         # large files (zip bombs, 60 MB...) -> DIR

Every file has an expectation, written here from how the file was built (never from running
the readers): a specific InputError (a regular expression its message must match) or a
complete import (units read, text that must survive). ``EXPECTED.json`` holds them for the
small files; the large ones are made at test time so that nothing huge is committed.
"""

from __future__ import annotations

import argparse
import codecs
import json
import struct
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "tests" / "data" / "hostile"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

Expectation = dict
CORPUS: dict[str, tuple[Callable[[], bytes], Expectation]] = {}
LARGE: dict[str, tuple[Callable[[Path], None], Expectation]] = {}


def large(name: str, expectation: Expectation):
    def register(build: Callable[[Path], None]):
        LARGE[name] = (build, expectation)
        return build
    return register


def ok(units: int, *contains: str, reader: str = "document", warning: str | None = None, **more) -> Expectation:
    found = {"reader": reader, "units_read": units, "contains": list(contains), **more}
    if warning:
        found["warning"] = warning
    return found


def error(pattern: str, reader: str = "document") -> Expectation:
    return {"reader": reader, "error": pattern}


def add(name: str, data: bytes, expectation: Expectation) -> None:
    CORPUS[name] = (lambda: data, expectation)


THREE = "Interviewer: How are things?\n\nP1: Not bad, the nurse comes Tuesdays.\n\nP2: I manage on my own.\n"

# --- encodings ---------------------------------------------------------------------------
add("txt_utf8.txt", THREE.encode(), ok(3, "the nurse comes Tuesdays"))
add("txt_utf8_bom.txt", codecs.BOM_UTF8 + THREE.encode(), ok(3, "Interviewer: How", starts="Interviewer"))
add("txt_utf16le_bom.txt", codecs.BOM_UTF16_LE + THREE.encode("utf-16-le"), ok(3, "I manage on my own"))
add("txt_utf16be_bom.txt", codecs.BOM_UTF16_BE + THREE.encode("utf-16-be"), ok(3, "I manage on my own"))
add("txt_utf32_bom.txt", codecs.BOM_UTF32_LE + THREE.encode("utf-32-le"), ok(3, "I manage on my own"))
add("txt_utf16_no_bom.txt", THREE.encode("utf-16-le"), error("binary file"))
add("txt_cp1252.txt", "P1: The café was naïve – “lovely” – £5.\n\nP2: Sí.\n".encode("cp1252"),
    ok(2, "café", "“lovely”", "£5", warning="Windows-1252"))
add("txt_mojibake.txt", "P1: The cafÃ© was shut, itâ€™s always shut.\n".encode("utf-8"),
    ok(1, "cafÃ©", "itâ€™s"))  # already-garbled UTF-8 is kept as it is, not guessed at
add("txt_encoded_surrogate.txt", b"P1: caf\xed\xa0\x80 closed\n", error("not UTF-8"))
add("txt_random_bytes.txt", bytes((i * 7919 + 13) % 256 for i in range(4096)), error("binary file|not UTF-8"))
add("txt_empty.txt", b"", error("empty file"))
add("txt_whitespace_only.txt", b"  \n\t\n   \r\n\xc2\xa0\n", error("empty file"))
add("txt_bom_only.txt", codecs.BOM_UTF8, error("empty file"))
add("txt_nul_bytes.txt", b"P1: hello\x00\x00world\n", error("binary file"))
add("txt_control_chars.txt", b"P1: " + b"\x01\x02\x03\x04" * 50 + b"\n", error("binary file"))
add("txt_crlf.txt", THREE.replace("\n", "\r\n").encode(), ok(3, "comes Tuesdays"))
add("txt_cr_only.txt", THREE.replace("\n", "\r").encode(), ok(3, "comes Tuesdays"))
add("txt_mixed_newlines.txt", b"P1: one\r\n\r\nP2: two\r\rP3: three\n\nP4: four\n", ok(4, "three", "four"))
add("txt_nfd.txt", "Jose\u0301: Me llamo Jose\u0301.\n\nP2: Ok.\n".encode(), ok(2, "José"))

# --- invisible and misleading characters ----------------------------------------------------
add("txt_bidi_override.txt", "P1: I said \u202eenilno ti od\u202c to the nurse.\n\nP2: Right.\n".encode(),
    ok(2, "\u202eenilno ti od\u202c"))
add("txt_bidi_isolates.txt", "P1: \u2067مرحبا\u2069 means hello.\n\nP2: \u200fRight.\n".encode(), ok(2, "مرحبا"))
add("txt_zero_width.txt", "P\u200b1: zero\u200bwidth\u200c joiners\u200d here\u2060.\n\nP2: Fine.\n".encode(),
    ok(2, "zero\u200bwidth"))
add("txt_zero_width_label.txt", "P1: first\n\n\ufeffP2: second after a stray BOM\n".encode(), ok(2, "second after"))
add("txt_script_tags.txt", b"P1: <script>alert('x')</script> and <img src=x onerror=alert(1)>\n\nP2: ok\n",
    ok(2, "<script>alert('x')</script>", "onerror=alert(1)"))
add("txt_html_entities.txt", b"P1: &lt;b&gt;bold&lt;/b&gt; &amp; &#x41;\n", ok(1, "&lt;b&gt;bold"))
add("txt_formula.txt", b"P1: =HYPERLINK(\"http://x\",\"click\")\n\nP2: +1 -1 @SUM(A1)\n", ok(2, "=HYPERLINK"))

# --- odd speaker labels ---------------------------------------------------------------------
ODD = ("Dr. Smith-Jones: One.\n\nP1 (mother): Two.\n\n[00:01:02] Anna: Three.\n\n**Ben:** Four.\n\n"
       "12:30: Five.\n\nSpeaker 1: Six.\n\nINTERVIEWER: Seven.\n\nÖzlem Ñúñez: Eight.\n\n😀: Nine.\n\n"
       ": Ten.\n\n" + "A" * 300 + ": Eleven.\n\nNOTE: Twelve.\n")
add("txt_odd_labels.txt", ODD.encode(), ok(12, "One.", "Six.", "Nine.", "Eleven.", "Twelve."))
add("txt_label_without_text.txt", b"P1:\n\nP2: the only words\n", ok(2, "the only words", warning="has no text"))
add("txt_only_labels.txt", b"P1:\nP2:\nP3:\n", ok(3, "P3:", warning="has no text"))
add("txt_regex_stress.txt", (b"P" + b" x" * 20000 + b":\n\n") + (b"a-" * 30000 + b"\n\n")
    + (b"[" * 5000 + b"00:01 Anna:\n"), ok(3, "a-a-a-"))
add("md_heading_only.md", b"# Focus group 3\n", ok(1, "Focus group 3"))
add("md_html.md", b"# Notes\n\n<div onclick=\"x()\">**P1:** hidden?</div>\n\n**P2:** visible\n", ok(3, "hidden?", "visible"))

# --- captions ------------------------------------------------------------------------------
VTT_OK = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna>Hello there.\n\n"
          "00:00:02.500 --> 00:00:04.000\n<v Ben>Hi Anna.\n\nNOTE this is a comment\n\n"
          "STYLE\n::cue { color: red }\n\n3\n00:00:05.000 --> 00:00:06.000\nCarried on.\n\n"
          "00:00:07.000 --> 00:00:08.000 align:start\n<v Anna><c.red>Bye</c> <script>x</script>\n")
add("vtt_ok.vtt", VTT_OK.encode(), ok(4, "Hello there.", "Hi Anna.", "Carried on.", "Bye"))
add("vtt_bom_crlf.vtt", codecs.BOM_UTF8 + VTT_OK.replace("\n", "\r\n").encode(), ok(4, "Carried on."))
add("vtt_no_header.vtt", b"00:00:01.000 --> 00:00:02.000\nHello\n", error("not a WebVTT file"))
add("vtt_bad_timestamp.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n\n00:00:3.0 --> 00:00:04.000\nTwo\n",
    error("bad timestamp.*|cue 2"))
add("vtt_minutes_over_59.vtt", b"WEBVTT\n\n00:61:00.000 --> 00:62:00.000\nOne\n", error("bad timestamp"))
add("vtt_hours_too_long.vtt", b"WEBVTT\n\n1000:00:00.000 --> 1000:00:01.000\nOne\n", error("bad timestamp"))
add("vtt_no_timing.vtt", b"WEBVTT\n\nidentifier\nHello without timing\n", error("no timing line"))
add("vtt_end_before_start.vtt", b"WEBVTT\n\n00:00:05.000 --> 00:00:01.000\nBackwards\n", error("before it starts"))
add("vtt_empty_cue.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna></v>\n\n00:00:03.000 --> 00:00:04.000\n"
    b"<v Ben>Words\n", ok(2, "Words", warning="cue 1 has no text"))
add("vtt_glued_cues.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nOne\n00:00:03.000 --> 00:00:04.000\nTwo\n",
    error("timing line inside"))
add("vtt_unclosed_voice.vtt", b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna Hello with no bracket\n", ok(1, "Hello with no bracket"))

SRT_OK = "1\n00:00:01,000 --> 00:00:02,000\nP1: First.\n\n2\n00:00:02,500 --> 00:00:04,000\n<i>Second</i>\n\n" \
         "3\n00:00:05,000 --> 00:00:06,000\nP2: Third.\n"
add("srt_ok.srt", SRT_OK.encode(), ok(3, "First.", "Second", "Third."))
add("srt_utf16.srt", codecs.BOM_UTF16_LE + SRT_OK.encode("utf-16-le"), ok(3, "Third."))
add("srt_bad_number.srt", b"1\n00:00:01,000 --> 00:00:02,000\nOne\n\nTWO\n00:00:03,000 --> 00:00:04,000\nTwo\n",
    error("expected a cue number"))
add("srt_bad_timestamp.srt", b"1\n00:00:01,000 --> 00:00:02,000\nOne\n\n2\n00:00:03 --> 00:00:04,000\nTwo\n",
    error("bad timestamp"))
add("srt_glued_cues.srt", b"1\n00:00:01,000 --> 00:00:02,000\nP1: hi\n2\n00:00:03,000 --> 00:00:04,000\nP2: there\n",
    error("timing line inside"))
add("srt_no_timing.srt", b"1\nJust text\n", error("no timing line"))

# --- tables --------------------------------------------------------------------------------
add("csv_ok.csv", b"speaker,text\nAnna,Hello\nBen,\"Hi, Anna\"\nAnna,Bye\n", ok(3, "Hello", "Hi, Anna"))
add("csv_semicolon_bom.csv", codecs.BOM_UTF8 + b"Speaker;Text\r\nAnna;Hallo\r\nBen;Tsch\xc3\xbcss\r\n", ok(2, "Tschüss"))
add("csv_no_text_column.csv", b"speaker,words\nAnna,Hello\n", error("no text column"))
add("csv_ragged.csv", b"speaker,text\nAnna,Hello\nBen,Hi,extra\n", error("expected 2 columns"))
add("csv_unclosed_quote.csv", b"speaker,text\nAnna,\"Hello\n", error("malformed CSV"))
add("csv_formula.csv", b"speaker,text\nAnna,\"=cmd|' /C calc'!A0\"\nBen,@SUM(1+1)\n", ok(2, "=cmd|", "@SUM"))
add("csv_bad_time.csv", b"speaker,text,start\nAnna,Hello,yesterday\n", error("start: expected"))
add("csv_empty_rows.csv", b"speaker,text\nAnna,\nBen,Words\n\n,,\n", ok(2, "Words", warning="empty text"))
add("jsonl_ok.jsonl", b'{"speaker": "Anna", "text": "Hello"}\n\n{"speaker": "Ben", "text": "Hi", "start": "00:01"}\n',
    ok(2, "Hello", "Hi"))
add("jsonl_bad_json.jsonl", b'{"speaker": "Anna", "text": "Hello"}\n{"speaker": "Ben", "text": }\n', error("invalid JSON"))
add("jsonl_not_object.jsonl", b'["Anna", "Hello"]\n', error("expected a JSON object"))
add("jsonl_text_object.jsonl", b'{"text": {"nested": true}}\n', error("text must be a string"))
add("jsonl_deep_nesting.jsonl", b'{"text": ' + b"[" * 5000 + b"]" * 5000 + b"}\n", error("nested too deeply"))
add("jsonl_infinite_time.jsonl", b'{"text": "x", "start": 1e400}\n', error("start: expected a time"))
add("jsonl_nul_escape.jsonl", b'{"text": "a\\u0000b"}\n', ok(1, "a\x00b"))

# --- Word ----------------------------------------------------------------------------------
W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                 b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                 b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
                 b'"/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                 b'document.main+xml"/></Types>')
RELS = (b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="word/document.xml"/></Relationships>')


def word_xml(paragraphs: list[str], prolog: str = "") -> bytes:
    body = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>" for p in paragraphs)
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W}"><w:body>{body}'
            f"</w:body></w:document>").encode()


def zip_bytes(entries: list[tuple[str, bytes]], *, compress: int = zipfile.ZIP_DEFLATED) -> bytes:
    import io

    import warnings

    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w") as archive:
        warnings.simplefilter("ignore")  # a duplicate entry name is one of the hostile cases
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = compress
            archive.writestr(info, data)
    return buffer.getvalue()


def docx(document: bytes, *extra: tuple[str, bytes]) -> bytes:
    return zip_bytes([("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                      ("word/document.xml", document), *extra])


XXE = '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
          '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">'
          '<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>')

add("docx_ok.docx", docx(word_xml(["P1: Hello there.", "", "P2: And again &amp; again.", "Interviewer: Thanks."])),
    ok(3, "Hello there.", "And again & again.", "Thanks."))
add("docx_xxe.docx", docx(word_xml(["P1: &xxe;"], XXE)), error("unsafe XML"))
add("docx_billion_laughs.docx", docx(word_xml(["P1: &lol4;"], LAUGHS)), error("unsafe XML"))
add("docx_not_a_zip.docx", b"P1: I am a text file with a .docx name\n", error("not a valid .docx"))
add("docx_truncated.docx", docx(word_xml(["P1: Hello"]))[:300], error("not a valid .docx"))
add("docx_no_document.docx", zip_bytes([("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS)]),
    error("no word/document.xml"))
add("docx_bad_xml.docx", docx(b"<w:document><w:body><w:p>"), error("bad XML"))
add("docx_empty.docx", docx(word_xml(["", "   "])), error("empty file"))
add("docx_path_traversal.docx", docx(word_xml(["P1: Inside."]), ("../../evil.txt", b"x"), ("/etc/cron.d/x", b"x")),
    ok(1, "Inside."))  # nothing is extracted to disk, so the names are harmless here
add("docx_script_field.docx", docx(word_xml(["P1: &lt;script&gt;alert(1)&lt;/script&gt;"])), ok(1, "<script>alert(1)"))


def _lying(data: bytes, name: str, claimed: int) -> bytes:
    """Rewrite the uncompressed size of entry ``name`` in both zip headers to ``claimed``."""
    out = bytearray(data)
    encoded = name.encode()
    position = 0
    while True:
        local = out.find(b"PK\x03\x04", position)
        if local < 0:
            break
        name_length = struct.unpack_from("<H", out, local + 26)[0]
        if bytes(out[local + 30:local + 30 + name_length]) == encoded:
            struct.pack_into("<I", out, local + 22, claimed)
        position = local + 4
    position = 0
    while True:
        central = out.find(b"PK\x01\x02", position)
        if central < 0:
            break
        name_length = struct.unpack_from("<H", out, central + 28)[0]
        if bytes(out[central + 46:central + 46 + name_length]) == encoded:
            struct.pack_into("<I", out, central + 24, claimed)
        position = central + 4
    return bytes(out)


def _corrupt(data: bytes, name: str) -> bytes:
    """Flip bytes in the middle of entry ``name``'s compressed data (a damaged deflate stream)."""
    out = bytearray(data)
    local = out.find(b"PK\x03\x04")
    while local >= 0:
        name_length, extra_length = struct.unpack_from("<HH", out, local + 26)
        if bytes(out[local + 30:local + 30 + name_length]) == name.encode():
            size = struct.unpack_from("<I", out, local + 18)[0]
            start = local + 30 + name_length + extra_length
            for i in range(start + size // 3, start + size // 3 + 16):
                out[i] ^= 0x5A
            return bytes(out)
        local = out.find(b"PK\x03\x04", local + 4)
    raise ValueError(name)


add("docx_corrupt_deflate.docx", _corrupt(docx(word_xml([f"P{i % 3}: paragraph {i} of the talk" for i in range(300)])),
                                          "word/document.xml"), error("not a valid .docx|damaged|cannot read"))
add("docx_lying_header.docx", _lying(docx(word_xml(["P1: " + "x" * 400_000])), "word/document.xml", 2000),
    error("not a valid .docx|bad XML|cannot read|damaged"))

# --- REFI-QDA projects ----------------------------------------------------------------------
QS = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
QC = "cccccccc-cccc-cccc-cccc-cccccccccccc"
QU = "11111111-1111-1111-1111-111111111111"


def project_xml(sources: str = "", prolog: str = "", codes: str | None = None) -> bytes:
    codes = codes if codes is not None else f'<Code guid="{QC}" name="Physical capability" isCodable="true"/>'
    return (f'<?xml version="1.0" encoding="utf-8"?>{prolog}<Project xmlns="urn:QDA-XML:project:1.0" name="h" '
            f'origin="hostile"><Users><User guid="{QU}" name="Jo"/></Users><CodeBook><Codes>{codes}</Codes>'
            f"</CodeBook><Sources>{sources}</Sources></Project>").encode()


def text_source(text_path: str = f"internal://{QS}.txt", selections: str = "") -> str:
    return f'<TextSource guid="{QS}" name="t" plainTextPath="{text_path}">{selections}</TextSource>'


def selection(start: int, end: int, n: int = 1) -> str:
    return (f'<PlainTextSelection guid="dddddddd-0000-0000-0000-{n:012d}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{QU}"><Coding guid="eeeeeeee-0000-0000-0000-{n:012d}" '
            f'creatingUser="{QU}"><CodeRef targetGUID="{QC}"/></Coding></PlainTextSelection>')


QTEXT = "P1: My hands are too stiff for the inhaler.\n\nP2: Same here."
QOK = project_xml(text_source(selections=selection(4, 43) + selection(50, 400, 2)))
add("qdpx_ok.qdpx", zip_bytes([("project.qde", QOK), (f"sources/{QS}.txt", QTEXT.encode())]),
    {"reader": "qdpx", "documents": 1, "annotations": 1, "codings_read": 2, "contains": ["too stiff"]})
add("qdpx_cp1252_source.qdpx", zip_bytes([("project.qde", project_xml(text_source())),
                                          (f"sources/{QS}.txt", "P1: café “x”".encode("cp1252"))]),
    {"reader": "qdpx", "documents": 1, "annotations": 0, "codings_read": 0, "contains": ["café"]})
add("qdpx_xxe.qdpx", zip_bytes([("project.qde", project_xml(prolog=XXE))]), error("unsafe XML", "qdpx"))
add("qdpx_billion_laughs.qdpx", zip_bytes([("project.qde", project_xml(prolog=LAUGHS))]), error("unsafe XML", "qdpx"))
add("qdpx_external_dtd.qdpx", zip_bytes([("project.qde", project_xml(prolog='<!DOCTYPE Project SYSTEM "http://x/p.dtd">'))]),
    error("unsafe XML", "qdpx"))
add("qdpx_path_traversal.qdpx", zip_bytes([("project.qde", QOK), ("../../evil.txt", b"x")]), error("could escape", "qdpx"))
add("qdpx_absolute_entry.qdpx", zip_bytes([("project.qde", QOK), ("/etc/passwd", b"x")]), error("could escape", "qdpx"))
add("qdpx_backslash_entry.qdpx", zip_bytes([("project.qde", QOK), ("..\\..\\evil.txt", b"x")]), error("could escape", "qdpx"))
add("qdpx_drive_entry.qdpx", zip_bytes([("project.qde", QOK), ("C:/Windows/evil.txt", b"x")]), error("could escape", "qdpx"))
add("qdpx_source_outside.qdpx", zip_bytes([("project.qde", project_xml(text_source("internal://../../../etc/passwd")))]),
    error("points outside the archive", "qdpx"))
add("qdpx_duplicate_entry.qdpx", zip_bytes([("project.qde", QOK), (f"sources/{QS}.txt", b"a"), (f"sources/{QS}.txt", b"b")]),
    error("appears twice", "qdpx"))
add("qdpx_not_a_zip.qdpx", b"<Project/>", error("not a valid zip", "qdpx"))
add("qdpx_truncated.qdpx", zip_bytes([("project.qde", QOK)])[:200], error("not a valid zip", "qdpx"))
add("qdpx_no_project.qdpx", zip_bytes([("readme.txt", b"hello")]), error("no project.qde", "qdpx"))
add("qdpx_wrong_root.qdpx", zip_bytes([("project.qde", b"<html><body>hi</body></html>")]), error("root element", "qdpx"))
add("qdpx_malformed.qdpx", zip_bytes([("project.qde", b"<Project xmlns='urn:QDA-XML:project:1.0'><Sources>")]),
    error("not well-formed", "qdpx"))
add("qdpx_deep_nesting.qdpx", zip_bytes([("project.qde", project_xml(
    codes='<Code guid="x" name="a" isCodable="true">' * 5000 + "</Code>" * 5000))]), error("nests elements", "qdpx"))
add("qdpx_lying_header.qdpx", _lying(zip_bytes([("project.qde", QOK + b"<!--" + b"x" * 400_000 + b"-->")]),
                                     "project.qde", 500), error("damaged", "qdpx"))


def _encrypted_flag(data: bytes) -> bytes:
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        position = 0
        while (found := out.find(signature, position)) >= 0:
            struct.pack_into("<H", out, found + offset, struct.unpack_from("<H", out, found + offset)[0] | 1)
            position = found + 4
    return bytes(out)


add("qdpx_corrupt_deflate.qdpx", _corrupt(zip_bytes([("project.qde", QOK + b"<!--" + QTEXT.encode() * 50 + b"-->")]),
                                          "project.qde"), error("damaged", "qdpx"))
add("qdpx_encrypted.qdpx", _encrypted_flag(zip_bytes([("project.qde", QOK)])), error("encrypted", "qdpx"))

# --- manifests --------------------------------------------------------------------------------
add("manifest_yaml_bomb.yaml", b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
    b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\ndocuments: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
    error("unknown top-level key|expected a mapping", "manifest"))
add("manifest_python_tag.yaml", b"documents:\n  - !!python/object/apply:os.system ['echo pwned']\n",
    error("invalid YAML", "manifest"))
add("manifest_traversal.csv", b"path,id\n../../../../etc/passwd,x\n", error("unsupported file type", "manifest"))


# --- large files, made at test time --------------------------------------------------------------


@large("txt_over_50mb.txt", error("larger than the 50 MB limit"))
def _over_limit(path: Path) -> None:
    with open(path, "wb") as out:
        line = b"P1: " + b"words " * 20 + b"\n\n"
        for _ in range(51 * 1024 * 1024 // len(line) + 1):
            out.write(line)


@large("txt_large_ok.txt", ok(40_000, "paragraph 39999 ends"))
def _large_ok(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for i in range(40_000):
            out.write(f"P{i % 7 + 1}: This is paragraph {i} of a long focus group, paragraph {i} ends.\n\n")


@large("txt_line_100k.txt", ok(1, "x" * 1000))
def _long_line(path: Path) -> None:
    path.write_text("P1: " + "x" * 100_000 + "\n", encoding="utf-8")


@large("txt_many_short_lines.txt", ok(20_000, "P3: a"))
def _many_lines(path: Path) -> None:
    path.write_text("".join(f"P{i % 5}: a\n" for i in range(20_000)), encoding="utf-8")


@large("csv_huge_field.csv", error("malformed CSV"))
def _huge_field(path: Path) -> None:
    path.write_text('speaker,text\nAnna,"' + "x" * 200_000 + '"\n', encoding="utf-8")


@large("vtt_many_cues.vtt", ok(30_000, "cue 29999"))
def _many_cues(path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        out.write("WEBVTT\n\n")
        for i in range(30_000):
            s = i * 2
            out.write(f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}.000 --> {s // 3600:02d}:{s // 60 % 60:02d}:"
                      f"{s % 60:02d}.900\n<v P{i % 4}>cue {i}\n\n")


def _bomb(path: Path, names: list[tuple[str, bytes]], bomb_name: str, size: int) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in names:
            archive.writestr(zipfile.ZipInfo(name, date_time=ZIP_TIME), data, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo(bomb_name, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as out:
            chunk = b"\0" * (4 * 1024 * 1024)
            for _ in range(size // len(chunk)):
                out.write(chunk)


@large("docx_zip_bomb.docx", error("zip bomb|limit"))
def _docx_bomb(path: Path) -> None:
    _bomb(path, [("[Content_Types].xml", CONTENT_TYPES), ("_rels/.rels", RELS),
                 ("word/document.xml", word_xml(["P1: hi"]))], "word/media/image1.png", 256 * 1024 * 1024)


@large("qdpx_zip_bomb.qdpx", error("zip bomb|limit", "qdpx"))
def _qdpx_bomb(path: Path) -> None:
    _bomb(path, [("project.qde", QOK)], f"sources/{QS}.txt", 256 * 1024 * 1024)


@large("qdpx_too_many_entries.qdpx", error("entries, over the limit", "qdpx"))
def _many_entries(path: Path) -> None:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("project.qde", QOK)
        for i in range(10_050):
            archive.writestr(zipfile.ZipInfo(f"sources/{i}.txt", date_time=ZIP_TIME), b"")


@large("qdpx_many_elements.qdpx", error("more than 1,000,000 elements", "qdpx"))
def _many_elements(path: Path) -> None:
    codes = b"".join(b'<C n="%d"/>' % i for i in range(1_050_000))  # varied, so no zip-bomb ratio
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(codes="§").replace("§".encode(), codes))


@large("qdpx_many_selections.qdpx", {"reader": "qdpx", "documents": 1, "annotations": 20_000,
                                      "codings_read": 20_000, "contains": []})
def _many_selections(path: Path) -> None:
    text = "P1: " + "word " * 20_000
    selections = "".join(selection(4 + 5 * i, 8 + 5 * i, i + 1) for i in range(20_000))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", project_xml(text_source(selections=selections)))
        archive.writestr(f"sources/{QS}.txt", text)


def write_small(out: Path) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    for name, (build, _) in CORPUS.items():
        (out / name).write_bytes(build())
    expected = {name: expectation for name, (_, expectation) in sorted(CORPUS.items())}
    (out / "EXPECTED.json").write_text(json.dumps(expected, indent=1, ensure_ascii=True) + "\n", encoding="utf-8")
    return sorted(CORPUS)


def write_large(out: Path, names: list[str] | None = None) -> dict[str, Expectation]:
    out.mkdir(parents=True, exist_ok=True)
    for name, (build, _) in LARGE.items():
        if names is None or name in names:
            build(out / name)
    return {name: expectation for name, (_, expectation) in LARGE.items() if names is None or name in names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the small files")
    parser.add_argument("--large", type=Path, help="also write the large files to this folder")
    args = parser.parse_args(argv)
    names = write_small(args.out)
    print(f"wrote {len(names)} files and EXPECTED.json to {args.out}")
    if args.large:
        expected = write_large(args.large)
        (args.large / "EXPECTED.json").write_text(json.dumps(expected, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {len(expected)} large files to {args.large}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
