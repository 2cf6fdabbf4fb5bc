{{/* Chart name, overridable. */}}
{{- define "token-chaos.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Release-scoped prefix of every resource name; short enough for the component suffixes. */}}
{{- define "token-chaos.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "token-chaos.operator.fullname" -}}
{{- printf "%s-operator" (include "token-chaos.fullname" .) -}}
{{- end -}}

{{- define "token-chaos.authz.fullname" -}}
{{- printf "%s-authz" (include "token-chaos.fullname" .) -}}
{{- end -}}

{{/* Names fixed by the contract between operator, authz-servers and the halt command. */}}
{{- define "token-chaos.planConfigMap" -}}token-chaos-plan{{- end -}}
{{- define "token-chaos.haltConfigMap" -}}token-chaos-halt{{- end -}}
{{- define "token-chaos.leaseName" -}}token-chaos-operator{{- end -}}

{{- define "token-chaos.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "token-chaos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: token-chaos
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{- define "token-chaos.selectorLabels" -}}
app.kubernetes.io/name: {{ include "token-chaos.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "token-chaos.operator.selectorLabels" -}}
{{ include "token-chaos.selectorLabels" . }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "token-chaos.authz.selectorLabels" -}}
{{ include "token-chaos.selectorLabels" . }}
app.kubernetes.io/component: authz-server
{{- end -}}

{{- define "token-chaos.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (include "token-chaos.operator.fullname" .) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- required "operator.serviceAccount.name is required when operator.serviceAccount.create is false" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "token-chaos.authz.serviceAccountName" -}}
{{- if .Values.authz.serviceAccount.create -}}
{{- default (include "token-chaos.authz.fullname" .) .Values.authz.serviceAccount.name -}}
{{- else -}}
{{- required "authz.serviceAccount.name is required when authz.serviceAccount.create is false" .Values.authz.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* Image reference for a component: (dict "root" $ "component" .Values.operator.image).
A component that names its own repository does not inherit the global digest. */}}
{{- define "token-chaos.image" -}}
{{- $repo := default .root.Values.image.repository .component.repository -}}
{{- $tag := default (default .root.Chart.AppVersion .root.Values.image.tag) .component.tag -}}
{{- $digest := .component.digest -}}
{{- if and (not $digest) (not .component.repository) -}}
{{- $digest = .root.Values.image.digest -}}
{{- end -}}
{{- if $digest -}}
{{- printf "%s@%s" $repo $digest -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/*
Topology spread constraints with the pod's selector filled in where the user left it out:
(dict "constraints" list "selector" (include ... | fromYaml))
*/}}
{{- define "token-chaos.topologySpread" -}}
{{- range .constraints }}
{{- $c := deepCopy . }}
{{- if not (hasKey $c "labelSelector") }}
{{- $_ := set $c "labelSelector" (dict "matchLabels" $.selector) }}
{{- end }}
- {{ toYaml $c | nindent 2 | trim }}
{{- end }}
{{- end -}}

{{/* Whether the central authz-server Deployment and Service are rendered. */}}
{{- define "token-chaos.authz.central" -}}
{{- if and .Values.authz.enabled (eq .Values.authz.mode "central") -}}true{{- end -}}
{{- end -}}
