#!/bin/sh
# t-layers.sh - the layers are held by the build (README "Architecture"):
# a wrong-way include by bare name fails to compile, and `make layers`
# refuses path includes, PKCS#11 calls outside pkcs11/ and JSON parsing
# outside common/json.c. Each rule is shown failing on a planted copy of
# the tree, so the test cannot pass by accident.
. "$(dirname "$0")/lib.sh"

cflags() { make -s -C "$ROOT" --no-print-directory print-inc-"$1"; }

# Compile one line of C with the include flags the Makefile gives folder $1.
compiles() (
	cd "$ROOT" || exit 1
	printf '%s\nint layers_probe(void);\nint layers_probe(void) { return 0; }\n' \
		"$2" >"$WORK/probe.c"
	# shellcheck disable=SC2046
	cc -std=c11 -D_GNU_SOURCE $(pkg-config --cflags p11-kit-1 libcrypto \
		libcurl libcjson) $(cflags "$1") -fsyntax-only "$WORK/probe.c" \
		2>"$WORK/cc.err"
)

check "make layers passes on the tree" make -s -C "$ROOT" layers

for rule in 'pkcs11 "km_audit.h"' 'pkcs11 "kp_client.h"' 'vhd "p11_session.h"' \
	'vhd "kp_client.h"' 'cloud "p11_session.h"' 'cloud "km_kpdek.h"' \
	'common "err.h"'; do
	set -- $rule
	if [ "$2" = '"err.h"' ]; then
		compiles "$1" "#include $2" && ok "$1/ sees common's $2" ||
			not_ok "$1/ sees common's $2: $(head -n 1 "$WORK/cc.err")"
	elif compiles "$1" "#include $2"; then
		not_ok "$1/ must not see $2"
	elif grep -q 'No such file' "$WORK/cc.err"; then
		ok "$1/ cannot include $2"
	else
		not_ok "$1/ include of $2 failed for another reason: $(head -n 1 "$WORK/cc.err")"
	fi
done
compiles keymgmt '#include "kp_client.h"
#include "p11_session.h"
#include "vhd_cipher.h"' && ok "keymgmt/ sees cloud, pkcs11 and vhd" ||
	not_ok "keymgmt/ sees cloud, pkcs11 and vhd: $(head -n 1 "$WORK/cc.err")"

# Plant each escape in a copy of the product folders; make layers must fail.
plant() {
	rm -rf "$WORK/tree"
	mkdir -p "$WORK/tree"
	cp -r "$ROOT/Makefile" "$ROOT/common" "$ROOT/pkcs11" "$ROOT/vhd" \
		"$ROOT/cloud" "$ROOT/keymgmt" "$ROOT/cli" "$WORK/tree/"
	mkdir -p "$WORK/tree/tests/bench"
	cp "$ROOT/tests/bench/bench.mk" "$WORK/tree/tests/bench/"
	printf '%s\n' "$2" >>"$WORK/tree/$1"
}
refused() {
	plant "$1" "$2"
	if make -s -C "$WORK/tree" B="$WORK/tree/build" layers \
		>"$WORK/out" 2>&1; then
		not_ok "make layers refuses $3"
	elif grep -q "$1" "$WORK/out"; then
		ok "make layers refuses $3 (names $1)"
	else
		not_ok "make layers refuses $3 but does not name $1"
	fi
}
refused pkcs11/p11_obj.c '#include "../keymgmt/km_audit.h"' 'a ../ include'
refused vhd/vhd_bat.c '#include "pkcs11/p11_session.h"' 'a folder/ include'
refused cloud/kp_http.c '#include <keymgmt/km_kpdek.h>' 'an <folder/> include'
refused keymgmt/km_xts.c 'static void f(void) { C_Finalize(NULL); }' \
	'a PKCS#11 call in keymgmt/'
refused cli/cli.c 'static void g(CK_FUNCTION_LIST *f) { f->C_Logout(0); }' \
	'a PKCS#11 call through a function list in cli/'
refused keymgmt/km_manifest.c 'static void *h(void) { return cJSON_Parse("{}"); }' \
	'JSON parsed outside common/json.c'

done_testing
