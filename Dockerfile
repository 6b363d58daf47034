# rustreview on Debian 12 (bookworm):
#   docker build --build-arg RR_COMMIT=$(git rev-parse --short=12 HEAD) -t rustreview .
# The build context has no .git (.dockerignore): RR_COMMIT names the commit for
# --version, GET /version and rustreview_build_info (else "unknown").
# tests/e2e/test_deploy.py checks this file in `make test`: every package name
# exists in bookworm, and the runtime packages provide every library the binary
# links (readelf -d).
FROM debian:12 AS build
WORKDIR /src
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends make ca-certificates
# Dependencies first, so editing the code does not reinstall them.
COPY scripts/deps.sh scripts/deps.sh
RUN sh scripts/deps.sh build
COPY . .
ARG RR_COMMIT=
RUN RR_COMMIT="$RR_COMMIT" make -j"$(nproc)" BUILD=build build/rustreview build/rustreview-service

FROM debian:12-slim
# The libraries the binary links, one package each: libmicrohttpd12, libcurl4,
# libjansson4, libgit2-1.5, libssl3 (libssl and libcrypto), libsqlite3-0,
# libtree-sitter0; libc6 is in the base image. ca-certificates: TLS to the forges.
# libpq5 is installed ahead of the PostgreSQL queue backend (RUSTREVIEW_DATABASE_URL
# postgres://..., being added): the binary links it once that lands.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      libmicrohttpd12 libcurl4 libjansson4 libgit2-1.5 libssl3 libsqlite3-0 libtree-sitter0 \
      ca-certificates libpq5 \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --system --uid 10001 --user-group --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin rustreview \
    && install -d -o rustreview -g rustreview -m 0700 /data
COPY --from=build /src/build/rustreview /usr/local/bin/rustreview
# serve, jobs and healthcheck run in rustreview-service (README, Performance).
COPY --from=build /src/build/rustreview-service /usr/local/bin/rustreview-service
# Numeric, so Kubernetes' runAsNonRoot can check it.
USER 10001:10001
ENV RUSTREVIEW_LISTEN=0.0.0.0:8080 RUSTREVIEW_DATA_DIR=/data
# Mirrors and the SQLite queue: keep them across restarts.
VOLUME ["/data"]
EXPOSE 8080
# GET /healthz on RUSTREVIEW_LISTEN, without curl (not in the slim image).
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/rustreview", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/rustreview"]
CMD ["serve"]
