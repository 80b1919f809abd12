{{/* Names and labels. Every object is <release>-<component>. */}}
{{- define "casework.name" -}}{{ printf "%s-%s" .root.Release.Name .component | trunc 63 | trimSuffix "-" }}{{- end }}

{{- define "casework.selectorLabels" -}}
app.kubernetes.io/name: casework
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "casework.labels" -}}
{{ include "casework.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end }}

{{- define "casework.image" -}}
{{ printf "%s/%s:%s" .root.Values.image.registry .image (default .root.Chart.AppVersion .root.Values.image.tag) }}
{{- end }}

{{/*
The flows the design allows (docs/design.md#services), and nothing else: what each component reaches (dependencies by
name, other components by protocol: http on 8080, grpc on the callee's grpcPort) and who may reach
it; `account`: it calls others on its own behalf, with the services client's secret; `migrations`:
it has Alembic revisions, applied by the hook Job in migrations.yaml. NetworkPolicies
and env are built from this. Search serves gRPC for future callers; until one is listed here, its
gRPC port is closed by the default deny. OCR's freshclam init container reaches only the ClamAV
signature mirror (ocr.clamav.mirror), never the internet. The bundle workers (bundle-worker) read and
write object storage and their own schema, and reach no other service. The mailroom (intake-mailroom)
works in intake's schema (`schema`), takes mail on its SMTP/LMTP port from the configured peers only
(`smtp`: services.intake.mailroom.peers), sends receipts through the SMTP relay, polls IMAP only when a
mailbox is set, and publishes no events itself (the API's outbox relay does). Organising (recruitment
weeks) is called by the portal, and by workflow for subject access only (a member's target-list entries
and conversations), reads the directory from Keycloak's admin API with the services client (`account`),
and reaches notify through its topic on Kafka only, never by a call.
*/}}
{{- define "casework.flows" -}}
{{- $mailroom := .root.Values.services.intake.mailroom }}
workflow: {deps: [kafka, postgres, s3, keycloak], account: true, migrations: true, calls: {intake: [http], notify: [http], organising: [http]}, from: {http: [portal, search], grpc: [intake, search, notify, bundle{{ if $mailroom.enabled }}, intake-mailroom{{ end }}]}}
intake: {deps: [kafka, postgres, s3, keycloak], account: true, migrations: true, calls: {workflow: [grpc]}, from: {http: [portal, ocr, search, bundle, workflow]}}
{{- if $mailroom.enabled }}
intake-mailroom: {deps: [postgres, s3, keycloak, smtp{{ if $mailroom.imap.url }}, imap{{ end }}], account: true, schema: intake, smtp: true, calls: {workflow: [grpc]}, from: {}}
{{- end }}
search: {deps: [kafka, opensearch, s3, keycloak], account: true, calls: {workflow: [grpc, http], intake: [http]}, from: {http: [portal]}}
notify: {deps: [kafka, postgres, smtp, keycloak], account: true, migrations: true, calls: {workflow: [grpc]}, from: {http: [portal, workflow]}}
portal: {deps: [postgres, keycloak], calls: {workflow: [http], intake: [http], search: [http], notify: [http], bundle: [http], organising: [http]}, from: {http: [ingress]}}
ocr: {deps: [kafka, postgres, s3, keycloak{{ if .root.Values.ocr.clamav.freshclam }}, clamavMirror{{ end }}], account: true, migrations: true, calls: {intake: [http]}, from: {}}
bundle: {deps: [kafka, postgres, s3, keycloak, smtp], migrations: true, calls: {workflow: [grpc], intake: [http]}, from: {http: [portal]}}
bundle-worker: {deps: [kafka, postgres, s3], calls: {}, from: {}}
organising: {deps: [kafka, postgres, keycloak], account: true, migrations: true, calls: {}, from: {http: [portal, workflow]}}
{{- end }}

{{- define "casework.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile: {type: RuntimeDefault}
{{- end }}

{{- define "casework.securityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities: {drop: [ALL]}
{{- end }}

{{- define "casework.topologySpread" -}}
{{- if .root.Values.topologySpread }}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector: {matchLabels: {{ include "casework.selectorLabels" . | fromYaml | toJson }}}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector: {matchLabels: {{ include "casework.selectorLabels" . | fromYaml | toJson }}}
{{- end }}
{{- end }}

{{/* Environment every service reads (non-secret), by component. */}}
{{- define "casework.env" -}}
{{- $v := .root.Values -}}
{{- $flows := include "casework.flows" . | fromYaml -}}
{{- $mine := get $flows .component -}}
CASEWORK_LOG_LEVEL: {{ $v.logLevel | quote }}
CASEWORK_HTTP_PORT: "8080"
CASEWORK_PORTAL_URL: {{ $v.portalUrl | quote }}
CASEWORK_OIDC_ISSUER: {{ $v.oidc.issuer | quote }}
CASEWORK_OIDC_AUDIENCE: {{ $v.oidc.audience | quote }}
{{- with $v.oidc.discoveryUrl }}
CASEWORK_OIDC_DISCOVERY_URL: {{ . | quote }}
{{- end }}
CASEWORK_OIDC_CLIENT_ID: {{ $v.oidc.servicesClientId | quote }}
CASEWORK_KEYCLOAK_URL: {{ $v.oidc.keycloakUrl | quote }}
CASEWORK_KEYCLOAK_REALM: {{ $v.oidc.realm | quote }}
{{- if has "kafka" $mine.deps }}
{{- $k := $v.external.kafka }}
CASEWORK_KAFKA_BOOTSTRAP: {{ $k.bootstrap | quote }}
CASEWORK_KAFKA_TOPIC_PARTITIONS: {{ $k.topicPartitions | quote }}
CASEWORK_KAFKA_PARTITIONS: {{ $k.partitions | toJson | quote }}
CASEWORK_KAFKA_REPLICATION_FACTOR: {{ $k.replicationFactor | quote }}
CASEWORK_KAFKA_MIN_INSYNC_REPLICAS: {{ $k.minInsyncReplicas | quote }}
CASEWORK_KAFKA_SECURITY_PROTOCOL: {{ $k.securityProtocol | quote }}
{{- with $k.saslMechanism }}
CASEWORK_KAFKA_SASL_MECHANISM: {{ . | quote }}
{{- end }}
{{- if $k.caConfigMap.name }}
CASEWORK_KAFKA_SSL_CAFILE: {{ printf "/etc/casework/ca/kafka/%s" $k.caConfigMap.key | quote }}
{{- end }}
{{- end }}
{{- if has "opensearch" $mine.deps }}
CASEWORK_OPENSEARCH_URL: {{ $v.external.opensearch.url | quote }}
{{- if $v.external.opensearch.caConfigMap.name }}
CASEWORK_OPENSEARCH_CA_FILE: {{ printf "/etc/casework/ca/opensearch/%s" $v.external.opensearch.caConfigMap.key | quote }}
{{- end }}
{{- end }}
{{- if has "s3" $mine.deps }}
CASEWORK_S3_ENDPOINT: {{ $v.external.s3.endpoint | quote }}
CASEWORK_S3_SECURE: {{ $v.external.s3.secure | quote }}
CASEWORK_S3_REGION: {{ $v.external.s3.region | quote }}
CASEWORK_EVIDENCE_BUCKET: {{ $v.external.s3.evidenceBucket | quote }}
CASEWORK_TEXT_BUCKET: {{ $v.external.s3.textBucket | quote }}
CASEWORK_S3_SERVER_SIDE_ENCRYPTION: {{ $v.external.s3.serverSideEncryption | quote }}
{{- with $v.external.s3.sseKmsKeyId }}
CASEWORK_S3_SSE_KMS_KEY_ID: {{ . | quote }}
{{- end }}
{{- end }}
{{- if has "postgres" $mine.deps }}
CASEWORK_DATABASE_SCHEMA: {{ $mine.schema | default .component | quote }}
{{- include "casework.postgresTlsEnv" .root }}
{{- end }}
{{- if or $mine.migrations $mine.schema }}
CASEWORK_MIGRATE_ON_START: {{ (not $v.migrations.hookJob) | quote }}
{{- end }}
{{- range $callee, $kinds := $mine.calls }}
{{- range $kind := $kinds }}
{{- if eq $kind "grpc" }}
CASEWORK_{{ upper $callee }}_GRPC: {{ printf "%s-%s:%d" $.root.Release.Name $callee (int (get $v.services $callee).grpcPort) | quote }}
{{- else }}
CASEWORK_{{ upper $callee }}_URL: {{ printf "http://%s-%s:8080" $.root.Release.Name $callee | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* Secret-backed environment, by component: references only, never values. */}}
{{- define "casework.secretEnv" -}}
{{- $v := .root.Values -}}
{{- $flows := include "casework.flows" . | fromYaml -}}
{{- $mine := get $flows .component -}}
{{- if has "postgres" $mine.deps }}
- name: CASEWORK_DATABASE_URL
  valueFrom: {secretKeyRef: {name: {{ $v.external.postgres.urlSecret }}, key: {{ get $v.external.postgres.urlKeys ($mine.schema | default .component) }}}}
{{- end }}
{{- if has "s3" $mine.deps }}
- name: CASEWORK_S3_ACCESS_KEY
  valueFrom: {secretKeyRef: {name: {{ $v.external.s3.credentials.name }}, key: {{ $v.external.s3.credentials.accessKeyKey }}}}
- name: CASEWORK_S3_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ $v.external.s3.credentials.name }}, key: {{ $v.external.s3.credentials.secretKeyKey }}}}
{{- end }}
{{- if $mine.account }}
- name: CASEWORK_OIDC_CLIENT_SECRET
  valueFrom: {secretKeyRef: {name: {{ $v.oidc.servicesClientSecret.name }}, key: {{ $v.oidc.servicesClientSecret.key }}}}
{{- end }}
{{- $k := $v.external.kafka }}
{{- if and (has "kafka" $mine.deps) $k.saslMechanism }}
- name: CASEWORK_KAFKA_SASL_USERNAME
  valueFrom: {secretKeyRef: {name: {{ $k.saslCredentials.name }}, key: {{ $k.saslCredentials.usernameKey }}}}
- name: CASEWORK_KAFKA_SASL_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ $k.saslCredentials.name }}, key: {{ $k.saslCredentials.passwordKey }}}}
{{- end }}
{{- $os := $v.external.opensearch }}
{{- if and (has "opensearch" $mine.deps) $os.credentials.name }}
- name: CASEWORK_OPENSEARCH_USERNAME
  valueFrom: {secretKeyRef: {name: {{ $os.credentials.name }}, key: {{ $os.credentials.usernameKey }}}}
