"""Benchmark of the care plan's proposals: how long proposing rows from a validated report
takes, with the rules alone (what runs without a model) and with the packaged drafting model
(llama.cpp, Qwen2.5 0.5B, grammar-constrained), and what each proposes.

The report is synthetic: a synthesis and recommendations as a clinician writes them. The
figures printed are the seconds of each run, the ratio model/rules, the rows proposed by
kind, and, for the model, the rows it added beyond the rules and those set aside because
their cited sentences do not justify them.

Run from the repository root (after `make setup`, which assembles the model)::

    .venv/bin/python bench/care_plan.py [--model var/models/qwen2.5-0.5b-instruct/model.gguf]
"""

import argparse
import collections
import os
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

SYNTHESIS = (
    "Le bilan met en évidence un trouble du spectre de l'autisme, avec un retard de langage "
    "oral important, en expression surtout. Les interactions sociales sont limitées avec les "
    "pairs, le regard est peu adressé. La motricité fine reste fragile, le graphisme est "
    "difficile. Le sommeil est perturbé par des réveils nocturnes fréquents."
)
RECOMMENDATIONS = (
    "Nous recommandons une rééducation orthophonique, deux séances par semaine, en cabinet "
    "ou en téléconsultation, dans le cadre du forfait précoce PCO. Un bilan psychomoteur est "
    "préconisé, puis une prise en charge en psychomotricité. Une guidance parentale est "
    "proposée aux parents. Un PAP sera demandé à l'école, et un dossier MDPH pour l'AEEH. "
    "Une consultation de génétique et un bilan ORL sont à programmer. L'objectif est de "
    "développer la communication fonctionnelle à la maison. Une réévaluation est prévue "
    "dans 6 mois avec la famille."
)


def passages():
    from care_plans.drafting import Passage
    from neddie.rich_text import sentences

    found = []
    for key, text in (("synthese", SYNTHESIS), ("recommandations", RECOMMENDATIONS)):
        for sentence in sentences(text):
            found.append(Passage(f"P{len(found) + 1}", key, key.title(), sentence.plain))
    return found


def kinds(proposals) -> str:
    counts = collections.Counter(p.kind for p in proposals)
    return ", ".join(f"{kind} {count}" for kind, count in sorted(counts.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default = REPO_ROOT / "var" / "models" / "qwen2.5-0.5b-instruct" / "model.gguf"
    parser.add_argument("--model", type=Path, default=default)
    parser.add_argument("--budget", type=float, default=90.0, help="seconds, as in production")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neddie.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()
    from care_plans.drafting import draft_plan
    from drafting.llm import LlamaCppLLM

    given = passages()
    print(f"report: {len(given)} sentences (synthesis and recommendations)")

    started = time.monotonic()
    rules = draft_plan(given, llm=None)
    rules_seconds = time.monotonic() - started
    print(f"rules:  {rules_seconds:.3f} s, {len(rules.proposals)} rows ({kinds(rules.proposals)})")

    load_started = time.monotonic()
    llm = LlamaCppLLM(args.model)
    load_seconds = time.monotonic() - load_started
    started = time.monotonic()
    model = draft_plan(given, llm=llm, time_budget=args.budget)
    model_seconds = time.monotonic() - started
    added = [p for p in model.proposals if p.origin_note == "modèle"]
    print(
        f"model:  {model_seconds:.1f} s (load {load_seconds:.1f} s), {len(model.proposals)} rows "
        f"({kinds(model.proposals)}); added by the model: {len(added)} ({kinds(added) or '-'})"
    )
    if model.message:
        print(f"        {model.message}")
    for proposal in added:
        print(f"        + {proposal.kind}: {proposal.text} [{', '.join(proposal.cites)}]")
    print(f"ratio model/rules: {model_seconds / max(rules_seconds, 1e-6):.0f}")


if __name__ == "__main__":
    main()
