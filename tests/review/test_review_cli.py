"""The review commands on the command line: help everywhere, the README's flow, errors at the boundary."""

from __future__ import annotations

import json
import sys

import pytest

from combcoder.cli import app
from typer.testing import CliRunner

runner = CliRunner()
COMMANDS = [["project", "init"], ["project", "add-member"], ["project", "list"], ["coder", "add"], ["coder", "list"],
            ["ingest"], ["suggest"], ["serve"], ["annotations", "import"], ["annotations", "export"], ["retrain"]]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_review_command_has_help_and_a_db_option(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "--db" in result.output and "COMBCODER_DB" in result.output
    assert len(result.output.split("Usage:")[1].splitlines()[2].strip()) > 10  # a one-line description


def test_the_readme_flow_from_init_to_export(tmp_path, monkeypatch):
    db = str(tmp_path / "review.db")
    monkeypatch.setenv("COMBCODER_DB", db)
    password = tmp_path / "pw"
    password.write_text("a long admin password\n")
    transcript = tmp_path / "clinic.txt"
    transcript.write_text("Interviewer: How is it going?\n\nP1: The nurse calls every week, which helps.\n\n"
                          "P2: I can't read the leaflet, the print is too small.\n", encoding="utf-8")
    steps = [
        ["project", "init", "clinic", "--description", "pilot"],
        ["coder", "add", "ada", "--role", "admin", "--password-file", str(password)],
        ["coder", "add", "bea", "--password-file", str(password), "--project", "clinic", "--mode", "blind"],
        ["ingest", str(transcript)],
    ]
    for step in steps:
        result = runner.invoke(app, step)
        assert result.exit_code == 0, (step, result.output)
    assert "1 documents added (3 utterances, 2 codable)" in result.output
    lines = tmp_path / "bea.jsonl"
    lines.write_text(json.dumps({"id": "clinic:t001:u1", "domain": "opportunity.social", "polarity": "facilitator"})
                     + "\n" + json.dumps({"utterance": "clinic:t002:u1", "domain": "capability.psychological",
                                          "polarity": "barrier", "memo": "literacy"}) + "\n")
    result = runner.invoke(app, ["annotations", "import", str(lines), "--coder", "bea"])
    assert result.exit_code == 0 and "2 annotations added" in result.output
    out = tmp_path / "export.jsonl"
    result = runner.invoke(app, ["annotations", "export", "-o", str(out), "--coder", "bea"])
    assert result.exit_code == 0
    exported = [json.loads(x) for x in out.read_text().splitlines()]
    assert [(x["id"], x["domain"], x["memo"]) for x in exported] == [
        ("clinic:t001:u1", "opportunity.social", ""), ("clinic:t002:u1", "capability.psychological", "literacy")]
    listing = runner.invoke(app, ["project", "list"])
    assert "clinic" in listing.output and "2 annotations" in listing.output
    coders = runner.invoke(app, ["coder", "list"]).output
    assert "ada" in coders and "admin" in coders and "bea" in coders


def test_errors_exit_with_code_2_and_a_message(tmp_path, monkeypatch, capsys):
    from combcoder.cli import main

    db = str(tmp_path / "review.db")
    assert runner.invoke(app, ["project", "init", "clinic", "--db", db]).exit_code == 0
    for argv, message in [
        (["project", "init", "clinic", "--db", db], "already exists"),
        (["ingest", str(tmp_path / "missing.txt"), "--db", db], "missing.txt"),
        (["annotations", "export", "--project", "nope", "--db", db], "no project 'nope'"),
        (["coder", "add", "carl", "--db", db], "no password given"),  # never a default password
    ]:
        monkeypatch.setattr(sys, "argv", ["combcoder", *argv])
        monkeypatch.setattr(sys, "stdin", open("/dev/null"))
        monkeypatch.delenv("COMBCODER_PASSWORD", raising=False)
        with pytest.raises(SystemExit) as exit_info:
            main()
        assert exit_info.value.code == 2, argv
        assert message in capsys.readouterr().err
