#!/usr/bin/env bash
# Serve neddie locally: a Celery worker in the background, gunicorn in the foreground.
# Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}

# --beat: the periodic jobs (retention of recordings, follow-up reminders) run in this
# worker; their schedule file is CELERY_BEAT_SCHEDULE_FILENAME (var/celerybeat-schedule).
.venv/bin/celery -A neddie worker --queues default,transcription,drafting --concurrency 1 \
  --beat --loglevel INFO &
worker=$!
trap 'kill "$worker" 2>/dev/null || true; wait "$worker" 2>/dev/null || true' EXIT INT TERM

cat <<MSG

  neddie est prêt : http://$HOST:$PORT
  Connectez-vous avec un des comptes de démonstration ci-dessus
  (ils sont aussi dans var/demo-accounts.json). Ctrl-C pour arrêter.

MSG
.venv/bin/gunicorn neddie.wsgi --bind "$HOST:$PORT" --workers 2 --timeout 180 \
  --access-logfile -
