// Package images tests the container images that `make image` builds, under
// podman: what files each image holds, that the webhook image serves
// /readyz against a real API server as UID 65532 with a read-only root
// filesystem, and that the labeler image labels and loads NVML.
//
// Its tests carry the build tag "images" and run only through
// `make image-test`: `make test` must not need podman or built images. The
// image names come from the Makefile (WEBHOOK_IMAGE, LABELER_IMAGE), the
// binaries that went into them from IMAGES_BIN.
package images
