#!/bin/sh
# t-kp-server-import.sh - secure import into the local Key Protect server,
# done with the openssl CLI (RSA-OAEP) and Debian's python3-cryptography
# (AES-GCM/CBC nonce), so the server's checks are proven independently
# of p11seal's client: token life cycle, every check of
# docs/keyprotect-api.md §4, its test vectors (KP and HPCS), rotation
# with new material.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/kp-lib.sh"
. "$(dirname "$0")/kp-test.sh"

VEC_K=000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f
VEC_NONCE=8zJE9pKVdXVe/nLb

# token_get: GET the import token; public key in $WORK/pub.pem, nonce in
# $NONCE.
token_get() {
	req GET /api/v2/import_token
	jb .payload | base64 -d >"$WORK/pub.pem" 2>/dev/null
	NONCE=$(jb .nonce)
}

# token_new [BODY]: POST a new token and GET it.
token_new() {
	_b=${1:-}
	[ -n "$_b" ] || _b='{}'
	req POST /api/v2/import_token "$_b"
	token_get
}

# oaep HEXKEY [sha256|sha1]: base64 RSA-OAEP of the key under pub.pem.
oaep() {
	unhex "$1" >"$WORK/k.bin"
	openssl pkeyutl -encrypt -pubin -inkey "$WORK/pub.pem" -in "$WORK/k.bin" \
		-pkeyopt rsa_padding_mode:oaep -pkeyopt "rsa_oaep_md:${2:-sha256}" \
		-pkeyopt "rsa_mgf1_md:${2:-sha256}" | base64 -w0
}

# seal_nonce HEXKEY NONCE_B64 HEXIV: AES-GCM (12-byte IV, tag appended)
# or, with a 16-byte IV, AES-CBC-PKCS#7 as HPCS does.
seal_nonce() {
	$PY - "$@" <<'EOF'
import base64, sys
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
k, n, iv = bytes.fromhex(sys.argv[1]), base64.b64decode(sys.argv[2]), bytes.fromhex(sys.argv[3])
if len(iv) == 12:
    out = AESGCM(k).encrypt(iv, n, None)
else:
    p = padding.PKCS7(128).padder()
    e = Cipher(algorithms.AES(k), modes.CBC(iv)).encryptor()
    out = e.update(p.update(n) + p.finalize()) + e.finalize()
print(base64.b64encode(out).decode())
EOF
}

unhex() { $PY -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.argv[1]))' "$1"; }
tohex() { od -An -tx1 -v | tr -d ' \n'; }
hex2b64() { unhex "$1" | base64 -w0; }
rand_hex() { head -c "$1" /dev/urandom | tohex; }

# secure NAME PAYLOAD ENCNONCE IVB64 [ALG]: create a root key by secure
# import; id in $KID.
secure() {
	mkkey "$1" false "\"payload\":\"$2\",\"encryptedNonce\":\"$3\",\
\"iv\":\"$4\",\"encryptionAlgorithm\":\"${5:-RSAES_OAEP_SHA_256}\""
}

# same_material KEY_A KEY_B: a WDEK made by A unwraps with B.
same_material() {
	_dek=$(head -c 32 /dev/urandom | base64 -w0)
	action "$1" wrap "{\"plaintext\":\"$_dek\"}"
	action "$2" unwrap "{\"ciphertext\":\"$(jb .ciphertext)\"}"
	[ "$(jb .plaintext)" = "$_dek" ]
}

kp_start --min-token-expiration 2 --rotate-interval 0 --enable-wait 0 ||
	{ not_ok "kp-server starts"; done_testing; exit 1; }
kp_auth

# ---- the import token ----
req GET /api/v2/import_token
expect_st "no import token yet: 404" 404
for bad in '{"expiration":1}' '{"expiration":86401}' \
	'{"maxAllowedRetrievals":0}' '{"maxAllowedRetrievals":501}' \
	'{"expiration":"600"}'; do
	req POST /api/v2/import_token "$bad"
	expect_st "import token with $bad: 400" 400 INVALID_FIELD_ERR
