#!/usr/bin/env bash
# install-test-deps.sh installs what the end-to-end tests need besides Go:
# Node.js with npm, Debian's Chromium, tcpdump and iptables, and the npm packages
# of e2e/js: cosmjs's CometBFT RPC client (TestCosmjsReadsBlocks), the
# official openai client and LangChain's ChatOpenAI
# (TestOpenAIClientsThroughGateway, TestOpenAIAnswersVerify), ethers (an
# independent check of the workers' ECDSA signatures), openai 4 for Phala's
# unchanged template (e2e/js/template-openai, TestTemplateOpenAIUnchanged),
# and playwright-core, which drives
# /usr/bin/chromium for the explorer's browser test (TestExplorerInBrowser);
# and node-llama-cpp 3.22.1 with its prebuilt CPU build of llama.cpp in
# llm/local/testdata/llamacpp, the reference the local runner's tests and
# benchmark compare against (installed without install scripts, so nothing
# is downloaded or built at run time), and the npm packages real BPE
# vocabularies come from (llm/local/testdata/vocab).

#
# It is idempotent: when e2e/js/node_modules already matches package.json and
# package-lock.json it does nothing. Node.js, npm and Chromium are installed
# with apt-get only when missing (as root, or through passwordless sudo).
# Outside CI (CI unset) a Chromium that cannot be installed is only a
# warning: the browser test then skips.
#
#   scripts/install-test-deps.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
js="$root/e2e/js"
min_node_major=18 # cosmjs 0.38 needs the global fetch of Node.js 18

say() { printf 'install-test-deps: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# One install at a time (apt-get and npm alike), should two runs start
# together: scripts/test.sh runs this twice at once, the second only to wait
# for the first.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$js/.install.lock"
	flock 9
fi

# apt_update SUDO... runs apt-get update the first time it is called: on a
# fresh machine node, chromium, tcpdump and iptables are all missing, and
# one update serves their installs (each update took 14-20 s).
apt_updated=
apt_update() {
	[ -z "$apt_updated" ] || return 0
	"$@" env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 || return 1
	apt_updated=1
}

install_node() {
	command -v apt-get >/dev/null 2>&1 ||
		die "node and npm are missing and apt-get is not available: install Node.js >= $min_node_major with npm yourself"
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null 2>&1 ||
			die "node and npm are missing; installing them with apt-get needs root (or sudo)"
		sudo=(sudo -n)
	fi
	say "installing nodejs and npm with apt-get"
	apt_update "${sudo[@]}"
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends nodejs npm >&2
}

# install_optional PKG WHY installs a Debian package a test needs (chromium
# for the explorer's browser test, run headless through playwright-core at
# /usr/bin/chromium; tcpdump for the canary suite's loopback capture). Under
# CI a failure is fatal; elsewhere it is a warning and the test skips that
# part.
install_optional() {
	local pkg=$1 why=$2
	local fail=die
	[ -n "${CI:-}" ] || fail=say
	if ! command -v apt-get >/dev/null 2>&1; then
		$fail "$pkg is missing and apt-get is not available: install it for $why"
		return 0
	fi
	local sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1 || ! sudo -n true 2>/dev/null; then
			$fail "$pkg is missing; installing it with apt-get needs root (or passwordless sudo); $why skips without it"
			return 0
		fi
		sudo=(sudo -n)
	fi
	say "installing $pkg with apt-get"
	if ! { apt_update "${sudo[@]}" &&
		"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$pkg" >&2; }; then
		$fail "apt-get install $pkg failed; $why skips without it"
	fi
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	install_node
fi
if [ ! -x /usr/bin/chromium ]; then
	install_optional chromium "the explorer's browser test"
fi
if ! command -v tcpdump >/dev/null 2>&1 && [ ! -x /usr/bin/tcpdump ] && [ ! -x /usr/sbin/tcpdump ]; then
	install_optional tcpdump "the canary suite's loopback capture"
fi
if ! command -v iptables >/dev/null 2>&1 && [ ! -x /usr/sbin/iptables ]; then
	install_optional iptables "the partition test"
fi
command -v node >/dev/null 2>&1 || die "node is still missing after apt-get install"
command -v npm >/dev/null 2>&1 || die "npm is still missing after apt-get install"

node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge "$min_node_major" ] ||
	die "node $(node --version) is too old: the e2e JavaScript client needs Node.js >= $min_node_major"

cd "$js"

# npm_ci_pinned DIR PACKAGE [NPM FLAGS...] runs npm ci in DIR (relative to
# the root) unless its node_modules was installed from these very manifests
# and has PACKAGE. With NPM_INSTALL=install it runs npm install --no-save
# instead, which installs from the same lock file but does not refuse a lock
# that lists no entry for another platform's optional package.
npm_ci_pinned() {
	local dir="$root/$1" pkg=$2
	shift 2
	local want
	want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1) node-$node_major"
	if [ "$(cat "$dir/node_modules/.phala-install-stamp" 2>/dev/null)" != "$want" ] || [ ! -f "$dir/node_modules/$pkg/package.json" ]; then
		say "npm ci in ${dir#"$root"/}"
		if [ "${NPM_INSTALL:-ci}" = install ]; then
			(cd "$dir" && npm install --no-save --no-audit --no-fund "$@" >&2)
		else
			(cd "$dir" && npm ci --no-audit --no-fund "$@" >&2)
		fi
		printf '%s\n' "$want" >"$dir/node_modules/.phala-install-stamp"
	fi
}

