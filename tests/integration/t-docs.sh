#!/bin/sh
# t-docs.sh - the documentation can be followed from a clone: every
# relative link in the Markdown files resolves to a file in the
# repository, every docs/... path a comment of the code, the tests or the
# Makefile cites exists, and nothing cites the specs that live outside the
# repository; every command `p11seal help` lists has a row in the test map
# of tests/README.md, every test file the map names exists, and every test
# file of the tree is in the map; every README section is named by the
# test file that checks it. Needs only the built p11seal.
# Checks README "Tests".
. "$(dirname "$0")/lib.sh"

cd "$ROOT" || exit 1
MAP=tests/README.md

# Markdown files whose links are checked (common/README.md if present).
md_files() {
	for f in README.md BENCH.md docs/*.md tests/README.md \
		common/README.md tests/kp-server/README.md; do
		[ -f "$f" ] && echo "$f"
	done
}

# Source, test and build files whose comments may cite docs.
code_files() {
	find . -path ./build -prune -o -path ./.git -prune -o \
		-path ./tests/fuzz/corpus -prune -o \
		-path ./tests/integration/t-docs.sh -prune -o -type f \
		\( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.py' \
		-o -name Makefile -o -name '*.mk' \) -print | sed 's|^\./||' |
		sort
}

# links FILE: the targets of its inline links [text](target) and its
# reference definitions [name]: target, one per line.
links() {
	sed -n 's/^ *\[[^]]*\]: *\([^ ]*\).*/\1/p' "$1"
	grep -oE '\]\([^)]*\)' "$1" | sed 's/^](//; s/)$//; s/ .*//'
}

# --- (a) relative links in the Markdown files
n=0 bad=""
for f in $(md_files); do
	dir=$(dirname "$f")
	for l in $(links "$f"); do
		case $l in
		http://* | https://* | mailto:* | '#'*) continue ;;
		esac
		n=$((n + 1))
		target=${l%%#*}
		[ -e "$dir/$target" ] || bad="$bad $f:$l"
	done
done
assert "$n relative links in $(md_files | wc -l) Markdown files resolve" \
	[ -z "$bad" ]
for b in $bad; do diag "broken link: $b"; done
assert "there are links to check" [ "$n" -gt 10 ]

# --- (a) docs/ paths cited in code, tests and the Makefile
code_files >"$WORK/code"
# FILE:LINE:docs/path for every docs/... path not part of a longer path
# or URL (…/apidocs/ is no citation), a sentence's full stop dropped.
xargs grep -noE '(^|[^A-Za-z0-9_./-])docs/[A-Za-z0-9_./-]*[A-Za-z0-9_-]' \
	<"$WORK/code" | sed 's|:[^:]*docs/|:docs/|' >"$WORK/cited"
bad=$(while IFS=: read -r f line p; do
	[ -e "$p" ] || echo "$f:$line:$p"
done <"$WORK/cited")
assert "$(wc -l <"$WORK/cited") docs/ paths cited in $(wc -l <"$WORK/code") code, test and build files exist" \
	[ -z "$bad" ]
for b in $bad; do diag "missing: $b"; done
assert "the code cites docs/ at all" [ -s "$WORK/cited" ]

# The specs these docs replace live outside the repository: a citation
# must name docs/NAME.md, not spec/NAME.md or a bare NAME.md.
for d in docs/*.md; do
	[ -f "$d" ] && basename "$d"
done >"$WORK/docnames"
{
	md_files
	cat "$WORK/code"
} >"$WORK/all"
xargs grep -nE 'spec/[A-Za-z0-9_-]+\.md' <"$WORK/all" >"$WORK/spec"
while read -r name; do
	xargs grep -nE "(^|[^A-Za-z0-9_./-])$name" <"$WORK/all" |
		grep -v "docs/$name" |
		grep -vE "^docs/$name:|\]\((\.\./)*$name|^[^:]*README.md:.*\]\(([^)]*/)?$name"
done <"$WORK/docnames" >>"$WORK/spec"
assert "no citation of a spec outside the repository or without docs/" \
	[ ! -s "$WORK/spec" ]
sed 's/^/# outside or bare: /' "$WORK/spec" | head -n 20

# --- (b) every command in the map, every file the map names exists
"$P11SEAL" help >"$WORK/help" 2>"$WORK/err"
assert "p11seal help runs" [ $? -eq 0 ]
"$P11SEAL" version >"$WORK/version" 2>>"$WORK/err"
assert "p11seal version names p11seal and its libraries" \
	grep -q 'p11seal' "$WORK/version"
