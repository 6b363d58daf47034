# Build and run rustreview on Debian 12.
FROM debian:12 AS build
WORKDIR /src
COPY . .
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends make && \
    sh scripts/deps.sh && make BUILD=build build/rustreview

FROM debian:12-slim
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends \
      libmicrohttpd12 libcurl4 libjansson4 libgit2-1.5 libssl3 libsqlite3-0 libtree-sitter0 libpq5 \
      ca-certificates && rm -rf /var/lib/apt/lists/* && \
    useradd --system --uid 10001 --home /data rustreview && mkdir /data && chown rustreview /data
COPY --from=build /src/build/rustreview /usr/local/bin/rustreview
USER rustreview
ENV RUSTREVIEW_LISTEN=0.0.0.0:8080 RUSTREVIEW_DATA_DIR=/data
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/rustreview"]
CMD ["serve"]
