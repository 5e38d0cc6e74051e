#!/bin/sh
# t-help.sh - help, the man page and the bash completion, all printed from
# the option tables the commands parse with (cli/cli_help.c), and what
# `make install` puts where. README section "Help, man page and
# completion".
# Checks README "Help, man page and completion".
. "$(dirname "$0")/lib.sh"

cd "$WORK" || exit 1
B=${B:-build}

# --- help names what is unknown, on one line, exit 2
expect_exit 2 "help nosuch: exit 2" "$P11SEAL" help nosuch
assert "... one line on stderr" [ "$(wc -l <"$WORK/err")" -eq 1 ]
grep_err "... naming it" "^p11seal: help: no command 'nosuch'"
assert "... nothing on stdout" [ ! -s "$WORK/out" ]
expect_exit 2 "help vhd nosuch: exit 2" "$P11SEAL" help vhd nosuch
expect_exit 2 "help key create nosuch: exit 2" "$P11SEAL" help key create \
	nosuch
expect_exit 2 "help vhd encrypt extra: exit 2" "$P11SEAL" help vhd encrypt x

# --- every option with its meaning and default
"$P11SEAL" help vhd encrypt >enc.txt
assert "help vhd encrypt: --chunk and its default" \
	grep -qE '^  --chunk BYTES +bytes per token call.*' enc.txt
assert "... the 64 KiB default" grep -q 'default 64 KiB' enc.txt
assert "... --threads and its default" grep -A1 -- '--threads N' enc.txt |
	grep -q 'default one per CPU'
"$P11SEAL" help key create dek >dek.txt
assert "help key create dek: --size defaults to 64" \
	sh -c "grep -A1 -- '--size 32|64' dek.txt | grep -q 'default 64'"
assert "... both rows of the kind (--kp-root too)" grep -q -- '--kp-root ID' \
	dek.txt
"$P11SEAL" help key delete >del.txt
assert "help key delete: -y, --yes and its default, from its table" \
	grep -q -- '-y, --yes .*no confirmation prompt; default ask' del.txt
"$P11SEAL" help >all.txt
assert "help: the global options, with defaults" sh -c \
	"grep -A1 -- '--pin-source SRC' all.txt | grep -q 'default a prompt'"
assert "help: the exit codes" grep -q '^  7  refused' all.txt
long=$(awk 'length > 80' enc.txt dek.txt all.txt | wc -l)
assert "help fits 80 columns ($long longer lines)" [ "$long" -eq 0 ]

# --- `help CMD` and `CMD --help` print the same, for every command and
# kind; every option the completion offers is in the command's help
awk '/^  [a-z]/ { n = substr($0, 3, 22); sub(/ +$/, "", n); print n }' \
	all.txt >cmds
"$P11SEAL" help --completion bash >comp.bash
differ="" missing=""
while read -r c; do
	# shellcheck disable=SC2086
	"$P11SEAL" help $c >a 2>&1
	# shellcheck disable=SC2086
	case $c in help) cp a b ;; *) "$P11SEAL" $c --help >b 2>&1 ;; esac
	cmp -s a b || differ="$differ|$c"
	for o in $(awk -F '\t' -v c="$c" '$1 == c { print $2 }' comp.bash); do
		grep -qE -- "(  |, )${o%%=*}( |\$)" a ||
			missing="$missing|$c ${o%%=*}"
	done
done <cmds
assert "help CMD = CMD --help for $(wc -l <cmds) commands" [ -z "$differ" ]
[ -z "$differ" ] || diag "differ: $differ"
assert "every completed option is in its command's help" [ -z "$missing" ]
[ -z "$missing" ] || diag "missing: $missing"
"$P11SEAL" help key create transport >a
"$P11SEAL" key create transport --help >b
assert "help key create transport = key create transport --help" cmp -s a b

# --- global options: before the command, or among its own options
expect_exit 0 "version --json (global option after the command)" \
	"$P11SEAL" version --json
assert "... one JSON document" python3 -m json.tool "$WORK/out" /dev/null
expect_exit 4 "token list --module MISSING: taken after the command" \
	"$P11SEAL" token list --module "$WORK/no-such-module.so"
