#!/usr/bin/env bash
# apt-private.sh DIR SUITE
#
# A private apt configuration for one Debian suite that this machine's apt
# sources do not carry (for example unstable, on a bookworm machine), so
# that its packages can be resolved and downloaded without touching
# /etc/apt or the machine's package lists. Prints the path of an apt.conf
# to use as APT_CONFIG=... apt-get/apt-cache; progress goes to stderr.
#
# The mirror is the one the machine's own Debian sources use (one-line
# sources.list or deb822 .sources), with their keyring when they name one.
# DIR gets etc/sources.list, lists/, cache/ and an empty dpkg status (so
# nothing installed here influences what apt picks). The lists are
# refreshed on every call (a conditional download: about 2 s when nothing
# changed); if that fails but an earlier copy exists, it is used with a
# warning. Callers should pass -o Dir::Cache::pkgcache=pkgcache.bin, as this
# script does: a machine's apt.conf.d, read after APT_CONFIG, may turn the
# package cache off.
#
# APT_ETC (default /etc/apt) is where the machine's sources are read from.
#
# Exit status: 0 ready; 3 the suite cannot be reached (offline, or the
# mirror does not carry it) and no earlier lists exist; 1 other errors.
set -euo pipefail

die() { echo "apt-private: error: $*" >&2; exit 1; }
log() { echo "apt-private: $*" >&2; }

[ $# -eq 2 ] || die "usage: $0 DIR SUITE"
DIR=$1 SUITE=$2
[[ "$SUITE" =~ ^[a-z0-9][a-z0-9.+-]*$ ]] || die "'$SUITE' is not a Debian suite name"
ETC=${APT_ETC:-/etc/apt}

# "URI SUITE KEYRING" for each enabled deb source of the machine
# (KEYRING is - when the source names none)
machine_sources() {
	local f
	{
		[ ! -f "$ETC/sources.list" ] || echo "$ETC/sources.list"
		for f in "$ETC"/sources.list.d/*.list "$ETC"/sources.list.d/*.sources; do
			[ -f "$f" ] && echo "$f"
		done
	} | while read -r f; do
		case "$f" in
		*.sources) awk '
			function flush(  n, i, s, u) {
				if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
					n = split(suites, s, " ")
					split(uris, u, " ")
					for (i = 1; i <= n; i++) print u[1], s[i], (key == "" ? "-" : key)
				}
				types = uris = suites = key = enabled = ""
			}
			/^[ \t]*#/ { next }
			/^[ \t]*$/ { flush(); next }
			/^Types:/ { sub(/^Types:[ \t]*/, ""); types = $0 }
			/^URIs:/ { sub(/^URIs:[ \t]*/, ""); uris = $0 }
			/^Suites:/ { sub(/^Suites:[ \t]*/, ""); suites = $0 }
			/^Signed-By:/ { sub(/^Signed-By:[ \t]*/, ""); key = $0 }
			/^Enabled:/ { sub(/^Enabled:[ \t]*/, ""); enabled = $0 }
			END { flush() }' "$f" ;;
		*) awk '
			$1 != "deb" { next }
			{
				key = "-"; i = 2
				if ($2 ~ /^\[/) {
					for (; i <= NF; i++) {
						if ($i ~ /signed-by=/) { key = $i; sub(/.*signed-by=/, "", key); sub(/\]$/, "", key) }
						if ($i ~ /\]$/) { i++; break }
					}
				}
				print $i, $(i + 1), key
			}' "$f" ;;
		esac
	done
}

# The Debian mirror: a source carrying this machine's own release (or a
# suite of the same archive); security and third-party archives do not.
codename=$( . /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-}")
read -r URI KEY < <(machine_sources | awk -v c="$codename" '
	$2 ~ /-security$/ || $1 ~ /security/ { next }
	(c != "" && ($2 == c || index($2, c "-") == 1)) || $2 ~ /^(stable|testing|unstable|sid|oldstable)$/ {
		print $1, $3; exit
	}') || true
[ -n "${URI:-}" ] || die "no Debian mirror in $ETC/sources.list{,.d/*} (looked for a source of '${codename:-stable}')"
[ "$KEY" != - ] && [ -f "$KEY" ] || KEY=
[ -n "$KEY" ] || [ ! -f /usr/share/keyrings/debian-archive-keyring.gpg ] ||
	KEY=/usr/share/keyrings/debian-archive-keyring.gpg

fresh=0
[ -d "$DIR" ] || fresh=1
mkdir -p "$DIR"/{etc/preferences.d,etc/sources.list.d,lists/partial,cache/archives/partial}
DIR=$(cd "$DIR" && pwd)
echo "deb ${KEY:+[signed-by=$KEY] }$URI $SUITE main" > "$DIR/etc/sources.list"
[ -f "$DIR/status" ] || : > "$DIR/status"
cat > "$DIR/apt.conf" <<EOF
Dir::Etc::sourcelist "$DIR/etc/sources.list";
Dir::Etc::sourceparts "$DIR/etc/sources.list.d";
Dir::Etc::preferences "$DIR/etc/preferences";
Dir::Etc::preferencesparts "$DIR/etc/preferences.d";
Dir::State::Lists "$DIR/lists";
Dir::State::status "$DIR/status";
Dir::Cache "$DIR/cache";
EOF
# apt drops to its _apt user for downloads, which cannot write here
[ "$(id -u)" != 0 ] || echo 'APT::Sandbox::User "root";' >> "$DIR/apt.conf"

have_lists() { compgen -G "$DIR/lists/*_dists_${SUITE}_main_binary-*_Packages*" > /dev/null; }
if APT_CONFIG=$DIR/apt.conf apt-get -q=2 -o Dir::Cache::pkgcache=pkgcache.bin update > "$DIR/update.log" 2>&1 &&
	! grep -qE '^(E|W): ' "$DIR/update.log" && have_lists; then
	log "$SUITE from $URI: lists up to date"
elif have_lists; then
	log "warning: cannot refresh $SUITE from $URI ($(grep -m1 -E '^(E|W): ' "$DIR/update.log" || echo "apt-get update failed")); using the lists of $(date -r "$DIR/lists" '+%F %H:%M')"
else
	echo "apt-private: $SUITE cannot be reached at $URI: $(grep -m1 -E '^(E|W): ' "$DIR/update.log" || tail -n 1 "$DIR/update.log")" >&2
	[ $fresh = 0 ] || rm -rf "$DIR"
	exit 3
fi
echo "$DIR/apt.conf"
