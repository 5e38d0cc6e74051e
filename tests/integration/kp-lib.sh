# tests/integration/kp-lib.sh - run a throw-away local Key Protect server
# (tests/kp-server) for a test: its own CA and TLS certificate, its own
# SoftHSM token, an API key file, a state file. Source after lib.sh.
#
#   kp_start [kp-server options]   start (or restart; --faults unless
#                                  KP_NO_FAULTS is set) and export KP_URL,
#                                  IAM_URL, KP_CACERT, KP_INSTANCE_ID,
#                                  IBMCLOUD_API_KEY for the client
#   kp_stop                        SIGTERM and wait (registered at exit)
#   kp_auth                        (re)fetch a bearer token for kp_curl
#   kp_curl PATH [curl args]       authenticated request to $KP_URL$PATH
#   kp_fault JSON                  add a fault rule (POST /admin/faults)
#   kp_faults_clear                drop every fault rule
#   kp_log                         print the request log (JSON)
#   kp_clock SECONDS               move the server clock forward
KP_DIR=$WORK/kp
KP_PID=
_kp_registered=

# The CA and server certificate (ECDSA P-256, SAN 127.0.0.1, ::1 and
# localhost), made once per test file with the openssl CLI.
_kp_make_ca() {
	[ -f "$KP_DIR/server.pem" ] && return 0
	cat >"$KP_DIR/ext.cnf" <<-EOF
	basicConstraints = critical, CA:FALSE
	keyUsage = critical, digitalSignature
	extendedKeyUsage = serverAuth
	subjectAltName = IP:127.0.0.1, IP:::1, DNS:localhost
	EOF
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$KP_DIR/ca.key" -out "$KP_DIR/ca.pem" -days 2 \
		-subj "/CN=kp-server test CA" \
		-addext "basicConstraints=critical,CA:TRUE" \
		-addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$KP_DIR/server.key" -out "$KP_DIR/server.csr" \
		-subj "/CN=localhost" 2>/dev/null &&
	openssl x509 -req -in "$KP_DIR/server.csr" -CA "$KP_DIR/ca.pem" \
		-CAkey "$KP_DIR/ca.key" -CAcreateserial -days 2 \
		-extfile "$KP_DIR/ext.cnf" -out "$KP_DIR/server.pem" 2>/dev/null &&
	chmod 600 "$KP_DIR/server.key" "$KP_DIR/ca.key"
}

# The server's own SoftHSM token, PIN file, API keys and instance id.
_kp_make_token() {
	[ -f "$KP_DIR/softhsm2.conf" ] && return 0
	mkdir -p "$KP_DIR/tokens"
	# A missing template would leave SoftHSM on the system token folder.
	sed "s|@TOKENDIR@|$KP_DIR/tokens|" "$ROOT/softhsm-conf/softhsm2.conf.in" \
		>"$KP_DIR/softhsm2.conf" && grep -q tokendir "$KP_DIR/softhsm2.conf" ||
		return 1
	SOFTHSM2_CONF="$KP_DIR/softhsm2.conf" softhsm2-util --init-token --free \
		--label kp-server --pin "$USER_PIN" --so-pin "$SO_PIN" >/dev/null ||
		return 1
	printf '%s' "$USER_PIN" >"$KP_DIR/pin"
	KP_API_KEY=$(openssl rand -hex 24)
	KP_OTHER_API_KEY=$(openssl rand -hex 24)
	printf '# apikey subject\n%s iam-ServiceId-test\n%s iam-ServiceId-other\n' \
		"$KP_API_KEY" "$KP_OTHER_API_KEY" >"$KP_DIR/apikeys"
	printf '%s' "$KP_API_KEY" >"$KP_DIR/apikey"
	chmod 600 "$KP_DIR/pin" "$KP_DIR/apikeys" "$KP_DIR/apikey"
	cat /proc/sys/kernel/random/uuid >"$KP_DIR/instance"
}

