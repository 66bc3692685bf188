{{- define "gpuguard.labels" -}}
app.kubernetes.io/name: gpuguard
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- /* <registry/>repository:tag, the tag defaulting to the appVersion (make image's tag). */}}
{{- define "gpuguard.image" -}}
{{- $repo := .image.repository -}}
{{- with .root.Values.image.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}{{ end -}}
{{- printf "%s:%s" $repo (.image.tag | default .root.Chart.AppVersion) -}}
{{- end }}

{{- define "gpuguard.webhookName" -}}{{ .Release.Name }}-webhook{{- end }}
{{- define "gpuguard.labelerName" -}}{{ .Release.Name }}-labeler{{- end }}
{{- define "gpuguard.tlsSecret" -}}{{ .Release.Name }}-webhook-tls{{- end }}

{{- define "gpuguard.clientConfig" -}}
service:
  namespace: {{ .root.Release.Namespace }}
  name: {{ include "gpuguard.webhookName" .root }}
  path: {{ .path }}
  port: 443
{{- end }}

{{- define "gpuguard.namespaceSelector" -}}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values: {{ concat .Values.webhook.excludedNamespaces (list .Release.Namespace) | uniq | toJson }}
{{- end }}

{{- /* Only pods that use an nvidia.com/ resource in a non-zero quantity reach
the pod webhooks. The API server hands matchConditions its own serialization,
where a zero quantity is always "0" (also when written 0m or 0Gi). */}}
{{- define "gpuguard.gpuPodCondition" -}}
matchConditions:
  - name: requests-an-nvidia-resource
    expression: >-
      object.spec.containers.exists(c, has(c.resources) &&
        ((has(c.resources.limits) && c.resources.limits.exists(r, r.startsWith('nvidia.com/') && c.resources.limits[r] != '0')) ||
         (has(c.resources.requests) && c.resources.requests.exists(r, r.startsWith('nvidia.com/') && c.resources.requests[r] != '0')))) ||
      (has(object.spec.initContainers) && object.spec.initContainers.exists(c, has(c.resources) &&
        ((has(c.resources.limits) && c.resources.limits.exists(r, r.startsWith('nvidia.com/') && c.resources.limits[r] != '0')) ||
         (has(c.resources.requests) && c.resources.requests.exists(r, r.startsWith('nvidia.com/') && c.resources.requests[r] != '0')))))
{{- end }}

{{- define "gpuguard.certAnnotations" -}}
{{- if .Values.certManager.enabled }}
annotations:
  cert-manager.io/inject-ca-from: {{ .Release.Namespace }}/{{ include "gpuguard.webhookName" . }}
{{- end }}
{{- end }}

{{- define "gpuguard.restricted" -}}
securityContext:
  runAsNonRoot: true
  runAsUser: 65532
  runAsGroup: 65532
  allowPrivilegeEscalation: false
  readOnlyRootFilesystem: true
  capabilities: {drop: [ALL]}
  seccompProfile: {type: RuntimeDefault}
{{- end }}
