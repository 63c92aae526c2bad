"""Benchmark of the final PDF: how long WeasyPrint takes to render a long report with its
care plan, against a one-page report rendered in the same run.

It builds, in a throwaway SQLite database (migrated in a temporary folder), a dossier on
the shipped protocols (bilan TND and the TSA evaluation grid, with their items), a report
whose sections are filled with synthetic French paragraphs until the document is about
``--pages`` long, signed, and its care plan with rows of every kind, signed; and a one-page
reference report (one short section). Both go through ``documents.pdf.report_pdf_render``,
the function the rendering task calls (template, selectors, WeasyPrint, PDF/A).

Run from the repository root::

    .venv/bin/python bench/pdf.py [--pages 30] [--repeat 3] [--json OUT] [--output PDF]

It prints figures only; nothing is written outside the temporary folder but ``--json``'s
figures and ``--output``'s PDF (synthetic data only).
"""

import argparse
import json
import os
import platform
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))

TEXT = (
    "l'enfant joue avec ses pairs à la crèche et montre un intérêt marqué pour les objets "
    "qui tournent ; les parents rapportent des réveils nocturnes fréquents, une sélectivité "
    "alimentaire et des colères lors des transitions ; le langage expressif reste limité à "
    "quelques mots isolés tandis que la compréhension des consignes simples en contexte est "
    "préservée ; l'observation retrouve peu de pointage proto-déclaratif et une attention "
    "conjointe fluctuante ; la motricité globale est harmonieuse"
)
WORDS = TEXT.split()

REFERENCE_PROTOCOL = """
format: neddie-protocol/1
slug: bench-reference
title: Compte rendu court (référence du banc)
scope: report
version:
  source_status: synthesis
  sources: [Banc d'essai]
  sections:
    - key: conclusion
      title: Conclusion
      guidance: Diagnostic retenu et recommandations.
"""


def setup_django(folder: Path) -> None:
    os.environ["NEDDIE_DATA_DIR"] = str(folder)
    os.environ["DATABASE_URL"] = f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "neddie.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def paragraph(rng: random.Random, sentences: int = 5) -> str:
    out = []
    for _ in range(sentences):
        words = rng.sample(WORDS, rng.randint(14, 26))
        out.append(" ".join(words).capitalize() + ".")
    return " ".join(out)


def sign(report, user):
    from django.utils import timezone

    from reports.models import Report
    from reports.review.services import content_sha256

    Report.objects.filter(pk=report.pk).update(
        status=Report.Status.SIGNED,
        signed_by=user,
        signed_at=timezone.now(),
        signed_sha256=content_sha256(report),
    )
    report.refresh_from_db()
    return report


def build_long(user, protocols, paragraphs: int, rng: random.Random):
    """A signed report whose sections hold ``paragraphs`` paragraphs each, and its signed
    care plan with a few rows of every kind."""
    import datetime

    from django.utils import timezone

    from care_plans.models import CarePlan, CarePlanEntry
    from care_plans.services import care_plan_start
    from dossiers import services
    from reports.models import ReportItem
    from reports.services import report_draft_ensure

    dossier = services.dossier_create(
        initials="BC",
        birth_date=datetime.date(2022, 1, 10),
        sex="F",
        protocols=protocols,
        created_by=user,
    )
    for day in (3, 10, 17):
        services.consultation_create(
            dossier=dossier,
            date=datetime.date(2026, 10, day),
            modality="teleconsultation",
            participants="pédopsychiatre, mère, père",
            recording_consent=True,
            consent_given_by="mère",
            created_by=user,
        )
    report = report_draft_ensure(dossier=dossier)
    for section in report.sections.all():
        section.body = "\n\n".join(paragraph(rng) for _ in range(paragraphs))
        section.save(update_fields=["body"])
    for item in ReportItem.objects.filter(section__report=report):
        item.answer = rng.choice(["oui", "non", "non_evalue", "à 18 mois"])
        item.note = paragraph(rng, 1) if rng.random() < 0.3 else ""
        item.save(update_fields=["answer", "note"])
    report = sign(report, user)

    plan = care_plan_start(report=report, user=user, enqueue=False)
    kinds = {
        "plan-besoins": dict(kind="need", priority=1, domain="communication"),
        "plan-objectifs": dict(
            kind="goal",
            domain="social",
            criterion="Atteint 4 fois sur 5",
            target_date=datetime.date(2027, 6, 30),
        ),
        "plan-interventions": dict(
            kind="intervention",
            intervention_type="orthophonie",
            professional="Cabinet libéral",
            frequency="2 séances par semaine",
            duration="6 mois",
            place="cabinet",
            funding="conventionne",
        ),
        "plan-scolarite": dict(kind="school", school_measure="pps"),
        "plan-demarches": dict(
            kind="step", professional="assistante sociale", target_date=datetime.date(2027, 1, 5)
        ),
        "plan-bilans": dict(
            kind="assessment", professional="CHU", target_date=datetime.date(2027, 2, 1)
        ),
        "plan-suivi": dict(kind="follow_up", target_date=datetime.date(2027, 9, 1)),
    }
    for section in plan.sections.all():
        section.body = paragraph(rng, 3)
        section.save(update_fields=["body"])
        fields = kinds.get(section.key)
        for position in range(4 if fields else 0):
            CarePlanEntry.objects.create(
                section=section, position=position, text=paragraph(rng, 1), **fields
            )
    CarePlan.objects.filter(pk=plan.pk).update(
        status="signed",
        coordinator=user,
        participants="mère, père, pédopsychiatre",
        signed_by=user,
        signed_at=timezone.now(),
        signed_sha256="0" * 64,
    )
    plan.refresh_from_db()
    return report, plan


