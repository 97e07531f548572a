# dealerd in a container.
#
#   docker build -t dealerd .
#   docker run --rm -p 7420:7420 -v dealer-data:/data dealerd
#
# Stage 1 builds a release dealerd (and dealerctl) with the official Swift 6.3
# image, the Swift runtime linked in statically; stage 2 is Debian slim with
# only the C libraries they load (protobuf-c, SQLite, libsodium; libstdc++ is
# part of the base image). No TLS is spoken, so no ca-certificates.

# ---- build ------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        libprotobuf-c-dev libsqlite3-dev libsodium-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Package.swift declares the test targets too, so Tests/ comes along (it is
# not built: `swift build` without --build-tests skips it).
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --static-swift-stdlib --product dealerd \
    && swift build -c release --static-swift-stdlib --product dealerctl \
    && mkdir -p /staging \
    && cp "$(swift build -c release --show-bin-path)/dealerd" /staging/ \
    && cp "$(swift build -c release --show-bin-path)/dealerctl" /staging/

# ---- runtime ----------------------------------------------------------------
FROM debian:bookworm-slim

RUN export DEBIAN_FRONTEND=noninteractive \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        libprotobuf-c1 libsqlite3-0 libsodium23 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin dealer \
    && mkdir -p /data \
    && chown dealer:dealer /data

COPY --from=build /staging/dealerd /staging/dealerctl /usr/local/bin/

USER dealer:dealer
WORKDIR /data
VOLUME ["/data"]
EXPOSE 7420

# SIGTERM (docker stop) drains connections and exits 0 within --shutdown-grace.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/dealerd", "--host", "0.0.0.0", "--port", "7420", "--db", "/data/dealer.sqlite"]