done
req POST /api/v2/import_token
expect_st "create an import token without a body: 200" 200
expect_eq "... one retrieval by default" \
	"$(jb .maxAllowedRetrievals),$(jb .remainingRetrievals)" 1,1
expect_eq "... valid 600 s by default" \
	$(( $(date -d "$(jb .expirationDate)" +%s) - $(date -d "$(jb .creationDate)" +%s) )) 600
req POST /api/v2/import_token '{"expiration":900,"maxAllowedRetrievals":2}'
expect_st "replace it with a new one: 200" 200
expect_eq "... with the asked lifetime" \
	$(( $(date -d "$(jb .expirationDate)" +%s) - $(date -d "$(jb .creationDate)" +%s) )) 900
token_get
expect_st "GET the token: 200" 200
expect_eq "... retrievals counted down" "$(jb .remainingRetrievals)" 1
expect_eq "payload is base64 of a PEM public key" "$(head -n 1 "$WORK/pub.pem")" \
	"-----BEGIN PUBLIC KEY-----"
case $(openssl pkey -pubin -in "$WORK/pub.pem" -noout -text 2>&1 | head -n 1) in
*"4096 bit"*) ok "... an RSA-4096 key" ;;
*) not_ok "... an RSA-4096 key" ;;
esac
expect_eq "nonce is 12 bytes" "$(printf '%s' "$NONCE" | base64 -d | wc -c)" 12
PUB1=$(cat "$WORK/pub.pem")
NONCE1=$NONCE
token_get
expect_eq "second GET: no retrievals left" "$(jb .remainingRetrievals)" 0
expect_eq "... same key and nonce" "$(cat "$WORK/pub.pem"),$NONCE" "$PUB1,$NONCE1"
req GET /api/v2/import_token
expect_st "third GET: 409" 409 IMPORT_TOKEN_EXPIRED_ERR
printf '%s\n' "$PUB1" >"$WORK/pub.pem"

# ---- secure import and its checks (docs/keyprotect-api.md §4) ----
K1=$(rand_hex 32)
IV1=$(rand_hex 12)
ENC1=$(oaep "$K1")
EN1=$(seal_nonce "$K1" "$NONCE1" "$IV1")
secure secure-one "$ENC1" "$EN1" "$(hex2b64 "$IV1")"
expect_st "secure import (retrievals used up, token unexpired): 201" 201
SEC1=$KID
expect_eq "... imported, active, 256 bits" \
	"$(jb '.resources[0].imported'),$(jb '.resources[0].state'),$(jb '.resources[0].algorithmBitSize')" \
	true,1,256
mkkey plain-twin false "\"payload\":\"$(hex2b64 "$K1")\""
TWIN1=$KID
assert "the server stored exactly the key that was sent" \
	same_material "$SEC1" "$TWIN1"
mkkey no-alg false "\"payload\":\"$ENC1\",\"encryptedNonce\":\"$EN1\",\"iv\":\"$(hex2b64 "$IV1")\""
expect_st "encryptionAlgorithm defaults to RSAES_OAEP_SHA_256" 201

