# ecs-mock in a container: a statically linked binary in an otherwise empty image.
#
#   docker build -t ecs-mock . && docker run -p 8080:8080 ecs-mock
#
# Without network access to a registry, build the binary on the host and hand it in as
# the `build` stage (scripts/image does this with podman; `docker buildx build` takes the
# same flag):
#
#   podman build --format docker --build-context build=DIR -t ecs-mock:local .
#
# where DIR/out/ecs-mock is the binary the `build` stage below would produce.

# ---- build: a static (glibc, crt-static) binary at /out/ecs-mock ----
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
# An explicit --target keeps RUSTFLAGS off build scripts and proc macros, which must stay
# dynamic; the target is the builder's own architecture.
RUN target="$(rustc -vV | sed -n 's/host: //p')" \
 && RUSTFLAGS="-C target-feature=+crt-static" \
    cargo build --release --locked --target "$target" --bin ecs-mock \
 && mkdir -p /out \
 && cp "target/$target/release/ecs-mock" /out/ecs-mock

# ---- runtime: the binary alone; no shell, no libc, no CA store (it serves plain http) ----
FROM scratch
COPY --from=build /out/ecs-mock /ecs-mock
USER 65532:65532
ENV ECS_MOCK_LISTEN=0.0.0.0:8080
EXPOSE 8080
# The binary is its own probe: GET /_mock/health on ECS_MOCK_LISTEN, exit 0 or 1.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/ecs-mock", "healthcheck"]
# Mount a fixture folder and name it:  -v ./my-fixtures:/fixtures:ro -e ECS_MOCK_FIXTURES=/fixtures
ENTRYPOINT ["/ecs-mock"]