def build_reference(user):
    from dossiers import services
    from protocols.services import protocol_import
    from reports.services import report_draft_ensure

    protocol = protocol_import(content=REFERENCE_PROTOCOL, publish=True).version.protocol
    dossier = services.dossier_create(
        initials="RF", birth_date=None, sex="M", protocols=[protocol], created_by=user
    )
    report = report_draft_ensure(dossier=dossier)
    report.sections.update(body="Bilan sans particularité ; pas de suivi spécialisé à prévoir.")
    return sign(report, user)


def timed(render, repeat: int) -> tuple[float, list[float], int]:
    """(median seconds, every run, pages)."""
    runs, pages = [], 0
    for _ in range(repeat):
        started = time.perf_counter()
        pages = render().pages
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), runs, pages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30, help="target length (about)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--output", type=Path, help="also write the long PDF there, to look at")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="neddie-bench-pdf-") as folder:
        started = time.perf_counter()
        setup_django(Path(folder))
        from django.contrib.auth import get_user_model

        from documents.pdf import report_html, report_pdf_render
        from dossiers import services
        from protocols.models import Protocol
        from protocols.services import protocols_load_defaults

        protocols_load_defaults()
        user = get_user_model().objects.create_user(
            username="bench", first_name="Claire", last_name="Banc"
        )
        services.clinician_grant(user=user)  # she opens the bench's dossiers
        protocols = [Protocol.objects.get(slug=s) for s in ("bilan-tnd", "evaluation-tsa")]
        print(f"setup (migrate, protocols): {time.perf_counter() - started:.1f} s")

        reference = build_reference(user)
        rng = random.Random(7)  # noqa: S311 (synthetic text, the same every run)
        # About a page per 3 paragraphs over the bilan's sections: grow until long enough.
        paragraphs = 1
        while True:
            report, plan = build_long(user, protocols, paragraphs, rng)
            pages = report_pdf_render(report, care_plan=plan).pages
            if pages >= args.pages or paragraphs > 40:
                break
            paragraphs = max(paragraphs + 1, round(paragraphs * args.pages / pages))

        # Warm-up (fonts, CSS parsing, template loading), then the measured runs.
        report_pdf_render(reference)
        ref_median, ref_runs, ref_pages = timed(lambda: report_pdf_render(reference), args.repeat)
        long_median, long_runs, long_pages = timed(
            lambda: report_pdf_render(report, care_plan=plan), args.repeat
        )
        html_started = time.perf_counter()
        html = report_html(report, care_plan=plan)
        html_seconds = time.perf_counter() - html_started

        figures = {
            "machine": f"{os.cpu_count()} CPU, {platform.machine()}, "
            f"Python {platform.python_version()}",
            "reference": {"pages": ref_pages, "seconds": ref_median, "runs": ref_runs},
            "long": {
                "pages": long_pages,
                "seconds": long_median,
                "runs": long_runs,
                "seconds_per_page": long_median / long_pages,
                "html_seconds": html_seconds,
                "html_kib": len(html.encode()) / 1024,
                "paragraphs_per_section": paragraphs,
            },
            "ratio": long_median / ref_median,
            "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }
        print(f"machine: {figures['machine']}")
        print(
            f"reference: {ref_pages} page(s), {ref_median:.2f} s "
            f"(median of {args.repeat}: {', '.join(f'{r:.2f}' for r in ref_runs)})"
        )
        print(
            f"report + care plan: {long_pages} pages, {long_median:.2f} s "
            f"(median of {args.repeat}: {', '.join(f'{r:.2f}' for r in long_runs)}), "
            f"{long_median / long_pages * 1000:.0f} ms/page; of which template and "
            f"queries {html_seconds:.2f} s ({len(html.encode()) / 1024:.0f} KiB of HTML)"
        )
        print(f"ratio long / reference: {figures['ratio']:.1f}")
        print(f"peak RSS: {figures['peak_rss_mib']:.0f} MiB")
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
        if args.output:
            args.output.write_bytes(report_pdf_render(report, care_plan=plan).content)


if __name__ == "__main__":
    main()