secure wrong-nonce "$ENC1" "$(seal_nonce "$K1" "$(hex2b64 "$(rand_hex 12)")" "$IV1")" "$(hex2b64 "$IV1")"
expect_st "another nonce: 400" 400 INCORRECT_NONCE_ERR
K2=$(rand_hex 32)
secure wrong-key "$ENC1" "$(seal_nonce "$K2" "$NONCE1" "$IV1")" "$(hex2b64 "$IV1")"
expect_st "nonce sealed with another key: 400" 400 INCORRECT_NONCE_IV_ERR
secure wrong-iv "$ENC1" "$EN1" "$(hex2b64 "$(rand_hex 12)")"
expect_st "another IV: 400" 400 INCORRECT_NONCE_IV_ERR
flipped=$(hex2b64 "$(printf '%s' "$EN1" | base64 -d | tohex | sed 's/^../ff/')")
secure flipped "$ENC1" "$flipped" "$(hex2b64 "$IV1")"
expect_st "tampered encrypted nonce: 400" 400 INCORRECT_NONCE_IV_ERR
secure sha1-oaep "$(oaep "$K1" sha1)" "$EN1" "$(hex2b64 "$IV1")"
expect_st "payload OAEP'd with SHA-1 but declared SHA-256" 400 INVALID_FIELD_ERR
expect_eq "... target is the payload" "$(jb '.resources[0].reasons[0].target.name')" payload
secure not-rsa "$(hex2b64 "$K1")" "$EN1" "$(hex2b64 "$IV1")"
expect_st "payload that is no RSA ciphertext" 400 INVALID_FIELD_ERR
K20=$(rand_hex 20)
secure short-key "$(oaep "$K20")" "$EN1" "$(hex2b64 "$IV1")"
expect_st "20-byte key material" 400 INVALID_FIELD_ERR
secure sha1-alg "$(oaep "$K1" sha1)" "$EN1" "$(hex2b64 "$IV1")" RSAES_OAEP_SHA_1
expect_st "RSAES_OAEP_SHA_1 outside HPCS mode" 400 INVALID_FIELD_ERR
expect_eq "... target encryptionAlgorithm" \
	"$(jb '.resources[0].reasons[0].target.name')" encryptionAlgorithm
IV16=$(rand_hex 16)
secure cbc "$ENC1" "$(seal_nonce "$K1" "$NONCE1" "$IV16")" "$(hex2b64 "$IV16")"
expect_st "16-byte IV (CBC) outside HPCS mode" 400 INVALID_FIELD_ERR
mkkey alg-only false "\"payload\":\"$(hex2b64 "$K1")\",\"encryptionAlgorithm\":\"RSAES_OAEP_SHA_256\""
expect_st "encryptionAlgorithm without nonce and iv" 400 INVALID_FIELD_ERR
mkkey nonce-only false "\"payload\":\"$ENC1\",\"encryptedNonce\":\"$EN1\""
expect_st "encryptedNonce without iv" 400 INVALID_FIELD_ERR
mkkey no-payload false "\"encryptedNonce\":\"$EN1\",\"iv\":\"$(hex2b64 "$IV1")\""
expect_st "nonce and iv without payload" 400 INVALID_FIELD_ERR

# ---- rotation with a new import token ----
action "$SEC1" wrap '{"plaintext":"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}'
OLDCT=$(jb .ciphertext)
token_new '{"maxAllowedRetrievals":1}'
K3=$(rand_hex 32)
IV3=$(rand_hex 12)
action "$SEC1" rotate "{\"payload\":\"$(oaep "$K3")\",\"encryptedNonce\":\"$(seal_nonce "$K3" "$NONCE1" "$IV3")\",\"iv\":\"$(hex2b64 "$IV3")\",\"encryptionAlgorithm\":\"RSAES_OAEP_SHA_256\"}"
expect_st "rotation with the old token's nonce" 400 INCORRECT_NONCE_ERR
ROT="{\"payload\":\"$(oaep "$K3")\",\"encryptedNonce\":\"$(seal_nonce "$K3" "$NONCE" "$IV3")\",\"iv\":\"$(hex2b64 "$IV3")\",\"encryptionAlgorithm\":\"RSAES_OAEP_SHA_256\"}"
action "$SEC1" rotate "$ROT"
expect_st "rotate a securely imported key: 204" 204
mkkey plain-twin-3 false "\"payload\":\"$(hex2b64 "$K3")\""
assert "the new version holds the new material" same_material "$SEC1" "$KID"
action "$SEC1" unwrap "{\"ciphertext\":\"$OLDCT\"}"
expect_eq "the old WDEK unwraps and is rewrapped" \
	"$(jb .plaintext),$(jb '.rewrappedKeyVersion.id != null')" \
	"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=,true"