- name: CASEWORK_OPENSEARCH_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ $os.credentials.name }}, key: {{ $os.credentials.passwordKey }}}}
{{- end }}
{{- if has "smtp" $mine.deps }}
- name: CASEWORK_SMTP_USERNAME
  valueFrom: {secretKeyRef: {name: {{ $v.external.smtp.credentials.name }}, key: {{ $v.external.smtp.credentials.usernameKey }}}}
- name: CASEWORK_SMTP_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ $v.external.smtp.credentials.name }}, key: {{ $v.external.smtp.credentials.passwordKey }}}}
{{- end }}
{{- if or (eq .component "intake") (eq .component "intake-mailroom") }}
- name: CASEWORK_COVER_SHEET_SECRET
  valueFrom: {secretKeyRef: {name: {{ $v.services.intake.coverSheetSecret.name }}, key: {{ $v.services.intake.coverSheetSecret.key }}}}
{{- end }}
{{- if and (eq .component "intake-mailroom") $v.services.intake.mailroom.imap.url }}
- name: CASEWORK_IMAP_PASSWORD
  valueFrom: {secretKeyRef: {name: {{ $v.services.intake.mailroom.imap.password.name }}, key: {{ $v.services.intake.mailroom.imap.password.key }}}}
{{- end }}
{{- if and (eq .component "workflow") (not .withoutSigningKey) }}
- name: CASEWORK_AUDIT_SIGNING_KEY
  valueFrom: {secretKeyRef: {name: {{ $v.services.workflow.auditSigningKey.name }}, key: {{ $v.services.workflow.auditSigningKey.key }}}}
{{- end }}
{{- if eq .component "portal" }}
- name: CASEWORK_PORTAL_CLIENT_SECRET
  valueFrom: {secretKeyRef: {name: {{ $v.oidc.portalClientSecret.name }}, key: {{ $v.oidc.portalClientSecret.key }}}}
