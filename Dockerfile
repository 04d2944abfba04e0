# The Lotse image: the API (`lotse serve`, the default) and the projection worker (`lotse worker`).
FROM python:3.11-slim
WORKDIR /srv/lotse
COPY pyproject.toml README.md ./
COPY domain domain
COPY application application
COPY infrastructure infrastructure
COPY api api
RUN pip install --no-cache-dir .
ENV LOTSE_DATA_DIR=/var/lib/lotse
EXPOSE 8000
CMD ["lotse", "serve", "--host", "0.0.0.0", "--port", "8000"]
