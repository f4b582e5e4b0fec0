# syntax=docker/dockerfile:1
# mfa-contract in a container: the mock by default, listening on 0.0.0.0:4010 inside it. Beyond
# loopback its admin API needs a token: set MFA_CONTRACT_ADMIN_TOKEN, or read the generated one
# from `docker logs`.
#   docker build -t mfa-contract .
#   docker run --rm -p 4010:4010 -e MFA_CONTRACT_ADMIN_TOKEN mfa-contract
#   docker run --rm mfa-contract check --target https://staging.example.com
# The release workflow builds it on a runner of each CPU, probes it with one POST, then pushes it
# (.github/workflows/publish-image.yml).

# Build: on Alpine the native target is musl, so the binary comes out static.
FROM rust:1.95-alpine3.22 AS build
# Build stage only; nothing installed here reaches the image.
# hadolint ignore=DL3018
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --locked --profile dist --bin mfa-contract \
    && cp target/dist/mfa-contract /mfa-contract

# Run: the binary alone on distroless/static (CA certificates for https upstreams and targets,
# no shell, no package manager), as the unprivileged user that image provides (nonroot, 65532;
# numeric, so Kubernetes can check runAsNonRoot).
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /mfa-contract /usr/local/bin/mfa-contract
USER 65532:65532
# Inside a container loopback is unreachable from outside; the mock warns that it is exposed and
# guards its admin API with a token.
ENV MFA_CONTRACT_HOST=0.0.0.0
EXPOSE 4010
ENTRYPOINT ["/usr/local/bin/mfa-contract"]
CMD ["mock", "--port", "4010"]