kp_start() {
	kp_stop # a restart: the old process must not outlive its state file
	mkdir -p "$KP_DIR"
	_kp_make_ca || { diag "kp_start: openssl failed"; return 1; }
	_kp_make_token || { diag "kp_start: softhsm2-util failed"; return 1; }
	: >"$KP_DIR/url"
	_kp_faults=--faults
	[ -n "${KP_NO_FAULTS:-}" ] && _kp_faults=
	SOFTHSM2_CONF="$KP_DIR/softhsm2.conf" "$KP_SERVER" \
		--cert "$KP_DIR/server.pem" --key "$KP_DIR/server.key" \
		--instance-id "$(cat "$KP_DIR/instance")" \
		--api-keys "$KP_DIR/apikeys" --module "$SOFTHSM_MODULE" \
		--token "pkcs11:token=kp-server" \
		--pin-source "file:$KP_DIR/pin" --state "$KP_DIR/state.json" \
		$_kp_faults "$@" >"$KP_DIR/url" 2>>"$KP_DIR/server.log" &
	KP_PID=$!
	i=0
	while [ ! -s "$KP_DIR/url" ] && [ $i -lt 300 ]; do
		kill -0 "$KP_PID" 2>/dev/null || break
		sleep 0.1
		i=$((i + 1))
	done
	if [ ! -s "$KP_DIR/url" ]; then
		diag "kp-server did not start:"
		sed 's/^/#   /' "$KP_DIR/server.log" | tail -n 20
		KP_PID=
		return 1
	fi
	KP_URL=$(head -n 1 "$KP_DIR/url")
	IAM_URL=$KP_URL
	KP_CACERT=$KP_DIR/ca.pem
	KP_INSTANCE_ID=$(cat "$KP_DIR/instance")
	IBMCLOUD_API_KEY=$(cat "$KP_DIR/apikey")
	export KP_URL IAM_URL KP_CACERT KP_INSTANCE_ID IBMCLOUD_API_KEY
	if [ -z "$_kp_registered" ]; then
		at_exit kp_stop
		_kp_registered=1
	fi
}

kp_stop() {
	[ -n "$KP_PID" ] || return 0
	kill -TERM "$KP_PID" 2>/dev/null
	i=0
	while kill -0 "$KP_PID" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	kill -KILL "$KP_PID" 2>/dev/null
	wait "$KP_PID" 2>/dev/null
	KP_STATUS=$?
	KP_PID=
}

# Exchange the API key for a bearer token; the secret stays out of argv
# (curl reads it from a file) and the header lives in a 0600 file.
kp_auth() {
	curl -sS --cacert "$KP_CACERT" -X POST "$IAM_URL/identity/token" \
		--data-urlencode "grant_type=urn:ibm:params:oauth:grant-type:apikey" \
		--data-urlencode "apikey@$KP_DIR/apikey" >"$KP_DIR/iam.json" ||
		return 1
	(umask 077 && printf 'Authorization: Bearer %s\n' \
		"$(jq -r .access_token "$KP_DIR/iam.json")" >"$KP_DIR/auth.hdr")
}

kp_curl() {
	[ -f "$KP_DIR/auth.hdr" ] || kp_auth || return 1
	_p=$1
	shift
	curl -sS --cacert "$KP_CACERT" -H "@$KP_DIR/auth.hdr" \
		-H "Bluemix-Instance: $KP_INSTANCE_ID" "$@" "$KP_URL$_p"
}

kp_fault() {
	curl -sS --cacert "$KP_CACERT" -X POST -d "$1" "$KP_URL/admin/faults"
}

kp_faults_clear() {
	curl -sS --cacert "$KP_CACERT" -X DELETE "$KP_URL/admin/faults"
}

kp_log() {
	curl -sS --cacert "$KP_CACERT" "$KP_URL/admin/log"
}

kp_clock() {
	curl -sS --cacert "$KP_CACERT" -X POST \
		-d "{\"advance_seconds\":$1}" "$KP_URL/admin/clock"
}
