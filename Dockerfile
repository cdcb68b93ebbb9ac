# syntax=docker/dockerfile:1
# Build: docker build -t leergemeenschap .   Run: see docker-compose.yml.

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# SQLite is compiled in (libsqlite3-sys "bundled"); PostgreSQL support links libpq.
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
COPY Cargo.toml Cargo.lock build.rs ./
# Compile-time options of the bundled SQLite.
COPY .cargo .cargo
COPY src src
COPY migrations migrations
RUN cargo build --release --locked && strip target/release/leergemeenschap

FROM debian:bookworm-slim AS runtime
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --no-create-home app \
    && mkdir /data && chown app:app /data
COPY --from=build /src/target/release/leergemeenschap /usr/local/bin/leergemeenschap
USER app
WORKDIR /data
ENV LG_BIND=0.0.0.0:8080 \
    LG_DATABASE_URL=sqlite:///data/leergemeenschap.db \
    LG_LOG=info
VOLUME ["/data"]
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=5s --start-period=10s --retries=3 \
    CMD ["leergemeenschap", "healthcheck"]
ENTRYPOINT ["leergemeenschap"]
CMD ["serve"]
