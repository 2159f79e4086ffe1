#!/usr/bin/env bash
# bins.sh makes sure the binaries that the tests run (etcd, kube-apiserver,
# kube-proxy, kubectl for test/cluster; helm for the chart tests) are in the
# bin cache, builds the missing ones from the modules in hack/tools, and
# prints the cache directory as the last line on stdout (progress goes to
# stderr).
#
#   hack/bins.sh           build what is missing, print the directory
#   hack/bins.sh --print   only print the directory
#
# The directory is $FAROL_BIN_DIR, else $FAROL_BIN_CACHE, else
# ${XDG_CACHE_HOME:-$HOME/.cache}/farol/bin/k8s-<version>-etcd-<version>; it
# lies outside the checkout so that clean checkouts and worktrees share it,
# and it is named after the pinned versions so that a bump builds afresh.
# test/cluster.DefaultBinDir follows the same rules. Delete the directory to
# force a rebuild. helm's version is not in the directory name (a helm bump
# should not rebuild Kubernetes): a helm that reports another version than
# the pinned one counts as missing.
set -euo pipefail

tools=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tools

# Versions are read from the tools modules, so the directory name cannot
# drift from what is built. Handles both "require m v" and a require block.
modver() {
	awk -v m="$1" '$1 == "require" { $1 = ""; $0 = $0 } $1 == m { print $2; exit }' "$2"
}
k8s=$(modver k8s.io/kubernetes "$tools/kube/go.mod")
etcd=$(modver go.etcd.io/etcd/server/v3 "$tools/etcd/go.mod")
helm=$(modver helm.sh/helm/v4 "$tools/helm/go.mod")
if [[ -z $k8s || -z $etcd || -z $helm ]]; then
	echo "bins.sh: cannot read the versions from $tools/{kube,etcd,helm}/go.mod" >&2
	exit 1
fi
dir=${FAROL_BIN_DIR:-${FAROL_BIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/farol/bin/k8s-$k8s-etcd-$etcd}}

case ${1:-} in
--print)
	echo "$dir"
	exit 0
	;;
"") ;;
*)
	echo "usage: $0 [--print]" >&2
	exit 2
	;;
esac

all=(etcd kube-apiserver kube-proxy kubectl helm)
missing() {
	local b
	for b in "$@"; do
		if [[ ! -x $dir/$b ]]; then
			echo "$b"
		elif [[ $b == helm && $("$dir/helm" version --template '{{.Version}}' 2>/dev/null) != "$helm" ]]; then
			echo "$b"
		fi
	done
}
if [[ -z $(missing "${all[@]}") ]]; then
	echo "$dir"
	exit 0
fi

mkdir -p "$dir"
# One builder at a time; a second run waits, then finds the binaries there.
exec 9>"$dir/.lock"
flock 9
# Leftovers of a builder that was killed outright; none can be running now.
rm -rf "$dir"/.build.*
# Build into a temporary directory beside the cache and rename into place:
# an interrupted build never leaves a broken binary under a real name.
tmp=$(mktemp -d "$dir/.build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM HUP # so that the EXIT trap runs

# The tools modules stand alone (kube needs replace lines); a go.work in the
# checkout must not pull them in.
export GOWORK=off

if [[ -n $(missing etcd) ]]; then
	echo "bins.sh: building etcd $etcd (2 to 5 minutes when cold)" >&2
	(cd "$tools/etcd" && go build -trimpath -o "$tmp/etcd" .)
	mv -f "$tmp/etcd" "$dir/etcd"
fi

mapfile -t kube < <(missing kube-apiserver kube-proxy kubectl)
if ((${#kube[@]})); then
	echo "bins.sh: building ${kube[*]} $k8s (10 to 20 minutes on 2 cores when cold)" >&2
	IFS=. read -r major minor _ <<<"${k8s#v}"
	# Without these the server reports v0.0.0-master+$Format:%H$, which
	# kubectl cannot parse.
	ldflags="-X k8s.io/component-base/version.gitVersion=$k8s"
	ldflags+=" -X k8s.io/component-base/version.gitMajor=$major"
	ldflags+=" -X k8s.io/component-base/version.gitMinor=$minor"
	(cd "$tools/kube" && go build -trimpath -ldflags "$ldflags" -o "$tmp/" "${kube[@]/#/./}")
	for b in "${kube[@]}"; do mv -f "$tmp/$b" "$dir/$b"; done
fi

if [[ -n $(missing helm) ]]; then
	echo "bins.sh: building helm $helm (3 to 5 minutes when cold)" >&2
	# The version is stamped the way helm's own Makefile does; helm lint and
	# template report it as .Capabilities.HelmVersion.
	(cd "$tools/helm" && go build -trimpath \
		-ldflags "-X helm.sh/helm/v4/internal/version.version=$helm -X helm.sh/helm/v4/internal/version.gitTreeState=clean" \
		-o "$tmp/helm" helm.sh/helm/v4/cmd/helm)
	mv -f "$tmp/helm" "$dir/helm"
fi

echo "$dir"
