"""The export, import and deidentify commands as a user runs them."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from combcoder.cli import app
from combcoder.export.validate import check_qdc, check_qdpx

runner = CliRunner()


def test_export_import_commands(coded, tmp_path):
    folder, manifest = coded
    qdpx = tmp_path / "p.qdpx"
    result = runner.invoke(app, ["export", str(folder), "-o", str(qdpx), "--manifest", str(manifest), "--validate",
                                 "--offsets", "utf16"])
    assert result.exit_code == 0, result.output
    assert "2 documents" in result.output and check_qdpx(qdpx) == []
    out = tmp_path / "imported"
    result = runner.invoke(app, ["import", str(qdpx), "-o", str(out), "--include-model"])
    assert result.exit_code == 0, result.output
    assert "offsets: utf16" in result.output
    assert (out / "annotations.jsonl").read_text().count("\n") > 0 and (out / "texts" / "patients.txt").is_file()


def test_qdc_and_csv_commands(coded, tmp_path):
    folder, _ = coded
    result = runner.invoke(app, ["export", "-f", "qdc", "-o", str(tmp_path / "c.qdc")])
    assert result.exit_code == 0 and "14 codes" in result.output and check_qdc(tmp_path / "c.qdc") == []
    result = runner.invoke(app, ["export", str(folder), "-f", "csv", "-o", str(tmp_path / "c.csv")])
    assert result.exit_code == 0, result.output


def test_import_reports_unmapped_codes_and_uses_a_mapping(qdpx_builder, tmp_path):
    source, user, code = ("aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa", "11111111-1111-1111-1111-111111111111",
                          "cccccccc-cccc-cccc-cccc-cccccccccccc")
    xml = (f'<Project xmlns="urn:QDA-XML:project:1.0" name="x" origin="NVivo"><Users><User guid="{user}" name="Jo"/>'
           f'</Users><CodeBook><Codes><Code guid="{code}" name="Knackered" isCodable="true"/></Codes></CodeBook>'
           f'<Sources><TextSource guid="{source}" name="i1"><PlainTextContent>P1: I am knackered.</PlainTextContent>'
           f'<PlainTextSelection guid="dddddddd-0000-0000-0000-000000000001" startPosition="4" endPosition="18" '
           f'creatingUser="{user}"><Coding guid="eeeeeeee-0000-0000-0000-000000000001" creatingUser="{user}">'
           f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection></TextSource></Sources></Project>')
    path = qdpx_builder(xml)
    result = runner.invoke(app, ["import", str(path), "-o", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    assert "unmapped code: 'Knackered' (1 codings)" in result.output
    mapping = tmp_path / "map.yaml"
    mapping.write_text("codes:\n  Knackered: capability.physical/barrier\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(path), "-o", str(tmp_path / "b"), "--mapping", str(mapping)])
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in (tmp_path / "b" / "annotations.jsonl").read_text().splitlines()]
    assert (row["text"], row["domain"], row["polarity"], row["coder"]) == (
        "I am knackered", "capability.physical", "barrier", "Jo")


@pytest.mark.parametrize("args, message", [
    (["export", "-o", "x.qdpx"], "needs a coded project"),
    (["export", "nowhere", "-o", "x.qdpx"], "no utterances.jsonl"),
    (["import", "missing.qdpx", "-o", "out"], "cannot read file"),
])
def test_errors_are_one_line_and_exit_2(args, message, tmp_path, monkeypatch):
    import subprocess
    import sys

    monkeypatch.chdir(tmp_path)
    done = subprocess.run([sys.executable, "-m", "combcoder", *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and message in done.stderr


@pytest.mark.slow
def test_code_export_import_end_to_end(models_root, coded, tmp_path):
    """`combcoder code` with the fixture model, then export and import: the same codes come back."""
    import subprocess
    import sys
    from pathlib import Path

    repo = Path(__file__).resolve().parents[2]
    out = tmp_path / "coded"

    def run(*args):
        done = subprocess.run([sys.executable, "-m", "combcoder", *args], capture_output=True, text=True,
                              cwd=repo, timeout=600)
        assert done.returncode == 0, done.stderr
        return done

    _, manifest = coded
    run("code", "--manifest", str(manifest), "-o", str(out), str(manifest.parent))
    run("export", str(out), "--manifest", str(manifest), "-o", str(tmp_path / "demo.qdpx"), "--validate")
    run("import", str(tmp_path / "demo.qdpx"), "-o", str(tmp_path / "back"), "--include-model")
    rows = [json.loads(line) for line in (out / "utterances.jsonl").read_text().splitlines()]
    coded = {(r["id"], r["start"], r["end"], r["domain"], r["polarity"]) for r in rows if r["codable"]}
    back = [json.loads(line) for line in (tmp_path / "back" / "annotations.jsonl").read_text().splitlines()]
    assert {(a["id"], a["start"], a["end"], a["domain"], a["polarity"]) for a in back} == coded
