# The wheel is built first (its build hook compiles the catalogues), then installed alone into
# a slim image: the image runs what `pip install` of the release gives, nothing from the checkout.
FROM python:3.12-slim AS build
WORKDIR /src
COPY . .
RUN pip wheel --no-deps --wheel-dir /dist .

FROM python:3.12-slim
# WeasyPrint's libraries and a font, for the completion records as PDF.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
        libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /dist/ /tmp/dist/
RUN python -m venv /opt/lms/venv \
    && /opt/lms/venv/bin/pip install --no-cache-dir /tmp/dist/*.whl \
    && rm -rf /tmp/dist
COPY gunicorn.conf.py /etc/lms/gunicorn.conf.py
RUN useradd --system --create-home --home-dir /var/lib/lms lms
USER lms
WORKDIR /var/lib/lms
ENV PATH=/opt/lms/venv/bin:$PATH LMS_ENV=production LMS_INSTANCE_PATH=/var/lib/lms PORT=8000
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"]
CMD ["gunicorn", "--config", "/etc/lms/gunicorn.conf.py", "lms.wsgi:app"]
