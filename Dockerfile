# syntax=docker/dockerfile:1
# Two images from one Dockerfile:
#   docker build --target webhook -t gpuguard-webhook .
#   docker build --target labeler -t gpuguard-labeler .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# The webhook is pure Go: static, runs on a distroless static base.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/gpuguard-webhook ./cmd/gpuguard-webhook
# The labeler loads libnvidia-ml.so at run time through cgo (go-nvml), so it
# needs glibc; the driver's library is mounted by the NVIDIA runtime class.
RUN CGO_ENABLED=1 CGO_CFLAGS=-Wno-deprecated-declarations go build -trimpath -ldflags="-s -w" -o /out/gpuguard-labeler ./cmd/gpuguard-labeler

FROM gcr.io/distroless/static-debian12:nonroot AS webhook
COPY --from=build /out/gpuguard-webhook /gpuguard-webhook
USER 65532:65532
ENTRYPOINT ["/gpuguard-webhook"]

FROM gcr.io/distroless/base-debian12:nonroot AS labeler
COPY --from=build /out/gpuguard-labeler /gpuguard-labeler
USER 65532:65532
ENTRYPOINT ["/gpuguard-labeler"]
