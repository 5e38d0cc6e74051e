/* SPDX-License-Identifier: MIT */
/* commands.c - the one table of subcommands, grouped as `p11seal help`
 * prints them. Add a line here and a file cli/cmd_<group>_<name>.c; a
 * verb that acts on kinds (`key create root`) has a row per kind in its
 * kinds table and a file cli/cmd_<group>_<name>_<kind>.c. */
#include "commands.h"
#include "cli.h"
#include "kp_opts.h"

/* `key create KIND`: --kp-root makes a DEK under a Key Protect root. */
static const struct cli_subcommand key_create_kinds[] = {
	{ "root", NULL, cmd_key_create_root,
	  "AES-256 root key, never extractable unless --import-ceremony",
	  "root --label L [--import-ceremony]" },
	{ "dek", "--kp-root", cmd_key_create_dek_kp,
	  "a DEK wrapped by a Key Protect root key (WDEK kept beside it)",
	  "dek --label L --kp-root ID [--size 32|64] [--kp-generate] "
	  "[--exportable] [--wdek-out FILE [--force]] [KEY PROTECT OPTIONS]" },
	{ "dek", NULL, cmd_key_create_dek,
	  "a DEK for vhd encrypt: two AES halves of an XTS key (32 or 64 "
	  "bytes)",
	  "dek --label L [--size 32|64] [--exportable]" },
	{ "transport", NULL, cmd_key_create_transport,
	  "an air-gapped station's RSA key pair: the private key only "
	  "unwraps (RSA-OAEP) into sensitive, non-extractable keys",
	  "transport --label T [--bits N]" },
	{ "audit", NULL, cmd_key_create_audit,
	  "the token's audit key (HMAC-SHA256): key commands then append "
	  "MAC'd records to the audit log",
	  "audit [--label L]" },
	{ "signer", NULL, cmd_key_create_signer,
	  "ECDSA P-256 key pair that signs the DEK bundles this bridge "
	  "exports: the private key only signs, is sensitive and never "
	  "extractable. Publish it with `key export-public --label S`; each "
	  "station's SO pins it with `key trust-signer`",
	  "signer --label S" },
	{ NULL, NULL, NULL, NULL, NULL },
};

