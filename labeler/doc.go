// Package labeler turns a snapshot of the node's GPUs (package device) into
// the nvidia.com/* labels GPU Feature Discovery writes, byte for byte, plus
// gpuguard's own few (gpu.present and the gpuguard.io/ fact annotations),
// and keeps them on the Node.
//
// Each label family is a Labeler in a file of its own; Labels itself is a
// Labeler and Merge combines several. The package must not decide
// admission, and it reads NVML only through package device.
package labeler
