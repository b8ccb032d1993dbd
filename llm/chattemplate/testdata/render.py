"""render.py writes the expected render of each case in cases.json
(<name>.want, or <name>.err for a template that refuses the conversation)
with Jinja2 set up as Hugging Face's apply_chat_template sets it up: the
ImmutableSandboxedEnvironment with trim_blocks, lstrip_blocks and
loopcontrols, tojson as json.dumps(ensure_ascii=False) and
raise_exception. The Go tests compare llm/chattemplate's renders to these.

    python3 render.py   (in this directory; needs jinja2)
"""
import json

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=["jinja2.ext.loopcontrols"])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

for case in json.load(open("cases.json", encoding="utf-8")):
    tmpl = env.from_string(open(case["template"], encoding="utf-8").read())
    try:
        out = tmpl.render(**case["vars"])
        open(case["name"] + ".want", "w", encoding="utf-8", newline="").write(out)
    except jinja2.exceptions.TemplateError as e:
        open(case["name"] + ".err", "w", encoding="utf-8").write(str(e) + "\n")
