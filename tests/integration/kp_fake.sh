# tests/integration/kp_fake.sh - Key Protect test helpers: a throw-away CA
# and server certificates made with the openssl CLI, and the scripted
# HTTPS responder kp_fake.py. Sourced after lib.sh.

FAKE_GUID=5d1c3e4f-0000-4000-8000-000000000001
FAKE_ID=6b0f2c1e-1d2a-4c3b-9a8e-2f4a5b6c7d8e
FAKE_ID2=0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6
FAKE_API_KEY="test-api-key-$$-DO-NOT-LEAK"
export IBMCLOUD_API_KEY="$FAKE_API_KEY"
# keep retries fast; the policy itself is unit-tested
export P11SEAL_KP_RETRY_BASE_MS=20 P11SEAL_KP_RETRY_CAP_MS=200

# fake_cert NAME SAN [START END]: server key and cert signed by the test CA
# (START/END as YYYYMMDDHHMMSSZ make an expired one).
fake_cert() {
	d=$WORK/pki
	openssl req -new -newkey rsa:2048 -nodes -subj "/CN=$1" \
		-keyout "$d/$1.key" -out "$d/$1.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$2" \
		>"$d/$1.ext"
	if [ $# -ge 4 ]; then
		openssl ca -batch -config "$d/ca.cnf" -startdate "$3" \
			-enddate "$4" -in "$d/$1.csr" -out "$d/$1.pem" \
			-extfile "$d/$1.ext" -notext 2>/dev/null
	else
		openssl x509 -req -in "$d/$1.csr" -CA "$d/ca.pem" \
			-CAkey "$d/ca.key" -CAcreateserial -days 2 \
			-extfile "$d/$1.ext" -out "$d/$1.pem" 2>/dev/null
	fi
}

# fake_pki: CA (and a second, unrelated CA) plus the certs tests need.
fake_pki() {
	d=$WORK/pki
	mkdir -p "$d/ca.db"
	for ca in ca other-ca; do
		openssl req -x509 -newkey rsa:2048 -nodes -days 2 \
			-subj "/CN=p11seal test $ca" -keyout "$d/$ca.key" \
			-out "$d/$ca.pem" 2>/dev/null
	done
	: >"$d/ca.db/index.txt"
	echo 1000 >"$d/ca.db/serial"
	cat >"$d/ca.cnf" <<EOC
[ca]
default_ca = d
[d]
dir = $d/ca.db
database = $d/ca.db/index.txt
new_certs_dir = $d/ca.db
serial = $d/ca.db/serial
certificate = $d/ca.pem
private_key = $d/ca.key
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
EOC
	fake_cert server "IP:127.0.0.1,DNS:localhost"
	fake_cert wronghost "DNS:other.example"
	fake_cert expired "IP:127.0.0.1" 20200101000000Z 20200201000000Z
}

# fake_start NAME CERT: start kp_fake.py with $WORK/pki/CERT.pem;
# sets <NAME>_URL. Script in $WORK/NAME.json, log in $WORK/NAME.log.
# FAKE_PY picks the interpreter (/usr/bin/python3 for the import
# handlers, which need python3-cryptography).
fake_start() {
	: >"$WORK/$1.log"
	echo '{"rules": []}' >"$WORK/$1.json"
	${FAKE_PY:-python3} "$ROOT/tests/integration/kp_fake.py" \
		"$WORK/pki/$2.pem" "$WORK/pki/$2.key" "$WORK/$1.port" \
		"$WORK/$1.json" \
		"$WORK/$1.log" 2>"$WORK/$1.stderr" &
	echo $! >"$WORK/$1.pid"
	i=0
	while [ ! -s "$WORK/$1.port" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	eval "$1_URL=https://127.0.0.1:$(cat "$WORK/$1.port")"
}

fake_stop_all() {
	for p in "$WORK"/*.pid; do
		[ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
}

# fake_script NAME JSON: replace the responder's rules; clear its log.
fake_script() {
	printf '%s\n' "$2" >"$WORK/$1.json.tmp"
	mv "$WORK/$1.json.tmp" "$WORK/$1.json"
	: >"$WORK/$1.log"
}

# fake_count NAME PREFIX: requests logged whose "METHOD PATH" starts so.
fake_count() {
	jq -r .line "$WORK/$1.log" | grep -c "^$2" || true
}

# Envelope of key resources (JSON text) for scripts.
fake_keys() {
	printf '{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":%d},"resources":[%s]}' "$1" "$2"
}
fake_key() {
	printf '{"type":"application/vnd.ibm.kms.key+json","id":"%s","name":"%s","state":%d,"extractable":%s,"imported":false,"crn":"crn:v1:bluemix:public:kms:us-south:a/acct:%s:key:%s"}' \
		"$1" "$2" "$3" "$4" "$FAKE_GUID" "$1"
}
fake_error() {
	printf '{"metadata":{"collectionType":"application/vnd.ibm.kms.error+json","collectionTotal":1},"resources":[{"errorMsg":"%s","reasons":[{"code":"%s","message":"%s","status":%d}]}]}' \
		"$1" "$2" "$3" "$4"
}
