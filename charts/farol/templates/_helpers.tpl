{{/* Labels on every object. */}}
{{- define "farol.labels" -}}
app.kubernetes.io/name: farol
app.kubernetes.io/part-of: farol
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}

{{/*
Selector labels of one component, the same as config/ uses (without the
release name), so that kustomize and Helm installs select the same pods.
Call with (list $ "controller").
*/}}
{{- define "farol.selectorLabels" -}}
app.kubernetes.io/name: farol
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{/* All labels of one component: (list $ "controller"). */}}
{{- define "farol.componentLabels" -}}
{{ include "farol.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "farol.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "farol.memberlistSecret" -}}
{{ .Values.memberlist.existingSecret | default "farol-memberlist" }}
{{- end }}

{{/* Whether any announcement mode runs, and so the speaker. */}}
{{- define "farol.speakerEnabled" -}}
{{- if .Values.l2.enabled }}true{{ end }}
{{- end }}

{{/*
The objects of one generated file in files/ (a copy of config/ made by
make generate: hack/chart-files.sh), each with the chart's labels, its
namespace (if it has one) moved to the release namespace, and extra
annotations. Call with (dict "ctx" $ "file" "files/..." "annotations" (dict)),
or with "content" instead of "file" for a file's text changed by the caller.
*/}}
{{- define "farol.generated" -}}
{{- $ctx := .ctx }}
{{- $annotations := .annotations | default dict }}
{{- $text := .content }}
{{- if not $text }}
{{- $text = $ctx.Files.Get .file }}
{{- end }}
{{- range $doc := regexSplit "(?m)^---\\s*$" $text -1 }}
{{- $obj := fromYaml $doc }}
{{- if $obj }}
{{- $meta := $obj.metadata }}
{{- $_ := set $meta "labels" (merge (fromYaml (include "farol.labels" $ctx)) ($meta.labels | default dict)) }}
{{- if $annotations }}
{{- $_ := set $meta "annotations" (merge $annotations ($meta.annotations | default dict)) }}
{{- end }}
{{- if hasKey $meta "namespace" }}
{{- $_ := set $meta "namespace" $ctx.Release.Namespace }}
{{- end }}
---
{{ toYaml $obj }}
{{- end }}
{{- end }}
{{- end }}
