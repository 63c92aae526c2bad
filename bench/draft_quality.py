"""Draft quality as a clinician reads it: coverage, placement, prose, questions, routing, time.

.venv/bin/python bench/draft_quality.py [--engine extractive|llama-cpp|openai ...]
    [--model NAME] [--set adult|tnd|all] [--split tune|held-out|all] [--budget S] [--json OUT]

Two dev sets, read in place:

- ``adult``: ../shared/eval-dev/dialogues-fr/ (10 French doctor–patient consultations, every
  turn labelled with a topic), drafted on ``bench/protocols/consultation-adulte.yaml``. Split
  in two: consultations 01–05 are the **tune** half (what drafting's constants may be set on),
  06–10 the **held-out** half (read only for figures).
- ``tnd``: bench/tnd/ (three synthetic TND consultations written for neddie, every turn
  labelled with the grid item it documents), drafted on the default grids of the
  consultation (bilan-tnd with evaluation-tsa or evaluation-tdah) at the child's age. Held
  out: nothing is tuned on it.

Per engine (and model), per consultation and per set, it prints:

- **coverage**: share of the informative answers (a patient's or parent's turn of four words
  or more, on a topic of the grid) cited by a statement shown in the draft;
- **placement**: of the (answer, shown statement citing it) pairs, the share where the
  statement sits in the section of the answer's topic (per protocol for the TND grids);
- **prose**: share of shown statements that are neither a quote (« … ») nor a copy of a turn
  (a cited turn that makes up 80 % or more of the statement);
- **questions as findings**: shown statements citing only questions, and only the clinician;
- **routing macro-F1**: utterances against their section label (per protocol), macro-averaged
  over the labelled sections; turns with no label count against a section they are routed to;
- **set aside**: statements verification refused (not shown);
- **seconds** per consultation (the whole draft, routing included).

It prints figures only, never transcript text.
"""

import argparse
import difflib
import json
import os
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))
sys.path.insert(0, str(BENCH_DIR))

TUNE = tuple(f"consultation-{n:02d}" for n in range(1, 6))
COPY_SHARE = 0.8  # a statement this much made of one cited turn is a copy of it
INFORMATIVE_WORDS = 4


@dataclass
class Case:
    """One consultation to draft, with its gold labels per utterance segment."""

    name: str
    dev_set: str  # "adult" or "tnd"
    split: str  # "tune" or "held-out"
    transcript: dict
    grid: object
    # per turn (segment index): protocol → section key it documents ({} for nothing)
    labels: list[dict[str, str]]
    answers: list[bool]  # per turn: an informative answer (not the clinician, 4+ words)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neddie.settings")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    import django

    django.setup()


def load_grid(slugs, age_months=None, path=None):
    from drafting.grid import Grid, grid_from_file
    from protocols.formats import load_protocol_file

    paths = [path] if path else [REPO_ROOT / "protocols" / "defaults" / f"{s}.yaml" for s in slugs]
    grids = [grid_from_file(load_protocol_file(p.read_text("utf-8")), age_months) for p in paths]
    return Grid(
        sections=tuple(s for g in grids for s in g.sections),
        versions=tuple(v for g in grids for v in g.versions),
        vocabulary=tuple(w for g in grids for w in g.vocabulary),
    )


def adult_cases() -> list[Case]:
    from eval_data import CATEGORY_SECTIONS, as_transcript, dialogues

    grid = load_grid((), path=BENCH_DIR / "protocols" / "consultation-adulte.yaml")
    protocol = grid.sections[0].protocol
    cases = []
    for name, turns in dialogues().items():
        labels = [
            {protocol: CATEGORY_SECTIONS[t.category]} if CATEGORY_SECTIONS[t.category] else {}
            for t in turns
        ]
        answers = [
            t.speaker != "clinicien" and len(t.text.split()) >= INFORMATIVE_WORDS and bool(label)
            for t, label in zip(turns, labels, strict=True)
        ]
        cases.append(
            Case(
                name=name,
                dev_set="adult",
                split="tune" if name in TUNE else "held-out",
                transcript=as_transcript(turns),
                grid=grid,
                labels=labels,
                answers=answers,
            )
        )
    return cases


def tnd_cases() -> list[Case]:
    import tnd_data

    cases = []
    for name, consultation in tnd_data.consultations().items():
        labels = [
            {grid: target.partition("/")[0] for grid, target in turn.labels.items()}
            for turn in consultation.turns
        ]
        answers = [
            turn.role != "clinician"
            and len(turn.text.split()) >= INFORMATIVE_WORDS
            and bool(turn.labels)
            for turn in consultation.turns
        ]
        cases.append(
            Case(
                name=name,
                dev_set="tnd",
                split="held-out",
                transcript=tnd_data.as_transcript(consultation),
                grid=load_grid(consultation.grids, consultation.age_months),
                labels=labels,
                answers=answers,
            )
        )
    return cases


def _fold(text: str) -> str:
    from drafting.text import fold

    return " ".join(fold(text).split())


