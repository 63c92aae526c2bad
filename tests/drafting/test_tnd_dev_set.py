"""The TND dev set of bench/tnd/: three synthetic consultations whose labels name targets
of the default grids (protocols/defaults/) that apply at the child's age."""

from functools import cache
from itertools import pairwise
from pathlib import Path

import pytest

from bench.tnd_data import ROLES, as_transcript, consultations
from drafting.grid import grid_from_file
from protocols.formats import load_protocol_file

DEFAULTS = Path(__file__).resolve().parents[2] / "protocols" / "defaults"
MIN_ANSWERS = 40  # labelled parent or child turns of four words or more, per consultation

CONSULTATIONS = consultations()


@cache
def targets(slug: str, age_months: int) -> frozenset[str]:
    """Labels a turn may carry for ``slug``: "section" for a free-text report section,
    "section/item" for an item that applies at ``age_months``."""
    spec = load_protocol_file((DEFAULTS / f"{slug}.yaml").read_bytes())
    assert spec.slug == slug
    keys = set()
    for section in grid_from_file(spec, age_months).sections:
        if section.free_text:
            keys.add(section.key)
        keys.update(f"{section.key}/{item.key}" for item in section.items)
    return frozenset(keys)


by_name = pytest.mark.parametrize(
    "consultation", list(CONSULTATIONS.values()), ids=list(CONSULTATIONS)
)


def test_three_consultations_in_order():
    assert list(CONSULTATIONS) == [
        "01-entretien-parents-tsa-3ans",
        "02-observation-jeu-4ans",
        "03-entretien-parents-tdah-8ans",
    ]
    assert [c.grids for c in CONSULTATIONS.values()] == [
        ("bilan-tnd", "evaluation-tsa"),
        ("bilan-tnd", "evaluation-tsa"),
        ("bilan-tnd", "evaluation-tdah"),
    ]
    for consultation in CONSULTATIONS.values():
        assert consultation.title
        assert consultation.child_first_name
        assert 0 < consultation.age_months < 216


@by_name
def test_labels_name_targets_of_the_grids_at_the_childs_age(consultation):
    wrong = [
        (index, slug, target)
        for index, turn in enumerate(consultation.turns)
        for slug, target in turn.labels.items()
        if slug not in consultation.grids or target not in targets(slug, consultation.age_months)
    ]
    assert wrong == []
    for slug in consultation.grids:
        assert any(slug in turn.labels for turn in consultation.turns), slug


@by_name
def test_every_speaker_has_a_role(consultation):
    assert {turn.role for turn in consultation.turns} <= set(ROLES)
    assert "clinician" in {turn.role for turn in consultation.turns}


@by_name
def test_small_talk_unlabelled_and_enough_labelled_answers(consultation):
    turns = consultation.turns
    assert any(not turn.labels for turn in turns)
    answers = [
        turn
        for turn in turns
        if turn.role in ("parent", "child") and turn.labels and len(turn.text.split()) >= 4
    ]
    assert len(answers) >= MIN_ANSWERS


@by_name
def test_transcript_has_one_segment_per_turn(consultation):
    transcript = as_transcript(consultation)
    segments = transcript["segments"]
    assert [s["speaker"] for s in segments] == [t.speaker for t in consultation.turns]
    assert [s["text"] for s in segments] == [t.text for t in consultation.turns]
    assert all(a["end"] <= b["start"] for a, b in pairwise(segments))
