/* SPDX-License-Identifier: MIT */
/* cmd_help.c - `p11seal help [GROUP [NAME [KIND]]]`, and the two
 * documents the build makes from the same tables: `help --man` (the
 * p11seal(1) page) and `help --completion bash`. A command's part of
 * each is printed by the command itself, run with --help (cli_help.h). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cli_help.h"
#include "commands.h"

struct help_args {
	bool man;
	const char *completion;
};

static const struct cli_opt help_opts[] = {
	{ "man", CLI_FLAG(struct help_args, man),
	  .help = "print the p11seal(1) man page (roff) instead" },
	{ "completion", CLI_STR(struct help_args, completion), .arg = "bash",
	  .help = "print the bash completion script instead" },
	{ NULL },
};

/* "key create", the name c->cmd carries while k runs. */
static void title(const struct cli_command *k, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s%s", k->group ? k->group : "",
	         k->group ? " " : "", k->name);
}

/* Run k (or its kind s) with --help, printing in c->help_fmt. */
static int run_help(struct cli *c, const struct cli_command *k,
                    const struct cli_subcommand *s)
{
	static char full[64];
	char name[32], flag[] = "--help";
	char *argv[] = { name, flag, NULL };

	title(k, full, sizeof(full));
	snprintf(name, sizeof(name), "%s", s ? s->kind : k->name);
	c->cmd = full;
	c->kind = s;
	if (s)
		return s->run(c, 2, argv);
	if (k->run)
		return k->run(c, 2, argv);
	cli_help_command(c, NULL); /* a verb: its kinds */
	return 0;
}

/* k's help, then each of its kinds' (skipping repeated rows). */
static void run_all(struct cli *c, const struct cli_command *k)
{
	const struct cli_subcommand *kinds = cli_command_kinds(k);

	run_help(c, k, NULL);
	for (const struct cli_subcommand *s = kinds; s && s->kind; s++)
		if (!cli_kind_repeats(kinds, s))
			run_help(c, k, s);
}

static const char man_head[] =
        ".TH P11SEAL 1 \"\" \"p11seal " P11SEAL_VERSION "\" \"User Commands\"\n"
        ".SH NAME\n"
        "p11seal \\- PKCS#11 token keys for encrypted VHD images, Key "
        "Protect and air\\-gapped key transport\n"
        ".SH SYNOPSIS\n"
        ".B p11seal\n"
        "[\\fIGLOBAL OPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]\n"
        ".SH DESCRIPTION\n"
        "p11seal keeps the keys of IBM Cloud encrypted images in a PKCS#11 "
        "token: it makes data encryption keys (DEKs) that never leave the "
        "token, encrypts and decrypts VHD images with them as "
        "\\fBvhd\\-util copy \\-k\\fR does, writes import manifests, talks "
        "to Key Protect, and moves DEKs to air\\-gapped stations.\n"
        ".PP\n"
        "Every command answers \\fB\\-\\-help\\fR; \\fBp11seal help\\fR "
        "lists them.\n"
        ".SH GLOBAL OPTIONS\n"
        "Global options go before the command or among its own options.\n";

static void man_page(struct cli *c)
{
	c->help_fmt = CLI_HELP_MAN;
	fputs(man_head, stdout);
	cli_help_man_table(stdout, cli_global_opts);
	cli_help_man_table(stdout, cli_global_only_opts);
	fputs(".SH COMMANDS\n", stdout);
	for (size_t i = 0; i < cli_n_commands; i++)
		run_all(c, &cli_commands[i]);
	fputs(".SH EXIT STATUS\n", stdout);
	for (const struct cli_exit_doc *d = cli_exit_docs; d->meaning; d++) {
		printf(".TP\n.B %d\n", d->code);
		cli_help_man_text(stdout, d->meaning);
		fputc('\n', stdout);
	}
	fputs(".SH ENVIRONMENT\n.TP\n.B P11SEAL_AUDIT_SYSLOG\n"
	      "0: no syslog copy of audit records, as \\fB\\-\\-no\\-syslog"
	      "\\fR.\n"
	      ".TP\n.B KP_URL\\fR, \\fBKP_INSTANCE_ID\\fR, \\fBIAM_URL\n"
	      "Key Protect defaults of the \\fBkp\\fR commands' options.\n"
	      ".TP\n.B IBMCLOUD_API_KEY\n"
	      "the API key, read by default (\\fB\\-\\-api\\-key\\-source "
	      "env:IBMCLOUD_API_KEY\\fR).\n"
	      ".SH FILES\n.TP\n.I $XDG_STATE_HOME/p11seal/audit.log\n"
	      "the default audit log.\n"
	      ".SH SEE ALSO\n"
	      ".BR p11tool (1),\n.BR pkcs11\\-tool (1),\n"
	      ".BR softhsm2\\-util (1),\n.BR qemu\\-img (1)\n",
	      stdout);
}

/* The shell part of the completion: data first (printed by
 * completion()), then this function reading it. */