def is_copy(statement_text: str, cited_texts) -> bool:
    """A cited turn's words make up most of the statement (a quote without the marks)."""
    folded = _fold(statement_text)
    for cited in cited_texts:
        matcher = difflib.SequenceMatcher(None, folded, _fold(cited), autojunk=False)
        matched = sum(block.size for block in matcher.get_matching_blocks())
        if folded and matched / len(folded) >= COPY_SHARE:
            return True
    return False


def macro_f1(gold: list, predicted: list) -> float | None:
    """Macro-F1 over the labelled classes; None (no section) is not a class, but a turn
    labelled None routed to a section counts against that section's precision."""
    classes = sorted({g for g in gold if g})
    if not classes:
        return None
    scores = []
    for cls in classes:
        tp = sum(1 for g, p in zip(gold, predicted, strict=True) if g == cls and p == cls)
        predicted_count = sum(1 for p in predicted if p == cls)
        gold_count = sum(1 for g in gold if g == cls)
        precision = tp / predicted_count if predicted_count else 0.0
        recall = tp / gold_count
        scores.append(2 * precision * recall / (precision + recall) if tp else 0.0)
    return sum(scores) / len(scores)


def evaluate(case: Case, draft_result, utterances) -> dict:
    from drafting.routing import parse_target_id

    said = {u.uid: u for u in utterances}
    turn_of = {u.uid: u.segment_index for u in utterances}
    section_of_statement = []
    for section in draft_result.sections:
        for statement in section.statements:
            section_of_statement.append((section.protocol, section.key, statement))
    shown = [(p, k, s) for p, k, s in section_of_statement if s.shown]

    # Coverage and placement, per informative answer (a turn: any of its utterances cited).
    cited_by: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for protocol, key, statement in shown:
        for turn in {turn_of[uid] for uid in statement.cites if uid in turn_of}:
            cited_by[turn].append((protocol, key))
    informative = [i for i, is_answer in enumerate(case.answers) if is_answer]
    covered = [i for i in informative if cited_by.get(i)]
    pairs = [(i, where) for i in covered for where in cited_by[i]]
    placed = sum(1 for i, (protocol, key) in pairs if case.labels[i].get(protocol) == key)

    prose = 0
    questions_only = clinician_only = 0
    for _protocol, _key, statement in shown:
        cited = [said[uid] for uid in statement.cites if uid in said]
        if "«" not in statement.text and not is_copy(statement.text, [u.text for u in cited]):
            prose += 1
        if cited and all(u.is_question for u in cited):
            questions_only += 1
        if cited and all(is_clinician(u.speaker) for u in cited):
            clinician_only += 1

    # Routing, per protocol: each utterance's section (or none) against its turn's label.
    routed = {
        (uid, protocol): parse_target_id(target)[1] if target else None
        for uid, decisions in draft_result.routing.targets.items()
        for protocol, target in decisions.items()
    }
    gold, predicted = [], []
    protocols = dict.fromkeys(s.protocol for s in case.grid.sections)
    for utterance in utterances:
        for protocol in protocols:
            gold.append(case.labels[utterance.segment_index].get(protocol))
            predicted.append(routed.get((utterance.uid, protocol)))
    statements = draft_result.statements
    return {
        "name": case.name,
        "set": case.dev_set,
        "split": case.split,
        "informative_answers": len(informative),
        "covered": len(covered),
        "placement_pairs": len(pairs),
        "placed_right": placed,
        "shown": len(shown),
        "prose": prose,
        "questions_only": questions_only,
        "clinician_only": clinician_only,
        "statements": len(statements),
        "set_aside": sum(1 for s in statements if not s.shown),
        "model_statements": sum(1 for s in statements if s.origin == "llm"),
        "model_shown": sum(1 for s in statements if s.origin == "llm" and s.shown),
        "gold": gold,
        "predicted": predicted,
        "unlabelled": sum(1 for g in gold if g is None),
        "unlabelled_nowhere": sum(
            1 for g, p in zip(gold, predicted, strict=True) if g is None and p is None
        ),
        "seconds": draft_result.seconds["total"],
        "over_budget_sections": sum(1 for s in draft_result.sections if "dépassé" in s.note),
        "minutes_of_speech": round(case.transcript["duration_seconds"] / 60, 1),
    }


def is_clinician(speaker: str) -> bool:
    from drafting.utterances import is_clinician as clinician

    return clinician(speaker)


