"""``draft_report``: the stable command-line interface used by evaluation."""

import json

import pytest
from django.core.management import CommandError, call_command

from tests.drafting.support import DRAFTING_PROTOCOL
from tests.drafting.transcripts import INJECTION, PARENT_INTERVIEW, SMALL_TALK, transcript
from tests.protocol_files import import_published


@pytest.fixture
def grid_protocol(db):
    return import_published(DRAFTING_PROTOCOL).protocol


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def run(*args, capsys):
    call_command("draft_report", *args)
    return capsys.readouterr()


def test_json_output_has_sections_statements_citations_verdicts_and_scores(
    grid_protocol, tmp_path, capsys
):
    first = write(tmp_path, "t1.json", transcript(PARENT_INTERVIEW))
    second = write(tmp_path, "t2.json", transcript(INJECTION))
    out = run(
        "--transcript", str(first), "--transcript", str(second),
        "--protocol", "grille-test", "--engine", "extractive", "--json",
        capsys=capsys,
    ).out  # fmt: skip
    data = json.loads(out)
    assert data["engine"] == "extractive"
    assert data["protocol_versions"] == ["grille-test v1"]
    assert [s["key"] for s in data["sections"]] == ["motif", "communication", "sommeil"]
    communication = data["sections"][1]
    items = {i["key"]: i for i in communication["items"]}
    assert items["jeu-symbolique"]["status"] == "non_aborde"
    assert items["jeu-symbolique"]["evidence"] == []
    pointing = items["pointage"]["evidence"][0]
    assert pointing["utterance"].startswith("C1-U")
    assert set(pointing) == {"utterance", "score", "similarity", "keywords"}
    statements = [s for section in data["sections"] for s in section["statements"]]
    assert statements
    for statement in statements:
        assert statement["cites"] and statement["verdict"] in ("supported", "flagged")
    cited = {uid.split("-")[0] for s in statements for uid in s["cites"]}
    assert cited == {"C1", "C2"}
    # The cited passages come with the output, so a reader can check each sentence.
    shown = {u["id"]: u for u in data["utterances"]}
    assert all(uid in shown for s in statements for uid in s["cites"])
    assert data["unrouted"] >= 1


def test_small_talk_gives_no_statement(grid_protocol, tmp_path, capsys):
    path = write(tmp_path, "t.json", transcript(SMALL_TALK))
    data = json.loads(
        run("--transcript", str(path), "--protocol", "grille-test", "--json", capsys=capsys).out
    )
    assert all(not section["statements"] for section in data["sections"])


def test_an_engine_that_cannot_run_is_named_and_the_draft_is_extractive(
    grid_protocol, tmp_path, capsys, settings
):
    settings.LLM_ENDPOINT_URL = ""
    path = write(tmp_path, "t.json", transcript(PARENT_INTERVIEW))
    result = run(
        "--transcript", str(path), "--protocol", "grille-test", "--engine", "openai", "--json",
        capsys=capsys,
    )  # fmt: skip
    assert "LLM_ENDPOINT_URL" in result.err
    data = json.loads(result.out)
    assert data["engine"] == "extractive"
    assert "LLM_ENDPOINT_URL" in data["fallback_reason"]


def test_readable_text_output(grid_protocol, tmp_path, capsys):
    path = write(tmp_path, "t.json", transcript(PARENT_INTERVIEW))
    out = run("--transcript", str(path), "--protocol", "grille-test", capsys=capsys).out
    assert "## Communication sociale" in out
    assert "Jeu de faire semblant : non_aborde" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{pas du json", "n'est pas un fichier JSON lisible"),
        ('{"language": "fr"}', "pas de liste « segments »"),
        ('{"segments": [{"text": "sans temps"}]}', "segment 0 illisible"),
    ],
)
def test_bad_transcripts_are_refused_clearly(grid_protocol, tmp_path, content, message):
    path = tmp_path / "t.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("draft_report", "--transcript", str(path), "--protocol", "grille-test")


def test_missing_file_and_unknown_protocol(grid_protocol, tmp_path):
    with pytest.raises(CommandError, match="introuvable"):
        call_command(
            "draft_report", "--transcript", str(tmp_path / "x.json"), "--protocol", "grille-test"
        )
    path = write(tmp_path, "t.json", transcript(PARENT_INTERVIEW))
    with pytest.raises(CommandError, match="sans version publiée : inconnu"):
        call_command("draft_report", "--transcript", str(path), "--protocol", "inconnu")
