#!/bin/sh
# t-cos-put.sh - `p11seal cos put` with HMAC keys against the COS stand-in
# (s3rver checks every SigV4 signature, cos_front.js every Content-MD5 and
# body hash): a 3-part upload read back by curl with the S3 multipart
# ETag computed here, an existing object kept without --force, 5xx/429/
# SlowDown retried, a part stored corrupted caught (re-sent, or the upload
# aborted), a client killed mid-upload resumed sending only the missing
# parts, --manifest, bad input, TLS trust, and the audit records.
# Checks README "Upload to Cloud Object Storage".
. "$(dirname "$0")/lib.sh"
. "$ROOT/tests/integration/kp-lib.sh"
. "$ROOT/tests/integration/cos-lib.sh"

if ! cos_available || ! command -v jq >/dev/null; then
	skip "cos put against the S3 stand-in" "${COS_WHY:-jq missing}"
	done_testing
	exit 0
fi
cos_start images || { not_ok "the COS stand-in starts"; done_testing; exit 1; }
export P11SEAL_COS_RETRY_BASE_MS=20 P11SEAL_COS_RETRY_CAP_MS=200
hsm_setup cos
P11="$P11 --audit-log $WORK/audit.log"
$P11 key create audit >/dev/null 2>&1 || diag "no audit key"
PUT="$P11 cos put --hmac-source $COS_HMAC --cacert $COS_CACERT --part-size 5 --no-progress"
URI=cos://us-south/images

# etag FILE PARTSIZE: the S3 multipart ETag, computed without p11seal
etag() {
	/usr/bin/python3 -c '
import hashlib, sys
f, ps = open(sys.argv[1], "rb"), int(sys.argv[2])
md5s = []
while True:
    b = f.read(ps)
    if not b: break
    md5s.append(hashlib.md5(b).digest())
print("%s-%d" % (hashlib.md5(b"".join(md5s)).hexdigest(), len(md5s)))' "$1" "$2"
}
# sent N: part numbers PUT since the log was cleared, sorted
sent() { cos_log | jq -r '[.[] | select(.op == "part" and .status == 200) | .part] | sort | map(tostring) | join(",")'; }

head -c $((12 * 1048576 + 4096)) /dev/urandom >"$WORK/a.vhd"

# --- the upload, read back by an independent client
check "upload a 3-part image" $PUT "$WORK/a.vhd" "$URI/a-0.vhd" --json
assert "3 parts of 5 MiB, all sent" [ "$(jq -r '"\(.parts) \(.part_size) \(.parts_sent)"' "$WORK/out")" = "3 5242880 3" ]
assert "the reported ETag is the S3 multipart ETag of the file" \
	[ "$(jq -r .etag "$WORK/out")" = "$(etag "$WORK/a.vhd" 5242880)" ]
cos_get images a-0.vhd "$WORK/a.back"
assert "curl reads back the same bytes" cmp -s "$WORK/a.vhd" "$WORK/a.back"
curl -sS -I --cacert "$COS_CACERT" --aws-sigv4 "aws:amz:us-south:s3" --user S3RVER:S3RVER \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$COS_ENDPOINT/images/a-0.vhd" >"$WORK/head"
assert "HEAD by curl shows that ETag" grep -q "$(etag "$WORK/a.vhd" 5242880)" "$WORK/head"
assert "no upload left open, no state file" [ "$(cos_uploads)" = "[]" -a ! -e "$WORK/a.vhd.cos-upload" ]

# the front's digest check is live: a part without Content-MD5 is refused
ID=$(curl -sS --cacert "$COS_CACERT" --aws-sigv4 "aws:amz:us-south:s3" --user S3RVER:S3RVER \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X POST "$COS_ENDPOINT/images/raw?uploads=" |
	sed -n 's/.*<UploadId>\(.*\)<\/UploadId>.*/\1/p')