def summary(rows: list[dict]) -> dict:
    def share(a, b):
        return round(a / b, 3) if b else None

    total = Counter()
    for row in rows:
        for key, value in row.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                total[key] += value
    gold = [g for row in rows for g in row["gold"]]
    predicted = [p for row in rows for p in row["predicted"]]
    f1 = macro_f1(gold, predicted)
    return {
        "consultations": len(rows),
        "coverage": share(total["covered"], total["informative_answers"]),
        "informative_answers": total["informative_answers"],
        "placement": share(total["placed_right"], total["placement_pairs"]),
        "prose_share": share(total["prose"], total["shown"]),
        "shown": total["shown"],
        "questions_only": total["questions_only"],
        "clinician_only": total["clinician_only"],
        "routing_macro_f1": round(f1, 3) if f1 is not None else None,
        "unlabelled_routed_nowhere": share(total["unlabelled_nowhere"], total["unlabelled"]),
        "statements": total["statements"],
        "set_aside": total["set_aside"],
        "model_statements": total["model_statements"],
        "model_shown": total["model_shown"],
        "seconds_per_consultation": share(total["seconds"], len(rows)),
        "seconds_per_speech_minute": share(total["seconds"], total["minutes_of_speech"]),
        "over_budget_sections": total["over_budget_sections"],
    }


def print_summary(label: str, figures: dict) -> None:
    print(
        f"  {label:<22} cov {figures['coverage']}  ({figures['informative_answers']} answers)  "
        f"place {figures['placement']}  prose {figures['prose_share']} "
        f"({figures['shown']} shown)  q-only {figures['questions_only']}  "
        f"clin-only {figures['clinician_only']}  F1 {figures['routing_macro_f1']}  "
        f"nowhere {figures['unlabelled_routed_nowhere']}  set aside "
        f"{figures['set_aside']}/{figures['statements']}  "
        f"{figures['seconds_per_consultation']} s/consult "
        f"({figures['seconds_per_speech_minute']} s per speech min, "
        f"{figures['over_budget_sections']} sections over budget)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--engine", nargs="+", default=["extractive"], help="engines, each run in turn"
    )
    parser.add_argument("--model", help="packaged GGUF for llama-cpp (DRAFTING_MODEL)")
    parser.add_argument("--set", choices=("adult", "tnd", "all"), default="all")
    parser.add_argument("--split", choices=("tune", "held-out", "all"), default="all")
    parser.add_argument("--only", nargs="*", help="consultation names")
    parser.add_argument(
        "--budget", type=float, help="seconds per draft (default: DRAFTING_TIME_BUDGET_SECONDS)"
    )
    parser.add_argument("--json", type=Path)
    parser.add_argument(
        "--statements",
        type=Path,
        help="also write every shown model-written statement with the passages it cites "
        "(for checking them by hand; dev material only, never patient data)",
    )
    args = parser.parse_args()
    if args.model:
        os.environ["DRAFTING_MODEL"] = args.model
    setup_django()

    from django.conf import settings

    from drafting.drafter import draft
    from drafting.embeddings import get_embedder
    from drafting.llm import llm_or_fallback
    from drafting.utterances import from_transcript_json

    cases = (adult_cases() if args.set in ("adult", "all") else []) + (
        tnd_cases() if args.set in ("tnd", "all") else []
    )
    cases = [c for c in cases if args.split in ("all", c.split)]
    if args.only:
        cases = [c for c in cases if c.name in args.only]
    embedder = get_embedder()
    budget = args.budget if args.budget is not None else settings.DRAFTING_TIME_BUDGET_SECONDS
    report: dict = {"cpus": os.cpu_count(), "budget_seconds": budget, "engines": {}}
    written: list[dict] = []
    for engine in args.engine:
        llm, reason = (None, "") if engine == "extractive" else llm_or_fallback(engine)
        name = f"{engine} {llm.model_name}" if llm else "extractive"
        print(f"== {name} {reason}".rstrip())
        rows = []
        for case in cases:
            utterances = from_transcript_json(case.transcript, source="C1")
            embedder._cache.clear()  # a worker meets a consultation for the first time
            started = time.perf_counter()
            result = draft(
                utterances, case.grid, llm=llm, embedder=embedder, time_budget=budget or None
            )
            row = evaluate(case, result, utterances)
            said = {u.uid: u for u in utterances}
            written += [
                {
                    "engine": engine,
                    "consultation": case.name,
                    "split": case.split,
                    "section": f"{section.protocol}:{section.key}",
                    "item": statement.item_key,
                    "text": statement.text,
                    "verdict": statement.verdict.status,
                    "cites": [f"({said[uid].speaker}) {said[uid].text}" for uid in statement.cites],
                }
                for section in result.sections
                for statement in section.statements
                if statement.origin == "llm" and statement.shown
            ]
            row["wall_seconds"] = round(time.perf_counter() - started, 1)
            rows.append(row)
            print_summary(f"{case.dev_set}/{case.name}"[:22], summary([row]))
        groups = {
            f"{dev_set} {split}": [r for r in rows if r["set"] == dev_set and r["split"] == split]
            for dev_set in ("adult", "tnd")
            for split in ("tune", "held-out")
        }
        print("-- totals")
        engine_figures = {}
        for label, group in groups.items():
            if group:
                engine_figures[label] = summary(group)
                print_summary(label, engine_figures[label])
        report["engines"][name] = {
            "per_set": engine_figures,
            "consultations": [
                {k: v for k, v in r.items() if k not in ("gold", "predicted")} for r in rows
            ],
        }
    if args.json:
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if args.statements:
        args.statements.write_text(json.dumps(written, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
