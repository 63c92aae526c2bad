"""Drafting test support: a small autism-style grid, a scripted LLM, and helpers."""

import json
from collections.abc import Callable, Sequence

from drafting.grid import grid_from_file
from drafting.llm import Completion, LLMError
from drafting.utterances import from_transcript_json
from protocols.formats import load_protocol_file

DRAFTING_PROTOCOL = """
format: neddie-protocol/1
slug: grille-test
title: Grille de test (communication)
scope: evaluation
version:
  source_status: synthesis
  sources: [Synthèse écrite pour les tests]
  vocabulary: [ADOS-2, Vineland]
  sections:
    - key: motif
      title: Motif de la demande
      guidance: >
        Qui s'inquiète (parents, crèche, école) et de quoi : langage, jeu, relations.
    - key: communication
      title: Communication sociale
      items:
        - key: reponse-prenom
          label: Réponse au prénom
          hint: >
            L'enfant se retourne ou regarde quand on l'appelle par son prénom.
          examples: ["il ne se retourne pas quand on l'appelle", "il répond à son prénom"]
          keywords: [prénom, appelle]
        - key: pointage
          label: Pointage pour montrer
          hint: >
            L'enfant pointe du doigt pour montrer ou demander un objet.
          examples: ["il ne montre jamais du doigt", "il pointe pour demander"]
          keywords: [pointe, doigt]
        - key: premiers-mots
          label: Âge des premiers mots
          hint: Âge auquel l'enfant a dit ses premiers mots.
          examples: ["ses premiers mots vers deux ans"]
          keywords: [premiers mots]
          answer_type: text
        - key: jeu-symbolique
          label: Jeu de faire semblant
          hint: >
            L'enfant joue à faire semblant : dînette, poupée, téléphone imaginaire.
          examples: ["il fait semblant de donner à manger à sa poupée"]
          keywords: [faire semblant, dînette, poupée]
    - key: sommeil
      title: Sommeil et alimentation
      items:
        - key: troubles-sommeil
          label: Troubles du sommeil
          hint: Réveils nocturnes, difficultés d'endormissement, durée du sommeil.
          examples: ["il se réveille plusieurs fois par nuit"]
          keywords: [sommeil, réveille, nuit, dort]
"""


def drafting_grid():
    return grid_from_file(load_protocol_file(DRAFTING_PROTOCOL))


def utterances_of(*transcripts: dict):
    found = []
    for number, transcript in enumerate(transcripts, start=1):
        found += from_transcript_json(transcript, source=f"C{number}")
    return found


def uid_of(utterances, fragment: str) -> str:
    """The id of the utterance containing ``fragment``."""
    matches = [u.uid for u in utterances if fragment in u.text]
    assert len(matches) == 1, f"{fragment!r}: {matches}"
    return matches[0]


class ScriptedLLM:
    """Answers with what the test scripts (text, or a function of the messages), records
    every call. An exception instance in the script is raised instead."""

    engine = "scripted"
    model_name = "scripted-model"

    def __init__(self, answers: Sequence | Callable):
        self.answers = answers
        self.calls: list[dict] = []

    def complete(self, messages, *, schema, max_tokens, deadline=None):
        self.calls.append({"messages": list(messages), "schema": schema})
        if callable(self.answers):
            answer = self.answers(messages, schema)
        else:
            answer = self.answers[min(len(self.calls), len(self.answers)) - 1]
        if isinstance(answer, Exception):
            raise answer
        if not isinstance(answer, str):
            answer = json.dumps(answer, ensure_ascii=False)
        return Completion(answer, prompt_tokens=100, completion_tokens=20, seconds=0.01)

    def prompt_text(self) -> str:
        return "\n".join(m["content"] for call in self.calls for m in call["messages"])


def section_answers(by_section: dict[str, dict]) -> Callable:
    """A script answering per section title found in the last user message."""

    def answer(messages, schema):
        request = messages[-1]["content"]
        for title, reply in by_section.items():
            if f"Section : {title}" in request:
                return reply
        return LLMError("section non scriptée")

    return answer
