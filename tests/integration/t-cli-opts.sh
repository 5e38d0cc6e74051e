#!/bin/sh
# t-cli-opts.sh - the one option parser every command's table goes
# through (cli/cli_opts.c): --help and -h for every command, unknown
# options, missing values, numbers out of range or off their step, a
# repeatable option past its limit, secrets refused on argv, positional
# argument counts, and long options abbreviated as getopt allows. All
# exit 2 with "p11seal: CMD: MESSAGE (see 'p11seal help CMD')" except
# --help (0).
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1

# --- --help and -h: exit 0 and the command's usage line, for every
# command `p11seal help` lists (key create/import: the kind's own).
"$P11SEAL" help >commands.txt 2>/dev/null
awk '/^  [a-z]/ { n = substr($0, 3, 22); sub(/ +$/, "", n); print n }' \
	commands.txt >cmds
bad=""
while read -r c; do
	case $c in help | version) continue ;; esac
	# shellcheck disable=SC2086
	for h in --help -h; do
		"$P11SEAL" $c $h >out 2>err || bad="$bad|$c $h (exit $?)"
		grep -qE "^usage: p11seal $c( |\$)" out ||
			bad="$bad|$c $h (no usage)"
	done
done <cmds
assert "every command answers --help and -h with its usage, exit 0" \
	[ -z "$bad" ]
[ -z "$bad" ] || diag "$bad"
for k in "create root" "create dek" "create transport" "create audit" \
	"import dek"; do
	# shellcheck disable=SC2086
	expect_exit 0 "key $k --help: exit 0" "$P11SEAL" key $k --help
	assert "key $k --help prints a usage" grep -q '^usage: p11seal key' \
		"$WORK/out"
done
expect_exit 0 "--help wins over a bad option" "$P11SEAL" token info --x --help

# --- unknown options and missing values: getopt's line, then ours
expect_exit 2 "unknown option: exit 2" "$P11SEAL" token list --bogus
grep_err "getopt names the option" "unrecognized option '--bogus'"
grep_err "then the usage line" \
	"^p11seal: token list: unknown option \(see 'p11seal help token list'\)$"
expect_exit 2 "missing value: exit 2" "$P11SEAL" vhd info --x
expect_exit 2 "option without its value: exit 2" "$P11SEAL" key show --label
grep_err "getopt says it needs a value" "option '--label' requires an argument"
expect_exit 2 "a flag given a value: exit 2" "$P11SEAL" token mechanisms \
	--no-trials=yes

# --- numbers: range, step, not a number; a fixed message where the table
# has one
expect_exit 2 "--threads 0: exit 2" "$P11SEAL" vhd verify --key k --threads 0 f
grep_err "range named" "verify: --threads: 0 is outside 1\.\.16"
expect_exit 2 "--threads x: exit 2" "$P11SEAL" vhd verify --key k --threads x f
grep_err "not a number" "verify: --threads: 'x' is not a number"
expect_exit 2 "--chunk off its step: exit 2" "$P11SEAL" vhd encrypt --key k \
	--chunk 1000 a b
grep_err "step named" "encrypt: --chunk: 1000 is not a multiple of 512"
expect_exit 2 "--size 48: exit 2" "$P11SEAL" key create dek --label d --size 48
grep_err "the table's message" "key create: --size must be 32 or 64 \("
expect_exit 2 "--bits 3000: exit 2" "$P11SEAL" key create transport \
	--label t --bits 3000
grep_err "the table's message" "create: --bits must be a multiple of 8 in 3072\.\.16384"
expect_exit 2 "kp keys --limit 0: exit 2" "$P11SEAL" kp keys --limit 0
grep_err "range named" "keys: --limit: 0 is outside 1\.\.100000"
expect_exit 2 "kp keys -n 0 (short form): exit 2" "$P11SEAL" kp keys -n 0
grep_err "short form reads the same entry" "keys: --limit: 0 is outside"

# --- a value from a fixed set, and an option only some commands take
expect_exit 2 "--input-format qcow: exit 2" "$P11SEAL" vhd encrypt --key k \
	--input-format qcow a b
grep_err "the choices named" "encrypt: --input-format: 'qcow' is not auto or raw"
expect_exit 2 "vhd decrypt takes no --input-format" "$P11SEAL" vhd decrypt \
	--key k --input-format raw a b
grep_err "unknown to it" "vhd decrypt: unknown option"

