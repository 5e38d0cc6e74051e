#!/bin/sh
# t-opencryptoki.sh - the core flows on a third PKCS#11 implementation,
# opencryptoki's software token (IBM's own stack: pkcsslotd + a token
# library), set up by ock-lib.sh: DEK create and IBM key-file import,
# keyhash against IBM's example vector, encrypt -> verify --data -> decrypt
# -> cmp (and the same file as SoftHSM writes, footer aside), the audit
# trail, host-assisted `kp import-root` against kp-server, and every key
# p11seal made not modifiable and clean under `token audit`.
# Checks README "Tokens it was run on".
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/ock-lib.sh"
# opencryptoki's module leaks on C_Finalize (LeakSanitizer: blocks from
# the unloaded module, "<unknown module>"), which an ASan build would
# report as p11seal's failure: leaks are checked with the other tokens
if ldd "$P11SEAL" 2>/dev/null | grep -q libasan; then
	diag "ASan build: leak detection off (opencryptoki's own leaks)"
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"
	export ASAN_OPTIONS
fi

why=$(ock_unavailable)
if [ -n "$why" ]; then
	skip "opencryptoki flows" "$why"
	done_testing
	exit 0
fi
# Audit logs never go to the user's own state folder.
export XDG_STATE_HOME="$WORK/state" HOME="$WORK/home"
ock_setup || { not_ok "opencryptoki token set up"; done_testing; exit 1; }
cd "$WORK" || exit 1
IBM_B64=Nrfen98EpMxF2B+wdgLfagzrqvgUZfMK4vL2T0NsT20ihrsNC9pUUHtizF6218pze8RLCgQ6kwxuE58IWLzgDA==
IBM_HASH=21681bba94f04b33b112f5f90a0faa885a6d1dbf1bd68ed16c5b995143088eda
echo "$IBM_B64" | base64 -d >ibm.key
jo() { jq -r "$@" "$WORK/out"; }

# --- the token
check "token info --json" $P11OCK --json token info
assert "the token p11seal initialised, user PIN set" \
	test "$(jo '"\(.label) \(.flags.user_pin_initialized)"')" = "$OCK_LABEL true"
check "token mechanisms --json" $P11OCK --json token mechanisms
assert "XTS composed from two AES keys (no native XTS)" \
	test "$(jo .features.xts.detail)" = "composed from two AES keys with batched CKM_AES_ECB"
assert "keyhash can be computed in the token" \
	test "$(jo .features.keyhash_in_token.available)" = true

# --- DEKs
check "key create dek 64" $P11OCK key create dek --label dek64 --size 64
# opencryptoki 3.8.1 refuses both, and takes CKA_MODIFIABLE=false.
grep_err "warns which attributes the token refused" \
	"refused CKA_COPYABLE and CKA_ALLOWED_MECHANISMS for key 'dek64', so it was made without them"
check "key create dek 32" $P11OCK key create dek --label dek32 --size 32
check "key import dek (IBM key file)" $P11OCK key import dek --label ibm \
	--raw-file ibm.key
grep_err "import warns the raw file is still a secret" "plaintext copy"
check "key show --json ibm" $P11OCK --json key show --label ibm
assert "IBM example keyhash comes out of the token" \
	test "$(jo .keyhash)" = "$IBM_HASH"
assert "imported DEK: 64 bytes, sensitive, not extractable" \
	test "$(jo '"\(.size) \(.sensitive) \(.extractable)"')" = "64 true false"
for k in dek64 dek32 ibm; do
	check "key show --json $k" $P11OCK --json key show --label $k
	assert "$k: data half not modifiable" \
		test "$(jo .attributes.modifiable)" = false
	assert "$k: tweak half not modifiable" \
		test "$(jo .tweak_attributes.modifiable)" = false
	assert "$k: metadata says what the token refused, nothing more" \
		test "$(jo -c .omitted_attributes)" = \
		'["CKA_COPYABLE","CKA_ALLOWED_MECHANISMS"]'
	assert "$k: data half encrypt+decrypt only, tweak half encrypt only" \
		test "$(jo '"\(.attributes | [.encrypt, .decrypt, .wrap, .unwrap]) \(.tweak_attributes | [.encrypt, .decrypt, .wrap, .unwrap])"')" = \
		"[true,true,false,false] [true,false,false,false]"
