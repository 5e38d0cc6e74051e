#!/bin/sh
# t-kp-flows-import-check.sh - the secure import checked by a second,
# independent implementation: kp_fake.py plays Key Protect with its own
# RSA key and the real service's checks in Python `cryptography` (OAEP
# SHA-256/MGF1-SHA-256 payload, AES-GCM nonce; OAEP SHA-1 and AES-CBC for
# HPCS), and records the key material K it decrypted. The token's kept
# root key must refuse to encrypt (no keystream oracle for the WDEKs) and
# its check value must be what Python computes under K
# (test_kp_root_check, raw PKCS#11): the token holds what Key Protect got
# (NSS softoken keeps no check value: there only the refusal is checked).
# Host-assisted on SoftHSM, in the token on NSS softoken, the SO ceremony
# on SoftHSM for HPCS.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
CHECK=$ROOT/${B:-build}/tests/test_kp_root_check
if ! command -v jq >/dev/null || [ ! -x "$CHECK" ] ||
	! $PY -c 'import cryptography' 2>/dev/null; then
	skip "independent import check" \
		"jq, test_kp_root_check or python3-cryptography missing"
	done_testing
	exit 0
fi
. "$ROOT/tests/integration/kp_fake.sh"
export FAKE_PY=$PY
at_exit fake_stop_all
fake_pki
fake_start F server
hsm_setup c1
softhsm2-util --init-token --free --label c2 --pin "$USER_PIN" \
	--so-pin "$SO_PIN" >/dev/null
printf '%s' "$SO_PIN" >"$WORK/sopin"
chmod 600 "$WORK/sopin"
KP="--kp-url $F_URL --iam-url $F_URL --instance-id $FAKE_GUID --cacert $WORK/pki/ca.pem"
IV=a0a1a2a3a4a5a6a7a8a9aaab
IV16=b0b1b2b3b4b5b6b7b8b9babbbcbdbebf

# service HPCS: the fake's secure-import rules (fresh state each time).
service() {
	fake_script F "{\"rules\": [
		{\"match\": \"POST /api/v2/import_token\", \"handler\": \"import_token_create\"},
		{\"match\": \"GET /api/v2/import_token\", \"handler\": \"import_token_get\"},
		{\"match\": \"GET /api/v2/keys\", \"handler\": \"keys_list\"},
		{\"match\": \"POST /api/v2/keys\", \"handler\": \"keys_create\", \"hpcs\": $1, \"instance\": \"$FAKE_GUID\"}]}"
}
# material: the K the fake decrypted from the last import
material() { jq -r 'select(.imported) | .imported.key' "$WORK/F.log" | tail -n 1; }
# kcv K: the check value of AES key K (PKCS#11 3.0: the first 3 bytes of
# AES-ECB of a zero block)
kcv() {
	$PY - "$1" <<-'EOF'
	import sys
	from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
	e = Cipher(algorithms.AES(bytes.fromhex(sys.argv[1])), modes.ECB()).encryptor()
	print((e.update(bytes(16)) + e.finalize())[:3].hex())
	EOF
}
# token_check DESC MODULE INITARGS TOKEN KEY MECH IV EXPECT [EXIT]
token_check() {
	desc=$1
	shift
	P11CHK_MODULE=$1 P11CHK_INIT_ARGS=$2 P11CHK_TOKEN=$3 P11CHK_KEY=$4 \
		P11CHK_MECH=$5 P11CHK_IV=$6 P11CHK_EXPECT=$7 \
		P11CHK_PIN_FILE=$WORK/pin expect_exit "${8:-0}" "$desc" "$CHECK"
}
# flip HEX: HEX with its first digit changed
flip() {
	case $1 in
	0*) printf '1%s' "${1#?}" ;;
	*) printf '0%s' "${1#?}" ;;
	esac
}
# replay NAME JQ: the last POST /api/v2/keys body changed by JQ, sent to
# the fake again; prints the reason code it answers with
replay() {
	jq -c 'select(.line == "POST /api/v2/keys") | .body' "$WORK/F.log" |
		tail -n 1 | jq -r . | jq -c "$2" >"$WORK/$1.json"
	curl -sS --cacert "$WORK/pki/ca.pem" -X POST \
		--data-binary "@$WORK/$1.json" "$F_URL/api/v2/keys" |
		jq -r '.resources[0].reasons[0].code'
}

# --- host-assisted on SoftHSM
service false
check "host-assisted import against the independent service" $P11 --json \
	kp import-root --label hk --name indep-host --host-assisted $KP
K=$(material)
assert "the service decrypted a 32-byte key" [ "${#K}" -eq 64 ]
token_check "SoftHSM root key: no AES-GCM encrypt, check value of K" \
	"$SOFTHSM_MODULE" "" c1 hk gcm "$IV" "$(kcv "$K")"
token_check "a wrong expectation fails (the check can fail)" \
	"$SOFTHSM_MODULE" "" c1 hk gcm "$IV" "$(flip "$(kcv "$K")")" 1
# refused DESC REASON JQ: a tampered replay gets Key Protect's REASON
refused() {
	got=$(replay t "$3")
	assert "$1 ($got)" [ "$got" = "$2" ]
}
refused "a tampered nonce is refused by the service" INCORRECT_NONCE_IV_ERR \
	'.resources[0].encryptedNonce |= (if startswith("A") then "B" else "A" end) + .[1:]'
refused "a tampered payload is refused by the service" INVALID_FIELD_ERR \
	'.resources[0].payload |= (if startswith("A") then "B" else "A" end) + .[1:]'
refused "SHA-1 is refused by the Key Protect service" INVALID_FIELD_ERR \
	'.resources[0].encryptionAlgorithm = "RSAES_OAEP_SHA_1"'

# --- in the token on NSS softoken
if [ -f "$NSS_MODULE" ] && command -v certutil >/dev/null &&
	nss_setup "$WORK/nss"; then
	service false
	check "NSS in-token import against the independent service" \
		$P11NSS --json kp import-root --label nk --name indep-nss $KP
	assert "made in the token" [ "$(jq -r .ceremony "$WORK/out")" = session-copy ]
	K=$(material)
	# NSS softoken 3.87 keeps no CKA_CHECK_VALUE (measured): nothing
	# left to compare the material with once the key does nothing
	token_check "NSS root key: no AES-GCM encrypt (no check value kept)" \
		"$NSS_MODULE" "configdir='sql:$WORK/nss'" \
		"NSS%20Certificate%20DB" nk gcm "$IV" none
else
	skip "NSS softoken against the independent service" "NSS missing"
fi

# --- HPCS: the SO ceremony on SoftHSM, OAEP SHA-1 and an AES-CBC nonce
service true
check "HPCS trusted import against the independent service" \
	$P11SEAL --module "$SOFTHSM_MODULE" --token pkcs11:token=c2 \
	--pin-source "file:$WORK/pin" --json kp import-root --label ck \
	--name indep-hpcs --hpcs --so-pin-source "file:$WORK/sopin" $KP
assert "trusted wrap" [ "$(jq -r .ceremony "$WORK/out")" = trusted-wrap ]
K=$(material)
token_check "HPCS root key: no AES-CBC-PAD encrypt, check value of K" \
	"$SOFTHSM_MODULE" "" c2 ck cbc "$IV16" "$(kcv "$K")"

# F.log is the fake service's own request log: it holds the IAM form.
leaks=$(grep -rlF "$FAKE_API_KEY" "$WORK" 2>/dev/null | grep -v "/F.log$")
assert "the API key is in no file of p11seal's ($leaks)" [ -z "$leaks" ]
done_testing