# --- a repeatable option past its limit
expect_exit 2 "six --alias: exit 2" "$P11SEAL" kp key-create --alias a \
	--alias b --alias c --alias d --alias e --alias f name
grep_err "limit named" "at most 5 aliases"

# --- secrets never from argv, whatever the command
for cmd in "token init --label x --so-pin 1" "kp keys --api-key k" \
	"key create dek --kp-root r --label d --api-key k"; do
	# shellcheck disable=SC2086
	expect_exit 2 "$cmd: refused" "$P11SEAL" $cmd
	grep_err "$cmd: says how to pass it" "on the command line is refused"
done

# --- positional arguments
expect_exit 2 "token list takes none" "$P11SEAL" token list extra
grep_err "the extra one named" "unexpected argument 'extra'"
expect_exit 2 "vhd info without FILE" "$P11SEAL" vhd info
grep_err "what is expected" "vhd info: expected one FILE"
expect_exit 2 "vhd info with two" "$P11SEAL" vhd info a b
expect_exit 2 "vhd decrypt with one" "$P11SEAL" vhd decrypt --key k a
grep_err "what is expected" "expected IN and OUT"
expect_exit 2 "manifest verify with one" "$P11SEAL" manifest verify a
grep_err "what is expected" "expected the manifest FILE and the IMAGE"
expect_exit 2 "kp key-show without KEY" "$P11SEAL" kp key-show
grep_err "what is expected" "expected one KEY \(id or alias\)"
expect_exit 2 "key create audit takes only --label" "$P11SEAL" key create \
	audit x
grep_err "its own message" "key create audit takes only \[--label L\]"
# --- every command on a table: a stray argument is named, a missing
# required option gets the command's own line (no token is opened)
for cmd in "key delete --label d extra" "key export-public --label t --out f extra" \
	"key trust-transport --pubkey p --label s extra" \
	"key trust-signer --pubkey p --label b extra" "audit show a b" \
	"kp rotate --label r extra" "kp import-root --label r --name n extra" \
	"key export dek --label d --to s --out f extra" "key create root --label r extra"; do
	# shellcheck disable=SC2086
	expect_exit 2 "$cmd: exit 2" "$P11SEAL" $cmd
	case $cmd in
	audit*) grep_err "$cmd: at most one log file" "give at most one log file" ;;
	*) grep_err "$cmd: the stray argument named" "unexpected argument 'extra'" ;;
	esac
done
expect_exit 2 "key delete without --label" "$P11SEAL" key delete --yes
grep_err "its own line" "key delete: --label LABEL or --id HEX is required"
expect_exit 2 "kp import-root without --name" "$P11SEAL" kp import-root --label r
grep_err "its own line" "import-root: --label LABEL and --name NAME are required"
expect_exit 2 "key trust-signer with an empty --label" "$P11SEAL" key \
	trust-signer --pubkey p --label ''
grep_err "empty counts as missing" "trust-signer: --pubkey FILE and --label LABEL are required"
expect_exit 2 "kp rotate takes no --name (import-root's)" "$P11SEAL" kp rotate \
	--label r --name n
grep_err "unknown to it" "kp rotate: unknown option"
expect_exit 2 "key trust-transport --so-pin: refused" "$P11SEAL" key \
	trust-transport --pubkey p --label s --so-pin 1
grep_err "the shared table refuses it" "on the command line is refused"
expect_exit 2 "key export --oaep-hash md5" "$P11SEAL" key export dek --label d \
	--to s --out f --oaep-hash md5
grep_err "checked after the table" "export: --oaep-hash must be sha256 or sha1"

expect_exit 4 "after --, an argument that looks like an option is a file" \
	"$P11SEAL" vhd info -- --no-such-file

# --- on a token: abbreviated long options, and options after arguments
hsm_setup st1
# shellcheck disable=SC2086
check "abbreviated long options (--lab, --si)" $P11 key create dek --lab d1 \
	--si 32
# shellcheck disable=SC2086
check "key show --label= form" $P11 key show --label=d1
assert "key show found the 32-byte DEK" grep -q '32' "$WORK/out"
# shellcheck disable=SC2086
check "token mechanisms --no-trials (a flag)" $P11 token mechanisms --no-trials
assert "--no-trials said so" grep -q 'not tried (--no-trials)' "$WORK/out"
# shellcheck disable=SC2086
expect_exit 4 "an option after the FILE (vhd verify FILE --key)" $P11 vhd verify \
	missing.vhd --key d1

done_testing