code=$(curl -sS -o /dev/null -w '%{http_code}' --cacert "$COS_CACERT" --aws-sigv4 "aws:amz:us-south:s3" \
	--user S3RVER:S3RVER -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$WORK/pin" \
	"$COS_ENDPOINT/images/raw?partNumber=1&uploadId=$ID")
assert "the stand-in refuses a part without Content-MD5 (400)" [ "$code" = 400 ]
curl -sS --cacert "$COS_CACERT" --aws-sigv4 "aws:amz:us-south:s3" --user S3RVER:S3RVER \
	-H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -X DELETE "$COS_ENDPOINT/images/raw?uploadId=$ID"

check "progress on stderr without --no-progress" $P11 cos put --hmac-source "$COS_HMAC" \
	--cacert "$COS_CACERT" --part-size 5 "$WORK/a.vhd" "$URI/p-0.vhd"
grep_err "bytes, rate and ETA" "12\.0 / 12\.0 MiB \(100%\), [0-9.]+ MiB/s, ETA 0s"

# --- an existing object
cos_log_clear >/dev/null
expect_exit 7 "an existing object is not replaced" $PUT "$WORK/a.vhd" "$URI/a-0.vhd"
grep_err "the refusal names --force" "already exists.*--force"
assert "nothing was created" [ "$(cos_log | jq '[.[] | select(.op == "create")] | length')" = 0 ]
head -c $((6 * 1048576)) /dev/urandom >"$WORK/b.vhd"
check "--force replaces it" $PUT "$WORK/b.vhd" "$URI/a-0.vhd" --force
cos_get images a-0.vhd "$WORK/b.back"
assert "the object is the new file" cmp -s "$WORK/b.vhd" "$WORK/b.back"

# --- 5xx, 429 and SlowDown are retried
cos_fault '[{"op":"part","part":3,"status":400,"code":"RequestTimeout"},
	{"op":"create","status":429,"code":"TooManyRequests","retry_after":"0"},
	{"op":"part","part":2,"status":503,"code":"SlowDown","times":2},
	{"op":"complete","status":500,"code":"InternalError"}]'
check "an upload through RequestTimeout, 429, SlowDown and 500" $PUT "$WORK/a.vhd" "$URI/r-0.vhd" --json
assert "5 requests repeated" [ "$(jq .retries "$WORK/out")" -ge 5 ]
cos_get images r-0.vhd "$WORK/r.back"
assert "the object is intact" cmp -s "$WORK/a.vhd" "$WORK/r.back"
cos_fault '[{"op":"part","status":503,"code":"SlowDown","times":100}]'
expect_exit 8 "a server that keeps failing: exit 8" $PUT "$WORK/a.vhd" "$URI/s-0.vhd"
grep_err "the error says SlowDown and resume" "SlowDown.*resume|resume"
assert "the state file is kept for a resume" [ -s "$WORK/a.vhd.cos-upload" ]
cos_fault '[]'
check "the same command then resumes" $PUT "$WORK/a.vhd" "$URI/s-0.vhd" --json
assert "and reports it" [ "$(jq .resumed "$WORK/out")" = true ]

# --- a part stored with other bytes than were sent
cos_log_clear >/dev/null
cos_fault '[{"op":"part","part":1,"corrupt":true}]'
check "a part stored corrupted once is sent again" $PUT "$WORK/a.vhd" "$URI/c-0.vhd"
assert "part 1 went twice" [ "$(cos_log | jq '[.[] | select(.op == "part" and .part == 1)] | length')" = 2 ]
cos_get images c-0.vhd "$WORK/c.back"
assert "the object is intact" cmp -s "$WORK/a.vhd" "$WORK/c.back"
cos_fault '[{"op":"part","part":2,"corrupt":true,"times":10}]'
expect_exit 6 "a part always stored corrupted: exit 6" $PUT "$WORK/a.vhd" "$URI/d-0.vhd"
grep_err "the error names the part and the upload is aborted" "part 2.*stored data differ.*aborted"
assert "no orphan upload, no state file" [ "$(cos_uploads)" = "[]" -a ! -e "$WORK/a.vhd.cos-upload" ]
cos_fault '[]'

