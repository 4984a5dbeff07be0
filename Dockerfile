# syntax=docker/dockerfile:1
# The suite's image: the official odoo:18.0 image (Odoo's Ubuntu 24.04 package with the dependencies of
# its debian/control) plus what the four addons need, plus the addons themselves.
#   stage `runtime`: what docker-compose.yml's `odoo` service runs (and what to deploy);
#   stage `tests`:   runtime + a browser and the test-only packages, for the `tests` service.
# The package lists are files shared with scripts/check_debian_runtime.sh, which proves them on Debian 12
# without a Docker engine (CI runs it); TestDockerCompose (logistics_suite_e2e) checks that every
# external dependency of a manifest is in them.

FROM odoo:18.0 AS runtime
USER root
# Distribution packages first (docker/apt-runtime.txt); pip, pinned, only for what the
# distribution lacks (docker/pip-runtime.txt: pydifact).
COPY docker/apt-runtime.txt docker/pip-runtime.txt /tmp/suite-deps/
RUN set -eux; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        $(sed -e 's/#.*//' /tmp/suite-deps/apt-runtime.txt); \
    if grep -qv -e '^[[:space:]]*#' -e '^[[:space:]]*$' /tmp/suite-deps/pip-runtime.txt; then \
        pip3 install --no-cache-dir --break-system-packages --no-deps -r /tmp/suite-deps/pip-runtime.txt; \
    fi; \
    rm -rf /var/lib/apt/lists/* /tmp/suite-deps

# The addons (filtered by .dockerignore) at the path odoo.conf's addons_path names; docker-compose.yml
# mounts the working tree over it, a deployment runs the copy baked here.
COPY . /opt/logistics-suite
COPY odoo.conf /etc/odoo/odoo.conf
COPY docker/entrypoint.sh /usr/local/bin/suite-entrypoint
RUN chmod 0755 /usr/local/bin/suite-entrypoint
ENV ODOO_DB=logistics
EXPOSE 8069 8072
HEALTHCHECK --interval=30s --timeout=5s --start-period=15m --retries=3 \
    CMD curl -fsS http://127.0.0.1:8069/web/health || exit 1
USER odoo
# First start: installs the four addons with demo data; later starts: -u when a manifest version
# is newer than the database's; then Odoo (arguments of `docker run`/`command:` are passed on).
ENTRYPOINT ["/usr/local/bin/suite-entrypoint"]
CMD []

FROM runtime AS tests
USER root
ARG TARGETARCH
COPY docker/apt-tests.txt /tmp/suite-deps/
# Browser tours need Chrome. Ubuntu's `chromium` package is only a snap stub, which cannot run in a
# container, so Google's Chrome is installed from Google's signed apt repository (amd64 only).
RUN set -eux; \
    arch="${TARGETARCH:-$(dpkg --print-architecture)}"; \
    if [ "$arch" != amd64 ]; then \
        echo "The tests image needs amd64: Google ships Chrome for Linux on amd64 only" >&2; exit 1; \
    fi; \
    curl -fsSL https://dl.google.com/linux/linux_signing_key.pub \
        | gpg --dearmor -o /usr/share/keyrings/google-chrome.gpg; \
    echo "deb [arch=amd64 signed-by=/usr/share/keyrings/google-chrome.gpg] https://dl.google.com/linux/chrome/deb/ stable main" \
        > /etc/apt/sources.list.d/google-chrome.list; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        google-chrome-stable $(sed -e 's/#.*//' /tmp/suite-deps/apt-tests.txt); \
    google-chrome --version; \
    rm -rf /var/lib/apt/lists/* /tmp/suite-deps; \
    mkdir -p /var/lib/suite-tests; \
    chown odoo: /var/lib/suite-tests
# scripts/run_tests.py with the image's Odoo; its data and logs go to /var/lib/suite-tests (the
# `tests-var` volume), never into the repository docker-compose.yml mounts read-only.
ENV ODOO_SRC=/usr/lib/python3/dist-packages \
    ODOO_BIN=/usr/bin/odoo \
    DATA_DIR=/var/lib/suite-tests/data \
    LOG_DIR=/var/lib/suite-tests/log \
    PYTHONDONTWRITEBYTECODE=1
USER odoo
HEALTHCHECK NONE
ENTRYPOINT ["python3", "/opt/logistics-suite/scripts/run_tests.py"]
CMD []