grep_err "... and used" "no-such-module\.so"
expect_exit 4 "key delete --module MISSING -q: once a getopt loop, globals taken" \
	"$P11SEAL" key delete --label x --yes --module "$WORK/no-such-module.so" -q
grep_err "... and used" "no-such-module\.so"
expect_exit 4 "audit show --audit-log MISSING --no-syslog: taken after it" \
	"$P11SEAL" audit show --last 1 --audit-log "$WORK/no-such.log" --no-syslog
grep_err "... and used" "no-such\.log"
expect_exit 2 "--pin after the command: refused as before it" \
	"$P11SEAL" key list --pin 1234
grep_err "... naming the safe way" "pin-source"
expect_exit 2 "--api-key before the command: refused" "$P11SEAL" \
	--api-key not-a-key kp keys
grep_err "... naming the safe way" "api-key-source"

# --- the man page, made from the same tables
man=$ROOT/$B/p11seal.1
assert "make built $B/p11seal.1" [ -s "$man" ]
"$P11SEAL" help --man >man.1
assert "... the same as help --man" cmp -s "$man" man.1
if command -v groff >/dev/null 2>&1; then
	groff -ww -man -z "$man" >groff.err 2>&1
	assert "groff -ww -man: no warning" [ ! -s groff.err ]
	sed 's/^/#   /' groff.err | head -n 5
else
	skip "groff -ww -man" "groff not installed"
fi
if command -v man >/dev/null 2>&1; then
	MANWIDTH=80 man -l "$man" >man.txt 2>man.err
	assert "man -l renders it without a warning" \
		[ -s man.txt ] && [ ! -s man.err ]
	sed 's/^/#   /' man.err | head -n 5
	assert "... with every command's section" sh -c \
		'while read -r c; do grep -q "^   $c\$" man.txt || exit 1; done <cmds'
	assert "... and --chunk's default" sh -c \
		"tr -s ' \n' ' ' <man.txt | grep -q 'default 64 KiB'"
else
	skip "man -l" "man-db not installed"
fi

# --- bash completion: source it, set COMP_WORDS/COMP_CWORD, call it
comp=$ROOT/$B/p11seal.bash-completion
assert "make built $B/p11seal.bash-completion" cmp -s "$comp" comp.bash
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _p11seal
		echo "${COMPREPLY[*]}"' sh "$comp" "$@"
}
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2'"; fi
}
expect_eq "p11seal vhd en<TAB> -> encrypt" \
	"$(complete_words p11seal vhd en)" "encrypt"
expect_eq "p11seal key create <TAB> -> the kinds" \
	"$(complete_words p11seal key create '')" \
	"audit dek root signer transport"
expect_eq "after a global option and its value" \
	"$(complete_words p11seal --token pkcs11:token=a vhd de)" "decrypt"
expect_eq "an option of the command" \
	"$(complete_words p11seal vhd encrypt --ch)" "--chunk"
expect_eq "a value from a fixed set" \
	"$(complete_words p11seal vhd decrypt --key k --format '')" "raw vhd"
expect_eq "a global option after the command" \
	"$(complete_words p11seal vhd info --js)" "--json"
touch image.raw
expect_eq "a file argument" "$(complete_words p11seal vhd info imag)" \
	"image.raw"

# --- make install with PREFIX and DESTDIR, and uninstall
if (cd "$ROOT" && make -s B="$B" DESTDIR="$WORK/dest" PREFIX=/usr \
	install) >install.log 2>&1; then
	ok "make install DESTDIR=... PREFIX=/usr"
else
	not_ok "make install"
	sed 's/^/#   /' install.log | tail -n 5
fi
d=$WORK/dest/usr
assert "... the binary in bin" [ -x "$d/bin/p11seal" ]
assert "... the man page in share/man/man1" \
	cmp -s "$d/share/man/man1/p11seal.1" "$man"
assert "... the completion where bash-completion loads it" \
	cmp -s "$d/share/bash-completion/completions/p11seal" "$comp"
(cd "$ROOT" && make -s B="$B" DESTDIR="$WORK/dest" PREFIX=/usr \
	uninstall) >/dev/null 2>&1
assert "make uninstall removes all three" \
	[ -z "$(find "$WORK/dest" -type f)" ]

echo "1..$TAP_N"