/* `key import dek`: a raw IBM key file, or a bundle from a bridge. */
static const struct cli_subcommand key_import_kinds[] = {
	{ "dek", "--bundle", cmd_key_import_bundle,
	  "a DEK bundle from a bridge token, unwrapped by the station's "
	  "transport key",
	  "dek --bundle FILE --unwrap-with T [--label L]" },
	{ "dek", "--unwrap-with", cmd_key_import_bundle,
	  "a DEK bundle, as with --bundle",
	  "dek --bundle FILE --unwrap-with T [--label L]" },
	{ "dek", NULL, cmd_key_import_dek,
	  "an IBM vhd-util key file (32 or 64 raw bytes) as a DEK",
	  "dek --label L --raw-file FILE" },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cli_command cli_commands[] = {
	{ NULL, "help", cmd_help, "show commands, or one command's options",
	  "[GROUP [NAME [KIND]]]" },
	{ NULL, "version", cmd_version,
	  "print versions of p11seal and its "
	  "libraries",
	  "" },
	{ "token", "list", cmd_token_list, "list the tokens the module offers",
	  "" },
	{ "token", "info", cmd_token_info, "show the selected token", "" },
	{ "token", "mechanisms", cmd_token_mechanisms,
	  "what the token can do "
	  "for p11seal, with a verdict per feature",
	  "[--no-trials]" },
	{ "token", "init", cmd_token_init,
	  "initialise a token (SO PIN, then "
	  "user PIN)",
	  "--label L [--so-pin-source SRC] [--force]" },
	{ "key", "list", cmd_key_list, "list keys (a DEK's halves as one)",
	  "" },
	{ "key", "show", cmd_key_show,
	  "show one key with every security "
	  "attribute",
	  "--label L | --id HEX" },
	{ "key", "create", NULL,
	  "generate a key in the token: root "
	  "(AES-256, never extractable unless --import-ceremony), dek (32|64 "
	  "bytes), transport (RSA), audit (HMAC), signer (ECDSA P-256)",
	  "KIND [OPTIONS], KIND one of root, dek, transport, audit, "
	  "signer" },
	{ "key", "import", NULL,
	  "import a DEK: an IBM vhd-util key "
	  "file, or a bundle from a bridge token",
	  "dek --label L --raw-file "
	  "FILE | dek --bundle FILE --unwrap-with T [--label L]" },
	{ "key", "delete", cmd_key_delete, "destroy a key and its metadata",
	  "--label L | --id HEX [--yes]" },
	{ "vhd", "info", cmd_vhd_info,
	  "show a disk image: kind, sizes, "
	  "allocation, creator, keyhash",
	  "FILE" },
	{ "vhd", "encrypt", cmd_vhd_encrypt,
	  "raw/fixed/dynamic image -> "
	  "encrypted VHD for IBM Cloud (vhd-util copy -k layout)",
	  "--key LABEL [--id HEX] IN OUT [--input-format auto|raw] [--threads "
	  "N] "
	  "[--chunk BYTES] [--remote] [--progress|--no-progress] [--force] "
	  "[--manifest FILE "
	  "[--cos-uri URI] [--name NAME] [--os CODE] "
	  "[--note TEXT] [--wdek FILE] [--allow-unwrapped]]" },
	{ "vhd", "decrypt", cmd_vhd_decrypt,
	  "encrypted VHD -> sparse raw "
	  "image or plain dynamic VHD; wrong key refused by keyhash",
	  "--key LABEL [--id HEX] IN OUT [--format raw|vhd] [--threads N] "
	  "[--chunk BYTES] [--remote] [--progress|--no-progress] [--force]" },
	{ "vhd", "verify", cmd_vhd_verify,
	  "check an encrypted VHD: blktap "
	  "rules, keyhash matches the key; --data hashes the plaintext",
	  "--key LABEL [--id HEX] FILE [--data] [--threads N] [--chunk BYTES] "
	  "[--remote] [--progress|--no-progress]" },
	{ "manifest", "verify", cmd_manifest_verify,
	  "check an import "
	  "manifest against the image before upload: fields, size, SHA-256, "
	  "keyhash; --key also checks the DEK and the binding",
	  "FILE IMAGE [--key LABEL [--id HEX]]" },
	{ NULL, "manifest", cmd_manifest,
	  "write the import manifest of an "
	  "encrypted VHD: createFromIcos parameters, hashes, wrapped DEK",
	  "--key LABEL [--id HEX] IMAGE [--out FILE] [--cos-uri "
	  "cos://REGION/BUCKET/"
	  "OBJECT] [--name NAME] [--os CODE] [--note TEXT] [--wdek FILE] "
	  "[--allow-unwrapped] [--force]" },
	{ NULL, "preflight", cmd_preflight,
	  "before upload or import: one line per check (IAM authorization, "
	  "bucket region, root key, WDEK unwrap, image); exit 6 if any fails",
	  "MANIFEST [--image FILE] [--cos-endpoint URL] " KP_OPTS_USAGE },
	{ "image", "import", cmd_image_import,
	  "import the encrypted image from COS as an image template "
	  "(createFromIcos with the manifest's parameters)",
	  "MANIFEST [--import-key-source SRC] [--wait [--interval S] "
	  "[--timeout S]] [--sl-url URL] " KP_OPTS_USAGE },
	{ "image", "show", cmd_image_show,
	  "show an image template and its import's state",
	  "ID [--sl-url URL] " KP_OPTS_USAGE },
	{ "image", "os-codes", cmd_image_os_codes,
	  "list the operatingSystemReferenceCode values a VHD import takes",
	  "[--sl-url URL] " KP_OPTS_USAGE },
	{ "cos", "put", cmd_cos_put,
	  "upload an image to Cloud Object Storage: multipart, resumable, "
	  "checked by HEAD (size, multipart ETag)",
	  "IMAGE [cos://REGION/BUCKET/OBJECT] [--manifest FILE] [--force] "
	  "[--threads N] [--part-size MIB] [--no-progress] [--cos-endpoint "
	  "URL] [--private|--direct] [--cacert FILE] [--iam-url URL] "
	  "[--api-key-source SRC | --hmac-source SRC]" },
	{ "kp", "keys", cmd_kp_keys, "list the Key Protect instance's keys",
	  "[--limit N] [--offset N] [--state 1,2,3,5] "
	  "[--root|--standard] " KP_OPTS_USAGE },
	{ "kp", "key-show", cmd_kp_key_show,
	  "show one Key Protect key's "
	  "metadata",
	  "KEY " KP_OPTS_USAGE },
	{ "kp", "key-create", cmd_kp_key_create,
	  "create a key generated by "
	  "Key Protect (root unless --standard)",
	  "NAME [--standard] "
	  "[--description D] [--alias A]... [--expiration "
	  "RFC3339] " KP_OPTS_USAGE },
	{ "kp", "key-delete", cmd_kp_key_delete, "delete a Key Protect key",
	  "KEY [--force] [--yes] " KP_OPTS_USAGE },
	{ "kp", "key-disable", cmd_kp_key_disable,
	  "suspend a Key Protect "
	  "root key",
	  "KEY " KP_OPTS_USAGE },
	{ "kp", "key-enable", cmd_kp_key_enable,
	  "re-enable a suspended Key "
	  "Protect key",
	  "KEY " KP_OPTS_USAGE },
	{ "kp", "key-versions", cmd_kp_key_versions,
	  "list a root key's "
	  "versions, newest first",
	  "KEY " KP_OPTS_USAGE },
	{ "kp", "import-token-create", cmd_kp_import_token_create,
	  "create an "
	  "import token for secure import",
	  "[--expiration SECONDS] "
	  "[--max-retrievals N] " KP_OPTS_USAGE },
	{ "kp", "import-token-show", cmd_kp_import_token_show,
	  "fetch the "
	  "import token (uses a retrieval): RSA key size and fingerprint",
	  KP_OPTS_USAGE },
	{ "key", "export-public", cmd_key_export_public,
	  "write a station's "
	  "transport or a bridge's signer public key as PEM and print its "
	  "fingerprint",
	  "--label T --out FILE [--force]" },
	{ "key", "trust-transport", cmd_key_trust_transport,
	  "SO: trust a "
	  "station's public key for wrapping exportable DEKs (audited from "
	  "a user session: the user PIN too)",
	  "--pubkey FILE --label S [--fingerprint HEX] [--so-pin-source SRC]" },
	{ "key", "trust-signer", cmd_key_trust_signer,
	  "SO: pin a bridge's "
	  "bundle signer key; the station accepts only bundles it signed",
	  "--pubkey FILE --label B [--fingerprint HEX] [--so-pin-source SRC]" },
	{ "key", "export", cmd_key_export,
	  "wrap an exportable DEK for a "
	  "trusted station key into a DEK bundle signed by the bridge",
	  "dek --label L --to STATION.pem --out FILE [--sign-with S] "
	  "[--oaep-hash sha256|sha1] [--force]" },
	{ "token", "audit", cmd_token_audit,
	  "list every key open to a classic "
	  "PKCS#11 attack (wrap-then-decrypt, re-import, ...); exit 6 if any",
	  "" },
	{ "audit", "verify", cmd_audit_verify,
	  "check the audit log: every "
	  "MAC in the token, the hash chain, the token's chain head",
	  "[FILE] [--syslog-copy COPY]" },
	{ "audit", "show", cmd_audit_show,
	  "print the audit log's records "
	  "(not verified)",
	  "[FILE] [--last N]" },
	{ "kp", "import-root", cmd_kp_import_root,
	  "new root key material "
	  "into Key Protect (import token) and into the token as root key L",
	  "--label L --name NAME [--alias A] [--host-assisted] "
	  "[--so-pin-source SRC] " KP_OPTS_USAGE },
	{ "kp", "rotate", cmd_kp_rotate,
	  "rotate an imported root key with new "
	  "material; the token keeps it as L.v<n>",
	  "--label L "
	  "[--host-assisted] [--drop-previous] [--so-pin-source "
	  "SRC] " KP_OPTS_USAGE },
	{ "kp", "unwrap", cmd_kp_unwrap,
	  "a Key Protect WDEK back into the "
	  "token as a DEK (keeps the re-wrapped WDEK after a rotation)",
	  "--kp-root ID --wdek-file F --label L [--exportable] "
	  "[--wdek-out FILE [--force]] " KP_OPTS_USAGE },
	{ "kp", "rewrap", cmd_kp_rewrap,
	  "re-wrap a DEK's stored WDEK under "
	  "the root key's newest version",
	  "--label L | --wdek-file F "
	  "--wdek-out FILE [--force] " KP_OPTS_USAGE },
};

const size_t cli_n_commands = sizeof(cli_commands) / sizeof(cli_commands[0]);

const struct cli_verb_kinds cli_verb_kinds[] = {
	{ "key", "create", key_create_kinds },
	{ "key", "import", key_import_kinds },
	{ NULL, NULL, NULL },
};
