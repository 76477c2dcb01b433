"""Decoding and normalisation: encodings, BOMs, binary, empty and oversized files."""

from __future__ import annotations

import codecs
import random

import pytest

from combcoder.errors import InputError
from combcoder.ingest import decode, read_document

CP1252_TEXT = "Interviewer: Was the café open?\nP1: Yes – it’s naïve to think otherwise.\n"


def test_cp1252_is_accepted_with_a_warning(write):
    doc = read_document(write("legacy.txt", CP1252_TEXT.encode("cp1252")))
    assert doc.text == CP1252_TEXT
    assert doc.metadata["encoding"] == "cp1252"
    assert any("Windows-1252" in w for w in doc.metadata["warnings"])
    assert doc.turn_text(doc.turns[1]) == "Yes – it’s naïve to think otherwise."


def test_random_binary_is_rejected(write):
    data = random.Random(7).randbytes(4000)
    with pytest.raises(InputError, match="binary"):
        read_document(write("noise.txt", data))


def test_binary_without_nul_is_rejected(write):
    data = bytes(random.Random(3).choice(range(1, 32)) for _ in range(2000))
    with pytest.raises(InputError, match="binary|not UTF-8"):
        read_document(write("controls.txt", data))


def test_non_western_legacy_encoding_is_rejected(write):
    text = "P1: こんにちは世界。元気ですか。\n" * 5
    with pytest.raises(InputError, match="not UTF-8") as err:
        read_document(write("sjis.txt", text.encode("shift_jis")))
    assert "save the file as UTF-8" in str(err.value)


def test_utf8_bom_is_dropped(write):
    doc = read_document(write("bom.txt", codecs.BOM_UTF8 + "P1: hello".encode()))
    assert doc.text == "P1: hello"
    assert doc.turns[0].start == 4


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_with_bom(write, encoding):
    text = "Interviewer: Hej Åsa\r\nÅsa: Hej! 😀\r\n"
    data = text.encode(encoding)
    if encoding == "utf-16-be":
        data = codecs.BOM_UTF16_BE + data
    doc = read_document(write("wide.txt", data))
    assert doc.text == "Interviewer: Hej Åsa\nÅsa: Hej! 😀\n"
    assert [doc.turn_text(t) for t in doc.turns] == ["Hej Åsa", "Hej! 😀"]
    assert doc.turns[1].speaker == "Åsa"


def test_crlf_cr_and_nfc_are_normalised(write):
    decomposed = "Cafe\u0301"
    doc = read_document(write("mixed.txt", f"P1: {decomposed}\r\nP2: one\rP3: two\n"))
    assert doc.text == "P1: Café\nP2: one\nP3: two\n"
    assert [doc.turn_text(t) for t in doc.turns] == ["Café", "one", "two"]


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", codecs.BOM_UTF8])
def test_empty_and_whitespace_only_files_are_rejected(write, content):
    with pytest.raises(InputError, match="empty file"):
        read_document(write("empty.txt", content))


def test_file_over_the_size_limit_is_rejected(write, monkeypatch):
    monkeypatch.setattr(decode, "MAX_FILE_BYTES", 100)
    with pytest.raises(InputError, match="limit"):
        read_document(write("big.txt", "P1: " + "words " * 50))


def test_invalid_utf16_after_bom_is_rejected(write):
    with pytest.raises(InputError, match="UTF-16"):
        read_document(write("odd.txt", codecs.BOM_UTF16_LE + b"\x00\xd8a\x00"))
