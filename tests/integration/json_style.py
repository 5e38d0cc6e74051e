#!/usr/bin/env python3
"""json_style.py - p11seal's one JSON style (README, "JSON output").

  json_style.py [--kp] FILE   FILE holds exactly one JSON document, laid
                              out with two spaces per level and no TAB, and
                              every member name p11seal chose is snake_case;
                              with --kp the Key Protect and SoftLayer
                              objects (the members key, keys,
                              import_token and versions of a kp
                              command's document, image and os_codes of
                              an image command's) keep the service's
                              names. Prints what is wrong and exits 1.
  json_style.py --paths FILE  the member paths of FILE's document, one a
                              line, sorted ("geometry.heads", "keys[].id"):
                              what a README example is compared by.
  json_style.py --readme README
                              the README's examples, each as one line
                              "COMMAND<TAB>JSON" (a ```console block whose
                              first line is "$ p11seal ..." and whose rest
                              is the document it prints).
"""
import json
import re
import sys

SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
KP_MEMBERS = {"key", "keys", "import_token", "versions", "image", "os_codes"}


def layout_errors(text):
    """Lines whose indentation is not two spaces per open bracket."""
    errs = []
    depth = 0
    in_str = esc = False
    for n, line in enumerate(text.split("\n"), 1):
        if not line:
            continue
        stripped = line.lstrip(" ")
        want = depth - (1 if stripped[:1] in ("]", "}") else 0)
        if not in_str and len(line) - len(stripped) != 2 * want:
            errs.append("line %d: indented %d, not %d" %
                        (n, len(line) - len(stripped), 2 * want))
        for ch in line:
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch in "[{":
                depth += 1
            elif ch in "]}":
                depth -= 1
    return errs


def name_errors(v, path, kp, top=True):
    errs = []
    if isinstance(v, dict):
        for k, sub in v.items():
            if not SNAKE.match(k):
                errs.append("%s: member name %r is not snake_case" %
                            (path or "/", k))
            if kp and top and k in KP_MEMBERS:
                continue  # the service's object, the service's names
            errs += name_errors(sub, path + "." + k, kp, False)
    elif isinstance(v, list):
        for sub in v:
            errs += name_errors(sub, path + "[]", kp, False)
    return errs


def paths(v, path=""):
    out = set()
    if isinstance(v, dict):
        for k, sub in v.items():
            p = path + "." + k if path else k
            out.add(p)
            out |= paths(sub, p)
    elif isinstance(v, list):
        for sub in v:
            out |= paths(sub, path + "[]")
    return out


def readme(path):
    text = open(path, encoding="utf-8").read()
    for block in re.findall(r"```console\n(.*?)```", text, re.S):
        first, _, rest = block.partition("\n")
        if first.startswith("$ p11seal ") and rest.lstrip().startswith(("{", "[")):
            doc = json.loads(rest)
            print("%s\t%s" % (first[2:], json.dumps(doc)))


def main(argv):
    if len(argv) == 3 and argv[1] == "--readme":
        readme(argv[2])
        return 0
    if len(argv) == 3 and argv[1] == "--paths":
        with open(argv[2], encoding="utf-8") as f:
            print("\n".join(sorted(paths(json.load(f)))))
        return 0
    kp = "--kp" in argv[1:-1]
    with open(argv[-1], encoding="utf-8") as f:
        text = f.read()
    try:
        doc = json.loads(text)  # one document: anything after it fails
    except ValueError as e:
        print("not one JSON document: %s" % e)
        return 1
    errs = []
    if "\t" in text:
        errs.append("a TAB in the text")
    errs += layout_errors(text)
    errs += name_errors(doc, "", kp)
    for e in errs[:5]:
        print(e)
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
