# tests/integration/cos-lib.sh - the offline COS stand-in for a test: the
# third-party S3 server @20minutes/s3rver (pinned in
# tests/cos-standin/package-lock.json, installed once with `npm ci` into
# $B/cos-standin) behind tests/integration/cos_front.js (TLS with the
# kp-lib CA, strict digest checks, multipart bookkeeping, faults).
# Source after lib.sh and kp-lib.sh.
#
#   cos_available          true when node >= 20 and npm (or an installed
#                          stand-in) are there; else COS_WHY says why
#   cos_start BUCKET...    start; exports COS_ENDPOINT, COS_CACERT and
#                          writes HMAC keys to $COS_HMAC (file:, 0600)
#   cos_stop               stop (registered at exit)
#   cos_fault JSON         replace the fault rules (cos_front.js header)
#   cos_log                the request log (JSON array)
#   cos_log_clear          print and empty it
#   cos_uploads            open multipart uploads (JSON array)
#   cos_get BUCKET KEY F   download an object to F (signed by curl)
COS_DIR=$WORK/cos
COS_PID=
COS_STANDIN=$ROOT/${B:-build}/cos-standin

cos_available() {
	COS_WHY=
	v=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || v=0
	if [ "${v:-0}" -lt 20 ]; then
		COS_WHY="node >= 20 is needed by @20minutes/s3rver 4.0.4 (have ${v:-none})"
		return 1
	fi
	if [ ! -f "$COS_STANDIN/.installed" ] && ! command -v npm >/dev/null; then
		COS_WHY="npm is needed once to install the S3 stand-in"
		return 1
	fi
	return 0
}

# npm ci from the pinned lock file; kept across tests, redone when the
# lock file changes.
_cos_install() {
	lock=$ROOT/tests/cos-standin/package-lock.json
	if [ -f "$COS_STANDIN/.installed" ] &&
		cmp -s "$lock" "$COS_STANDIN/package-lock.json"; then
		return 0
	fi
	mkdir -p "$COS_STANDIN"
	cp "$ROOT/tests/cos-standin/package.json" "$lock" "$COS_STANDIN/"
	(cd "$COS_STANDIN" && npm ci --no-audit --no-fund --silent) \
		>"$WORK/npm.log" 2>&1 || {
		diag "npm ci failed:"
		sed 's/^/#   /' "$WORK/npm.log" | tail -n 10
		return 1
	}
	: >"$COS_STANDIN/.installed"
}

cos_start() {
	mkdir -p "$COS_DIR/data" "$KP_DIR"
	_kp_make_ca || { diag "cos_start: openssl failed"; return 1; }
	_cos_install || return 1
	rm -f "$COS_DIR/port"
	COS_FRONT_KP_URL=${KP_URL:-} COS_FRONT_KP_INSTANCE=${KP_INSTANCE_ID:-} \
		COS_FRONT_KP_CA=$KP_DIR/ca.pem \
		node "$ROOT/tests/integration/cos_front.js" "$COS_STANDIN" \
		"$COS_DIR/data" "$KP_DIR/server.pem" "$KP_DIR/server.key" \
		"$COS_DIR/port" "$@" 2>"$COS_DIR/front.log" &
	COS_PID=$!
	at_exit cos_stop
	i=0
	while [ ! -s "$COS_DIR/port" ] && [ $i -lt 300 ]; do
		kill -0 "$COS_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$COS_DIR/port" ]; then
		diag "cos_front did not start:"
		sed 's/^/#   /' "$COS_DIR/front.log" | tail -n 20
		return 1
	fi
	COS_ENDPOINT=https://127.0.0.1:$(cat "$COS_DIR/port")
	COS_CACERT=$KP_DIR/ca.pem
	printf 'S3RVER:S3RVER\n' >"$COS_DIR/hmac"
	chmod 600 "$COS_DIR/hmac"
	COS_HMAC=file:$COS_DIR/hmac
	export COS_ENDPOINT COS_CACERT COS_HMAC
}

cos_stop() {
	[ -n "$COS_PID" ] || return 0
	kill -TERM "$COS_PID" 2>/dev/null
	wait "$COS_PID" 2>/dev/null
	COS_PID=
}

_cos_admin() {
	curl -sS --cacert "$COS_CACERT" "$@"
}
cos_fault() { _cos_admin -X POST -d "$1" "$COS_ENDPOINT/__admin/faults" >/dev/null; }
cos_log() { _cos_admin "$COS_ENDPOINT/__admin/log"; }
cos_log_clear() { _cos_admin -X DELETE "$COS_ENDPOINT/__admin/log"; }
cos_uploads() { _cos_admin "$COS_ENDPOINT/__admin/uploads"; }

# curl's own SigV4 (7.88: x-amz-content-sha256 set by hand, see the
# spec), an independent client reading back what p11seal stored.
cos_get() {
	curl -sS -f --cacert "$COS_CACERT" --aws-sigv4 "aws:amz:us-south:s3" \
		--user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" \
		-o "$3" "$COS_ENDPOINT/$1/$2"
}