# Command lines are "  NAME<pad to 22> summary"; option lines start "  -".
awk '/^  [a-z]/ { n = substr($0, 3, 22); sub(/ +$/, "", n); print n }' \
	"$WORK/help" >"$WORK/cmds"
assert "help lists $(wc -l <"$WORK/cmds") commands" \
	[ "$(wc -l <"$WORK/cmds")" -gt 30 ]
bad=""
while read -r c; do
	# $c unquoted: "token list" is two arguments, GROUP NAME.
	# shellcheck disable=SC2086
	"$P11SEAL" help $c | grep -qE "^usage: p11seal $c( |\$)" ||
		bad="$bad|$c"
done <"$WORK/cmds"
assert "every name read from help is a command (help NAME knows it)" \
	[ -z "$bad" ]
[ -z "$bad" ] || diag "not commands: $bad"
missing=""
while read -r c; do
	grep -qF "| \`$c\` |" "$MAP" || missing="$missing|$c"
done <"$WORK/cmds"
assert "every command has a row in the map of $MAP" [ -z "$missing" ]
[ -z "$missing" ] || diag "no row: $missing"

# Test files the map names: t-*.sh, test_* (unit), fuzz_* (fuzz targets).
grep -oE '(^|[^A-Za-z0-9_./-])(t-[a-z0-9-]+\.sh|test_[a-z0-9_]+|fuzz_[a-z0-9_]+)' \
	"$MAP" | sed 's/^[^tf]//' | sort -u >"$WORK/named"
bad=$(while read -r t; do
	case $t in
	t-*) p=tests/integration/$t ;;
	test_*) p=tests/unit/${t%.c}.c ;;
	fuzz_*) p=tests/fuzz/${t%.c}.c ;;
	esac
	[ -f "$p" ] || echo "$t"
done <"$WORK/named")
assert "the $(wc -l <"$WORK/named") test files $MAP names exist" [ -z "$bad" ]
for b in $bad; do diag "named but missing: $b"; done

# And the other way: a test file nobody can find from the map.
bad=$(for p in tests/integration/t-*.sh tests/unit/test_*.c \
	tests/fuzz/fuzz_*.c; do
	t=$(basename "$p" .c)
	grep -qxF "$t" "$WORK/named" || grep -qxF "$t.c" "$WORK/named" ||
		echo "$p"
done)
assert "every test file of the tree is in $MAP" [ -z "$bad" ]
for b in $bad; do diag "not in the map: $b"; done

# --- (c) every README section is named by a test: each `## ` and `### `
# heading's name (its text before " (") appears as README "NAME" in a file
# under tests/, the test that checks that section's promises. "Cost" is
# figures measured by hand (tests/run.sh prints each test's time), not
# behaviour, and is the one section left out.
grep -E '^#{2,3} ' README.md | sed -E 's/^#+ //; s/ \(.*//' >"$WORK/sections"
unnamed=
while IFS= read -r sec; do
	[ "$sec" = Cost ] && continue
	grep -rqF --exclude-dir=corpus --exclude="*.md" "README \"$sec\"" tests ||
		unnamed="$unnamed \"$sec\""
done <"$WORK/sections"
assert "each of the $(wc -l <"$WORK/sections") README sections is named as README \"SECTION\" by a test file" \
	[ -z "$unnamed" ]
[ -z "$unnamed" ] || diag "sections no test names:$unnamed"
assert "... and there are sections to check" [ "$(wc -l <"$WORK/sections")" -gt 20 ]

# ... and every README "NAME" a test file gives is a section there, so a
# renamed heading cannot leave its tests pointing nowhere.
grep -rhoE --exclude-dir=corpus --exclude='*.md' --exclude=t-docs.sh \
	'README "[^"]+"' tests | sed 's/^README "//; s/"$//' | sort -u |
	while IFS= read -r name; do
		grep -qxF "$name" "$WORK/sections" || echo "\"$name\""
	done >"$WORK/stale"
assert "every README \"NAME\" a test file gives is a README section" \
	[ ! -s "$WORK/stale" ]
[ ! -s "$WORK/stale" ] || diag "no such README section: $(tr '\n' ' ' <"$WORK/stale")"

done_testing
