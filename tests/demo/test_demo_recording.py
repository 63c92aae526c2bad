"""The demo recording: the dialogue spoken once with its two voices, then kept."""

import wave

import pytest

from neddie import demo


@pytest.fixture
def spoken(monkeypatch):
    calls = []

    def fake_synthesize_dialogue(turns, output, voices, **options):
        calls.append((list(turns), dict(voices)))
        with wave.open(str(output), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(16_000)
            out.writeframes(b"\x00\x00" * 160)
        return output

    monkeypatch.setattr(demo, "synthesize_dialogue", fake_synthesize_dialogue)
    return calls


def test_the_recording_is_spoken_once_with_a_voice_per_role_then_kept(tmp_path, spoken):
    output = tmp_path / "demo" / "consultation-demo.wav"
    assert demo.make_demo_recording(output) == output
    assert demo.make_demo_recording(output) == output
    assert len(spoken) == 1
    turns, voices = spoken[0]
    assert turns == demo.demo_dialogue()
    assert voices == {"clinician": "ff_siwis", "parent": demo.DEMO_VOICES["parent"]}
    assert {role for role, _text in turns} == set(voices)

    # Another dialogue (the one-line change to speak a new consultation) is spoken anew.
    demo.make_demo_recording(output, [("clinician", "Bonjour."), ("parent", "Bonjour.")])
    assert len(spoken) == 2
    output.unlink()  # a lost file is made again
    demo.make_demo_recording(output, [("clinician", "Bonjour."), ("parent", "Bonjour.")])
    assert len(spoken) == 3


def test_the_demo_speaks_the_opening_of_the_first_tnd_consultation():
    opening = demo.consultation_dialogue(demo.DEMO_CONSULTATION)[: demo.DEMO_TURNS]

    assert opening == demo.demo_dialogue()
    assert demo.demo_dialogue()[0] == (
        "clinician",
        "Bonjour madame, bonjour monsieur. Vous m'entendez bien ?",
    )
    assert demo.demo_dialogue()[-1][0] == "parent"  # it stops on an answer, not a question
    assert {role for role, _text in demo.demo_dialogue()} == {"clinician", "parent"}
