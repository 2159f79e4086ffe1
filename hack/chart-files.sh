#!/usr/bin/env bash
# chart-files.sh copies the generated manifests that the Helm chart renders
# into charts/farol/files, so that the chart and config/ share one source:
# the CRDs and roles that controller-gen writes, the admission policy, the
# alert rules and the Grafana dashboard.
# A chart cannot read files outside its directory, hence the copies; `make
# verify-generated` fails when they drift. Run by `make generate`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

files=charts/farol/files
# Whole directories are replaced, so a CRD or policy removed from config/
# leaves the chart too.
rm -rf "$files/crds" "$files/rbac" "$files/policy"
mkdir -p "$files/crds" "$files/rbac" "$files/policy"
cp config/crd/bases/*.yaml "$files/crds/"
for c in controller speaker; do
	cp "config/rbac/$c/role.yaml" "$files/rbac/$c-role.yaml"
done
for f in config/policy/*.yaml; do
	[[ $(basename "$f") == kustomization.yaml ]] || cp "$f" "$files/policy/"
done
cp config/prometheus/alerts.rules.yaml config/grafana/farol-dashboard.json "$files/"
