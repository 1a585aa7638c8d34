#!/usr/bin/env bash
# Build mediasoup's C++ worker offline against Debian 12's system libraries,
# cache the binary outside the repo, and point node_modules/mediasoup at it.
# See README.md next to this file.
#
# Usage: infra/mediasoup-worker/build.sh [MEDIASOUP_PACKAGE_DIR]
# Prints the worker binary's path as the last line of stdout; logs to stderr.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$SCRIPT_DIR/../.." && pwd)"
MEDIASOUP_DIR="${1:-$REPO/node_modules/mediasoup}"
STUBS_DIR="$SCRIPT_DIR/subprojects"
CACHE_ROOT="${TEAMROM_CACHE_DIR:-${HOME:?HOME is not set}/.cache/teamrom}/mediasoup-worker"

# Packages the worker is compiled and linked against. Their versions are part
# of the cache key so that a Debian upgrade produces a fresh build.
LIB_PACKAGES=(libuv1-dev libssl-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev g++)
# Needed only when there is no cached binary yet: command -> Debian package.
declare -A BUILD_TOOLS=([meson]=meson [ninja]=ninja-build [pkg-config]=pkg-config [flock]=util-linux)

log() { printf 'mediasoup-worker: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Prints the installed version of a Debian package, or fails naming it.
# Takes the first installed line, since multiarch packages can list several.
package_version() {
	local pkg="$1" version
	version="$(dpkg-query -W -f='${db:Status-Abbrev} ${Version}\n' "$pkg" 2>/dev/null \
		| awk '$1 == "ii" { print $2; exit }')" || true
	[[ -n "$version" ]] \
		|| die "Debian package '$pkg' is not installed (infra/setup.sh installs it: apt-get install $pkg)"
	printf '%s\n' "$version"
}

[[ -f "$MEDIASOUP_DIR/package.json" && -d "$MEDIASOUP_DIR/worker" ]] \
	|| die "mediasoup package not found at $MEDIASOUP_DIR (run npm ci first)"
MEDIASOUP_VERSION="$(node -p 'require(process.argv[1]).version' "$MEDIASOUP_DIR/package.json")"

# The key covers everything that changes the resulting binary: mediasoup's
# sources, the system libraries and compiler, and our stubs and build recipe
# (this script is hashed too, so changing meson flags here invalidates it).
key_input="mediasoup $MEDIASOUP_VERSION"$'\n'
for pkg in "${LIB_PACKAGES[@]}"; do
	key_input+="$pkg $(package_version "$pkg")"$'\n'
done
key_input+="$(cd "$SCRIPT_DIR" && find subprojects build.sh -type f -print0 \
	| LC_ALL=C sort -z | xargs -0 sha256sum)"$'\n'
KEY="$MEDIASOUP_VERSION-$(printf '%s' "$key_input" | sha256sum | cut -c1-16)"
KEY_DIR="$CACHE_ROOT/$KEY"
BIN="$KEY_DIR/mediasoup-worker"

check_build_tools() {
	local cmd
	for cmd in "${!BUILD_TOOLS[@]}"; do
		command -v "$cmd" >/dev/null \
			|| die "'$cmd' not found; install Debian package '${BUILD_TOOLS[$cmd]}'"
	done
}

# Usage: fail_with_log STEP BUILD_LOG MESON_BUILD_DIR
# Keeps meson's own log, which the error output points at, because the build
# directory is deleted on exit.
fail_with_log() {
	local step="$1" build_log="$2" meson_log="$3/meson-logs/meson-log.txt"
	log "$step failed; last lines of $build_log:"
	tail -n 40 "$build_log" >&2
	if [[ -f "$meson_log" ]]; then
		cp "$meson_log" "$KEY_DIR/meson-log.txt"
		log "meson's detailed log: $KEY_DIR/meson-log.txt"
	fi
	exit 1
}

build_worker() {
	# Leftovers from a run that was killed before its EXIT trap could fire.
	# Safe to delete: we hold the lock, so no other run is using them.
	rm -rf "$KEY_DIR"/tmp-build.* "$KEY_DIR"/mediasoup-worker.tmp.* "$KEY_DIR/meson-log.txt"

	local build_dir src out build_log="$KEY_DIR/build.log"
	build_dir="$(mktemp -d "$KEY_DIR/tmp-build.XXXXXX")"
	# shellcheck disable=SC2064  # expand now: build_dir is local
	trap "rm -rf '$build_dir'" EXIT
	src="$build_dir/worker"
	out="$build_dir/out"
	printf '%s' "$key_input" >"$KEY_DIR/key.txt"

	# Build from a copy: node_modules must stay pristine, and the copy gets
	# patched below. out/ may already hold our symlink; it is not a source.
	mkdir -p "$src"
	tar -C "$MEDIASOUP_DIR/worker" --exclude=./out -cf - . | tar -C "$src" -xf -

	# meson uses an existing subprojects/<directory> as-is and downloads
	# nothing, so every wrap's directory must be one of our stubs. A mediasoup
	# upgrade that changes a wrap version fails here rather than going online.
	local wrap name dir
	for wrap in "$src"/subprojects/*.wrap; do
		name="$(basename "$wrap" .wrap)"
		[[ "$name" == wingetopt ]] && continue # Windows-only
		dir="$(sed -n 's/^directory *= *//p' "$wrap")"
		[[ -n "$dir" && -d "$STUBS_DIR/$dir" ]] \
			|| die "no stub for subproject '$name' (mediasoup $MEDIASOUP_VERSION expects subprojects/$dir); add $STUBS_DIR/$dir"
		cp -R "$STUBS_DIR/$dir" "$src/subprojects/$dir"
	done

	# Debian 12 ships meson 1.0.1; the worker asks for >= 1.1.0 but builds
	# fine with 1.0.1, and pip (for a newer meson) is not reachable here.
	sed -i -E "s/(meson_version *: *)'[^']*'/\1'>= 1.0.0'/" "$src/meson.build"

	# Same release flags as mediasoup's own Makefile. The ms_* debug options
	# default to off; pin them off explicitly where this version has them.
	local -a setup_args=(--buildtype=release -Db_ndebug=true -Db_pie=true -Db_staticpic=true
		--wrap-mode=nodownload)
	local opt
	for opt in ms_log_trace ms_log_file_line ms_rtc_logger_rtp; do
		if grep -q "option('$opt'" "$src/meson_options.txt" 2>/dev/null; then
			setup_args+=("-D$opt=false")
		fi
	done

	log "building mediasoup $MEDIASOUP_VERSION worker (a few minutes); log: $build_log"
	meson setup "${setup_args[@]}" "$out" "$src" >"$build_log" 2>&1 || fail_with_log "meson setup" "$build_log" "$out"
	ninja -C "$out" -j"$(nproc)" mediasoup-worker >>"$build_log" 2>&1 || fail_with_log "ninja" "$build_log" "$out"

	# Without MEDIASOUP_VERSION the worker exits 41 before doing anything,
	# which proves the binary loads and all shared libraries resolve.
	local tmp_bin="$KEY_DIR/mediasoup-worker.tmp.$$" rc=0
	install -m 0755 "$out/mediasoup-worker" "$tmp_bin"
	env -u MEDIASOUP_VERSION "$tmp_bin" >>"$build_log" 2>&1 || rc=$?
	[[ $rc -eq 41 ]] || { rm -f "$tmp_bin"; fail_with_log "sanity run of the binary (exit $rc, expected 41)" "$build_log" "$out"; }

	# Publish atomically: the presence of $BIN is what marks the build as done.
	mv -f "$tmp_bin" "$BIN"
	rm -rf "$build_dir"
	trap - EXIT
	log "built $BIN"
}

if [[ ! -x "$BIN" ]]; then
	check_build_tools
	mkdir -p "$KEY_DIR"
	# Serialise concurrent runs (e.g. parallel CI steps) on the same key.
	exec 9>"$KEY_DIR/.lock"
	flock 9 || die "could not lock $KEY_DIR/.lock"
	if [[ -x "$BIN" ]]; then
		log "another run finished the build meanwhile"
	else
		build_worker
	fi
	exec 9>&-
else
	log "using cached worker ($KEY)"
fi

# mediasoup looks for worker/out/Release/mediasoup-worker unless
# MEDIASOUP_WORKER_BIN is set (node/lib/Worker.js). npm ci wipes node_modules,
# so relinking is needed after every install; it is cheap.
release_dir="$MEDIASOUP_DIR/worker/out/Release"
link="$release_dir/mediasoup-worker"
if [[ "$(readlink "$link" 2>/dev/null || true)" != "$BIN" ]]; then
	mkdir -p "$release_dir"
	ln -sfn "$BIN" "$link.tmp.$$"
	mv -Tf "$link.tmp.$$" "$link"
	log "linked $link"
fi

printf '%s\n' "$BIN"
