# tests/integration/kp-test.sh - request helpers for the kp-server tests,
# which talk to the server with curl and check bodies with jq, so they do
# not depend on p11seal's own client. Source after kp-lib.sh.
KT=application/vnd.ibm.kms.key+json
PY=/usr/bin/python3 # Debian's, with python3-cryptography

# req METHOD PATH [BODY] [curl args]: status in $ST, body in $WORK/body,
# response headers in $WORK/hdrs.
req() {
	_m=$1 _path=$2
	shift 2
	if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
		printf '%s' "$1" >"$WORK/req"
		shift
		set -- --data-binary "@$WORK/req" "$@"
	fi
	ST=$(kp_curl "$_path" -X "$_m" -D "$WORK/hdrs" -o "$WORK/body" \
		-w '%{http_code}' "$@" 2>"$WORK/curl.err") || ST=000
}

# rawreq PATH [curl args]: like req, but with no credentials added.
rawreq() {
	_path=$1
	shift
	ST=$(curl -sS --cacert "$KP_CACERT" -D "$WORK/hdrs" -o "$WORK/body" \
		-w '%{http_code}' "$@" "$KP_URL$_path" 2>"$WORK/curl.err") ||
		ST=000
}

# iam FILE: exchange the API key stored in FILE at /identity/token.
iam() {
	rawreq /identity/token \
		--data-urlencode "grant_type=urn:ibm:params:oauth:grant-type:apikey" \
		--data-urlencode "apikey@$1"
}

jb() { jq -r "$1" "$WORK/body" 2>/dev/null; }
reason() { jb '.resources[0].reasons[0].code'; }
errmsg() { jb '.resources[0].errorMsg'; }
hdr() { tr -d '\r' <"$WORK/hdrs" | sed -n "s/^$1: //Ip" | head -n 1; }

# expect_st DESC STATUS [REASON]: the last req answered STATUS (and the
# first reason code of the error envelope is REASON).
expect_st() {
	if [ "$ST" = "$2" ] && { [ $# -lt 3 ] || [ "$(reason)" = "$3" ]; }; then
		ok "$1"
	else
		not_ok "$1 (got $ST $(reason), wanted $2 ${3:-})"
		diag "$(head -c 400 "$WORK/body")"
	fi
}

# expect_eq DESC GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1 (got '$2', wanted '$3')"
	fi
}

# mkkey NAME EXTRACTABLE [MORE_FIELDS] [curl args]: create a key; its id
# in $KID.
mkkey() {
	_n=$1 _x=$2 _more=${3:-}
	shift 2
	[ $# -gt 0 ] && shift
	req POST /api/v2/keys "{\"metadata\":{\"collectionType\":\"$KT\",\
\"collectionTotal\":1},\"resources\":[{\"type\":\"$KT\",\"name\":\"$_n\",\
\"extractable\":$_x${_more:+,$_more}}]}" "$@"
	KID=$(jb '.resources[0].id')
}

# action KEY NAME [BODY]: POST /api/v2/keys/KEY/actions/NAME
action() {
	_k=$1 _a=$2
	shift 2
	req POST "/api/v2/keys/$_k/actions/$_a" "$@"
}

# tick SECONDS: move the server clock and fetch a fresh bearer token.
tick() {
	kp_clock "$1" >/dev/null && kp_auth
}

# server_now: the server's clock in Unix seconds.
server_now() {
	date -u -d "$(kp_clock 0 | jq -r .now)" +%s
}

# b64 TEXT: base64 without newlines.
b64() { printf '%s' "$1" | base64 -w0; }
