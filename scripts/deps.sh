#!/usr/bin/env bash
# Installs what building and testing t2go needs, only when it is missing:
# Debian packages (libpcap and librrd headers for cgo, rrdtool/rrdcached,
# tcpdump/tcpreplay/iproute2/sudo for the capture and tool tests, nfdump
# and prometheus: the real collector and server of the export tests,
# zsh/fish/bash-completion/man-db for the completion and man page tests)
# and the
# Go modules. Safe to run again.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in libpcap-dev librrd-dev rrdtool rrdcached tcpdump tcpreplay iproute2 sudo netcat-traditional pkg-config gcc nfdump prometheus curl zsh fish bash-completion man-db; do
	have_pkg "$p" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
	echo "deps: installing ${need[*]}" >&2
	SUDO=""
	[ "$(id -u)" -ne 0 ] && SUDO="sudo"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if ! command -v go >/dev/null 2>&1; then
	if [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
	else
		echo "deps: Go is not installed (need Go >= 1.26 in PATH)" >&2
		exit 1
	fi
fi
cd "$(dirname "$0")/.."
go mod download