# install_e2e installs e2e/js's packages unless its node_modules is current,
# that is, was installed from these very manifests.
install_e2e() {
	cd "$js"
	local stamp_file="node_modules/.phala-install-stamp" stamp
	stamp="$(cat package.json package-lock.json 2>/dev/null | sha256sum | cut -d' ' -f1) node-$node_major"
	if [ -f "$stamp_file" ] && [ "$(cat "$stamp_file")" = "$stamp" ] &&
		[ -f node_modules/@cosmjs/tendermint-rpc/package.json ] && [ -f node_modules/openai/package.json ] &&
		[ -f node_modules/@langchain/openai/package.json ] && [ -f node_modules/playwright-core/package.json ] &&
		[ -f node_modules/ethers/package.json ]; then
		say "e2e/js/node_modules is up to date"
		return 0
	fi
	if [ -f package-lock.json ]; then
		say "npm ci in e2e/js"
		npm ci --no-audit --no-fund >&2
	else
		say "npm install in e2e/js (no package-lock.json yet)"
		npm install --no-audit --no-fund >&2
		stamp="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1) node-$node_major"
	fi
	printf '%s\n' "$stamp" >"$stamp_file"
	say "e2e/js dependencies installed"
}

# The five installs below run at once: each waits mostly on the registry
# (one after another they took 6 minutes here, under load 30-40).
pids=()
# The openai dependency of Phala's template, run unchanged by
# TestTemplateOpenAIUnchanged (internal/cli), pinned in its own directory.
npm_ci_pinned e2e/js/template-openai openai &
pids+=($!)
# The pinned Solidity compiler of evm/contracts (TestArtifactsMatchSources).
npm_ci_pinned evm/contracts solc &
pids+=($!)
# llama.cpp for the local runner's reference tests and benchmark: its
# prebuilt CPU build ships in the package, so no install script runs. Its
# lock, made on linux-x64, has no entries for the other platforms' builds,
# which npm ci refuses.
NPM_INSTALL=install npm_ci_pinned llm/local/testdata/llamacpp @node-llama-cpp/linux-x64 --omit=optional --ignore-scripts &
pids+=($!)
# The npm packages real BPE vocabularies come from (llm/local's tokenizer tests).
npm_ci_pinned llm/local/testdata/vocab llama3-tokenizer-js &
pids+=($!)
install_e2e &
pids+=($!)
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
[ "$failed" -eq 0 ] || die "an npm install failed (above)"