done
check "key show --json dek32" $P11OCK --json key show --label dek32
assert "dek32: 32 bytes, never extractable" \
	test "$(jo '"\(.size) \(.never_extractable)"')" = "32 true"

# --- an image through the token, and the same file from SoftHSM
truncate -s 8M a.raw
for off in 0 $((3 * 1048576 + 7)) $((6 * 1048576 + 500)); do
	head -c 3000 /dev/urandom | dd of=a.raw bs=1 seek=$off conv=notrunc \
		2>/dev/null
done
check "vhd encrypt" $P11OCK --json vhd encrypt --key ibm --no-progress \
	a.raw a.vhd
assert "encrypt: keyhash is IBM's" test "$(jo .keyhash)" = "$IBM_HASH"
check "vhd verify --data" $P11OCK --json vhd verify --key ibm --data a.vhd
assert "verify: plaintext digest of the input" \
	test "$(jo .plaintext_sha256)" = "$(sha256sum <a.raw | cut -d' ' -f1)"
check "vhd decrypt" $P11OCK vhd decrypt --key ibm a.vhd a.dec
check "decrypted image equals the input" cmp a.dec a.raw
hsm_setup soft
$P11 key import dek --label ibm --raw-file ibm.key >/dev/null 2>&1
check "the same image through SoftHSM" $P11 vhd encrypt --key ibm \
	--no-progress a.raw soft.vhd
# A dynamic VHD starts and ends with a footer (time stamp, UUID, checksum).
n=$(($(stat -c %s a.vhd) - 1024))
assert "opencryptoki's file equals SoftHSM's apart from the footers" \
	test "$(tail -c +513 a.vhd | head -c $n | sha256sum)" = \
	"$(tail -c +513 soft.vhd | head -c $n | sha256sum)"

# --- the audit trail
A="$P11OCK --audit-log $WORK/audit.log"
check "key create audit" $A key create audit
check "key show --json p11seal-audit" $P11OCK --json key show --label p11seal-audit
assert "audit key: sign+verify only, never extractable, not modifiable" \
	test "$(jo '.attributes | "\(.sign) \(.verify) \(.encrypt) \(.extractable) \(.modifiable)"')" = \
	"true true false false false"
check "audited key create dek" $A key create dek --label aud --size 64
check "audited key delete" $A key delete --label dek32 --yes
check "audit verify" $A audit verify "$WORK/audit.log"
assert "five records: the audit key, intent and result of the create and the delete" \
	test "$(jq -r '"\(.op) \(.key.label) \(.result)"' "$WORK/audit.log" | paste -sd, -)" = \
	"key.create p11seal-audit ok,key.create aud started,key.create aud ok,key.delete dek32 started,key.delete dek32 ok"
# The token keeps the chain head: every later command writes to this log.
P11OCK=$A

# --- host-assisted root key import against kp-server
if [ -x "$KP_SERVER" ] && command -v openssl >/dev/null; then
	. "$ROOT/tests/integration/kp-lib.sh"
	if kp_start; then
		check "kp import-root --host-assisted" $P11OCK --json \
			kp import-root --label kroot --name ock-root \
			--host-assisted --cacert "$KP_CACERT"
		assert "import reported host-assisted, metadata stored" \
			test "$(jo '"\(.import) \(.metadata_stored)"')" = \
			"host-assisted true"
		assert "--json names what the root copy was made without" \
			test "$(jo -c .template_warnings)" = \
			'[{"label":"kroot","omitted_attributes":["CKA_COPYABLE","CKA_ALLOWED_MECHANISMS"]}]'
		check "key show --json kroot" $P11OCK --json key show --label kroot
		assert "root copy: root, sensitive, not extractable, not modifiable" \
			test "$(jo '"\(.kind) \(.sensitive) \(.extractable) \(.attributes.modifiable)"')" = \
			"root true false false"
	else
		not_ok "kp-server starts"
	fi
else
	skip "host-assisted import" "kp-server or openssl missing"
fi

# --- every key p11seal made passes its own audit
check "token audit is clean" $P11OCK token audit
grep -q "^no findings" "$WORK/out" || sed 's/^/#   /' "$WORK/out"
check "token audit --json" $P11OCK --json token audit
assert "token audit notes what each key was made without" \
	test "$(jo '[.notes[] | .label] | contains(["aud", "dek64", "ibm", "p11seal-audit"])')" = true
check "audit verify after every command" $A audit verify "$WORK/audit.log"

done_testing
