# syntax=docker/dockerfile:1
# percept's container image with `docker build`, for those who prefer it to
# scripts/image (which builds the same image with no container engine and
# is what CI tests). The Go toolchain cross-compiles on the build machine's
# own platform; the image is the static binary on an empty base, run as user
# 65532, `percept serve` listening on port 8080 of every interface:
#
#   docker buildx build --platform linux/amd64,linux/arm64,linux/arm/v7 \
#     --build-arg VERSION=$(git describe --tags --always --dirty) \
#     --build-arg REVISION=$(git rev-parse HEAD) -t percept .
#
# The binary itself reads its version and revision from the .git directory
# in the build context (see .dockerignore); VERSION and REVISION set only the
# labels, which a Dockerfile cannot take from the build.

ARG GO_VERSION=1.26
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
ARG TARGETOS TARGETARCH TARGETVARIANT
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH GOARM=${TARGETVARIANT#v} \
	go build -trimpath -buildvcs=auto -ldflags="-s -w" -o /out/percept ./cmd/percept

FROM scratch
ARG VERSION=devel
ARG REVISION=
COPY --from=build /out/percept /usr/local/bin/percept
ENV PATH=/usr/local/bin
USER 65532:65532
EXPOSE 8080
LABEL org.opencontainers.image.source=https://github.com/percept-robotics/percept \
	org.opencontainers.image.title=percept \
	org.opencontainers.image.licenses=Apache-2.0 \
	org.opencontainers.image.version=$VERSION \
	org.opencontainers.image.revision=$REVISION
ENTRYPOINT ["/usr/local/bin/percept", "serve", "-addr", ":8080"]