- name: CASEWORK_SESSION_SECRET
  valueFrom: {secretKeyRef: {name: {{ $v.services.portal.sessionSecret.name }}, key: {{ $v.services.portal.sessionSecret.key }}}}
{{- end }}
{{- end }}

{{/*
The retention S3 identity (external.s3.retentionCredentials), the only one that may bypass
governance-mode object locks: for the processes whose erasure consumers remove S3 objects, the
intake and bundle APIs and the OCR workers, never the mailroom, the bundle workers or workflow
(docs/design.md, Data protection). Included by each of those Deployments with its own component.
*/}}
{{- define "casework.retentionProcesses" -}}[intake, ocr, bundle]{{- end }}

{{- define "casework.retentionSecretEnv" -}}
{{- $c := .root.Values.external.s3.retentionCredentials }}
{{- if has .component (include "casework.retentionProcesses" . | fromYamlArray) }}
- name: CASEWORK_S3_RETENTION_ACCESS_KEY
  valueFrom: {secretKeyRef: {name: {{ $c.name }}, key: {{ $c.accessKeyKey }}}}
- name: CASEWORK_S3_RETENTION_SECRET_KEY
  valueFrom: {secretKeyRef: {name: {{ $c.name }}, key: {{ $c.secretKeyKey }}}}
{{- end }}
{{- end }}

