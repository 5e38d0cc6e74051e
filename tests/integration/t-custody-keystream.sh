#!/bin/sh
# t-custody-keystream.sh - the root key a token keeps after a Key Protect
# import is no oracle for the WDEKs made under it (issue 11). Key Protect
# wraps a DEK with AES-GCM under the root material; GCM's ciphertext is the
# plaintext XOR a keystream that depends on the key and the IV only, so a
# PIN holder whose kept root key could still encrypt (AES-GCM with the
# WDEK's IV over zeros, or AES-ECB/CBC over the counter blocks) would read
# every DEK from its WDEK without Key Protect. Raw PKCS#11 calls
# (p11raw.py), not p11seal: the kept key refuses every usage, the DEK
# does not come out, and the same attack run on a key with the old kept
# template (encrypt) does give the DEK, so the test can fail. `token
# audit` names such an old kept root key (root-oracle).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
if [ ! -x "$KP_SERVER" ] || ! command -v jq >/dev/null ||
	! $PY -c 'import cryptography' 2>/dev/null; then
	skip "kept root keys are no keystream oracle" \
		"kp-server, jq or python3-cryptography missing"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp-lib.sh"
RAW="$PY $ROOT/tests/integration/p11raw.py"
export XDG_STATE_HOME="$WORK/state"
KP_NO_FAULTS=1 kp_start --rotate-interval 0 ||
	{ not_ok "kp-server starts"; done_testing; exit 1; }
CA="--cacert $KP_CACERT"
hsm_setup ks
raw() { $RAW --module "$SOFTHSM_MODULE" --token ks --pin-file "$WORK/pin" "$@"; }
jo() { jq -r "$1" "$WORK/out"; }

check "host-assisted import: root key R kept in the token" $P11 --json \
	kp import-root --label R --name ks-root --host-assisted $CA
ROOT_ID=$(jo .key_id)
check "a 64-byte DEK wrapped by Key Protect under R" $P11 --json key create \
	dek --label D --size 64 --kp-root "$ROOT_ID" $CA
WDEK=$(jo .wrapped_dek)
KEYHASH=$(jo .keyhash)

# The WDEK's IV and ciphertext: base64(JSON{"ciphertext": b64(ct || tag),
# "iv": b64}) (docs/keyprotect-api.md).
printf '%s' "$WDEK" | base64 -d >"$WORK/wdek.json" 2>/dev/null
IV=$(jq -r .iv "$WORK/wdek.json" | base64 -d | od -An -v -tx1 | tr -d ' \n')
jq -r .ciphertext "$WORK/wdek.json" | base64 -d | head -c 64 >"$WORK/ct"
assert "the WDEK has a 12-byte IV and 64 bytes of ciphertext" \
	[ "${#IV}" -eq 24 ] && [ "$(wc -c <"$WORK/ct")" -eq 64 ]
head -c 64 /dev/zero >"$WORK/zeros"

# attack KEY NAME: GCM-encrypt zeros under KEY with the WDEK's IV, XOR the
# keystream into the WDEK's ciphertext; prints the keyhash of what comes out
attack() {
	raw encrypt "$1" "gcm:$IV" "$WORK/zeros" "$WORK/ks.$2" \
		>"$WORK/raw.$2" 2>&1 || return 1
	$PY - "$WORK/ks.$2" "$WORK/ct" <<-'EOF'
	import hashlib, sys
	ks, ct = (open(p, "rb").read()[:64] for p in sys.argv[1:3])
	dek = bytes(a ^ b for a, b in zip(ks, ct))
	print(hashlib.sha256(bytes(32) + dek).hexdigest())
	EOF
}

# --- the kept root key refuses; the DEK stays in the WDEK
if got=$(attack R/secret kept); then
	not_ok "raw: the kept root key encrypted for a PIN holder (DEK keyhash match: $([ "$got" = "$KEYHASH" ] && echo yes || echo no))"
else
	grep -q "CKR_KEY_FUNCTION_NOT_PERMITTED" "$WORK/raw.kept" &&
		ok "raw: the kept root key refuses AES-GCM encrypt: CKR_KEY_FUNCTION_NOT_PERMITTED" ||
		not_ok "raw: the kept root key's refusal: $(tail -n 1 "$WORK/raw.kept")"
fi
for m in ecb cbc-pad:00000000000000000000000000000000; do
	refused=$(raw encrypt R/secret "$m" "$WORK/zeros" "$WORK/x" 2>&1 | tail -n 1)
	case $refused in
	*CKR_KEY_FUNCTION_NOT_PERMITTED | *CKR_MECHANISM_INVALID | *CKR_KEY_TYPE_INCONSISTENT)
		ok "raw: and ${m%%:*} encrypt: ${refused##*: }" ;;
	*) not_ok "raw: ${m%%:*} encrypt under the kept root key: $refused" ;;
	esac
done
check "raw: the kept root key says encrypt, decrypt, wrap, unwrap, derive, sign: all false" \
	raw get R/secret encrypt decrypt wrap unwrap derive sign verify extractable
assert "(no usage is true, not extractable)" \
	sh -c "! grep -q '=true' '$WORK/out'"
expect_exit 1 "raw: switching encrypt back on is refused (not modifiable)" \
	raw set R/secret encrypt=true
check "token audit: clean" $P11 token audit

# --- the control: the same attack on a key with the old kept template,
# encrypt only: the DEK comes out. The material is a fresh key's, so the
# keystream is checked against a WDEK made under it here.
check "raw: a key as an older p11seal kept it (encrypt only, CKA_ID as the kept root's)" \
	raw genaes O value_len=32 token=true private=true sensitive=true \
	extractable=false encrypt=true decrypt=false wrap=false unwrap=false \
	derive=false sign=false verify=false modifiable=false label=R.old \
	"id=hex:$(raw get R/secret id | sed -n 's/^id=//p')"
head -c 64 /dev/urandom >"$WORK/dek"
check "raw: Key Protect's wrap, as AES-GCM under that key" \
	raw encrypt R.old/secret "gcm:$IV" "$WORK/dek" "$WORK/wdek.old"
head -c 64 "$WORK/wdek.old" >"$WORK/ct"
KEYHASH=$($PY -c 'import hashlib,sys; print(hashlib.sha256(bytes(32)+open(sys.argv[1],"rb").read()).hexdigest())' "$WORK/dek")
got=$(attack R.old/secret old)
assert "raw: its keystream gives the DEK back (the template is what stops it)" \
	[ "$got" = "$KEYHASH" ]
expect_exit 6 "token audit exits 6" $P11 token audit
grep -q "^'R.old' .*root-oracle" "$WORK/out" &&
	ok "token audit names the old kept root key: root-oracle" ||
	not_ok "token audit names R.old: $(cat "$WORK/out")"
assert "and not the kept root key R (notes aside)" \
	sh -c "! grep -v ') note: ' '$WORK/out' | grep -q \"^'R' \""
done_testing
