# golive's image: the `golive` command, its notebooks, a Python kernel, hadolint and git,
# to review a service from CI or a laptop with the service's repository mounted:
#
#   docker run --rm -v "$PWD:/review" ghcr.io/<owner>/golive:<version> \
#       run parameters/<service>.yaml --out reports
#
# Not in it: the demo stack's Prometheus, Alertmanager and blackbox exporter (`golive demo`
# and `./dev test` run on a Debian host, see the README). The container runs as an
# unprivileged user (uid 10001): the mounted folder must be writable by it for --out.
FROM python:3.11.13-slim-bookworm

LABEL org.opencontainers.image.title="golive" \
      org.opencontainers.image.description="A living runbook for production go-live reviews" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

# git: the secret scan lists a repository the way git does (tracked and untracked files,
# not ignored ones); a mounted repository belongs to another uid, hence safe.directory.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git=1:2.39.5-0+deb12u3 \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*' \
    && groupadd --system --gid 10001 golive \
    && useradd --system --uid 10001 --gid golive --create-home --home-dir /home/golive \
       --shell /usr/sbin/nologin golive

# Installed as a package: the notebooks go to <prefix>/share/golive/notebooks (pyproject's
# data-files), where an installed golive finds them. With Locust (the [locust] extra), so
# capacity.live can run a live load test from the image.
WORKDIR /opt/golive
COPY pyproject.toml README.md ./
COPY golive_lib/ ./golive_lib/
COPY notebooks/ ./notebooks/
RUN pip install --no-cache-dir './[locust]' \
    && python -c "import golive_lib.cli, papermill, nbconvert, ipykernel" \
    && hadolint --version \
    && golive version

USER 10001:10001
WORKDIR /review

# A command that runs to completion: there is no server to probe.
HEALTHCHECK NONE

ENTRYPOINT ["golive"]
CMD ["--help"]
