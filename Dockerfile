# syntax=docker/dockerfile:1
# The two gpuguard images, from one Dockerfile. With a registry:
#   docker build --target webhook -t gpuguard/webhook:0.1.0 .
#   docker build --target labeler -t gpuguard/labeler:0.1.0 .
# Without one, `make image` builds the same final stages from binaries and a
# glibc layer made on the host (ROOTFS=prebuilt; see README "Container images").
#
# Both images hold only their binary (the labeler also the glibc libraries it
# and NVML need), run as the numeric non-root user 65532 and have no shell.
ARG GO_IMAGE=docker.io/library/golang:1.26-bookworm
# Final bases: empty by default; any base works (e.g.
# gcr.io/distroless/static-debian12:nonroot), the files are added on top.
ARG WEBHOOK_BASE=scratch
ARG LABELER_BASE=scratch
# Where the root filesystems come from: "build" (compiled here) or
# "prebuilt" (build/images/rootfs.sh output in the build context's rootfs/).
ARG ROOTFS=build

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The webhook is pure Go and static. The labeler loads libnvidia-ml.so.1 at
# run time through cgo (go-nvml), so it links glibc dynamically.
RUN CGO_ENABLED=0 go build -trimpath -ldflags=-s -o /bin-out/gpuguard-webhook ./cmd/gpuguard-webhook \
 && CGO_ENABLED=1 CGO_CFLAGS=-Wno-deprecated-declarations go build -trimpath -ldflags=-s \
      -o /bin-out/gpuguard-labeler ./cmd/gpuguard-labeler \
 && build/images/rootfs.sh / /bin-out /rootfs

FROM scratch AS prebuilt
COPY rootfs/ /rootfs/

FROM ${ROOTFS} AS rootfs

FROM ${WEBHOOK_BASE} AS webhook
COPY --from=rootfs /rootfs/webhook/ /
USER 65532:65532
ENTRYPOINT ["/gpuguard-webhook"]

FROM ${LABELER_BASE} AS labeler
COPY --from=rootfs /rootfs/labeler/ /
USER 65532:65532
ENTRYPOINT ["/gpuguard-labeler"]