# --- killed mid-upload, then resumed
head -c $((25 * 1048576)) /dev/urandom >"$WORK/k.vhd"
cos_fault '[{"op":"part","delay_ms":3000,"after":2,"times":100}]'
cos_log_clear >/dev/null
$PUT "$WORK/k.vhd" "$URI/k-0.vhd" --threads 4 >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(cos_log | jq '[.[] | select(.op == "part" and .status == 200)] | length')" -lt 2 ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
kill -KILL $pid
wait $pid 2>/dev/null
cos_fault '[]'
have=$(cos_uploads | jq -r '.[0].parts | sort | map(tostring) | join(",")')
diag "parts on the server after the kill: $have"
assert "the state file survived the kill" [ -s "$WORK/k.vhd.cos-upload" ]
assert "some parts but not all were stored" [ -n "$have" -a "$have" != "1,2,3,4,5" ]
cos_log_clear >/dev/null
check "the same command resumes" $PUT "$WORK/k.vhd" "$URI/k-0.vhd" --json
missing=$(jq -rn --arg h "$have" '[range(1;6)] - ($h | split(",") | map(tonumber)) | map(tostring) | join(",")')
assert "only the missing parts ($missing) were sent" [ "$(sent)" = "$missing" ]
assert "the stored ones were counted as resumed" [ "$(jq .parts_resumed "$WORK/out")" -eq "$(echo "$have" | tr ',' '\n' | wc -l)" ]
cos_get images k-0.vhd "$WORK/k.back"
assert "the object is identical to the image" cmp -s "$WORK/k.vhd" "$WORK/k.back"
assert "the state file is gone" [ ! -e "$WORK/k.vhd.cos-upload" ]

# --- --manifest: the image is checked first, the target comes from it
$P11 key create dek --label img >/dev/null 2>&1
head -c $((4 * 1048576)) /dev/urandom >"$WORK/m.raw"
if $P11 vhd encrypt --key img "$WORK/m.raw" "$WORK/m.vhd" --no-progress --manifest "$WORK/m.json" \
	--cos-uri "$URI/m.vhd-0.vhd" --allow-unwrapped >/dev/null 2>"$WORK/err"; then
	check "upload with --manifest (target from its uri)" $PUT "$WORK/m.vhd" --manifest "$WORK/m.json"
	cos_get images m.vhd-0.vhd "$WORK/m.back"
	assert "the manifest's object holds the image" cmp -s "$WORK/m.vhd" "$WORK/m.back"
	expect_exit 6 "another image than the manifest's: exit 6" $PUT "$WORK/a.vhd" --manifest "$WORK/m.json" --force
	expect_exit 6 "another target than the manifest's: exit 6" $PUT "$WORK/m.vhd" "$URI/x-0.vhd" --manifest "$WORK/m.json"
else
	not_ok "vhd encrypt with a manifest: $(head -c 200 "$WORK/err")"
fi

# --- bad input, secrets, TLS
expect_exit 2 "a target that is not cos://" $PUT "$WORK/a.vhd" "s3://images/a"
expect_exit 4 "a missing image" $PUT "$WORK/none.vhd" "$URI/n-0.vhd"
expect_exit 2 "an API key on argv is refused" $PUT "$WORK/a.vhd" "$URI/n-0.vhd" --api-key x
printf 'not keys\n' >"$WORK/badkeys"
chmod 600 "$WORK/badkeys"
expect_exit 5 "HMAC keys in no known form" $P11 cos put --hmac-source "file:$WORK/badkeys" \
	--cacert "$COS_CACERT" "$WORK/a.vhd" "$URI/n-0.vhd"
expect_exit 8 "without the stand-in's CA: TLS refused" $P11 cos put --hmac-source "$COS_HMAC" \
	"$WORK/a.vhd" "$URI/n-0.vhd"
grep_err "the error says why" "not signed by a trusted CA"
printf 'S3RVER:wrong\n' >"$WORK/wrongkeys"
chmod 600 "$WORK/wrongkeys"
expect_exit 3 "a wrong HMAC secret: s3rver refuses the signature (exit 3)" $P11 cos put \
	--hmac-source "file:$WORK/wrongkeys" --cacert "$COS_CACERT" "$WORK/a.vhd" "$URI/n-0.vhd"
grep_err "the refusal is named" "HTTP 403"

# --- audit: intent and result, naming the target
assert "the audit log has cos.put records with the cos:// target" \
	grep -q '"target":"cos://us-south/images/a-0.vhd"' "$WORK/audit.log"
assert "an intent and a result for the first upload" \
	[ "$(grep -c '"op":"cos.put".*"target":"cos://us-south/images/k-0.vhd"' "$WORK/audit.log")" -ge 3 ]
check "audit verify accepts the log" $P11 audit verify "$WORK/audit.log"
done_testing
