/* SPDX-License-Identifier: MIT */
/* commands.h - one declaration per subcommand; each lives in its own file
 * (cli/cmd_<group>_<name>.c) and is listed once in commands.c. */
#ifndef P11SEAL_COMMANDS_H
#define P11SEAL_COMMANDS_H

struct cli;

int cmd_help(struct cli *c, int argc, char **argv);
int cmd_version(struct cli *c, int argc, char **argv);

int cmd_token_list(struct cli *c, int argc, char **argv);
int cmd_token_info(struct cli *c, int argc, char **argv);
int cmd_token_mechanisms(struct cli *c, int argc, char **argv);
int cmd_token_init(struct cli *c, int argc, char **argv);
int cmd_key_list(struct cli *c, int argc, char **argv);
int cmd_key_show(struct cli *c, int argc, char **argv);
/* `key create KIND` and `key import dek`, one row each in commands.c. */
int cmd_key_create_root(struct cli *c, int argc, char **argv);
int cmd_key_create_dek(struct cli *c, int argc, char **argv);
int cmd_key_create_dek_kp(struct cli *c, int argc, char **argv);
int cmd_key_create_transport(struct cli *c, int argc, char **argv);
int cmd_key_create_audit(struct cli *c, int argc, char **argv);
int cmd_key_create_signer(struct cli *c, int argc, char **argv);
int cmd_key_import_dek(struct cli *c, int argc, char **argv);
int cmd_key_import_bundle(struct cli *c, int argc, char **argv);
int cmd_key_delete(struct cli *c, int argc, char **argv);
int cmd_vhd_info(struct cli *c, int argc, char **argv);
int cmd_vhd_encrypt(struct cli *c, int argc, char **argv);
int cmd_vhd_decrypt(struct cli *c, int argc, char **argv);
int cmd_vhd_verify(struct cli *c, int argc, char **argv);
/* `manifest ...` and `manifest verify ...` (cmd_manifest passes the
 * latter on, so either table entry may come first). */
int cmd_manifest(struct cli *c, int argc, char **argv);
int cmd_manifest_verify(struct cli *c, int argc, char **argv);

int cmd_preflight(struct cli *c, int argc, char **argv);
int cmd_image_import(struct cli *c, int argc, char **argv);
int cmd_image_show(struct cli *c, int argc, char **argv);
int cmd_image_os_codes(struct cli *c, int argc, char **argv);
int cmd_kp_keys(struct cli *c, int argc, char **argv);
int cmd_kp_key_show(struct cli *c, int argc, char **argv);
int cmd_kp_key_create(struct cli *c, int argc, char **argv);
int cmd_kp_key_delete(struct cli *c, int argc, char **argv);
int cmd_kp_key_disable(struct cli *c, int argc, char **argv);
int cmd_kp_key_enable(struct cli *c, int argc, char **argv);
int cmd_kp_key_versions(struct cli *c, int argc, char **argv);
int cmd_kp_import_token_create(struct cli *c, int argc, char **argv);
int cmd_kp_import_token_show(struct cli *c, int argc, char **argv);
int cmd_key_export_public(struct cli *c, int argc, char **argv);
int cmd_key_trust_transport(struct cli *c, int argc, char **argv);
int cmd_key_trust_signer(struct cli *c, int argc, char **argv);
int cmd_key_export(struct cli *c, int argc, char **argv);

int cmd_token_audit(struct cli *c, int argc, char **argv);
int cmd_audit_verify(struct cli *c, int argc, char **argv);
int cmd_audit_show(struct cli *c, int argc, char **argv);
/* Key Protect and the token together. */
int cmd_kp_import_root(struct cli *c, int argc, char **argv);
int cmd_kp_rotate(struct cli *c, int argc, char **argv);
int cmd_kp_unwrap(struct cli *c, int argc, char **argv);
int cmd_kp_rewrap(struct cli *c, int argc, char **argv);

#endif
