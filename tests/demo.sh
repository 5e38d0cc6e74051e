#!/bin/sh
# tests/demo.sh - `make demo`: p11seal's main job end to end on the
# embedded defaults, with no prompts: a throw-away SoftHSM token made from
# softhsm-conf/, keys created inside it, and what a user would see.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
B=${B:-build}
. "$ROOT/tests/need.sh"
need_packages
[ -x "$ROOT/$B/p11seal" ] || make -C "$ROOT" B="$B" >/dev/null
P11SEAL="$ROOT/$B/p11seal"
DEMO=$(mktemp -d "${TMPDIR:-/tmp}/p11seal-demo.XXXXXX")
trap 'rm -rf "$DEMO"' EXIT
step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*" | sed "s|$P11SEAL|p11seal|; s|$DEMO|\$DEMO|g"; "$@"; }

step "1. A throw-away SoftHSM token (softhsm-conf/softhsm2.conf.in)"
mkdir -p "$DEMO/tokens"
sed "s|@TOKENDIR@|$DEMO/tokens|" "$ROOT/softhsm-conf/softhsm2.conf.in" >"$DEMO/softhsm2.conf"
export SOFTHSM2_CONF="$DEMO/softhsm2.conf"
MODULE=$(sed -n 's/^module: *//p' /usr/share/p11-kit/modules/softhsm2.module)
umask 077
printf 'demo-user-pin' >"$DEMO/user.pin"
printf 'demo-so-pin' >"$DEMO/so.pin"
run "$P11SEAL" --module "$MODULE" --pin-source "file:$DEMO/user.pin" \
	token init --label demo-station --so-pin-source "file:$DEMO/so.pin"
P="$P11SEAL --module $MODULE --token pkcs11:token=demo-station --pin-source file:$DEMO/user.pin"
run $P token info

step "2. What this token can do for p11seal"
run $P token mechanisms --no-trials | sed -n '1,7p'

step "3. A root key and two DEKs, generated inside the token"
run $P key create root --label demo-root
run $P key create dek --label demo-dek --size 64
run $P key create dek --label demo-dek-128 --size 32

step "4. Migrating IBM's documented example key file into the token"
echo Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF6218pze8RLCgQ6kwxuE58IWLzgDA== |
	base64 -d >"$DEMO/aes512.dek"
run $P key import dek --label ibm-example --raw-file "$DEMO/aes512.dek"
rm -f "$DEMO/aes512.dek"
echo "(IBM's vhd-util prints keyhash 21681bba94f04b33b112f5f90a0faa885a6d1dbf1bd68ed16c5b995143088eda for this key)"

step "5. The keys, as a security officer sees them"
run $P key list
run $P --json key show --label demo-dek | sed -n '1,12p'

printf '\ndemo finished: the token lived in %s and is now removed\n' '$DEMO'