{{/*
Workflow's retention schedule, when services.workflow.retention.schedule is set: a ConfigMap
(retention.yaml) mounted at /etc/casework/retention in workflow's pods and the retention CronJob's,
named by CASEWORK_RETENTION_SCHEDULE. Unset: the schedule packaged with workflow.
*/}}
{{- define "casework.retentionScheduleFile" -}}/etc/casework/retention/schedule.yaml{{- end }}

{{- define "casework.retentionScheduleMounts" -}}
{{- if .Values.services.workflow.retention.schedule }}
- {name: retention-schedule, mountPath: /etc/casework/retention, readOnly: true}
{{- end }}
{{- end }}

{{- define "casework.retentionScheduleVolumes" -}}
{{- if .Values.services.workflow.retention.schedule }}
- {name: retention-schedule, configMap: {name: {{ include "casework.name" (dict "root" . "component" "workflow-retention-schedule") }}}}
{{- end }}
{{- end }}

{{/*
freshclam's configuration: signatures from the private mirror only (an HTTP server holding the
CVD files, e.g. fed by cvdupdate), so the pods need no internet and the NetworkPolicy opens only the
mirror (networkPolicy.dependencies.clamavMirror).
*/}}
{{- define "casework.freshclamConf" -}}
DatabaseDirectory /var/lib/clamav
PrivateMirror {{ .Values.ocr.clamav.mirror }}
ScriptedUpdates no
UpdateLogFile /dev/stdout
Foreground yes
{{- end }}

{{/* "true" if the cluster serves API group/version .api, or the values say it does (offline rendering). */}}
{{- define "casework.apiServed" -}}
{{- if or (.root.Capabilities.APIVersions.Has .api) (has .api .root.Values.apiVersions) }}true{{ end }}
{{- end }}

{{/* libpq's own TLS variables (psycopg honours them), for every process that reaches Postgres. */}}
{{- define "casework.postgresTlsEnv" -}}
{{- with .Values.external.postgres.sslmode }}
PGSSLMODE: {{ . | quote }}
{{- end }}
{{- with .Values.external.postgres.caConfigMap.name }}
PGSSLROOTCERT: {{ printf "/etc/casework/ca/postgres/%s" $.Values.external.postgres.caConfigMap.key | quote }}
{{- end }}
{{- end }}

{{/* The CA bundles a component's dependencies are verified with (ConfigMaps), as volumes and mounts. */}}
{{- define "casework.caDeps" -}}
{{- $flows := include "casework.flows" . | fromYaml -}}
{{- $deps := (get $flows .component).deps | default (list "postgres") -}}
{{- range $dep := list "kafka" "postgres" "opensearch" }}
{{- if and (has $dep $deps) (get $.root.Values.external $dep).caConfigMap.name }}
- {{ $dep }}
{{- end }}
{{- end }}
{{- end }}