static const char completion_fn[] =
        "# The words that may follow command path $1 (\"\" for the first).\n"
        "_p11seal_next()\n"
        "{\n"
        "\tlocal p rest\n"
        "\twhile IFS= read -r p; do\n"
        "\t\tif [ -z \"$1\" ]; then\n"
        "\t\t\trest=$p\n"
        "\t\telse\n"
        "\t\t\tcase $p in \"$1 \"*) rest=${p#\"$1 \"} ;; *) continue ;; "
        "esac\n"
        "\t\tfi\n"
        "\t\tcase $rest in *\" \"* | \"\") ;; *) printf '%s\\n' \"$rest\" ;; "
        "esac\n"
        "\tdone <<<\"$_p11seal_paths\" | sort -u\n"
        "}\n"
        "\n"
        "# The option words of command path $1 (\"--key=LABEL --force\"), "
        "globals too.\n"
        "_p11seal_opts()\n"
        "{\n"
        "\tlocal p w\n"
        "\twhile IFS=$'\\t' read -r p w; do\n"
        "\t\t[ \"$p\" = \"$1\" ] && printf '%s\\n' $w\n"
        "\tdone <<<\"$_p11seal_options\"\n"
        "\tprintf '%s\\n' $_p11seal_globals\n"
        "}\n"
        "\n"
        "_p11seal()\n"
        "{\n"
        "\tlocal cur=${COMP_WORDS[COMP_CWORD]} prev= i=1 w path= next arg\n"
        "\tCOMPREPLY=()\n"
        "\t[ \"$COMP_CWORD\" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD-1]}\n"
        "\t# global options before the command, and their values\n"
        "\twhile [ \"$i\" -lt \"$COMP_CWORD\" ]; do\n"
        "\t\tw=${COMP_WORDS[i]}\n"
        "\t\tcase $w in -*) ;; *) break ;; esac\n"
        "\t\tcase \" $_p11seal_globals \" in *\" $w=\"*) i=$((i + 1)) ;; "
        "esac\n"
        "\t\ti=$((i + 1))\n"
        "\tdone\n"
        "\t# the command: the words that extend a known path\n"
        "\twhile [ \"$i\" -lt \"$COMP_CWORD\" ]; do\n"
        "\t\tw=${COMP_WORDS[i]}\n"
        "\t\tgrep -qxF -- \"${path:+$path }$w\" <<<\"$_p11seal_paths\" || "
        "break\n"
        "\t\tpath=${path:+$path }$w\n"
        "\t\ti=$((i + 1))\n"
        "\tdone\n"
        "\t# the value of an option\n"
        "\tif [ -n \"$path\" ] && [[ $prev == -* ]]; then\n"
        "\t\targ=$(_p11seal_opts \"$path\" | grep -m1 -F -- \"$prev=\")\n"
        "\t\targ=${arg#*=}\n"
        "\t\tif [ -n \"$arg\" ]; then\n"
        "\t\t\tcase $arg in\n"
        "\t\t\t*[A-Z]* | *[!a-z0-9\\|]*) ;;\n"
        "\t\t\t*) COMPREPLY=($(compgen -W \"${arg//|/ }\" -- \"$cur\")) ;;\n"
        "\t\t\tesac\n"
        "\t\t\tcase $arg in\n"
        "\t\t\t*FILE* | PATH | F | COPY | *.pem)\n"
        "\t\t\t\tCOMPREPLY=($(compgen -f -- \"$cur\")) ;;\n"
        "\t\t\tesac\n"
        "\t\t\treturn 0\n"
        "\t\tfi\n"
        "\tfi\n"
        "\tif [[ $cur == -* ]]; then\n"
        "\t\tCOMPREPLY=($(compgen -W \"$(_p11seal_opts \"$path\" | "
        "sed 's/=.*//' | sort -u)\" -- \"$cur\"))\n"
        "\t\treturn 0\n"
        "\tfi\n"
        "\tnext=$(_p11seal_next \"$path\")\n"
        "\tif [ -n \"$next\" ] && [ \"$i\" -eq \"$COMP_CWORD\" ]; then\n"
        "\t\tCOMPREPLY=($(compgen -W \"$next\" -- \"$cur\"))\n"
        "\telif [ -n \"$path\" ]; then\n"
        "\t\tCOMPREPLY=($(compgen -f -- \"$cur\"))\n"
        "\tfi\n"
        "\treturn 0\n"
        "}\n"
        "complete -F _p11seal p11seal\n";

/* True if an earlier row of kinds has s's kind (`dek` and
 * `dek --kp-root` complete as one). */
static bool kind_seen(const struct cli_subcommand *kinds,
                      const struct cli_subcommand *s)
{
	for (const struct cli_subcommand *p = kinds; p < s; p++)
		if (strcmp(p->kind, s->kind) == 0)
			return true;
	return false;
}

