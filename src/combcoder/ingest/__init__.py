"""Ingest: read transcripts (.txt .md .docx .vtt .srt .csv .jsonl) into Documents.

Normalised text
- Bytes are decoded as UTF-8 (a BOM is dropped) or as UTF-16/UTF-32 when the file starts
  with their BOM. Bytes that are not UTF-8 are accepted only when charset-normalizer finds
  they read cleanly as Windows-1252/Latin-1 (decoded as cp1252, with a warning); anything
  else is an InputError asking to save the file as UTF-8. NUL bytes without a UTF-16/32 BOM,
  or many control characters, mean a binary file: InputError.
- CRLF and CR become LF, and the text is put in Unicode NFC.
- Empty and whitespace-only files, and files over ``MAX_FILE_BYTES`` (50 MB), are errors.

Offsets
- ``Turn.start``/``Turn.end`` are Python ``str`` indices (code points, not UTF-16 units)
  into ``Document.text``, end exclusive. ``text[turn.start:turn.end]`` is the spoken content
  without the speaker label or surrounding whitespace, and is never empty.

Text and Markdown (.txt .md)
- ``Document.text`` is the normalised file text. A speaker label at a line start (patterns in
  ``configs/speakers.yaml``: ``P1:``, ``Interviewer:``, ``[00:01:02] Anna:``, ``Moderator -``,
  ``**Anna:**``) starts a turn that runs to the next label or blank line; a label's timestamp
  becomes ``time_start``. A paragraph without a label continues the previous speaker as a
  new turn; before any label its speaker is None and its role "unknown". Markdown headings
  are turns of their own with no speaker. If nothing looks like a label,
  ``metadata["warnings"]`` says so.
- Role: "interviewer" for names in ``interviewer_names``/``interviewer_patterns``,
  "participant" for other names, "unknown" without a speaker.

Word (.docx)
- Paragraphs and table-cell paragraphs in reading order, joined by blank lines, labels kept
  in the text. A label is a text prefix, bold run(s) at the paragraph start ending in a
  colon, or the first cell of a "Speaker | text" table row. Word headings have no speaker.

Captions and tables (.vtt .srt .csv .jsonl)
- Speakers come from ``<v Name>`` voice tags, label prefixes in the cue text, or a speaker
  column. A cue without a speaker continues the previous one; consecutive cues of one speaker
  merge into one turn. ``Document.text`` is "Name: text" blocks separated by blank lines.

Every reader sets ``metadata["units_read"]`` (paragraphs, labels, cues or rows read),
``metadata["warnings"]`` (a list), ``metadata["format"]`` and ``Turn.line`` (1-based line,
cue number or paragraph number).
"""

from combcoder.ingest.decode import MAX_FILE_BYTES
from combcoder.ingest.manifest import Source, iter_sources, load_manifest, read_source
from combcoder.ingest.read import SUPPORTED_EXTENSIONS, read_document
from combcoder.ingest.speakers import SpeakerConfig, load_speaker_config

__all__ = [
    "MAX_FILE_BYTES",
    "SUPPORTED_EXTENSIONS",
    "Source",
    "SpeakerConfig",
    "iter_sources",
    "load_manifest",
    "load_speaker_config",
    "read_document",
    "read_source",
]
