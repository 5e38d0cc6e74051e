#!/bin/sh
# t-newcomer.sh - the mistakes of a newcomer's first hour (issue 15) get a
# clear line and their documented exit code, and README "Tokens and PINs"
# and "Configuration" hold: a second token under a taken label is refused
# (exit 7), PIN files must be exactly 0600 or 0400, an uninitialised token
# is named as such, `token info` without --token takes the one initialised
# token beside SoftHSM's free slot.
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
hsm_setup station
M="$P11SEAL --module $SOFTHSM_MODULE"
printf '%s' "$SO_PIN" >so.pin
chmod 600 so.pin

# README "Tokens and PINs": token init refuses a label already in use
expect_exit 7 "token init --label station again: exit 7" $M \
	--pin-source file:"$WORK/pin" token init --label station \
	--so-pin-source file:so.pin
grep_err "... naming the label and the way out" \
	"token labelled 'station' already exists.*--force"
$M token list >tokens 2>&1
assert "... and no second 'station' token was made" \
	test "$(grep -c '^station ' tokens)" -eq 1

# README "Configuration": token info without --token, one initialised token
check "token info without --token takes the only initialised token" $M \
	token info
assert "... which is station" grep -q '^token: *station' "$WORK/out"

# README "Tokens and PINs": a PIN file is 0600 or 0400, nothing else
for mode in 700 500 200 640 604; do
	chmod "$mode" "$WORK/pin"
	expect_exit 7 "PIN file mode 0$mode refused" $P11 key list
	grep_err "... naming the mode wanted" "mode 0600 or 0400"
done
for mode in 600 400; do
	chmod "$mode" "$WORK/pin"
	check "PIN file mode 0$mode accepted" $P11 key list
done
chmod 600 "$WORK/pin"

# An empty SoftHSM token folder: the free slot is named as uninitialised,
# not "C_OpenSession on token : ..." with a blank name
mkdir -p empty/tokens
sed "s|@TOKENDIR@|$WORK/empty/tokens|" \
	"$ROOT/softhsm-conf/softhsm2.conf.in" >empty/softhsm2.conf
SOFTHSM2_CONF=$WORK/empty/softhsm2.conf expect_exit 4 \
	"empty token folder: exit 4" $M --pin-source file:"$WORK/pin" key list
grep_err "... the token is named as not initialised, and the fix" \
	"not initialised.*token init --label"

done_testing