/* Every command path: groups, commands, kinds; one a line. */
static void paths(void)
{
	for (size_t i = 0; i < cli_n_commands; i++) {
		const struct cli_command *k = &cli_commands[i];
		const struct cli_subcommand *kinds = cli_command_kinds(k);
		bool first = true;

		for (size_t j = 0; k->group && j < i; j++)
			if (cli_commands[j].group &&
			    strcmp(cli_commands[j].group, k->group) == 0)
				first = false;
		if (k->group && first)
			printf("%s\n", k->group);
		printf("%s%s%s\n", k->group ? k->group : "",
		       k->group ? " " : "", k->name);
		for (const struct cli_subcommand *s = kinds; s && s->kind; s++)
			if (!kind_seen(kinds, s))
				printf("%s%s%s %s\n", k->group ? k->group : "",
				       k->group ? " " : "", k->name, s->kind);
	}
}

static int completion(struct cli *c, const char *shell)
{
	if (strcmp(shell, "bash") != 0)
		return cli_usage(c, "--completion: '%s' is not bash", shell);
	c->help_fmt = CLI_HELP_WORDS;
	fputs("# bash completion for p11seal, made by `p11seal help "
	      "--completion bash`\n# from the option tables the commands "
	      "parse with.\n\n_p11seal_globals='",
	      stdout);
	cli_help_words(stdout, cli_global_opts);
	fputs(" -q -v'\n\n_p11seal_paths='\n", stdout);
	paths();
	fputs("'\n\n_p11seal_options='\n", stdout);
	for (size_t i = 0; i < cli_n_commands; i++)
		run_all(c, &cli_commands[i]);
	fputs("'\n\n", stdout);
	fputs(completion_fn, stdout);
	return 0;
}

/* The row named by argv (GROUP NAME or NAME), or NULL. */
static const struct cli_command *find(int argc, char **argv)
{
	for (size_t i = 0; i < cli_n_commands; i++) {
		const struct cli_command *k = &cli_commands[i];

		if (k->group && argc >= 2 && strcmp(k->group, argv[0]) == 0 &&
		    strcmp(k->name, argv[1]) == 0)
			return k;
	}
	for (size_t i = 0; i < cli_n_commands; i++) {
		const struct cli_command *k = &cli_commands[i];

		if (!k->group && strcmp(k->name, argv[0]) == 0)
			return k;
	}
	return NULL;
}

static bool is_group(const char *g)
{
	for (size_t i = 0; i < cli_n_commands; i++)
		if (cli_commands[i].group &&
		    strcmp(cli_commands[i].group, g) == 0)
			return true;
	return false;
}

/* `help GROUP NAME KIND`: each row of the kind. */
static int help_kind(struct cli *c, const struct cli_command *k,
                     const char *kind)
{
	const struct cli_subcommand *kinds = cli_command_kinds(k);
	int found = 0;

	for (const struct cli_subcommand *s = kinds; s && s->kind; s++)
		if (strcmp(s->kind, kind) == 0 && !cli_kind_repeats(kinds, s)) {
			if (found++)
				fputc('\n', stdout);
			run_help(c, k, s);
		}
	return found;
}

/* The words after "help" name nothing: one line, exit 2. */
static int unknown(const struct cli *c, int argc, char **argv)
{
	fprintf(stderr, "%s: help: no command '", c->prog);
	for (int i = 0; i < argc; i++)
		fprintf(stderr, "%s%s", i ? " " : "", argv[i]);
	fprintf(stderr, "' (run '%s help' for the list)\n", c->prog);
	return EXIT_USAGE;
}

/* The words after "help" (and its options) name a command. */
static int help_on(struct cli *c, int argc, char **argv)
{
	const struct cli_command *k;
	int used;

	if (argc == 0) {
		cli_help_commands(stdout);
		return 0;
	}
	k = find(argc, argv);
	if (!k && argc == 1 && is_group(argv[0])) {
		cli_help_group(stdout, argv[0]);
		return 0;
	}
	used = k ? (k->group ? 2 : 1) : 0;
	if (k && argc == used)
		return run_help(c, k, NULL);
	if (k && argc == used + 1 && cli_command_kinds(k) &&
	    help_kind(c, k, argv[argc - 1]))
		return 0;
	return unknown(c, argc, argv);
}

/* argv[0] is "help". Its options go on the table like any command's:
 * `help --help` is help's own help. */
int cmd_help(struct cli *c, int argc, char **argv)
{
	struct help_args a = { 0 };
	int rc = cli_opts_parse(
	        c,
	        &(struct cli_opts){ .sets = { { help_opts, &a } },
	                            .rest = true },
	        argc, argv);

	if (rc >= 0)
		return rc;
	if ((a.man || a.completion) &&
	    (optind < argc || (a.man && a.completion)))
		return cli_usage(c, "--man and --completion go alone");
	if (a.man) {
		man_page(c);
		return 0;
	}
	if (a.completion)
		return completion(c, a.completion);
	return help_on(c, argc - optind, argv + optind);
}
