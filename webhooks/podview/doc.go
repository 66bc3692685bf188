// Package podview decodes, from the raw JSON of a Pod or a DaemonSet, only
// the parts that gpuguard's pod and DaemonSet decisions read: the pod's
// annotations or the DaemonSet's labels, and of the pod spec the runtime
// class, affinity, tolerations and each container's resources (pods) or env
// (DaemonSets). The
// rest (commands, volumes, probes, status, managed fields) is skipped
// unread. A document outside the API server's plain shape is decoded in
// full with encoding/json, so errors read as they always did. It must not
// make decisions.
package podview