# ---- the spec's vector (docs/keyprotect-api.md §3) ----
expect_eq "python reproduces the spec's encryptedNonce" \
	"$(seal_nonce "$VEC_K" "$VEC_NONCE" a0a1a2a3a4a5a6a7a8a9aaab)" \
	FSo429ded8o8m/UI8d8qfiDrax8KfKrlKqeVOA==
token_new
st=$(curl -sS --cacert "$KP_CACERT" -o /dev/null -w '%{http_code}' \
	-d "{\"nonce\":\"$VEC_NONCE\"}" "$KP_URL/admin/import_token")
expect_eq "pin the token nonce to the spec's (admin)" "$st" 204
secure vector "$(oaep "$VEC_K")" FSo429ded8o8m/UI8d8qfiDrax8KfKrlKqeVOA== \
	oKGio6Slpqeoqaqr
expect_st "the spec's KP vector imports" 201
VECKEY=$KID
secure vector-bad "$(oaep "$VEC_K")" GSo429ded8o8m/UI8d8qfiDrax8KfKrlKqeVOA== \
	oKGio6Slpqeoqaqr
expect_st "... and fails with one bit changed" 400 INCORRECT_NONCE_IV_ERR

# ---- expiry ----
token_new '{"expiration":5}'
expect_st "a 5-second token (--min-token-expiration 2)" 200
tick 6
req GET /api/v2/import_token
expect_st "GET after expiry: 409" 409 IMPORT_TOKEN_EXPIRED_ERR
K4=$(rand_hex 16)
IV4=$(rand_hex 12)
secure expired "$(oaep "$K4")" "$(seal_nonce "$K4" "$NONCE" "$IV4")" "$(hex2b64 "$IV4")"
expect_st "import after expiry: 409" 409 IMPORT_TOKEN_EXPIRED_ERR
expect_eq "... errorMsg prefix" "$(errmsg | cut -d: -f1)" Conflict

# ---- HPCS mode: OAEP SHA-1 and the CBC nonce vector (4.3) ----
token_new
kp_stop
kp_start --min-token-expiration 2 --hpcs ||
	{ not_ok "kp-server restarts with --hpcs"; done_testing; exit 1; }
kp_auth
req GET /api/v2/import_token
expect_st "the import token does not survive a restart" 409 IMPORT_TOKEN_EXPIRED_ERR
expect_eq "python reproduces the spec's HPCS nonce" \
	"$(seal_nonce "$VEC_K" "$VEC_NONCE" b0b1b2b3b4b5b6b7b8b9babbbcbdbebf)" \
	vQ0xsHUzA2RK7E7I5zWMBQ==
token_new
curl -sS --cacert "$KP_CACERT" -d "{\"nonce\":\"$VEC_NONCE\"}" \
	"$KP_URL/admin/import_token"
secure hpcs-vector "$(oaep "$VEC_K" sha1)" vQ0xsHUzA2RK7E7I5zWMBQ== \
	sLGys7S1tre4ubq7vL2+vw== RSAES_OAEP_SHA_1
expect_st "the spec's HPCS vector imports with --hpcs" 201
assert "... holding the same material as the KP vector key" \
	same_material "$KID" "$VECKEY"
IV5=$(rand_hex 12)
secure hpcs-gcm "$(oaep "$VEC_K")" "$(seal_nonce "$VEC_K" "$VEC_NONCE" "$IV5")" \
	"$(hex2b64 "$IV5")"
expect_st "--hpcs still takes SHA-256 with a GCM nonce" 201
secure hpcs-bad "$(oaep "$VEC_K" sha1)" vQ0xsHUzA2RK7E7I5zWMBQ== \
	"$(hex2b64 "$(rand_hex 16)")" RSAES_OAEP_SHA_1
expect_st "CBC nonce with another IV" 400
done_testing