{{- define "casework.caVolumes" -}}
{{- range $dep := include "casework.caDeps" . | fromYamlArray }}
- {name: ca-{{ $dep }}, configMap: {name: {{ (get $.root.Values.external $dep).caConfigMap.name }}}}
{{- end }}
{{- end }}

{{- define "casework.caMounts" -}}
{{- range $dep := include "casework.caDeps" . | fromYamlArray }}
- {name: ca-{{ $dep }}, mountPath: /etc/casework/ca/{{ $dep }}, readOnly: true}
{{- end }}
{{- end }}

{{/*
What intake's API and the mailroom both read, from one place: the limits files are taken under, the
buckets, and the intake addresses (the API shows them, the mailroom takes mail for them).
*/}}
{{- define "casework.intakeSharedEnv" -}}
{{- $v := .Values }}
{{- $mail := $v.services.intake.mail }}
CASEWORK_MAX_FILE_BYTES: {{ $v.services.intake.maxFileBytes | int64 | quote }}
CASEWORK_PENDING_BUCKET: {{ $v.external.s3.pendingBucket | quote }}
CASEWORK_HELD_BUCKET: {{ $v.external.s3.heldBucket | quote }}
CASEWORK_MAIL_DOMAIN: {{ $mail.domain | quote }}
CASEWORK_MAIL_CASE_PREFIX: {{ $mail.casePrefix | quote }}
CASEWORK_MAIL_GENERAL_LOCAL: {{ $mail.generalLocal | quote }}
CASEWORK_MAIL_SCANNER_LOCAL: {{ $mail.scannerLocal | quote }}
{{- end }}

{{/* The mailroom's own settings (listener, TLS, checks, receipts, IMAP, scan drop, devices). */}}
{{- define "casework.mailroomEnv" -}}
{{- $v := .Values }}
{{- $m := $v.services.intake.mailroom }}
CASEWORK_MAILROOM_PORT: {{ $m.port | quote }}
CASEWORK_MAILROOM_PROTOCOL: {{ $m.protocol | quote }}
CASEWORK_MAILROOM_REQUIRE_TLS: {{ $m.tls.requireTls | quote }}
{{- if $m.tls.secret }}
CASEWORK_MAILROOM_TLS_CERT_FILE: /etc/casework/mailroom-tls/tls.crt
CASEWORK_MAILROOM_TLS_KEY_FILE: /etc/casework/mailroom-tls/tls.key
{{- end }}
{{- with $m.authservId }}
CASEWORK_MAIL_AUTHSERV_ID: {{ . | quote }}
{{- end }}
CASEWORK_MAIL_MAX_MESSAGE_BYTES: {{ $m.maxMessageBytes | int64 | quote }}
CASEWORK_MAIL_RECEIPT_FROM: {{ $m.receiptFrom | quote }}
CASEWORK_SMTP_HOST: {{ $v.external.smtp.host | quote }}
CASEWORK_SMTP_PORT: {{ $v.external.smtp.port | quote }}
CASEWORK_SMTP_STARTTLS: {{ $v.external.smtp.starttls | quote }}
{{- if $m.imap.url }}
CASEWORK_IMAP_URL: {{ $m.imap.url | quote }}
CASEWORK_IMAP_INTERVAL_S: {{ $m.imap.intervalSeconds | quote }}
{{- end }}
{{- with $m.scanDrop }}
{{- if .bucket }}
CASEWORK_SCAN_DROP_BUCKET: {{ .bucket | quote }}
CASEWORK_SCAN_DROP_PREFIX: {{ .prefix | quote }}
CASEWORK_SCAN_DROP_REGION: {{ .region | quote }}
{{- with .branch }}
CASEWORK_SCAN_DROP_BRANCH: {{ . | quote }}
{{- end }}
{{- end }}
CASEWORK_SCAN_POLL_INTERVAL_S: {{ .pollIntervalSeconds | quote }}
CASEWORK_SCAN_SETTLE_S: {{ .settleSeconds | quote }}
{{- end }}
CASEWORK_SCANNER_DEVICES: {{ $m.scannerDevices | toJson | quote }}
{{- end }}
