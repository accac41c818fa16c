# growthlens container image (make image; docs/operations.md#container-image).
# Three stages: the /docs renderer fetched from the npm registry (make docs-assets), the
# binary built with the Go toolchain (cgo: golearn), and a slim runtime that runs it as an
# unprivileged user. The image serves on :8080 of the container; the store and the tenants'
# data live in the volume /var/lib/growthlens.

FROM node:22-bookworm-slim AS docs
RUN apt-get update && apt-get install -y --no-install-recommends make && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Makefile ./
COPY serve/apidocs/assets/README.txt serve/apidocs/assets/
RUN make docs-assets

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
COPY --from=docs /src/serve/apidocs/assets/ serve/apidocs/assets/
# The code version the binary reports (growthlens version, /healthz, run records): make image
# passes git's, since .git is not sent to the build.
ARG VERSION=unknown
ARG REVISION=unknown
RUN make build VERSION=$VERSION REVISION=$REVISION && bin/growthlens version

FROM debian:bookworm-slim
# ca-certificates: webhooks and e-mail delivery over TLS.
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /var/lib/growthlens --create-home growthlens
COPY --from=build /src/bin/growthlens /usr/local/bin/growthlens
USER 10001:10001
WORKDIR /var/lib/growthlens
VOLUME /var/lib/growthlens
ENV GROWTHLENS_STORE=/var/lib/growthlens/store \
    GROWTHLENS_DATA_ROOT=/var/lib/growthlens/tenants
EXPOSE 8080
ENTRYPOINT ["growthlens"]
# Inside a container the loopback default would be unreachable: listen on every interface of
# the container, and publish the port as narrowly as the host needs (-p 127.0.0.1:8080:8080).
CMD ["serve", "--addr", ":8080"]
