#!/usr/bin/env bash
# tools.sh prints the path of a pinned Go tool, installing it into a cache
# outside the checkout on first use:  hack/tools.sh controller-gen
set -euo pipefail

cache=${XDG_CACHE_HOME:-$HOME/.cache}/farol/tools
case ${1:-} in
controller-gen) pkg=sigs.k8s.io/controller-tools/cmd/controller-gen version=v0.23.0 ;;
golangci-lint) pkg=github.com/golangci/golangci-lint/v2/cmd/golangci-lint version=v2.15.0 ;;
*)
	echo "usage: $0 controller-gen|golangci-lint" >&2
	exit 2
	;;
esac
dir=$cache/$1-$version
if [[ ! -x $dir/$1 ]]; then
	echo "tools.sh: installing $pkg@$version" >&2
	tmp=$(mktemp -d "$cache.XXXXXX" 2>/dev/null || { mkdir -p "$cache" && mktemp -d "$cache/.tmp.XXXXXX"; })
	(cd / && GOBIN=$tmp go install "$pkg@$version") >&2
	mkdir -p "$dir"
	mv "$tmp/$1" "$dir/$1"
	rmdir "$tmp"
fi
echo "$dir/$1"
