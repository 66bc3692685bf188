{{- /* Generated from config/vocab (CELJudgedLabel); do not edit. After changing the vocabulary run: GPUGUARD_UPDATE=1 go test ./test/chart -run TestJudgedLabelTemplate */ -}}
{{- define "gpuguard.judgedLabel" -}}
(k.startsWith('nvidia.com/cuda.') || k.startsWith('nvidia.com/gpu.') || k.startsWith('nvidia.com/mig-') || k == 'nvidia.com/gfd.timestamp' || k == 'nvidia.com/mig.capable' || k == 'nvidia.com/mig.config' || k == 'nvidia.com/mig.strategy' || k == 'nvidia.com/mps.capable' || k == 'nvidia.com/vgpu.present')
{{- end }}
